//! `ses dictionaries list|info|clear`: the session's shared compression dictionaries
//! (`getSharedDictionaryUsageInfo`, `getSharedDictionaryInfo`, `clearSharedDictionaryCache`,
//! `clearSharedDictionaryCacheForIsolationKey`).

use clap::{Args as ClapArgs, Subcommand};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::ctx::{CliError, Ctx};

/// `ses dictionaries` arguments.
#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(ClapArgs, Debug)]
struct Key {
    /// The origin of the frame that made the requests (a URL).
    #[arg(long, value_name = "URL")]
    frame_origin: String,
    /// The site of the top-level frame (a URL).
    #[arg(long, value_name = "URL")]
    top_frame_site: String,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Bytes stored per isolation key (frame origin, top-frame site).
    List,
    /// The dictionaries of one isolation key.
    Info(Key),
    /// Remove every dictionary, or those of one isolation key.
    Clear {
        /// The origin of the frame (with --top-frame-site: clear only that key).
        #[arg(long, value_name = "URL", requires = "top_frame_site")]
        frame_origin: Option<String>,
        /// The top-frame site (with --frame-origin).
        #[arg(long, value_name = "URL", requires = "frame_origin")]
        top_frame_site: Option<String>,
    },
}

fn millis(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    match args.action {
        Action::List => {
            let usage = ctx.session.get_shared_dictionary_usage_info();
            let rows: Vec<Value> = usage
                .iter()
                .map(|u| {
                    json!({
                        "frameOrigin": u.frame_origin,
                        "topFrameSite": u.top_frame_site,
                        "totalSizeBytes": u.total_size_bytes,
                    })
                })
                .collect();
            ctx.print(&Value::Array(rows), || {
                usage
                    .iter()
                    .map(|u| {
                        format!(
                            "{}\t{}\t{}",
                            u.frame_origin, u.top_frame_site, u.total_size_bytes
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Action::Info(key) => {
            let info = ctx
                .session
                .get_shared_dictionary_info(&key.frame_origin, &key.top_frame_site)?;
            let rows: Vec<Value> = info
                .iter()
                .map(|d| {
                    json!({
                        "match": d.match_pattern,
                        "matchDestinations": d.match_destinations,
                        "id": d.id,
                        "dictionaryUrl": d.dictionary_url.as_str(),
                        "lastFetchTime": millis(d.last_fetch_time),
                        "responseTime": millis(d.response_time),
                        "expirationDuration": d.expiration_duration.as_secs(),
                        "lastUsedTime": millis(d.last_used_time),
                        "size": d.size,
                        "hash": d.hash,
                    })
                })
                .collect();
            ctx.print(&Value::Array(rows), || {
                info.iter()
                    .map(|d| {
                        format!(
                            "{}\t{}\t{} bytes\tsha256 {}",
                            d.dictionary_url, d.match_pattern, d.size, d.hash
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Action::Clear {
            frame_origin,
            top_frame_site,
        } => {
            match (frame_origin, top_frame_site) {
                (Some(f), Some(t)) => {
                    ctx.session
                        .clear_shared_dictionary_cache_for_isolation_key(&f, &t)
                        .await?
                }
                _ => ctx.session.clear_shared_dictionary_cache().await,
            }
            ctx.print(&json!({}), String::new);
        }
    }
    Ok(())
}
