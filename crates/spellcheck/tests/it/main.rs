//! Integration tests of session-spellcheck: real files, a real loopback HTTP server, Debian's
//! en_US dictionary (package `hunspell-en-us`).

mod custom;
mod download;
mod server;
mod settings;
mod system;
mod texts;

use std::path::Path;

/// Writes a tiny dictionary `<dir>/<stem>.aff` + `.dic`.
pub(crate) fn write_dict(dir: &Path, stem: &str, words: &[&str]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join(format!("{stem}.aff")), tiny_aff()).expect("aff");
    std::fs::write(dir.join(format!("{stem}.dic")), tiny_dic(words)).expect("dic");
}

pub(crate) fn tiny_aff() -> String {
    "SET UTF-8\nTRY esianrtolcdugmphbyfvkwzxjq\nSFX S Y 1\nSFX S 0 s .\n".to_owned()
}

pub(crate) fn tiny_dic(words: &[&str]) -> String {
    format!("{}\n{}\n", words.len(), words.join("\n"))
}
