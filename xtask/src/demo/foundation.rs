//! Partitions: persistent on disk, in memory, and what each writes.

use super::Demo;

pub(crate) fn partitions(demo: &Demo) -> Result<(), String> {
    demo.say("a persistent partition lives under <user_data>/Partitions/<lower-cased name>");
    let info = demo.ses_json(&["--partition", "persist:Demo", "info", "--json"])?;
    let storage = info["storagePath"].as_str().ok_or("no storagePath")?;
    if info["persistent"] != true || !storage.ends_with("Partitions/demo") {
        return Err(format!("unexpected info: {info}"));
    }
    demo.say("an in-memory partition has no storage path and writes nothing");
    let info = demo.ses_json(&["--partition", "scratch", "info", "--json"])?;
    if info["persistent"] != false || !info["storagePath"].is_null() {
        return Err(format!("unexpected info: {info}"));
    }
    if demo.user_data.join("Partitions/scratch").exists() {
        return Err("the in-memory partition wrote to disk".into());
    }
    demo.ses(&["--partition", "persist:Demo", "info"])?;
    Ok(())
}
