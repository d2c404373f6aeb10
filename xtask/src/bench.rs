//! `cargo xtask bench`: run every benchmark and render `docs/benchmarks.md`.
//!
//! `cargo xtask bench -p <crate> [-p <crate>...]` runs only those crates' benches and replaces
//! only the tables of the groups they wrote in the existing `docs/benchmarks.md`: every other
//! group, and the prose note above each table (the conditions of its run, written by hand), stay
//! as they were, so one group can be measured again on any machine without rerunning all.

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
    let started = std::time::SystemTime::now();
    cargo_with_env(&args, &[("SESSION_BENCH_OUT", out_dir.as_os_str())])?;
    let groups =
        bench::read_all_in(&out_dir).map_err(|e| format!("cannot read bench results: {e}"))?;
    let path = root().join("docs/benchmarks.md");
    let md = if some_packages {
        // Only the groups this run wrote (the directory may hold older results).
        let fresh: Vec<_> = groups
            .into_iter()
            .filter(|(group, _)| {
                std::fs::metadata(out_dir.join(format!("{group}.json")))
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= started)
            })
            .collect();
        for (group, _) in &fresh {
            println!("group {group}: table replaced; check that its note still describes this run");
        }
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        merge(&old, &fresh)
    } else {
        render(&groups)
    };
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
        md.push_str(&table(rows));
        md.push('\n');
    }
    md
}

/// `old` (a rendered `docs/benchmarks.md`) with the table of each group in `fresh` replaced and
/// groups it did not have appended; headings, notes and other groups are kept as they are.
fn merge(old: &str, fresh: &[(String, Vec<BenchRow>)]) -> String {
    let mut out = String::new();
    let mut done = vec![false; fresh.len()];
    let mut lines = old.lines().peekable();
    let mut current: Option<usize> = None;
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("## ") {
            current = fresh.iter().position(|(g, _)| g == name.trim());
        }
        match current {
            Some(i) if line.starts_with('|') => {
                // The whole table of a re-run group gives way to the new one.
                while lines.peek().is_some_and(|l| l.starts_with('|')) {
                    lines.next();
                }
                out.push_str(&table(&fresh[i].1));
                done[i] = true;
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (i, (group, rows)) in fresh.iter().enumerate() {
        if !done[i] {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            let _ = writeln!(out, "## {group}\n");
            out.push_str(&table(rows));
        }
    }
    out
}

/// One group's table, its header included, each line ending in a newline.
fn table(rows: &[BenchRow]) -> String {
    let mut md = String::from(
        "| metric | ours | anchor | anchor value | ratio | goal | met | note |\n|---|---|---|---|---|---|---|---|\n",
    );
    {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(metric: &str, ours: f64) -> BenchRow {
        BenchRow {
            metric: metric.into(),
            unit: "us".into(),
            ours,
            anchor: "them".into(),
            anchor_value: 2.0,
            lower_is_better: true,
            goal_ratio: Some(1.0),
            note: String::new(),
        }
    }

    #[test]
    fn a_partial_run_replaces_only_its_groups_tables() {
        let old = "# Benchmarks\n\nMachine: 2 CPUs.\n\n## a\n\nNote of a.\n\n| metric | x |\n|---|---|\n| old a | 1 |\n\n## b\n\nNote of b.\n\n| metric | x |\n|---|---|\n| old b | 1 |\n";
        let merged = merge(old, &[("a".into(), vec![row("new a", 1.0)])]);
        assert!(merged.contains("Note of a."), "{merged}");
        assert!(merged.contains("| new a | 1.000 us |"), "{merged}");
        assert!(!merged.contains("old a"), "{merged}");
        assert!(
            merged.contains("Note of b.\n\n| metric | x |\n|---|---|\n| old b | 1 |\n"),
            "{merged}"
        );
        assert!(
            merged.starts_with("# Benchmarks\n\nMachine: 2 CPUs.\n\n## a\n"),
            "{merged}"
        );
        // The note keeps its place above the table and the gap before the next group stays.
        assert!(merged.contains(" |\n\n## b\n"), "{merged}");
    }

    #[test]
    fn a_new_group_is_appended() {
        let old = "# Benchmarks\n\n## a\n\n| metric | x |\n|---|---|\n| old a | 1 |\n";
        let merged = merge(old, &[("c".into(), vec![row("new c", 3.0)])]);
        assert!(
            merged.contains("| old a | 1 |\n\n## c\n\n| metric |"),
            "{merged}"
        );
        assert!(merged.contains("| new c | 3.000 us |"), "{merged}");
    }
}
