//! The session's device events (`hid-device-added` ... `usb-device-revoked`), with Electron's
//! `details` objects.

use serde::Serialize;
use session_permissions::device::{HidDevice, SerialPort, UsbDevice};

/// `details` of `hid-device-added` / `hid-device-removed`.
///
/// Example: see [`DeviceEvent`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HidDeviceChange {
    /// The device.
    pub device: HidDevice,
    /// The chooser request the change was reported to.
    pub request_id: u64,
}

/// `details` of `hid-device-revoked`.
///
/// Example: see [`DeviceEvent`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HidDeviceRevoked {
    /// The device.
    pub device: HidDevice,
    /// The origin the device was revoked from.
    pub origin: String,
}

/// The port of `serial-port-added` / `serial-port-removed`.
///
/// Example: see [`DeviceEvent`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SerialPortChange {
    /// The port.
    pub port: SerialPort,
    /// The chooser request the change was reported to.
    pub request_id: u64,
}

/// `details` of `serial-port-revoked`.
///
/// Example: see [`DeviceEvent`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SerialPortRevoked {
    /// The port.
    pub port: SerialPort,
    /// The origin the port was revoked from.
    pub origin: String,
}

/// The device of `usb-device-added` / `usb-device-removed`.
///
/// Example: see [`DeviceEvent`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbDeviceChange {
    /// The device.
    pub device: UsbDevice,
    /// The chooser request the change was reported to.
    pub request_id: u64,
}

/// `details` of `usb-device-revoked`.
///
/// Example: see [`DeviceEvent`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbDeviceRevoked {
    /// The device.
    pub device: UsbDevice,
    /// The origin the device was revoked from.
    pub origin: String,
}

/// A device event of the session. Added/removed events are sent only while a chooser is open.
///
/// ```
/// use session_devices::device::{Device, DeviceType, SerialPort};
/// use session_devices::{
///     Backends, DeviceEvent, Devices, ErrorKind, SelectSerialPortDetails, SerialPortFilter,
///     VirtualBackend,
/// };
/// use session_permissions::{Permissions, handler};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let serial = VirtualBackend::new(DeviceType::Serial);
/// let arduino = SerialPort { port_name: "ttyACM0".into(), vendor_id: Some("9025".into()), ..Default::default() };
/// serial.add("ttyACM0", Device::Serial(arduino)).unwrap();
/// let backends = Backends {
///     hid: VirtualBackend::new(DeviceType::Hid),
///     serial,
///     usb: VirtualBackend::new(DeviceType::Usb),
/// };
/// let devices = Devices::with_backends(Permissions::default(), backends);
/// let mut events = devices.subscribe();
/// let filters = || vec![SerialPortFilter { usb_vendor_id: Some(0x2341), usb_product_id: None }];
///
/// // Nobody chooses: `NotFound`, as Chromium's `requestPort` rejects.
/// let err = devices.request_serial_port("https://a.test", filters()).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NotFound);
///
/// devices.set_select_serial_port_handler(Some(handler(|details: SelectSerialPortDetails| async move {
///     details.port_list.first().map(|port| port.port_id.clone())
/// })));
/// let port = devices.request_serial_port("https://a.test", filters()).await.unwrap();
/// devices.forget_device("https://a.test", &port.port_id).unwrap();
/// let event = std::iter::from_fn(|| events.try_recv().ok())
///     .find(|event| matches!(event, DeviceEvent::SerialPortRevoked(_)))
///     .expect("a revoked event");
/// assert_eq!(event.name(), "serial-port-revoked");
/// let DeviceEvent::SerialPortRevoked(revoked) = event else { unreachable!() };
/// assert_eq!((revoked.origin.as_str(), revoked.port.port_name.as_str()), ("https://a.test", "ttyACM0"));
/// # });
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", content = "details", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DeviceEvent {
    /// `hid-device-added`.
    HidDeviceAdded(HidDeviceChange),
    /// `hid-device-removed`.
    HidDeviceRemoved(HidDeviceChange),
    /// `hid-device-revoked`.
    HidDeviceRevoked(HidDeviceRevoked),
    /// `serial-port-added`.
    SerialPortAdded(SerialPortChange),
    /// `serial-port-removed`.
    SerialPortRemoved(SerialPortChange),
    /// `serial-port-revoked`.
    SerialPortRevoked(SerialPortRevoked),
    /// `usb-device-added`.
    UsbDeviceAdded(UsbDeviceChange),
    /// `usb-device-removed`.
    UsbDeviceRemoved(UsbDeviceChange),
    /// `usb-device-revoked`.
    UsbDeviceRevoked(UsbDeviceRevoked),
}

impl DeviceEvent {
    /// Electron's event name (`hid-device-added` ...).
    ///
    /// Example: see [`DeviceEvent`].
    pub fn name(&self) -> &'static str {
        match self {
            DeviceEvent::HidDeviceAdded(_) => "hid-device-added",
            DeviceEvent::HidDeviceRemoved(_) => "hid-device-removed",
            DeviceEvent::HidDeviceRevoked(_) => "hid-device-revoked",
            DeviceEvent::SerialPortAdded(_) => "serial-port-added",
            DeviceEvent::SerialPortRemoved(_) => "serial-port-removed",
            DeviceEvent::SerialPortRevoked(_) => "serial-port-revoked",
            DeviceEvent::UsbDeviceAdded(_) => "usb-device-added",
            DeviceEvent::UsbDeviceRemoved(_) => "usb-device-removed",
            DeviceEvent::UsbDeviceRevoked(_) => "usb-device-revoked",
        }
    }
}
