//! `ses resolve HOST`: `Session::resolve_host`, Electron's `ResolvedHost`.

use clap::Args as ClapArgs;
use session::net::ResolveHostOptions;

use crate::ctx::{CliError, Ctx};

/// `ses resolve` arguments (CLI.md).
#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    /// The host name.
    host: String,
    /// A or AAAA.
    #[arg(long = "type", value_name = "A|AAAA")]
    query_type: Option<String>,
    /// any, system, dns, mdns or localOnly.
    #[arg(long, value_name = "SOURCE", default_value = "any")]
    source: String,
    /// allowed, staleAllowed or disallowed.
    #[arg(long, value_name = "USAGE", default_value = "allowed")]
    cache_usage: String,
}

fn usage(flag: &str, e: session::net::Error) -> CliError {
    CliError {
        message: format!("{flag}: {}", e.detail()),
        code: 2,
    }
}

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let options = ResolveHostOptions {
        query_type: match &args.query_type {
            Some(t) => Some(t.parse().map_err(|e| usage("--type", e))?),
            None => None,
        },
        source: args.source.parse().map_err(|e| usage("--source", e))?,
        cache_usage: args
            .cache_usage
            .parse()
            .map_err(|e| usage("--cache-usage", e))?,
        ..ResolveHostOptions::default()
    };
    let resolved = ctx
        .session
        .resolve_host(&args.host, options)
        .await
        .map_err(|e| CliError::report(&e))?;
    let json = serde_json::to_value(&resolved)
        .map_err(|e| CliError::failed(format!("cannot encode the answer: {e}")))?;
    ctx.print(&json, || {
        resolved
            .endpoints
            .iter()
            .map(|e| e.address.clone())
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
