use std::io::{Read, Write};
use std::sync::Arc;

use serialport::{SerialPort as _, TTYPort};
use session_devices::{
    DeviceEvent, ErrorKind, SelectSerialPortDetails, SerialBackend, SerialPortFilter,
};
use session_permissions::handler;

use crate::common::{deny_check, next_event, rig_with_serial};

struct Pty {
    master: TTYPort,
    _slave: TTYPort,
    path: String,
}

fn pty() -> Pty {
    let (master, slave) = TTYPort::pair().expect("openpty");
    let path = slave.name().expect("pty has a path");
    Pty {
        master,
        _slave: slave,
        path,
    }
}

fn backend_with(ptys: &[&Pty]) -> Arc<SerialBackend> {
    let backend = Arc::new(SerialBackend::new());
    for p in ptys {
        backend.add_port_path(&p.path);
    }
    backend
}

fn pick_port_named(name: String) -> session_devices::SelectSerialPortHandler {
    handler(move |d: SelectSerialPortDetails| {
        let name = name.clone();
        async move {
            d.port_list
                .iter()
                .find(|p| p.port_name == name)
                .map(|p| p.port_id.clone())
        }
    })
}

fn base_name(path: &str) -> String {
    path.rsplit('/').next().expect("non-empty").to_string()
}

// DEV-01
#[tokio::test]
async fn no_listener_means_no_port_selected() {
    let p = pty();
    let rig = rig_with_serial(backend_with(&[&p]));
    let err = rig
        .devices
        .request_serial_port("https://a.test", vec![])
        .await
        .expect_err("no listener");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.to_string(), "No port selected by the user.");
}

// DEV-02
#[tokio::test]
async fn a_denying_check_handler_fails_even_with_a_listener() {
    let p = pty();
    let rig = rig_with_serial(backend_with(&[&p]));
    let called = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = called.clone();
    rig.devices
        .set_select_serial_port_handler(Some(handler(move |d: SelectSerialPortDetails| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            async move { d.port_list.first().map(|p| p.port_id.clone()) }
        })));
    deny_check(&rig.devices);
    let err = rig
        .devices
        .request_serial_port("https://a.test", vec![])
        .await
        .expect_err("check denied");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(!called.load(std::sync::atomic::Ordering::SeqCst));
}

// DEV-03
#[tokio::test]
async fn an_unknown_id_is_not_found_and_empty_cancels() {
    let p = pty();
    let rig = rig_with_serial(backend_with(&[&p]));
    rig.devices
        .set_select_serial_port_handler(Some(handler(|_: SelectSerialPortDetails| async {
            Some("i-do-not-exist".to_string())
        })));
    let err = rig
        .devices
        .request_serial_port("https://a.test", vec![])
        .await
        .expect_err("unknown id");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("i-do-not-exist"), "{err}");
    rig.devices
        .set_select_serial_port_handler(Some(handler(|_: SelectSerialPortDetails| async {
            Some(String::new())
        })));
    let err = rig
        .devices
        .request_serial_port("https://a.test", vec![])
        .await
        .expect_err("cancelled");
    assert_eq!(err.to_string(), "No port selected by the user.");
    assert!(
        rig.devices
            .devices_for("https://a.test")
            .await
            .expect("ok")
            .is_empty()
    );
}

// DEV-04, and pty-backed I/O through the real serialport backend.
#[tokio::test]
async fn choosing_a_pty_grants_it_and_bytes_flow_both_ways() {
    let mut p = pty();
    let other = pty();
    let rig = rig_with_serial(backend_with(&[&p, &other]));
    rig.devices
        .set_select_serial_port_handler(Some(pick_port_named(base_name(&p.path))));
    let port = rig
        .devices
        .request_serial_port("https://a.test", vec![])
        .await
        .expect("chosen");
    assert_eq!(port.port_name, base_name(&p.path));
    let granted = rig.devices.devices_for("https://a.test").await.expect("ok");
    assert_eq!(granted.len(), 1, "only the chosen port is granted");
    assert_eq!(granted[0].id(), port.port_id);
    assert!(
        rig.devices
            .devices_for("https://b.test")
            .await
            .expect("ok")
            .is_empty()
    );

    // Another origin may not open it.
    let Err(err) = rig
        .devices
        .open_serial_port("https://b.test", &port.port_id, 115_200)
        .await
    else {
        panic!("another origin opened the port");
    };
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);

    let mut opened = rig
        .devices
        .open_serial_port("https://a.test", &port.port_id, 115_200)
        .await
        .expect("opens the pty by path");
    p.master.write_all(b"ping\n").expect("master writes");
    let mut buf = [0u8; 5];
    opened.read_exact(&mut buf).expect("port reads");
    assert_eq!(&buf, b"ping\n");
    opened.write_all(b"pong").expect("port writes");
    opened.flush().expect("flush");
    let mut buf = [0u8; 4];
    p.master.read_exact(&mut buf).expect("master reads");
    assert_eq!(&buf, b"pong");
}

// DEV-05
#[tokio::test]
async fn forgetting_a_port_emits_serial_port_revoked() {
    let p = pty();
    let rig = rig_with_serial(backend_with(&[&p]));
    rig.devices
        .set_select_serial_port_handler(Some(pick_port_named(base_name(&p.path))));
    let port = rig
        .devices
        .request_serial_port("https://a.test", vec![])
        .await
        .expect("chosen");
    let mut events = rig.devices.subscribe();
    rig.devices
        .forget_device("https://a.test", &port.port_id)
        .expect("forgets");
    match next_event(&mut events).await {
        DeviceEvent::SerialPortRevoked(d) => {
            assert_eq!(d.origin, "https://a.test");
            assert_eq!(d.port.port_id, port.port_id);
            let json = serde_json::to_value(&d).expect("serializes");
            assert_eq!(json["origin"], "https://a.test");
            assert!(json["port"]["portId"].is_string());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        rig.devices
            .devices_for("https://a.test")
            .await
            .expect("ok")
            .is_empty()
    );
    let Err(err) = rig
        .devices
        .open_serial_port("https://a.test", &port.port_id, 9600)
        .await
    else {
        panic!("a forgotten port opened");
    };
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    let err = rig
        .devices
        .forget_device("https://a.test", "no-such-id")
        .expect_err("unknown");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn serial_filters_narrow_the_list_and_bad_filters_are_refused() {
    let p = pty();
    let rig = rig_with_serial(backend_with(&[&p]));
    let seen = Arc::new(std::sync::Mutex::new(None));
    let log = seen.clone();
    rig.devices
        .set_select_serial_port_handler(Some(handler(move |d: SelectSerialPortDetails| {
            *log.lock().expect("lock") = Some(
                d.port_list
                    .iter()
                    .map(|p| p.port_name.clone())
                    .collect::<Vec<_>>(),
            );
            async { None }
        })));
    // A pty has no USB ids, so a vendor filter leaves nothing.
    let filter = SerialPortFilter {
        usb_vendor_id: Some(0x2341),
        usb_product_id: None,
    };
    let _ = rig
        .devices
        .request_serial_port("https://a.test", vec![filter])
        .await;
    assert_eq!(*seen.lock().expect("lock"), Some(Vec::new()));
    let _ = rig
        .devices
        .request_serial_port("https://a.test", vec![])
        .await;
    let listed = seen.lock().expect("lock").clone().expect("handler called");
    assert!(listed.contains(&base_name(&p.path)), "{listed:?}");
    let bad = SerialPortFilter {
        usb_vendor_id: None,
        usb_product_id: Some(1),
    };
    let err = rig
        .devices
        .request_serial_port("https://a.test", vec![bad])
        .await
        .expect_err("invalid filter");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn port_ids_are_stable_within_a_session_and_differ_between_sessions() {
    let p = pty();
    let backend = backend_with(&[&p]);
    let a = rig_with_serial(backend.clone());
    let b = rig_with_serial(backend);
    let first = a.devices.serial_ports().expect("lists");
    let again = a.devices.serial_ports().expect("lists");
    let other = b.devices.serial_ports().expect("lists");
    let find = |list: &[session_devices::device::SerialPort]| {
        list.iter()
            .find(|x| x.port_name == base_name(&p.path))
            .expect("pty listed")
            .port_id
            .clone()
    };
    assert_eq!(find(&first), find(&again));
    assert_ne!(find(&first), find(&other));
}

// A port attached while the chooser is open reaches the app as serial-port-added and can be
// chosen; one detached reaches it as serial-port-removed (the real backend polls sysfs and the
// named paths).
#[tokio::test]
async fn hotplugged_ptys_reach_an_open_chooser() {
    let first = pty();
    let late = pty();
    let backend = backend_with(&[&first]);
    let rig = rig_with_serial(backend.clone());
    let devices = rig.devices.clone();
    let late_path = late.path.clone();
    let first_path = first.path.clone();
    rig.devices
        .set_select_serial_port_handler(Some(handler(move |d: SelectSerialPortDetails| {
            let mut rx = devices.subscribe();
            let backend = backend.clone();
            let late_path = late_path.clone();
            let first_path = first_path.clone();
            async move {
                assert!(
                    d.port_list
                        .iter()
                        .all(|p| p.port_name != base_name(&late_path))
                );
                backend.add_port_path(&late_path);
                let added = loop {
                    match rx.recv().await.expect("events") {
                        DeviceEvent::SerialPortAdded(c)
                            if c.port.port_name == base_name(&late_path) =>
                        {
                            break c;
                        }
                        _ => continue,
                    }
                };
                assert_eq!(added.request_id, d.request_id);
                backend.remove_port_path(std::path::Path::new(&first_path));
                loop {
                    match rx.recv().await.expect("events") {
                        DeviceEvent::SerialPortRemoved(c)
                            if c.port.port_name == base_name(&first_path) =>
                        {
                            break;
                        }
                        _ => continue,
                    }
                }
                Some(added.port.port_id)
            }
        })));
    let port = rig
        .devices
        .request_serial_port("https://a.test", vec![])
        .await
        .expect("the hotplugged port is chosen");
    assert_eq!(port.port_name, base_name(&late.path));
}

// USER-PAINS §11: a second chooser opened while the first waits must not drop the first answer.
#[tokio::test]
async fn concurrent_choosers_each_get_their_answer() {
    let a = pty();
    let b = pty();
    let rig = rig_with_serial(backend_with(&[&a, &b]));
    let both_open = Arc::new(tokio::sync::Barrier::new(2));
    let (name_a, name_b) = (base_name(&a.path), base_name(&b.path));
    rig.devices
        .set_select_serial_port_handler(Some(handler(move |d: SelectSerialPortDetails| {
            let both_open = both_open.clone();
            let want = if d.origin == "https://a.test" {
                name_a.clone()
            } else {
                name_b.clone()
            };
            async move {
                both_open.wait().await;
                d.port_list
                    .iter()
                    .find(|p| p.port_name == want)
                    .map(|p| p.port_id.clone())
            }
        })));
    let (pa, pb) = tokio::join!(
        rig.devices.request_serial_port("https://a.test", vec![]),
        rig.devices.request_serial_port("https://b.test", vec![]),
    );
    assert_eq!(
        pa.expect("first chooser answered").port_name,
        base_name(&a.path)
    );
    assert_eq!(
        pb.expect("second chooser answered").port_name,
        base_name(&b.path)
    );
    let granted_a = rig.devices.devices_for("https://a.test").await.expect("ok");
    assert_eq!(granted_a.len(), 1);
}
