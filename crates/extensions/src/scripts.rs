//! Which content scripts apply to a frame, and which files a web page may load.

use std::path::PathBuf;

use url::Url;

use crate::Extension;
use crate::manifest::{Manifest, RunAt};

/// The frame a document is shown in.
///
/// Example: see [`Extensions::content_scripts_for`](crate::Extensions::content_scripts_for).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The top-level frame (scripts without `all_frames` run only there).
    pub top_level: bool,
    /// An `about:blank`/`about:srcdoc` frame; the URL passed is its parent's.
    pub about_blank: bool,
}

impl Frame {
    /// A top-level frame.
    ///
    /// Example: see [`Extensions::content_scripts_for`](crate::Extensions::content_scripts_for).
    pub const TOP: Frame = Frame {
        top_level: true,
        about_blank: false,
    };
}

/// One content-script entry to inject.
///
/// Example: see [`Extensions::content_scripts_for`](crate::Extensions::content_scripts_for).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ScriptInjection {
    /// The extension.
    pub extension_id: String,
    /// Script files (absolute), in manifest order.
    pub js: Vec<PathBuf>,
    /// Style sheets (absolute), in manifest order.
    pub css: Vec<PathBuf>,
    /// When to run.
    pub run_at: RunAt,
    /// `ISOLATED` or `MAIN`.
    pub world: String,
}

/// Appends the injections of one extension for `url` in `frame`.
pub(crate) fn for_extension(
    ext: &Extension,
    manifest: &Manifest,
    allow_file_access: bool,
    url: &Url,
    frame: Frame,
    out: &mut Vec<ScriptInjection>,
) {
    for cs in &manifest.content_scripts {
        if !frame.top_level && !cs.all_frames {
            continue;
        }
        if frame.about_blank && !(cs.match_about_blank || cs.match_origin_as_fallback) {
            continue;
        }
        // blob: and filesystem: documents are matched by their origin when the script asks.
        let origin_url;
        let target: &Url = match url.scheme() {
            "blob" | "filesystem" => {
                if !cs.match_origin_as_fallback {
                    continue;
                }
                let origin = url.origin();
                if !origin.is_tuple() {
                    continue;
                }
                match Url::parse(&format!("{}/", origin.ascii_serialization())) {
                    Ok(u) => {
                        origin_url = u;
                        &origin_url
                    }
                    Err(_) => continue,
                }
            }
            _ => url,
        };
        if target.scheme() == "file" && !allow_file_access {
            continue;
        }
        let spec = target.as_str();
        let applies = cs.matches.iter().any(|p| p.matches(target))
            && !cs.exclude_matches.iter().any(|p| p.matches(target))
            && (cs.include_globs.is_empty() || cs.include_globs.iter().any(|g| g.matches(spec)))
            && !cs.exclude_globs.iter().any(|g| g.matches(spec));
        if !applies {
            continue;
        }
        let abs = |f: &String| ext.path.join(f.trim_start_matches('/'));
        out.push(ScriptInjection {
            extension_id: ext.id.clone(),
            js: cs.js.iter().map(abs).collect(),
            css: cs.css.iter().map(abs).collect(),
            run_at: cs.run_at,
            world: cs.world.clone(),
        });
    }
}

/// Whether `path` (starting with `/`) is web-accessible to `initiator`.
pub(crate) fn web_accessible(
    manifest: &Manifest,
    path: &str,
    initiator: Option<&Url>,
    own_id: &str,
) -> bool {
    manifest.web_accessible_resources.iter().any(|war| {
        if !war.resources.iter().any(|g| g.matches(path)) {
            return false;
        }
        match (&war.matches, initiator) {
            (None, _) => true,
            (Some(_), Some(i)) if i.scheme() == "chrome-extension" => {
                let other = i.host_str().unwrap_or("");
                other == own_id || war.extension_ids.iter().any(|e| e == "*" || e == other)
            }
            (Some(patterns), Some(i)) => {
                // Matched by origin, as Chromium does.
                let origin = Url::parse(&format!("{}/", i.origin().ascii_serialization())).ok();
                origin.is_some_and(|o| patterns.iter().any(|p| p.matches(&o)))
            }
            (Some(_), None) => false,
        }
    })
}
