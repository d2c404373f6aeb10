//! Spellcheck: en-US downloaded from the test site, a sentence checked, a word added, and the
//! next process checks offline with the stored dictionary and the custom word.

use super::Demo;
use session_test_support::Resource;

pub(crate) fn download_check_and_add_a_word(demo: &Demo) -> Result<(), String> {
    let partition = "persist:Spell-Demo";
    for ext in ["aff", "dic"] {
        let path = format!("/usr/share/hunspell/en_US.{ext}");
        let body =
            std::fs::read(&path).map_err(|e| format!("{path}: {e} (install hunspell-en-us)"))?;
        demo.site.put(
            &format!("en_US.{ext}"),
            Resource {
                body: body.into(),
                etag: None,
                last_modified: None,
                headers: Vec::new(),
            },
        );
    }
    let base = demo.site.https_url("a.test", "/res/");
    let sentence = "Sessionkit checks speling in evry language you enable";
    demo.say("process 1 has no dictionary (system directories off): it downloads en_US.aff + .dic from the test site through the session's fetch");
    let found = demo.ses_json(&[
        "--partition",
        partition,
        "--json",
        "spell",
        "check",
        "--no-system-dictionaries",
        "--dictionary-url",
        &base,
        sentence,
    ])?;
    let words: Vec<&str> = found
        .as_array()
        .ok_or("spell check printed no array")?
        .iter()
        .filter_map(|m| m["word"].as_str())
        .collect();
    if words != ["Sessionkit", "speling", "evry"] {
        return Err(format!("unexpected misspellings: {found}"));
    }
    let stored = demo.user_data.join("Dictionaries").join("en_US.dic");
    if !stored.is_file() {
        return Err(format!("{} was not stored", stored.display()));
    }
    demo.say(&format!("stored for every session in {}", stored.display()));
    demo.say("process 2 adds the product name to the partition's Custom Dictionary.txt");
    demo.ses(&[
        "--partition",
        partition,
        "spell",
        "words",
        "add",
        "Sessionkit",
    ])?;
    demo.say("process 3 checks again, offline (no URL, no system directories): only the real typos remain");
    let requests = demo.site.requests().len();
    let found = demo.ses_json(&[
        "--partition",
        partition,
        "--json",
        "spell",
        "check",
        "--no-system-dictionaries",
        sentence,
    ])?;
    let words: Vec<&str> = found
        .as_array()
        .ok_or("spell check printed no array")?
        .iter()
        .filter_map(|m| m["word"].as_str())
        .collect();
    if words != ["speling", "evry"] {
        return Err(format!(
            "unexpected misspellings after adding a word: {found}"
        ));
    }
    if demo.site.requests().len() != requests {
        return Err("the offline check made a request".into());
    }
    demo.ses(&["--partition", partition, "spell", "words", "list"])?;
    Ok(())
}
