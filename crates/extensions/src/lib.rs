//! Unpacked Chrome extensions for a session: manifests, extension IDs, i18n messages, content
//! scripts and declarativeNetRequest rules.
//!
//! ```
//! assert_eq!(session_extensions::id::generate_id(b"test"), "jpignaibiiemhngfjkcpokkamffknabf");
//! ```

pub mod id;
