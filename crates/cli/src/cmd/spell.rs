//! `ses spell check|suggest|languages|words`: the session's spellchecker.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};
use serde_json::{Value, json};

use crate::ctx::{CliError, Ctx};

/// `ses spell ...`.
#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Cmd,
}

/// Where dictionaries come from, for this run.
#[derive(ClapArgs, Debug)]
struct Sources {
    /// Languages to check, comma-separated (default: the session's, else en-US).
    #[arg(long, value_name = "L[,L...]", value_delimiter = ',')]
    lang: Vec<String>,
    /// Base URL to download missing dictionaries from (`<BASE>en_US.aff`, `.dic`).
    #[arg(long, value_name = "BASE")]
    dictionary_url: Option<String>,
    /// A directory with `<lang>.aff`/`.dic` files, searched first (repeatable).
    #[arg(long, value_name = "DIR")]
    dictionary_dir: Vec<PathBuf>,
    /// Do not look in the system's hunspell directories (/usr/share/hunspell, ...).
    #[arg(long)]
    no_system_dictionaries: bool,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Check TEXT; print each misspelled word with its byte range and suggestions.
    Check {
        #[command(flatten)]
        sources: Sources,
        /// The text to check.
        text: String,
    },
    /// Suggestions for WORD, merged over the languages in order.
    Suggest {
        #[command(flatten)]
        sources: Sources,
        /// The word.
        word: String,
    },
    /// `availableSpellCheckerLanguages`.
    Languages,
    /// The custom dictionary: list, add W, remove W.
    Words {
        #[command(subcommand)]
        command: WordsCmd,
    },
}

#[derive(Subcommand, Debug)]
enum WordsCmd {
    /// List the words (sorted).
    List,
    /// Add a word (false on an in-memory partition, for an invalid or present word).
    Add {
        /// The word.
        word: String,
    },
    /// Remove a word (false when absent).
    Remove {
        /// The word.
        word: String,
    },
}

fn apply(ctx: &Ctx, sources: &Sources) -> Result<(), CliError> {
    let checker = ctx.session.spellchecker();
    if !sources.lang.is_empty() {
        // For this run only: the partition's saved languages stay as they are.
        checker
            .set_spell_checker_languages(&sources.lang)
            .map_err(|e| CliError::failed(format!("--lang: {e}")))?;
    }
    if let Some(url) = &sources.dictionary_url {
        checker
            .set_spell_checker_dictionary_download_url(url)
            .map_err(|e| CliError::failed(format!("--dictionary-url: {e}")))?;
    }
    if !sources.dictionary_dir.is_empty() {
        checker.set_dictionary_dirs(sources.dictionary_dir.clone());
    }
    if sources.no_system_dictionaries {
        checker.set_system_dictionary_dirs(Vec::new());
    }
    Ok(())
}

async fn speller(ctx: &Ctx, sources: &Sources) -> Result<session::spellcheck::Speller, CliError> {
    apply(ctx, sources)?;
    ctx.session
        .spellchecker()
        .speller()
        .await
        .map_err(|e| CliError::failed(e.to_string()))
}

fn lines(words: &[String]) -> String {
    words.join("\n")
}

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    match args.command {
        Cmd::Check { sources, text } => {
            let speller = speller(ctx, &sources).await?;
            let found: Vec<(session::spellcheck::Misspelling, Vec<String>)> = speller
                .check_text(&text)
                .into_iter()
                .map(|m| {
                    let s = speller.suggest(&m.word);
                    (m, s)
                })
                .collect();
            let json = Value::Array(
                found
                    .iter()
                    .map(|(m, s)| {
                        json!({"word": m.word, "start": m.start, "end": m.end, "suggestions": s})
                    })
                    .collect(),
            );
            ctx.print(&json, || {
                found
                    .iter()
                    .map(|(m, s)| format!("{}\t{}..{}\t{}", m.word, m.start, m.end, s.join(", ")))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Suggest { sources, word } => {
            let suggestions = speller(ctx, &sources).await?.suggest(&word);
            ctx.print(&json!(suggestions), || lines(&suggestions));
        }
        Cmd::Languages => {
            let all = ctx.session.available_spell_checker_languages();
            ctx.print(&json!(all), || lines(&all));
        }
        Cmd::Words { command } => {
            let s = &ctx.session;
            let ok = match command {
                WordsCmd::List => {
                    let words = s.list_words_in_spell_checker_dictionary().await;
                    ctx.print(&json!(words), || lines(&words));
                    return Ok(());
                }
                WordsCmd::Add { word } => s.add_word_to_spell_checker_dictionary(&word),
                WordsCmd::Remove { word } => s.remove_word_from_spell_checker_dictionary(&word),
            };
            ctx.print(&json!({ "ok": ok }), || ok.to_string());
        }
    }
    Ok(())
}
