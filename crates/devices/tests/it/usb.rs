use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use session_devices::device::{
    Device, UsbAlternateInterface, UsbClass, UsbConfiguration, UsbDevice, UsbInterface,
    UsbProtectedClassesDetails,
};
use session_devices::{DeviceEvent, ErrorKind, SelectUsbDeviceDetails, UsbDeviceFilter};
use session_permissions::handler;

use crate::common::{deny_check, next_event, rig};

fn usb(product: &str, vendor: u16, product_id: u16, classes: &[u8]) -> Device {
    let interfaces = classes
        .iter()
        .enumerate()
        .map(|(n, &c)| UsbInterface {
            interface_number: n as u8,
            alternate: UsbAlternateInterface {
                interface_class: c,
                ..UsbAlternateInterface::default()
            },
            alternates: vec![],
        })
        .collect::<Vec<_>>();
    let config = UsbConfiguration {
        configuration_value: 1,
        configuration_name: String::new(),
        interfaces,
    };
    Device::Usb(UsbDevice {
        configuration: Some(config.clone()),
        configurations: vec![config],
        product_name: Some(product.into()),
        vendor_id: vendor,
        product_id,
        usb_version_major: 2,
        ..UsbDevice::default()
    })
}

fn listing() -> (
    Arc<std::sync::Mutex<Vec<String>>>,
    session_devices::SelectUsbDeviceHandler,
) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let h = handler(move |d: SelectUsbDeviceDetails| {
        *log.lock().expect("lock") = d
            .device_list
            .iter()
            .filter_map(|x| x.product_name.clone())
            .collect();
        async { None }
    });
    (seen, h)
}

// DEV-12
#[tokio::test]
async fn an_in_memory_session_has_no_usb_devices_granted() {
    let rig = rig();
    rig.usb
        .add("1-1", usb("board", 0x2341, 0x43, &[0xFF]))
        .expect("adds");
    assert!(
        rig.devices
            .devices_for("https://a.test")
            .await
            .expect("ok")
            .is_empty()
    );
}

// DEV-13
#[tokio::test]
async fn no_listener_means_no_device_selected() {
    let rig = rig();
    rig.usb
        .add("1-1", usb("board", 0x2341, 0x43, &[0xFF]))
        .expect("adds");
    let err = rig
        .devices
        .request_usb_device("https://a.test", vec![], vec![])
        .await
        .expect_err("no listener");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.to_string(), "No device selected.");
}

// DEV-14
#[tokio::test]
async fn a_denying_check_handler_skips_select() {
    let rig = rig();
    rig.usb
        .add("1-1", usb("board", 0x2341, 0x43, &[0xFF]))
        .expect("adds");
    let called = Arc::new(AtomicBool::new(false));
    let flag = called.clone();
    rig.devices
        .set_select_usb_device_handler(Some(handler(move |d: SelectUsbDeviceDetails| {
            flag.store(true, Ordering::SeqCst);
            async move { d.device_list.first().map(|x| x.device_id.clone()) }
        })));
    deny_check(&rig.devices);
    let err = rig
        .devices
        .request_usb_device("https://a.test", vec![], vec![])
        .await
        .expect_err("denied");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(!called.load(Ordering::SeqCst));
}

// DEV-15, DEV-16
#[tokio::test]
async fn choosing_grants_and_forgetting_emits_usb_device_revoked() {
    let rig = rig();
    rig.usb
        .add("1-1", usb("board", 0x2341, 0x43, &[0xFF]))
        .expect("adds");
    rig.usb
        .add("1-2", usb("other", 0x1111, 0x2222, &[0xFF]))
        .expect("adds");
    rig.devices.set_select_usb_device_handler(Some(handler(
        |d: SelectUsbDeviceDetails| async move {
            d.device_list
                .iter()
                .find(|x| x.vendor_id == 0x2341)
                .map(|x| x.device_id.clone())
        },
    )));
    let chosen = rig
        .devices
        .request_usb_device("https://a.test", vec![], vec![])
        .await
        .expect("chosen");
    assert_eq!(chosen.product_name.as_deref(), Some("board"));
    let granted = rig.devices.devices_for("https://a.test").await.expect("ok");
    assert_eq!(granted.len(), 1);
    let mut events = rig.devices.subscribe();
    rig.devices
        .forget_device("https://a.test", &chosen.device_id)
        .expect("forgets");
    match next_event(&mut events).await {
        DeviceEvent::UsbDeviceRevoked(d) => {
            let json = serde_json::to_value(&d).expect("serializes");
            assert_eq!(json["device"]["vendorId"], 0x2341);
            assert_eq!(json["device"]["productId"], 0x43);
            assert_eq!(json["device"]["productName"], "board");
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
    // Grant again, then a navigation clears it.
    rig.devices
        .request_usb_device("https://a.test", vec![], vec![])
        .await
        .expect("chosen");
    rig.devices
        .clear_device_grants("https://a.test")
        .expect("ok");
    assert!(
        rig.devices
            .devices_for("https://a.test")
            .await
            .expect("ok")
            .is_empty()
    );
}

#[tokio::test]
async fn protected_classes_hide_devices_until_the_handler_allows_them() {
    let rig = rig();
    rig.usb
        .add("1-1", usb("headset", 0x0d8c, 0x0014, &[0x01, 0x01, 0x03]))
        .expect("adds");
    rig.usb
        .add("1-2", usb("stick", 0x0781, 0x5567, &[0x08]))
        .expect("adds");
    rig.usb
        .add("1-3", usb("board", 0x2341, 0x43, &[0x02, 0xFF]))
        .expect("adds");
    let (seen, h) = listing();
    rig.devices.set_select_usb_device_handler(Some(h));
    let _ = rig
        .devices
        .request_usb_device("https://a.test", vec![], vec![])
        .await;
    assert_eq!(*seen.lock().expect("lock"), vec!["board".to_string()]);

    rig.devices
        .permissions()
        .set_usb_protected_classes_handler(Some(handler(
            |d: UsbProtectedClassesDetails| async move {
                d.protected_classes
                    .into_iter()
                    .filter(|c| !matches!(c, UsbClass::Audio | UsbClass::Hid))
                    .collect()
            },
        )));
    let _ = rig
        .devices
        .request_usb_device("https://a.test", vec![], vec![])
        .await;
    assert_eq!(
        *seen.lock().expect("lock"),
        vec!["headset".to_string(), "board".to_string()]
    );
    rig.devices
        .permissions()
        .set_usb_protected_classes_handler(Some(handler(|_: UsbProtectedClassesDetails| async {
            Vec::new()
        })));
    let _ = rig
        .devices
        .request_usb_device("https://a.test", vec![], vec![])
        .await;
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn usb_filters_and_exclusion_filters_apply() {
    let rig = rig();
    rig.usb.add("1-1", usb("a", 1, 1, &[0xFF])).expect("adds");
    rig.usb.add("1-2", usb("b", 1, 2, &[0xFF])).expect("adds");
    rig.usb.add("1-3", usb("c", 2, 1, &[0xFF])).expect("adds");
    let (seen, h) = listing();
    rig.devices.set_select_usb_device_handler(Some(h));
    let filters = vec![UsbDeviceFilter {
        vendor_id: Some(1),
        ..Default::default()
    }];
    let exclusions = vec![UsbDeviceFilter {
        vendor_id: Some(1),
        product_id: Some(2),
        ..Default::default()
    }];
    let err = rig
        .devices
        .request_usb_device("https://a.test", filters, exclusions)
        .await
        .expect_err("cancelled");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(*seen.lock().expect("lock"), vec!["a".to_string()]);
}

#[tokio::test]
async fn a_choice_outside_the_filtered_list_is_refused() {
    let rig = rig();
    rig.usb.add("1-1", usb("a", 1, 1, &[0xFF])).expect("adds");
    rig.usb.add("1-2", usb("b", 2, 2, &[0xFF])).expect("adds");
    let all = rig.devices.usb_devices().expect("lists");
    let outside = all
        .iter()
        .find(|d| d.vendor_id == 2)
        .expect("listed")
        .device_id
        .clone();
    rig.devices
        .set_select_usb_device_handler(Some(handler(move |_: SelectUsbDeviceDetails| {
            let id = outside.clone();
            async move { Some(id) }
        })));
    let filters = vec![UsbDeviceFilter {
        vendor_id: Some(1),
        ..Default::default()
    }];
    let err = rig
        .devices
        .request_usb_device("https://a.test", filters, vec![])
        .await
        .expect_err("not offered");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        rig.devices
            .devices_for("https://a.test")
            .await
            .expect("ok")
            .is_empty()
    );
}

#[test]
fn the_in_process_backend_refuses_another_kind_of_device() {
    let backend = session_devices::VirtualBackend::new(session_devices::device::DeviceType::Usb);
    let err = backend
        .add(
            "x",
            Device::Hid(session_devices::device::HidDevice::default()),
        )
        .expect_err("a HID device on the USB backend");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(!backend.remove("x"));
}

#[tokio::test]
async fn invalid_usb_filters_and_origins_are_refused_by_name() {
    let rig = rig();
    let err = rig
        .devices
        .request_usb_device(
            "https://a.test",
            vec![UsbDeviceFilter {
                subclass_code: Some(1),
                ..Default::default()
            }],
            vec![],
        )
        .await
        .expect_err("subclassCode without classCode");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("classCode"), "{err}");
    let err = rig
        .devices
        .request_usb_device("not an origin", vec![], vec![])
        .await
        .expect_err("bad origin");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("'not an origin'"), "{err}");
}

#[tokio::test]
async fn device_events_carry_electrons_names() {
    let rig = rig();
    rig.usb
        .add("1-1", usb("board", 1, 2, &[0xFF]))
        .expect("adds");
    rig.devices
        .set_select_usb_device_handler(Some(handler(|d: SelectUsbDeviceDetails| async move {
            d.device_list.first().map(|x| x.device_id.clone())
        })));
    let chosen = rig
        .devices
        .request_usb_device("https://a.test", vec![], vec![])
        .await
        .expect("chosen");
    let mut events = rig.devices.subscribe();
    rig.devices
        .forget_device("https://a.test", &chosen.device_id)
        .expect("forgets");
    let event = next_event(&mut events).await;
    assert_eq!(event.name(), "usb-device-revoked");
    let json = serde_json::to_value(&event).expect("serializes");
    assert_eq!(json["event"], "usb-device-revoked");
    assert_eq!(json["details"]["origin"], "https://a.test");
}
