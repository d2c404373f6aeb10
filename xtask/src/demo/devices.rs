//! Devices: enumeration as Electron's structures, and a serial chooser over a pseudo-terminal.

use std::io::Read;

use serialport::{SerialPort as _, TTYPort};

use super::Demo;

pub(crate) fn serial_chooser(demo: &Demo) -> Result<(), String> {
    demo.say("the machine's devices, as Electron's HIDDevice / SerialPort / USBDevice objects");
    let all = demo.ses_json(&["--partition", "persist:Demo", "devices", "list", "--json"])?;
    if !all.is_array() {
        return Err(format!("devices list printed no array: {all}"));
    }
    demo.say("a pseudo-terminal stands in for a serial device; a chooser picks it by name");
    let (mut master, slave) = TTYPort::pair().map_err(|e| format!("cannot open a pty: {e}"))?;
    master
        .set_timeout(std::time::Duration::from_secs(30))
        .map_err(|e| format!("cannot set the pty timeout: {e}"))?;
    let path = slave.name().ok_or("the pty has no path")?;
    let name = path.rsplit('/').next().unwrap_or(&path).to_string();
    demo.ses(&[
        "--partition",
        "persist:Demo",
        "devices",
        "list",
        "--type",
        "serial",
        "--serial-path",
        &path,
    ])?;
    let chosen = demo.ses_json(&[
        "--partition",
        "persist:Demo",
        "devices",
        "request",
        "serial",
        "--origin",
        "https://a.test",
        "--pick",
        &name,
        "--serial-path",
        &path,
        "--write",
        "hello from ses",
        "--json",
    ])?;
    if chosen["portName"] != name.as_str() {
        return Err(format!("the chooser picked another port: {chosen}"));
    }
    let mut buf = vec![0u8; "hello from ses".len()];
    master
        .read_exact(&mut buf)
        .map_err(|e| format!("nothing arrived on the pty: {e}"))?;
    demo.say(&format!(
        "the other end of the pty read {:?}",
        String::from_utf8_lossy(&buf)
    ));
    if buf != b"hello from ses" {
        return Err("the pty received other bytes".into());
    }
    Ok(())
}
