//! Hunspell-compatible spellchecking for a session: dictionaries found locally or downloaded,
//! several languages at once, and Chromium's durable `Custom Dictionary.txt`.
