//! `ses devices`: listing as Electron's structures, and a serial chooser over a real pty.

use std::io::Read;

use serialport::{SerialPort as _, TTYPort};

use crate::{json, ses};

#[test]
fn devices_list_prints_json_arrays() {
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    for extra in [
        &[][..],
        &["--type", "hid"],
        &["--type", "serial"],
        &["--type", "usb"],
    ] {
        let mut args = vec![
            "--user-data",
            d,
            "--partition",
            "mem",
            "devices",
            "list",
            "--json",
        ];
        args.extend_from_slice(extra);
        let v = json(&ses(&args));
        assert!(v.is_array(), "{extra:?}: {v}");
    }
    let out = ses(&["--user-data", d, "devices", "list", "--type", "floppy"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn devices_list_shows_a_pty_as_a_serial_port() {
    let (_master, slave) = TTYPort::pair().expect("openpty");
    let path = slave.name().expect("pty path");
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "devices",
        "list",
        "--type",
        "serial",
        "--serial-path",
        &path,
        "--json",
    ]));
    let name = path.rsplit('/').next().expect("name");
    let ports = v.as_array().expect("array");
    let port = ports
        .iter()
        .find(|p| p["portName"] == name)
        .expect("the pty is listed");
    assert!(port["portId"].as_str().is_some_and(|id| !id.is_empty()));
}

#[test]
fn a_serial_chooser_over_a_pty_writes_to_the_chosen_port() {
    let (mut master, slave) = TTYPort::pair().expect("openpty");
    master
        .set_timeout(std::time::Duration::from_secs(30))
        .expect("timeout");
    let path = slave.name().expect("pty path");
    let name = path.rsplit('/').next().expect("name").to_string();
    let ud = session_test_support::temp_user_data();
    let d = ud.path().to_str().expect("utf-8 path");
    let v = json(&ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
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
        "hello",
        "--json",
    ]));
    assert_eq!(v["portName"], name.as_str());
    let mut buf = [0u8; 5];
    master
        .read_exact(&mut buf)
        .expect("the chosen port was written");
    assert_eq!(&buf, b"hello");

    // A name that is not offered: "No port selected by the user.", exit 1.
    let out = ses(&[
        "--user-data",
        d,
        "--partition",
        "mem",
        "devices",
        "request",
        "serial",
        "--origin",
        "https://a.test",
        "--pick",
        "ttyNOPE",
        "--serial-path",
        &path,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No port selected by the user."), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
}
