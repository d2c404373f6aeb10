//! The real USB backend: usbfs through nusb, with its hotplug watch.

use std::path::Path;

use futures_util::StreamExt;
use session_permissions::device::{
    Device, DeviceType, UsbAlternateInterface, UsbConfiguration, UsbDevice, UsbDirection,
    UsbEndpoint, UsbEndpointType, UsbInterface,
};

use crate::backend::{BackendDevice, DeviceBackend, Hotplug, HotplugStream};
use crate::error::{Error, ErrorKind};

const USB_BUS: &str = "/sys/bus/usb";

/// USB devices through nusb. A machine without `/sys/bus/usb` has no USB devices.
///
/// Configurations are read from the device's descriptors when it can be opened; otherwise the
/// active configuration is described from sysfs (interfaces without endpoints).
///
/// ```
/// use session_devices::device::Device;
/// use session_devices::{DeviceBackend, UsbBackend};
///
/// let usb = UsbBackend::new();
/// for attached in usb.enumerate()? {
///     let Device::Usb(d) = &attached.device else { panic!("a USB backend reports USB devices") };
///     println!("{:04x}:{:04x} {:?} at {}", d.vendor_id, d.product_id, d.product_name, attached.key);
/// }
/// // Hotplug comes from the kernel's notifications where there is a USB bus.
/// let watch = usb.watch()?;
/// assert_eq!(watch.is_some(), std::path::Path::new("/sys/bus/usb").exists());
/// # Ok::<_, session_devices::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct UsbBackend;

impl UsbBackend {
    /// The backend.
    ///
    /// Example: see [`UsbBackend`].
    pub fn new() -> Self {
        UsbBackend
    }
}

fn key_of(id: nusb::DeviceId) -> String {
    format!("{id:?}")
}

/// `0x0210` → (2, 1, 0): a BCD version as WebUSB splits it.
fn bcd(version: u16) -> (u8, u8, u8) {
    let major = ((version >> 12) & 0xF) * 10 + ((version >> 8) & 0xF);
    (
        major as u8,
        ((version >> 4) & 0xF) as u8,
        (version & 0xF) as u8,
    )
}

fn sysfs_attr(info: &nusb::DeviceInfo, name: &str) -> Option<String> {
    std::fs::read_to_string(info.sysfs_path().join(name))
        .ok()
        .map(|s| s.trim().to_string())
}

/// bcdUSB from sysfs `version` (" 2.00" → 0x0200).
fn usb_version(info: &nusb::DeviceInfo) -> u16 {
    let Some(text) = sysfs_attr(info, "version") else {
        return 0;
    };
    let (major, minor) = text.split_once('.').unwrap_or((&text, "0"));
    let major: u16 = major.trim().parse().unwrap_or(0);
    let minor = u16::from_str_radix(minor.trim(), 16).unwrap_or(0);
    ((major / 10) << 12) | ((major % 10) << 8) | minor
}

fn configurations_from_descriptors(device: &nusb::Device) -> (Vec<UsbConfiguration>, Option<u8>) {
    let configs = device
        .configurations()
        .map(|config| {
            let interfaces = config
                .interfaces()
                .map(|group| {
                    let alternates: Vec<UsbAlternateInterface> = group
                        .alt_settings()
                        .map(|alt| UsbAlternateInterface {
                            alternate_setting: alt.alternate_setting(),
                            interface_class: alt.class(),
                            interface_subclass: alt.subclass(),
                            interface_protocol: alt.protocol(),
                            interface_name: None,
                            endpoints: alt
                                .endpoints()
                                .filter_map(|ep| {
                                    let endpoint_type = match ep.transfer_type() {
                                        nusb::transfer::EndpointType::Bulk => UsbEndpointType::Bulk,
                                        nusb::transfer::EndpointType::Interrupt => {
                                            UsbEndpointType::Interrupt
                                        }
                                        nusb::transfer::EndpointType::Isochronous => {
                                            UsbEndpointType::Isochronous
                                        }
                                        nusb::transfer::EndpointType::Control => return None,
                                    };
                                    Some(UsbEndpoint {
                                        endpoint_number: ep.address() & 0x0F,
                                        direction: match ep.direction() {
                                            nusb::transfer::Direction::In => UsbDirection::In,
                                            nusb::transfer::Direction::Out => UsbDirection::Out,
                                        },
                                        endpoint_type,
                                        packet_size: ep.max_packet_size() as u32,
                                    })
                                })
                                .collect(),
                        })
                        .collect();
                    UsbInterface {
                        interface_number: group.interface_number(),
                        alternate: alternates.first().cloned().unwrap_or_default(),
                        alternates,
                    }
                })
                .collect();
            UsbConfiguration {
                configuration_value: config.configuration_value(),
                configuration_name: String::new(),
                interfaces,
            }
        })
        .collect();
    let active = device
        .active_configuration()
        .ok()
        .map(|c| c.configuration_value());
    (configs, active)
}

fn configurations_from_sysfs(info: &nusb::DeviceInfo) -> (Vec<UsbConfiguration>, Option<u8>) {
    let value: Option<u8> = sysfs_attr(info, "bConfigurationValue").and_then(|v| v.parse().ok());
    let Some(value) = value else {
        return (Vec::new(), None);
    };
    let interfaces = info
        .interfaces()
        .map(|i| {
            let alternate = UsbAlternateInterface {
                alternate_setting: 0,
                interface_class: i.class(),
                interface_subclass: i.subclass(),
                interface_protocol: i.protocol(),
                interface_name: i.interface_string().map(str::to_string),
                endpoints: Vec::new(),
            };
            UsbInterface {
                interface_number: i.interface_number(),
                alternates: vec![alternate.clone()],
                alternate,
            }
        })
        .collect();
    (
        vec![UsbConfiguration {
            configuration_value: value,
            configuration_name: sysfs_attr(info, "configuration").unwrap_or_default(),
            interfaces,
        }],
        Some(value),
    )
}

fn convert(info: &nusb::DeviceInfo) -> BackendDevice {
    let (configurations, active) = match info.open() {
        Ok(device) => configurations_from_descriptors(&device),
        Err(_) => configurations_from_sysfs(info),
    };
    let (version_major, version_minor, version_subminor) = bcd(info.device_version());
    let (usb_major, usb_minor, usb_subminor) = bcd(usb_version(info));
    BackendDevice {
        key: key_of(info.id()),
        device: Device::Usb(UsbDevice {
            configuration: active
                .and_then(|v| configurations.iter().find(|c| c.configuration_value == v))
                .cloned(),
            configurations,
            device_class: info.class(),
            device_id: String::new(),
            device_protocol: info.protocol(),
            device_subclass: info.subclass(),
            device_version_major: version_major,
            device_version_minor: version_minor,
            device_version_subminor: version_subminor,
            manufacturer_name: info.manufacturer_string().map(str::to_string),
            product_id: info.product_id(),
            product_name: info.product_string().map(str::to_string),
            serial_number: info.serial_number().map(str::to_string),
            usb_version_major: usb_major,
            usb_version_minor: usb_minor,
            usb_version_subminor: usb_subminor,
            vendor_id: info.vendor_id(),
        }),
    }
}

impl DeviceBackend for UsbBackend {
    fn device_type(&self) -> DeviceType {
        DeviceType::Usb
    }

    fn enumerate(&self) -> Result<Vec<BackendDevice>, Error> {
        if !Path::new(USB_BUS).exists() {
            return Ok(Vec::new());
        }
        let list = nusb::list_devices()
            .map_err(|e| Error::new(ErrorKind::Backend, format!("USB enumeration failed: {e}")))?;
        Ok(list.map(|info| convert(&info)).collect())
    }

    fn watch(&self) -> Result<Option<HotplugStream>, Error> {
        if !Path::new(USB_BUS).exists() {
            return Ok(None);
        }
        let watch = nusb::watch_devices().map_err(|e| {
            Error::new(ErrorKind::Backend, format!("USB hotplug watch failed: {e}"))
        })?;
        Ok(Some(Box::pin(watch.map(|event| match event {
            nusb::hotplug::HotplugEvent::Connected(info) => Hotplug::Added(convert(&info)),
            nusb::hotplug::HotplugEvent::Disconnected(id) => Hotplug::Removed(key_of(id)),
        }))))
    }
}

#[cfg(test)]
mod tests {
    use super::bcd;

    #[test]
    fn bcd_versions_split_like_webusb() {
        assert_eq!(bcd(0x0210), (2, 1, 0));
        assert_eq!(bcd(0x1234), (12, 3, 4));
        assert_eq!(bcd(0x0000), (0, 0, 0));
    }
}
