use session_devices::device::DeviceType;
use session_devices::{DeviceBackend, Devices, HidBackend, SerialBackend, UsbBackend};
use session_permissions::Permissions;

// The machine has no HID or USB bus: enumeration is an empty list, not an error or a panic.
#[test]
fn real_backends_enumerate_cleanly_on_this_machine() {
    let hid = HidBackend::new().enumerate().expect("HID enumeration");
    let usb = UsbBackend::new().enumerate().expect("USB enumeration");
    let serial = SerialBackend::new()
        .enumerate()
        .expect("serial enumeration");
    if !std::path::Path::new("/sys/bus/usb").exists() {
        assert!(usb.is_empty());
        assert!(UsbBackend::new().watch().expect("watch").is_none());
    }
    if !std::path::Path::new("/sys/class/hidraw").exists() {
        assert!(hid.is_empty());
        assert!(HidBackend::new().watch().expect("watch").is_none());
    }
    for d in hid.iter().chain(&usb).chain(&serial) {
        assert!(!d.key.is_empty());
    }
}

// DEV-12
#[tokio::test]
async fn system_devices_list_as_json_arrays() {
    let devices = Devices::new(Permissions::default());
    for t in [DeviceType::Hid, DeviceType::Serial, DeviceType::Usb] {
        let list = devices.list(t).expect("lists");
        let json = serde_json::to_value(&list).expect("serializes");
        assert!(json.is_array());
        for d in &list {
            assert_eq!(d.device_type(), t);
            assert!(!d.id().is_empty());
        }
    }
    // A fresh in-memory session has no granted devices.
    assert!(
        devices
            .devices_for("https://a.test")
            .await
            .expect("ok")
            .is_empty()
    );
}
