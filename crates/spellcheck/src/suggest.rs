//! Corrections for a misspelt word, found and ordered the way hunspell finds them.
//!
//! Hunspell tries, in a fixed order, the edits a typist makes: the word in capitals, the `.aff`
//! file's replacement table (`REP`), its sets of related characters (`MAP`), two letters
//! swapped (next to each other, then up to four apart), a key next to the right one on the
//! keyboard (`KEY`) or the shift key missed, a letter too many, a letter missing (from `TRY`),
//! a letter moved, a wrong letter (from `TRY`), two letters typed twice, and two words run
//! together. Each edit that gives a dictionary word is kept, in the order found. A first round
//! accepts only words the dictionary has (with their affixes); unless its capitals, `REP` or
//! `MAP` found something, a second round accepts compound words, at most three more. A word
//! the dictionary lists with a space (`a lot`) beats everything else. Unless the capitals,
//! `REP` or a word pair found something, the dictionary's most similar words are added
//! ([`Lookup::similar`], hunspell's n-gram search).
//! The word's capitalisation decides which forms are searched (`Paris` also as `paris`) and how
//! the corrections are written.
//!
//! Everything here is decided by the `.aff` tables ([`Tables`]) and a [`Lookup`] that answers
//! whether a candidate is a word; the dictionary engine supplies the lookup.

/// Most corrections for one word (hunspell's own cap).
const MAX_SUGGESTIONS: usize = 15;
/// Most compound words the second round adds (hunspell's `MAXCPDSUGS` default).
const MAX_COMPOUND_SUGGESTIONS: usize = 3;
/// Most similar words added when no edit helped (hunspell's `MAXNGRAMSUGS` default).
const MAX_NGRAM_SUGGESTIONS: usize = 4;
/// Longest word given corrections, in bytes (hunspell's limit): the edits of a word grow with
/// the square of its length.
const MAX_WORD_BYTES: usize = 300;
/// Farthest apart two swapped or moved letters are.
const MAX_CHAR_DISTANCE: usize = 4;
/// Most candidates the related-character sets (`MAP`) may produce for one word: every letter
/// of a set can stand for every other, so a long word has too many combinations to try all.
const MAX_MAP_CANDIDATES: usize = 2000;
/// The keyboard hunspell assumes when the `.aff` file has no `KEY`.
const DEFAULT_KEYBOARD: &str = "qwertyuiop|asdfghjkl|zxcvbnm";

/// Where a `REP` pattern must stand in the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Anywhere,
    Start,
    End,
    Whole,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Replacement {
    from: String,
    to: String,
    anchor: Anchor,
}

/// What the `.aff` file says about suggestions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tables {
    try_chars: Vec<char>,
    /// Keyboard rows, `|` between them.
    keyboard: Vec<char>,
    replacements: Vec<Replacement>,
    /// Each set of related spellings: single characters or `(ss)` strings.
    related: Vec<Vec<String>>,
    max_ngram: usize,
    max_compound: usize,
    /// Whether the dictionary makes compound words at all (`COMPOUNDFLAG`, `COMPOUNDBEGIN`,
    /// `COMPOUNDRULE`); without, the second round cannot find anything and is skipped.
    compounds: bool,
    no_split: bool,
    /// Whether two run-together words are also offered with a dash (`TRY` has `-` or `a`).
    dash_pairs: bool,
    /// Whether a word written in capitals keeps `ß` (`CHECKSHARPS`) or spells it `SS`.
    sharps: bool,
    keep_case: bool,
    suggest_with_dots: bool,
    /// `ICONV`: how a misspelling is read (`’` as `'` in French).
    input: Vec<(String, String)>,
    /// `OCONV`: how corrections are written (`'` as `’` in French).
    output: Vec<(String, String)>,
}

impl Tables {
    /// Reads the suggestion tables of an `.aff` file (decoded text).
    pub(crate) fn parse(aff: &str) -> Tables {
        let mut t = Tables {
            max_ngram: MAX_NGRAM_SUGGESTIONS,
            max_compound: MAX_COMPOUND_SUGGESTIONS,
            ..Tables::default()
        };
        let mut keyboard = None;
        let mut rep_header = false;
        let mut map_header = false;
        for line in aff.lines() {
            let mut fields = line.split_whitespace();
            let Some(key) = fields.next() else { continue };
            let first = fields.next();
            match (key, first) {
                ("TRY", Some(chars)) => t.try_chars = chars.chars().collect(),
                ("KEY", Some(rows)) => keyboard = Some(rows.chars().collect()),
                ("REP", Some(from)) => match fields.next() {
                    Some(to) => t.replacements.push(Replacement::parse(from, to)),
                    None if !rep_header => rep_header = true,
                    None => {}
                },
                ("MAP", Some(set)) => {
                    if map_header || set.parse::<usize>().is_err() {
                        t.related.push(map_set(set));
                    }
                    map_header = true;
                }
                ("MAXNGRAMSUGS", Some(n)) => t.max_ngram = n.parse().unwrap_or(t.max_ngram),
                ("MAXCPDSUGS", Some(n)) => t.max_compound = n.parse().unwrap_or(t.max_compound),
                ("NOSPLITSUGS", _) => t.no_split = true,
                ("COMPOUNDFLAG" | "COMPOUNDBEGIN" | "COMPOUNDRULE", Some(_)) => t.compounds = true,
                ("CHECKSHARPS", _) => t.sharps = true,
                ("KEEPCASE", Some(_)) => t.keep_case = true,
                ("SUGSWITHDOTS", _) => t.suggest_with_dots = true,
                ("ICONV" | "OCONV", Some(from)) => {
                    if let Some(to) = fields.next() {
                        let table = if key == "ICONV" {
                            &mut t.input
                        } else {
                            &mut t.output
                        };
                        table.push((from.to_owned(), to.to_owned()));
                    }
                }
                _ => {}
            }
        }
        t.keyboard = keyboard.unwrap_or_else(|| DEFAULT_KEYBOARD.chars().collect());
        t.dash_pairs = t.try_chars.iter().any(|&c| c == '-' || c == 'a');
        t
    }
}

impl Replacement {
    /// `REP from to`: `^` anchors `from` at the start, `$` at the end; `_` is a space.
    fn parse(from: &str, to: &str) -> Replacement {
        let (start, from) = match from.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, from),
        };
        let (end, from) = match from.strip_suffix('$') {
            Some(rest) => (true, rest),
            None => (false, from),
        };
        let anchor = match (start, end) {
            (false, false) => Anchor::Anywhere,
            (true, false) => Anchor::Start,
            (false, true) => Anchor::End,
            (true, true) => Anchor::Whole,
        };
        Replacement {
            from: from.replace('_', " "),
            to: to.replace('_', " "),
            anchor,
        }
    }

    fn fits(&self, at_start: bool, at_end: bool) -> bool {
        match self.anchor {
            Anchor::Anywhere => true,
            Anchor::Start => at_start,
            Anchor::End => at_end,
            Anchor::Whole => at_start && at_end,
        }
    }
}

/// `word` through an `ICONV`/`OCONV` table: at each place the longest pattern that starts
/// there is replaced.
fn convert(word: &str, table: &[(String, String)]) -> String {
    if table.is_empty() {
        return word.to_owned();
    }
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(c) = rest.chars().next() {
        let found = table
            .iter()
            .filter(|(from, _)| !from.is_empty() && rest.starts_with(from.as_str()))
            .max_by_key(|(from, _)| from.len());
        match found {
            Some((from, to)) => {
                out.push_str(to);
                rest = &rest[from.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// `MAP` entry `aáâ(ss)`: characters, and strings in parentheses.
fn map_set(set: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = set.chars();
    while let Some(c) = chars.next() {
        if c == '(' {
            let group: String = chars.by_ref().take_while(|&c| c != ')').collect();
            if !group.is_empty() {
                out.push(group);
            }
        } else {
            out.push(c.to_string());
        }
    }
    out
}

/// Answers whether candidates are words, for the suggester.
pub(crate) trait Lookup {
    /// The dictionary has `word` exactly as written (case included), with its affixes but not
    /// as a compound, and it may be suggested (not forbidden, not `NOSUGGEST`).
    fn simple(&self, word: &str) -> bool;
    /// `word` is a compound word the dictionary accepts.
    fn compound(&self, word: &str) -> bool;
    /// The spellchecker accepts `word` (any way: case variants, compounds, breaks).
    fn spell(&self, word: &str) -> bool;
    /// The dictionary's words most similar to `word` (in lower case unless it was written so
    /// with capitals inside), appended to `out` best first, at most `max`, none that contains
    /// one already in `out`. When the misspelling was all in lower case (`lower_case`),
    /// capitalised words are left out.
    fn similar(&self, word: &str, lower_case: bool, max: usize, out: &mut Vec<String>);
}

/// Hunspell's classes of capitalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Casing {
    /// `word`, `iPhone`
    None,
    /// `Word`
    Init,
    /// `WORD`, `WORD2`
    All,
    /// `OpenOffice` (a capital first, others inside)
    MixedInit,
    /// `openOffice` (capitals inside only)
    Mixed,
}

fn casing(word: &str) -> Casing {
    let mut upper = 0;
    let mut neutral = 0;
    let mut total = 0;
    for c in word.chars() {
        total += 1;
        if c.is_uppercase() {
            upper += 1;
        } else if !c.is_lowercase() {
            neutral += 1;
        }
    }
    let first_upper = word.chars().next().is_some_and(char::is_uppercase);
    match upper {
        0 => Casing::None,
        1 if first_upper => Casing::Init,
        _ if upper == total || upper + neutral == total => Casing::All,
        _ if first_upper => Casing::MixedInit,
        _ => Casing::Mixed,
    }
}

fn upper_char(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn lower_char(c: char) -> char {
    let mut low = c.to_lowercase();
    match (low.next(), low.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn lower(word: &str) -> String {
    word.chars().map(lower_char).collect()
}

/// The first letter in capitals, the rest as it is.
fn init_cap(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => std::iter::once(upper_char(c)).chain(chars).collect(),
        None => String::new(),
    }
}

fn upper(word: &str) -> String {
    word.chars().map(upper_char).collect()
}

/// Whether a round accepts only dictionary words or only compounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    Simple,
    Compound,
}

/// One word's search: the tables, the lookup and the list being built.
struct Search<'a, L: Lookup> {
    tables: &'a Tables,
    lookup: &'a L,
    out: Vec<String>,
}

impl<L: Lookup> Search<'_, L> {
    fn accepts(&self, round: Round, candidate: &str) -> bool {
        match round {
            Round::Simple => self.lookup.simple(candidate),
            Round::Compound => self.lookup.compound(candidate),
        }
    }

    /// Keeps `candidate` when it is new, there is room and the round accepts it.
    fn try_word(&mut self, round: Round, candidate: &str) -> bool {
        if self.out.len() >= MAX_SUGGESTIONS || self.out.iter().any(|s| s == candidate) {
            return false;
        }
        if self.accepts(round, candidate) {
            self.out.push(candidate.to_owned());
            return true;
        }
        false
    }

    fn try_chars(&mut self, round: Round, candidate: &[char]) {
        let s: String = candidate.iter().collect();
        self.try_word(round, &s);
    }

    /// The edits of one word, both rounds. Returns whether a good correction was found (from
    /// `REP`, the word in capitals, or a dictionary word pair) and whether only compounds were.
    fn edits(&mut self, word: &str) -> (bool, bool) {
        let chars: Vec<char> = word.chars().collect();
        let before = self.out.len();
        let mut good = false;
        // Found by the capitals, `REP` or `MAP` in the first round: no compounds then.
        let mut early = false;
        for round in [Round::Simple, Round::Compound] {
            if round == Round::Compound && (early || good || !self.tables.compounds) {
                break;
            }
            let start = self.out.len();
            let room = |s: &Self| {
                s.out.len() < MAX_SUGGESTIONS
                    && (round == Round::Simple || s.out.len() < start + s.tables.max_compound)
            };
            if self.out.len() < MAX_SUGGESTIONS {
                let n = self.out.len();
                self.try_word(round, &upper(word));
                good |= self.out.len() > n;
            }
            if room(self) {
                let n = self.out.len();
                self.replacements(round, word);
                good |= self.out.len() > n;
            }
            if room(self) {
                self.related(round, &chars);
            }
            if round == Round::Simple && self.out.len() > before {
                early = true;
            }
            type Edit<S> = fn(&mut S, Round, &[char]);
            let edits: [Edit<Self>; 8] = [
                Self::swapped,
                Self::swapped_apart,
                Self::keyboard,
                Self::extra_char,
                Self::missing_char,
                Self::moved_char,
                Self::wrong_char,
                Self::doubled_pair,
            ];
            for edit in edits {
                if room(self) {
                    edit(self, round, &chars);
                }
            }
            if round == Round::Simple || (!self.tables.no_split && room(self)) {
                good = self.two_words(round, &chars, good);
            }
        }
        let only_compounds = !early && !self.out.is_empty();
        (good, only_compounds)
    }

    /// `REP`: each occurrence of a pattern where its anchor allows, replaced. A replacement
    /// with spaces is kept when every word in it is right.
    fn replacements(&mut self, round: Round, word: &str) {
        let tables = self.tables;
        for rep in &tables.replacements {
            if rep.from.is_empty() {
                continue;
            }
            for (at, _) in word.match_indices(rep.from.as_str()) {
                let at_start = at == 0;
                let at_end = at + rep.from.len() == word.len();
                if !rep.fits(at_start, at_end) {
                    continue;
                }
                let candidate =
                    format!("{}{}{}", &word[..at], rep.to, &word[at + rep.from.len()..]);
                self.try_word(round, &candidate);
                if !candidate.contains(' ') {
                    continue;
                }
                // `alot` → `a lot`: the first words must be words, the rest is tried as one.
                let mut prev = 0;
                for (space, _) in candidate.match_indices(' ') {
                    if self.lookup.simple(&candidate[prev..space]) {
                        let n = self.out.len();
                        self.try_word(round, &candidate[space + 1..]);
                        if self.out.len() > n {
                            *self.out.last_mut().expect("just added") = candidate.clone();
                        }
                    }
                    prev = space + 1;
                }
            }
        }
    }

    /// `MAP`: every combination of related spellings (`e`/`é`/`è`, `ss`/`ß`), up to
    /// [`MAX_MAP_CANDIDATES`].
    fn related(&mut self, round: Round, word: &[char]) {
        if word.len() < 2 || self.tables.related.is_empty() {
            return;
        }
        let word: String = word.iter().collect();
        let mut budget = MAX_MAP_CANDIDATES;
        let mut candidate = String::new();
        self.related_from(round, &word, 0, &mut candidate, &mut budget);
    }

    fn related_from(
        &mut self,
        round: Round,
        word: &str,
        at: usize,
        candidate: &mut String,
        budget: &mut usize,
    ) {
        if at >= word.len() {
            if *budget > 0 {
                *budget -= 1;
                if candidate != word {
                    let c = candidate.clone();
                    self.try_word(round, &c);
                }
            }
            return;
        }
        let rest = &word[at..];
        let tables = self.tables;
        let mut in_set = false;
        for set in &tables.related {
            for item in set {
                if !rest.starts_with(item.as_str()) {
                    continue;
                }
                in_set = true;
                let len = candidate.len();
                for other in set {
                    candidate.truncate(len);
                    candidate.push_str(other);
                    self.related_from(round, word, at + item.len(), candidate, budget);
                    if *budget == 0 {
                        candidate.truncate(len);
                        return;
                    }
                }
                candidate.truncate(len);
            }
        }
        if !in_set {
            let c = rest.chars().next().expect("not at the end");
            let len = candidate.len();
            candidate.push(c);
            self.related_from(round, word, at + c.len_utf8(), candidate, budget);
            candidate.truncate(len);
        }
    }

    /// Two neighbours swapped; for words of four or five letters, two pairs swapped.
    fn swapped(&mut self, round: Round, word: &[char]) {
        let n = word.len();
        if n < 2 {
            return;
        }
        let mut c = word.to_vec();
        for i in 0..n - 1 {
            c.swap(i, i + 1);
            self.try_chars(round, &c);
            c.swap(i, i + 1);
        }
        if n == 4 || n == 5 {
            c.swap(0, 1);
            c.swap(n - 2, n - 1);
            self.try_chars(round, &c);
            if n == 5 {
                c.swap(0, 1);
                c.swap(1, 2);
                self.try_chars(round, &c);
            }
        }
    }

    /// Two letters two to four apart swapped.
    fn swapped_apart(&mut self, round: Round, word: &[char]) {
        let mut c = word.to_vec();
        for p in 0..word.len() {
            for q in 0..word.len() {
                let d = p.abs_diff(q);
                if d > 1 && d <= MAX_CHAR_DISTANCE {
                    c.swap(p, q);
                    self.try_chars(round, &c);
                    c.swap(p, q);
                }
            }
        }
    }

    /// The shift key missed on one letter, or a key next to the right one hit (`KEY`).
    fn keyboard(&mut self, round: Round, word: &[char]) {
        let mut c = word.to_vec();
        let keys = &self.tables.keyboard;
        for i in 0..word.len() {
            let original = word[i];
            let up = upper_char(original);
            if up != original {
                c[i] = up;
                self.try_chars(round, &c);
                c[i] = original;
            }
            for (at, _) in keys.iter().enumerate().filter(|&(_, &k)| k == original) {
                if at > 0 && keys[at - 1] != '|' {
                    c[i] = keys[at - 1];
                    self.try_chars(round, &c);
                }
                if at + 1 < keys.len() && keys[at + 1] != '|' {
                    c[i] = keys[at + 1];
                    self.try_chars(round, &c);
                }
            }
            c[i] = original;
        }
    }

    /// One letter too many, tried from the end.
    fn extra_char(&mut self, round: Round, word: &[char]) {
        if word.len() < 2 {
            return;
        }
        let mut c = Vec::with_capacity(word.len());
        for i in (0..word.len()).rev() {
            c.clear();
            c.extend_from_slice(&word[..i]);
            c.extend_from_slice(&word[i + 1..]);
            self.try_chars(round, &c);
        }
    }

    /// One `TRY` letter missing, each tried at every place from the end.
    fn missing_char(&mut self, round: Round, word: &[char]) {
        let tables = self.tables;
        let mut c = Vec::with_capacity(word.len() + 1);
        for &t in &tables.try_chars {
            for i in (0..=word.len()).rev() {
                c.clear();
                c.extend_from_slice(&word[..i]);
                c.push(t);
                c.extend_from_slice(&word[i..]);
                self.try_chars(round, &c);
            }
        }
    }

    /// One letter moved two to four places forward or back.
    fn moved_char(&mut self, round: Round, word: &[char]) {
        let n = word.len();
        if n < 2 {
            return;
        }
        let mut c = word.to_vec();
        for p in 0..n {
            for q in p + 1..n.min(p + MAX_CHAR_DISTANCE + 1) {
                c.swap(q, q - 1);
                if q - p >= 2 {
                    self.try_chars(round, &c);
                }
            }
            c.copy_from_slice(word);
        }
        for p in (0..n).rev() {
            for q in (p.saturating_sub(MAX_CHAR_DISTANCE)..p).rev() {
                c.swap(q, q + 1);
                if p - q >= 2 {
                    self.try_chars(round, &c);
                }
            }
            c.copy_from_slice(word);
        }
    }

    /// One letter wrong: each `TRY` letter tried in every place, from the end.
    fn wrong_char(&mut self, round: Round, word: &[char]) {
        let tables = self.tables;
        let mut c = word.to_vec();
        for &t in &tables.try_chars {
            for i in (0..word.len()).rev() {
                if word[i] == t {
                    continue;
                }
                c[i] = t;
                self.try_chars(round, &c);
                c[i] = word[i];
            }
        }
    }

    /// Two letters typed twice (`vacacation` → `vacation`).
    fn doubled_pair(&mut self, round: Round, word: &[char]) {
        let n = word.len();
        if n < 5 {
            return;
        }
        let mut state = 0;
        for i in 2..n {
            if word[i] == word[i - 2] {
                state += 1;
                if state == 3 || (state == 2 && i >= 4) {
                    let c: Vec<char> = word[..i - 1]
                        .iter()
                        .chain(&word[i + 1..])
                        .copied()
                        .collect();
                    self.try_chars(round, &c);
                    state = 0;
                }
            } else {
                state = 0;
            }
        }
    }

    /// Two words run together. A dictionary word pair (`a lot`) replaces every other
    /// correction found so far and makes the result good; otherwise two right words are
    /// offered with a space, and with a dash where the language uses dashes.
    fn two_words(&mut self, round: Round, word: &[char], mut good: bool) -> bool {
        let bytes: usize = word.iter().map(|c| c.len_utf8()).sum();
        if bytes < 3 {
            return false;
        }
        for split in 1..word.len() {
            let first: String = word[..split].iter().collect();
            let second: String = word[split..].iter().collect();
            if round == Round::Simple {
                let separators: &[char] = if self.tables.dash_pairs {
                    &[' ', '-']
                } else {
                    &[' ']
                };
                for &sep in separators {
                    let pair = format!("{first}{sep}{second}");
                    if self.lookup.simple(&pair) {
                        if !good {
                            good = true;
                            self.out.clear();
                        }
                        self.out.insert(0, pair);
                    }
                }
            }
            if self.out.len() >= MAX_SUGGESTIONS || self.tables.no_split || good {
                continue;
            }
            if !(self.accepts(round, &first) && self.accepts(round, &second)) {
                continue;
            }
            let spaced = format!("{first} {second}");
            if self.out.contains(&spaced) {
                continue;
            }
            self.out.push(spaced);
            if self.tables.dash_pairs && split > 1 && word.len() - split > 1 {
                let dashed = format!("{first}-{second}");
                if self.out.len() < MAX_SUGGESTIONS && !self.out.contains(&dashed) {
                    self.out.push(dashed);
                }
            }
        }
        good
    }

    /// `insert_sug`: to the front, the last dropped when full.
    fn insert_first(&mut self, word: String) {
        if self.out.len() >= MAX_SUGGESTIONS {
            self.out.pop();
        }
        self.out.insert(0, word);
    }
}

/// Corrections for `word`, best first, at most 15, in hunspell's order.
pub(crate) fn suggest(tables: &Tables, lookup: &impl Lookup, word: &str) -> Vec<String> {
    let word = &convert(word, &tables.input);
    let mut out = suggest_read(tables, lookup, word);
    if !tables.output.is_empty() {
        for s in &mut out {
            *s = convert(s, &tables.output);
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|s| seen.insert(s.clone()));
    }
    out
}

/// [`suggest`] for a word already through `ICONV`, before `OCONV`.
fn suggest_read(tables: &Tables, lookup: &impl Lookup, word: &str) -> Vec<String> {
    // Trailing dots are the sentence's or an abbreviation's, not the word's.
    let trimmed = word.trim_end_matches('.');
    let dots = word.len() - trimmed.len();
    if trimmed.is_empty() || word.len() >= MAX_WORD_BYTES {
        return Vec::new();
    }
    let case = casing(trimmed);
    let mut search = Search {
        tables,
        lookup,
        out: Vec::new(),
    };
    let mut good = false;
    let mut only_compounds = false;
    let mut note = |(g, c): (bool, bool)| {
        good |= g;
        only_compounds |= c;
    };
    let mut capitalise = false;
    match case {
        Casing::None => {
            note(search.edits(trimmed));
            if dots > 0 {
                note(search.edits(&format!("{trimmed}.")));
            }
        }
        Casing::Init => {
            capitalise = true;
            note(search.edits(trimmed));
            note(search.edits(&lower(trimmed)));
        }
        Casing::MixedInit | Casing::Mixed => {
            note(search.edits(trimmed));
            if case == Casing::MixedInit {
                capitalise = true;
                let mut chars = trimmed.chars();
                let first = chars.next().map(lower_char).into_iter();
                let rest: String = first.chain(chars).collect();
                note(search.edits(&rest));
            }
            let lowered = lower(trimmed);
            if lookup.spell(&lowered) {
                search.insert_first(lowered.clone());
            }
            note(search.edits(&lowered));
            if case == Casing::MixedInit {
                let titled = init_cap(&lowered);
                if lookup.spell(&titled) {
                    search.insert_first(titled.clone());
                }
                note(search.edits(&titled));
            }
        }
        Casing::All => {
            let lowered = lower(trimmed);
            note(search.edits(&lowered));
            if tables.keep_case && lookup.spell(&lowered) {
                search.insert_first(lowered.clone());
            }
            note(search.edits(&init_cap(&lowered)));
            for s in &mut search.out {
                *s = all_caps(s, tables.sharps);
            }
        }
    }
    if !good && (search.out.is_empty() || only_compounds) && tables.max_ngram > 0 {
        let probe = match case {
            Casing::None => trimmed.to_owned(),
            _ => lower(trimmed),
        };
        let room = tables
            .max_ngram
            .min(MAX_SUGGESTIONS - search.out.len().min(MAX_SUGGESTIONS));
        let before = search.out.len();
        lookup.similar(&probe, case == Casing::None, room, &mut search.out);
        if case == Casing::All {
            for s in &mut search.out[before..] {
                *s = all_caps(s, tables.sharps);
            }
        }
    }
    let mut out = search.out;
    if !good {
        dash_parts(tables, lookup, trimmed, &mut out);
    }
    if capitalise {
        for s in &mut out {
            *s = init_cap(s);
        }
    }
    if dots > 0 && tables.suggest_with_dots {
        for s in &mut out {
            s.push_str(&word[trimmed.len()..]);
        }
    }
    if matches!(case, Casing::Init | Casing::All) {
        // A correction the checker rejects in this case is offered in one it accepts.
        out.retain_mut(|s| {
            if s.contains(' ') || lookup.spell(s) {
                return true;
            }
            let lowered = lower(s);
            if lookup.spell(&lowered) {
                *s = lowered;
                return true;
            }
            let titled = init_cap(&lowered);
            if lookup.spell(&titled) {
                *s = titled;
                return true;
            }
            false
        });
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

/// Capitals throughout; `ß` as `SS` unless the language keeps it (`CHECKSHARPS`).
fn all_caps(word: &str, sharps: bool) -> String {
    let up = upper(word);
    if sharps { up.replace('ß', "SS") } else { up }
}

/// A word with dashes none of whose corrections has one (`Afo-American`): the first wrong
/// part's corrections, put back between the other parts, go first.
fn dash_parts(tables: &Tables, lookup: &impl Lookup, word: &str, out: &mut Vec<String>) {
    if !word.contains('-') || out.iter().any(|s| s.contains('-')) {
        return;
    }
    let mut start = 0;
    for part in word.split('-') {
        let end = start + part.len();
        if !part.is_empty() && !lookup.spell(part) {
            let found = suggest_read(tables, lookup, part);
            for s in found.into_iter().rev() {
                let whole = format!("{}{s}{}", &word[..start], &word[end..]);
                if out.len() >= MAX_SUGGESTIONS {
                    out.pop();
                }
                out.insert(0, whole);
            }
            return;
        }
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A dictionary of plain words and compounds, by exact spelling.
    struct Words {
        simple: HashSet<&'static str>,
        compounds: HashSet<&'static str>,
    }

    impl Words {
        fn new(simple: &[&'static str], compounds: &[&'static str]) -> Words {
            Words {
                simple: simple.iter().copied().collect(),
                compounds: compounds.iter().copied().collect(),
            }
        }
    }

    impl Lookup for Words {
        fn simple(&self, word: &str) -> bool {
            self.simple.contains(word)
        }
        fn compound(&self, word: &str) -> bool {
            self.compounds.contains(word)
        }
        fn spell(&self, word: &str) -> bool {
            if word.contains('-') {
                return word.split('-').all(|p| self.spell(p));
            }
            // Capitals spell `ß` as `SS`.
            let lowered = lower(word);
            self.simple.contains(word)
                || self.compounds.contains(word)
                || self.simple.contains(lowered.as_str())
                || self.simple.contains(lowered.replace("ss", "ß").as_str())
        }
        fn similar(&self, word: &str, _lower_case: bool, max: usize, out: &mut Vec<String>) {
            // Words sharing the first two letters, alphabetically.
            let mut found: Vec<&str> = self
                .simple
                .iter()
                .copied()
                .filter(|w| w.chars().take(2).eq(word.chars().take(2)))
                .collect();
            found.sort();
            found.retain(|f| !out.iter().any(|o| f.contains(o.as_str())));
            out.extend(found.into_iter().take(max).map(str::to_owned));
        }
    }

    fn tables(aff: &str) -> Tables {
        Tables::parse(aff)
    }

    #[test]
    fn aff_tables_are_read() {
        let t = tables(
            "TRY abc-\nKEY qwe|asd\nREP 3\nREP ^f ph\nREP a_lot$ x\nREP shun tion\nMAP 2\nMAP aáà\nMAP ß(ss)\nMAXNGRAMSUGS 2\nNOSPLITSUGS\n",
        );
        assert_eq!(t.try_chars, vec!['a', 'b', 'c', '-']);
        assert_eq!(t.keyboard.iter().collect::<String>(), "qwe|asd");
        assert_eq!(t.replacements.len(), 3);
        assert_eq!(t.replacements[0].anchor, Anchor::Start);
        assert_eq!(t.replacements[1].from, "a lot");
        assert_eq!(t.replacements[1].anchor, Anchor::End);
        assert_eq!(t.replacements[2].anchor, Anchor::Anywhere);
        assert_eq!(t.related, vec![vec!["a", "á", "à"], vec!["ß", "ss"]]);
        assert_eq!(t.max_ngram, 2);
        assert!(t.no_split && t.dash_pairs);
        // No KEY: hunspell's QWERTY rows.
        assert_eq!(
            tables("TRY e\n").keyboard.iter().collect::<String>(),
            DEFAULT_KEYBOARD
        );
        assert!(!tables("TRY e\n").dash_pairs);
    }

    #[test]
    fn capitalisation_classes() {
        assert_eq!(casing("word"), Casing::None);
        assert_eq!(casing("Word"), Casing::Init);
        assert_eq!(casing("WORD"), Casing::All);
        assert_eq!(casing("WORD2"), Casing::All);
        assert_eq!(casing("OpenOffice"), Casing::MixedInit);
        assert_eq!(casing("iPhone"), Casing::Mixed);
    }

    #[test]
    fn a_key_next_to_the_right_one_comes_before_a_try_letter() {
        // en_GB: `Lytton` → `Lutton` (y and u are neighbours) before `Letton` (e is TRY's first).
        let t = tables("TRY esiaunrtol\n");
        let w = Words::new(&["Lutton", "Letton", "Litton", "Latton"], &[]);
        let found = suggest(&t, &w, "Lytton");
        assert_eq!(found, vec!["Lutton", "Letton", "Litton", "Latton"]);
    }

    #[test]
    fn edits_come_in_hunspells_order() {
        let t = tables("TRY eatr\nREP 1\nREP f ph\n");
        let w = Words::new(&["phase", "tale", "later", "late", "elate", "taler"], &[]);
        // REP first, good: no n-grams.
        assert_eq!(suggest(&t, &w, "fase"), vec!["phase"]);
        // A swap (`tael` → `tale`; `taler` is left out of the similar words as `tale` with
        // an ending), then the others in order.
        assert_eq!(suggest(&t, &w, "tael"), vec!["tale"]);
        assert_eq!(suggest(&t, &w, "laet"), vec!["late"]);
        // `r` → `e` is a keyboard neighbour (before a missing letter: `later`).
        let found = suggest(&t, &w, "latr");
        assert_eq!(found, vec!["late", "later"], "{found:?}");
    }

    #[test]
    fn compounds_only_when_no_plain_word_fits() {
        // de_DE: `Septembermorgen` → `September morgen, September-morgen, Septembermoorgen`:
        // the run-together words first; compound look-alikes only after them.
        let t = tables("TRY eo-a\nCOMPOUNDFLAG X\n");
        let w = Words::new(
            &["September", "morgen", "Morgen"],
            &["Septembermoorgen", "Septembermorgena"],
        );
        let found = suggest(&t, &w, "Septembermorgen");
        assert_eq!(
            found,
            vec![
                "September morgen",
                "September-morgen",
                "Septembermoorgen",
                "Septembermorgena"
            ]
        );
        // A plain word from `REP`: no compounds at all.
        let t = tables("TRY eo-a\nCOMPOUNDFLAG X\nREP 1\nREP oe ö\n");
        let w = Words::new(&["Septembermörgen"], &["Septembermoergena"]);
        assert_eq!(suggest(&t, &w, "Septembermoergen"), vec!["Septembermörgen"]);
        // Nothing plain: compounds; the second round starts no new kind of edit once it has
        // three (`Hausor`, a wrong letter, comes after the missing ones).
        let t = tables("TRY üo\nCOMPOUNDBEGIN X\n");
        let w = Words::new(&[], &["Haustür", "Haustor", "Haustro", "Hausor"]);
        assert_eq!(
            suggest(&t, &w, "Haustr"),
            vec!["Haustür", "Haustro", "Haustor"]
        );
        // A dictionary that makes no compounds (French, Spanish) has no second round.
        assert!(suggest(&tables("TRY üo\n"), &w, "Haustr").is_empty());
    }

    #[test]
    fn a_dictionary_word_pair_beats_everything() {
        let t = tables("TRY alot\n");
        let w = Words::new(&["a lot", "a", "lot", "alto"], &[]);
        assert_eq!(suggest(&t, &w, "alot"), vec!["a lot"]);
    }

    #[test]
    fn similar_words_unless_a_good_correction_is_found() {
        let t = tables("TRY e\nREP 1\nREP rw row\n");
        let w = Words::new(&["barrel", "barrow", "bask"], &[]);
        // Nothing one edit away: the similar words.
        assert_eq!(suggest(&t, &w, "barxyz"), vec!["barrel", "barrow", "bask"]);
        // A swap is not good enough: similar words follow it.
        assert_eq!(suggest(&t, &w, "barrwo"), vec!["barrow", "barrel", "bask"]);
        // A replacement from `REP` is: nothing else.
        assert_eq!(suggest(&t, &w, "barrw"), vec!["barrow"]);
    }

    #[test]
    fn capitalised_and_capital_words() {
        let t = tables("TRY aeiou\n");
        let w = Words::new(&["paris", "Paris", "house"], &[]);
        // `Hoise`: searched as `hoise` too, offered capitalised.
        assert_eq!(suggest(&t, &w, "Hoise"), vec!["House"]);
        // Capitals stay capitals.
        assert_eq!(suggest(&t, &w, "HOISE"), vec!["HOUSE"]);
        // A trailing dot is not part of the word.
        assert_eq!(suggest(&t, &w, "hoise."), vec!["house"]);
        let sharp = tables("TRY aeiouß\nCHECKSHARPS\n");
        let w = Words::new(&["groß"], &[]);
        assert_eq!(suggest(&sharp, &w, "GROS"), vec!["GROSS"]);
        // Too long to be a word: no corrections.
        assert!(suggest(&t, &w, &"x".repeat(MAX_WORD_BYTES)).is_empty());
    }

    #[test]
    fn input_and_output_conversions() {
        // fr_FR: `’` is read as `'`, and corrections are written with `’`.
        let t = tables("TRY e\nICONV 1\nICONV ’ '\nOCONV 1\nOCONV ' ’\n");
        let w = Words::new(&["l'eau", "qu'il"], &[]);
        assert_eq!(suggest(&t, &w, "l’au"), vec!["l’eau"]);
        // Similar words are written with `’` too.
        assert_eq!(suggest(&t, &w, "qu'l"), vec!["qu’il"]);
        assert_eq!(
            convert(
                "aab",
                &[("a".into(), "x".into()), ("aa".into(), "y".into())]
            ),
            "yb"
        );
    }

    #[test]
    fn related_characters_are_tried_together() {
        let t = tables("MAP 1\nMAP eéè\n");
        let w = Words::new(&["élève"], &[]);
        assert_eq!(suggest(&t, &w, "eleve"), vec!["élève"]);
    }

    #[test]
    fn a_wrong_part_of_a_dashed_word_is_corrected_in_place() {
        let t = tables("TRY r\n");
        let w = Words::new(&["Afro", "American"], &[]);
        assert_eq!(suggest(&t, &w, "Afo-American"), vec!["Afro-American"]);
    }
}
