//! Unpacked Chrome extensions for a session: manifests, extension IDs, i18n messages, content
//! scripts and declarativeNetRequest rules.
