//! Runs every conformance suite and writes the markdown report (`docs/conformance.md` by default,
//! or the path given as the first argument). Exits 1 when a suite has unexpected failures.

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/conformance.md").into()
    });
    let mut md = String::from(
        "# Conformance\n\nWritten by `cargo xtask conformance`: each public suite run against the session crates. \
         Known deviations are listed with their reason; anything else failing is marked UNEXPECTED.\n\n",
    );
    let mut bad = false;
    for suite in session_conformance::SUITES {
        let report = (suite.run)();
        println!(
            "{}: {} of {} passed, {} unexpected failures, {} expected failures now passing",
            report.name,
            report.passed(),
            report.ran(),
            report.unexpected_failures().len(),
            report.fixed_expected_failures().len()
        );
        bad |= !report.unexpected_failures().is_empty();
        md.push_str(&report.to_markdown());
        md.push('\n');
    }
    if let Err(e) = std::fs::write(&out, md) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(1);
    }
    if bad {
        std::process::exit(1);
    }
}
