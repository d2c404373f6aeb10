//! The real HID backend: hidraw nodes through hidapi's Linux-native backend.

use std::collections::BTreeMap;
use std::path::Path;

use session_permissions::device::{Device, DeviceType, HidCollection, HidDevice};

use crate::backend::{BackendDevice, DeviceBackend, HotplugStream, polling_watch};
use crate::error::{Error, ErrorKind};

/// HID devices through hidapi: one `HIDDevice` per hidraw node, one collection per top-level
/// usage the node reports. Report layouts are not read (that needs opening the device), so
/// `inputReports`/`outputReports`/`featureReports` are empty. Hotplug is noticed by enumerating
/// again every [`HidBackend::POLL_INTERVAL`] while a chooser is open.
#[derive(Debug, Default, Clone, Copy)]
pub struct HidBackend;

impl HidBackend {
    /// How often an open chooser looks for attached or detached devices.
    pub const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

    /// The backend.
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
        Ok(by_path
            .into_iter()
            .map(|(key, device)| BackendDevice {
                key,
                device: Device::Hid(device),
            })
            .collect())
    }
}
