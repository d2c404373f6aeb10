//! `cargo xtask package`: every publishable crate has the metadata crates.io shows, depends only
//! on published crates (internal ones by version), builds with the `rust-version` it declares
//! as far as its dependencies tell, and packs with `cargo package` in dependency order.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// One workspace crate as the checks see it.
#[derive(Debug)]
pub(crate) struct Crate {
    pub(crate) name: String,
    pub(crate) publish: bool,
    pub(crate) version: String,
    /// Workspace crates it needs to build (normal and build dependencies).
    pub(crate) needs: BTreeSet<String>,
}

/// `cargo metadata` of the workspace, with its dependencies resolved (offline).
pub(crate) fn metadata() -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(crate::root())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v[key].as_str().filter(|s| !s.trim().is_empty())
}

/// `1.89` as `[1, 89, 0]`, so that `1.89` and `1.89.0` compare equal.
fn version(text: &str) -> [u64; 3] {
    let mut v = [0; 3];
    for (slot, part) in v.iter_mut().zip(text.split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    v
}

/// Checks the workspace's manifests; returns its crates, or every problem found.
pub(crate) fn check(meta: &Value) -> Result<Vec<Crate>, Vec<String>> {
    let mut problems = Vec::new();
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let packages: Vec<&Value> = meta["packages"].as_array().into_iter().flatten().collect();
    let by_id: BTreeMap<&str, &Value> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, *p)))
        .collect();
    let ours: Vec<&Value> = packages
        .iter()
        .copied()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(id)))
        .collect();
    // `publish = false` is an empty registry list.
    let publishable = |p: &Value| !p["publish"].as_array().is_some_and(Vec::is_empty);
    let internal: BTreeSet<&str> = ours
        .iter()
        .filter(|p| !publishable(p))
        .filter_map(|p| p["name"].as_str())
        .collect();
    let names: BTreeSet<&str> = ours.iter().filter_map(|p| p["name"].as_str()).collect();

    let mut crates = Vec::new();
    // (crate, versioned dev-dependency on another workspace crate)
    let mut dev_versioned = Vec::new();
    for p in &ours {
        let name = p["name"].as_str().unwrap_or("?");
        let publish = publishable(p);
        let mut needs = BTreeSet::new();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or("?");
            if !names.contains(dep) {
                continue;
            }
            let dev = d["kind"].as_str() == Some("dev");
            let req = d["req"].as_str().unwrap_or("*");
            if !dev {
                needs.insert(dep.to_string());
            }
            if !publish {
                continue;
            }
            if !dev && internal.contains(dep) {
                problems.push(format!(
                    "{name}: depends on {dep}, which is publish = false"
                ));
            } else if !dev && req == "*" {
                problems.push(format!("{name}: the path dependency {dep} has no version"));
            } else if dev && internal.contains(dep) && req != "*" {
                // A versioned dev-dependency is kept in the published manifest and would need
                // the internal crate on crates.io.
                problems.push(format!(
                    "{name}: the dev-dependency {dep} is publish = false but has a version"
                ));
            } else if dev && req != "*" {
                dev_versioned.push((name.to_string(), dep.to_string()));
            }
        }
        if publish {
            for key in [
                "description",
                "license",
                "repository",
                "readme",
                "rust_version",
            ] {
                if text(p, key).is_none() {
                    problems.push(format!("{name}: no `{}`", key.replace('_', "-")));
                }
            }
            let has_lib = p["targets"].as_array().into_iter().flatten().any(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "lib"))
            });
            if has_lib && text(p, "documentation").is_none() {
                problems.push(format!("{name}: no `documentation`"));
            }
            let keywords = p["keywords"].as_array().map_or(0, Vec::len);
            if !(1..=5).contains(&keywords) {
                problems.push(format!(
                    "{name}: {keywords} keywords (crates.io takes 1 to 5)"
                ));
            }
            if p["categories"].as_array().is_none_or(Vec::is_empty) {
                problems.push(format!("{name}: no `categories`"));
            }
            if let Some(readme) = text(p, "readme") {
                let dir = p["manifest_path"]
                    .as_str()
                    .and_then(|m| std::path::Path::new(m).parent());
                if dir.is_some_and(|d| !d.join(readme).is_file()) {
                    problems.push(format!("{name}: readme {readme} does not exist"));
                }
            }
        }
        crates.push(Crate {
            name: name.to_string(),
            publish,
            version: p["version"].as_str().unwrap_or("?").to_string(),
            needs,
        });
    }

    // A versioned dev-dependency on a crate that needs this one is a cycle: neither could be
    // published first.
    let needs: BTreeMap<&str, &BTreeSet<String>> =
        crates.iter().map(|c| (c.name.as_str(), &c.needs)).collect();
    for (name, dep) in &dev_versioned {
        let mut seen = BTreeSet::new();
        let mut stack = vec![dep.as_str()];
        while let Some(c) = stack.pop() {
            if seen.insert(c) {
                stack.extend(
                    needs
                        .get(c)
                        .into_iter()
                        .flat_map(|n| n.iter().map(String::as_str)),
                );
            }
        }
        if seen.contains(name.as_str()) {
            problems.push(format!(
                "{name}: the dev-dependency {dep} depends on {name}; with a version neither can \
                 be published first (make it path-only)"
            ));
        }
    }

    // rust-version: no dependency a publishable crate builds with may ask for a newer Rust.
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    for p in ours.iter().filter(|p| publishable(p)) {
        let name = p["name"].as_str().unwrap_or("?");
        let Some(ours_msrv) = text(p, "rust_version") else {
            continue;
        };
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = p["id"].as_str().into_iter().collect();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            for d in nodes
                .get(id)
                .and_then(|n| n["deps"].as_array())
                .into_iter()
                .flatten()
            {
                let built = d["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| k["kind"].as_str() != Some("dev"));
                if built && let Some(dep) = d["pkg"].as_str() {
                    stack.push(dep);
                }
            }
        }
        for id in seen {
            let Some(dep) = by_id.get(id) else { continue };
            if let Some(theirs) = text(dep, "rust_version")
                && version(theirs) > version(ours_msrv)
            {
                problems.push(format!(
                    "{name}: rust-version {ours_msrv}, but its dependency {} {} needs {theirs}",
                    dep["name"].as_str().unwrap_or("?"),
                    dep["version"].as_str().unwrap_or("?"),
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(crates)
    } else {
        Err(problems)
    }
}

/// The publishable crates, each after the workspace crates it needs.
pub(crate) fn publish_order(crates: &[Crate]) -> Vec<&str> {
    let mut order: Vec<&str> = Vec::new();
    let mut left: Vec<&Crate> = crates.iter().filter(|c| c.publish).collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|c| {
            let ready = c.needs.iter().all(|n| order.contains(&n.as_str()));
            if ready {
                order.push(&c.name);
            }
            !ready
        });
        if left.len() == before {
            // A cycle cargo would have refused already; keep the rest as they are.
            order.extend(left.iter().map(|c| c.name.as_str()));
            break;
        }
    }
    order
}

/// `cargo xtask package [--verify]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let verify = args.iter().any(|a| a == "--verify");
    let meta = metadata()?;
    let crates = check(&meta).map_err(|p| format!("package metadata:\n  {}", p.join("\n  ")))?;
    let order = publish_order(&crates);
    println!("publish order: {}", order.join(", "));
    // --allow-dirty: a check of what would be packed, also before a commit.
    let mut cargo_args = vec!["package", "--offline", "--allow-dirty"];
    if !verify {
        cargo_args.push("--no-verify");
    }
    for name in &order {
        cargo_args.extend(["-p", name]);
    }
    crate::cargo(&cargo_args)?;

    // Each package's Cargo.lock must take the workspace's crates, not namesakes on crates.io.
    let target = meta["target_directory"]
        .as_str()
        .ok_or("cargo metadata: no target_directory")?;
    let ours: BTreeMap<String, String> = crates
        .iter()
        .map(|c| (c.name.clone(), c.version.clone()))
        .collect();
    let mut problems = Vec::new();
    for c in crates.iter().filter(|c| c.publish) {
        let file = format!("{target}/package/{}-{}.crate", c.name, c.version);
        let out = Command::new("tar")
            .args([
                "-xzOf",
                &file,
                &format!("{}-{}/Cargo.lock", c.name, c.version),
            ])
            .output()
            .map_err(|e| format!("cannot run tar: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cannot read the Cargo.lock of {file}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        for (dep, version) in foreign_locks(&String::from_utf8_lossy(&out.stdout), &ours) {
            problems.push(format!(
                "{}: its package resolves {dep} to {dep} {version} from crates.io, not this \
                 workspace's {dep} {}: the name is taken there",
                c.name, ours[&dep]
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("packages:\n  {}", problems.join("\n  ")))
    }
}

/// The workspace crates (`ours`: name to version) that a packaged `Cargo.lock` takes at another
/// version, with that version.
pub(crate) fn foreign_locks(lock: &str, ours: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut name: Option<&str> = None;
    for line in lock.lines() {
        let value = |key: &str| line.strip_prefix(key).map(|v| v.trim().trim_matches('"'));
        if line == "[[package]]" {
            name = None;
        } else if let Some(n) = value("name = ") {
            name = Some(n);
        } else if let (Some(n), Some(v)) = (name, value("version = "))
            && ours.get(n).is_some_and(|ours| ours != v)
        {
            found.push((n.to_string(), v.to_string()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_publishable_crate_has_its_metadata() {
        let meta = metadata().expect("cargo metadata");
        let crates = match check(&meta) {
            Ok(c) => c,
            Err(problems) => panic!("package metadata:\n  {}", problems.join("\n  ")),
        };
        let order = publish_order(&crates);
        assert_eq!(order.first(), Some(&"session-base"), "{order:?}");
        let at = |n: &str| order.iter().position(|o| *o == n).expect(n);
        assert!(at("session-net") < at("electron-session"), "{order:?}");
        assert!(at("electron-session") < at("session-cli"), "{order:?}");
        assert!(!order.contains(&"session-test-support"), "{order:?}");
    }

    #[test]
    fn finds_a_namesake_in_a_packaged_lock() {
        let ours = BTreeMap::from([
            ("session".to_string(), "0.1.0".to_string()),
            ("session-base".to_string(), "0.1.0".to_string()),
        ]);
        let lock = "version = 4\n\n[[package]]\nname = \"session\"\nversion = \"0.1.8\"\n\
                    source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
                    [[package]]\nname = \"session-base\"\nversion = \"0.1.0\"\n";
        assert_eq!(
            foreign_locks(lock, &ours),
            vec![("session".to_string(), "0.1.8".to_string())]
        );
    }

    #[test]
    fn names_each_problem() {
        let meta = serde_json::json!({
            "workspace_members": ["a", "b", "t"],
            "packages": [
                {"id": "a", "name": "a", "publish": null, "rust_version": "1.80",
                 "license": "MIT", "repository": "https://r", "readme": null,
                 "keywords": [], "categories": ["x"], "targets": [{"kind": ["lib"]}],
                 "manifest_path": "/nonexistent/a/Cargo.toml",
                 "dependencies": [{"name": "t", "kind": null, "req": "*"},
                                  {"name": "b", "kind": "dev", "req": "^0.1.0"}]},
                {"id": "b", "name": "b", "publish": null, "rust_version": "1.80",
                 "description": "b", "license": "MIT", "repository": "https://r",
                 "keywords": ["b"], "categories": ["x"], "targets": [],
                 "dependencies": [{"name": "a", "kind": null, "req": "^0.1.0"}]},
                {"id": "t", "name": "t", "publish": [], "dependencies": [], "targets": []},
                {"id": "new", "name": "new", "version": "2.0.0", "rust_version": "1.85.0"}
            ],
            "resolve": {"nodes": [
                {"id": "a", "deps": [{"pkg": "new", "dep_kinds": [{"kind": null}]},
                                     {"pkg": "t", "dep_kinds": [{"kind": null}]}]}
            ]}
        });
        let problems = check(&meta).expect_err("problems");
        for expected in [
            "a: depends on t, which is publish = false",
            "a: no `description`",
            "a: no `readme`",
            "a: no `documentation`",
            "a: 0 keywords (crates.io takes 1 to 5)",
            "a: rust-version 1.80, but its dependency new 2.0.0 needs 1.85.0",
            "a: the dev-dependency b depends on a; with a version neither can be published \
             first (make it path-only)",
        ] {
            assert!(
                problems.iter().any(|p| p == expected),
                "{expected}: {problems:?}"
            );
        }
    }
}
