//! Running text in German, French, Spanish and British English, checked by
//! `session_spellcheck::Speller::check_text` and by the `hunspell -l` command with the same
//! Debian dictionaries, compared over distinct words.
//!
//! A word is a case (`<lang>/<word>`) when the two disagree about it: one flags it and the other
//! does not. Each disagreement is classified:
//!
//! - tokenisation that is Chromium's behaviour, or hunspell's own (its dictionaries add `-` and
//!   `.` to the word characters, its parser splits at an apostrophe, it reads letters out of
//!   `x86`): these pass, counted per class in the report;
//! - a verdict difference (both read the same word and judge it differently) or an unexplained
//!   tokenisation difference: these fail, and must be listed in `expected-failures` with why.
//!
//! The texts come from Debian packages (`fortunes-de`, `fortunes-es`, `fortunes`,
//! `debian-faq-fr`); a language whose text, dictionary or the `hunspell` command is absent is
//! reported as not run.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use session_spellcheck::{Engine, Speller, text};

use crate::{Outcome, SuiteReport};

const NAME: &str = "hunspell-texts";
const DICT_DIR: &str = "/usr/share/hunspell";
const FORTUNES: &str = "/usr/share/games/fortunes";

/// One language's text: the Electron language code, the dictionary stem, and the files read
/// (gzip-compressed when they end in `.gz`), with the package that ships them.
struct Corpus {
    language: &'static str,
    stem: &'static str,
    package: &'static str,
    files: &'static [&'static str],
}

const CORPORA: &[Corpus] = &[
    Corpus {
        language: "de",
        stem: "de_DE",
        package: "fortunes-de",
        files: &[
            "de/anekdoten",
            "de/sprichworte",
            "de/letzteworte",
            "de/kinderzitate",
            "de/stilblueten",
            "de/wusstensie",
            "de/sprueche",
            "de/murphy",
            "de/mathematiker",
            "de/fussball",
        ],
    },
    Corpus {
        language: "fr",
        stem: "fr_FR",
        package: "debian-faq-fr",
        files: &["/usr/share/doc/debian/FAQ/debian-faq.fr.txt.gz"],
    },
    Corpus {
        language: "es",
        stem: "es_ES",
        package: "fortunes-es",
        files: &[
            "es/amistad.fortunes",
            "es/ciencia.fortunes",
            "es/filosofia.fortunes",
            "es/libertad.fortunes",
            "es/proverbios.fortunes",
            "es/verdad.fortunes",
            "es/vida.fortunes",
        ],
    },
    Corpus {
        language: "en-GB",
        stem: "en_GB",
        package: "fortunes",
        files: &["literature", "wisdom", "education"],
    },
];

/// Why a disagreement is what it is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Class {
    /// Accepted by us through Chromium's contraction rule (each part between `'`/`.` a word).
    Contraction,
    /// A hyphenated word whose parts are all words: Chromium checks the parts.
    HyphenParts,
    /// Followed by a dot in the text and in the dictionary with its dot (`ed.`, `Eng.`): we
    /// look it up so, hunspell's parser keeps the dot only where the dictionary's word
    /// characters include it.
    Abbreviation,
    /// Chromium keeps a word with inner `'` or `.` whole (`It's`, `B.K.S`) and flags it when a
    /// part is wrong; hunspell splits it there and flags the part.
    HunspellSplits,
    /// Hunspell's dictionaries make `-`, `.` or `'` word characters: it reads a longer token
    /// (`Ex-`, `'Blah`, `-DM.`) than our word.
    HunspellWordChars,
    /// Hunspell reads letters next to digits (`x` of `x86`, `AMD64`); we skip words with digits.
    Digits,
    /// Hunspell reads letters next to `_` (`OVERRIDE` of `OVERRIDE_FILE`); we skip identifiers.
    Underscore,
    /// In a URL, an e-mail address or a file path, which we skip.
    UrlOrPath,
    /// Our dictionary engine and hunspell judge the same word differently.
    Verdict,
    /// A tokenisation difference none of the above explains.
    Tokenisation,
}

impl Class {
    fn passes(self) -> bool {
        !matches!(self, Class::Verdict | Class::Tokenisation)
    }

    fn describe(self) -> &'static str {
        match self {
            Class::Contraction => {
                "Chromium's contraction rule: inner `'`/`.`, every part a word (ours)"
            }
            Class::HyphenParts => "hyphenated word whose parts are words, as Chromium checks them",
            Class::Abbreviation => {
                "abbreviation the dictionary has with its dot (hunspell's parser drops the dot)"
            }
            Class::HunspellSplits => {
                "inner `'`/`.`: Chromium keeps one word, hunspell splits and flags a part"
            }
            Class::HunspellWordChars => {
                "hunspell's dash/dot/apostrophe word characters give a longer token"
            }
            Class::Digits => "letters with digits: hunspell checks them, we skip the word",
            Class::Underscore => "letters next to `_`: hunspell checks them, we skip identifiers",
            Class::UrlOrPath => "inside a URL, e-mail address or path (we skip those)",
            Class::Verdict => "verdict: same word, different judgement",
            Class::Tokenisation => "tokenisation, unexplained",
        }
    }
}

/// Runs the suite.
pub fn run() -> SuiteReport {
    let mut report = SuiteReport::new(
        NAME,
        "running text from Debian packages (fortunes-de, debian-faq-fr, fortunes-es, fortunes), \
         our `check_text` against `hunspell -l` with Debian's dictionaries",
    );
    if Command::new("hunspell").arg("-v").output().is_err() {
        return report.skip_suite("the `hunspell` command is absent (Debian package hunspell)");
    }
    let mut table = String::from(
        "| language | text | distinct words | flagged by hunspell | flagged by us | agreement | disagreements by class |\n|---|---|---|---|---|---|---|\n",
    );
    let mut ran = 0;
    for corpus in CORPORA {
        match compare(corpus) {
            Ok(c) => {
                ran += 1;
                let mut classes: BTreeMap<Class, Vec<&str>> = BTreeMap::new();
                for (word, class) in &c.disagreements {
                    classes.entry(*class).or_default().push(word);
                    let id = format!("{}/{word}", corpus.language);
                    let outcome = if class.passes() {
                        Outcome::Pass
                    } else {
                        Outcome::Fail(format!("{}: {:?}", class.describe(), word))
                    };
                    report.record(id, outcome);
                }
                let by_class = classes
                    .iter()
                    .map(|(class, words)| {
                        let sample: Vec<String> =
                            words.iter().take(4).map(|w| format!("`{w}`")).collect();
                        format!(
                            "{} {} ({})",
                            words.len(),
                            class.describe(),
                            sample.join(", ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                table.push_str(&format!(
                    "| {} | {} ({} words, {} KB) | {} | {} | {} | {:.2}% | {} |\n",
                    corpus.language,
                    corpus.package,
                    c.running_words,
                    c.bytes / 1000,
                    c.distinct,
                    c.hunspell_flagged,
                    c.ours_flagged,
                    100.0 * (c.distinct - c.disagreements.len()) as f64 / c.distinct.max(1) as f64,
                    if by_class.is_empty() {
                        "none".into()
                    } else {
                        by_class
                    },
                ));
            }
            Err(reason) => {
                table.push_str(&format!(
                    "| {} | {} | not run: {reason} | | | | |\n",
                    corpus.language, corpus.package
                ));
            }
        }
    }
    if ran == 0 {
        return report.skip_suite("no language had its text, its dictionary and hunspell");
    }
    report.extra_markdown = format!(
        "{table}\nDistinct words: every word either side read (ours: the words of \
         `text::for_each_word` and the parts of hyphenated ones; hunspell's: the words `-l` \
         and `-G` print). Agreement: the share of those on whose verdict (flagged or not) the two \
         agree. Classes that are Chromium's behaviour or hunspell's own tokenisation pass; \
         verdict and unexplained tokenisation differences are failures."
    );
    report
}

struct Comparison {
    running_words: usize,
    bytes: usize,
    distinct: usize,
    hunspell_flagged: usize,
    ours_flagged: usize,
    disagreements: Vec<(String, Class)>,
}

fn read_text(corpus: &Corpus) -> Result<String, String> {
    let mut text = String::new();
    for file in corpus.files {
        let path = if file.starts_with('/') {
            Path::new(file).to_owned()
        } else {
            Path::new(FORTUNES).join(file)
        };
        let bytes = if file.ends_with(".gz") {
            let out = Command::new("gzip")
                .arg("-dc")
                .arg(&path)
                .output()
                .map_err(|e| format!("cannot run gzip: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "{} is absent (package {})",
                    path.display(),
                    corpus.package
                ));
            }
            out.stdout
        } else {
            std::fs::read(&path)
                .map_err(|_| format!("{} is absent (package {})", path.display(), corpus.package))?
        };
        text.push_str(&String::from_utf8_lossy(&bytes));
        text.push('\n');
    }
    Ok(text)
}

fn hunspell(stem: &str, flag: &str, input: &str) -> Result<Vec<String>, String> {
    let mut child = Command::new("hunspell")
        .args(["-d", &format!("{DICT_DIR}/{stem}"), flag, "-i", "UTF-8"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run hunspell: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("hunspell failed: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!(
            "hunspell {flag} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

fn compare(corpus: &Corpus) -> Result<Comparison, String> {
    let aff_path = format!("{DICT_DIR}/{}.aff", corpus.stem);
    let dic_path = format!("{DICT_DIR}/{}.dic", corpus.stem);
    let (Ok(aff), Ok(dic)) = (std::fs::read(&aff_path), std::fs::read(&dic_path)) else {
        return Err(format!("{dic_path} is absent"));
    };
    let text = read_text(corpus)?;
    let dict = Engine::Spellbook
        .load(corpus.stem, &aff, &dic)
        .map_err(|e| e.to_string())?;
    let speller = Speller::new(vec![(corpus.language.to_owned(), dict.clone())]);

    // Ours: every word read (whole and hyphen parts) and every word flagged.
    let mut ours_read: HashSet<&str> = HashSet::new();
    let mut running_words = 0;
    text::for_each_word(&text, |t| {
        running_words += 1;
        ours_read.insert(t.word);
        for p in text::hyphen_parts(t) {
            ours_read.insert(p.word);
        }
    });
    let ours_flagged: BTreeSet<String> = speller
        .check_text(&text)
        .into_iter()
        .map(|m| m.word)
        .collect();

    // Hunspell's: flagged words, and the words it accepted (with a trailing dot it read as part
    // of an abbreviation also without it).
    let theirs_flagged: BTreeSet<String> =
        hunspell(corpus.stem, "-l", &text)?.into_iter().collect();
    let mut theirs_read: HashSet<String> =
        hunspell(corpus.stem, "-G", &text)?.into_iter().collect();
    let dotted: Vec<String> = theirs_read
        .iter()
        .filter_map(|w| w.strip_suffix('.').map(str::to_owned))
        .collect();
    theirs_read.extend(dotted);
    theirs_read.extend(theirs_flagged.iter().cloned());

    let mut all: BTreeSet<&str> = ours_read.iter().copied().collect();
    all.extend(theirs_read.iter().map(String::as_str));
    let mut disagreements = Vec::new();
    for word in theirs_flagged.symmetric_difference(&ours_flagged) {
        let class = if theirs_flagged.contains(word) {
            only_hunspell_flags(word, &text, &ours_read, &speller, &*dict)
        } else {
            only_we_flag(word, &theirs_read)
        };
        disagreements.push((word.clone(), class));
    }
    Ok(Comparison {
        running_words,
        bytes: text.len(),
        distinct: all.len(),
        hunspell_flagged: theirs_flagged.len(),
        ours_flagged: ours_flagged.len(),
        disagreements,
    })
}

/// Hunspell flags `word`, we do not.
fn only_hunspell_flags(
    word: &str,
    text: &str,
    ours_read: &HashSet<&str>,
    speller: &Speller,
    dict: &dyn session_spellcheck::Dictionary,
) -> Class {
    let around = |i: usize| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        (before, after)
    };
    // Where the text has it as a whole token (not inside a longer word).
    let occurrences: Vec<usize> = text
        .match_indices(word)
        .map(|(i, _)| i)
        .filter(|&i| {
            let (b, a) = around(i);
            !b.is_some_and(char::is_alphabetic) && !a.is_some_and(char::is_alphabetic)
        })
        .collect();
    let next_to = |f: &dyn Fn(char) -> bool| {
        occurrences.iter().any(|&i| {
            let (b, a) = around(i);
            b.is_some_and(f) || a.is_some_and(f)
        })
    };
    if ours_read.contains(word) {
        if dict.check(word) {
            return Class::Verdict;
        }
        if word.contains(['-', '\u{2010}']) {
            return Class::HyphenParts;
        }
        if speller.check_word(word) {
            return Class::Contraction;
        }
        if speller.check_word(&format!("{word}.")) && next_to(&|c| c == '.') {
            return Class::Abbreviation;
        }
        return Class::Tokenisation;
    }
    // The token around it (letters, digits and joiners): `hurd` of `hurd-i386`.
    let token_around = |i: usize| {
        let joined = |c: char| c.is_alphanumeric() || matches!(c, '-' | '.' | '\'' | '_');
        let start = text[..i]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| joined(c))
            .last()
            .map_or(i, |(p, _)| p);
        let end = text[i..]
            .char_indices()
            .find(|&(_, c)| !joined(c))
            .map_or(text.len(), |(p, _)| i + p);
        &text[start..end]
    };
    if word.chars().any(|c| c.is_ascii_digit())
        || occurrences
            .iter()
            .any(|&i| token_around(i).chars().any(|c| c.is_ascii_digit()))
    {
        return Class::Digits;
    }
    if next_to(&|c| c == '_') {
        return Class::Underscore;
    }
    if !occurrences.is_empty() && occurrences.iter().all(|&i| in_url_or_path(text, i)) {
        return Class::UrlOrPath;
    }
    if word.starts_with(['-', '.', '\'']) || word.ends_with(['-', '.', '\'']) {
        return Class::HunspellWordChars;
    }
    if next_to(&|c| matches!(c, '\'' | '’' | '.')) {
        return Class::HunspellSplits;
    }
    if word.contains(['-', '.', '\'']) {
        return Class::HunspellWordChars;
    }
    Class::Tokenisation
}

/// We flag `word`, hunspell does not.
fn only_we_flag(word: &str, theirs_read: &HashSet<String>) -> Class {
    if theirs_read.contains(word) {
        return Class::Verdict;
    }
    let joiners = ['-', '.', '\''];
    // Hunspell read it inside a longer token joined by its dash, dot or apostrophe characters.
    if theirs_read
        .iter()
        .any(|t| t.len() > word.len() && t.contains(joiners) && t.contains(word))
    {
        return Class::HunspellWordChars;
    }
    // Hunspell read its parts.
    if word.contains(['\'', '’', '.'])
        && word
            .split(['\'', '’', '.'])
            .filter(|p| !p.is_empty())
            .any(|p| theirs_read.contains(p))
    {
        return Class::HunspellSplits;
    }
    Class::Tokenisation
}

/// Whether byte `i` of `text` is inside a whitespace-delimited chunk that looks like a URL, an
/// e-mail address or a path.
fn in_url_or_path(text: &str, i: usize) -> bool {
    let start = text[..i].rfind(char::is_whitespace).map_or(0, |p| {
        p + text[p..].chars().next().map_or(1, char::len_utf8)
    });
    let end = text[i..]
        .find(char::is_whitespace)
        .map_or(text.len(), |p| i + p);
    let chunk = &text[start..end];
    chunk.contains("://") || chunk.contains('@') || chunk.contains('/') || chunk.contains('\\')
}
