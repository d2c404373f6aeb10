//! The extensions of a session: everything of `session-extensions`, re-exported, as
//! [`Session::extensions`] (Electron's `session.extensions`), and Electron's deprecated
//! `session.loadExtension` family forwarding to it. Dynamic DNR rules of a persistent partition
//! live in `<partition>/Extension Rules/<id>/dynamic_rules.json`; in-memory sessions refuse to
//! load extensions, as Electron does.

use std::path::Path;

pub use session_extensions::*;

use crate::session::Session;

pub(crate) fn new_extensions(storage_path: Option<&Path>) -> Extensions {
    let mut config = ExtensionsConfig::persistent(storage_path.map(|d| d.join("Extension Rules")));
    config.persistent = storage_path.is_some();
    Extensions::new(config)
}

impl Session {
    /// `session.extensions`: load, remove, list, events, content scripts, DNR.
    pub fn extensions(&self) -> &Extensions {
        &self.inner.extensions
    }

    /// Electron's deprecated `ses.loadExtension`; forwards to
    /// [`Extensions::load_extension`].
    #[deprecated(note = "use session.extensions().load_extension")]
    pub fn load_extension(&self, path: &Path, options: LoadOptions) -> Result<Loaded, LoadError> {
        self.extensions().load_extension(path, options)
    }

    /// Electron's deprecated `ses.removeExtension`; forwards to
    /// [`Extensions::remove_extension`].
    #[deprecated(note = "use session.extensions().remove_extension")]
    pub fn remove_extension(&self, id: &str) {
        self.extensions().remove_extension(id)
    }

    /// Electron's deprecated `ses.getExtension`; forwards to [`Extensions::get_extension`].
    #[deprecated(note = "use session.extensions().get_extension")]
    pub fn get_extension(&self, id: &str) -> Option<Extension> {
        self.extensions().get_extension(id)
    }

    /// Electron's deprecated `ses.getAllExtensions`; forwards to
    /// [`Extensions::get_all_extensions`].
    #[deprecated(note = "use session.extensions().get_all_extensions")]
    pub fn get_all_extensions(&self) -> Vec<Extension> {
        self.extensions().get_all_extensions()
    }
}
