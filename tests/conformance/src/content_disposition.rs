//! `Content-Disposition` file names: Chromium's `HttpContentDisposition` tables (tc2231 and
//! Chromium's own rows, parse-result flags) against `session_downloads::ContentDisposition`.
//! Go's strict `mime.ParseMediaType` reading of tc2231 is compared in the report's notes only:
//! Electron follows Chromium, which accepts what the strict reading rejects.

use serde::Deserialize;
use session_downloads::{ContentDisposition, DispositionType};

use crate::{Outcome, SuiteReport};

const NAME: &str = "content-disposition";

#[derive(Deserialize)]
struct FilenameCase {
    id: String,
    header: String,
    #[serde(default)]
    header_bytes_hex: Option<String>,
    #[serde(default)]
    referrer_charset: String,
    #[serde(default)]
    expected_type: Option<String>,
    expected_filename: String,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct FlagsFile {
    flag_values: std::collections::BTreeMap<String, u32>,
    cases: Vec<FlagsCase>,
}

#[derive(Deserialize)]
struct FlagsCase {
    id: String,
    header: String,
    #[serde(default)]
    header_bytes_hex: Option<String>,
    #[serde(default)]
    referrer_charset: String,
    expected_flags_value: u32,
}

#[derive(Deserialize)]
struct GoCase {
    id: String,
    header: String,
    expected_type: Option<String>,
    expected_params: Option<std::collections::BTreeMap<String, String>>,
    expect_error: bool,
}

/// The header as bytes: `header_bytes_hex` when given, else each char as one latin1 byte.
fn header_bytes(header: &str, hex_bytes: Option<&str>) -> Result<Vec<u8>, String> {
    if let Some(hex_bytes) = hex_bytes {
        return (0..hex_bytes.len())
            .step_by(2)
            .map(|i| {
                hex_bytes
                    .get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad header_bytes_hex {hex_bytes:?}"))
            })
            .collect();
    }
    header
        .chars()
        .map(|c| u8::try_from(u32::from(c)).map_err(|_| format!("non-latin1 header {header:?}")))
        .collect()
}

fn load<T: serde::de::DeserializeOwned>(file: &str) -> Result<T, String> {
    let path = crate::data_dir().join(NAME).join(file);
    let text = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

fn type_name(t: DispositionType) -> &'static str {
    match t {
        DispositionType::Inline => "inline",
        DispositionType::Attachment => "attachment",
    }
}

fn run_filename_cases(report: &mut SuiteReport, file: &str, compiled_out: bool) {
    let cases: Vec<FilenameCase> = match load(file) {
        Ok(c) => c,
        Err(e) => {
            report.record(file, Outcome::Fail(e));
            return;
        }
    };
    for case in cases {
        if compiled_out {
            let why = case.note.as_deref().unwrap_or("compiled out");
            report.record(
                case.id,
                Outcome::Skip(format!("not run by Chromium ({why})")),
            );
            continue;
        }
        let bytes = match header_bytes(&case.header, case.header_bytes_hex.as_deref()) {
            Ok(b) => b,
            Err(e) => {
                report.record(case.id, Outcome::Fail(e));
                continue;
            }
        };
        let got = ContentDisposition::parse(&bytes, &case.referrer_charset);
        let mut problems = Vec::new();
        if got.filename != case.expected_filename {
            problems.push(format!(
                "filename {:?}, expected {:?}",
                got.filename, case.expected_filename
            ));
        }
        if let Some(expected) = &case.expected_type
            && type_name(got.disposition_type) != expected
        {
            problems.push(format!(
                "type {}, expected {expected}",
                type_name(got.disposition_type)
            ));
        }
        let outcome = if problems.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("{:?}: {}", case.header, problems.join("; ")))
        };
        report.record(case.id, outcome);
    }
}

fn run_flag_cases(report: &mut SuiteReport) {
    let file: FlagsFile = match load("chromium-content-disposition-parse-flags.json") {
        Ok(f) => f,
        Err(e) => {
            report.record("chromium-parseresult", Outcome::Fail(e));
            return;
        }
    };
    let names = |bits: u32| -> Vec<&str> {
        file.flag_values
            .iter()
            .filter(|(_, v)| **v != 0 && bits & **v == **v)
            .map(|(k, _)| k.as_str())
            .collect()
    };
    for case in &file.cases {
        let outcome = match header_bytes(&case.header, case.header_bytes_hex.as_deref()) {
            Err(e) => Outcome::Fail(e),
            Ok(bytes) => {
                let got = ContentDisposition::parse(&bytes, &case.referrer_charset).parse_flags;
                if got == case.expected_flags_value {
                    Outcome::Pass
                } else {
                    Outcome::Fail(format!(
                        "{:?}: flags {:?}, expected {:?}",
                        case.header,
                        names(got),
                        names(case.expected_flags_value)
                    ))
                }
            }
        };
        report.record(case.id.clone(), outcome);
    }
}

/// Go's strict reading, summarised for the report (not counted as cases).
fn go_comparison() -> String {
    let cases: Vec<GoCase> = match load("go-mime-tc2231.json") {
        Ok(c) => c,
        Err(e) => return format!("Go comparison unavailable: {e}"),
    };
    let mut agree = 0;
    let mut differ = Vec::new();
    for case in &cases {
        let got = ContentDisposition::parse(case.header.as_bytes(), "");
        let expected_name = case
            .expected_params
            .as_ref()
            .and_then(|p| p.get("filename").cloned())
            .unwrap_or_default();
        let same = if case.expect_error {
            got.filename.is_empty()
        } else {
            let type_ok = case.expected_type.as_deref().is_none_or(|t| {
                t == type_name(got.disposition_type) || (t != "inline" && got.is_attachment())
            });
            type_ok && got.filename == expected_name
        };
        if same {
            agree += 1;
        } else {
            differ.push(format!(
                "`{}` ({:?}): ours {:?}, strict {}",
                case.id,
                case.header,
                got.filename,
                if case.expect_error {
                    "rejects the header".to_owned()
                } else {
                    format!("{expected_name:?}")
                }
            ));
        }
    }
    let mut md = format!(
        "Comparison with Go's strict RFC 6266/2231 reading of tc2231 (informational, not counted): \
         {agree} of {} rows give the same file name. The others are Chromium's deliberate \
         leniencies (accepting malformed headers, decoding percent escapes and raw UTF-8, no RFC 2231 \
         continuations) which Electron inherits:\n\n",
        cases.len()
    );
    for line in differ {
        md.push_str(&format!("- {}\n", line.replace('|', "\\|")));
    }
    md
}

/// Runs the suite.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(
        NAME,
        "Chromium `net/http/http_content_disposition_unittest.cc` (tc2231 and Chromium rows, BSD-3); \
         Go `mime/mediatype_test.go` tc2231 rows for comparison (BSD-3)",
    );
    run_filename_cases(&mut report, "chromium-content-disposition.json", false);
    run_filename_cases(
        &mut report,
        "chromium-content-disposition-compiled-out.json",
        true,
    );
    run_flag_cases(&mut report);
    report.extra_markdown = go_comparison();
    report
}
