//! The crate's error type.

use std::fmt;

/// What went wrong, for callers that branch on it.
///
/// Example: see [`DeviceEvent`](crate::DeviceEvent) (a chooser nobody answers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No device was chosen, or the id names no device (Chromium's `NotFoundError`).
    NotFound,
    /// A malformed argument: an origin, a filter.
    InvalidInput,
    /// The origin has no permission for the device.
    PermissionDenied,
    /// The backend cannot do this (opening a HID device as a serial port).
    NotSupported,
    /// The operating system refused or failed an enumeration or an open.
    Backend,
}

/// The error of every fallible operation of this crate.
///
/// Example: see [`DeviceEvent`](crate::DeviceEvent) (a chooser nobody answers).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl fmt::Display) -> Self {
        Error {
            kind,
            message: message.to_string(),
        }
    }

    /// What went wrong.
    ///
    /// Example: see [`DeviceEvent`](crate::DeviceEvent) (a chooser nobody answers).
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl From<session_permissions::Error> for Error {
    fn from(e: session_permissions::Error) -> Self {
        let kind = match e.kind() {
            session_permissions::ErrorKind::InvalidInput => ErrorKind::InvalidInput,
            session_permissions::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            session_permissions::ErrorKind::NotSupported => ErrorKind::NotSupported,
            _ => ErrorKind::Backend,
        };
        Error::new(kind, e)
    }
}
