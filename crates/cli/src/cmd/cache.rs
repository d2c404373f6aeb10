//! `ses cache size|clear`: `Session::get_cache_size` / `Session::clear_cache`.

use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;

use crate::ctx::{CliError, Ctx};

/// `ses cache` arguments (CLI.md).
#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// The bytes the session's HTTP cache holds.
    Size,
    /// Empty the session's HTTP cache.
    Clear,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    match args.action {
        Action::Size => {
            let bytes = ctx.session.get_cache_size();
            ctx.print(&json!({ "bytes": bytes }), || bytes.to_string());
        }
        Action::Clear => {
            ctx.session.clear_cache();
            ctx.print(&json!({}), String::new);
        }
    }
    Ok(())
}
