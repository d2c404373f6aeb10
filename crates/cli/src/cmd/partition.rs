//! `ses partition delete`: delete a persistent partition from disk.

use crate::ctx::{CliError, GlobalArgs};
use clap::Subcommand;

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Delete the partition's directory (refused while another process has it open).
    Delete,
}

pub(crate) fn run(global: &GlobalArgs, args: Args) -> Result<(), CliError> {
    match args.action {
        Action::Delete => {
            let sessions = global.sessions();
            let deleted = match &global.path {
                Some(path) => sessions.delete_path(path)?,
                None => sessions.delete_partition(&global.partition)?,
            };
            if global.json {
                crate::ctx::out_line("{}");
            } else {
                crate::ctx::out_line(&format!("deleted {}", deleted.display()));
            }
            Ok(())
        }
    }
}
