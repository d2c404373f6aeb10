//! `cargo xtask bench`: run every benchmark and render `docs/benchmarks.md`.
//!
//! `cargo xtask bench -p <crate> [-p <crate>...]` runs only those crates' benches and keeps the
//! other groups' last results, so one group can be measured again without rerunning all.

use crate::{cargo_with_env, root};
use session_test_support::bench::{self, BenchRow};
use std::fmt::Write;

pub(crate) fn run(extra: &[String]) -> Result<(), String> {
    let out_dir = root().join("target/bench-results");
    let some_packages = extra.iter().any(|a| a == "-p" || a == "--package");
    let mut args = vec!["bench", "--benches"];
    if !some_packages {
        let _ = std::fs::remove_dir_all(&out_dir);
        args.push("--workspace");
    }
    args.extend(extra.iter().map(String::as_str));
    cargo_with_env(&args, &[("SESSION_BENCH_OUT", out_dir.as_os_str())])?;
    let groups =
        bench::read_all_in(&out_dir).map_err(|e| format!("cannot read bench results: {e}"))?;
    let md = render(&groups);
    let path = root().join("docs/benchmarks.md");
    std::fs::write(&path, md).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn render(groups: &[(String, Vec<BenchRow>)]) -> String {
    let mut md = String::from(
        "# Benchmarks\n\nWritten by `cargo xtask bench`. Every row measures ours and its anchor in the same run on the \
         same machine; the ratio is ours / anchor. Goals come from the issues.\n\n",
    );
    let _ = writeln!(
        md,
        "Machine: {} CPUs; run at {}.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        now()
    );
    for (group, rows) in groups {
        let _ = writeln!(md, "## {group}\n");
        md.push_str("| metric | ours | anchor | anchor value | ratio | goal | met | note |\n|---|---|---|---|---|---|---|---|\n");
        for r in rows {
            let goal = r.goal_ratio.map_or(String::from("-"), |g| {
                format!(
                    "{} {}x",
                    if r.lower_is_better { "≤" } else { "≥" },
                    ratio_text(g)
                )
            });
            let met = match r.met() {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "-",
            };
            let _ = writeln!(
                md,
                "| {} | {:.3} {} | {} | {:.3} {} | {}x | {} | {} | {} |",
                r.metric,
                r.ours,
                r.unit,
                r.anchor,
                r.anchor_value,
                r.unit,
                ratio_text(r.ratio()),
                goal,
                met,
                r.note
            );
        }
        md.push('\n');
    }
    md
}

/// A ratio with enough digits to be read: `1.098`, `0.0033` (a goal of 1/300).
fn ratio_text(r: f64) -> String {
    if r != 0.0 && r.abs() < 0.1 {
        format!("{r:.4}")
    } else {
        format!("{r:.3}")
    }
}

fn now() -> String {
    std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
