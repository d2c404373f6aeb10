//! `ses clear-data`: `Session::clear_data`.

use crate::ctx::{CliError, Ctx};
use session::{ClearDataOptions, DataType};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Data types to clear, comma-separated (Electron's names: cookies, cache, downloads, ...);
    /// all when omitted.
    #[arg(long, value_name = "T,...", value_delimiter = ',')]
    types: Option<Vec<String>>,
    /// Clear only data of these origins.
    #[arg(
        long,
        value_name = "O,...",
        value_delimiter = ',',
        conflicts_with = "exclude_origins"
    )]
    origins: Option<Vec<String>>,
    /// Clear data of every origin except these.
    #[arg(long, value_name = "O,...", value_delimiter = ',')]
    exclude_origins: Option<Vec<String>>,
}

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let data_types = args
        .types
        .map(|list| {
            list.iter()
                .map(|t| t.trim().parse::<DataType>())
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let options = ClearDataOptions {
        data_types,
        origins: args.origins,
        exclude_origins: args.exclude_origins,
        ..ClearDataOptions::default()
    };
    let counts = ctx.session.clear_data(options).await?;
    ctx.print(&serde_json::json!({}), || {
        format!(
            "cleared {} cookies, {} cache entries, {} downloads from the history",
            counts.cookies, counts.cache_entries, counts.downloads
        )
    });
    Ok(())
}
