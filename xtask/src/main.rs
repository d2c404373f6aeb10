//! Project automation, run as `cargo xtask <command>`:
//!
//! - `test`: the whole test suite (nextest when installed, plus doctests) — the README's command;
//! - `ci`: `cargo fmt --check`, clippy with warnings as errors, `test`, the docs with
//!   warnings as errors (`RUSTDOCFLAGS=-D warnings cargo doc --workspace --no-deps`), `package`
//!   and `cargo deny check bans licenses sources`;
//! - `package [--verify]`: checks the publishable crates' metadata (description, license,
//!   repository, readme, keywords, categories, rust-version, documentation, versioned internal
//!   dependencies, no dependency needing a newer Rust) and runs `cargo package` on each in
//!   dependency order (`--no-verify` unless `--verify`);
//! - `man [DIR]`: writes the manual pages of `ses` and of each of its commands, generated from
//!   its clap definitions, to DIR (default `target/man`);
//! - `conformance`: runs the public suites and writes `docs/conformance.md`;
//! - `bench`: runs every benchmark (ours against its anchors in one run) and writes
//!   `docs/benchmarks.md`;
//! - `fuzz [--seconds N] [TARGET ...]`: runs the cargo-fuzz targets of `fuzz/` (nightly) from
//!   their seed corpora and writes `docs/fuzzing.md`;
//! - `reliability [--trials N] [--seed S]`: the cookie burst and the crash trials
//!   (`session-reliability`, release build, minutes), written to `docs/reliability.md`;
//! - `demo`: starts the loopback test site and walks a persistent partition under
//!   `target/demo/` through what the library can do, printing each `ses` command and its output.

mod bench;
mod demo;
mod fuzz;
mod package;

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("ci") => ci(),
        Some("conformance") => conformance(),
        Some("bench") => bench::run(&args[1..]),
        Some("demo") => demo::run(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("reliability") => reliability(&args[1..]),
        Some("package") => package::run(&args[1..]),
        Some("man") => man(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <test|ci|conformance|bench|fuzz|demo|reliability|package|man>"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        std::process::exit(1);
    }
}

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs `cargo <args>` in the workspace root, failing on a non-zero exit.
pub(crate) fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with_env(args, &[])
}

/// Like [`cargo`], with extra environment variables for the child.
pub(crate) fn cargo_with_env(
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}

fn has_nextest() -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn test(extra: &[String]) -> Result<(), String> {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    if has_nextest() {
        let mut args = vec!["nextest", "run", "--workspace", "--no-fail-fast"];
        args.extend(&extra);
        cargo(&args)?;
        cargo(&["test", "--workspace", "--doc"])
    } else {
        let mut args = vec!["test", "--workspace", "--no-fail-fast"];
        args.extend(&extra);
        cargo(&args)
    }
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    test(&[])?;
    cargo_with_env(
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings".as_ref())],
    )?;
    package::run(&[])?;
    cargo(&["deny", "check", "bans", "licenses", "sources"])
        .map_err(|e| format!("{e} (install cargo-deny with `cargo install --locked cargo-deny`)"))
}

fn reliability(extra: &[String]) -> Result<(), String> {
    let out = root().join("docs/reliability.md");
    let out = out.to_str().ok_or("non-UTF-8 workspace path")?;
    let mut args = vec!["run", "--release", "-p", "session-reliability", "--", out];
    args.extend(extra.iter().map(String::as_str));
    cargo(&args)
}

fn conformance() -> Result<(), String> {
    let out = root().join("docs/conformance.md");
    let out = out.to_str().ok_or("non-UTF-8 workspace path")?;
    cargo(&["run", "--release", "-p", "session-conformance", "--", out])
}

/// `cargo xtask man [DIR]`: `ses manpage --dir DIR`, the pages clap_mangen renders from the
/// command's definitions.
fn man(args: &[String]) -> Result<(), String> {
    let dir = match args.first() {
        Some(d) => PathBuf::from(d),
        None => root().join("target/man"),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let dir_text = dir.to_str().ok_or("non-UTF-8 output directory")?;
    cargo(&[
        "run",
        "--quiet",
        "-p",
        "session-cli",
        "--",
        "manpage",
        "--dir",
        dir_text,
    ])?;
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".1"))
        .collect();
    pages.sort();
    println!(
        "{} pages in {}: {}",
        pages.len(),
        dir.display(),
        pages.join(" ")
    );
    Ok(())
}
