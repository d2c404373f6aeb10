//! The one trait every device backend implements, real (hidapi, serialport, nusb) or in-process.

use std::sync::{Arc, Mutex};

use futures_util::stream::BoxStream;
use session_permissions::device::{Device, DeviceType};

use crate::error::{Error, ErrorKind};

/// A device as a backend reports it: its backend key (a hidraw path, a tty path, a USB bus
/// id) and its Electron structure, whose id field the session fills in.
///
/// Example: see [`DeviceBackend`].
#[derive(Clone, Debug, PartialEq)]
pub struct BackendDevice {
    /// What the backend knows the device by; unique among its devices while attached.
    pub key: String,
    /// The device. Its `deviceId`/`portId` is replaced by the session's stable id.
    pub device: Device,
}

/// A hotplug notification from a backend.
///
/// Example: see [`DeviceBackend`].
#[derive(Clone, Debug, PartialEq)]
pub enum Hotplug {
    /// A device was attached.
    Added(BackendDevice),
    /// The device with this key was detached.
    Removed(String),
}

/// A stream of hotplug notifications.
///
/// Example: see [`DeviceBackend`].
pub type HotplugStream = BoxStream<'static, Hotplug>;

/// One kind of device source: enumeration, hotplug and (for serial ports) opening.
///
/// Example: see [the crate's example](crate) (a session over backends), and the trait's
/// methods on the in-process backend:
///
/// ```
/// use futures_util::{FutureExt, StreamExt};
/// use session_devices::device::{Device, DeviceType, UsbDevice};
/// use session_devices::{DeviceBackend, Hotplug, VirtualBackend};
///
/// let usb = VirtualBackend::new(DeviceType::Usb);
/// assert_eq!(usb.device_type(), DeviceType::Usb);
/// let mut hotplug = usb.watch().unwrap().expect("the virtual backend can watch");
/// usb.add("bus1-2", Device::Usb(UsbDevice { vendor_id: 0x2341, ..Default::default() })).unwrap();
/// let Some(Some(Hotplug::Added(added))) = hotplug.next().now_or_never() else { panic!("added") };
/// assert_eq!(added.key, "bus1-2");
/// assert_eq!(usb.enumerate().unwrap().len(), 1);
/// assert!(usb.remove("bus1-2"));
/// let removed = hotplug.next().now_or_never();
/// assert!(matches!(removed, Some(Some(Hotplug::Removed(key))) if key == "bus1-2"));
/// assert!(usb.open_serial("bus1-2", 9600).is_err()); // not a serial port
/// ```
pub trait DeviceBackend: Send + Sync {
    /// The kind of device this backend reports.
    ///
    /// Example: see [`DeviceBackend`].
    fn device_type(&self) -> DeviceType;

    /// The devices attached now. A machine without the bus reports none, not an error.
    ///
    /// Example: see [`DeviceBackend`].
    fn enumerate(&self) -> Result<Vec<BackendDevice>, Error>;

    /// Hotplug notifications from now on, where the backend can watch; `None` where it cannot.
    ///
    /// Example: see [`DeviceBackend`].
    fn watch(&self) -> Result<Option<HotplugStream>, Error> {
        Ok(None)
    }

    /// Opens the serial port with `key` at `baud_rate`.
    ///
    /// Example: see [`DeviceBackend`].
    fn open_serial(
        &self,
        key: &str,
        baud_rate: u32,
    ) -> Result<Box<dyn serialport::SerialPort>, Error> {
        let _ = baud_rate;
        Err(Error::new(
            ErrorKind::NotSupported,
            format!(
                "the {} backend cannot open '{key}' as a serial port",
                self.device_type()
            ),
        ))
    }
}

/// An in-process backend: devices are added and removed by the program, with hotplug
/// notifications. For tests and simulators on machines without the bus (no USB or HID here).
///
/// Example: see [the crate's example](crate).
pub struct VirtualBackend {
    device_type: DeviceType,
    devices: Mutex<Vec<BackendDevice>>,
    hotplug: tokio::sync::broadcast::Sender<Hotplug>,
}

impl std::fmt::Debug for VirtualBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualBackend")
            .field("device_type", &self.device_type)
            .finish_non_exhaustive()
    }
}

impl VirtualBackend {
    /// An empty backend of `device_type` devices.
    ///
    /// Example: see [the crate's example](crate).
    pub fn new(device_type: DeviceType) -> Arc<Self> {
        Arc::new(VirtualBackend {
            device_type,
            devices: Mutex::new(Vec::new()),
            hotplug: tokio::sync::broadcast::Sender::new(64),
        })
    }

    fn devices(&self) -> std::sync::MutexGuard<'_, Vec<BackendDevice>> {
        self.devices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Attaches `device` under `key` (replacing a device with the same key) and notifies
    /// watchers. A device of another kind is refused.
    ///
    /// Example: see [the crate's example](crate).
    pub fn add(&self, key: &str, device: Device) -> Result<(), Error> {
        if device.device_type() != self.device_type {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "a {} device cannot be added to the {} backend",
                    device.device_type(),
                    self.device_type
                ),
            ));
        }
        let entry = BackendDevice {
            key: key.to_string(),
            device,
        };
        {
            let mut devices = self.devices();
            devices.retain(|d| d.key != key);
            devices.push(entry.clone());
        }
        let _ = self.hotplug.send(Hotplug::Added(entry));
        Ok(())
    }

    /// Detaches the device with `key`; returns whether there was one.
    ///
    /// Example: see [the crate's example](crate).
    pub fn remove(&self, key: &str) -> bool {
        let removed = {
            let mut devices = self.devices();
            let before = devices.len();
            devices.retain(|d| d.key != key);
            devices.len() != before
        };
        if removed {
            let _ = self.hotplug.send(Hotplug::Removed(key.to_string()));
        }
        removed
    }
}

impl DeviceBackend for VirtualBackend {
    fn device_type(&self) -> DeviceType {
        self.device_type
    }

    fn enumerate(&self) -> Result<Vec<BackendDevice>, Error> {
        Ok(self.devices().clone())
    }

    fn watch(&self) -> Result<Option<HotplugStream>, Error> {
        Ok(Some(broadcast_stream(self.hotplug.subscribe())))
    }
}

/// The notifications of a broadcast receiver as a stream (skipping over a lag).
pub(crate) fn broadcast_stream<T: Clone + Send + 'static>(
    rx: tokio::sync::broadcast::Receiver<T>,
) -> BoxStream<'static, T> {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(item) => return Some((item, rx)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}

/// A hotplug stream for a backend that cannot be notified: enumerates every `interval` and
/// reports the difference with the previous enumeration. The first enumeration is the baseline.
pub(crate) fn polling_watch<F>(enumerate: F, interval: std::time::Duration) -> HotplugStream
where
    F: Fn() -> Result<Vec<BackendDevice>, Error> + Send + Sync + 'static,
{
    let baseline = enumerate().unwrap_or_default();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = (
        enumerate,
        ticker,
        baseline,
        std::collections::VecDeque::<Hotplug>::new(),
    );
    Box::pin(futures_util::stream::unfold(
        state,
        |(enumerate, mut ticker, mut known, mut queue)| async move {
            loop {
                if let Some(change) = queue.pop_front() {
                    return Some((change, (enumerate, ticker, known, queue)));
                }
                ticker.tick().await;
                // A failed enumeration reports nothing rather than every device as removed.
                let Ok(now) = enumerate() else { continue };
                for gone in known.iter().filter(|k| !now.iter().any(|n| n.key == k.key)) {
                    queue.push_back(Hotplug::Removed(gone.key.clone()));
                }
                for new in now.iter().filter(|n| !known.iter().any(|k| k.key == n.key)) {
                    queue.push_back(Hotplug::Added(new.clone()));
                }
                known = now;
            }
        },
    ))
}
