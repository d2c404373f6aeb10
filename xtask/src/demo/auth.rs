//! HTTP authentication: a Digest login with `ses fetch -u`, the 401 without credentials, and
//! refused credentials tried once.

use super::Demo;

pub(crate) fn digest_login(demo: &Demo) -> Result<(), String> {
    let site = &demo.site;
    let url = site.http_url(
        "a.test",
        "/auth/digest?algorithm=SHA-256&user=demo&pass=s3cret",
    );
    demo.say("without credentials the server's 401 is the answer, its body intact");
    let r = demo.ses_json(&["fetch", &url, "--json"])?;
    if r["status"] != 401 {
        return Err(format!("expected 401, got {r}"));
    }
    demo.say("with -u the Digest challenge (SHA-256, qop=auth) is answered");
    let r = demo.ses_json(&["fetch", "-u", "demo:s3cret", &url, "--json"])?;
    let body: serde_json::Value = serde_json::from_str(r["body"].as_str().ok_or("no text body")?)
        .map_err(|e| format!("the answer is not JSON: {e}"))?;
    if r["status"] != 200 || body["user"] != "demo" {
        return Err(format!("expected 200 for demo, got {r}"));
    }
    println!("  sent: {}", body["authorization"].as_str().unwrap_or(""));
    demo.say("credentials the server refuses are tried once, then its 401 is the answer");
    let r = demo.ses_json(&[
        "fetch",
        "-u",
        "demo:s3cret",
        &site.http_url("a.test", "/auth/endless"),
        "--json",
    ])?;
    if r["status"] != 401 {
        return Err(format!("expected 401, got {r}"));
    }
    Ok(())
}
