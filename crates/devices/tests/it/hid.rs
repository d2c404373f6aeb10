use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use session_devices::device::{
    Device, DevicePermissionDetails, DeviceType, HidCollection, HidDevice,
};
use session_devices::filter::FIDO_USAGE_PAGE;
use session_devices::{DeviceEvent, ErrorKind, HidDeviceFilter, SelectHidDeviceDetails};
use session_permissions::handler;

use crate::common::{deny_check, next_event, rig};

fn hid(name: &str, vendor: u16, product: u16, page: u16, usage: u16) -> Device {
    Device::Hid(HidDevice {
        name: name.into(),
        vendor_id: vendor,
        product_id: product,
        serial_number: Some(format!("{name}-sn")),
        collections: vec![HidCollection {
            usage_page: page,
            usage,
            collection_type: 1,
            ..HidCollection::default()
        }],
        ..HidDevice::default()
    })
}

fn pick(name: &'static str) -> session_devices::SelectHidDeviceHandler {
    handler(move |d: SelectHidDeviceDetails| async move {
        d.device_list
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.device_id.clone())
    })
}

// DEV-06
#[tokio::test]
async fn no_listener_resolves_empty() {
    let rig = rig();
    rig.hid
        .add("/dev/hidraw0", hid("pad", 1, 2, 1, 5))
        .expect("adds");
    let got = rig
        .devices
        .request_hid_device("https://a.test", vec![], vec![])
        .await
        .expect("ok");
    assert!(got.is_empty());
}

// DEV-07
#[tokio::test]
async fn a_denying_check_handler_skips_the_select_handler() {
    let rig = rig();
    rig.hid
        .add("/dev/hidraw0", hid("pad", 1, 2, 1, 5))
        .expect("adds");
    let called = Arc::new(AtomicBool::new(false));
    let flag = called.clone();
    rig.devices
        .set_select_hid_device_handler(Some(handler(move |d: SelectHidDeviceDetails| {
            flag.store(true, Ordering::SeqCst);
            async move { d.device_list.first().map(|x| x.device_id.clone()) }
        })));
    deny_check(&rig.devices);
    let got = rig
        .devices
        .request_hid_device("https://a.test", vec![], vec![])
        .await
        .expect("ok");
    assert!(got.is_empty());
    assert!(
        !called.load(Ordering::SeqCst),
        "select-hid-device was not emitted"
    );
}

// DEV-08
#[tokio::test]
async fn choosing_grants_and_navigation_clears_the_grants() {
    let rig = rig();
    rig.hid
        .add("/dev/hidraw0", hid("pad", 1, 2, 1, 5))
        .expect("adds");
    rig.hid
        .add("/dev/hidraw1", hid("stick", 1, 3, 1, 4))
        .expect("adds");
    rig.devices
        .set_select_hid_device_handler(Some(pick("stick")));
    let got = rig
        .devices
        .request_hid_device("https://a.test", vec![], vec![])
        .await
        .expect("ok");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name, "stick");
    let granted = rig.devices.devices_for("https://a.test").await.expect("ok");
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].id(), got[0].device_id);
    rig.devices
        .clear_device_grants("https://a.test")
        .expect("clears");
    assert!(
        rig.devices
            .devices_for("https://a.test")
            .await
            .expect("ok")
            .is_empty()
    );
}

// DEV-09
#[tokio::test]
async fn the_device_permission_handler_answers_for_known_devices() {
    let rig = rig();
    rig.hid
        .add("/dev/hidraw0", hid("pad", 123, 345, 1, 5))
        .expect("adds");
    rig.hid
        .add("/dev/hidraw1", hid("other", 9, 9, 1, 5))
        .expect("adds");
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = asked.clone();
    rig.devices
        .permissions()
        .set_device_permission_handler(Some(handler(move |d: DevicePermissionDetails| {
            log.lock()
                .expect("lock")
                .push((d.device_type, d.origin.clone()));
            let allowed =
                matches!(&d.device, Device::Hid(h) if h.vendor_id == 123 && h.product_id == 345);
            async move { allowed }
        })));
    // Without any requestDevice, the handler lets the origin see the device.
    let granted = rig
        .devices
        .devices_for("https://some-host.test")
        .await
        .expect("ok");
    assert_eq!(granted.len(), 1);
    assert!(matches!(&granted[0], Device::Hid(h) if h.name == "pad"));
    let asked = asked.lock().expect("lock");
    assert_eq!(asked.len(), 2, "consulted once per attached device");
    assert!(
        asked
            .iter()
            .all(|(t, o)| *t == DeviceType::Hid && o == "https://some-host.test")
    );
}

// DEV-10
#[tokio::test]
async fn exclusion_filters_remove_matching_devices() {
    let rig = rig();
    rig.hid
        .add("/dev/hidraw0", hid("pad", 1, 2, 1, 5))
        .expect("adds");
    rig.hid
        .add("/dev/hidraw1", hid("stick", 1, 3, 1, 4))
        .expect("adds");
    rig.hid
        .add("/dev/hidraw2", hid("vendor", 7, 7, 0xFF00, 1))
        .expect("adds");
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    rig.devices
        .set_select_hid_device_handler(Some(handler(move |d: SelectHidDeviceDetails| {
            *log.lock().expect("lock") = d.device_list.iter().map(|x| x.name.clone()).collect();
            async { None }
        })));
    let filters = vec![HidDeviceFilter {
        vendor_id: Some(1),
        ..Default::default()
    }];
    let exclusions = vec![HidDeviceFilter {
        vendor_id: Some(1),
        product_id: Some(3),
        ..Default::default()
    }];
    let got = rig
        .devices
        .request_hid_device("https://a.test", filters, exclusions)
        .await
        .expect("ok");
    assert!(got.is_empty(), "cancelled");
    assert_eq!(*seen.lock().expect("lock"), vec!["pad".to_string()]);
}

#[tokio::test]
async fn fido_devices_are_blocklisted_from_the_chooser() {
    let rig = rig();
    rig.hid
        .add(
            "/dev/hidraw0",
            hid("key", 0x1050, 0x0407, FIDO_USAGE_PAGE, 1),
        )
        .expect("adds");
    rig.hid
        .add("/dev/hidraw1", hid("pad", 1, 2, 1, 5))
        .expect("adds");
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    rig.devices
        .set_select_hid_device_handler(Some(handler(move |d: SelectHidDeviceDetails| {
            *log.lock().expect("lock") = d.device_list.iter().map(|x| x.name.clone()).collect();
            async { None }
        })));
    rig.devices
        .request_hid_device("https://a.test", vec![], vec![])
        .await
        .expect("ok");
    assert_eq!(*seen.lock().expect("lock"), vec!["pad".to_string()]);
    // An app that clears the blocklist sees the key.
    rig.devices.set_hid_blocklist(Vec::new());
    rig.devices
        .request_hid_device("https://a.test", vec![], vec![])
        .await
        .expect("ok");
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

// DEV-11
#[tokio::test]
async fn forgetting_a_hid_device_emits_hid_device_revoked() {
    let rig = rig();
    rig.hid
        .add("/dev/hidraw0", hid("pad", 0x54c, 0x9cc, 1, 5))
        .expect("adds");
    rig.devices.set_select_hid_device_handler(Some(pick("pad")));
    let got = rig
        .devices
        .request_hid_device("https://a.test", vec![], vec![])
        .await
        .expect("ok");
    let mut events = rig.devices.subscribe();
    rig.devices
        .forget_device("https://a.test", &got[0].device_id)
        .expect("forgets");
    match next_event(&mut events).await {
        DeviceEvent::HidDeviceRevoked(d) => {
            let json = serde_json::to_value(&d).expect("serializes");
            assert_eq!(json["device"]["vendorId"], 0x54c);
            assert_eq!(json["device"]["productId"], 0x9cc);
            assert_eq!(json["device"]["name"], "pad");
            assert_eq!(json["origin"], "https://a.test");
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
}

#[tokio::test]
async fn hotplug_while_the_chooser_is_open_reaches_subscribers_and_the_list() {
    let rig = rig();
    rig.hid
        .add("/dev/hidraw0", hid("old", 1, 2, 1, 5))
        .expect("adds");
    let mut events = rig.devices.subscribe();
    let backend = rig.hid.clone();
    let devices = rig.devices.clone();
    rig.devices
        .set_select_hid_device_handler(Some(handler(move |d: SelectHidDeviceDetails| {
            let backend = backend.clone();
            let mut rx = devices.subscribe();
            async move {
                assert_eq!(d.device_list.len(), 1);
                // The user plugs in a new device and unplugs the old one while choosing.
                backend
                    .add("/dev/hidraw1", hid("new", 1, 3, 1, 5))
                    .expect("adds");
                let added = match rx.recv().await.expect("event") {
                    DeviceEvent::HidDeviceAdded(c) => c,
                    other => panic!("unexpected {other:?}"),
                };
                assert_eq!(added.request_id, d.request_id);
                // A device the filters would not offer is not reported.
                backend
                    .add("/dev/hidraw9", hid("fido", 5, 5, FIDO_USAGE_PAGE, 1))
                    .expect("adds");
                assert!(backend.remove("/dev/hidraw0"));
                match rx.recv().await.expect("event") {
                    DeviceEvent::HidDeviceRemoved(c) => assert_eq!(c.device.name, "old"),
                    other => panic!("unexpected {other:?}"),
                }
                Some(added.device.device_id)
            }
        })));
    let got = rig
        .devices
        .request_hid_device("https://a.test", vec![], vec![])
        .await
        .expect("the hotplugged device can be chosen");
    assert_eq!(got[0].name, "new");
    assert!(matches!(
        next_event(&mut events).await,
        DeviceEvent::HidDeviceAdded(_)
    ));
    assert!(matches!(
        next_event(&mut events).await,
        DeviceEvent::HidDeviceRemoved(_)
    ));
    assert!(events.try_recv().is_err(), "no other event");
}

// DEV-03 in its HID form: an id that is no longer offered is a clean NotFound.
#[tokio::test]
async fn choosing_a_device_that_left_is_not_found() {
    let rig = rig();
    rig.hid
        .add("/dev/hidraw0", hid("pad", 1, 2, 1, 5))
        .expect("adds");
    let backend = rig.hid.clone();
    let devices = rig.devices.clone();
    rig.devices
        .set_select_hid_device_handler(Some(handler(move |d: SelectHidDeviceDetails| {
            let backend = backend.clone();
            let mut rx = devices.subscribe();
            async move {
                backend.remove("/dev/hidraw0");
                assert!(matches!(
                    rx.recv().await,
                    Ok(DeviceEvent::HidDeviceRemoved(_))
                ));
                d.device_list.first().map(|x| x.device_id.clone())
            }
        })));
    let err = rig
        .devices
        .request_hid_device("https://a.test", vec![], vec![])
        .await
        .expect_err("gone");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        rig.devices
            .permissions()
            .granted_devices("https://a.test")
            .expect("ok")
            .is_empty()
    );
}

#[tokio::test]
async fn invalid_hid_filters_are_refused() {
    let rig = rig();
    let err = rig
        .devices
        .request_hid_device(
            "https://a.test",
            vec![HidDeviceFilter {
                product_id: Some(1),
                ..Default::default()
            }],
            vec![],
        )
        .await
        .expect_err("productId without vendorId");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("vendorId"), "{err}");
}
