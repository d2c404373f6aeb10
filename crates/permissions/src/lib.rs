//! Electron's permission handlers for a session: request and check handlers, typed permissions
//! and decisions, default policies and grants.
//!
//! There is no renderer here: the embedder calls [`Permissions::request_permission`] and
//! [`Permissions::check_permission`] where a page would have asked, and the session runs the
//! decision flow Electron runs: the check handler first, then the request handler, then the
//! default policy ([`PermissionPolicy::Electron`] grants nearly everything, as Electron does;
//! [`PermissionPolicy::DenyByDefault`] grants nothing no handler allowed).
//!
//! It also holds the display-media, device-permission, USB protected-classes and Bluetooth
//! pairing handlers, and the per-session grant store that the device choosers of
//! `session-devices` use. The device structures (`HIDDevice`, `SerialPort`, `USBDevice`) live in
//! [`device`] because the device permission handler sees them.
//!
//! ```
//! use session_permissions::{handler, Permission, PermissionPolicy, Permissions, RequestDetails};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let permissions = Permissions::in_memory(PermissionPolicy::DenyByDefault);
//! let ask = || permissions.request_permission(
//!     Permission::Notifications, "https://a.test", RequestDetails::default());
//! assert!(!ask().await.unwrap());
//!
//! permissions.set_permission_request_handler(Some(handler(|req: session_permissions::PermissionRequestInfo| async move {
//!     req.requesting_origin == "https://a.test"
//! })));
//! assert!(ask().await.unwrap());
//! # });
//! ```

pub mod details;
pub mod device;
mod error;
mod grants;
mod manager;
mod permission;

pub use details::{
    BluetoothPairingDetails, BluetoothPairingResponse, DisplayMediaRequest, DisplayMediaResponse,
    DisplayMediaStreams, PermissionCheckDetails, PermissionCheckInfo, PermissionRequestInfo,
    RequestDetails,
};
pub use error::{Error, ErrorKind};
pub use manager::{
    BluetoothPairingHandler, DevicePermissionHandler, DisplayMediaRequestHandler, Handler,
    PermissionCheckHandler, PermissionRequestHandler, Permissions, PermissionsOptions,
    UsbProtectedClassesHandler, handler, normalize_origin,
};
pub use permission::{Permission, PermissionPolicy, PermissionStatus};
