//! Devices of a session: everything of `session-devices`, re-exported, and the session's device
//! methods (the `select-*-device` handlers, choosers, grants and events).

use crate::session::Session;
pub use session_devices::*;

pub(crate) fn new_devices(permissions: &session_permissions::Permissions) -> Devices {
    Devices::new(permissions.clone())
}

impl Session {
    /// The session's devices: enumeration, choosers, grants and device events.
    ///
    /// Example: see [`session_devices`].
    pub fn devices(&self) -> &Devices {
        &self.inner.devices
    }

    /// The `select-hid-device` handler; `None` removes it.
    ///
    /// Example: see [`session_devices`].
    pub fn set_select_hid_device_handler(&self, handler: Option<SelectHidDeviceHandler>) {
        self.devices().set_select_hid_device_handler(handler);
    }

    /// The `select-serial-port` handler; `None` removes it.
    ///
    /// Example: see [`session_devices`].
    pub fn set_select_serial_port_handler(&self, handler: Option<SelectSerialPortHandler>) {
        self.devices().set_select_serial_port_handler(handler);
    }

    /// The `select-usb-device` handler; `None` removes it.
    ///
    /// Example: see [`session_devices`].
    pub fn set_select_usb_device_handler(&self, handler: Option<SelectUsbDeviceHandler>) {
        self.devices().set_select_usb_device_handler(handler);
    }
}
