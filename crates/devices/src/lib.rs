//! HID, serial and USB devices for a session: enumeration on real backends and the chooser flows
//! behind `navigator.hid.requestDevice`, `navigator.serial.requestPort` and `navigator.usb.requestDevice`.
//!
//! [`Devices`] reads three [`DeviceBackend`]s — hidapi for HID, serialport for serial ports,
//! nusb for USB (see [`Backends::system`]) — and gives every device an id that is stable within
//! the session. A chooser request runs Electron's flow: the permission check handler gates it,
//! the page's filters, exclusion filters, the HID blocklist and WebUSB's protected classes
//! narrow the list, the `select-*` handler answers with an id (checked against the list), and the
//! chosen device is granted to the origin in the session's [`session_permissions::Permissions`].
//! While a chooser is open, hotplug changes reach subscribers as `*-added`/`*-removed` events;
//! `forget_device` sends `*-revoked`.
//!
//! The device structures are Electron's (`HIDDevice`, `SerialPort`, `USBDevice`), defined in
//! `session_permissions::device` and re-exported here.
//!
//! ```
//! use std::sync::Arc;
//! use session_devices::{Backends, Devices, VirtualBackend};
//! use session_devices::device::{Device, DeviceType, UsbDevice};
//! use session_permissions::{handler, Permissions};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let usb = VirtualBackend::new(DeviceType::Usb);
//! usb.add("bus1-2", Device::Usb(UsbDevice { vendor_id: 0x2341, product_id: 0x43, device_class: 0xFF,
//!     ..UsbDevice::default() })).unwrap();
//! let devices = Devices::with_backends(Permissions::default(), Backends {
//!     hid: VirtualBackend::new(DeviceType::Hid),
//!     serial: VirtualBackend::new(DeviceType::Serial),
//!     usb,
//! });
//! devices.set_select_usb_device_handler(Some(handler(
//!     |details: session_devices::SelectUsbDeviceDetails| async move {
//!         details.device_list.first().map(|d| d.device_id.clone())
//!     })));
//! let chosen = devices.request_usb_device("https://a.test", vec![], vec![]).await.unwrap();
//! assert_eq!(chosen.vendor_id, 0x2341);
//! assert_eq!(devices.devices_for("https://a.test").await.unwrap().len(), 1);
//! # });
//! ```

mod backend;
mod chooser;
mod error;
pub mod events;
pub mod filter;
mod hid;
pub mod hid_descriptor;
mod serial;
mod usb;

pub use backend::{BackendDevice, DeviceBackend, Hotplug, HotplugStream, VirtualBackend};
pub use chooser::{
    Backends, Devices, SelectHidDeviceDetails, SelectHidDeviceHandler, SelectSerialPortDetails,
    SelectSerialPortHandler, SelectUsbDeviceDetails, SelectUsbDeviceHandler,
};
pub use error::{Error, ErrorKind};
pub use events::DeviceEvent;
pub use filter::{HidBlocklistEntry, HidDeviceFilter, SerialPortFilter, UsbDeviceFilter};
pub use hid::HidBackend;
pub use serial::SerialBackend;
pub use session_permissions::device;
pub use usb::UsbBackend;
