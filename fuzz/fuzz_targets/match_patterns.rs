//! Chrome match patterns and the globs of content scripts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_base::glob::Glob;
use session_base::pattern::{MatchPattern, MatchPatternSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let url = url::Url::parse("https://sub.example.com:8443/a/b?c=d").expect("url");
    let mut patterns = Vec::new();
    for line in text.lines() {
        if let Ok(p) = MatchPattern::parse(line) {
            let _ = p.matches(&url);
            if let Some(prev) = patterns.last() {
                let _ = p.overlaps(prev);
                let _ = p.contains(prev);
                let _ = p.intersection(prev);
            }
            patterns.push(p);
        }
        let _ = Glob::new(line).matches(url.as_str());
    }
    let set = MatchPatternSet::new(patterns);
    let _ = set.matches(&url);
});
