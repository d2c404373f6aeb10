//! The real serial backend: ttys from sysfs through serialport, plus ports the program names by
//! path (pseudo-terminals, which sysfs does not list).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use session_permissions::device::{Device, DeviceType, SerialPort};

use crate::backend::{BackendDevice, DeviceBackend, HotplugStream, polling_watch};
use crate::error::{Error, ErrorKind};

/// Serial ports through serialport (sysfs enumeration, no libudev). Hotplug is noticed by
/// enumerating again every [`SerialBackend::POLL_INTERVAL`] while a chooser is open.
///
/// Clones share the list of ports added by path.
///
/// A pseudo-terminal stands in for an adapter here: sysfs does not list it, so it is added by
/// path, and the polling watch of an open chooser notices it come and go.
///
/// ```
/// use std::io::{Read, Write};
/// use std::time::Duration;
///
/// use futures_util::StreamExt;
/// use serialport::{SerialPort as _, TTYPort};
/// use session_devices::{DeviceBackend, Hotplug, SerialBackend};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let serial = SerialBackend::new();
/// let mut hotplug = serial.watch()?.expect("serial ports are polled");
/// let (mut master, port) = TTYPort::pair().expect("a pseudo-terminal");
/// let path = port.name().expect("a pty has a path");
/// serial.add_port_path(&path);
///
/// // The watch enumerates again every `SerialBackend::POLL_INTERVAL` and reports the change.
/// let deadline = Duration::from_secs(30);
/// let added = tokio::time::timeout(deadline, async {
///     loop {
///         match hotplug.next().await {
///             Some(Hotplug::Added(d)) if d.key == path => break d,
///             Some(_) => continue,
///             None => panic!("the watch ended"),
///         }
///     }
/// })
/// .await
/// .expect("the port is noticed");
/// assert_eq!(added.device.device_type().as_str(), "serial");
///
/// // The backend opens it by its key, as `Devices::open_serial_port` does for a granted port.
/// let mut opened = serial.open_serial(&added.key, 115_200)?;
/// master.write_all(b"ping").unwrap();
/// let mut buf = [0u8; 4];
/// opened.read_exact(&mut buf).unwrap();
/// assert_eq!(&buf, b"ping");
///
/// serial.remove_port_path(std::path::Path::new(&path));
/// assert!(!serial.enumerate()?.iter().any(|d| d.key == path));
/// # Ok::<_, session_devices::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Default, Clone)]
pub struct SerialBackend {
    extra: Arc<Mutex<Vec<PathBuf>>>,
}

impl SerialBackend {
    /// How often an open chooser looks for attached or detached ports.
    ///
    /// Example: see [`SerialBackend`].
    pub const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

    /// The backend, listing what sysfs lists.
    ///
    /// Example: see [`SerialBackend`].
    pub fn new() -> Self {
        SerialBackend::default()
    }

    fn extra(&self) -> std::sync::MutexGuard<'_, Vec<PathBuf>> {
        self.extra
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Also lists the port at `path` while it exists (a pseudo-terminal, a socat link).
    ///
    /// Example: see [`SerialBackend`].
    pub fn add_port_path(&self, path: impl Into<PathBuf>) {
        let path = path.into();
        let mut extra = self.extra();
        if !extra.contains(&path) {
            extra.push(path);
        }
    }

    /// Stops listing a port added by [`SerialBackend::add_port_path`].
    ///
    /// Example: see [`SerialBackend`].
    pub fn remove_port_path(&self, path: &Path) {
        self.extra().retain(|p| p != path);
    }

    fn list(&self) -> Result<Vec<BackendDevice>, Error> {
        let listed = if Path::new("/sys/class/tty").exists() {
            serialport::available_ports().map_err(|e| {
                Error::new(
                    ErrorKind::Backend,
                    format!("serial enumeration failed: {e}"),
                )
            })?
        } else {
            Vec::new()
        };
        let mut out: Vec<BackendDevice> = listed
            .into_iter()
            .map(|info| {
                let mut port = SerialPort {
                    port_name: port_name(&info.port_name),
                    ..SerialPort::default()
                };
                if let serialport::SerialPortType::UsbPort(usb) = info.port_type {
                    port.vendor_id = Some(usb.vid.to_string());
                    port.product_id = Some(usb.pid.to_string());
                    port.serial_number = usb.serial_number;
                    port.display_name = usb.product;
                }
                BackendDevice {
                    key: info.port_name,
                    device: Device::Serial(port),
                }
            })
            .collect();
        let extra = self.extra().clone();
        for path in extra {
            let key = path.to_string_lossy().into_owned();
            if path.exists() && !out.iter().any(|d| d.key == key) {
                out.push(BackendDevice {
                    device: Device::Serial(SerialPort {
                        port_name: port_name(&key),
                        ..SerialPort::default()
                    }),
                    key,
                });
            }
        }
        Ok(out)
    }
}

fn port_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

impl DeviceBackend for SerialBackend {
    fn device_type(&self) -> DeviceType {
        DeviceType::Serial
    }

    fn enumerate(&self) -> Result<Vec<BackendDevice>, Error> {
        self.list()
    }

    fn watch(&self) -> Result<Option<HotplugStream>, Error> {
        let this = self.clone();
        Ok(Some(polling_watch(
            move || this.list(),
            Self::POLL_INTERVAL,
        )))
    }

    fn open_serial(
        &self,
        key: &str,
        baud_rate: u32,
    ) -> Result<Box<dyn serialport::SerialPort>, Error> {
        serialport::new(key, baud_rate)
            .timeout(std::time::Duration::from_secs(10))
            .open()
            .map_err(|e| {
                let kind = match e.kind() {
                    serialport::ErrorKind::NoDevice => ErrorKind::NotFound,
                    serialport::ErrorKind::InvalidInput => ErrorKind::InvalidInput,
                    _ => ErrorKind::Backend,
                };
                Error::new(kind, format!("cannot open serial port {key}: {e}"))
            })
    }
}
