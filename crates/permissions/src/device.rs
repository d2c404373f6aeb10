//! The device structures Electron hands to the device permission handler and the chooser
//! events: `HIDDevice`, `SerialPort` and `USBDevice`, field for field (camelCase in JSON).
//!
//! ```
//! use session_permissions::device::*;
//!
//! // A USB serial adapter with one CDC data interface and a bulk endpoint each way.
//! let bulk = |endpoint_number, direction| UsbEndpoint {
//!     endpoint_number,
//!     direction,
//!     endpoint_type: UsbEndpointType::Bulk,
//!     packet_size: 64,
//! };
//! let data = UsbAlternateInterface {
//!     interface_class: 0x0A,
//!     endpoints: vec![bulk(1, UsbDirection::In), bulk(2, UsbDirection::Out)],
//!     ..Default::default()
//! };
//! let config = UsbConfiguration {
//!     configuration_value: 1,
//!     interfaces: vec![UsbInterface { interface_number: 0, alternate: data.clone(), alternates: vec![data], ..Default::default() }],
//!     ..Default::default()
//! };
//! let usb = Device::Usb(UsbDevice {
//!     device_id: "u1".into(),
//!     vendor_id: 0x2341,
//!     product_id: 0x0043,
//!     serial_number: Some("A1".into()),
//!     configuration: Some(config.clone()),
//!     configurations: vec![config],
//!     ..Default::default()
//! });
//! assert_eq!((usb.device_type(), usb.device_type().as_str(), usb.id()), (DeviceType::Usb, "usb", "u1"));
//! assert_eq!(usb.identity(), (Some(0x2341), Some(0x0043), Some("A1")));
//!
//! // The same adapter seen again under another session id is the same device.
//! let Device::Usb(mut again) = usb.clone() else { unreachable!() };
//! again.device_id = "u2".into();
//! assert!(usb.same_device(&Device::Usb(again)));
//! let port = Device::Serial(SerialPort { port_id: "p1".into(), port_name: "ttyACM0".into(), ..Default::default() });
//! assert!(!usb.same_device(&port));
//!
//! let keyboard = HidDevice {
//!     vendor_id: 0x046d,
//!     collections: vec![HidCollection { usage_page: 0x01, usage: 0x06, ..Default::default() }],
//!     ..Default::default()
//! };
//! assert_eq!(keyboard.collections[0].usage, 0x06);
//!
//! // Electron's JSON, and WebUSB's protected classes.
//! let json = serde_json::to_value(&port).unwrap();
//! assert_eq!(json["portName"], "ttyACM0");
//! assert_eq!(UsbClass::Hid.code(), 0x03);
//! assert_eq!(UsbClass::DEFAULT_PROTECTED.len(), 7);
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of a device: Electron's `deviceType`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceType {
    /// A WebHID device.
    Hid,
    /// A Web Serial port.
    Serial,
    /// A WebUSB device.
    Usb,
}

impl DeviceType {
    /// Electron's string: `hid`, `serial` or `usb`.
    ///
    /// Example: see [the module's example](self).
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceType::Hid => "hid",
            DeviceType::Serial => "serial",
            DeviceType::Usb => "usb",
        }
    }
}

impl fmt::Display for DeviceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The unit system of a HID report item (MDN's `HIDUnitSystem`).
///
/// Example: see [`HidReportItem`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HidUnitSystem {
    /// No unit.
    #[default]
    None,
    /// SI linear (centimetre, gram, second, kelvin, ampere, candela).
    SiLinear,
    /// SI rotation (radians).
    SiRotation,
    /// English linear (inch, slug, second, fahrenheit, ampere, candela).
    EnglishLinear,
    /// English rotation (degrees).
    EnglishRotation,
    /// Vendor defined.
    VendorDefined,
    /// A reserved value.
    Reserved,
}

/// One item of a HID report (MDN's `HIDReportItem`), as declared by the report descriptor
/// (`session-devices` parses them from a device's descriptor).
///
/// ```
/// use session_permissions::device::{HidCollection, HidReportInfo, HidReportItem, HidUnitSystem};
///
/// // The X and Y axes of a boot mouse: two signed bytes of relative motion.
/// let axes = HidReportItem {
///     usages: vec![0x0001_0030, 0x0001_0031], // Generic Desktop page (1), usages X and Y
///     report_size: 8,
///     report_count: 2,
///     logical_minimum: -127,
///     logical_maximum: 127,
///     ..Default::default()
/// };
/// let pointer = HidCollection {
///     usage_page: 0x01,
///     usage: 0x01,
///     input_reports: vec![HidReportInfo { report_id: 0, items: vec![axes] }],
///     ..Default::default()
/// };
/// let json = serde_json::to_value(&pointer).unwrap();
/// let item = &json["inputReports"][0]["items"][0];
/// assert_eq!((item["reportSize"].as_u64(), item["reportCount"].as_u64()), (Some(8), Some(2)));
/// assert_eq!((item["logicalMinimum"].as_i64(), item["isAbsolute"].as_bool()), (Some(-127), Some(false)));
/// assert_eq!(item["unitSystem"], "none");
/// assert_eq!(json["inputReports"][0]["reportId"], 0);
///
/// // A length in centimetres: SI linear, length to the power 1, values scaled by 10^-2.
/// let ruler = HidReportItem {
///     unit_system: HidUnitSystem::SiLinear,
///     unit_factor_length_exponent: 1,
///     unit_exponent: -2,
///     ..Default::default()
/// };
/// let json = serde_json::to_value(&ruler).unwrap();
/// assert_eq!((json["unitSystem"].as_str(), json["unitExponent"].as_i64()), (Some("si-linear"), Some(-2)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HidReportItem {
    /// Absolute (not relative) data.
    pub is_absolute: bool,
    /// Array (not variable) data.
    pub is_array: bool,
    /// Buffered bytes.
    pub is_buffered_bytes: bool,
    /// Constant (padding) data.
    pub is_constant: bool,
    /// Linear data.
    pub is_linear: bool,
    /// Usages are given as a range.
    pub is_range: bool,
    /// Volatile data (output and feature reports).
    pub is_volatile: bool,
    /// Has a null state.
    pub has_null: bool,
    /// Has a preferred state.
    pub has_preferred_state: bool,
    /// Wraps around.
    pub wrap: bool,
    /// Usages, as 32-bit values (usage page in the high half).
    pub usages: Vec<u32>,
    /// First usage of a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_minimum: Option<u32>,
    /// Last usage of a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_maximum: Option<u32>,
    /// Size of one field in bits.
    pub report_size: u32,
    /// Number of fields.
    pub report_count: u32,
    /// Unit exponent.
    pub unit_exponent: i8,
    /// Unit system.
    pub unit_system: HidUnitSystem,
    /// Length exponent of the unit.
    pub unit_factor_length_exponent: i8,
    /// Mass exponent of the unit.
    pub unit_factor_mass_exponent: i8,
    /// Time exponent of the unit.
    pub unit_factor_time_exponent: i8,
    /// Temperature exponent of the unit.
    pub unit_factor_temperature_exponent: i8,
    /// Current exponent of the unit.
    pub unit_factor_current_exponent: i8,
    /// Luminous intensity exponent of the unit.
    pub unit_factor_luminous_intensity_exponent: i8,
    /// Logical minimum.
    pub logical_minimum: i32,
    /// Logical maximum.
    pub logical_maximum: i32,
    /// Physical minimum.
    pub physical_minimum: i32,
    /// Physical maximum.
    pub physical_maximum: i32,
    /// String descriptor indices (not resolved here).
    pub strings: Vec<String>,
}

/// One report of a HID collection (MDN's `HIDReportInfo`).
///
/// Example: see [`HidReportItem`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HidReportInfo {
    /// The report id, 0 when the device uses no report ids.
    pub report_id: u8,
    /// The report's items, in descriptor order.
    pub items: Vec<HidReportItem>,
}

/// A HID collection (an entry of `HIDDevice.collections`).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HidCollection {
    /// The usage id.
    pub usage: u16,
    /// The usage page.
    pub usage_page: u16,
    /// The collection type (8 bits).
    #[serde(rename = "type")]
    pub collection_type: u8,
    /// Sub-collections.
    pub children: Vec<HidCollection>,
    /// Input reports.
    pub input_reports: Vec<HidReportInfo>,
    /// Output reports.
    pub output_reports: Vec<HidReportInfo>,
    /// Feature reports.
    pub feature_reports: Vec<HidReportInfo>,
}

/// Electron's `HIDDevice`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HidDevice {
    /// Unique identifier for the device, stable within a session.
    pub device_id: String,
    /// Name of the device.
    pub name: String,
    /// The USB vendor id.
    pub vendor_id: u16,
    /// The USB product id.
    pub product_id: u16,
    /// The serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Identifier of the HID interface.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Report formats.
    pub collections: Vec<HidCollection>,
}

/// Electron's `SerialPort`. Vendor and product ids are decimal strings, as Electron gives them.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SerialPort {
    /// Unique identifier for the port, stable within a session.
    pub port_id: String,
    /// Name of the port (`ttyUSB0`).
    pub port_name: String,
    /// A string to show the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The USB vendor id, in decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<String>,
    /// The USB product id, in decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// The USB serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// macOS driver name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usb_driver_name: Option<String>,
    /// Windows device instance id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_instance_id: Option<String>,
}

/// Direction of a USB endpoint.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UsbDirection {
    /// Device to host.
    In,
    /// Host to device.
    Out,
}

/// Transfer type of a USB endpoint.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UsbEndpointType {
    /// Bulk transfers.
    Bulk,
    /// Interrupt transfers.
    Interrupt,
    /// Isochronous transfers.
    Isochronous,
}

/// A USB endpoint (`USBEndpoint`).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbEndpoint {
    /// Endpoint number, 1 to 15.
    pub endpoint_number: u8,
    /// `in` or `out`.
    pub direction: UsbDirection,
    /// `bulk`, `interrupt` or `isochronous`.
    #[serde(rename = "type")]
    pub endpoint_type: UsbEndpointType,
    /// Packet size in bytes.
    pub packet_size: u32,
}

/// One alternate setting of a USB interface (`USBAlternateInterface`).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbAlternateInterface {
    /// The alternate setting number.
    pub alternate_setting: u8,
    /// The interface class.
    pub interface_class: u8,
    /// The interface subclass.
    pub interface_subclass: u8,
    /// The interface protocol.
    pub interface_protocol: u8,
    /// The interface's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<String>,
    /// The endpoints.
    pub endpoints: Vec<UsbEndpoint>,
}

/// A USB interface (`USBInterface`).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbInterface {
    /// The interface number.
    pub interface_number: u8,
    /// The selected alternate setting.
    pub alternate: UsbAlternateInterface,
    /// Every alternate setting.
    pub alternates: Vec<UsbAlternateInterface>,
}

/// A USB configuration (`USBConfiguration`).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbConfiguration {
    /// The configuration value.
    pub configuration_value: u8,
    /// The configuration's name (empty when the device names none).
    pub configuration_name: String,
    /// The interfaces.
    pub interfaces: Vec<UsbInterface>,
}

/// Electron's `USBDevice`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbDevice {
    /// The selected configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<UsbConfiguration>,
    /// Every configuration.
    pub configurations: Vec<UsbConfiguration>,
    /// Device class.
    pub device_class: u8,
    /// Unique identifier for the device, stable within a session.
    pub device_id: String,
    /// Device protocol.
    pub device_protocol: u8,
    /// Device subclass.
    pub device_subclass: u8,
    /// Major device version.
    pub device_version_major: u8,
    /// Minor device version.
    pub device_version_minor: u8,
    /// Subminor device version.
    pub device_version_subminor: u8,
    /// Manufacturer name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer_name: Option<String>,
    /// The USB product id.
    pub product_id: u16,
    /// Product name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// Serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Major USB version.
    pub usb_version_major: u8,
    /// Minor USB version.
    pub usb_version_minor: u8,
    /// Subminor USB version.
    pub usb_version_subminor: u8,
    /// The USB vendor id.
    pub vendor_id: u16,
}

/// A device of any kind; serializes as the bare Electron structure.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Device {
    /// A HID device.
    Hid(HidDevice),
    /// A serial port.
    Serial(SerialPort),
    /// A USB device.
    Usb(UsbDevice),
}

impl Device {
    /// The kind of device.
    ///
    /// Example: see [the module's example](self).
    pub fn device_type(&self) -> DeviceType {
        match self {
            Device::Hid(_) => DeviceType::Hid,
            Device::Serial(_) => DeviceType::Serial,
            Device::Usb(_) => DeviceType::Usb,
        }
    }

    /// The session's id of the device (`deviceId`, or `portId` for a serial port).
    ///
    /// Example: see [the module's example](self).
    pub fn id(&self) -> &str {
        match self {
            Device::Hid(d) => &d.device_id,
            Device::Serial(p) => &p.port_id,
            Device::Usb(d) => &d.device_id,
        }
    }

    /// Vendor id, product id and serial number, where the device reports them.
    ///
    /// Example: see [the module's example](self).
    pub fn identity(&self) -> (Option<u16>, Option<u16>, Option<&str>) {
        match self {
            Device::Hid(d) => (
                Some(d.vendor_id),
                Some(d.product_id),
                d.serial_number.as_deref(),
            ),
            Device::Serial(p) => (
                p.vendor_id.as_deref().and_then(|v| v.parse().ok()),
                p.product_id.as_deref().and_then(|v| v.parse().ok()),
                p.serial_number.as_deref(),
            ),
            Device::Usb(d) => (
                Some(d.vendor_id),
                Some(d.product_id),
                d.serial_number.as_deref(),
            ),
        }
    }

    /// Whether `self` and `other` are the same physical device: the same session id, or the
    /// same kind, vendor, product and (non-empty) serial number.
    ///
    /// Example: see [the module's example](self).
    pub fn same_device(&self, other: &Device) -> bool {
        if self.device_type() != other.device_type() {
            return false;
        }
        if self.id() == other.id() {
            return true;
        }
        match (self.identity(), other.identity()) {
            ((Some(v1), Some(p1), Some(s1)), (Some(v2), Some(p2), Some(s2))) => {
                v1 == v2 && p1 == p2 && !s1.is_empty() && s1 == s2
            }
            _ => false,
        }
    }
}

/// A [`Device`] with its kind spelled out, the way grants are stored on disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "deviceType", content = "device", rename_all = "lowercase")]
pub(crate) enum TaggedDevice {
    Hid(HidDevice),
    Serial(SerialPort),
    Usb(UsbDevice),
}

impl From<Device> for TaggedDevice {
    fn from(d: Device) -> Self {
        match d {
            Device::Hid(d) => TaggedDevice::Hid(d),
            Device::Serial(p) => TaggedDevice::Serial(p),
            Device::Usb(d) => TaggedDevice::Usb(d),
        }
    }
}

impl From<TaggedDevice> for Device {
    fn from(d: TaggedDevice) -> Self {
        match d {
            TaggedDevice::Hid(d) => Device::Hid(d),
            TaggedDevice::Serial(p) => Device::Serial(p),
            TaggedDevice::Usb(d) => Device::Usb(d),
        }
    }
}

/// What the device permission handler is called with (Electron's `details`).
///
/// ```
/// use session_permissions::device::{Device, DevicePermissionDetails, DeviceType, HidDevice};
/// use session_permissions::{handler, Permissions};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let permissions = Permissions::default();
/// let pad = Device::Hid(HidDevice { device_id: "h1".into(), vendor_id: 0x054c, product_id: 0x09cc, ..Default::default() });
/// let (game, other) = ("https://game.test", "https://other.test");
///
/// // With no handler, the grants made through the choosers decide.
/// assert!(!permissions.check_device_permission(game, &pad).await.unwrap());
/// permissions.grant_device(game, pad.clone()).unwrap();
/// assert!(permissions.check_device_permission(game, &pad).await.unwrap());
/// assert_eq!(permissions.granted_devices(game).unwrap(), [pad.clone()]);
/// assert_eq!(permissions.revoke_device(game, &pad).unwrap(), Some(pad.clone()));
/// assert!(!permissions.check_device_permission(game, &pad).await.unwrap());
///
/// // A handler, once set, decides every check: here, Sony's HID devices for one origin.
/// permissions.set_device_permission_handler(Some(handler(|d: DevicePermissionDetails| async move {
///     d.device_type == DeviceType::Hid
///         && d.origin == "https://game.test"
///         && d.device.identity().0 == Some(0x054c)
/// })));
/// assert!(permissions.check_device_permission(game, &pad).await.unwrap());
/// assert!(!permissions.check_device_permission(other, &pad).await.unwrap());
/// # });
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DevicePermissionDetails {
    /// `hid`, `serial` or `usb`.
    pub device_type: DeviceType,
    /// The origin asking.
    pub origin: String,
    /// The device.
    pub device: Device,
}

/// A USB interface class that WebUSB keeps from pages unless the app allows it.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsbClass {
    /// `audio` (0x01).
    Audio,
    /// `audio-video` (0x10).
    AudioVideo,
    /// `hid` (0x03).
    Hid,
    /// `mass-storage` (0x08).
    MassStorage,
    /// `smart-card` (0x0B).
    SmartCard,
    /// `video` (0x0E).
    Video,
    /// `wireless` (0xE0).
    Wireless,
}

impl UsbClass {
    /// Electron's default protected classes: all seven.
    ///
    /// Example: see [the module's example](self).
    pub const DEFAULT_PROTECTED: &'static [UsbClass] = &[
        UsbClass::Audio,
        UsbClass::AudioVideo,
        UsbClass::Hid,
        UsbClass::MassStorage,
        UsbClass::SmartCard,
        UsbClass::Video,
        UsbClass::Wireless,
    ];

    /// The USB class code of the interface class.
    ///
    /// Example: see [the module's example](self).
    pub fn code(self) -> u8 {
        match self {
            UsbClass::Audio => 0x01,
            UsbClass::AudioVideo => 0x10,
            UsbClass::Hid => 0x03,
            UsbClass::MassStorage => 0x08,
            UsbClass::SmartCard => 0x0B,
            UsbClass::Video => 0x0E,
            UsbClass::Wireless => 0xE0,
        }
    }
}

/// What the USB protected-classes handler is called with.
///
/// ```
/// use session_permissions::device::{UsbClass, UsbProtectedClassesDetails};
/// use session_permissions::{handler, Permissions};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let permissions = Permissions::default();
/// assert_eq!(permissions.usb_protected_classes().await, UsbClass::DEFAULT_PROTECTED);
///
/// // Let pages reach HID-class and smart-card interfaces over WebUSB.
/// permissions.set_usb_protected_classes_handler(Some(handler(|d: UsbProtectedClassesDetails| async move {
///     d.protected_classes.into_iter().filter(|c| !matches!(c, UsbClass::Hid | UsbClass::SmartCard)).collect()
/// })));
/// let protected = permissions.usb_protected_classes().await;
/// assert_eq!(protected.len(), 5);
/// assert!(!protected.contains(&UsbClass::Hid) && protected.contains(&UsbClass::MassStorage));
/// # });
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsbProtectedClassesDetails {
    /// The current list of protected classes.
    pub protected_classes: Vec<UsbClass>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structures_serialize_with_electron_field_names() {
        let hid = HidDevice {
            device_id: "h1".into(),
            name: "Pad".into(),
            vendor_id: 0x054c,
            product_id: 0x09cc,
            serial_number: None,
            guid: None,
            collections: vec![HidCollection {
                usage: 5,
                usage_page: 1,
                collection_type: 1,
                ..HidCollection::default()
            }],
        };
        let v = serde_json::to_value(Device::Hid(hid)).expect("serializes");
        assert_eq!(v["deviceId"], "h1");
        assert_eq!(v["vendorId"], 0x054c);
        assert_eq!(v["collections"][0]["usagePage"], 1);
        assert_eq!(v["collections"][0]["type"], 1);
        assert!(v["collections"][0]["inputReports"].is_array());
        assert!(v.get("serialNumber").is_none());

        let port = SerialPort {
            port_id: "p".into(),
            port_name: "ttyUSB0".into(),
            vendor_id: Some("9025".into()),
            product_id: Some("67".into()),
            ..SerialPort::default()
        };
        let v = serde_json::to_value(&port).expect("serializes");
        assert_eq!(v["vendorId"], "9025");
        assert_eq!(v["portName"], "ttyUSB0");

        let usb = UsbDevice {
            device_id: "u".into(),
            configurations: vec![UsbConfiguration {
                configuration_value: 1,
                configuration_name: String::new(),
                interfaces: vec![UsbInterface {
                    interface_number: 0,
                    alternate: UsbAlternateInterface {
                        endpoints: vec![UsbEndpoint {
                            endpoint_number: 1,
                            direction: UsbDirection::In,
                            endpoint_type: UsbEndpointType::Bulk,
                            packet_size: 64,
                        }],
                        ..UsbAlternateInterface::default()
                    },
                    alternates: vec![],
                }],
            }],
            ..UsbDevice::default()
        };
        let v = serde_json::to_value(&usb).expect("serializes");
        for key in [
            "configurations",
            "deviceClass",
            "deviceProtocol",
            "deviceSubclass",
            "deviceVersionMajor",
            "deviceVersionMinor",
            "deviceVersionSubminor",
            "productId",
            "usbVersionMajor",
            "usbVersionMinor",
            "usbVersionSubminor",
            "vendorId",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        let ep = &v["configurations"][0]["interfaces"][0]["alternate"]["endpoints"][0];
        assert_eq!(ep["direction"], "in");
        assert_eq!(ep["type"], "bulk");
        assert_eq!(ep["packetSize"], 64);
    }

    #[test]
    fn same_device_by_id_or_by_vendor_product_serial() {
        let a = Device::Usb(UsbDevice {
            device_id: "1".into(),
            vendor_id: 1,
            product_id: 2,
            serial_number: Some("S".into()),
            ..UsbDevice::default()
        });
        let mut b_inner = UsbDevice {
            device_id: "2".into(),
            vendor_id: 1,
            product_id: 2,
            serial_number: Some("S".into()),
            ..UsbDevice::default()
        };
        assert!(a.same_device(&Device::Usb(b_inner.clone())));
        b_inner.serial_number = None;
        assert!(!a.same_device(&Device::Usb(b_inner)));
        let hid = Device::Hid(HidDevice {
            device_id: "1".into(),
            ..HidDevice::default()
        });
        assert!(!a.same_device(&hid));
    }

    #[test]
    fn usb_classes_use_electron_names() {
        let v = serde_json::to_value(UsbClass::DEFAULT_PROTECTED).expect("serializes");
        assert_eq!(
            v,
            serde_json::json!([
                "audio",
                "audio-video",
                "hid",
                "mass-storage",
                "smart-card",
                "video",
                "wireless"
            ])
        );
    }
}
