//! The IETF http-state cookie suite (Set-Cookie → Cookie cases and cookie-date vectors) against
//! `session_cookies::CookieJar`. The data stays in `../shared/conformance/cookies-http-state`
//! (IETF test vectors without a license file) and is read from there.

use serde::Deserialize;
use session_cookies::date::{Micros, format_http_date, parse_cookie_date};
use session_cookies::{CookieJar, CookieSource, Limits, RequestContext, header_value};
use url::Url;

use crate::{Outcome, SuiteReport};

const NAME: &str = "cookies-http-state";

/// The suite's clock: 2017-08-09T00:00:00Z, when its "future" Expires dates were in the future.
const CLOCK: Micros = 1_502_236_800 * 1_000_000;

#[derive(Deserialize)]
struct ParserCase {
    id: String,
    set_cookie: Vec<String>,
    set_url: String,
    get_url: String,
    expected_cookie_header: Option<String>,
}

#[derive(Deserialize)]
struct DateCase {
    id: String,
    input: String,
    expected_utc: Option<String>,
}

fn parser_case(case: &ParserCase) -> Result<Outcome, String> {
    let set_url = Url::parse(&case.set_url).map_err(|e| format!("set_url: {e}"))?;
    let get_url = Url::parse(&case.get_url).map_err(|e| format!("get_url: {e}"))?;
    let mut jar = CookieJar::new(Limits::default());
    let ctx = RequestContext::default();
    for line in &case.set_cookie {
        // Refused cookies are part of the expectation: only the resulting header counts.
        let _ = jar.set_from_header(&set_url, line, &ctx, CookieSource::Http, CLOCK);
    }
    let mut changes = Vec::new();
    let hits = jar.matching(
        &get_url,
        &ctx,
        CookieSource::Http,
        false,
        true,
        CLOCK,
        &mut changes,
    );
    let got = header_value(hits);
    let want = case.expected_cookie_header.clone().unwrap_or_default();
    Ok(if got == want {
        Outcome::Pass
    } else {
        Outcome::Fail(format!("Cookie: expected {want:?}, got {got:?}"))
    })
}

/// Runs the 222 parser cases and the 70 date cases.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(
        NAME,
        "abarth/http-state tests/data @155e45c (IETF test vectors), read from ../shared",
    );
    let dir = crate::shared_dir().join(NAME);
    if !dir.is_dir() {
        return report.skip_suite(format!(
            "{} is not present (this suite's data stays in ../shared)",
            dir.display()
        ));
    }
    let parser: Vec<ParserCase> = match std::fs::read_to_string(dir.join("http-state-parser.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(cases) => cases,
        Err(e) => {
            report.record(
                "parser",
                Outcome::Fail(format!("cannot read parser cases: {e}")),
            );
            Vec::new()
        }
    };
    for case in &parser {
        let outcome = parser_case(case).unwrap_or_else(Outcome::Fail);
        report.record(format!("parser/{}", case.id), outcome);
    }
    let dates: Vec<DateCase> = match std::fs::read_to_string(dir.join("http-state-dates.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(cases) => cases,
        Err(e) => {
            report.record(
                "dates",
                Outcome::Fail(format!("cannot read date cases: {e}")),
            );
            Vec::new()
        }
    };
    for case in &dates {
        let got = parse_cookie_date(&case.input).map(format_http_date);
        let outcome = if got == case.expected_utc {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "{:?}: expected {:?}, got {:?}",
                case.input, case.expected_utc, got
            ))
        };
        report.record(format!("dates/{}", case.id), outcome);
    }
    report.extra_markdown = format!(
        "{} Set-Cookie → Cookie cases (clock fixed at 2017-08-09) and {} cookie-date cases. \
         Expected failures are where RFC 6265bis and Chromium, which this jar follows, differ \
         from the 2011 expectations the suite encodes.",
        parser.len(),
        dates.len()
    );
    report
}
