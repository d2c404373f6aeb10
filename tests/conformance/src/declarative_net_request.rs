//! Chromium's `UrlPatternTest.MatchesUrl` vectors (the matcher behind DNR `urlFilter`) against
//! `session_extensions::dnr::url_filter`, each built from its explicit anchors and case flag.

use serde::Deserialize;
use session_extensions::dnr::url_filter::{LeftAnchor, UrlFilter};

use crate::{Outcome, SuiteReport};

const NAME: &str = "declarative-net-request";

#[derive(Deserialize)]
struct Case {
    id: String,
    pattern: String,
    anchor_left: String,
    anchor_right: String,
    match_case: bool,
    url: String,
    expected_match: bool,
}

#[derive(Deserialize)]
struct File {
    cases: Vec<Case>,
}

/// Runs the 117 cases.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(
        NAME,
        "chromium components/url_pattern_index/url_pattern_unittest.cc MatchesUrl (BSD-3)",
    );
    let path = crate::data_dir()
        .join(NAME)
        .join("url-filter-matching.json");
    let file: File = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(f) => f,
        Err(e) => {
            report.record("load", Outcome::Fail(format!("{}: {e}", path.display())));
            return report;
        }
    };
    for c in file.cases {
        let left = match c.anchor_left.as_str() {
            "BOUNDARY" => LeftAnchor::Boundary,
            "SUBDOMAIN" => LeftAnchor::Subdomain,
            _ => LeftAnchor::None,
        };
        let filter = UrlFilter::new(&c.pattern, left, c.anchor_right == "BOUNDARY", c.match_case);
        let outcome = match url::Url::parse(&c.url) {
            Ok(u) => {
                let spec = u.as_str();
                let lower = spec.to_ascii_lowercase();
                let host = (
                    u[..url::Position::BeforeHost].len(),
                    u[..url::Position::AfterHost].len(),
                );
                let got = filter.matches(spec, &lower, host);
                if got == c.expected_match {
                    Outcome::Pass
                } else {
                    Outcome::Fail(format!(
                        "{:?} ({}/{}) on {}: {got}, expected {}",
                        c.pattern, c.anchor_left, c.anchor_right, c.url, c.expected_match
                    ))
                }
            }
            Err(e) => Outcome::Fail(format!("{}: {e}", c.url)),
        };
        report.record(c.id, outcome);
    }
    report
}
