//! Shared dictionaries and blobs through the facade (SESSION-22..25, 29).

use session::{ClearDataOptions, DataType, SessionOptions, Sessions};
use session_test_support::temp_user_data;

fn opts() -> SessionOptions {
    SessionOptions::default()
}

fn register(session: &session::Session, url: &str, pattern: &str, bytes: &'static [u8]) {
    use session::cache::dictionary::{IsolationKey, parse_use_as_dictionary};
    let url = url::Url::parse(url).expect("url");
    let key = IsolationKey::top_level(&url).expect("key");
    session
        .shared_dictionaries()
        .register(
            &key,
            &url,
            &parse_use_as_dictionary(&format!("match=\"{pattern}\"")).expect("header"),
            bytes::Bytes::from_static(bytes),
            std::time::SystemTime::now(),
            std::time::Duration::from_secs(3600),
        )
        .expect("stored");
}

#[tokio::test]
async fn a_fresh_session_has_no_dictionaries() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = sessions.default_session().expect("default");
    // SESSION-22
    assert!(s.get_shared_dictionary_usage_info().is_empty());
    // SESSION-23
    assert!(
        s.get_shared_dictionary_info("https://a.test", "https://a.test")
            .expect("valid")
            .is_empty()
    );
    let e = s
        .get_shared_dictionary_info("not a url", "https://a.test")
        .expect_err("invalid");
    assert_eq!(
        e.to_string(),
        "Invalid URLs provided for frameOrigin or topFrameSite"
    );
    // SESSION-24, 25
    s.clear_shared_dictionary_cache().await;
    s.clear_shared_dictionary_cache_for_isolation_key("https://a.test", "https://a.test")
        .await
        .expect("valid");
    assert!(
        s.clear_shared_dictionary_cache_for_isolation_key("https://a.test", "")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn dictionaries_persist_per_partition_and_clear_with_the_cache() {
    let ud = temp_user_data();
    {
        let sessions = Sessions::new(ud.path());
        let s = sessions.from_partition("persist:a", opts()).expect("a");
        register(&s, "https://a.test/app/v1.js", "/app/*", b"dictionary one");
        register(&s, "https://b.test/lib/v1.js", "/lib/*", b"dictionary two");
        s.shared_dictionaries().flush();
        // Another partition never sees them.
        let other = sessions.from_partition("persist:b", opts()).expect("b");
        assert!(other.get_shared_dictionary_usage_info().is_empty());
        let memory = sessions.from_partition("mem", opts()).expect("mem");
        assert!(memory.get_shared_dictionary_usage_info().is_empty());
        // Not counted by the HTTP cache's size.
        assert_eq!(s.get_cache_size(), 0);
    }
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("persist:a", opts())
        .expect("a again");
    let usage = s.get_shared_dictionary_usage_info();
    assert_eq!(usage.len(), 2);
    let info = s
        .get_shared_dictionary_info("https://a.test", "https://a.test")
        .expect("info");
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].size, 14);
    assert_eq!(info[0].dictionary_url.as_str(), "https://a.test/app/v1.js");

    // clear_data with cache and an origin removes that origin's dictionary, from disk too.
    let counts = s
        .clear_data(ClearDataOptions {
            data_types: Some(vec![DataType::Cache]),
            origins: Some(vec!["https://a.test".into()]),
            ..ClearDataOptions::default()
        })
        .await
        .expect("cleared");
    assert_eq!(counts.dictionaries, 1);
    let dir = s
        .storage_path()
        .expect("persistent")
        .join("Shared Dictionary");
    let index = std::fs::read_to_string(dir.join("index.json")).expect("index");
    assert!(!index.contains("a.test"), "{index}");
    assert!(index.contains("b.test"), "{index}");
    let files: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("ls")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "dict"))
        .map(|e| std::fs::read(e.path()).expect("read"))
        .collect();
    assert_eq!(files, vec![b"dictionary two".to_vec()]);

    s.clear_shared_dictionary_cache().await;
    assert!(s.get_shared_dictionary_usage_info().is_empty());
}

#[tokio::test]
async fn blobs_round_trip_beyond_64_kib() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = sessions.from_partition("mem", opts()).expect("mem");
    // SESSION-29
    let e = s
        .get_blob_data("9f1b2c9e-0000-4000-8000-000000000000")
        .await
        .expect_err("unknown");
    assert_eq!(e.to_string(), "Could not get blob data handle");
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let uuid = s.register_blob(data.clone(), "application/octet-stream");
    assert_eq!(s.get_blob_data(&uuid).await.expect("whole"), data);
    let part = s
        .get_blob_data_range(&uuid, 65_530, Some(70_000))
        .await
        .expect("range")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(&part[..], &data[65_530..135_530]);

    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("video.bin");
    std::fs::write(&path, &data).expect("write");
    let file_blob = s
        .register_blob_file(&path, 100, Some(1000), "video/mp4")
        .expect("file");
    assert_eq!(
        s.get_blob_data(&file_blob).await.expect("file blob"),
        data[100..1100]
    );
    assert!(s.register_blob_file(&path, 300_000, None, "").is_err());

    // blob: URLs of registered blobs are fetched through the session, with Range.
    let url = format!("blob:https://app.test/{file_blob}");
    let response = s
        .fetch(session::net::new_request(http::Method::GET, &url, ()).expect("request"))
        .await
        .expect("blob fetch");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "video/mp4");
    assert_eq!(response.headers()["content-length"], "1000");
    assert_eq!(response.bytes().await.expect("body"), data[100..1100]);
    let mut request = session::net::new_request(http::Method::GET, &url, ()).expect("request");
    request
        .headers_mut()
        .insert("range", "bytes=-10".parse().expect("value"));
    let response = s.fetch(request).await.expect("ranged blob fetch");
    assert_eq!(response.status(), 206);
    assert_eq!(response.headers()["content-range"], "bytes 990-999/1000");
    assert_eq!(response.bytes().await.expect("body"), data[1090..1100]);
    // Another session does not know this blob.
    let other = sessions.from_partition("other", opts()).expect("other");
    let e = other
        .fetch(session::net::new_request(http::Method::GET, &url, ()).expect("request"))
        .await
        .expect_err("not registered there");
    assert_eq!(e.kind(), session::net::NetError::FileNotFound);
}

mod wire {
    use session::net::{FetchOptions, NetError, new_request};
    use session::{SessionOptions, Sessions};
    use session_test_support::dictionary::{available_dictionary, bundle_v1, bundle_v2};
    use session_test_support::{HOST_RULES, TestSite};

    fn session(sessions: &Sessions, name: &str, site: &TestSite) -> session::Session {
        let s = sessions
            .from_partition(name, SessionOptions::default())
            .expect("session");
        s.net().set_host_rules(HOST_RULES.parse().expect("rules"));
        s.net()
            .add_trusted_roots_pem(site.ca_pem().as_bytes())
            .expect("ca");
        s
    }

    async fn get(
        s: &session::Session,
        url: &str,
        options: Option<FetchOptions>,
    ) -> session::net::Result<Vec<u8>> {
        let mut req = new_request(http::Method::GET, url, ()).expect("request");
        if let Some(o) = options {
            let parsed = url::Url::parse(url).expect("url");
            req.extensions_mut().insert(o.url(parsed));
        }
        let r = s.fetch(req).await?;
        Ok(r.bytes().await?.to_vec())
    }

    fn advertised(site: &TestSite, path: &str) -> Vec<Option<String>> {
        site.requests_to(path)
            .iter()
            .map(|r| r.header("available-dictionary").map(str::to_owned))
            .collect()
    }

    #[tokio::test]
    async fn a_bundle_becomes_the_dictionary_of_its_next_version() {
        let site = TestSite::start();
        let ud = tempfile::tempdir().expect("tmp");
        let sessions = Sessions::new(ud.path());
        let s = session(&sessions, "persist:wire", &site);
        let v1 = site.https_url("a.test", "/dictionary/v1.js");
        let v2 = site.https_url("a.test", "/dictionary/v2.js");

        // The dictionary arrives brotli-coded; what is stored is the decoded bundle.
        let v1_br = format!("{v1}?coding=br");
        assert_eq!(get(&s, &v1_br, None).await.expect("v1"), bundle_v1());
        let usage = s.get_shared_dictionary_usage_info();
        assert_eq!(usage.len(), 1, "{usage:?}");
        assert_eq!(usage[0].total_size_bytes, bundle_v1().len() as u64);

        // dcz: the request advertises v1, the body arrives delta-coded and decodes to v2.
        assert_eq!(get(&s, &v2, None).await.expect("v2 dcz"), bundle_v2());
        let sent = advertised(&site, "/dictionary/v2.js");
        assert_eq!(sent, vec![Some(available_dictionary(bundle_v1()))]);
        let req = &site.requests_to("/dictionary/v2.js")[0];
        assert_eq!(req.header("dictionary-id"), Some("\"bundle-v1\""));
        assert!(
            req.header("accept-encoding")
                .is_some_and(|v| v.contains("dcz") && v.contains("dcb"))
        );

        // dcb the same way.
        let dcb_url = format!("{v2}?coding=dcb");
        assert_eq!(get(&s, &dcb_url, None).await.expect("v2 dcb"), bundle_v2());

        // A body whose header names another dictionary fails with Chromium's error.
        let bad = format!("{v2}?coding=badhash");
        let e = get(&s, &bad, None).await.expect_err("bad hash");
        assert_eq!(e.kind(), NetError::UnexpectedContentDictionaryHeader);

        // Another top-frame site is another isolation key: nothing advertised.
        site.clear_log();
        let third_party = FetchOptions::new()
            .site_for_cookies(url::Url::parse("https://other.test/").expect("url"));
        assert_eq!(
            get(&s, &v2, Some(third_party)).await.expect("plain"),
            bundle_v2()
        );
        assert_eq!(advertised(&site, "/dictionary/v2.js"), vec![None]);

        // Another partition never advertises it.
        let other = session(&sessions, "persist:other", &site);
        site.clear_log();
        assert_eq!(get(&other, &v2, None).await.expect("plain"), bundle_v2());
        assert_eq!(advertised(&site, "/dictionary/v2.js"), vec![None]);

        // Plain http to a non-loopback host is not a secure context: never stored.
        let plain = sessions
            .from_partition("plain", SessionOptions::default())
            .expect("mem");
        plain
            .net()
            .set_host_rules(HOST_RULES.parse().expect("rules"));
        let insecure = site.http_url("a.test", "/dictionary/v1.js");
        assert_eq!(get(&plain, &insecure, None).await.expect("v1"), bundle_v1());
        assert!(plain.get_shared_dictionary_usage_info().is_empty());
    }
}
