//! The filters pages pass to `requestDevice`/`requestPort`, Chromium's HID blocklist and
//! WebUSB's protected interface classes, as plain functions over the device structures.
//!
//! ```
//! use session_devices::device::{HidCollection, HidDevice, SerialPort, UsbClass, UsbDevice};
//! use session_devices::filter::*;
//!
//! // WebHID: a filter, and the blocklist that hides security keys from every page.
//! let fido = HidCollection { usage_page: FIDO_USAGE_PAGE, usage: 1, ..Default::default() };
//! let key = HidDevice { vendor_id: 0x1050, product_id: 0x0407, collections: vec![fido], ..Default::default() };
//! let yubico = HidDeviceFilter { vendor_id: Some(0x1050), ..Default::default() };
//! assert!(yubico.validate().is_ok() && yubico.matches(&key));
//! assert!(hid_device_is_blocked(&key, &HidBlocklistEntry::defaults()));
//! let bad = HidDeviceFilter { usage: Some(1), ..Default::default() };
//! assert!(bad.validate().unwrap_err().to_string().contains("usagePage"));
//!
//! // Web Serial: USB ids of a port are decimal strings, as Electron gives them.
//! let port = SerialPort { vendor_id: Some("9025".into()), product_id: Some("67".into()), ..Default::default() };
//! let arduino = SerialPortFilter { usb_vendor_id: Some(0x2341), usb_product_id: Some(0x43) };
//! assert!(arduino.validate().is_ok() && arduino.matches(&port));
//! assert!(SerialPortFilter::default().validate().is_err());
//!
//! // WebUSB: class triples, and the classes kept from pages.
//! let webcam = UsbDevice { vendor_id: 0x046d, device_class: UsbClass::Video.code(), ..Default::default() };
//! let video = UsbDeviceFilter { class_code: Some(0x0E), ..Default::default() };
//! assert!(video.validate().is_ok() && video.matches(&webcam));
//! assert!(usb_device_is_protected(&webcam, UsbClass::DEFAULT_PROTECTED));
//! assert!(!usb_device_is_protected(&webcam, &[UsbClass::Hid]));
//! assert!(UsbDeviceFilter { product_id: Some(1), ..Default::default() }.validate().is_err());
//! ```

use serde::{Deserialize, Serialize};
use session_permissions::device::{HidDevice, SerialPort, UsbClass, UsbDevice};

use crate::error::{Error, ErrorKind};

fn invalid(message: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

/// WebHID's `HIDDeviceFilter`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HidDeviceFilter {
    /// USB vendor id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<u16>,
    /// USB product id (requires `vendor_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u16>,
    /// HID usage page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_page: Option<u16>,
    /// HID usage id (requires `usage_page`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<u16>,
}

impl HidDeviceFilter {
    /// Refuses the filters WebHID refuses with a `TypeError`.
    ///
    /// Example: see [the module's example](self).
    pub fn validate(&self) -> Result<(), Error> {
        if *self == HidDeviceFilter::default() {
            return Err(invalid("A filter must provide a property to filter by"));
        }
        if self.product_id.is_some() && self.vendor_id.is_none() {
            return Err(invalid(
                "A filter containing a productId must also contain a vendorId",
            ));
        }
        if self.usage.is_some() && self.usage_page.is_none() {
            return Err(invalid(
                "A filter containing a usage must also contain a usagePage",
            ));
        }
        Ok(())
    }

    /// Whether `device` matches: every given field equals, usages against any collection.
    ///
    /// Example: see [the module's example](self).
    pub fn matches(&self, device: &HidDevice) -> bool {
        if self.vendor_id.is_some_and(|v| v != device.vendor_id)
            || self.product_id.is_some_and(|p| p != device.product_id)
        {
            return false;
        }
        if self.usage_page.is_none() {
            return true;
        }
        device.collections.iter().any(|c| {
            self.usage_page == Some(c.usage_page) && self.usage.is_none_or(|u| u == c.usage)
        })
    }
}

/// Web Serial's `SerialPortFilter`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SerialPortFilter {
    /// USB vendor id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usb_vendor_id: Option<u16>,
    /// USB product id (requires `usb_vendor_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usb_product_id: Option<u16>,
}

impl SerialPortFilter {
    /// Refuses the filters Web Serial refuses with a `TypeError`.
    ///
    /// Example: see [the module's example](self).
    pub fn validate(&self) -> Result<(), Error> {
        if self.usb_vendor_id.is_none() {
            return Err(invalid("A filter must provide a property to filter by"));
        }
        Ok(())
    }

    /// Whether `port` matches (its USB ids are decimal strings, as Electron gives them).
    ///
    /// Example: see [the module's example](self).
    pub fn matches(&self, port: &SerialPort) -> bool {
        let id = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<u16>().ok());
        self.usb_vendor_id
            .is_none_or(|v| id(&port.vendor_id) == Some(v))
            && self
                .usb_product_id
                .is_none_or(|p| id(&port.product_id) == Some(p))
    }
}

/// WebUSB's `USBDeviceFilter`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbDeviceFilter {
    /// Vendor id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<u16>,
    /// Product id (requires `vendor_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u16>,
    /// Class of the device or of any interface.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_code: Option<u8>,
    /// Subclass (requires `class_code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subclass_code: Option<u8>,
    /// Protocol (requires `subclass_code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_code: Option<u8>,
    /// Serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
}

impl UsbDeviceFilter {
    /// Refuses the filters WebUSB refuses with a `TypeError`.
    ///
    /// Example: see [the module's example](self).
    pub fn validate(&self) -> Result<(), Error> {
        if self.product_id.is_some() && self.vendor_id.is_none() {
            return Err(invalid(
                "A filter containing a productId must also contain a vendorId",
            ));
        }
        if self.subclass_code.is_some() && self.class_code.is_none() {
            return Err(invalid(
                "A filter containing a subclassCode must also contain a classCode",
            ));
        }
        if self.protocol_code.is_some() && self.subclass_code.is_none() {
            return Err(invalid(
                "A filter containing a protocolCode must also contain a subclassCode",
            ));
        }
        Ok(())
    }

    /// Whether `device` matches; class triples match the device's or any interface's.
    ///
    /// Example: see [the module's example](self).
    pub fn matches(&self, device: &UsbDevice) -> bool {
        if self.vendor_id.is_some_and(|v| v != device.vendor_id)
            || self.product_id.is_some_and(|p| p != device.product_id)
            || self
                .serial_number
                .as_ref()
                .is_some_and(|s| device.serial_number.as_ref() != Some(s))
        {
            return false;
        }
        let Some(class) = self.class_code else {
            return true;
        };
        let triple = |c: u8, s: u8, p: u8| {
            c == class
                && self.subclass_code.is_none_or(|x| x == s)
                && self.protocol_code.is_none_or(|x| x == p)
        };
        triple(
            device.device_class,
            device.device_subclass,
            device.device_protocol,
        ) || usb_alternates(device).any(|a| {
            triple(
                a.interface_class,
                a.interface_subclass,
                a.interface_protocol,
            )
        })
    }
}

fn usb_alternates(
    device: &UsbDevice,
) -> impl Iterator<Item = &session_permissions::device::UsbAlternateInterface> {
    device
        .configuration
        .iter()
        .chain(device.configurations.iter())
        .flat_map(|c| c.interfaces.iter())
        .flat_map(|i| std::iter::once(&i.alternate).chain(i.alternates.iter()))
}

/// Whether WebUSB keeps `device` from pages because every interface it has belongs to a
/// protected class (or, with no interface known, its device class is protected).
///
/// Example: see [the module's example](self).
pub fn usb_device_is_protected(device: &UsbDevice, protected: &[UsbClass]) -> bool {
    let is_protected = |class: u8| protected.iter().any(|c| c.code() == class);
    let mut any = false;
    for alternate in usb_alternates(device) {
        any = true;
        if !is_protected(alternate.interface_class) {
            return false;
        }
    }
    any || is_protected(device.device_class)
}

/// One rule of the HID blocklist (Chromium's `HidBlocklist` entry). Empty fields match all.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HidBlocklistEntry {
    /// Vendor id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<u16>,
    /// Product id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u16>,
    /// Usage page of a blocked collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_page: Option<u16>,
    /// Usage of a blocked collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<u16>,
}

/// The FIDO usage page, whose collections WebHID never exposes (security keys).
///
/// Example: see [the module's example](self).
pub const FIDO_USAGE_PAGE: u16 = 0xF1D0;

impl HidBlocklistEntry {
    /// The default blocklist: every FIDO (usage page `0xF1D0`) collection.
    ///
    /// Example: see [the module's example](self).
    pub fn defaults() -> Vec<HidBlocklistEntry> {
        vec![HidBlocklistEntry {
            usage_page: Some(FIDO_USAGE_PAGE),
            ..HidBlocklistEntry::default()
        }]
    }
}

/// Whether the blocklist hides `device` from the chooser: a vendor/product rule without usage
/// matches it, or every one of its collections is blocked.
///
/// Example: see [the module's example](self).
pub fn hid_device_is_blocked(device: &HidDevice, blocklist: &[HidBlocklistEntry]) -> bool {
    let ids_match = |e: &HidBlocklistEntry| {
        e.vendor_id.is_none_or(|v| v == device.vendor_id)
            && e.product_id.is_none_or(|p| p == device.product_id)
    };
    if blocklist.iter().any(|e| {
        ids_match(e) && e.usage_page.is_none() && e.usage.is_none() && e.vendor_id.is_some()
    }) {
        return true;
    }
    !device.collections.is_empty()
        && device.collections.iter().all(|c| {
            blocklist.iter().any(|e| {
                ids_match(e)
                    && (e.usage_page.is_some() || e.usage.is_some())
                    && e.usage_page.is_none_or(|p| p == c.usage_page)
                    && e.usage.is_none_or(|u| u == c.usage)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_permissions::device::{
        HidCollection, UsbAlternateInterface, UsbConfiguration, UsbInterface,
    };

    fn hid(vendor: u16, product: u16, pages: &[(u16, u16)]) -> HidDevice {
        HidDevice {
            vendor_id: vendor,
            product_id: product,
            collections: pages
                .iter()
                .map(|&(usage_page, usage)| HidCollection {
                    usage_page,
                    usage,
                    collection_type: 1,
                    ..HidCollection::default()
                })
                .collect(),
            ..HidDevice::default()
        }
    }

    #[test]
    fn hid_filters_match_ids_and_any_collection() {
        let d = hid(1, 2, &[(1, 6), (0xFF00, 1)]);
        let f = |v, p, up, u| HidDeviceFilter {
            vendor_id: v,
            product_id: p,
            usage_page: up,
            usage: u,
        };
        assert!(f(Some(1), None, None, None).matches(&d));
        assert!(f(Some(1), Some(2), Some(0xFF00), Some(1)).matches(&d));
        assert!(!f(Some(1), Some(3), None, None).matches(&d));
        assert!(!f(None, None, Some(1), Some(2)).matches(&d));
        assert!(f(None, None, Some(1), None).matches(&d));
        assert!(f(None, Some(2), None, None).validate().is_err());
        assert!(f(None, None, None, Some(2)).validate().is_err());
        assert!(HidDeviceFilter::default().validate().is_err());
    }

    #[test]
    fn fido_collections_are_blocked_but_mixed_devices_stay() {
        let list = HidBlocklistEntry::defaults();
        assert!(hid_device_is_blocked(
            &hid(0x1050, 0x0407, &[(FIDO_USAGE_PAGE, 1)]),
            &list
        ));
        assert!(!hid_device_is_blocked(
            &hid(0x1050, 0x0407, &[(FIDO_USAGE_PAGE, 1), (1, 6)]),
            &list
        ));
        assert!(!hid_device_is_blocked(&hid(1, 2, &[(1, 2)]), &list));
        let by_id = vec![HidBlocklistEntry {
            vendor_id: Some(1),
            product_id: Some(2),
            ..Default::default()
        }];
        assert!(hid_device_is_blocked(&hid(1, 2, &[(1, 2)]), &by_id));
        assert!(!hid_device_is_blocked(&hid(1, 3, &[(1, 2)]), &by_id));
    }

    #[test]
    fn serial_filters_compare_decimal_ids() {
        let port = SerialPort {
            vendor_id: Some("9025".into()),
            product_id: Some("67".into()),
            ..SerialPort::default()
        };
        let f = |v, p| SerialPortFilter {
            usb_vendor_id: v,
            usb_product_id: p,
        };
        assert!(f(Some(0x2341), Some(0x43)).matches(&port));
        assert!(!f(Some(0x2341), Some(0x44)).matches(&port));
        assert!(!f(Some(1), None).matches(&SerialPort::default()));
        assert!(f(None, Some(1)).validate().is_err());
    }

    fn usb_with_classes(classes: &[u8]) -> UsbDevice {
        UsbDevice {
            vendor_id: 1,
            product_id: 2,
            configurations: vec![UsbConfiguration {
                configuration_value: 1,
                configuration_name: String::new(),
                interfaces: classes
                    .iter()
                    .enumerate()
                    .map(|(n, &c)| UsbInterface {
                        interface_number: n as u8,
                        alternate: UsbAlternateInterface {
                            interface_class: c,
                            ..UsbAlternateInterface::default()
                        },
                        alternates: vec![],
                    })
                    .collect(),
            }],
            ..UsbDevice::default()
        }
    }

    #[test]
    fn usb_protected_classes_hide_devices_with_only_protected_interfaces() {
        let all = UsbClass::DEFAULT_PROTECTED;
        assert!(usb_device_is_protected(&usb_with_classes(&[0x08]), all));
        assert!(usb_device_is_protected(
            &usb_with_classes(&[0x01, 0x03]),
            all
        ));
        assert!(!usb_device_is_protected(
            &usb_with_classes(&[0x03, 0xFF]),
            all
        ));
        assert!(!usb_device_is_protected(&usb_with_classes(&[0x08]), &[]));
    }

    #[test]
    fn usb_filters_match_interface_classes() {
        let d = usb_with_classes(&[0xFF]);
        let f = UsbDeviceFilter {
            class_code: Some(0xFF),
            ..Default::default()
        };
        assert!(f.matches(&d));
        let f = UsbDeviceFilter {
            class_code: Some(0x03),
            ..Default::default()
        };
        assert!(!f.matches(&d));
        let bad = UsbDeviceFilter {
            protocol_code: Some(1),
            class_code: Some(1),
            ..Default::default()
        };
        assert!(bad.validate().is_err());
    }
}
