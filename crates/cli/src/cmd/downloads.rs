//! `ses downloads list|resume ID|cancel ID`: the partition's download journal.

use clap::Subcommand;
use session::downloads::{DownloadItem, DownloadState};

use crate::cmd::download::{follow, report, summary_json, summary_text};
use crate::ctx::{CliError, Ctx};

/// `ses downloads` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum DownloadsCommand {
    /// Every download in the partition's journal.
    List,
    /// Continue an interrupted download (a range request when the server allows).
    Resume {
        /// The download's id (see `ses downloads list`).
        id: u64,
    },
    /// Cancel a download and delete its partial file.
    Cancel {
        /// The download's id.
        id: u64,
    },
}

fn find(ctx: &Ctx, id: u64) -> Result<DownloadItem, CliError> {
    ctx.session
        .download(id)
        .ok_or_else(|| CliError::failed(format!("no download with id {id} in this partition")))
}

/// `ses downloads ...`.
pub(crate) async fn run(ctx: &Ctx, command: DownloadsCommand) -> Result<(), CliError> {
    match command {
        DownloadsCommand::List => {
            let items = ctx.session.downloads();
            let json = serde_json::Value::Array(items.iter().map(summary_json).collect());
            ctx.print(&json, || {
                items
                    .iter()
                    .map(|item| {
                        let s = item.summary();
                        format!(
                            "{:>4}  {:<11}  {:>12}/{:<12}  {}{}",
                            s.id,
                            s.state.as_str(),
                            s.received_bytes,
                            s.total_bytes,
                            if s.save_path.is_empty() {
                                &s.url
                            } else {
                                &s.save_path
                            },
                            s.interrupt_reason
                                .map(|r| format!("  ({r})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        DownloadsCommand::Resume { id } => {
            let item = find(ctx, id)?;
            if item.state() == DownloadState::Completed {
                return report(ctx, &item, DownloadState::Completed);
            }
            item.resume().map_err(|e| CliError::report(&e))?;
            let state = follow(&item).await?;
            report(ctx, &item, state)
        }
        DownloadsCommand::Cancel { id } => {
            let item = find(ctx, id)?;
            item.cancel();
            let state = item.done().await;
            ctx.print(&summary_json(&item), || summary_text(&item));
            match state {
                DownloadState::Cancelled => Ok(()),
                other => Err(CliError::failed(format!(
                    "download {id} is {other} and cannot be cancelled"
                ))),
            }
        }
    }
}
