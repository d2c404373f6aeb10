//! Loading real and hand-made extensions: manifests, errors, IDs, i18n, content scripts,
//! web-accessible resources and declarativeNetRequest.
#![allow(clippy::unwrap_used, unreachable_pub, missing_docs)]

use std::path::{Path, PathBuf};

use serde_json::json;
use session_extensions::dnr::rule::Rule;
use session_extensions::dnr::{Decision, Request};
use session_extensions::{
    ExtensionEvent, Extensions, ExtensionsConfig, Frame, LoadError, LoadOptions,
};
use url::Url;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn ext_dir(manifest: serde_json::Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "manifest.json", &manifest.to_string());
    dir
}

fn extensions() -> Extensions {
    Extensions::new(ExtensionsConfig::persistent(None))
}

fn u(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn failure(e: &LoadError) -> String {
    match e {
        LoadError::Failed { source, .. } => source.to_string(),
        other => panic!("not a load failure: {other}"),
    }
}

#[test]
fn malformed_host_permission_is_a_warning_not_an_error() {
    // EXT-01
    let dir = ext_dir(json!({"manifest_version": 3, "name": "w", "version": "1",
        "host_permissions": ["malformed_host", "https://ok.test/*"]}));
    let loaded = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("URL pattern 'malformed_host' is malformed")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn minimum_chrome_version_rejects_with_electrons_words() {
    // EXT-02
    let dir = ext_dir(json!({"manifest_version": 3, "name": "m", "version": "1",
        "minimum_chrome_version": "999"}));
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "Loading extension at {} failed with: This extension requires Chromium version 999 or greater.",
            dir.path().display()
        )
    );
}

#[test]
fn missing_manifest_and_missing_icon_reject() {
    // EXT-03, EXT-04
    let dir = tempfile::tempdir().unwrap();
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap_err();
    assert!(
        failure(&e).contains("Manifest file is missing or unreadable"),
        "{e}"
    );
    let dir = ext_dir(json!({"manifest_version": 3, "name": "i", "version": "1",
        "icons": {"16": "missing.png"}}));
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap_err();
    assert!(failure(&e).contains("missing.png"), "{e}");
}

#[test]
fn malformed_manifests_are_errors_naming_the_problem() {
    for (text, needle) in [
        ("{", "Manifest is not valid JSON."),
        (r#"{"manifest_version": 3, "version": "1"}"#, "'name'"),
        (
            r#"{"manifest_version": 3, "name": "x", "version": "1.2.3.4.5"}"#,
            "'version'",
        ),
        (
            r#"{"manifest_version": 4, "name": "x", "version": "1"}"#,
            "manifest_version",
        ),
        (
            r#"{"manifest_version": 3, "name": "x", "version": "1", "content_scripts": [{"matches": ["<all_urls>"], "js": ["nope.js"]}]}"#,
            "nope.js",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "manifest.json", text);
        let e = extensions()
            .load_extension(dir.path(), LoadOptions::default())
            .unwrap_err();
        assert!(failure(&e).contains(needle), "{text}: {e}");
    }
}

#[test]
fn loaded_extension_properties_and_lifecycle_events() {
    // EXT-05, EXT-06, EXT-07, EXT-08
    let manifest = json!({"manifest_version": 3, "name": "life", "version": "1.2.3",
        "description": "d", "permissions": ["storage"]});
    let dir = ext_dir(manifest.clone());
    let exts = extensions();
    let mut events = exts.subscribe();
    let loaded = exts
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap();
    let e = loaded.extension;
    assert_eq!(e.name, "life");
    assert_eq!(e.version, "1.2.3");
    assert_eq!(e.path, dir.path());
    assert_eq!(e.url, format!("chrome-extension://{}/", e.id));
    assert_eq!(e.id.len(), 32);
    assert_eq!(e.manifest, manifest);
    assert_eq!(
        events.try_recv().unwrap(),
        ExtensionEvent::Loaded(e.clone())
    );
    assert_eq!(events.try_recv().unwrap(), ExtensionEvent::Ready(e.clone()));
    assert_eq!(exts.get_all_extensions(), vec![e.clone()]);
    assert_eq!(exts.get_extension(&e.id), Some(e.clone()));
    exts.remove_extension(&e.id);
    assert_eq!(
        events.try_recv().unwrap(),
        ExtensionEvent::Unloaded(e.clone())
    );
    assert!(exts.get_all_extensions().is_empty());
    assert_eq!(exts.get_extension(&e.id), None);
}

#[test]
fn temporary_sessions_and_relative_paths_are_refused() {
    // EXT-09
    let mut config = ExtensionsConfig::persistent(None);
    config.persistent = false;
    let e = Extensions::new(config)
        .load_extension(Path::new("/abs"), LoadOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Extensions cannot be loaded in a temporary session"
    );
    let e = extensions()
        .load_extension(Path::new("rel/ext"), LoadOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "The path to the extension in 'loadExtension' must be absolute"
    );
}

#[test]
fn ids_come_from_the_key_or_the_path() {
    let key = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC4fysg3HybDNxRYZkNNg/UZogIVYTVOr8rpGSFewwEEz+N9Lw4DUn+a8RasEBTOtdmCQ+eNnQw2ooxTx8UUNfHIJQX3k65V15+CuWyZXqJTrZH/xy9tzgTr0eFhDIz8xdJv+mW0NYUbxONxfwscrqs6n4YU1amg6LOk5PnHw/mDwIDAQAB";
    let dir = ext_dir(json!({"manifest_version": 3, "name": "k", "version": "1", "key": key}));
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap()
        .extension;
    assert_eq!(e.id, "melddjfinppjdikinhbgehiennejpfhp");
    let dir = ext_dir(json!({"manifest_version": 3, "name": "p", "version": "1"}));
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap()
        .extension;
    assert_eq!(e.id, session_extensions::id::id_for_path(dir.path()));
}

fn i18n_ext() -> tempfile::TempDir {
    let dir = ext_dir(
        json!({"manifest_version": 3, "name": "__MSG_appName__", "version": "1",
        "description": "__MSG_desc__ (__MSG_@@extension_id__)", "default_locale": "en"}),
    );
    write(
        dir.path(),
        "_locales/en/messages.json",
        r#"{"appName": {"message": "Hello"}, "desc": {"message": "Say $what$", "placeholders": {"what": {"content": "hi"}}}}"#,
    );
    write(
        dir.path(),
        "_locales/fr/messages.json",
        r#"{"appName": {"message": "Bonjour"}}"#,
    );
    dir
}

#[test]
fn i18n_follows_languages_then_default_locale() {
    let dir = i18n_ext();
    let mut config = ExtensionsConfig::persistent(None);
    config.languages = vec!["fr-CA".into(), "de".into()];
    let e = Extensions::new(config)
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap()
        .extension;
    assert_eq!(e.name, "Bonjour");
    // `desc` is not in fr: the default locale gives it, with its placeholder.
    assert_eq!(e.manifest["description"], format!("Say hi ({})", e.id));
    assert_eq!(e.manifest["current_locale"], "fr");
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap()
        .extension;
    assert_eq!(e.name, "Hello");
}

#[test]
fn broken_messages_json_names_the_file() {
    let dir = i18n_ext();
    write(dir.path(), "_locales/fr/messages.json", "{ nope");
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap_err();
    assert!(
        failure(&e).contains(&format!(
            "_locales{}fr{}messages.json",
            std::path::MAIN_SEPARATOR,
            std::path::MAIN_SEPARATOR
        )),
        "{e}"
    );
    let dir = ext_dir(
        json!({"manifest_version": 3, "name": "x", "version": "1", "default_locale": "en"}),
    );
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap_err();
    assert!(failure(&e).contains("_locales subtree is missing"), "{e}");
}

fn scripts_ext(extra: serde_json::Value) -> tempfile::TempDir {
    let mut m = json!({"manifest_version": 3, "name": "cs", "version": "1", "content_scripts": [
        {"matches": ["https://*.example.com/*"], "exclude_matches": ["https://private.example.com/*"],
         "exclude_globs": ["*nocs*"], "js": ["a.js"], "css": ["a.css"], "run_at": "document_start"},
        {"matches": ["<all_urls>"], "include_globs": ["*/app/*"], "js": ["b.js"], "all_frames": true, "match_about_blank": true},
        {"matches": ["file:///*"], "js": ["f.js"]}
    ]});
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        m.extend(extra.clone());
    }
    let dir = ext_dir(m);
    for f in ["a.js", "a.css", "b.js", "f.js"] {
        write(dir.path(), f, "//");
    }
    dir
}

#[test]
fn content_scripts_honour_every_matching_rule() {
    // EXT-10 (scripts come only from this session's extensions)
    let dir = scripts_ext(json!({}));
    let exts = extensions();
    let other_session = extensions();
    exts.load_extension(dir.path(), LoadOptions::default())
        .unwrap();
    let names = |url: &str, frame: Frame, e: &Extensions| -> Vec<String> {
        e.content_scripts_for(&u(url), frame)
            .iter()
            .flat_map(|s| {
                s.js.iter()
                    .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            })
            .collect()
    };
    assert_eq!(
        names("https://www.example.com/app/x", Frame::TOP, &exts),
        ["a.js", "b.js"]
    );
    assert!(names("https://www.example.com/app/x", Frame::TOP, &other_session).is_empty());
    assert_eq!(
        names("https://private.example.com/app/", Frame::TOP, &exts),
        ["b.js"]
    );
    assert_eq!(
        names("https://www.example.com/nocs", Frame::TOP, &exts),
        Vec::<String>::new()
    );
    let child = Frame {
        top_level: false,
        about_blank: false,
    };
    assert_eq!(
        names("https://www.example.com/app/", child, &exts),
        ["b.js"]
    );
    let blank = Frame {
        top_level: false,
        about_blank: true,
    };
    assert_eq!(
        names("https://www.example.com/app/", blank, &exts),
        ["b.js"]
    );
    // file: needs allow_file_access.
    assert!(names("file:///tmp/x", Frame::TOP, &exts).is_empty());
    let with_files = extensions();
    with_files
        .load_extension(
            dir.path(),
            LoadOptions {
                allow_file_access: true,
            },
        )
        .unwrap();
    assert_eq!(names("file:///tmp/x", Frame::TOP, &with_files), ["f.js"]);
    let first = &exts.content_scripts_for(&u("https://www.example.com/"), Frame::TOP)[0];
    assert_eq!(first.run_at, session_extensions::RunAt::DocumentStart);
    assert_eq!(first.css, vec![dir.path().join("a.css")]);
}

#[test]
fn web_accessible_resources_gate_web_pages_not_the_extension() {
    let dir = ext_dir(json!({"manifest_version": 3, "name": "war", "version": "1",
        "web_accessible_resources": [{"resources": ["public/*"], "matches": ["https://ok.test/*"]}]}));
    write(dir.path(), "public/a.png", "png");
    write(dir.path(), "secret.js", "js");
    let exts = extensions();
    let id = exts
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap()
        .extension
        .id;
    let own = u(&format!("chrome-extension://{id}/page.html"));
    assert!(exts.resource_path(&id, "/secret.js", Some(&own)).is_some());
    assert!(
        exts.resource_path(&id, "/public/a.png", Some(&u("https://ok.test/page")))
            .is_some()
    );
    assert!(
        exts.resource_path(&id, "/public/a.png", Some(&u("https://evil.test/")))
            .is_none()
    );
    assert!(
        exts.resource_path(&id, "/secret.js", Some(&u("https://ok.test/")))
            .is_none()
    );
    assert!(
        exts.resource_path(&id, "/../manifest.json", Some(&own))
            .is_none()
    );
    assert!(exts.resource_path(&id, "/%2e%2e/x", Some(&own)).is_none());
    // Manifest V2: a list of paths, open to every origin.
    let dir2 = ext_dir(
        json!({"manifest_version": 2, "name": "war2", "version": "1",
        "web_accessible_resources": ["img/*.png"]}),
    );
    write(dir2.path(), "img/x.png", "png");
    let id2 = exts
        .load_extension(dir2.path(), LoadOptions::default())
        .unwrap()
        .extension
        .id;
    assert!(
        exts.resource_path(&id2, "/img/x.png", Some(&u("https://any.test/")))
            .is_some()
    );
}

fn rules_ext(rules: serde_json::Value, name: &str) -> tempfile::TempDir {
    let dir = ext_dir(json!({"manifest_version": 3, "name": name, "version": "1",
        "permissions": ["declarativeNetRequest"],
        "declarative_net_request": {"rule_resources": [
            {"id": "main", "enabled": true, "path": "rules.json"},
            {"id": "off", "enabled": false, "path": "off.json"}]}}));
    write(dir.path(), "rules.json", &rules.to_string());
    write(
        dir.path(),
        "off.json",
        &json!([{"id": 1, "action": {"type": "block"}, "condition": {"urlFilter": "||off.test^"}}])
            .to_string(),
    );
    dir
}

fn req<'a>(url: &'a Url, resource_type: &'a str) -> Request<'a> {
    Request {
        url,
        method: "GET",
        resource_type,
        initiator: None,
    }
}

#[test]
fn dnr_priority_and_action_precedence_within_an_extension() {
    let dir = rules_ext(
        json!([
            {"id": 1, "priority": 1, "action": {"type": "block"}, "condition": {"urlFilter": "||ads.test^"}},
            {"id": 2, "priority": 1, "action": {"type": "allow"}, "condition": {"urlFilter": "||ads.test/ok"}},
            {"id": 3, "priority": 2, "action": {"type": "redirect", "redirect": {"url": "https://r.test/"}}, "condition": {"urlFilter": "/promo", "resourceTypes": ["script"]}},
            {"id": 4, "priority": 1, "action": {"type": "upgradeScheme"}, "condition": {"requestDomains": ["plain.test"]}}
        ]),
        "p",
    );
    let exts = extensions();
    let id = exts
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap()
        .extension
        .id;
    let decide = |url: &str, t: &str| exts.evaluate_request(&req(&u(url), t)).decision;
    assert_eq!(
        decide("https://ads.test/x", "script"),
        Some(Decision::Block)
    );
    // Same priority: allow beats block.
    assert_eq!(
        decide("https://ads.test/ok", "script"),
        Some(Decision::Allow)
    );
    // Higher priority redirect beats the block.
    assert_eq!(
        decide("https://ads.test/promo", "script"),
        Some(Decision::Redirect(u("https://r.test/")))
    );
    assert_eq!(
        decide("https://ads.test/promo", "image"),
        Some(Decision::Block)
    );
    // main_frame is excluded unless named.
    assert_eq!(decide("https://ads.test/x", "main_frame"), None);
    assert_eq!(
        decide("http://www.plain.test/a?b", "image"),
        Some(Decision::Redirect(u("https://www.plain.test/a?b")))
    );
    assert_eq!(decide("https://off.test/", "image"), None);
    exts.update_enabled_rulesets(&id, &[], &["off".into()])
        .unwrap();
    assert_eq!(decide("https://off.test/", "image"), Some(Decision::Block));
    assert_eq!(exts.get_enabled_rulesets(&id), ["main", "off"]);
    let matched = exts.get_matched_rules(&id, None);
    assert!(
        matched
            .iter()
            .any(|m| m.rule.rule_id == 1 && m.rule.ruleset_id == "main")
    );
}

#[test]
fn dnr_across_extensions_block_beats_redirect_beats_allow() {
    let a = rules_ext(
        json!([{"id": 1, "priority": 9, "action": {"type": "allow"}, "condition": {"urlFilter": "||x.test^"}}]),
        "a",
    );
    let b = rules_ext(
        json!([{"id": 1, "action": {"type": "block"}, "condition": {"urlFilter": "||x.test/b"}},
        {"id": 2, "action": {"type": "redirect", "redirect": {"url": "https://b.test/"}}, "condition": {"urlFilter": "||x.test/r"}}]),
        "b",
    );
    let c = rules_ext(
        json!([{"id": 1, "action": {"type": "redirect", "redirect": {"url": "https://c.test/"}}, "condition": {"urlFilter": "||x.test/r"}}]),
        "c",
    );
    let exts = extensions();
    for d in [&a, &b, &c] {
        exts.load_extension(d.path(), LoadOptions::default())
            .unwrap();
    }
    let decide = |url: &str| exts.evaluate_request(&req(&u(url), "image")).decision;
    // An allow in one extension does not lift another's block.
    assert_eq!(decide("https://x.test/b"), Some(Decision::Block));
    // Two redirects: the most recently loaded extension wins.
    assert_eq!(
        decide("https://x.test/r"),
        Some(Decision::Redirect(u("https://c.test/")))
    );
    assert_eq!(decide("https://x.test/other"), Some(Decision::Allow));
}

#[test]
fn dnr_conditions_domains_methods_and_party() {
    let dir = rules_ext(
        json!([
            {"id": 1, "action": {"type": "block"}, "condition": {"requestDomains": ["t.test"], "excludedRequestDomains": ["ok.t.test"], "requestMethods": ["post"]}},
            {"id": 2, "action": {"type": "block"}, "condition": {"urlFilter": "track", "domainType": "thirdParty", "initiatorDomains": ["site.test"]}},
            {"id": 3, "action": {"type": "block"}, "condition": {"regexFilter": "^https://re\\.test/[0-9]+$"}}
        ]),
        "c",
    );
    let exts = extensions();
    exts.load_extension(dir.path(), LoadOptions::default())
        .unwrap();
    let decide = |url: &str, method: &str, initiator: Option<&str>| {
        let url = u(url);
        let init = initiator.map(u);
        exts.evaluate_request(&Request {
            url: &url,
            method,
            resource_type: "xmlhttprequest",
            initiator: init.as_ref(),
        })
        .decision
    };
    assert_eq!(
        decide("https://a.t.test/", "POST", None),
        Some(Decision::Block)
    );
    assert_eq!(decide("https://a.t.test/", "GET", None), None);
    assert_eq!(decide("https://ok.t.test/", "POST", None), None);
    assert_eq!(
        decide(
            "https://cdn.other/track.js",
            "GET",
            Some("https://www.site.test/")
        ),
        Some(Decision::Block)
    );
    assert_eq!(
        decide(
            "https://cdn.site.test/track.js",
            "GET",
            Some("https://www.site.test/")
        ),
        None
    );
    assert_eq!(
        decide(
            "https://cdn.other/track.js",
            "GET",
            Some("https://else.test/")
        ),
        None
    );
    assert_eq!(
        decide("https://re.test/123", "GET", None),
        Some(Decision::Block)
    );
    assert_eq!(decide("https://re.test/12a", "GET", None), None);
}

#[test]
fn dnr_header_modification_and_regex_substitution() {
    let dir = rules_ext(
        json!([
            {"id": 1, "priority": 2, "action": {"type": "modifyHeaders", "requestHeaders": [{"header": "user-agent", "operation": "set", "value": "dnr"}, {"header": "cookie", "operation": "remove"}], "responseHeaders": [{"header": "x-frame-options", "operation": "remove"}]}, "condition": {"urlFilter": "||h.test^"}},
            {"id": 2, "priority": 1, "action": {"type": "modifyHeaders", "requestHeaders": [{"header": "user-agent", "operation": "set", "value": "lower"}]}, "condition": {"urlFilter": "||h.test^"}},
            {"id": 3, "action": {"type": "redirect", "redirect": {"regexSubstitution": "https://new.test/\\1?from=\\2"}}, "condition": {"regexFilter": "^https://old\\.test/([a-z]+)/([0-9]+)"}},
            {"id": 4, "action": {"type": "redirect", "redirect": {"transform": {"host": "t2.test", "queryTransform": {"removeParams": ["utm"], "addOrReplaceParams": [{"key": "a", "value": "1"}]}}}}, "condition": {"urlFilter": "||t.test^"}}
        ]),
        "h",
    );
    let exts = extensions();
    exts.load_extension(dir.path(), LoadOptions::default())
        .unwrap();
    let out = exts.evaluate_request(&req(&u("https://h.test/"), "script"));
    assert_eq!(out.decision, None);
    let mut headers = http::HeaderMap::new();
    headers.insert("user-agent", "orig".parse().unwrap());
    headers.insert("cookie", "a=b".parse().unwrap());
    session_extensions::dnr::apply_header_edits(&mut headers, &out.request_headers);
    assert_eq!(headers["user-agent"], "dnr");
    assert!(headers.get("cookie").is_none());
    assert_eq!(out.response_headers.len(), 1);
    let out = exts.evaluate_request(&req(&u("https://old.test/abc/42/rest"), "script"));
    assert_eq!(
        out.decision,
        Some(Decision::Redirect(u("https://new.test/abc?from=42/rest")))
    );
    let out = exts.evaluate_request(&req(&u("https://t.test/p?utm=x&b=2"), "script"));
    assert_eq!(
        out.decision,
        Some(Decision::Redirect(u("https://t2.test/p?b=2&a=1")))
    );
}

#[test]
fn dnr_dynamic_rules_persist_atomically_and_session_rules_do_not() {
    let store = tempfile::tempdir().unwrap();
    let dir = rules_ext(json!([]), "dyn");
    let open = || {
        Extensions::new(ExtensionsConfig::persistent(Some(
            store.path().to_path_buf(),
        )))
    };
    let exts = open();
    let id = exts
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap()
        .extension
        .id;
    let rule: Rule = serde_json::from_value(
        json!({"id": 7, "action": {"type": "block"}, "condition": {"urlFilter": "||dyn.test^"}}),
    )
    .unwrap();
    let srule: Rule = serde_json::from_value(
        json!({"id": 8, "action": {"type": "block"}, "condition": {"urlFilter": "||ses.test^"}}),
    )
    .unwrap();
    exts.update_dynamic_rules(&id, &[], std::slice::from_ref(&rule))
        .unwrap();
    exts.update_session_rules(&id, &[], std::slice::from_ref(&srule))
        .unwrap();
    assert_eq!(exts.get_dynamic_rules(&id), vec![rule.clone()]);
    assert_eq!(exts.get_session_rules(&id), vec![srule]);
    let block = |e: &Extensions, url: &str| {
        e.evaluate_request(&req(&u(url), "image")).decision == Some(Decision::Block)
    };
    assert!(block(&exts, "https://dyn.test/") && block(&exts, "https://ses.test/"));
    // A duplicate id refuses the whole update, naming the rule.
    let e = exts
        .update_dynamic_rules(&id, &[], std::slice::from_ref(&rule))
        .unwrap_err();
    assert_eq!(e.to_string(), "Rule with id 7 does not have a unique ID.");
    let bad: Rule = serde_json::from_value(
        json!({"id": 9, "priority": 0, "action": {"type": "block"}, "condition": {}}),
    )
    .unwrap();
    let e = exts.update_dynamic_rules(&id, &[], &[bad]).unwrap_err();
    assert!(e.to_string().starts_with("Rule with id 9 "), "{e}");
    // A new session over the same partition has the dynamic rule, not the session rule.
    let again = open();
    again
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap();
    assert!(block(&again, "https://dyn.test/"));
    assert!(!block(&again, "https://ses.test/"));
    again.update_dynamic_rules(&id, &[7], &[]).unwrap();
    assert!(!block(&again, "https://dyn.test/"));
}

#[test]
fn malformed_rulesets_are_errors_or_warnings_naming_file_and_rule() {
    let dir = rules_ext(json!({"not": "an array"}), "bad");
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap_err();
    assert!(failure(&e).contains("rules.json"), "{e}");
    let dir = rules_ext(json!([{"id": "x"}]), "bad2");
    let e = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap_err();
    assert!(failure(&e).contains("rules.json: Rule at index 0"), "{e}");
    let dir = rules_ext(
        json!([
            {"id": 1, "action": {"type": "block"}, "condition": {"urlFilter": "ok"}},
            {"id": 2, "action": {"type": "redirect"}, "condition": {"urlFilter": "x"}},
            {"id": 3, "action": {"type": "block"}, "condition": {"regexFilter": "("}},
            {"id": 4, "action": {"type": "block"}, "condition": {"resourceTypes": ["image"], "excludedResourceTypes": ["image"]}}
        ]),
        "warn",
    );
    let loaded = extensions()
        .load_extension(dir.path(), LoadOptions::default())
        .unwrap();
    for id in [2, 3, 4] {
        assert!(
            loaded
                .warnings
                .iter()
                .any(|w| w.starts_with(&format!("rules.json: Rule with id {id} "))),
            "{id}: {:?}",
            loaded.warnings
        );
    }
}

fn debian_extensions() -> Vec<PathBuf> {
    [
        "/usr/share/chromium/extensions/ublock-origin",
        "/usr/share/webext/keepassxc-browser",
        "/usr/share/webext/privacy-badger",
    ]
    .iter()
    .map(PathBuf::from)
    .filter(|p| p.join("manifest.json").is_file())
    .collect()
}

#[test]
fn debian_webext_packages_load_with_warnings_only() {
    let dirs = debian_extensions();
    if dirs.is_empty() {
        eprintln!(
            "skipped: no Debian webext-* package installed (webext-ublock-origin-chromium, webext-keepassxc-browser, webext-privacy-badger)"
        );
        return;
    }
    let exts = extensions();
    for dir in dirs {
        let loaded = exts
            .load_extension(&dir, LoadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert!(
            !loaded.extension.name.contains("__MSG_"),
            "{}",
            loaded.extension.name
        );
        assert!(!loaded.extension.version.is_empty());
    }
    assert!(
        !exts
            .content_scripts_for(&u("https://www.example.org/"), Frame::TOP)
            .is_empty()
    );
}
