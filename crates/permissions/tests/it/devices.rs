use session_permissions::device::{
    Device, DevicePermissionDetails, DeviceType, HidDevice, SerialPort,
};
use session_permissions::{Permissions, handler};

fn hid(id: &str, serial: Option<&str>) -> Device {
    Device::Hid(HidDevice {
        device_id: id.into(),
        name: "Pad".into(),
        vendor_id: 0x1234,
        product_id: 0x5678,
        serial_number: serial.map(str::to_string),
        ..HidDevice::default()
    })
}

// DEV-09, DEV-17
#[tokio::test]
async fn device_permission_comes_from_grants_or_the_handler() {
    let p = Permissions::default();
    let dev = hid("h1", Some("SN1"));
    assert!(
        !p.check_device_permission("https://a.test", &dev)
            .await
            .expect("ok")
    );
    p.grant_device("https://a.test", dev.clone())
        .expect("grants");
    assert!(
        p.check_device_permission("https://a.test", &dev)
            .await
            .expect("ok")
    );
    // Same physical device under another session's id: matched by vendor, product, serial.
    assert!(
        p.check_device_permission("https://a.test", &hid("other-id", Some("SN1")))
            .await
            .expect("ok")
    );
    assert!(
        !p.check_device_permission("https://b.test", &dev)
            .await
            .expect("ok")
    );

    p.set_device_permission_handler(Some(handler(|d: DevicePermissionDetails| async move {
        d.device_type == DeviceType::Serial && d.origin == "https://b.test"
    })));
    // The handler decides for known devices, over the in-memory grants.
    assert!(
        !p.check_device_permission("https://a.test", &dev)
            .await
            .expect("ok")
    );
    let port = Device::Serial(SerialPort {
        port_id: "p".into(),
        port_name: "ttyS0".into(),
        ..SerialPort::default()
    });
    assert!(
        p.check_device_permission("https://b.test", &port)
            .await
            .expect("ok")
    );
    p.set_device_permission_handler(None);
    assert!(
        p.check_device_permission("https://a.test", &dev)
            .await
            .expect("ok")
    );

    assert_eq!(
        p.revoke_device("https://a.test", &dev).expect("ok"),
        Some(dev.clone())
    );
    assert!(p.granted_devices("https://a.test").expect("ok").is_empty());
}
