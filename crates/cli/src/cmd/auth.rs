//! `ses auth clear`, and the login answers of `ses fetch`: `-u USER[:PASS]`, `--auth-prompt`
//! and the global `--proxy-user USER[:PASS]`.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;
use session::net::auth::{AuthAnswer, AuthRequest, Credentials};

use crate::ctx::{CliError, Ctx};

/// `ses auth` commands.
#[derive(Subcommand, Debug)]
pub(crate) enum AuthCommand {
    /// Forget the session's cached HTTP credentials (`clearAuthCache`). The cache lives in
    /// memory, so this matters to the credentials gathered in this run only.
    Clear,
}

pub(crate) fn run(ctx: &Ctx, command: AuthCommand) -> Result<(), CliError> {
    match command {
        AuthCommand::Clear => {
            ctx.session.clear_auth_cache();
            ctx.print(&json!({}), String::new);
            Ok(())
        }
    }
}

/// The login flags of `ses fetch`.
#[derive(ClapArgs, Debug, Default)]
pub(crate) struct LoginArgs {
    /// Credentials for the server's 401 (curl's -u); asks for the password on a terminal when
    /// only USER is given.
    #[arg(short = 'u', long = "user", value_name = "USER[:PASS]")]
    pub(crate) user: Option<String>,
    /// Ask on the terminal whenever a server or proxy asks for credentials (as a browser's
    /// dialog would).
    #[arg(long)]
    pub(crate) auth_prompt: bool,
}

/// `USER[:PASS]`; without `:PASS` the password is asked on the terminal (an error elsewhere).
pub(crate) fn credentials(flag: &str, text: &str) -> Result<Credentials, CliError> {
    match text.split_once(':') {
        Some((u, p)) => Ok(Credentials::new(u, p)),
        None => {
            if !std::io::stdin().is_terminal() {
                return Err(CliError {
                    message: format!("{flag} {text}: no password given and no terminal to ask on"),
                    code: 2,
                });
            }
            let password = read_password(&format!("Password for {text}: "))
                .map_err(|e| CliError::failed(format!("{flag}: cannot read the password: {e}")))?;
            Ok(Credentials::new(text, password))
        }
    }
}

/// Reads one line from the terminal with echo off.
fn read_password(prompt: &str) -> std::io::Result<String> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let saved = tcgetattr(&stdin)?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    eprintln!();
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn read_line(prompt: &str) -> std::io::Result<String> {
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Asks on the terminal; cancel on an empty user name or no terminal.
fn prompt(req: &AuthRequest) -> AuthAnswer {
    if !std::io::stdin().is_terminal() {
        return AuthAnswer::Cancel;
    }
    let who = if req.is_proxy { "Proxy" } else { "Server" };
    eprintln!(
        "{who} {}:{} asks for {} credentials (realm \"{}\") for {}",
        req.host, req.port, req.scheme, req.realm, req.url
    );
    let Ok(user) = read_line("User (empty to cancel): ") else {
        return AuthAnswer::Cancel;
    };
    if user.is_empty() {
        return AuthAnswer::Cancel;
    }
    match read_password("Password: ") {
        Ok(p) => AuthAnswer::Credentials(Credentials::new(user, p)),
        Err(_) => AuthAnswer::Cancel,
    }
}

/// Installs the session's login handler for this run: `-u` answers the first server
/// challenge, `--proxy-user` the first proxy challenge; after that (they were refused),
/// `--auth-prompt` asks on the terminal, else the 401/407 is the answer.
pub(crate) fn install(ctx: &Ctx, login: &LoginArgs) -> Result<(), CliError> {
    let user = login
        .user
        .as_deref()
        .map(|u| credentials("-u", u))
        .transpose()?;
    let proxy_user = ctx
        .global
        .proxy_user
        .as_deref()
        .map(|u| credentials("--proxy-user", u))
        .transpose()?;
    if user.is_none() && proxy_user.is_none() && !login.auth_prompt {
        return Ok(());
    }
    let user = Arc::new(Mutex::new(user));
    let proxy_user = Arc::new(Mutex::new(proxy_user));
    let ask = login.auth_prompt;
    ctx.session.set_login_handler(Some(move |req: AuthRequest| {
        let once = if req.is_proxy { &proxy_user } else { &user };
        let given = once.lock().unwrap_or_else(|e| e.into_inner()).take();
        async move {
            match given {
                Some(c) => AuthAnswer::Credentials(c),
                None if ask => tokio::task::spawn_blocking(move || prompt(&req))
                    .await
                    .unwrap_or(AuthAnswer::Cancel),
                None => AuthAnswer::Cancel,
            }
        }
    }));
    Ok(())
}
