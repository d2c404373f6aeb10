//! `.aff`/`.dic` pairs (encoding detection, decoding, completeness) and the custom dictionary
//! file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = session_spellcheck::custom::parse(data);
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (aff, dic) = data.split_at(split);
    let dic = dic.get(1..).unwrap_or_default();
    if let Ok((aff, dic)) = session_spellcheck::decode_pair("fuzz", aff, dic) {
        let _ = session_spellcheck::check_complete("fuzz", &aff, &dic);
    }
});
