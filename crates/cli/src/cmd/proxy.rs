//! `ses proxy resolve URL`: `Session::resolve_proxy` with the global proxy options.

use clap::Subcommand;

use crate::ctx::{CliError, Ctx};

/// `ses proxy` subcommands (CLI.md).
#[derive(Subcommand, Debug)]
pub(crate) enum ProxyCommand {
    /// The proxies for URL as a PAC string, e.g. "PROXY h:p;DIRECT".
    Resolve {
        /// The URL.
        url: String,
    },
}

pub(crate) async fn run(ctx: &Ctx, command: ProxyCommand) -> Result<(), CliError> {
    match command {
        ProxyCommand::Resolve { url } => {
            let proxy = ctx.session.resolve_proxy(&url).await.map_err(|e| {
                let code = if e.kind() == session::net::NetError::InvalidUrl {
                    2
                } else {
                    1
                };
                CliError {
                    message: e.to_string(),
                    code,
                }
            })?;
            ctx.print(&serde_json::json!({ "proxy": proxy }), || proxy.clone());
            Ok(())
        }
    }
}
