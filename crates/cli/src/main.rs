//! `ses`: the command-line face of a session (see `CLI.md` for the contract).
//!
//! Exit status: 0 done; 1 the operation failed (one line on stderr naming the cause); 2 bad
//! usage. Errors go to stderr, also with `--json`.

mod cmd;
mod ctx;
mod verbose;

use clap::{CommandFactory, Parser, Subcommand};
use ctx::{CliError, Ctx, GlobalArgs};

#[derive(Parser)]
#[command(
    name = "ses",
    version,
    about = "Inspect and drive a session partition",
    after_help = "A persistent partition keeps a browser session across runs: session cookies \
                  received by one run are sent by the next, until `ses cookies end-session` or \
                  --junk-session-cookies. Exit status: 0 done, 1 failed, 2 bad usage, 22 \
                  `fetch --fail` got a status of 400 or more."
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Open the session and print what it is.
    Info,
    /// Delete a persistent partition from disk.
    Partition(cmd::partition::Args),
    /// HID, serial and USB devices: list, or run a chooser.
    Devices(cmd::devices::Args),
    /// Fetch a URL through the session (body to stdout).
    Fetch(Box<cmd::fetch::Args>),
    /// A WebSocket through the session: stdin lines sent as text, messages printed.
    Ws(cmd::ws::Args),
    /// Resolve a host name (host rules, host cache, system resolver).
    Resolve(cmd::resolve::Args),
    /// Proxy lookups with the global proxy options (`resolve_proxy`).
    #[command(subcommand)]
    Proxy(cmd::proxy::ProxyCommand),
    /// The session's cookie jar: list, set, remove, store, header, import, export, flush.
    Cookies(cmd::cookies::Args),
    /// Spellchecker: check text, suggest, languages, custom words.
    Spell(cmd::spell::Args),
    /// The session's HTTP cache: size, clear.
    Cache(cmd::cache::Args),
    /// Shared compression dictionaries: list, info, clear.
    Dictionaries(cmd::dictionaries::Args),
    /// Download a URL to disk (progress bar on a terminal).
    Download(cmd::download::DownloadArgs),
    /// The partition's downloads: list, resume or cancel.
    #[command(subcommand)]
    Downloads(cmd::downloads::DownloadsCommand),
    /// Clear cookies, cache (with HSTS policies) and download history, for some origins or all.
    ClearData(cmd::clear_data::Args),
    /// Unpacked extensions: info, match (content scripts, DNR), load, list, remove.
    Extensions(cmd::extensions::Args),
    /// HTTP authentication: clear the auth cache.
    #[command(subcommand)]
    Auth(cmd::auth::AuthCommand),
    /// HSTS policies of the partition: query, add, delete.
    #[command(subcommand)]
    Hsts(cmd::hsts::HstsCommand),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff); with --dir, write ses.1 and a page per command there
    /// (what `cargo xtask man` does).
    #[command(hide = true)]
    Manpage {
        /// Write ses.1, ses-fetch.1, ... into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // --help into a closed pipe, or a closed stderr: nothing to report.
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if cli.global.verbose {
        verbose::install();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => exit_with(CliError::failed(format!("cannot start the runtime: {e}"))),
    };
    if let Err(e) = runtime.block_on(run(cli)) {
        exit_with(e);
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    // Commands that must not open the session first.
    match cli.command {
        Command::Partition(args) => return cmd::partition::run(&cli.global, args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ses", &mut script);
            ctx::out(&script);
            return Ok(());
        }
        Command::Manpage { dir: Some(dir) } => {
            return clap_mangen::generate_to(Cli::command(), &dir).map_err(|e| {
                CliError::failed(format!(
                    "cannot write the manual pages to {}: {e}",
                    dir.display()
                ))
            });
        }
        Command::Manpage { dir: None } => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .map_err(|e| CliError::failed(format!("cannot render the manual page: {e}")))?;
            ctx::out(&page);
            return Ok(());
        }
        _ => {}
    }
    let mut global = cli.global;
    if let Command::Cookies(args) = &cli.command
        && args.ends_session()
    {
        // Opening without keeping session cookies drops them from the store.
        global.junk_session_cookies = true;
    }
    let ctx = Ctx::open(global)?;
    ctx.apply_proxy().await?;
    match cli.command {
        Command::Info => cmd::info::run(&ctx),
        Command::Devices(args) => cmd::devices::run(&ctx, args).await,
        Command::Fetch(args) => cmd::fetch::run(&ctx, *args).await,
        Command::Ws(args) => cmd::ws::run(&ctx, args).await,
        Command::Resolve(args) => cmd::resolve::run(&ctx, args).await,
        Command::Proxy(command) => cmd::proxy::run(&ctx, command).await,
        Command::Cookies(args) => cmd::cookies::run(&ctx, args),
        Command::Spell(args) => cmd::spell::run(&ctx, args).await,
        Command::Cache(args) => cmd::cache::run(&ctx, args),
        Command::Dictionaries(args) => cmd::dictionaries::run(&ctx, args).await,
        Command::Download(args) => cmd::download::run(&ctx, args).await,
        Command::Downloads(command) => cmd::downloads::run(&ctx, command).await,
        Command::ClearData(args) => cmd::clear_data::run(&ctx, args).await,
        Command::Extensions(args) => cmd::extensions::run(&ctx, args),
        Command::Auth(command) => cmd::auth::run(&ctx, command),
        Command::Hsts(command) => cmd::hsts::run(&ctx, command),
        Command::Partition(_) | Command::Completions { .. } | Command::Manpage { .. } => {
            unreachable!("handled above")
        }
    }
}

fn exit_with(e: CliError) -> ! {
    ctx::err_line(&format!("ses: {}", e.message));
    std::process::exit(e.code);
}

#[cfg(test)]
mod tests {
    /// clap's own checks of the whole command tree: no two arguments of a command share a name
    /// or a short flag (global ones such as `-v` included), defaults parse, and so on.
    #[test]
    fn the_command_definitions_are_consistent() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
