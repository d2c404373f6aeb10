//! Every suite: no unexpected failure, and no listed expected failure passing unnoticed.

#[test]
fn every_suite_matches_its_expected_failures() {
    let mut problems = Vec::new();
    for suite in session_conformance::SUITES {
        let report = (suite.run)();
        for (id, detail) in report.unexpected_failures() {
            problems.push(format!(
                "{}: unexpected failure {id}: {detail}",
                report.name
            ));
        }
        for id in report.fixed_expected_failures() {
            problems.push(format!(
                "{}: {id} is listed in expected-failures but did not fail; remove it",
                report.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
