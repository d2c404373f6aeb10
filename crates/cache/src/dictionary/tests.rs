use std::time::{Duration, SystemTime};

use bytes::Bytes;
use url::Url;

use super::*;

fn u(s: &str) -> Url {
    Url::parse(s).expect("url")
}

fn header(s: &str) -> UseAsDictionary {
    parse_use_as_dictionary(s).expect("header")
}

const HOUR: Duration = Duration::from_secs(3600);

fn put(store: &SharedDictionaries, key: &IsolationKey, url: &str, h: &str, body: &'static [u8]) {
    store
        .register(
            key,
            &u(url),
            &header(h),
            Bytes::from_static(body),
            SystemTime::now(),
            HOUR,
        )
        .expect("stored");
}

#[test]
fn isolation_keys_as_electron_checks_them() {
    // SESSION-23: invalid URLs are rejected with Electron's message.
    for (f, t) in [
        ("not a url", "https://a.test"),
        ("https://a.test", ""),
        ("file:///x", "https://a.test"),
    ] {
        let e = IsolationKey::new(f, t).expect_err("invalid");
        assert_eq!(e.to_string(), INVALID_KEY_MESSAGE);
    }
    let k = IsolationKey::new("https://www.a.test:8443/x", "https://sub.b.test/y").expect("key");
    assert_eq!(k.frame_origin(), "https://www.a.test:8443");
    assert_eq!(k.top_frame_site(), "https://b.test");
}

#[test]
fn a_fresh_store_is_empty() {
    // SESSION-22, SESSION-23: nothing stored resolves [].
    let store = SharedDictionaries::memory(DictionaryLimits::default());
    assert!(store.usage_info().is_empty());
    let key = IsolationKey::new("https://a.test", "https://a.test").expect("key");
    assert!(store.info(&key).is_empty());
    // SESSION-24, SESSION-25: clearing an empty store is fine.
    store.clear();
    store.clear_for_key(&key);
}

#[test]
fn best_match_is_the_longest_pattern_then_the_newest() {
    let store = SharedDictionaries::memory(DictionaryLimits::default());
    let key = IsolationKey::top_level(&u("https://a.test/")).expect("key");
    put(
        &store,
        &key,
        "https://a.test/d1",
        r#"match="/app/*", id="short""#,
        b"one",
    );
    put(
        &store,
        &key,
        "https://a.test/d2",
        r#"match="/app/*.js", id="long""#,
        b"two",
    );
    let found = store
        .find(&key, &u("https://a.test/app/x.js"), "")
        .expect("found");
    assert_eq!(found.id, "long");
    assert_eq!(found.bytes, Bytes::from_static(b"two"));
    let found = store
        .find(&key, &u("https://a.test/app/x.css"), "")
        .expect("found");
    assert_eq!(found.id, "short");
    // Same length: the newer wins.
    put(
        &store,
        &key,
        "https://a.test/d3",
        r#"match="/app/*.jz", id="newer""#,
        b"three",
    );
    put(
        &store,
        &key,
        "https://a.test/d4",
        r#"match="/app/*.j?", id="newest""#,
        b"four",
    );
    assert!(store.find(&key, &u("https://a.test/other"), "").is_none());
    assert_eq!(store.info(&key).len(), 4);
}

#[test]
fn same_pattern_and_destinations_replace() {
    let store = SharedDictionaries::memory(DictionaryLimits::default());
    let key = IsolationKey::top_level(&u("https://a.test/")).expect("key");
    put(
        &store,
        &key,
        "https://a.test/v1",
        r#"match="/app/*", id="v1""#,
        b"one",
    );
    put(
        &store,
        &key,
        "https://a.test/v2",
        r#"match="/app/*", id="v2""#,
        b"two",
    );
    let info = store.info(&key);
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].id, "v2");
    assert_eq!(info[0].size, 3);
    assert_eq!(info[0].hash, hex::encode(sha2::Sha256::digest_of(b"two")));
}

trait DigestOf {
    fn digest_of(b: &[u8]) -> Vec<u8>;
}

impl DigestOf for sha2::Sha256 {
    fn digest_of(b: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        sha2::Sha256::digest(b).to_vec()
    }
}

#[test]
fn match_dest_limits_destinations() {
    let store = SharedDictionaries::memory(DictionaryLimits::default());
    let key = IsolationKey::top_level(&u("https://a.test/")).expect("key");
    put(
        &store,
        &key,
        "https://a.test/d",
        r#"match="/p/*", match-dest=("document" "frame")"#,
        b"d",
    );
    assert!(
        store
            .find(&key, &u("https://a.test/p/1"), "document")
            .is_some()
    );
    assert!(
        store
            .find(&key, &u("https://a.test/p/1"), "script")
            .is_none()
    );
    assert!(store.find(&key, &u("https://a.test/p/1"), "").is_none());
}

#[test]
fn never_offered_under_another_top_frame_site() {
    let store = SharedDictionaries::memory(DictionaryLimits::default());
    let a = IsolationKey::new("https://cdn.test", "https://a.test").expect("key");
    let b = IsolationKey::new("https://cdn.test", "https://b.test").expect("key");
    put(
        &store,
        &a,
        "https://cdn.test/lib",
        r#"match="/lib/*""#,
        b"lib",
    );
    assert!(store.find(&a, &u("https://cdn.test/lib/2"), "").is_some());
    assert!(store.find(&b, &u("https://cdn.test/lib/2"), "").is_none());
    let usage = store.usage_info();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].top_frame_site, "https://a.test");
    store.clear_for_key(&b);
    assert_eq!(store.usage_info().len(), 1);
    store.clear_for_key(&a);
    assert!(store.usage_info().is_empty());
}

#[test]
fn expired_dictionaries_are_not_offered() {
    let store = SharedDictionaries::memory(DictionaryLimits::default());
    let key = IsolationKey::top_level(&u("https://a.test/")).expect("key");
    let long_ago = SystemTime::now() - Duration::from_secs(7200);
    store
        .register(
            &key,
            &u("https://a.test/d"),
            &header(r#"match="/*""#),
            Bytes::from_static(b"x"),
            long_ago,
            HOUR,
        )
        .expect("stored");
    assert!(store.find(&key, &u("https://a.test/y"), "").is_none());
    assert!(store.info(&key).is_empty(), "dropped once seen expired");
    let e = store
        .register(
            &key,
            &u("https://a.test/d"),
            &header(r#"match="/*""#),
            Bytes::from_static(b"x"),
            SystemTime::now(),
            Duration::ZERO,
        )
        .expect_err("not fresh");
    assert!(e.to_string().contains("not fresh"), "{e}");
}

#[test]
fn limits_evict_the_least_recently_used() {
    let limits = DictionaryLimits {
        max_dictionary_size: 10,
        max_total_size: 20,
        max_site_size: 15,
        max_count: 3,
        ..DictionaryLimits::default()
    };
    let store = SharedDictionaries::memory(limits);
    let a = IsolationKey::top_level(&u("https://a.test/")).expect("key");
    let b = IsolationKey::top_level(&u("https://b.test/")).expect("key");
    let e = store
        .register(
            &a,
            &u("https://a.test/big"),
            &header(r#"match="/*""#),
            Bytes::from(vec![0u8; 11]),
            SystemTime::now(),
            HOUR,
        )
        .expect_err("too big");
    assert!(e.to_string().contains("11 bytes"), "{e}");
    put(
        &store,
        &a,
        "https://a.test/1",
        r#"match="/1/*""#,
        b"aaaaaaaa",
    );
    put(
        &store,
        &a,
        "https://a.test/2",
        r#"match="/2/*""#,
        b"bbbbbbbb",
    );
    // Per site: 16 > 15, the older of a.test goes.
    assert_eq!(store.info(&a).len(), 1);
    assert_eq!(store.info(&a)[0].match_pattern, "/2/*");
    put(
        &store,
        &b,
        "https://b.test/1",
        r#"match="/1/*""#,
        b"cccccccc",
    );
    put(&store, &b, "https://b.test/2", r#"match="/2/*""#, b"d");
    put(&store, &b, "https://b.test/3", r#"match="/3/*""#, b"e");
    // Count: 4 > 3, the least recently used (a.test's) goes.
    assert!(store.info(&a).is_empty());
    assert_eq!(store.info(&b).len(), 3);
    assert!(store.total_size() <= 20);
}

#[test]
fn persists_and_drops_torn_files_at_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("Shared Dictionary");
    let key = IsolationKey::top_level(&u("https://a.test/")).expect("key");
    {
        let store = SharedDictionaries::open(&path, DictionaryLimits::default()).expect("open");
        put(
            &store,
            &key,
            "https://a.test/1",
            r#"match="/1/*", id="one""#,
            b"first dictionary",
        );
        put(
            &store,
            &key,
            "https://a.test/2",
            r#"match="/2/*", id="two""#,
            b"second dictionary",
        );
        store.flush();
    }
    let store = SharedDictionaries::open(&path, DictionaryLimits::default()).expect("reopen");
    assert_eq!(store.info(&key).len(), 2);
    let found = store
        .find(&key, &u("https://a.test/1/x"), "")
        .expect("found after reopen");
    assert_eq!(found.bytes, Bytes::from_static(b"first dictionary"));
    drop(store);

    // Tear one file (a crash while writing it) and leave a stray temporary.
    let files: Vec<_> = std::fs::read_dir(&path)
        .expect("ls")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "dict"))
        .collect();
    assert_eq!(files.len(), 2);
    let torn = files
        .iter()
        .find(|p| std::fs::read(p).expect("read") == b"second dictionary")
        .expect("file");
    std::fs::write(torn, b"second dic").expect("tear");
    std::fs::write(path.join(".x.dict.tmp-1-1"), b"junk").expect("stray");
    std::fs::write(path.join("unrelated.txt"), b"keep me").expect("other");

    let store = SharedDictionaries::open(&path, DictionaryLimits::default()).expect("reopen");
    let info = store.info(&key);
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].id, "one");
    assert!(store.find(&key, &u("https://a.test/2/x"), "").is_none());
    assert!(!torn.exists());
    assert!(!path.join(".x.dict.tmp-1-1").exists());
    assert!(
        path.join("unrelated.txt").exists(),
        "only our files are removed"
    );

    // Cleared: the files and the index no longer hold it.
    store.clear();
    store.flush();
    let left: Vec<_> = std::fs::read_dir(&path)
        .expect("ls")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "dict"))
        .collect();
    assert!(left.is_empty());
    let index = std::fs::read_to_string(path.join("index.json")).expect("index");
    assert!(!index.contains("a.test"), "{index}");
}

#[test]
fn a_file_changed_after_open_is_not_used() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("Shared Dictionary");
    let key = IsolationKey::top_level(&u("https://a.test/")).expect("key");
    {
        let store = SharedDictionaries::open(&path, DictionaryLimits::default()).expect("open");
        put(
            &store,
            &key,
            "https://a.test/1",
            r#"match="/1/*""#,
            b"dictionary bytes",
        );
        store.flush();
    }
    let store = SharedDictionaries::open(&path, DictionaryLimits::default()).expect("reopen");
    let file = std::fs::read_dir(&path)
        .expect("ls")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "dict"))
        .expect("file");
    std::fs::write(&file, b"dictionary BYTES").expect("change");
    assert!(store.find(&key, &u("https://a.test/1/x"), "").is_none());
    assert!(store.info(&key).is_empty());
}

#[test]
fn a_corrupt_index_is_moved_aside() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("Shared Dictionary");
    std::fs::create_dir_all(&path).expect("mkdir");
    std::fs::write(path.join("index.json"), b"{not json").expect("write");
    let store = SharedDictionaries::open(&path, DictionaryLimits::default()).expect("open");
    assert!(store.usage_info().is_empty());
    assert!(path.join("index.json.corrupt").exists());
}

#[test]
fn expiration_follows_freshness() {
    let mut h = http::HeaderMap::new();
    h.insert("cache-control", "max-age=600".parse().expect("hv"));
    let now = SystemTime::now();
    assert_eq!(
        expiration(http::StatusCode::OK, &h, now, now),
        Duration::from_secs(600)
    );
    h.insert("age", "100".parse().expect("hv"));
    assert_eq!(
        expiration(http::StatusCode::OK, &h, now, now),
        Duration::from_secs(500)
    );
    h.insert(
        "cache-control",
        "no-store, max-age=600".parse().expect("hv"),
    );
    assert_eq!(
        expiration(http::StatusCode::OK, &h, now, now),
        Duration::ZERO
    );
}

#[test]
fn secure_contexts_only() {
    assert!(allowed_for(&u("https://a.test/")));
    assert!(allowed_for(&u("http://localhost:8080/")));
    assert!(allowed_for(&u("http://127.0.0.1/")));
    assert!(!allowed_for(&u("http://a.test/")));
    assert!(!allowed_for(&u("file:///tmp/x")));
}
