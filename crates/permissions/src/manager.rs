//! [`Permissions`]: the handlers of one session and the decision flows behind them.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use futures_util::future::BoxFuture;

use crate::details::{
    BluetoothPairingDetails, BluetoothPairingResponse, DisplayMediaRequest, DisplayMediaResponse,
    DisplayMediaStreams, FileAccessType, FileSystemAccessMode, FileSystemQuery, PairingKind,
    PermissionCheckDetails, PermissionCheckInfo, PermissionRequestInfo, RequestDetails,
};
use crate::device::{Device, DevicePermissionDetails, UsbClass, UsbProtectedClassesDetails};
use crate::error::{Error, ErrorKind};
use crate::grants::GrantStore;
use crate::permission::{Permission, PermissionPolicy, PermissionStatus};

/// An async handler: what every `set_*_handler` of this crate stores.
///
/// Example: see [`handler`].
pub type Handler<A, R> = Arc<dyn Fn(A) -> BoxFuture<'static, R> + Send + Sync>;

/// Decides permission requests (`setPermissionRequestHandler`): `true` grants.
///
/// Example: see [the crate's example](crate).
pub type PermissionRequestHandler = Handler<PermissionRequestInfo, bool>;
/// Decides permission checks (`setPermissionCheckHandler`): `true` grants.
///
/// Example: see [`Permissions::check_permission`].
pub type PermissionCheckHandler = Handler<PermissionCheckInfo, bool>;
/// Answers `getDisplayMedia` (`setDisplayMediaRequestHandler`).
///
/// Example: see [`DisplayMediaRequest`](crate::DisplayMediaRequest).
pub type DisplayMediaRequestHandler = Handler<DisplayMediaRequest, DisplayMediaResponse>;
/// Decides whether an origin may use a device (`setDevicePermissionHandler`).
///
/// Example: see [`DevicePermissionDetails`].
pub type DevicePermissionHandler = Handler<DevicePermissionDetails, bool>;
/// Returns the USB classes to protect (`setUSBProtectedClassesHandler`).
///
/// Example: see [`UsbProtectedClassesDetails`].
pub type UsbProtectedClassesHandler = Handler<UsbProtectedClassesDetails, Vec<UsbClass>>;
/// Answers Bluetooth pairing prompts (`setBluetoothPairingHandler`).
///
/// Example: see [`BluetoothPairingDetails`].
pub type BluetoothPairingHandler = Handler<BluetoothPairingDetails, BluetoothPairingResponse>;

/// Wraps an async closure as a [`Handler`], for any of the `set_*_handler` methods.
///
/// ```
/// let h: session_permissions::PermissionCheckHandler =
///     session_permissions::handler(|info: session_permissions::PermissionCheckInfo| async move {
///         info.requesting_origin == "https://a.test"
///     });
/// # drop(h);
/// ```
pub fn handler<A, R, F, Fut>(f: F) -> Handler<A, R>
where
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    Arc::new(move |a| Box::pin(f(a)))
}

/// How a session's [`Permissions`] are set up.
///
/// Example: see [`Permissions::new`].
#[derive(Clone, Debug, Default)]
pub struct PermissionsOptions {
    /// What unhandled permissions get.
    pub policy: PermissionPolicy,
    /// Where to keep grants across restarts (persistent partitions that opt in). `None`, the
    /// default, keeps them in memory only, as Electron does (DEV-17).
    pub grants_file: Option<PathBuf>,
    /// Remember every permission a request handler grants, so later checks and requests from
    /// the same origin are granted without asking again. Off by default (Electron asks every
    /// time); `fileSystem` grants are always remembered, as Chromium does (PERM-07).
    pub remember_request_grants: bool,
}

#[derive(Default)]
struct Handlers {
    request: Option<PermissionRequestHandler>,
    check: Option<PermissionCheckHandler>,
    display_media: Option<DisplayMediaRequestHandler>,
    device: Option<DevicePermissionHandler>,
    usb_protected: Option<UsbProtectedClassesHandler>,
    bluetooth: Option<BluetoothPairingHandler>,
}

struct Inner {
    options: PermissionsOptions,
    handlers: RwLock<Handlers>,
    grants: Mutex<GrantStore>,
    /// Bumped when the request handler is cleared; pending requests watch it (PERM-01).
    request_cleared: tokio::sync::watch::Sender<u64>,
}

/// The permission handlers, decisions and grants of one session.
///
/// Cheap to clone; clones share the same state.
///
/// Example: see [`Permissions::check_permission`] (handlers, grants, policy) and [`Permissions::new`]
/// (grants kept in a file).
#[derive(Clone)]
pub struct Permissions {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Permissions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permissions")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Default for Permissions {
    fn default() -> Self {
        Permissions::in_memory(PermissionPolicy::Electron)
    }
}

/// Normalizes an origin string (`https://A.test:443/` → `https://a.test`); opaque origins such
/// as `file:///` are kept as written. An unparsable string is refused by name.
///
/// ```
/// use session_permissions::{ErrorKind, normalize_origin};
///
/// assert_eq!(normalize_origin("https://A.test:443/path").unwrap(), "https://a.test");
/// assert_eq!(normalize_origin("http://a.test:8080").unwrap(), "http://a.test:8080");
/// assert_eq!(normalize_origin("file:///home/me/page.html").unwrap(), "file:///home/me/page.html");
/// let err = normalize_origin("not an origin").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// assert!(err.to_string().contains("not an origin"), "{err}");
/// ```
pub fn normalize_origin(origin: &str) -> Result<String, Error> {
    let url = url::Url::parse(origin).map_err(|_| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("Invalid origin: '{origin}'"),
        )
    })?;
    Ok(match session_base::origin::Origin::from_url(&url) {
        session_base::origin::Origin::Opaque => url.to_string(),
        tuple => tuple.to_string(),
    })
}

impl Permissions {
    /// Permissions with `options`; reads the grant file when one is given.
    ///
    /// ```
    /// use session_permissions::{Permission, PermissionPolicy, Permissions, PermissionsOptions};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let options = PermissionsOptions {
    ///     policy: PermissionPolicy::DenyByDefault,
    ///     grants_file: Some(dir.path().join("Permissions.json")),
    ///     ..PermissionsOptions::default()
    /// };
    /// let permissions = Permissions::new(options.clone()).unwrap();
    /// permissions.grant_permission("https://maps.test", Permission::Geolocation).unwrap();
    /// drop(permissions);
    ///
    /// // The grant is read back from the file.
    /// let permissions = Permissions::new(options).unwrap();
    /// assert_eq!(permissions.granted_permissions("https://maps.test").unwrap(), [Permission::Geolocation]);
    /// ```
    pub fn new(options: PermissionsOptions) -> Result<Self, Error> {
        let grants = match &options.grants_file {
            Some(path) => GrantStore::open(path)?,
            None => GrantStore::in_memory(),
        };
        Ok(Permissions::with_store(options, grants))
    }

    /// In-memory permissions with `policy`.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn in_memory(policy: PermissionPolicy) -> Self {
        let options = PermissionsOptions {
            policy,
            ..PermissionsOptions::default()
        };
        Permissions::with_store(options, GrantStore::in_memory())
    }

    fn with_store(options: PermissionsOptions, grants: GrantStore) -> Self {
        Permissions {
            inner: Arc::new(Inner {
                options,
                handlers: RwLock::new(Handlers::default()),
                grants: Mutex::new(grants),
                request_cleared: tokio::sync::watch::Sender::new(0),
            }),
        }
    }

    /// The policy for unhandled permissions.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn policy(&self) -> PermissionPolicy {
        self.inner.options.policy
    }

    fn handlers(&self) -> std::sync::RwLockReadGuard<'_, Handlers> {
        // A poisoned lock only means a setter panicked mid-assignment of an Option; the value
        // is still a valid Option.
        self.inner
            .handlers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set<T>(&self, pick: impl FnOnce(&mut Handlers) -> &mut Option<T>, value: Option<T>) {
        let mut guard = self
            .inner
            .handlers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *pick(&mut guard) = value;
    }

    fn grants(&self) -> MutexGuard<'_, GrantStore> {
        self.inner
            .grants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Electron's `setPermissionRequestHandler`. `None` restores the default and resolves every
    /// request still waiting for the old handler as denied (PERM-01).
    ///
    /// Example: see [the crate's example](crate).
    pub fn set_permission_request_handler(&self, handler: Option<PermissionRequestHandler>) {
        let clearing = handler.is_none();
        self.set(|h| &mut h.request, handler);
        if clearing {
            self.inner.request_cleared.send_modify(|g| *g += 1);
        }
    }

    /// Electron's `setPermissionCheckHandler`; `None` restores the default.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn set_permission_check_handler(&self, handler: Option<PermissionCheckHandler>) {
        self.set(|h| &mut h.check, handler);
    }

    /// Electron's `setDisplayMediaRequestHandler`; `None` restores the default (every
    /// `getDisplayMedia` fails as not supported).
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn set_display_media_request_handler(&self, handler: Option<DisplayMediaRequestHandler>) {
        self.set(|h| &mut h.display_media, handler);
    }

    /// Electron's `setDevicePermissionHandler`; `None` restores the default (the grants made
    /// through the choosers decide).
    ///
    /// Example: see [`DevicePermissionDetails`].
    pub fn set_device_permission_handler(&self, handler: Option<DevicePermissionHandler>) {
        self.set(|h| &mut h.device, handler);
    }

    /// Electron's `setUSBProtectedClassesHandler`; `None` restores the default list.
    ///
    /// Example: see [`UsbProtectedClassesDetails`].
    pub fn set_usb_protected_classes_handler(&self, handler: Option<UsbProtectedClassesHandler>) {
        self.set(|h| &mut h.usb_protected, handler);
    }

    /// Electron's `setBluetoothPairingHandler`; `None` restores the default (pairings that need
    /// an answer are cancelled).
    ///
    /// Example: see [`BluetoothPairingDetails`].
    pub fn set_bluetooth_pairing_handler(&self, handler: Option<BluetoothPairingHandler>) {
        self.set(|h| &mut h.bluetooth, handler);
    }

    /// A permission check, as `navigator.permissions.query` and the device APIs make: the check
    /// handler decides when one is set; otherwise an earlier grant, then the policy (PERM-08).
    ///
    /// Dropping the future drops the handler's future.
    ///
    /// ```
    /// use session_permissions::{handler, Permission, PermissionCheckInfo, PermissionPolicy, PermissionStatus, Permissions};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let permissions = Permissions::in_memory(PermissionPolicy::DenyByDefault);
    /// let check = |origin: &'static str| permissions.check_permission(Permission::Geolocation, origin, Default::default());
    /// assert!(!check("https://maps.test").await.unwrap());
    /// assert_eq!(
    ///     permissions.permission_status(Permission::Geolocation, "https://maps.test", Default::default()).await.unwrap(),
    ///     PermissionStatus::Denied
    /// );
    ///
    /// // A grant answers later checks from that origin ...
    /// permissions.grant_permission("https://maps.test", Permission::Geolocation).unwrap();
    /// assert!(check("https://maps.test").await.unwrap());
    /// assert!(permissions.revoke_permission("https://maps.test", Permission::Geolocation).unwrap());
    ///
    /// // ... and a check handler, once set, decides every check.
    /// permissions.set_permission_check_handler(Some(handler(|info: PermissionCheckInfo| async move {
    ///     info.requesting_origin.ends_with(".trusted.test")
    /// })));
    /// assert!(check("https://app.trusted.test").await.unwrap());
    /// assert!(!check("https://maps.test").await.unwrap());
    /// assert!(check("not an origin").await.is_err());
    /// # });
    /// ```
    pub async fn check_permission(
        &self,
        permission: Permission,
        requesting_origin: &str,
        details: PermissionCheckDetails,
    ) -> Result<bool, Error> {
        let origin = normalize_origin(requesting_origin)?;
        let check = self.handlers().check.clone();
        if let Some(check) = check {
            return Ok(check(PermissionCheckInfo {
                permission,
                requesting_origin: origin,
                details,
            })
            .await);
        }
        if self.grants().has_permission(&origin, permission) {
            return Ok(true);
        }
        Ok(self.policy().default_decision(permission))
    }

    /// The tri-state status of `permission` for `requesting_origin`: `Granted` when the check
    /// flow grants it; otherwise `Prompt` when a request would still be decided (a request
    /// handler is set, or the policy grants requests), `Denied` when a request would be refused
    /// without asking.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub async fn permission_status(
        &self,
        permission: Permission,
        requesting_origin: &str,
        details: PermissionCheckDetails,
    ) -> Result<PermissionStatus, Error> {
        if self
            .check_permission(permission, requesting_origin, details)
            .await?
        {
            return Ok(PermissionStatus::Granted);
        }
        let has_request_handler = self.handlers().request.is_some();
        if has_request_handler || self.policy().default_decision(permission) {
            Ok(PermissionStatus::Prompt)
        } else {
            Ok(PermissionStatus::Denied)
        }
    }

    /// `handle.queryPermission({mode})` on a file-system handle: `fileSystem` checks with the
    /// handle's path, one for `readable` and, for `readwrite`, a second for `writable`; granted
    /// when every check is (PERM-07). As Electron notes, `isMainFrame` is `false` for these.
    ///
    /// Example: see [`FileSystemQuery`].
    pub async fn query_file_system_permission(
        &self,
        requesting_origin: &str,
        query: FileSystemQuery,
    ) -> Result<bool, Error> {
        let access: &[FileAccessType] = match query.mode {
            FileSystemAccessMode::Read => &[FileAccessType::Readable],
            FileSystemAccessMode::ReadWrite => {
                &[FileAccessType::Readable, FileAccessType::Writable]
            }
        };
        for &file_access_type in access {
            let details = PermissionCheckDetails {
                is_main_frame: false,
                file_path: Some(query.file_path.clone()),
                is_directory: Some(query.is_directory),
                file_access_type: Some(file_access_type),
                ..PermissionCheckDetails::default()
            };
            if !self
                .check_permission(Permission::FileSystem, requesting_origin, details)
                .await?
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A permission request, the way Electron runs it: a check first (the check handler, or an
    /// earlier grant when none is set), then the request handler, then the policy.
    ///
    /// Clearing the request handler while its answer is pending resolves this as denied
    /// (PERM-01). Dropping the future drops the handler's future; nothing is granted.
    ///
    /// Example: see [the crate's example](crate).
    pub async fn request_permission(
        &self,
        permission: Permission,
        requesting_origin: &str,
        details: RequestDetails,
    ) -> Result<bool, Error> {
        let origin = normalize_origin(requesting_origin)?;
        let (check, request) = {
            let h = self.handlers();
            (h.check.clone(), h.request.clone())
        };
        if let Some(check) = check {
            let granted = check(PermissionCheckInfo {
                permission,
                requesting_origin: origin.clone(),
                details: details.to_check_details(),
            })
            .await;
            if granted {
                return Ok(true);
            }
        } else if self.grants().has_permission(&origin, permission) {
            return Ok(true);
        }
        let Some(request) = request else {
            return Ok(self.policy().default_decision(permission));
        };
        let mut cleared = self.inner.request_cleared.subscribe();
        cleared.mark_unchanged();
        let answer = request(PermissionRequestInfo {
            permission,
            requesting_origin: origin.clone(),
            details,
        });
        let granted = tokio::select! {
            granted = answer => granted,
            _ = cleared.changed() => false,
        };
        if granted
            && (self.inner.options.remember_request_grants || permission == Permission::FileSystem)
        {
            self.grants().grant_permission(&origin, permission)?;
        }
        Ok(granted)
    }

    /// Grants `permission` to `origin` until revoked: later checks (with no check handler) and
    /// requests from it are granted without asking.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn grant_permission(&self, origin: &str, permission: Permission) -> Result<(), Error> {
        let origin = normalize_origin(origin)?;
        self.grants().grant_permission(&origin, permission)
    }

    /// Revokes a grant made by [`Permissions::grant_permission`] or a remembered request;
    /// returns whether there was one.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn revoke_permission(&self, origin: &str, permission: Permission) -> Result<bool, Error> {
        let origin = normalize_origin(origin)?;
        self.grants().revoke_permission(&origin, permission)
    }

    /// The permissions granted to `origin`.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn granted_permissions(&self, origin: &str) -> Result<Vec<Permission>, Error> {
        let origin = normalize_origin(origin)?;
        Ok(self.grants().permissions_for(&origin))
    }

    /// `navigator.mediaDevices.getDisplayMedia`: asks the display-media handler. Fails as not
    /// supported when none is set, as denied when it refuses, and as invalid when it grants no
    /// video to a request for video. Streams that were not requested are dropped.
    ///
    /// Example: see [`DisplayMediaRequest`](crate::DisplayMediaRequest).
    pub async fn request_display_media(
        &self,
        request: DisplayMediaRequest,
    ) -> Result<DisplayMediaStreams, Error> {
        normalize_origin(&request.security_origin)?;
        let Some(h) = self.handlers().display_media.clone() else {
            return Err(Error::new(
                ErrorKind::NotSupported,
                format!(
                    "Not supported: no display media request handler for {}",
                    request.security_origin
                ),
            ));
        };
        let (video_requested, audio_requested) = (request.video_requested, request.audio_requested);
        let origin = request.security_origin.clone();
        let mut streams = match h(request).await {
            DisplayMediaResponse::Deny => {
                return Err(Error::new(
                    ErrorKind::PermissionDenied,
                    format!("Permission denied: display media for {origin}"),
                ));
            }
            DisplayMediaResponse::Grant(streams) => streams,
        };
        if video_requested && streams.video.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("Video was requested, but no video stream was provided for {origin}"),
            ));
        }
        if !video_requested {
            streams.video = None;
        }
        if !audio_requested {
            streams.audio = None;
        }
        if streams.video.is_none() && streams.audio.is_none() {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!("Permission denied: no stream granted to {origin}"),
            ));
        }
        Ok(streams)
    }

    /// The USB interface classes kept from pages: the handler's answer, or Electron's default
    /// seven classes.
    ///
    /// Example: see [`UsbProtectedClassesDetails`].
    pub async fn usb_protected_classes(&self) -> Vec<UsbClass> {
        let Some(h) = self.handlers().usb_protected.clone() else {
            return UsbClass::DEFAULT_PROTECTED.to_vec();
        };
        let mut classes = h(UsbProtectedClassesDetails {
            protected_classes: UsbClass::DEFAULT_PROTECTED.to_vec(),
        })
        .await;
        classes.sort();
        classes.dedup();
        classes
    }

    /// A Bluetooth pairing prompt: the handler's answer, or a cancelled pairing when none is
    /// set. A `providePin` answer that confirms without a PIN is refused.
    ///
    /// Example: see [`BluetoothPairingDetails`].
    pub async fn pair_bluetooth_device(
        &self,
        details: BluetoothPairingDetails,
    ) -> Result<BluetoothPairingResponse, Error> {
        if details.pairing_kind == PairingKind::ConfirmPin && details.pin.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "confirmPin pairing for device '{}' has no pin to confirm",
                    details.device_id
                ),
            ));
        }
        let Some(h) = self.handlers().bluetooth.clone() else {
            return Ok(BluetoothPairingResponse::default());
        };
        let kind = details.pairing_kind;
        let device_id = details.device_id.clone();
        let mut response = h(details).await;
        if kind == PairingKind::ProvidePin {
            if response.confirmed && response.pin.as_deref().is_none_or(str::is_empty) {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "providePin pairing for device '{device_id}' was confirmed without a pin"
                    ),
                ));
            }
        } else {
            response.pin = None;
        }
        if !response.confirmed {
            response.pin = None;
        }
        Ok(response)
    }

    /// Whether `origin` may use `device`: the device permission handler when one is set
    /// (DEV-09), otherwise the grants made through the choosers.
    ///
    /// Example: see [`DevicePermissionDetails`].
    pub async fn check_device_permission(
        &self,
        origin: &str,
        device: &Device,
    ) -> Result<bool, Error> {
        let origin = normalize_origin(origin)?;
        let h = self.handlers().device.clone();
        match h {
            Some(h) => Ok(h(DevicePermissionDetails {
                device_type: device.device_type(),
                origin,
                device: device.clone(),
            })
            .await),
            None => Ok(self.grants().has_device(&origin, device)),
        }
    }

    /// Records that `origin` may use `device` (a chooser selection).
    ///
    /// Example: see [`DevicePermissionDetails`].
    pub fn grant_device(&self, origin: &str, device: Device) -> Result<(), Error> {
        let origin = normalize_origin(origin)?;
        self.grants().grant_device(&origin, device)
    }

    /// Removes the grant of `device` to `origin`; returns the device as it was granted.
    ///
    /// Example: see [`DevicePermissionDetails`].
    pub fn revoke_device(&self, origin: &str, device: &Device) -> Result<Option<Device>, Error> {
        let origin = normalize_origin(origin)?;
        self.grants().revoke_device(&origin, device)
    }

    /// The devices granted to `origin`, connected or not.
    ///
    /// Example: see [`DevicePermissionDetails`].
    pub fn granted_devices(&self, origin: &str) -> Result<Vec<Device>, Error> {
        let origin = normalize_origin(origin)?;
        Ok(self.grants().devices_for(&origin))
    }

    /// Drops every device grant of `origin` without revoked events (what a navigation of the
    /// granted frame does, DEV-08/15); returns the devices.
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn clear_device_grants(&self, origin: &str) -> Result<Vec<Device>, Error> {
        let origin = normalize_origin(origin)?;
        self.grants().clear_devices_for(&origin)
    }

    /// Forgets every permission and device grant (part of `clear_data`).
    ///
    /// Example: see [`Permissions::check_permission`].
    pub fn clear_grants(&self) -> Result<(), Error> {
        self.grants().clear()
    }
}
