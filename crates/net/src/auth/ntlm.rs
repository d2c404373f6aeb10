//! NTLM (MS-NLMP) with NTLMv2 responses and explicit credentials: the NEGOTIATE message, the
//! server's CHALLENGE message read, the AUTHENTICATE message built.
//!
//! What is not done: NTLMv1 (never sent), the MIC and channel bindings of the AUTHENTICATE
//! message (servers that require them refuse), sealing and signing (HTTP needs neither).
//!
//! The handshake with the values of MS-NLMP §4.2.4 (user `Domain\User`, password `Password`):
//!
//! ```
//! use session_net::auth::Credentials;
//! use session_net::auth::ntlm::*;
//!
//! let hex = |s: &str| hex::decode(s).unwrap();
//! // 1. NEGOTIATE, sent with the first retry.
//! let negotiate = negotiate_message();
//! assert_eq!(&negotiate[..8], b"NTLMSSP\0");
//!
//! // 2. The server's CHALLENGE: flags, an 8-byte challenge and its target info (AV pairs).
//! let av = |id: u16, value: &[u8]| {
//!     let mut v = id.to_le_bytes().to_vec();
//!     v.extend((value.len() as u16).to_le_bytes());
//!     v.extend(value);
//!     v
//! };
//! let mut target_info = av(AV_NB_DOMAIN_NAME, &utf16le("Domain"));
//! target_info.extend(av(AV_NB_COMPUTER_NAME, &utf16le("Server")));
//! target_info.extend(av(AV_EOL, &[]));
//! let server_challenge = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
//! let mut challenge = b"NTLMSSP\0".to_vec();
//! challenge.extend(2u32.to_le_bytes()); // CHALLENGE
//! challenge.extend([0, 0, 0, 0, 48, 0, 0, 0]); // no target name
//! challenge.extend((NEGOTIATE_FLAGS | NEGOTIATE_TARGET_INFO).to_le_bytes());
//! challenge.extend(server_challenge);
//! challenge.extend([0; 8]);
//! let len = (target_info.len() as u16).to_le_bytes();
//! challenge.extend(len.iter().chain(&len).chain(&48u32.to_le_bytes()));
//! challenge.extend(&target_info);
//! let parsed = parse_challenge_message(&challenge).unwrap();
//! assert_eq!(parsed.server_challenge, server_challenge);
//! assert_eq!(parsed.flags & NEGOTIATE_UNICODE, NEGOTIATE_UNICODE);
//! assert_eq!(av_pair(&parsed.target_info, AV_NB_COMPUTER_NAME), Some(&utf16le("Server")[..]));
//! assert_eq!(av_pair(&parsed.target_info, AV_TIMESTAMP), None);
//! assert!(parse_challenge_message(b"NTLMSSP\0").is_err());
//!
//! // 3. The NTLMv2 response and the AUTHENTICATE message.
//! assert_eq!(split_user("Domain\\User"), ("Domain", "User"));
//! assert_eq!(nt_owf_v1("Password").to_vec(), hex("a4f49c406510bdcab6824ee7c30fd852"));
//! let key = nt_owf_v2("User", "Domain", "Password");
//! assert_eq!(key.to_vec(), hex("0c868a403bfd7a93a3001ef22ef02e3f"));
//! let fixed_client = [0xaa; 8];
//! let response = v2_response(&key, &server_challenge, &fixed_client, 0, &target_info);
//! assert_eq!(response.nt_proof().to_vec(), hex("68cd0ab851e51c96aabc927bebef6a1c"));
//! assert_eq!(response.lm.to_vec(), hex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"));
//! let credentials = Credentials::new("Domain\\User", "Password");
//! let message = authenticate_message(&credentials, &parsed, "COMPUTER", &fixed_client, Some(0));
//! assert_eq!(field(&message, 36), Some(&utf16le("User")[..])); // UserNameFields
//! assert_eq!(&field(&message, 20).unwrap()[..16], response.nt_proof());
//!
//! // What a real exchange uses instead of fixed values.
//! assert_ne!(client_challenge(), client_challenge());
//! assert!(filetime_now() > 116_444_736_000_000_000); // after 1970
//! assert_eq!(hmac_md5(b"key", &[b"a", b"b"]), hmac_md5(b"key", &[b"ab"]));
//! ```

use hmac::{Hmac, Mac};
use md4::Md4;
use md5::Md5;
use sha2::Digest as _;

use super::Credentials;

const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// `NTLMSSP_NEGOTIATE_UNICODE`.
///
/// Example: see [the module's example](self).
pub const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
/// `NTLM_NEGOTIATE_OEM`.
///
/// Example: see [the module's example](self).
pub const NEGOTIATE_OEM: u32 = 0x0000_0002;
/// `NTLMSSP_REQUEST_TARGET`.
///
/// Example: see [the module's example](self).
pub const REQUEST_TARGET: u32 = 0x0000_0004;
/// `NTLMSSP_NEGOTIATE_NTLM`.
///
/// Example: see [the module's example](self).
pub const NEGOTIATE_NTLM: u32 = 0x0000_0200;
/// `NTLMSSP_NEGOTIATE_ALWAYS_SIGN`.
///
/// Example: see [the module's example](self).
pub const NEGOTIATE_ALWAYS_SIGN: u32 = 0x0000_8000;
/// `NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY`.
///
/// Example: see [the module's example](self).
pub const NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
/// `NTLMSSP_NEGOTIATE_TARGET_INFO`.
///
/// Example: see [the module's example](self).
pub const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;

/// The flags of our NEGOTIATE message (the set Chromium sends).
///
/// Example: see [the module's example](self).
pub const NEGOTIATE_FLAGS: u32 = NEGOTIATE_UNICODE
    | NEGOTIATE_OEM
    | REQUEST_TARGET
    | NEGOTIATE_NTLM
    | NEGOTIATE_ALWAYS_SIGN
    | NEGOTIATE_EXTENDED_SESSIONSECURITY;

/// `MsvAvEOL`.
///
/// Example: see [the module's example](self).
pub const AV_EOL: u16 = 0;
/// `MsvAvNbComputerName`.
///
/// Example: see [the module's example](self).
pub const AV_NB_COMPUTER_NAME: u16 = 1;
/// `MsvAvNbDomainName`.
///
/// Example: see [the module's example](self).
pub const AV_NB_DOMAIN_NAME: u16 = 2;
/// `MsvAvTimestamp`.
///
/// Example: see [the module's example](self).
pub const AV_TIMESTAMP: u16 = 7;

/// The NEGOTIATE message (32 bytes: no domain, workstation or version).
///
/// Example: see [the module's example](self).
pub fn negotiate_message() -> Vec<u8> {
    let mut m = Vec::with_capacity(32);
    m.extend_from_slice(SIGNATURE);
    m.extend_from_slice(&1u32.to_le_bytes());
    m.extend_from_slice(&NEGOTIATE_FLAGS.to_le_bytes());
    // Empty domain and workstation fields pointing at the end of the message.
    for _ in 0..2 {
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&32u32.to_le_bytes());
    }
    m
}

/// What we read from the server's CHALLENGE message.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeMessage {
    /// Its negotiate flags.
    pub flags: u32,
    /// The 8-byte server challenge.
    pub server_challenge: [u8; 8],
    /// The `TargetInfo` AV pairs, raw.
    pub target_info: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The payload a `(len, maxlen, offset)` field at `at` points to.
///
/// Example: see [the module's example](self).
pub fn field(b: &[u8], at: usize) -> Option<&[u8]> {
    let len = u16_at(b, at)? as usize;
    let offset = u32_at(b, at + 4)? as usize;
    b.get(offset..offset.checked_add(len)?)
}

/// Reads a CHALLENGE message; `Err` says what is wrong with it.
///
/// Example: see [the module's example](self).
pub fn parse_challenge_message(b: &[u8]) -> Result<ChallengeMessage, String> {
    if b.len() < 32 || &b[..8] != SIGNATURE {
        return Err(format!(
            "an NTLM challenge of {} bytes without the NTLMSSP signature",
            b.len()
        ));
    }
    if u32_at(b, 8) != Some(2) {
        return Err(format!(
            "NTLM message type {} where a CHALLENGE (2) was expected",
            u32_at(b, 8).unwrap_or(0)
        ));
    }
    let flags = u32_at(b, 20).ok_or("a truncated NTLM challenge")?;
    let mut server_challenge = [0u8; 8];
    server_challenge.copy_from_slice(&b[24..32]);
    let target_info = if b.len() >= 48 && flags & NEGOTIATE_TARGET_INFO != 0 {
        field(b, 40)
            .ok_or("the NTLM challenge's target info points outside the message")?
            .to_vec()
    } else {
        Vec::new()
    };
    if flags & NEGOTIATE_UNICODE == 0 {
        return Err("the NTLM challenge does not offer Unicode".into());
    }
    Ok(ChallengeMessage {
        flags,
        server_challenge,
        target_info,
    })
}

/// The AV pair `id` of `target_info`, if present and well formed.
///
/// Example: see [the module's example](self).
pub fn av_pair(target_info: &[u8], id: u16) -> Option<&[u8]> {
    let mut at = 0;
    loop {
        let av_id = u16_at(target_info, at)?;
        let len = u16_at(target_info, at + 2)? as usize;
        if av_id == AV_EOL {
            return None;
        }
        let value = target_info.get(at + 4..at + 4 + len)?;
        if av_id == id {
            return Some(value);
        }
        at += 4 + len;
    }
}

/// UTF-16LE bytes of `s`.
///
/// Example: see [the module's example](self).
pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// HMAC-MD5 of the concatenation of `parts`.
///
/// Example: see [the module's example](self).
pub fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// `NTOWFv1`: MD4 of the UTF-16LE password.
///
/// Example: see [the module's example](self).
pub fn nt_owf_v1(password: &str) -> [u8; 16] {
    Md4::digest(utf16le(password)).into()
}

/// `NTOWFv2`: HMAC-MD5 keyed with NTOWFv1 over the upper-cased user and the domain.
///
/// Example: see [the module's example](self).
pub fn nt_owf_v2(user: &str, domain: &str, password: &str) -> [u8; 16] {
    let ud = utf16le(&format!("{}{domain}", user.to_uppercase()));
    hmac_md5(&nt_owf_v1(password), &[&ud])
}

/// The NTLMv2 `temp` blob (MS-NLMP §3.3.2) ending in the server's target info.
fn temp(timestamp: u64, client_challenge: &[u8; 8], target_info: &[u8]) -> Vec<u8> {
    let mut t = Vec::with_capacity(28 + target_info.len() + 4);
    t.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 0]);
    t.extend_from_slice(&timestamp.to_le_bytes());
    t.extend_from_slice(client_challenge);
    t.extend_from_slice(&[0; 4]);
    t.extend_from_slice(target_info);
    t.extend_from_slice(&[0; 4]);
    t
}

/// The NTLMv2 responses.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V2Response {
    /// `NtChallengeResponse`: NTProofStr then the temp blob.
    pub nt: Vec<u8>,
    /// `LmChallengeResponse` (LMv2, or zeros when the server sent a timestamp).
    pub lm: [u8; 24],
    /// `SessionBaseKey`.
    pub session_base_key: [u8; 16],
}

impl V2Response {
    /// `NTProofStr`, the first 16 bytes of the NT response.
    ///
    /// Example: see [the module's example](self).
    pub fn nt_proof(&self) -> &[u8] {
        &self.nt[..16]
    }
}

/// MS-NLMP §3.3.2 `ComputeResponse` for NTLMv2.
///
/// Example: see [the module's example](self).
pub fn v2_response(
    response_key: &[u8; 16],
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
    timestamp: u64,
    target_info: &[u8],
) -> V2Response {
    let temp = temp(timestamp, client_challenge, target_info);
    let proof = hmac_md5(response_key, &[server_challenge, &temp]);
    let mut nt = proof.to_vec();
    nt.extend_from_slice(&temp);
    let mut lm = [0u8; 24];
    if av_pair(target_info, AV_TIMESTAMP).is_none() {
        lm[..16].copy_from_slice(&hmac_md5(
            response_key,
            &[server_challenge, client_challenge],
        ));
        lm[16..].copy_from_slice(client_challenge);
    }
    V2Response {
        nt,
        lm,
        session_base_key: hmac_md5(response_key, &[&proof]),
    }
}

/// Splits `DOMAIN\user` (or `user@domain`, kept whole as Windows does) into domain and user.
///
/// Example: see [the module's example](self).
pub fn split_user(username: &str) -> (&str, &str) {
    match username.split_once('\\') {
        Some((d, u)) => (d, u),
        None => ("", username),
    }
}

/// Now as a Windows FILETIME (100 ns ticks since 1601-01-01).
///
/// Example: see [the module's example](self).
pub fn filetime_now() -> u64 {
    const EPOCH_DIFF_SECS: u64 = 11_644_473_600;
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() + EPOCH_DIFF_SECS) * 10_000_000 + u64::from(d.subsec_nanos() / 100)
}

/// The AUTHENTICATE message answering `challenge` (64-byte header, no version, no MIC).
///
/// Example: see [the module's example](self).
pub fn authenticate_message(
    credentials: &Credentials,
    challenge: &ChallengeMessage,
    workstation: &str,
    client_challenge: &[u8; 8],
    timestamp: Option<u64>,
) -> Vec<u8> {
    let (domain, user) = split_user(&credentials.username);
    let key = nt_owf_v2(user, domain, &credentials.password);
    let timestamp = av_pair(&challenge.target_info, AV_TIMESTAMP)
        .and_then(|t| t.try_into().ok().map(u64::from_le_bytes))
        .or(timestamp)
        .unwrap_or_else(filetime_now);
    let r = v2_response(
        &key,
        &challenge.server_challenge,
        client_challenge,
        timestamp,
        &challenge.target_info,
    );
    let domain = utf16le(domain);
    let user = utf16le(user);
    let workstation = utf16le(workstation);
    let payloads: [&[u8]; 6] = [&r.lm, &r.nt, &domain, &user, &workstation, &[]];
    let mut m = Vec::with_capacity(64 + payloads.iter().map(|p| p.len()).sum::<usize>());
    m.extend_from_slice(SIGNATURE);
    m.extend_from_slice(&3u32.to_le_bytes());
    // Fields in header order (LM, NT, domain, user, workstation, session key); payloads
    // follow the 64-byte header in the same order.
    let mut offset = 64u32;
    for p in payloads {
        let len = u16::try_from(p.len()).unwrap_or(u16::MAX);
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&offset.to_le_bytes());
        offset += u32::from(len);
    }
    let flags = challenge.flags & NEGOTIATE_FLAGS | NEGOTIATE_UNICODE;
    m.extend_from_slice(&flags.to_le_bytes());
    for p in payloads {
        m.extend_from_slice(&p[..p.len().min(u16::MAX as usize)]);
    }
    m
}

/// Fresh random client challenge.
///
/// Example: see [the module's example](self).
pub fn client_challenge() -> [u8; 8] {
    let mut b = [0u8; 8];
    super::random(&mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    // MS-NLMP §4.2.1 common values and §4.2.4 NTLMv2 authentication.
    const USER: &str = "User";
    const DOMAIN: &str = "Domain";
    const PASSWORD: &str = "Password";
    const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    const CLIENT_CHALLENGE: [u8; 8] = [0xaa; 8];

    fn av(id: u16, value: &[u8]) -> Vec<u8> {
        let mut v = id.to_le_bytes().to_vec();
        v.extend_from_slice(&(value.len() as u16).to_le_bytes());
        v.extend_from_slice(value);
        v
    }

    /// §4.2.4's target info: NetBIOS domain "Domain", NetBIOS computer "Server".
    fn target_info() -> Vec<u8> {
        let mut t = av(AV_NB_DOMAIN_NAME, &utf16le("Domain"));
        t.extend(av(AV_NB_COMPUTER_NAME, &utf16le("Server")));
        t.extend(av(AV_EOL, &[]));
        t
    }

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).expect("hex")
    }

    #[test]
    fn ms_nlmp_4_2_2_1_3_ntowfv1() {
        assert_eq!(
            nt_owf_v1(PASSWORD).to_vec(),
            unhex("a4 f4 9c 40 65 10 bd ca b6 82 4e e7 c3 0f d8 52")
        );
    }

    #[test]
    fn ms_nlmp_4_2_4_ntlmv2_vectors() {
        let key = nt_owf_v2(USER, DOMAIN, PASSWORD);
        assert_eq!(
            key.to_vec(),
            unhex("0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f")
        );
        let r = v2_response(
            &key,
            &SERVER_CHALLENGE,
            &CLIENT_CHALLENGE,
            0,
            &target_info(),
        );
        assert_eq!(
            r.lm.to_vec(),
            unhex("86 c3 50 97 ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa aa aa aa aa")
        );
        assert_eq!(
            r.nt_proof().to_vec(),
            unhex("68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c")
        );
        assert_eq!(
            r.session_base_key.to_vec(),
            unhex("8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3")
        );
    }

    fn challenge_message(flags: u32, target_info: &[u8]) -> Vec<u8> {
        let mut m = SIGNATURE.to_vec();
        m.extend_from_slice(&2u32.to_le_bytes());
        m.extend_from_slice(&[0, 0, 0, 0, 48, 0, 0, 0]); // empty target name
        m.extend_from_slice(&flags.to_le_bytes());
        m.extend_from_slice(&SERVER_CHALLENGE);
        m.extend_from_slice(&[0; 8]);
        let len = target_info.len() as u16;
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&48u32.to_le_bytes());
        m.extend_from_slice(target_info);
        m
    }

    #[test]
    fn authenticate_message_carries_the_v2_response() {
        let flags = NEGOTIATE_FLAGS | NEGOTIATE_TARGET_INFO;
        let c = parse_challenge_message(&challenge_message(flags, &target_info())).expect("ok");
        assert_eq!(c.server_challenge, SERVER_CHALLENGE);
        assert_eq!(c.target_info, target_info());
        let creds = Credentials::new("Domain\\User", PASSWORD);
        let m = authenticate_message(&creds, &c, "COMPUTER", &CLIENT_CHALLENGE, Some(0));
        assert_eq!(&m[..8], SIGNATURE);
        assert_eq!(u32_at(&m, 8), Some(3));
        let nt = field(&m, 20).expect("nt response");
        assert_eq!(
            nt[..16].to_vec(),
            unhex("68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c")
        );
        assert_eq!(field(&m, 28), Some(utf16le("Domain").as_slice()));
        assert_eq!(field(&m, 36), Some(utf16le("User").as_slice()));
        assert_eq!(field(&m, 44), Some(utf16le("COMPUTER").as_slice()));
        assert_eq!(u32_at(&m, 60).map(|f| f & NEGOTIATE_UNICODE), Some(1));
    }

    #[test]
    fn a_server_timestamp_is_used_and_lm_zeroed() {
        let mut ti = av(AV_TIMESTAMP, &42u64.to_le_bytes());
        ti.extend(av(AV_EOL, &[]));
        let c = parse_challenge_message(&challenge_message(
            NEGOTIATE_FLAGS | NEGOTIATE_TARGET_INFO,
            &ti,
        ))
        .expect("ok");
        let m = authenticate_message(&Credentials::new("u", "p"), &c, "", &CLIENT_CHALLENGE, None);
        let nt = field(&m, 20).expect("nt");
        assert_eq!(&nt[24..32], &42u64.to_le_bytes());
        assert_eq!(field(&m, 12), Some(&[0u8; 24][..]));
    }

    #[test]
    fn malformed_challenges_are_errors() {
        assert!(parse_challenge_message(b"NTLMSSP\0").is_err());
        assert!(parse_challenge_message(&[0u8; 64]).is_err());
        let mut wrong_type = challenge_message(NEGOTIATE_FLAGS, &[]);
        wrong_type[8] = 3;
        assert!(parse_challenge_message(&wrong_type).is_err());
        let mut outside = challenge_message(NEGOTIATE_FLAGS | NEGOTIATE_TARGET_INFO, &[]);
        outside[40] = 200; // target info length past the end
        let e = parse_challenge_message(&outside).expect_err("outside");
        assert!(e.contains("outside"), "{e}");
        let no_unicode = challenge_message(NEGOTIATE_OEM, &[]);
        assert!(parse_challenge_message(&no_unicode).is_err());
        // Truncated AV pairs are ignored, never read past the end.
        assert_eq!(av_pair(&[7, 0, 200, 0, 1], AV_TIMESTAMP), None);
    }

    #[test]
    fn negotiate_message_shape() {
        let m = negotiate_message();
        assert_eq!(m.len(), 32);
        assert_eq!(u32_at(&m, 12), Some(NEGOTIATE_FLAGS));
        assert_eq!(split_user("CORP\\alice"), ("CORP", "alice"));
        assert_eq!(split_user("alice@corp"), ("", "alice@corp"));
    }
}
