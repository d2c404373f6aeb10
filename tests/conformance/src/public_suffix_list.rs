//! The Public Suffix List's own test vectors (`tests/test_psl.txt`) against the registrable-domain
//! function the cookie jar uses (`session_base::origin::registrable_domain`, over the `psl` crate).

use serde::Deserialize;
use session_base::origin::registrable_domain;

use crate::{Outcome, SuiteReport};

const NAME: &str = "public-suffix-list";

#[derive(Deserialize)]
struct Case {
    id: u32,
    group: String,
    input: Option<String>,
    expected: Option<String>,
}

#[derive(Deserialize)]
struct File {
    cases: Vec<Case>,
}

/// The registrable domain as the suite defines it: lower-cased, `None` for a leading dot.
fn registrable(input: &str) -> Option<String> {
    let lower = input.to_lowercase();
    if lower.starts_with('.') {
        return None;
    }
    registrable_domain(&lower).map(str::to_owned)
}

/// Runs the 78 cases.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(NAME, "publicsuffix/list tests/test_psl.txt @e8c9a2b (CC0)");
    let path = crate::data_dir().join(NAME).join("psl-tests.json");
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
    for case in &file.cases {
        let got = case.input.as_deref().and_then(registrable);
        let outcome = if got == case.expected {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "{} {:?}: expected {:?}, got {:?}",
                case.group, case.input, case.expected, got
            ))
        };
        report.record(format!("{:03}", case.id), outcome);
    }
    report
}
