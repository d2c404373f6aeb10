//! Extension IDs as Chromium computes them (`crx_file::id_util`): the first 16 bytes of a
//! SHA-256, as 32 hex digits written with the letters `a`-`p`.
//!
//! A manifest `key` (base64 of a DER `SubjectPublicKeyInfo`) gives the ID of the packed
//! extension; without a key, an unpacked extension's ID is derived from its absolute directory
//! path, so it changes when the directory moves. Giving the manifest a `key` fixes it.
//!
//! ```
//! use session_extensions::id::*;
//!
//! assert_eq!(generate_id_from_hex("0123456789abcdef"), "abcdefghijklmnop");
//! assert_eq!(generate_id_from_hash(&[0x01, 0x23]), "abcd");
//! let id = generate_id(b"any bytes");
//! assert_eq!(id.len(), 32);
//! assert!(id.bytes().all(|b| (b'a'..=b'p').contains(&b)));
//!
//! // Unpacked: from the directory's path, so a moved directory is another extension.
//! let here = id_for_path(std::path::Path::new("/opt/ext/blocker"));
//! assert_ne!(here, id_for_path(std::path::Path::new("/home/me/blocker")));
//! // A manifest `key` (base64 of the public key) fixes the ID.
//! assert_eq!(id_from_key("AQID").unwrap(), generate_id(&[1, 2, 3]));
//! assert_eq!(id_from_key("not base64!"), None);
//! ```

use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The ID for arbitrary input bytes (`GenerateId`).
///
/// Example: see [the module's example](self).
pub fn generate_id(input: &[u8]) -> String {
    let hash = Sha256::digest(input);
    generate_id_from_hash(&hash)
}

/// The ID from a hash's first 16 bytes (`GenerateIdFromHash`); shorter input gives a shorter ID.
///
/// Example: see [the module's example](self).
pub fn generate_id_from_hash(hash: &[u8]) -> String {
    generate_id_from_hex(&hex::encode(&hash[..hash.len().min(16)]))
}

/// Maps each hex digit to `a`-`p`; any other character becomes `a` (`GenerateIdFromHex`).
///
/// Example: see [the module's example](self).
pub fn generate_id_from_hex(hex_digits: &str) -> String {
    hex_digits
        .chars()
        .map(|c| match c.to_digit(16) {
            Some(d) => char::from(b'a' + d as u8),
            None => 'a',
        })
        .collect()
}

/// The ID of a manifest `key`, or `None` when it is not base64.
///
/// Example: see [the module's example](self).
pub fn id_from_key(key: &str) -> Option<String> {
    let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()?;
    Some(generate_id(&der))
}

/// The ID of an unpacked extension at `path` (`GenerateIdForPath`): the path's bytes as the
/// platform stores them (UTF-8 on POSIX; UTF-16LE with an upper-case drive letter on Windows).
///
/// Example: see [the module's example](self).
pub fn id_for_path(path: &Path) -> String {
    generate_id(&path_bytes(path))
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt as _;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    windows_path_bytes(&path.to_string_lossy())
}

/// UTF-16LE of a Windows path with a lower-case drive letter upper-cased.
#[cfg(any(not(unix), test))]
fn windows_path_bytes(path: &str) -> Vec<u8> {
    let mut units: Vec<u16> = path.encode_utf16().collect();
    if units.len() >= 2
        && units[1] == u16::from(b':')
        && (u16::from(b'a')..=u16::from(b'z')).contains(&units[0])
    {
        units[0] -= 32;
    }
    units.iter().flat_map(|u| u.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_drive_letter_is_upper_cased() {
        assert_eq!(
            generate_id(&windows_path_bytes("c:\\x")),
            generate_id(&windows_path_bytes("C:\\x"))
        );
        assert_eq!(
            generate_id(&windows_path_bytes("/path/to/file.ext")),
            "jjlkojfgbeklddcpckipekckcmgcbfjn"
        );
    }
}
