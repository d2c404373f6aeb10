//! `ses spell check|suggest|languages|words`: the session's spellchecker.
//!
//! `ses spell check` reads its text from the argument, from standard input (`-`) or from a file
//! (`@FILE`), of any size, and prints misspellings as it finds them; suggestions only with
//! `--suggest`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;

use session::spellcheck::{Misspelling, Speller, Suggestions};

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
    /// Check text; print each misspelled word with its byte range (and suggestions with
    /// --suggest), as they are found.
    Check {
        #[command(flatten)]
        sources: Sources,
        /// Also compute suggestions for each misspelled word (much slower on long texts).
        #[arg(long)]
        suggest: bool,
        /// The text itself, `-` to read standard input, or `@FILE` to read a file (UTF-8, any
        /// size; `@@...` is a text starting with `@`).
        #[arg(value_name = "TEXT|-|@FILE")]
        input: String,
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

async fn speller(ctx: &Ctx, sources: &Sources) -> Result<Speller, CliError> {
    apply(ctx, sources)?;
    ctx.session
        .spellchecker()
        .speller()
        .await
        .map_err(|e| CliError::report(&e))
}

/// Checks `input` (text, `-` or `@FILE`), printing each misspelling as it is found: a line
/// `word<TAB>start..end[<TAB>suggestions]`, or with `--json` one array written element by
/// element.
fn check(
    speller: &Speller,
    input: &str,
    suggestions: Suggestions,
    json: bool,
) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut first = true;
    let mut write_error: Option<std::io::Error> = None;
    let mut emit = |m: Misspelling| {
        if write_error.is_some() {
            return;
        }
        let line = if json {
            let sep = if first { "[" } else { "," };
            let mut v = json!({"word": m.word, "start": m.start, "end": m.end});
            if suggestions == Suggestions::Compute {
                v["suggestions"] = json!(m.suggestions);
            }
            format!("{sep}{v}")
        } else if suggestions == Suggestions::Compute {
            format!(
                "{}\t{}..{}\t{}\n",
                m.word,
                m.start,
                m.end,
                m.suggestions.join(", ")
            )
        } else {
            format!("{}\t{}..{}\n", m.word, m.start, m.end)
        };
        first = false;
        if let Err(e) = out.write_all(line.as_bytes()) {
            write_error = Some(e);
        }
    };
    let result = if input == "-" {
        speller.check_reader(
            "standard input",
            std::io::stdin().lock(),
            suggestions,
            &mut emit,
        )
    } else if let Some(path) = input.strip_prefix('@').filter(|p| !p.starts_with('@')) {
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::failed(format!("cannot open {path}: {e}")))?;
        speller.check_reader(path, file, suggestions, &mut emit)
    } else {
        let text = input.strip_prefix('@').unwrap_or(input);
        speller.check_reader("TEXT", text.as_bytes(), suggestions, &mut emit)
    };
    result.map_err(|e| CliError::failed(e.to_string()))?;
    if let Some(e) = write_error {
        return Err(CliError::failed(format!("cannot write the results: {e}")));
    }
    let close = match (json, first) {
        (true, true) => "[]\n",
        (true, false) => "]\n",
        (false, _) => "",
    };
    out.write_all(close.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::failed(format!("cannot write the results: {e}")))
}

fn lines(words: &[String]) -> String {
    words.join("\n")
}

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    match args.command {
        Cmd::Check {
            sources,
            suggest,
            input,
        } => {
            let speller = speller(ctx, &sources).await?;
            let suggestions = if suggest {
                Suggestions::Compute
            } else {
                Suggestions::Skip
            };
            let json = ctx.global.json;
            // Blocking reads and writes off the runtime's threads.
            tokio::task::spawn_blocking(move || check(&speller, &input, suggestions, json))
                .await
                .map_err(|e| CliError::failed(format!("spell check failed: {e}")))??;
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
