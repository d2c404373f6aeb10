//! `ses ws URL`: a WebSocket through the session (`Session::websocket`): each line of stdin
//! goes as a text message, each message received is printed.

use clap::Args as ClapArgs;
use session::net::websocket::{CloseFrame, Message};
use tokio::io::AsyncBufReadExt;

use crate::ctx::{CliError, Ctx};

/// `ses ws` arguments (CLI.md).
#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    /// The URL (ws, wss; http and https stand for them).
    url: String,
    /// A request header of the handshake, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "K: V")]
    headers: Vec<String>,
    /// A subprotocol to offer (repeatable, in order of preference).
    #[arg(long = "protocol", value_name = "NAME")]
    protocols: Vec<String>,
    /// The Origin header of the handshake.
    #[arg(long, value_name = "ORIGIN")]
    origin: Option<String>,
    /// Print the handshake's status line and response headers first.
    #[arg(short = 'i', long = "include")]
    include: bool,
    #[command(flatten)]
    login: crate::cmd::auth::LoginArgs,
}

fn closed_by_server(code: Option<u16>, reason: &str) -> Result<(), CliError> {
    match code {
        None | Some(1000) | Some(1001) => Ok(()),
        Some(code) => Err(CliError::failed(format!(
            "the server closed the WebSocket with code {code}{}",
            if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            }
        ))),
    }
}

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    crate::cmd::auth::install(ctx, &args.login)?;
    let mut builder = ctx.session.websocket(&args.url);
    for h in &args.headers {
        // Checked here so that a bad one is a usage error (exit 2).
        crate::cmd::web_request::parse_header("-H", h)?;
        let (name, value) = h.split_once(':').unwrap_or((h, ""));
        builder = builder.header(name.trim(), value.trim());
    }
    for p in &args.protocols {
        builder = builder.protocol(p);
    }
    if let Some(origin) = &args.origin {
        builder = builder.origin(origin);
    }
    let mut ws = builder.connect().await.map_err(|e| CliError::report(&e))?;
    if args.include {
        let mut head = format!("HTTP/1.1 {}\n", ws.status());
        for (name, value) in ws.raw_headers() {
            head.push_str(&format!("{name}: {value}\n"));
        }
        head.push('\n');
        crate::ctx::out(head.as_bytes());
    }
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            line = lines.next_line(), if stdin_open => match line {
                Ok(Some(line)) => ws.send_text(line).await.map_err(|e| CliError::report(&e))?,
                Ok(None) => {
                    // Messages still on their way are printed until the server's close frame.
                    stdin_open = false;
                    ws.send(Message::Close(Some(CloseFrame { code: 1000, reason: String::new() })))
                        .await
                        .map_err(|e| CliError::report(&e))?;
                }
                Err(e) => return Err(CliError::failed(format!("cannot read stdin: {e}"))),
            },
            message = ws.recv() => match message {
                None => return Err(CliError::failed(format!(
                    "the WebSocket to {} closed without a close frame",
                    ws.url()
                ))),
                Some(Err(e)) => return Err(CliError::report(&e)),
                Some(Ok(Message::Text(text))) => {
                    crate::ctx::out(format!("{text}\n").as_bytes());
                }
                Some(Ok(Message::Binary(bytes))) => crate::ctx::out(&bytes),
                Some(Ok(Message::Close(frame))) => {
                    // Let the connection answer the close frame, then end.
                    while let Some(Ok(_)) = ws.recv().await {}
                    return match frame {
                        Some(f) => closed_by_server(Some(f.code), &f.reason),
                        None => closed_by_server(None, ""),
                    };
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            },
        }
    }
}
