//! `ses devices list [--type hid|serial|usb]`: the attached devices as Electron's `HIDDevice`,
//! `SerialPort` and `USBDevice` objects; `ses devices request serial`: a serial chooser run
//! from the command line (the port picked by name), optionally writing to the chosen port.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};
use session::devices::device::{Device, DeviceType};
use session::devices::{
    Backends, Devices, HidBackend, SelectSerialPortDetails, SerialBackend, UsbBackend,
};
use session::permissions::handler;

use crate::ctx::{CliError, Ctx};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Hid,
    Serial,
    Usb,
}

impl From<Kind> for DeviceType {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Hid => DeviceType::Hid,
            Kind::Serial => DeviceType::Serial,
            Kind::Usb => DeviceType::Usb,
        }
    }
}

#[derive(Subcommand)]
enum Action {
    /// Enumerate attached devices (one JSON array with --json).
    List {
        /// Only this kind of device.
        #[arg(long = "type", value_enum)]
        kind: Option<Kind>,
        /// Also list the serial port at this path (a pseudo-terminal); repeatable.
        #[arg(long, value_name = "PATH")]
        serial_path: Vec<PathBuf>,
    },
    /// Run a chooser for ORIGIN and print the chosen device.
    Request {
        #[command(subcommand)]
        kind: RequestKind,
    },
}

#[derive(Subcommand)]
enum RequestKind {
    /// `navigator.serial.requestPort()`: choose the port named PORT_NAME (e.g. `ttyUSB0`).
    Serial {
        /// The requesting origin.
        #[arg(long)]
        origin: String,
        /// The port to choose, by `portName`.
        #[arg(long, value_name = "PORT_NAME")]
        pick: String,
        /// Also offer the serial port at this path (a pseudo-terminal); repeatable.
        #[arg(long, value_name = "PATH")]
        serial_path: Vec<PathBuf>,
        /// Open the chosen port and write TEXT to it.
        #[arg(long, value_name = "TEXT")]
        write: Option<String>,
        /// Baud rate for --write.
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
    },
}

/// The session's devices, with the serial ports at `serial_paths` offered besides sysfs's.
fn devices_with(ctx: &Ctx, serial_paths: &[PathBuf]) -> Devices {
    let devices = ctx.session.devices().clone();
    if !serial_paths.is_empty() {
        let serial = SerialBackend::new();
        for p in serial_paths {
            serial.add_port_path(p);
        }
        devices.set_backends(Backends {
            hid: Arc::new(HidBackend::new()),
            serial: Arc::new(serial),
            usb: Arc::new(UsbBackend::new()),
        });
    }
    devices
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::failed(e.to_string())
}

fn describe(d: &Device) -> String {
    match d {
        Device::Hid(h) => format!(
            "hid     {}  {:04x}:{:04x}  {}",
            h.device_id, h.vendor_id, h.product_id, h.name
        ),
        Device::Serial(p) => format!(
            "serial  {}  {}  {}",
            p.port_id,
            p.port_name,
            p.display_name.as_deref().unwrap_or("")
        ),
        Device::Usb(u) => format!(
            "usb     {}  {:04x}:{:04x}  {}",
            u.device_id,
            u.vendor_id,
            u.product_id,
            u.product_name.as_deref().unwrap_or("")
        ),
    }
}

pub(crate) async fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    match args.action {
        Action::List { kind, serial_path } => {
            let devices = devices_with(ctx, &serial_path);
            let kinds: Vec<DeviceType> = match kind {
                Some(k) => vec![k.into()],
                None => vec![DeviceType::Hid, DeviceType::Serial, DeviceType::Usb],
            };
            let mut all = Vec::new();
            for k in kinds {
                all.extend(devices.list(k).map_err(failed)?);
            }
            let json = serde_json::to_value(&all).map_err(failed)?;
            ctx.print(&json, || {
                if all.is_empty() {
                    "no devices".to_string()
                } else {
                    all.iter().map(describe).collect::<Vec<_>>().join("\n")
                }
            });
            Ok(())
        }
        Action::Request {
            kind:
                RequestKind::Serial {
                    origin,
                    pick,
                    serial_path,
                    write,
                    baud,
                },
        } => {
            let devices = devices_with(ctx, &serial_path);
            devices.set_select_serial_port_handler(Some(handler(
                move |d: SelectSerialPortDetails| {
                    let chosen = d
                        .port_list
                        .iter()
                        .find(|p| p.port_name == pick)
                        .map(|p| p.port_id.clone());
                    async move { chosen }
                },
            )));
            let port = devices
                .request_serial_port(&origin, Vec::new())
                .await
                .map_err(failed)?;
            if let Some(text) = write {
                let mut opened = devices
                    .open_serial_port(&origin, &port.port_id, baud)
                    .await
                    .map_err(failed)?;
                opened
                    .write_all(text.as_bytes())
                    .and_then(|()| opened.flush())
                    .map_err(|e| failed(format!("cannot write to {}: {e}", port.port_name)))?;
            }
            let json = serde_json::to_value(&port).map_err(failed)?;
            ctx.print(&json, || {
                format!("chosen: {}", describe(&Device::Serial(port.clone())))
            });
            Ok(())
        }
    }
}
