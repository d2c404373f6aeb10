//! `ses extensions`: what an unpacked extension gives when loaded (`info`), what it does to a URL
//! (`match`: content scripts and the declarativeNetRequest outcome), and the extensions of this
//! run (`load`, `list`, `remove`; `--extension DIR` loads one before the command).

use std::path::{Path, PathBuf};

use clap::{Args as ClapArgs, Subcommand};
use serde_json::{Value, json};
use session::extensions::dnr::{Decision, Request};
use session::extensions::{Extension, Extensions, ExtensionsConfig, Frame, LoadOptions};

use crate::ctx::{CliError, Ctx};

#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// What loading DIR gives: id, name, version, warnings, locale, rulesets and rule counts.
    Info {
        /// The extension directory.
        dir: PathBuf,
    },
    /// The content scripts and the declarativeNetRequest outcome for URL.
    Match {
        /// The extension directory.
        dir: PathBuf,
        /// The URL requested or shown.
        url: String,
        /// DNR resource type (main_frame, script, image, xmlhttprequest ...).
        #[arg(long = "type", default_value = "main_frame")]
        resource_type: String,
        /// The page that makes the request.
        #[arg(long)]
        initiator: Option<String>,
        /// HTTP method.
        #[arg(long, default_value = "GET")]
        method: String,
    },
    /// Load an unpacked extension into the session for this run (persistent partitions only).
    Load {
        /// The extension directory.
        path: PathBuf,
        /// Let its content scripts run on file:// URLs.
        #[arg(long)]
        allow_file_access: bool,
    },
    /// The extensions loaded in this run (by --extension).
    List,
    /// Remove an extension loaded in this run.
    Remove {
        /// The extension ID.
        id: String,
    },
}

fn absolute(dir: &Path) -> Result<PathBuf, CliError> {
    std::fs::canonicalize(dir).map_err(|e| CliError::failed(format!("{}: {e}", dir.display())))
}

fn extension_json(e: &Extension) -> Value {
    json!({"id": e.id, "name": e.name, "version": e.version, "path": e.path, "url": e.url, "manifest": e.manifest})
}

/// Loads DIR into extensions of their own (not the session's), with the run's languages.
fn standalone(
    ctx: &Ctx,
    dir: &Path,
) -> Result<(Extensions, session::extensions::Loaded), CliError> {
    let mut config = ExtensionsConfig::persistent(None);
    if let Some(l) = &ctx.global.accept_language {
        config.languages = l
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
    }
    let extensions = Extensions::new(config);
    let loaded = extensions
        .load_extension(&absolute(dir)?, LoadOptions::default())
        .map_err(|e| CliError::failed(e.to_string()))?;
    Ok((extensions, loaded))
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    match args.command {
        Command::Info { dir } => {
            let (extensions, loaded) = standalone(ctx, &dir)?;
            let e = &loaded.extension;
            let rulesets: Vec<Value> = extensions
                .rulesets(&e.id)
                .into_iter()
                .map(|(id, enabled, rules)| json!({"id": id, "enabled": enabled, "rules": rules}))
                .collect();
            let manifest = extensions.manifest(&e.id);
            let json = json!({
                "id": e.id,
                "name": e.name,
                "version": e.version,
                "path": e.path,
                "url": e.url,
                "manifestVersion": manifest.as_ref().map(|m| m.manifest_version),
                "currentLocale": e.manifest.get("current_locale"),
                "description": e.manifest.get("description"),
                "warnings": loaded.warnings,
                "contentScripts": manifest.as_ref().map_or(0, |m| m.content_scripts.len()),
                "rulesets": rulesets,
            });
            ctx.print(&json, || {
                let mut t = format!(
                    "id:       {}\nname:     {}\nversion:  {}\nurl:      {}",
                    e.id, e.name, e.version, e.url
                );
                for (id, enabled, rules) in extensions.rulesets(&e.id) {
                    t.push_str(&format!(
                        "\nruleset:  {id} ({rules} rules{})",
                        if enabled { "" } else { ", disabled" }
                    ));
                }
                for w in &loaded.warnings {
                    t.push_str(&format!("\nwarning:  {w}"));
                }
                t
            });
            Ok(())
        }
        Command::Match {
            dir,
            url,
            resource_type,
            initiator,
            method,
        } => {
            let (extensions, _) = standalone(ctx, &dir)?;
            let bad = |what: &str, e: url::ParseError| CliError {
                message: format!("{what}: {e}"),
                code: 2,
            };
            let url = url::Url::parse(&url).map_err(|e| bad("URL", e))?;
            let initiator = initiator
                .map(|i| url::Url::parse(&i))
                .transpose()
                .map_err(|e| bad("--initiator", e))?;
            let scripts = extensions.content_scripts_for(&url, Frame::TOP);
            let outcome = extensions.evaluate_request(&Request {
                url: &url,
                method: &method,
                resource_type: &resource_type,
                initiator: initiator.as_ref(),
            });
            let decision = match &outcome.decision {
                None => json!(null),
                Some(Decision::Block) => json!({"action": "block"}),
                Some(Decision::Allow) => json!({"action": "allow"}),
                Some(Decision::Redirect(u)) => json!({"action": "redirect", "url": u.as_str()}),
            };
            let headers = |list: &[session::extensions::dnr::HeaderEdit]| -> Vec<Value> {
                list.iter()
                    .map(|h| json!({"header": h.info.header, "operation": h.info.operation, "value": h.info.value}))
                    .collect()
            };
            let json = json!({
                "contentScripts": scripts,
                "dnr": decision,
                "requestHeaders": headers(&outcome.request_headers),
                "responseHeaders": headers(&outcome.response_headers),
                "matchedRules": outcome.matched,
            });
            ctx.print(&json, || {
                let mut t = String::new();
                for s in &scripts {
                    for f in s.js.iter().chain(&s.css) {
                        t.push_str(&format!("inject {:?} {}\n", s.run_at, f.display()));
                    }
                }
                match &outcome.decision {
                    None => t.push_str("dnr: no rule\n"),
                    Some(Decision::Block) => t.push_str("dnr: block\n"),
                    Some(Decision::Allow) => t.push_str("dnr: allow\n"),
                    Some(Decision::Redirect(u)) => t.push_str(&format!("dnr: redirect {u}\n")),
                }
                for h in outcome
                    .request_headers
                    .iter()
                    .chain(&outcome.response_headers)
                {
                    t.push_str(&format!(
                        "dnr: {} header {} {}\n",
                        h.info.operation,
                        h.info.header,
                        h.info.value.as_deref().unwrap_or("")
                    ));
                }
                for m in &outcome.matched {
                    t.push_str(&format!("matched: {} rule {}\n", m.ruleset_id, m.rule_id));
                }
                t.trim_end().to_owned()
            });
            Ok(())
        }
        Command::Load {
            path,
            allow_file_access,
        } => {
            let loaded = ctx
                .session
                .extensions()
                .load_extension(&absolute(&path)?, LoadOptions { allow_file_access })
                .map_err(|e| CliError::failed(e.to_string()))?;
            for w in &loaded.warnings {
                eprintln!("ses: warning: {w}");
            }
            let e = &loaded.extension;
            ctx.print(&extension_json(e), || {
                format!("{} {} {}", e.id, e.name, e.version)
            });
            Ok(())
        }
        Command::List => {
            let all = ctx.session.extensions().get_all_extensions();
            let json = Value::Array(all.iter().map(extension_json).collect());
            ctx.print(&json, || {
                all.iter()
                    .map(|e| format!("{} {} {}", e.id, e.name, e.version))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        Command::Remove { id } => {
            ctx.session.extensions().remove_extension(&id);
            ctx.print(&json!({}), String::new);
            Ok(())
        }
    }
}
