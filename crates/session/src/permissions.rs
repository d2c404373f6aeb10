//! Permissions of a session: everything of `session-permissions`, re-exported, and the
//! session's permission methods (Electron's `setPermissionRequestHandler` and friends).

use std::path::Path;

use crate::error::{Error as FacadeError, ErrorKind as FacadeErrorKind};
use crate::session::{Session, SessionOptions};
pub use session_permissions::*;

/// The file a persistent partition keeps its grants in, when it opts in.
const GRANTS_FILE: &str = "Permission Grants.json";

pub(crate) fn new_permissions(
    storage_path: Option<&Path>,
    options: &SessionOptions,
) -> Result<Permissions, FacadeError> {
    let grants_file = match storage_path {
        Some(dir) if options.persist_permission_grants => Some(dir.join(GRANTS_FILE)),
        _ => None,
    };
    Permissions::new(PermissionsOptions {
        policy: options.permission_policy,
        grants_file,
        ..PermissionsOptions::default()
    })
    .map_err(|e| {
        let kind = match e.kind() {
            session_permissions::ErrorKind::InvalidInput => FacadeErrorKind::Corrupt,
            _ => FacadeErrorKind::Io,
        };
        FacadeError::with_source(kind, "cannot open permission grants", e)
    })
}

impl SessionOptions {
    /// Sets what permissions no handler decides get ([`PermissionPolicy::DenyByDefault`] to
    /// deny them).
    ///
    /// Example: see [`SessionOptions`].
    pub fn permission_policy(mut self, policy: PermissionPolicy) -> Self {
        self.permission_policy = policy;
        self
    }

    /// Keeps permission and device grants of a persistent partition on disk
    /// (`Permission Grants.json`) across restarts.
    ///
    /// Example: see [`SessionOptions`].
    pub fn persist_permission_grants(mut self, enabled: bool) -> Self {
        self.persist_permission_grants = enabled;
        self
    }
}

impl Session {
    /// The session's permission handlers, decisions and grants.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn permissions(&self) -> &Permissions {
        &self.inner.permissions
    }

    /// Electron's `ses.setPermissionRequestHandler(handler)`; `None` restores the default and
    /// denies requests still waiting for the old handler.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn set_permission_request_handler(&self, handler: Option<PermissionRequestHandler>) {
        self.permissions().set_permission_request_handler(handler);
    }

    /// Electron's `ses.setPermissionCheckHandler(handler)`.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn set_permission_check_handler(&self, handler: Option<PermissionCheckHandler>) {
        self.permissions().set_permission_check_handler(handler);
    }

    /// Electron's `ses.setDisplayMediaRequestHandler(handler)`.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn set_display_media_request_handler(&self, handler: Option<DisplayMediaRequestHandler>) {
        self.permissions()
            .set_display_media_request_handler(handler);
    }

    /// Electron's `ses.setDevicePermissionHandler(handler)`.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn set_device_permission_handler(&self, handler: Option<DevicePermissionHandler>) {
        self.permissions().set_device_permission_handler(handler);
    }

    /// Electron's `ses.setUSBProtectedClassesHandler(handler)`.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn set_usb_protected_classes_handler(&self, handler: Option<UsbProtectedClassesHandler>) {
        self.permissions()
            .set_usb_protected_classes_handler(handler);
    }

    /// Electron's `ses.setBluetoothPairingHandler(handler)`.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn set_bluetooth_pairing_handler(&self, handler: Option<BluetoothPairingHandler>) {
        self.permissions().set_bluetooth_pairing_handler(handler);
    }

    /// A page's permission request: check handler, then request handler, then the policy.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub async fn request_permission(
        &self,
        permission: Permission,
        requesting_origin: &str,
        details: RequestDetails,
    ) -> Result<bool, Error> {
        self.permissions()
            .request_permission(permission, requesting_origin, details)
            .await
    }

    /// A page's permission check: check handler, else earlier grants, else the policy.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub async fn check_permission(
        &self,
        permission: Permission,
        requesting_origin: &str,
        details: PermissionCheckDetails,
    ) -> Result<bool, Error> {
        self.permissions()
            .check_permission(permission, requesting_origin, details)
            .await
    }
}
