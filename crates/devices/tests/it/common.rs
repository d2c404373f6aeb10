use std::sync::Arc;

use session_devices::device::DeviceType;
use session_devices::{Backends, DeviceBackend, DeviceEvent, Devices, VirtualBackend};
use session_permissions::{PermissionCheckInfo, Permissions, handler};

pub(crate) struct Rig {
    pub(crate) devices: Devices,
    pub(crate) hid: Arc<VirtualBackend>,
    pub(crate) usb: Arc<VirtualBackend>,
}

/// A session whose HID and USB come from in-process backends and whose serial ports come from
/// `serial` (the real backend in the serial tests).
pub(crate) fn rig_with_serial(serial: Arc<dyn DeviceBackend>) -> Rig {
    let hid = VirtualBackend::new(DeviceType::Hid);
    let usb = VirtualBackend::new(DeviceType::Usb);
    let devices = Devices::with_backends(
        Permissions::default(),
        Backends {
            hid: hid.clone(),
            serial,
            usb: usb.clone(),
        },
    );
    Rig { devices, hid, usb }
}

pub(crate) fn rig() -> Rig {
    rig_with_serial(VirtualBackend::new(DeviceType::Serial))
}

pub(crate) fn deny_check(devices: &Devices) {
    devices
        .permissions()
        .set_permission_check_handler(Some(handler(|_: PermissionCheckInfo| async { false })));
}

/// The next event, skipping none: the test fails if the channel closes.
pub(crate) async fn next_event(
    rx: &mut tokio::sync::broadcast::Receiver<DeviceEvent>,
) -> DeviceEvent {
    rx.recv().await.expect("event channel open")
}
