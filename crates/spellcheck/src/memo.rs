//! The verdicts on the words one `check_text` call has already checked.
//!
//! A text repeats its words (a 1M-word English text has about 90k distinct ones), so a lookup
//! here must cost far less than asking the dictionary again, and what it costs is memory
//! traffic. Words of up to 15 bytes (nearly all) are stored inline, with their length and
//! verdict, in the 16 bytes of one slot of an open-addressing table: a lookup hashes two
//! machine words and compares them with a slot, touching one cache line and never the text (a
//! key pointing back into the text would cost a second random memory access per word), and
//! small slots keep the table compact. Longer words go to an ordinary hash map.

use std::collections::HashMap;

/// Most distinct words remembered; past that the memo starts over (bounds memory on huge texts).
const MAX_WORDS: usize = 1 << 19;

/// Longest word stored inline.
const INLINE_MAX: usize = 15;

/// Bit 63 of [`Slot::hi`]: the word is spelled correctly.
const CORRECT: u64 = 1 << 63;

/// A word of up to [`INLINE_MAX`] bytes as two little-endian machine words: its bytes
/// zero-padded, and its length + 1 in the top byte (so that no key is all zeros).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    lo: u64,
    hi: u64,
}

impl Key {
    /// The inline form of `word`, or `None` when it is longer than [`INLINE_MAX`] bytes.
    ///
    /// Loads overlap rather than copy byte by byte: for 8..=15 bytes, the first 8 and the last 8
    /// (shifted so that the bytes they share with the first load drop out); likewise with 4-byte
    /// loads for 4..=7 bytes.
    #[inline]
    fn new(word: &[u8]) -> Option<Key> {
        let len = word.len();
        let (lo, hi) = match len {
            0 => (0, 0),
            1..=3 => {
                // First, middle and last byte: together they cover 1, 2 or 3 bytes.
                let at = |i: usize| u64::from(word[i]) << (8 * i);
                (at(0) | at(len / 2) | at(len - 1), 0)
            }
            4..=7 => {
                let load = |at: usize| {
                    u64::from(u32::from_le_bytes(
                        word[at..at + 4].try_into().expect("4 bytes"),
                    ))
                };
                (load(0) | (load(len - 4) << (8 * (len - 4))), 0)
            }
            8..=INLINE_MAX => {
                let load =
                    |at: usize| u64::from_le_bytes(word[at..at + 8].try_into().expect("8 bytes"));
                let tail = if len == 8 {
                    0
                } else {
                    load(len - 8) >> (8 * (16 - len))
                };
                (load(0), tail)
            }
            _ => return None,
        };
        Some(Key {
            lo,
            hi: hi | ((len as u64 + 1) << 56),
        })
    }

    /// A multiply-rotate hash (in the manner of FxHash); tables index by its top bits.
    #[inline]
    fn hash(self) -> u64 {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let h = (self.lo.wrapping_mul(K).rotate_left(26) ^ self.hi).wrapping_mul(K);
        h ^ (h >> 29)
    }
}

/// One slot of the table: empty (all zeros) or a [`Key`] with [`CORRECT`] set or not.
#[derive(Clone, Copy, Default)]
struct Slot {
    lo: u64,
    hi: u64,
}

impl Slot {
    fn new(key: Key, correct: bool) -> Slot {
        Slot {
            lo: key.lo,
            hi: key.hi | if correct { CORRECT } else { 0 },
        }
    }

    fn is_empty(self) -> bool {
        self.hi == 0
    }

    fn key(self) -> Key {
        Key {
            lo: self.lo,
            hi: self.hi & !CORRECT,
        }
    }

    fn correct(self) -> bool {
        self.hi & CORRECT != 0
    }
}

/// Verdicts by word, for the words of one text.
pub(crate) struct Memo<'a> {
    /// A power of two, at most half full.
    slots: Vec<Slot>,
    /// `64 - log2(slots.len())`: the shift that keeps a hash's top bits as an index.
    shift: u32,
    used: usize,
    long: HashMap<&'a str, bool, foldhash::fast::FixedState>,
}

impl<'a> Memo<'a> {
    /// A memo sized for a text of `text_len` bytes (about one new word per 64 bytes of prose),
    /// so that a long text is not rehashed as it goes.
    pub(crate) fn for_text(text_len: usize) -> Self {
        let words = (text_len / 64).clamp(16, MAX_WORDS);
        let slots = (2 * words).next_power_of_two();
        Memo {
            slots: vec![Slot::default(); slots],
            shift: 64 - slots.trailing_zeros(),
            used: 0,
            long: HashMap::with_hasher(foldhash::fast::FixedState::with_seed(0x0dd_c0ffee)),
        }
    }

    /// The slot holding `key`, or else the empty slot where it belongs.
    #[inline]
    fn find(&self, key: Key) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (key.hash() >> self.shift) as usize;
        loop {
            let slot = self.slots[i];
            if slot.key() == key || slot.is_empty() {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// The verdict on `word`, from memory or else from `check` (then remembered).
    #[inline]
    pub(crate) fn get_or_check(&mut self, word: &'a str, check: impl FnOnce(&str) -> bool) -> bool {
        let Some(key) = Key::new(word.as_bytes()) else {
            return self.long_word(word, check);
        };
        let i = self.find(key);
        if !self.slots[i].is_empty() {
            return self.slots[i].correct();
        }
        let correct = check(word);
        if 2 * (self.used + 1) > self.slots.len() {
            self.grow();
            self.insert(key, correct);
        } else {
            self.slots[i] = Slot::new(key, correct);
            self.used += 1;
        }
        correct
    }

    #[cold]
    fn long_word(&mut self, word: &'a str, check: impl FnOnce(&str) -> bool) -> bool {
        if let Some(&correct) = self.long.get(word) {
            return correct;
        }
        let correct = check(word);
        if self.long.len() >= MAX_WORDS {
            self.long.clear();
        }
        self.long.insert(word, correct);
        correct
    }

    /// Doubles the table, or empties it once it holds [`MAX_WORDS`].
    #[cold]
    fn grow(&mut self) {
        if self.used >= MAX_WORDS {
            self.slots.fill(Slot::default());
            self.used = 0;
            return;
        }
        self.shift -= 1;
        let doubled = vec![Slot::default(); 2 * self.slots.len()];
        let old = std::mem::replace(&mut self.slots, doubled);
        self.used = 0;
        for slot in old.into_iter().filter(|s| !s.is_empty()) {
            self.insert(slot.key(), slot.correct());
        }
    }

    /// Puts a key known to be absent in the first free slot of its probe sequence.
    fn insert(&mut self, key: Key, correct: bool) {
        let i = self.find(key);
        self.slots[i] = Slot::new(key, correct);
        self.used += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_for_distinct_words() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "abd",
            "a\u{e9}",
            "abcd",
            "abce",
            "abcdefg",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "abcdefghij",
            "bbcdefghij",
            "abcdefghijklmno",
            "abcdefghijklmnq",
            "Abcdefghijklmno",
        ];
        let keys: Vec<_> = words
            .iter()
            .map(|w| Key::new(w.as_bytes()).expect("short"))
            .collect();
        for (i, a) in keys.iter().enumerate() {
            for (j, b) in keys.iter().enumerate() {
                assert_eq!(a == b, i == j, "{:?} vs {:?}", words[i], words[j]);
            }
        }
        assert!(Key::new(b"abcdefghijklmnop").is_none());
        // The bytes are the word's, zero-padded, with the length + 1 on top.
        let k = Key::new(b"abcdefghijk").expect("short");
        assert_eq!(k.lo.to_le_bytes(), *b"abcdefgh");
        assert_eq!(k.hi.to_le_bytes(), *b"ijk\0\0\0\0\x0c");
        let k = Key::new(b"abcde").expect("short");
        assert_eq!(k.lo.to_le_bytes(), *b"abcde\0\0\0");
        assert_eq!(k.hi.to_le_bytes(), *b"\0\0\0\0\0\0\0\x06");
        let k = Key::new(b"xyz").expect("short");
        assert_eq!(k.lo.to_le_bytes(), *b"xyz\0\0\0\0\0");
    }

    #[test]
    fn remembers_each_verdict_and_checks_each_word_once() {
        // A tiny memo that must grow several times; words of 2 to 24 bytes.
        let mut memo = Memo::for_text(0);
        let words: Vec<String> = (0..5000)
            .map(|i| format!("w{i}{}", "x".repeat(i % 20)))
            .collect();
        let mut asked = 0;
        for round in 0..2 {
            for (i, w) in words.iter().enumerate() {
                let got = memo.get_or_check(w, |_| {
                    asked += 1;
                    i % 3 == 0
                });
                assert_eq!(got, i % 3 == 0, "{w} in round {round}");
            }
        }
        assert_eq!(asked, words.len());
    }
}
