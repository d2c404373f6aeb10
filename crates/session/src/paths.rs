//! Where a partition lives on disk.

use std::path::{Path, PathBuf};

/// The directory of `persist:<name>` under `user_data`:
/// `<user_data>/Partitions/<escaped lowercased name>`.
///
/// Escaping follows Chromium's `base::EscapePath` (space, `"`, `#`, `%`, `:`, `<`, `>`, `?`, `[`,
/// `\`, `]`, `^`, backtick, `{`, `|`, `}`, control and non-ASCII bytes become `%XX`; `/` is kept
/// and makes sub-directories). Beyond Chromium, a `.` or `..` segment is escaped too and empty
/// segments are dropped, so a partition name can never point outside `Partitions/`.
pub(crate) fn partition_dir(user_data: &Path, name: &str) -> PathBuf {
    let mut dir = user_data.join("Partitions");
    let lower = name.to_lowercase();
    for segment in lower.split('/').filter(|s| !s.is_empty()) {
        let escaped = match segment {
            "." => "%2E".to_owned(),
            ".." => "%2E%2E".to_owned(),
            s => escape_segment(s),
        };
        dir.push(escaped);
    }
    dir
}

fn escape_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        let escape = !(0x20..0x7f).contains(&b)
            || matches!(
                b,
                b' ' | b'"'
                    | b'#'
                    | b'%'
                    | b':'
                    | b'<'
                    | b'>'
                    | b'?'
                    | b'['
                    | b'\\'
                    | b']'
                    | b'^'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
            );
        if escape {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// The default `user_data` of an application named `app_name`: the platform's config directory
/// (`$XDG_CONFIG_HOME`, `~/Library/Application Support`, `%APPDATA%`) joined with the name, as
/// Electron's `app.getPath('userData')`. Falls back to the temp dir when the platform has none.
pub(crate) fn default_user_data(app_name: &str) -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join(app_name)
}

/// The OS Downloads folder (`XDG_DOWNLOAD_DIR`, `~/Downloads`), Electron's default download path.
/// Looked up once per process (reading `user-dirs.dirs` for every new session was most of what
/// an in-memory session cost to create), as Chromium's path service does.
pub(crate) fn default_download_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        dirs::download_dir()
            .or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
            .unwrap_or_else(std::env::temp_dir)
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercased_and_escaped() {
        let root = Path::new("/ud");
        assert_eq!(
            partition_dir(root, "Work"),
            Path::new("/ud/Partitions/work")
        );
        assert_eq!(
            partition_dir(root, "a b:c%"),
            Path::new("/ud/Partitions/a%20b%3Ac%25")
        );
        assert_eq!(partition_dir(root, "x/y"), Path::new("/ud/Partitions/x/y"));
        assert_eq!(partition_dir(root, "é"), Path::new("/ud/Partitions/%C3%A9"));
    }

    #[test]
    fn names_never_leave_partitions() {
        let root = Path::new("/ud");
        assert_eq!(
            partition_dir(root, "../../etc"),
            Path::new("/ud/Partitions/%2E%2E/%2E%2E/etc")
        );
        assert_eq!(partition_dir(root, "/abs"), Path::new("/ud/Partitions/abs"));
    }
}
