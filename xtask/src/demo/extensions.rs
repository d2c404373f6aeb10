//! Extensions: a real one from Debian inspected, and a small unpacked extension whose
//! declarativeNetRequest rules block a tracker and set a request header for `ses fetch`, with
//! the content script it injects into a page.

use super::Demo;

pub(crate) fn dnr_blocks_a_tracker(demo: &Demo) -> Result<(), String> {
    for dir in [
        "/usr/share/webext/privacy-badger",
        "/usr/share/webext/ublock-origin",
    ] {
        if std::path::Path::new(dir).join("manifest.json").exists() {
            demo.say(&format!("a real extension from Debian ({dir})"));
            demo.ses(&["extensions", "info", dir])?;
            break;
        }
    }
    let dir = demo.user_data.join("blocker-extension");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let files = [
        (
            "manifest.json",
            r#"{
  "manifest_version": 3,
  "name": "Tracker blocker",
  "version": "1.0",
  "permissions": ["declarativeNetRequest"],
  "host_permissions": ["<all_urls>"],
  "content_scripts": [{"matches": ["*://a.test/*"], "js": ["content.js"], "run_at": "document_idle"}],
  "declarative_net_request": {
    "rule_resources": [{"id": "trackers", "enabled": true, "path": "rules.json"}]
  }
}
"#,
        ),
        (
            "rules.json",
            r#"[
  {"id": 1, "priority": 1, "action": {"type": "block"},
   "condition": {"urlFilter": "||tracker.test^", "resourceTypes": ["xmlhttprequest", "other"]}},
  {"id": 2, "priority": 1,
   "action": {"type": "modifyHeaders",
              "requestHeaders": [{"header": "x-demo-dnr", "operation": "set", "value": "rewritten"}]},
   "condition": {"urlFilter": "/echo", "requestDomains": ["a.test"], "resourceTypes": ["xmlhttprequest", "other"]}}
]
"#,
        ),
        ("content.js", "document.body.dataset.demo = 'injected';\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    let dir = dir.display().to_string();
    let tracker = demo.site.https_url("tracker.test", "/status/200");
    demo.say("what its rules decide for a request to tracker.test");
    demo.ses(&["extensions", "match", "--type", "other", &dir, &tracker])?;
    demo.say("loaded into the session, its rules run before webRequest: the fetch is blocked");
    match demo.ses(&["--extension", &dir, "fetch", &tracker]) {
        Err(e) if e.contains("net::ERR_BLOCKED_BY_CLIENT") => {
            println!("  {}", e.lines().last().unwrap_or(""));
        }
        Err(e) => return Err(format!("expected net::ERR_BLOCKED_BY_CLIENT, got: {e}")),
        Ok(_) => return Err("the tracker was not blocked".into()),
    }
    let echo = demo.site.https_url("a.test", "/echo");
    demo.say("for a.test/echo: the content script to inject, and a request header rule");
    demo.ses(&["extensions", "match", "--type", "other", &dir, &echo])?;
    demo.say("other hosts pass; the header the rule sets reaches the server");
    let out = demo.ses_json(&["--json", "--extension", &dir, "fetch", &echo])?;
    let rewritten = Demo::echoed_header(&out, "x-demo-dnr")?.as_deref() == Some("rewritten");
    println!("  x-demo-dnr: rewritten reached the server: {rewritten}");
    if !rewritten {
        return Err("the modifyHeaders rule did not reach the server".into());
    }
    Ok(())
}
