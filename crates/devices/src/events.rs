//! The session's device events (`hid-device-added` ... `usb-device-revoked`), with Electron's
//! `details` objects.

use serde::Serialize;
use session_permissions::device::{HidDevice, SerialPort, UsbDevice};

/// `details` of `hid-device-added` / `hid-device-removed`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HidDeviceChange {
    /// The device.
    pub device: HidDevice,
    /// The chooser request the change was reported to.
    pub request_id: u64,
}

/// `details` of `hid-device-revoked`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HidDeviceRevoked {
    /// The device.
    pub device: HidDevice,
    /// The origin the device was revoked from.
    pub origin: String,
}

/// The port of `serial-port-added` / `serial-port-removed`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SerialPortChange {
    /// The port.
    pub port: SerialPort,
    /// The chooser request the change was reported to.
    pub request_id: u64,
}

/// `details` of `serial-port-revoked`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SerialPortRevoked {
    /// The port.
    pub port: SerialPort,
    /// The origin the port was revoked from.
    pub origin: String,
}

/// The device of `usb-device-added` / `usb-device-removed`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbDeviceChange {
    /// The device.
    pub device: UsbDevice,
    /// The chooser request the change was reported to.
    pub request_id: u64,
}

/// `details` of `usb-device-revoked`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbDeviceRevoked {
    /// The device.
    pub device: UsbDevice,
    /// The origin the device was revoked from.
    pub origin: String,
}

/// A device event of the session. Added/removed events are sent only while a chooser is open.
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
