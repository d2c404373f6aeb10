//! The real HID backend: hidraw nodes through hidapi's Linux-native backend.

use std::collections::BTreeMap;
use std::path::Path;

use session_permissions::device::{Device, DeviceType, HidCollection, HidDevice};

use crate::backend::{BackendDevice, DeviceBackend, HotplugStream, polling_watch};
use crate::error::{Error, ErrorKind};

/// HID devices through hidapi: one `HIDDevice` per hidraw node. Its collections come from the
/// node's report descriptor in sysfs (readable without opening the device), parsed with
/// [`crate::hid_descriptor::parse_report_descriptor`]; where that cannot be read, one collection
/// per top-level usage hidapi reports, without reports. Hotplug is noticed by enumerating again
/// every [`HidBackend::POLL_INTERVAL`] while a chooser is open.
///
/// What this machine has (a machine without `/sys/class/hidraw` has none, and no error):
///
/// ```
/// use session_devices::device::Device;
/// use session_devices::{DeviceBackend, HidBackend};
///
/// for attached in HidBackend::new().enumerate()? {
///     // Keyed by hidraw node; the session gives each a stable `deviceId`.
///     assert!(attached.key.starts_with("/dev/hidraw"), "{}", attached.key);
///     let Device::Hid(hid) = &attached.device else { panic!("a HID backend reports HID devices") };
///     for c in &hid.collections {
///         println!("{:04x}:{:04x} {} usage {:04x}:{:04x}", hid.vendor_id, hid.product_id, hid.name, c.usage_page, c.usage);
///     }
/// }
/// # Ok::<_, session_devices::Error>(())
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct HidBackend;

impl HidBackend {
    /// How often an open chooser looks for attached or detached devices.
    ///
    /// Example: see [`SerialBackend`](crate::SerialBackend) (the same polling watch, shown with a
    /// pseudo-terminal).
    pub const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

    /// The backend.
    ///
    /// Example: see [`HidBackend`].
    pub fn new() -> Self {
        HidBackend
    }
}

impl DeviceBackend for HidBackend {
    fn device_type(&self) -> DeviceType {
        DeviceType::Hid
    }

    fn watch(&self) -> Result<Option<HotplugStream>, Error> {
        if !Path::new("/sys/class/hidraw").exists() {
            return Ok(None);
        }
        let this = *self;
        Ok(Some(polling_watch(
            move || this.enumerate(),
            Self::POLL_INTERVAL,
        )))
    }

    fn enumerate(&self) -> Result<Vec<BackendDevice>, Error> {
        // No hidraw class in sysfs: the kernel has no HID devices to offer.
        if !Path::new("/sys/class/hidraw").exists() {
            return Ok(Vec::new());
        }
        let api = hidapi::HidApi::new()
            .map_err(|e| Error::new(ErrorKind::Backend, format!("HID enumeration failed: {e}")))?;
        let mut by_path: BTreeMap<String, HidDevice> = BTreeMap::new();
        for info in api.device_list() {
            let path = info.path().to_string_lossy().into_owned();
            let device = by_path.entry(path).or_insert_with(|| HidDevice {
                device_id: String::new(),
                name: info.product_string().unwrap_or_default().to_string(),
                vendor_id: info.vendor_id(),
                product_id: info.product_id(),
                serial_number: info
                    .serial_number()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                guid: None,
                collections: Vec::new(),
            });
            device.collections.push(HidCollection {
                usage: info.usage(),
                usage_page: info.usage_page(),
                collection_type: 1,
                ..HidCollection::default()
            });
        }
        for (path, device) in by_path.iter_mut() {
            if let Some(collections) = descriptor_collections(path) {
                device.collections = collections;
            }
        }
        Ok(by_path
            .into_iter()
            .map(|(key, device)| BackendDevice {
                key,
                device: Device::Hid(device),
            })
            .collect())
    }
}

/// The collections of `/dev/hidrawN` from `/sys/class/hidraw/hidrawN/device/report_descriptor`.
fn descriptor_collections(dev_path: &str) -> Option<Vec<HidCollection>> {
    let node = Path::new(dev_path).file_name()?;
    let sys = Path::new("/sys/class/hidraw")
        .join(node)
        .join("device/report_descriptor");
    let bytes = std::fs::read(sys).ok()?;
    crate::hid_descriptor::parse_report_descriptor(&bytes)
        .ok()
        .filter(|c| !c.is_empty())
}
