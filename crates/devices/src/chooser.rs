//! [`Devices`]: the device side of a session — enumeration with stable ids, the chooser flows,
//! grants, revocation and hotplug events.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use serde::Serialize;
use session_permissions::device::{Device, DeviceType, HidDevice, SerialPort, UsbDevice};
use session_permissions::{Handler, Permission, PermissionCheckDetails, Permissions};

use crate::backend::{DeviceBackend, Hotplug, HotplugStream};
use crate::error::{Error, ErrorKind};
use crate::events::{
    DeviceEvent, HidDeviceChange, HidDeviceRevoked, SerialPortChange, SerialPortRevoked,
    UsbDeviceChange, UsbDeviceRevoked,
};
use crate::filter::{
    HidBlocklistEntry, HidDeviceFilter, SerialPortFilter, UsbDeviceFilter, hid_device_is_blocked,
    usb_device_is_protected,
};

/// What the `select-hid-device` handler is called with.
///
/// Example: see [the crate's example](crate) (the USB chooser; the HID and serial choosers take the same steps).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectHidDeviceDetails {
    /// Identifies this chooser in the `hid-device-added`/`-removed` events.
    pub request_id: u64,
    /// The requesting origin.
    pub origin: String,
    /// The devices to choose from: filters and exclusion filters applied, blocklisted removed.
    pub device_list: Vec<HidDevice>,
    /// The page's filters.
    pub filters: Vec<HidDeviceFilter>,
    /// The page's exclusion filters.
    pub exclusion_filters: Vec<HidDeviceFilter>,
}

/// What the `select-serial-port` handler is called with.
///
/// Example: see [the crate's example](crate) (the USB chooser; the HID and serial choosers take the same steps).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectSerialPortDetails {
    /// Identifies this chooser in the `serial-port-added`/`-removed` events.
    pub request_id: u64,
    /// The requesting origin.
    pub origin: String,
    /// The ports to choose from, filters applied.
    pub port_list: Vec<SerialPort>,
    /// The page's filters.
    pub filters: Vec<SerialPortFilter>,
}

/// What the `select-usb-device` handler is called with.
///
/// Example: see [the crate's example](crate).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectUsbDeviceDetails {
    /// Identifies this chooser in the `usb-device-added`/`-removed` events.
    pub request_id: u64,
    /// The requesting origin.
    pub origin: String,
    /// The devices to choose from: filters applied, protected-class-only devices removed.
    pub device_list: Vec<UsbDevice>,
    /// The page's filters.
    pub filters: Vec<UsbDeviceFilter>,
    /// The page's exclusion filters.
    pub exclusion_filters: Vec<UsbDeviceFilter>,
}

/// Answers `select-hid-device`: a `deviceId` of the list, or `None` to cancel.
///
/// Example: see [the crate's example](crate) (the USB chooser; the HID and serial choosers take the same steps).
pub type SelectHidDeviceHandler = Handler<SelectHidDeviceDetails, Option<String>>;
/// Answers `select-serial-port`: a `portId` of the list; `None` or `""` cancels.
///
/// Example: see [the crate's example](crate) (the USB chooser; the HID and serial choosers take the same steps).
pub type SelectSerialPortHandler = Handler<SelectSerialPortDetails, Option<String>>;
/// Answers `select-usb-device`: a `deviceId` of the list, or `None` to cancel.
///
/// Example: see [the crate's example](crate).
pub type SelectUsbDeviceHandler = Handler<SelectUsbDeviceDetails, Option<String>>;

/// The three backends a [`Devices`] reads.
///
/// Example: see [the crate's example](crate).
#[derive(Clone)]
pub struct Backends {
    /// HID devices.
    pub hid: Arc<dyn DeviceBackend>,
    /// Serial ports.
    pub serial: Arc<dyn DeviceBackend>,
    /// USB devices.
    pub usb: Arc<dyn DeviceBackend>,
}

impl Backends {
    /// The machine's devices: hidapi, serialport and nusb.
    ///
    /// A page asking for an Arduino's serial port, answered with the first one plugged in
    /// (`no_run`: it needs the board):
    ///
    /// ```no_run
    /// use std::io::Write;
    ///
    /// use session_devices::{Backends, Devices, SelectSerialPortDetails, SerialPortFilter};
    /// use session_permissions::{handler, Permissions};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let devices = Devices::with_backends(Permissions::default(), Backends::system());
    /// devices.set_select_serial_port_handler(Some(handler(|d: SelectSerialPortDetails| async move {
    ///     d.port_list.first().map(|p| p.port_id.clone())
    /// })));
    /// let arduino = SerialPortFilter { usb_vendor_id: Some(0x2341), usb_product_id: None };
    /// let port = devices.request_serial_port("https://maker.test", vec![arduino]).await?;
    /// let mut io = devices.open_serial_port("https://maker.test", &port.port_id, 115_200).await?;
    /// io.write_all(b"hello\n").unwrap();
    /// # Ok::<_, session_devices::Error>(()) }).unwrap();
    /// ```
    pub fn system() -> Self {
        Backends {
            hid: Arc::new(crate::hid::HidBackend::new()),
            serial: Arc::new(crate::serial::SerialBackend::new()),
            usb: Arc::new(crate::usb::UsbBackend::new()),
        }
    }

    fn get(&self, device_type: DeviceType) -> Arc<dyn DeviceBackend> {
        match device_type {
            DeviceType::Hid => self.hid.clone(),
            DeviceType::Serial => self.serial.clone(),
            DeviceType::Usb => self.usb.clone(),
        }
    }
}

#[derive(Default)]
struct SelectHandlers {
    hid: Option<SelectHidDeviceHandler>,
    serial: Option<SelectSerialPortHandler>,
    usb: Option<SelectUsbDeviceHandler>,
}

#[derive(Default)]
struct Ids {
    salt: std::collections::hash_map::RandomState,
    by_key: HashMap<(DeviceType, String), String>,
    by_id: HashMap<String, (DeviceType, String)>,
}

impl Ids {
    fn id_for(&mut self, device_type: DeviceType, key: &str) -> String {
        let entry = (device_type, key.to_string());
        if let Some(id) = self.by_key.get(&entry) {
            return id.clone();
        }
        let mut n = 0u32;
        let id = loop {
            let candidate = format!("{:016x}", self.salt.hash_one((&entry, n)));
            if !self.by_id.contains_key(&candidate) {
                break candidate;
            }
            n += 1;
        };
        self.by_key.insert(entry.clone(), id.clone());
        self.by_id.insert(id.clone(), entry);
        id
    }
}

struct Inner {
    permissions: Permissions,
    backends: RwLock<Backends>,
    ids: Mutex<Ids>,
    events: session_base::events::LazySender<DeviceEvent>,
    handlers: RwLock<SelectHandlers>,
    hid_blocklist: RwLock<Vec<HidBlocklistEntry>>,
    next_request: AtomicU64,
}

/// The devices of one session. Cheap to clone; clones share state.
///
/// Example: see [the crate's example](crate).
#[derive(Clone)]
pub struct Devices {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devices").finish_non_exhaustive()
    }
}

/// Attached devices with their backend keys.
type Attached = Vec<(String, Device)>;

enum Choice {
    Cancelled,
    Chosen(Device),
    Unknown(String),
}

fn with_id(device: Device, id: String) -> Device {
    match device {
        Device::Hid(mut d) => {
            d.device_id = id;
            Device::Hid(d)
        }
        Device::Serial(mut p) => {
            p.port_id = id;
            Device::Serial(p)
        }
        Device::Usb(mut d) => {
            d.device_id = id;
            Device::Usb(d)
        }
    }
}

fn change_event(device: Device, request_id: u64, added: bool) -> DeviceEvent {
    match (device, added) {
        (Device::Hid(device), true) => {
            DeviceEvent::HidDeviceAdded(HidDeviceChange { device, request_id })
        }
        (Device::Hid(device), false) => {
            DeviceEvent::HidDeviceRemoved(HidDeviceChange { device, request_id })
        }
        (Device::Serial(port), true) => {
            DeviceEvent::SerialPortAdded(SerialPortChange { port, request_id })
        }
        (Device::Serial(port), false) => {
            DeviceEvent::SerialPortRemoved(SerialPortChange { port, request_id })
        }
        (Device::Usb(device), true) => {
            DeviceEvent::UsbDeviceAdded(UsbDeviceChange { device, request_id })
        }
        (Device::Usb(device), false) => {
            DeviceEvent::UsbDeviceRemoved(UsbDeviceChange { device, request_id })
        }
    }
}

fn revoked_event(device: Device, origin: String) -> DeviceEvent {
    match device {
        Device::Hid(device) => DeviceEvent::HidDeviceRevoked(HidDeviceRevoked { device, origin }),
        Device::Serial(port) => DeviceEvent::SerialPortRevoked(SerialPortRevoked { port, origin }),
        Device::Usb(device) => DeviceEvent::UsbDeviceRevoked(UsbDeviceRevoked { device, origin }),
    }
}

fn not_found(message: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::NotFound, message)
}

impl Devices {
    /// The machine's devices ([`Backends::system`]) under `permissions`.
    ///
    /// Example: see [the crate's example](crate).
    pub fn new(permissions: Permissions) -> Self {
        Devices::with_backends(permissions, Backends::system())
    }

    /// Devices read from `backends` under `permissions`.
    ///
    /// Example: see [the crate's example](crate).
    pub fn with_backends(permissions: Permissions, backends: Backends) -> Self {
        Devices {
            inner: Arc::new(Inner {
                permissions,
                backends: RwLock::new(backends),
                ids: Mutex::new(Ids::default()),
                events: session_base::events::LazySender::new(256),
                handlers: RwLock::new(SelectHandlers::default()),
                hid_blocklist: RwLock::new(HidBlocklistEntry::defaults()),
                next_request: AtomicU64::new(1),
            }),
        }
    }

    /// Replaces the backends (a test harness or simulator attaching in-process devices to a
    /// session). Ids already given stay attached to their backend keys; choosers already open
    /// keep the backend they started with.
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_backends(&self, backends: Backends) {
        *self
            .inner
            .backends
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = backends;
    }

    fn backend(&self, device_type: DeviceType) -> Arc<dyn DeviceBackend> {
        self.inner
            .backends
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(device_type)
    }

    /// The permissions the flows consult and record grants in.
    ///
    /// Example: see [the crate's example](crate).
    pub fn permissions(&self) -> &Permissions {
        &self.inner.permissions
    }

    /// Device events from now on.
    ///
    /// Example: see [the crate's example](crate).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<DeviceEvent> {
        self.inner.events.subscribe()
    }

    fn emit(&self, event: DeviceEvent) {
        let _ = self.inner.events.send(event);
    }

    fn handlers(&self) -> std::sync::RwLockReadGuard<'_, SelectHandlers> {
        self.inner
            .handlers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn handlers_mut(&self) -> std::sync::RwLockWriteGuard<'_, SelectHandlers> {
        self.inner
            .handlers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The `select-hid-device` listener; `None` removes it (requests then resolve empty).
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_select_hid_device_handler(&self, handler: Option<SelectHidDeviceHandler>) {
        self.handlers_mut().hid = handler;
    }

    /// The `select-serial-port` listener; `None` removes it (requests then fail).
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_select_serial_port_handler(&self, handler: Option<SelectSerialPortHandler>) {
        self.handlers_mut().serial = handler;
    }

    /// The `select-usb-device` listener; `None` removes it (requests then fail).
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_select_usb_device_handler(&self, handler: Option<SelectUsbDeviceHandler>) {
        self.handlers_mut().usb = handler;
    }

    /// Replaces the HID blocklist (by default every FIDO collection, usage page `0xF1D0`).
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_hid_blocklist(&self, entries: Vec<HidBlocklistEntry>) {
        *self
            .inner
            .hid_blocklist
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = entries;
    }

    fn hid_blocklist(&self) -> Vec<HidBlocklistEntry> {
        self.inner
            .hid_blocklist
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn ids(&self) -> std::sync::MutexGuard<'_, Ids> {
        self.inner
            .ids
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn identify(&self, device_type: DeviceType, key: &str, device: Device) -> Device {
        let id = self.ids().id_for(device_type, key);
        with_id(device, id)
    }

    /// The attached devices of one kind with their session ids, keyed by backend key.
    fn attached(&self, device_type: DeviceType) -> Result<Attached, Error> {
        let found = self.backend(device_type).enumerate()?;
        Ok(found
            .into_iter()
            .filter(|d| d.device.device_type() == device_type)
            .map(|d| {
                let device = self.identify(device_type, &d.key, d.device);
                (d.key, device)
            })
            .collect())
    }

    /// Every attached device of `device_type`, with ids stable within this session.
    ///
    /// Example: see [the crate's example](crate).
    pub fn list(&self, device_type: DeviceType) -> Result<Vec<Device>, Error> {
        Ok(self
            .attached(device_type)?
            .into_iter()
            .map(|(_, d)| d)
            .collect())
    }

    /// Every attached HID device.
    ///
    /// Example: see [the crate's example](crate).
    pub fn hid_devices(&self) -> Result<Vec<HidDevice>, Error> {
        Ok(self
            .list(DeviceType::Hid)?
            .into_iter()
            .filter_map(|d| match d {
                Device::Hid(d) => Some(d),
                _ => None,
            })
            .collect())
    }

    /// Every attached serial port.
    ///
    /// Example: see [the crate's example](crate).
    pub fn serial_ports(&self) -> Result<Vec<SerialPort>, Error> {
        Ok(self
            .list(DeviceType::Serial)?
            .into_iter()
            .filter_map(|d| match d {
                Device::Serial(p) => Some(p),
                _ => None,
            })
            .collect())
    }

    /// Every attached USB device.
    ///
    /// Example: see [the crate's example](crate).
    pub fn usb_devices(&self) -> Result<Vec<UsbDevice>, Error> {
        Ok(self
            .list(DeviceType::Usb)?
            .into_iter()
            .filter_map(|d| match d {
                Device::Usb(d) => Some(d),
                _ => None,
            })
            .collect())
    }

    async fn check(&self, permission: Permission, origin: &str) -> Result<bool, Error> {
        let details = PermissionCheckDetails {
            requesting_url: Some(origin.to_string()),
            is_main_frame: true,
            ..PermissionCheckDetails::default()
        };
        Ok(self
            .inner
            .permissions
            .check_permission(permission, origin, details)
            .await?)
    }

    /// Runs a chooser: the handler's answer against a live list kept up to date by hotplug,
    /// reporting each change as an event with `request_id`.
    async fn choose(
        &self,
        request_id: u64,
        device_type: DeviceType,
        mut live: Attached,
        watch: Option<HotplugStream>,
        accept: &(dyn Fn(&Device) -> bool + Send + Sync),
        answer: BoxFuture<'static, Option<String>>,
    ) -> Choice {
        let mut answer = answer;
        let mut watch = watch;
        let chosen = loop {
            let next = async {
                match watch.as_mut() {
                    Some(w) => w.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                chosen = &mut answer => break chosen,
                change = next => match change {
                    None => watch = None,
                    Some(Hotplug::Added(found)) => {
                        if found.device.device_type() != device_type
                            || live.iter().any(|(k, _)| *k == found.key)
                        {
                            continue;
                        }
                        let device = self.identify(device_type, &found.key, found.device);
                        if accept(&device) {
                            live.push((found.key, device.clone()));
                            self.emit(change_event(device, request_id, true));
                        }
                    }
                    Some(Hotplug::Removed(key)) => {
                        if let Some(i) = live.iter().position(|(k, _)| *k == key) {
                            let (_, device) = live.remove(i);
                            self.emit(change_event(device, request_id, false));
                        }
                    }
                },
            }
        };
        match chosen {
            None => Choice::Cancelled,
            Some(id) if id.is_empty() => Choice::Cancelled,
            Some(id) => match live.into_iter().find(|(_, d)| d.id() == id) {
                Some((_, device)) => Choice::Chosen(device),
                None => Choice::Unknown(id),
            },
        }
    }

    fn start(&self, device_type: DeviceType) -> Result<(Option<HotplugStream>, Attached), Error> {
        // Watch first, so a device attached during enumeration is not missed.
        let watch = self.backend(device_type).watch().ok().flatten();
        let attached = self.attached(device_type)?;
        Ok((watch, attached))
    }

    /// `navigator.hid.requestDevice({filters, exclusionFilters})`: the `hid` check gates the
    /// chooser (DEV-07); without a `select-hid-device` handler, or when it cancels, the result
    /// is empty (DEV-06). The chosen device is granted to `origin`. An id not in the list is a
    /// `NotFound` error.
    ///
    /// Dropping the future closes the chooser; nothing is granted.
    ///
    /// Example: see [the crate's example](crate).
    pub async fn request_hid_device(
        &self,
        origin: &str,
        filters: Vec<HidDeviceFilter>,
        exclusion_filters: Vec<HidDeviceFilter>,
    ) -> Result<Vec<HidDevice>, Error> {
        let origin = session_permissions::normalize_origin(origin)?;
        for f in filters.iter().chain(&exclusion_filters) {
            f.validate()?;
        }
        if !self.check(Permission::Hid, &origin).await? {
            return Ok(Vec::new());
        }
        let Some(handler) = self.handlers().hid.clone() else {
            return Ok(Vec::new());
        };
        let blocklist = self.hid_blocklist();
        let accept = {
            let filters = filters.clone();
            let exclusion_filters = exclusion_filters.clone();
            move |d: &Device| match d {
                Device::Hid(d) => {
                    !hid_device_is_blocked(d, &blocklist)
                        && (filters.is_empty() || filters.iter().any(|f| f.matches(d)))
                        && !exclusion_filters.iter().any(|f| f.matches(d))
                }
                _ => false,
            }
        };
        let (watch, attached) = self.start(DeviceType::Hid)?;
        let live: Vec<_> = attached.into_iter().filter(|(_, d)| accept(d)).collect();
        let request_id = self.inner.next_request.fetch_add(1, Ordering::Relaxed);
        let details = SelectHidDeviceDetails {
            request_id,
            origin: origin.clone(),
            device_list: live
                .iter()
                .filter_map(|(_, d)| match d {
                    Device::Hid(d) => Some(d.clone()),
                    _ => None,
                })
                .collect(),
            filters,
            exclusion_filters,
        };
        match self
            .choose(
                request_id,
                DeviceType::Hid,
                live,
                watch,
                &accept,
                handler(details),
            )
            .await
        {
            Choice::Cancelled => Ok(Vec::new()),
            Choice::Unknown(id) => Err(not_found(format!(
                "No HID device with id '{id}' was offered"
            ))),
            Choice::Chosen(device) => {
                self.inner
                    .permissions
                    .grant_device(&origin, device.clone())?;
                match device {
                    Device::Hid(d) => Ok(vec![d]),
                    _ => Ok(Vec::new()),
                }
            }
        }
    }

    /// `navigator.serial.requestPort({filters})`: the `serial` check gates the chooser (DEV-02);
    /// without a `select-serial-port` handler, or when it answers `None`/`""`, the request fails
    /// with `NotFound` "No port selected by the user." (DEV-01, DEV-03); an id not in the list is
    /// `NotFound` too. The chosen port is granted to `origin` (DEV-04).
    ///
    /// Dropping the future closes the chooser; nothing is granted.
    ///
    /// Example: see [the crate's example](crate).
    pub async fn request_serial_port(
        &self,
        origin: &str,
        filters: Vec<SerialPortFilter>,
    ) -> Result<SerialPort, Error> {
        const NONE_SELECTED: &str = "No port selected by the user.";
        let origin = session_permissions::normalize_origin(origin)?;
        for f in &filters {
            f.validate()?;
        }
        if !self.check(Permission::Serial, &origin).await? {
            return Err(not_found(NONE_SELECTED));
        }
        let Some(handler) = self.handlers().serial.clone() else {
            return Err(not_found(NONE_SELECTED));
        };
        let accept = {
            let filters = filters.clone();
            move |d: &Device| match d {
                Device::Serial(p) => filters.is_empty() || filters.iter().any(|f| f.matches(p)),
                _ => false,
            }
        };
        let (watch, attached) = self.start(DeviceType::Serial)?;
        let live: Vec<_> = attached.into_iter().filter(|(_, d)| accept(d)).collect();
        let request_id = self.inner.next_request.fetch_add(1, Ordering::Relaxed);
        let details = SelectSerialPortDetails {
            request_id,
            origin: origin.clone(),
            port_list: live
                .iter()
                .filter_map(|(_, d)| match d {
                    Device::Serial(p) => Some(p.clone()),
                    _ => None,
                })
                .collect(),
            filters,
        };
        match self
            .choose(
                request_id,
                DeviceType::Serial,
                live,
                watch,
                &accept,
                handler(details),
            )
            .await
        {
            Choice::Cancelled => Err(not_found(NONE_SELECTED)),
            Choice::Unknown(id) => Err(not_found(format!(
                "No port selected by the user: no port with id '{id}' was offered"
            ))),
            Choice::Chosen(device) => {
                self.inner
                    .permissions
                    .grant_device(&origin, device.clone())?;
                match device {
                    Device::Serial(p) => Ok(p),
                    _ => Err(not_found(NONE_SELECTED)),
                }
            }
        }
    }

    /// `navigator.usb.requestDevice({filters, exclusionFilters})`: the `usb` check gates the
    /// chooser (DEV-14); devices whose interfaces all belong to protected classes are left out
    /// (the USB protected-classes handler can change the list); without a `select-usb-device`
    /// handler, or when it cancels, the request fails with `NotFound` "No device selected."
    /// (DEV-13). The chosen device is granted to `origin` (DEV-15).
    ///
    /// Dropping the future closes the chooser; nothing is granted.
    ///
    /// Example: see [the crate's example](crate).
    pub async fn request_usb_device(
        &self,
        origin: &str,
        filters: Vec<UsbDeviceFilter>,
        exclusion_filters: Vec<UsbDeviceFilter>,
    ) -> Result<UsbDevice, Error> {
        const NONE_SELECTED: &str = "No device selected.";
        let origin = session_permissions::normalize_origin(origin)?;
        for f in filters.iter().chain(&exclusion_filters) {
            f.validate()?;
        }
        if !self.check(Permission::Usb, &origin).await? {
            return Err(not_found(NONE_SELECTED));
        }
        let Some(handler) = self.handlers().usb.clone() else {
            return Err(not_found(NONE_SELECTED));
        };
        let protected = self.inner.permissions.usb_protected_classes().await;
        let accept = {
            let filters = filters.clone();
            let exclusion_filters = exclusion_filters.clone();
            move |d: &Device| match d {
                Device::Usb(d) => {
                    !usb_device_is_protected(d, &protected)
                        && (filters.is_empty() || filters.iter().any(|f| f.matches(d)))
                        && !exclusion_filters.iter().any(|f| f.matches(d))
                }
                _ => false,
            }
        };
        let (watch, attached) = self.start(DeviceType::Usb)?;
        let live: Vec<_> = attached.into_iter().filter(|(_, d)| accept(d)).collect();
        let request_id = self.inner.next_request.fetch_add(1, Ordering::Relaxed);
        let details = SelectUsbDeviceDetails {
            request_id,
            origin: origin.clone(),
            device_list: live
                .iter()
                .filter_map(|(_, d)| match d {
                    Device::Usb(d) => Some(d.clone()),
                    _ => None,
                })
                .collect(),
            filters,
            exclusion_filters,
        };
        match self
            .choose(
                request_id,
                DeviceType::Usb,
                live,
                watch,
                &accept,
                handler(details),
            )
            .await
        {
            Choice::Cancelled => Err(not_found(NONE_SELECTED)),
            Choice::Unknown(id) => Err(not_found(format!(
                "No device selected: no device with id '{id}' was offered"
            ))),
            Choice::Chosen(device) => {
                self.inner
                    .permissions
                    .grant_device(&origin, device.clone())?;
                match device {
                    Device::Usb(d) => Ok(d),
                    _ => Err(not_found(NONE_SELECTED)),
                }
            }
        }
    }

    /// `getDevices()`/`getPorts()` for `origin`: the attached devices it may use, by the device
    /// permission handler when one is set (DEV-09) or by its grants.
    ///
    /// Example: see [the crate's example](crate).
    pub async fn devices_for(&self, origin: &str) -> Result<Vec<Device>, Error> {
        let origin = session_permissions::normalize_origin(origin)?;
        let blocklist = self.hid_blocklist();
        let mut out = Vec::new();
        for device_type in [DeviceType::Hid, DeviceType::Serial, DeviceType::Usb] {
            for (_, device) in self.attached(device_type)? {
                if let Device::Hid(d) = &device
                    && hid_device_is_blocked(d, &blocklist)
                {
                    continue;
                }
                if self
                    .inner
                    .permissions
                    .check_device_permission(&origin, &device)
                    .await?
                {
                    out.push(device);
                }
            }
        }
        Ok(out)
    }

    /// `device.forget()` / `port.forget()`: revokes `origin`'s grant of the device with
    /// `device_id` and sends the `*-revoked` event with the device and origin (DEV-05/11/16).
    /// An id that names no granted or attached device is `NotFound`.
    ///
    /// Example: see [the crate's example](crate).
    pub fn forget_device(&self, origin: &str, device_id: &str) -> Result<Device, Error> {
        let origin = session_permissions::normalize_origin(origin)?;
        let granted = self
            .inner
            .permissions
            .granted_devices(&origin)?
            .into_iter()
            .find(|d| d.id() == device_id);
        let device = match granted {
            Some(d) => d,
            None => {
                let entry = self.ids().by_id.get(device_id).cloned();
                let Some((device_type, key)) = entry else {
                    return Err(not_found(format!("No device with id '{device_id}'")));
                };
                self.attached(device_type)?
                    .into_iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, d)| d)
                    .ok_or_else(|| {
                        not_found(format!(
                            "No device with id '{device_id}' is attached or granted"
                        ))
                    })?
            }
        };
        let removed = self.inner.permissions.revoke_device(&origin, &device)?;
        let device = removed.unwrap_or(device);
        self.emit(revoked_event(device.clone(), origin));
        Ok(device)
    }

    /// Drops `origin`'s device grants without events, as a navigation of the granted frame
    /// does (DEV-08, DEV-15).
    ///
    /// Example: see [the crate's example](crate).
    pub fn clear_device_grants(&self, origin: &str) -> Result<(), Error> {
        self.inner.permissions.clear_device_grants(origin)?;
        Ok(())
    }

    /// Opens the serial port `port_id` for `origin` at `baud_rate` (`port.open()`): the origin
    /// must be allowed the port, and the port attached.
    ///
    /// Example: see [the crate's example](crate).
    pub async fn open_serial_port(
        &self,
        origin: &str,
        port_id: &str,
        baud_rate: u32,
    ) -> Result<Box<dyn serialport::SerialPort>, Error> {
        let origin = session_permissions::normalize_origin(origin)?;
        let (key, port) = self
            .attached(DeviceType::Serial)?
            .into_iter()
            .find(|(_, d)| d.id() == port_id)
            .ok_or_else(|| not_found(format!("No serial port with id '{port_id}' is attached")))?;
        if !self
            .inner
            .permissions
            .check_device_permission(&origin, &port)
            .await?
        {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!("{origin} has no permission for serial port '{port_id}'"),
            ));
        }
        self.backend(DeviceType::Serial)
            .open_serial(&key, baud_rate)
    }
}
