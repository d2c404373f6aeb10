//! `ses info`: open the session and print what it is.

use crate::ctx::{CliError, Ctx};
use serde_json::json;

pub(crate) fn run(ctx: &Ctx) -> Result<(), CliError> {
    let s = &ctx.session;
    let storage = s.storage_path().map(|p| p.display().to_string());
    let json = json!({
        "partition": s.partition(),
        "persistent": s.is_persistent(),
        "storagePath": storage,
        "userAgent": s.user_agent(),
        "downloadPath": s.download_path().display().to_string(),
    });
    ctx.print(&json, || {
        format!(
            "partition:    {:?}\npersistent:   {}\nstoragePath:  {}\nuserAgent:    {}\ndownloadPath: {}",
            s.partition(),
            s.is_persistent(),
            storage.as_deref().unwrap_or("(in memory)"),
            s.user_agent(),
            s.download_path().display()
        )
    });
    Ok(())
}
