//! `ses hsts query|add|delete`: the partition's HSTS policies, as Chrome's net-internals
//! "Domain Security Policy" page shows and edits them (`Net::transport_security`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Subcommand;
use serde_json::{Value, json};

use crate::ctx::{CliError, Ctx};

/// `ses hsts` commands.
#[derive(Subcommand, Debug)]
pub(crate) enum HstsCommand {
    /// The policy that applies to HOST (its own, or a parent domain's with includeSubDomains).
    Query {
        /// The host name.
        host: String,
    },
    /// Add (or replace) HOST's own policy: later http:// requests to it go to https://.
    Add {
        /// The host name (not an IP address).
        host: String,
        /// How long the policy lasts, in seconds (default one year).
        #[arg(long, value_name = "SECONDS", default_value_t = 31_536_000)]
        max_age: u64,
        /// The policy covers the host's subdomains too.
        #[arg(long)]
        include_subdomains: bool,
    },
    /// Delete HOST's own policy (a parent domain's includeSubDomains policy still applies).
    Delete {
        /// The host name.
        host: String,
    },
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(crate) fn run(ctx: &Ctx, command: HstsCommand) -> Result<(), CliError> {
    let policies = ctx.session.net().transport_security();
    match command {
        HstsCommand::Query { host } => {
            let policy = policies.policy(&host);
            let value = match &policy {
                None => Value::Null,
                Some(p) => json!({
                    "domain": p.domain,
                    "includeSubdomains": p.include_subdomains,
                    "observed": millis(p.observed),
                    "expiry": millis(p.expiry),
                }),
            };
            ctx.print(
                &json!({ "host": host, "policy": value }),
                || match &policy {
                    None => format!("{host}: no HSTS policy"),
                    Some(p) => {
                        let left = p
                            .expiry
                            .duration_since(SystemTime::now())
                            .unwrap_or_default()
                            .as_secs();
                        let scope = if p.include_subdomains {
                            ", includeSubDomains"
                        } else {
                            ""
                        };
                        format!(
                            "{host}: https only (policy of {}{scope}, {left} s left)",
                            p.domain
                        )
                    }
                },
            );
        }
        HstsCommand::Add {
            host,
            max_age,
            include_subdomains,
        } => {
            policies
                .add(&host, Duration::from_secs(max_age), include_subdomains)
                .map_err(|e| CliError::report(&e))?;
            ctx.print(&json!({}), String::new);
        }
        HstsCommand::Delete { host } => {
            let deleted = policies.delete(&host);
            ctx.print(&json!({ "deleted": deleted }), || {
                if deleted {
                    format!("{host}: policy deleted")
                } else {
                    format!("{host}: had no policy of its own")
                }
            });
        }
    }
    Ok(())
}
