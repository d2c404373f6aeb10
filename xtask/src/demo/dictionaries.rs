//! Shared compression dictionaries: v1 of a bundle declares itself a dictionary and is kept by
//! the partition; v2 then comes as a `dcz` delta against it, a few KiB for 1 MiB.

use super::Demo;

/// The value of response header `name` in `ses fetch -i` output.
fn header(out: &str, name: &str) -> Option<String> {
    out.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

pub(crate) fn delta_of_the_next_version(demo: &Demo) -> Result<(), String> {
    let v1 = demo.site.https_url("a.test", "/dictionary/v1.js");
    let v2 = demo.site.https_url("a.test", "/dictionary/v2.js");
    let v1_file = demo.user_data.join("bundle-v1.js");
    let v2_file = demo.user_data.join("bundle-v2.js");
    let path = |p: &std::path::Path| p.display().to_string();
    demo.say("v1 declares itself a dictionary (Use-As-Dictionary); the partition keeps it");
    let out = demo.ses(&["fetch", "-i", "-o", &path(&v1_file), &v1])?;
    let v1_wire = header(&out, "content-length").unwrap_or_else(|| "?".into());
    demo.ses(&["dictionaries", "list"])?;
    demo.say(
        "a later run asks for v2: the request names v1 in Available-Dictionary, the answer is dcz",
    );
    let out = demo.ses(&["fetch", "-i", "-o", &path(&v2_file), &v2])?;
    let coding = header(&out, "content-encoding").unwrap_or_default();
    if coding != "dcz" {
        return Err(format!(
            "v2 came with content-encoding '{coding}', not a dcz delta"
        ));
    }
    let v2_wire: u64 = header(&out, "content-length")
        .and_then(|v| v.parse().ok())
        .ok_or("the dcz answer has no Content-Length")?;
    let decoded = std::fs::read(&v2_file).map_err(|e| format!("cannot read v2: {e}"))?;
    if decoded != session_test_support::dictionary::bundle_v2() {
        return Err("v2 decoded from the delta differs from the bundle".into());
    }
    println!(
        "  v1 on the wire: {v1_wire} bytes; v2 on the wire: {v2_wire} bytes for {} decoded ({:.0}x smaller)",
        decoded.len(),
        decoded.len() as f64 / v2_wire.max(1) as f64
    );
    Ok(())
}
