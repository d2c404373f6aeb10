//! Extension manifests, `messages.json` catalogs and declarativeNetRequest rules.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let root = std::path::Path::new("/nonexistent-fuzz-root");
    let _ = session_extensions::i18n::Catalog::parse(&root.join("messages.json"), text);
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let mut warnings = Vec::new();
        let _ = session_extensions::Manifest::from_value(&value, root, "136.0.0.0", &mut warnings);
    }
    if let Ok(rules) = serde_json::from_str::<Vec<session_extensions::dnr::rule::Rule>>(text) {
        let _ = session_extensions::dnr::compile_all(&rules);
    }
});
