//! docs/CLI.md is the contract: every command it documents exists, with every flag it lists.

use crate::ses;

struct Section {
    command: Vec<String>,
    flags: Vec<String>,
}

/// The `### ses ...` sections of docs/CLI.md with the flags of their tables, and the flags of
/// the "Global options" table (command empty).
fn documented() -> Vec<Section> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/CLI.md");
    let text = std::fs::read_to_string(&path).expect("docs/CLI.md");
    let mut sections: Vec<Section> = Vec::new();
    let mut in_globals = false;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ses ") {
            in_globals = false;
            sections.push(Section {
                command: heading.split_whitespace().map(String::from).collect(),
                flags: Vec::new(),
            });
            continue;
        }
        if line.starts_with("## ") {
            in_globals = line.trim() == "## Global options";
            if in_globals {
                sections.push(Section {
                    command: Vec::new(),
                    flags: Vec::new(),
                });
            }
            continue;
        }
        if line.starts_with("### ") {
            in_globals = false;
            continue;
        }
        // A table row whose first cell is `flag ...`: every -x / --long in that cell.
        let Some(cell) = line.strip_prefix("| `") else {
            continue;
        };
        let Some(first) = cell.split('|').next() else {
            continue;
        };
        let Some(section) = sections.last_mut() else {
            continue;
        };
        if section.command.is_empty() && !in_globals {
            continue;
        }
        for token in first.split(|c: char| c.is_whitespace() || c == ',' || c == '`') {
            if token.starts_with('-') && token.len() > 1 && token != "-" {
                section.flags.push(token.to_string());
            }
        }
    }
    sections
}

#[test]
fn every_documented_command_and_flag_exists() {
    let sections = documented();
    assert!(sections.len() > 20, "the sections were found");
    let mut checked = 0;
    for section in &sections {
        let mut args: Vec<&str> = section.command.iter().map(String::as_str).collect();
        args.push("--help");
        let out = ses(&args);
        assert!(
            out.status.success(),
            "`ses {}` is documented in docs/CLI.md but does not exist: {}",
            section.command.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in &section.flags {
            let found = help
                .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']' || c == '=')
                .any(|t| t == flag);
            assert!(
                found,
                "docs/CLI.md lists `{flag}` for `ses {}`, which its --help does not have:\n{help}",
                section.command.join(" ")
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "the flags were found ({checked})");
}
