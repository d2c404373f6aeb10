//! Cookies: a login in one process, still there in the next one.

use super::Demo;

pub(crate) fn login_survives_restart(demo: &Demo) -> Result<(), String> {
    let partition = "persist:Cookies-Demo";
    let login = demo.site.https_url(
        "a.test",
        "/headers?Set-Cookie=sid%3Ds3cr3t%3B%20Path%3D%2F%3B%20Secure%3B%20HttpOnly%3B%20Max-Age%3D3600&Set-Cookie=theme%3Ddark%3B%20Max-Age%3D3600",
    );
    demo.say("process 1 logs in: the response sets a Secure HttpOnly session id and a theme");
    demo.ses(&["--partition", partition, "fetch", "-i", &login])?;
    demo.say("process 2 (a fresh `ses`) lists the jar: both cookies were committed to <partition>/Cookies before process 1 returned");
    let list = demo.ses_json(&["--partition", partition, "cookies", "list", "--json"])?;
    let names: Vec<&str> = list
        .as_array()
        .ok_or("cookies list printed no array")?
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    if !names.contains(&"sid") || !names.contains(&"theme") {
        return Err(format!("cookies did not survive the restart: {list}"));
    }
    demo.say("process 3 sends them back: the Cookie header of the next request");
    let echo_url = demo.site.https_url("a.test", "/echo");
    let header = demo.ses_json(&[
        "--partition",
        partition,
        "cookies",
        "header",
        &echo_url,
        "--json",
    ])?;
    if header["cookie"] != "sid=s3cr3t; theme=dark" {
        return Err(format!("unexpected Cookie header: {header}"));
    }
    demo.say("a page's script would see only the non-HttpOnly one");
    demo.ses(&[
        "--partition",
        partition,
        "cookies",
        "header",
        &echo_url,
        "--script",
    ])?;
    demo.say("and the jar exports as a curl/wget cookies.txt");
    demo.ses(&["--partition", partition, "cookies", "export"])?;
    Ok(())
}
