//! Spellchecking with a session: the dictionary is downloaded once through the session's own
//! network stack into `<user_data>/Dictionaries/`, text is checked with byte ranges and
//! suggestions, and a custom word stops being a mistake.
//!
//! ```text
//! cargo run -p electron-session --example spellcheck -- "Some txet to chek"   # system dictionaries
//! cargo run -p electron-session --example spellcheck -- --offline             # download from a loopback site (CI)
//! ```
//!
//! `--offline` serves `/usr/share/hunspell/en_US.{aff,dic}` (Debian's hunspell-en-us) from the
//! loopback site, as a dictionary server would.

use session::{Session, SessionOptions, Sessions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let user_data = tempfile::tempdir()?;
    let sessions = Sessions::new(user_data.path());
    let session = sessions.from_partition("persist:spell", SessionOptions::default())?;
    if args.first().map(String::as_str) == Some("--offline") {
        return offline(&session, user_data.path()).await;
    }
    let text = args.join(" ");
    if text.is_empty() {
        return Err("usage: spellcheck TEXT | spellcheck --offline".into());
    }
    report(&session, &text).await?;
    Ok(())
}

/// Prints each misspelled word with its byte range and suggestions; returns the words.
async fn report(session: &Session, text: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let checker = session.spellchecker();
    let mut words = Vec::new();
    for m in checker.check_text(text).await? {
        let suggestions = checker.suggest(&m.word).await?;
        println!(
            "{}..{} {:?}: {}",
            m.start,
            m.end,
            m.word,
            suggestions.join(", ")
        );
        words.push(m.word);
    }
    Ok(words)
}

async fn offline(
    session: &Session,
    user_data: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use session_test_support::{HOST_RULES, Resource, TestSite};
    let site = TestSite::start();
    for ext in ["aff", "dic"] {
        let path = format!("/usr/share/hunspell/en_US.{ext}");
        let body = match std::fs::read(&path) {
            Ok(body) => body,
            Err(e) => {
                // The dictionary comes from Debian's hunspell-en-us (.ci/run installs it).
                println!("skipped: {path}: {e} (install hunspell-en-us)");
                return Ok(());
            }
        };
        site.put(
            &format!("en_US.{ext}"),
            Resource {
                body: body.into(),
                etag: None,
                last_modified: None,
                headers: Vec::new(),
            },
        );
    }
    session.net().set_host_rules(HOST_RULES.parse()?);
    session
        .net()
        .add_trusted_roots_pem(site.ca_pem().as_bytes())?;
    // Only the download: no system directories.
    session
        .spellchecker()
        .set_system_dictionary_dirs(Vec::new());
    session.set_spell_checker_dictionary_download_url(&site.https_url("a.test", "/res/"))?;

    let text = "Sessionkit checks speling in evry language";
    let words = report(session, text).await?;
    if words != ["Sessionkit", "speling", "evry"] {
        return Err(format!("unexpected misspellings: {words:?}").into());
    }
    if !user_data.join("Dictionaries").join("en_US.dic").is_file() {
        return Err("the downloaded dictionary was not stored".into());
    }
    if !session.add_word_to_spell_checker_dictionary("Sessionkit") {
        return Err("the custom word was refused".into());
    }
    let words = report(session, text).await?;
    if words != ["speling", "evry"] {
        return Err(format!("unexpected misspellings after adding a word: {words:?}").into());
    }
    println!("ok: downloaded en-US through the session, checked, learned a word");
    Ok(())
}
