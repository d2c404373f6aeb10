//! What a handler is told about a request or a check, and what it answers, shaped like
//! Electron's `details` objects (camelCase in JSON).

use serde::{Deserialize, Serialize};

use crate::permission::Permission;

/// A kind of media a page asks for.
///
/// Example: see [`RequestDetails`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MediaType {
    /// A camera.
    Video,
    /// A microphone.
    Audio,
    /// Neither (the check handler's `mediaType: 'unknown'`).
    Unknown,
}

/// How a `fileSystem` request means to use the file.
///
/// Example: see [`RequestDetails`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileAccessType {
    /// Read access.
    Readable,
    /// Write access.
    Writable,
}

/// The access a page asks about for a file-system handle (`handle.queryPermission({mode})`).
///
/// Example: see [`FileSystemQuery`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileSystemAccessMode {
    /// `read`.
    Read,
    /// `readwrite`: read and write access, checked one after the other.
    ReadWrite,
}

/// A permission query on a file-system handle, for
/// [`Permissions::query_file_system_permission`](crate::Permissions::query_file_system_permission).
///
/// ```
/// use session_permissions::details::{FileAccessType, FileSystemAccessMode, FileSystemQuery};
/// use session_permissions::{handler, Permission, PermissionCheckInfo, Permissions};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let permissions = Permissions::default();
/// // Files under /srv/notes may be read; only its drafts may be written.
/// permissions.set_permission_check_handler(Some(handler(|info: PermissionCheckInfo| async move {
///     let path = info.details.file_path.unwrap_or_default();
///     info.permission == Permission::FileSystem
///         && match info.details.file_access_type {
///             Some(FileAccessType::Readable) => path.starts_with("/srv/notes/"),
///             Some(FileAccessType::Writable) => path.starts_with("/srv/notes/drafts/"),
///             None => false,
///         }
/// })));
/// let query = |path: &str, mode| FileSystemQuery { file_path: path.into(), is_directory: false, mode };
/// let origin = "https://notes.test";
/// let read = query("/srv/notes/todo.txt", FileSystemAccessMode::Read);
/// assert!(permissions.query_file_system_permission(origin, read).await.unwrap());
/// // `readwrite` is a read check and then a write check: both must pass.
/// let write = query("/srv/notes/todo.txt", FileSystemAccessMode::ReadWrite);
/// assert!(!permissions.query_file_system_permission(origin, write).await.unwrap());
/// let draft = query("/srv/notes/drafts/idea.txt", FileSystemAccessMode::ReadWrite);
/// assert!(permissions.query_file_system_permission(origin, draft.clone()).await.unwrap());
///
/// let json = serde_json::to_value(&draft).unwrap();
/// assert_eq!(json, serde_json::json!({"filePath": "/srv/notes/drafts/idea.txt", "isDirectory": false, "mode": "readwrite"}));
/// # });
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSystemQuery {
    /// The path of the handle.
    pub file_path: String,
    /// Whether the handle is a directory.
    pub is_directory: bool,
    /// The access asked about.
    pub mode: FileSystemAccessMode,
}

/// Electron's `PermissionRequest`: the fields every request carries.
///
/// Example: see [`RequestDetails`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionRequest {
    /// The last URL the requesting frame loaded.
    pub requesting_url: String,
    /// Whether the requesting frame is the main frame.
    pub is_main_frame: bool,
}

/// Electron's `MediaAccessPermissionRequest` (a `media` request).
///
/// Example: see [`RequestDetails`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaAccessPermissionRequest {
    /// The common fields.
    #[serde(flatten)]
    pub base: PermissionRequest,
    /// The security origin of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_origin: Option<String>,
    /// The media asked for: `video`, `audio`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_types: Option<Vec<MediaType>>,
}

/// Electron's `FilesystemPermissionRequest` (a `fileSystem` request).
///
/// Example: see [`RequestDetails`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilesystemPermissionRequest {
    /// The common fields.
    #[serde(flatten)]
    pub base: PermissionRequest,
    /// The path of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    /// Whether the path is a directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_directory: Option<bool>,
    /// Read or write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_access_type: Option<FileAccessType>,
}

/// Electron's `OpenExternalPermissionRequest` (an `openExternal` request).
///
/// Example: see [`RequestDetails`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenExternalPermissionRequest {
    /// The common fields.
    #[serde(flatten)]
    pub base: PermissionRequest,
    /// The URL to open.
    #[serde(rename = "externalURL", skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
}

/// The `details` argument of the request handler: one of Electron's four shapes.
///
/// Serializes as the bare object; when read back, the shape is chosen by the fields present.
///
/// ```
/// use session_permissions::RequestDetails;
/// use session_permissions::details::MediaType;
///
/// // Electron's `details` object, shaped by the fields present.
/// let details: RequestDetails = serde_json::from_value(serde_json::json!({
///     "requestingUrl": "https://meet.test/room", "isMainFrame": true,
///     "securityOrigin": "https://meet.test", "mediaTypes": ["video", "audio"],
/// }))
/// .unwrap();
/// let RequestDetails::Media(media) = &details else { panic!("a media request") };
/// assert_eq!(media.media_types.as_deref(), Some(&[MediaType::Video, MediaType::Audio][..]));
/// assert_eq!(details.base().requesting_url, "https://meet.test/room");
/// let check = details.to_check_details(); // what the check handler is asked first
/// assert_eq!(check.security_origin.as_deref(), Some("https://meet.test"));
/// assert!(check.is_main_frame);
///
/// let open: RequestDetails = serde_json::from_value(serde_json::json!({
///     "requestingUrl": "https://a.test/", "isMainFrame": true, "externalURL": "mailto:x@a.test",
/// }))
/// .unwrap();
/// assert!(matches!(open, RequestDetails::OpenExternal(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RequestDetails {
    /// A `media` request.
    Media(MediaAccessPermissionRequest),
    /// A `fileSystem` request.
    FileSystem(FilesystemPermissionRequest),
    /// An `openExternal` request.
    OpenExternal(OpenExternalPermissionRequest),
    /// Any other request.
    Basic(PermissionRequest),
}

impl RequestDetails {
    /// The common fields.
    ///
    /// Example: see [`RequestDetails`].
    pub fn base(&self) -> &PermissionRequest {
        match self {
            RequestDetails::Media(m) => &m.base,
            RequestDetails::FileSystem(f) => &f.base,
            RequestDetails::OpenExternal(o) => &o.base,
            RequestDetails::Basic(b) => b,
        }
    }

    /// The check details that a request with these details is checked with first.
    ///
    /// Example: see [`RequestDetails`].
    pub fn to_check_details(&self) -> PermissionCheckDetails {
        let base = self.base();
        let mut check = PermissionCheckDetails {
            requesting_url: Some(base.requesting_url.clone()),
            is_main_frame: base.is_main_frame,
            ..PermissionCheckDetails::default()
        };
        match self {
            RequestDetails::Media(m) => {
                check.security_origin = m.security_origin.clone();
                check.media_type = match m.media_types.as_deref() {
                    Some([one]) => Some(*one),
                    Some([]) => Some(MediaType::Unknown),
                    _ => None,
                };
            }
            RequestDetails::FileSystem(f) => {
                check.file_path = f.file_path.clone();
                check.is_directory = f.is_directory;
                check.file_access_type = f.file_access_type;
            }
            RequestDetails::OpenExternal(_) | RequestDetails::Basic(_) => {}
        }
        check
    }
}

impl<'de> Deserialize<'de> for RequestDetails {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        let has = |key: &str| value.get(key).is_some();
        let details = if has("mediaTypes") || has("securityOrigin") {
            serde_json::from_value(value).map(RequestDetails::Media)
        } else if has("filePath") || has("isDirectory") || has("fileAccessType") {
            serde_json::from_value(value).map(RequestDetails::FileSystem)
        } else if has("externalURL") {
            serde_json::from_value(value).map(RequestDetails::OpenExternal)
        } else {
            serde_json::from_value(value).map(RequestDetails::Basic)
        };
        details.map_err(D::Error::custom)
    }
}

impl Default for RequestDetails {
    fn default() -> Self {
        RequestDetails::Basic(PermissionRequest::default())
    }
}

/// What the permission request handler is called with.
///
/// Example: see [`RequestDetails`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionRequestInfo {
    /// The permission asked for.
    pub permission: Permission,
    /// The origin of the requesting frame (`https://a.test`).
    pub requesting_origin: String,
    /// Electron's `details`.
    pub details: RequestDetails,
}

/// Electron's check-handler `details`.
///
/// Example: see [`RequestDetails`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionCheckDetails {
    /// The origin of the frame embedding a cross-origin subframe that checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding_origin: Option<String>,
    /// The security origin of a `media` check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_origin: Option<String>,
    /// The media type of a `media` check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// The last URL the checking frame loaded (absent for cross-origin subframes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requesting_url: Option<String>,
    /// Whether the checking frame is the main frame.
    pub is_main_frame: bool,
    /// The path of a `fileSystem` check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    /// Whether the `fileSystem` path is a directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_directory: Option<bool>,
    /// Read or write, for `fileSystem`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_access_type: Option<FileAccessType>,
}

/// What the permission check handler is called with.
///
/// Example: see [`Permissions::check_permission`](crate::Permissions::check_permission).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionCheckInfo {
    /// The permission checked.
    pub permission: Permission,
    /// The origin of the checking frame.
    pub requesting_origin: String,
    /// Electron's `details`.
    pub details: PermissionCheckDetails,
}

/// A `navigator.mediaDevices.getDisplayMedia` request, as the display-media handler sees it.
///
/// ```
/// use session_permissions::details::{AudioStream, VideoStream};
/// use session_permissions::{
///     DisplayMediaRequest, DisplayMediaResponse, DisplayMediaStreams, PermissionPolicy, Permissions,
///     handler,
/// };
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let permissions = Permissions::in_memory(PermissionPolicy::Electron);
/// let request = DisplayMediaRequest {
///     security_origin: "https://meet.test".into(),
///     video_requested: true,
///     audio_requested: true,
///     user_gesture: true,
/// };
/// // No handler: not supported, as in Electron.
/// assert!(permissions.request_display_media(request.clone()).await.is_err());
///
/// permissions.set_display_media_request_handler(Some(handler(|request: DisplayMediaRequest| async move {
///     assert!(request.video_requested);
///     DisplayMediaResponse::Grant(DisplayMediaStreams {
///         video: Some(VideoStream { id: "screen:0".into(), name: "Entire screen".into() }),
///         audio: Some(AudioStream::Loopback),
///         enable_local_echo: false,
///     })
/// })));
/// let streams = permissions.request_display_media(request).await.unwrap();
/// assert_eq!(streams.video.unwrap().id, "screen:0");
/// assert_eq!(streams.audio, Some(AudioStream::Loopback));
/// # });
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayMediaRequest {
    /// Origin of the page making the request.
    pub security_origin: String,
    /// Whether a video stream is asked for.
    pub video_requested: bool,
    /// Whether an audio stream is asked for.
    pub audio_requested: bool,
    /// Whether a user gesture was active.
    pub user_gesture: bool,
}

/// A video source granted to a display-media request (usually a desktop capturer source).
///
/// Example: see [`DisplayMediaRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoStream {
    /// The id of the stream.
    pub id: String,
    /// The name of the stream.
    pub name: String,
}

/// An audio source granted to a display-media request.
///
/// Example: see [`DisplayMediaRequest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum AudioStream {
    /// System audio (`loopback`).
    Loopback,
    /// System audio, muted locally (`loopbackWithMute`).
    LoopbackWithMute,
}

/// The streams a display-media handler grants (Electron's `callback(streams)`).
///
/// Example: see [`DisplayMediaRequest`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayMediaStreams {
    /// The video stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoStream>,
    /// The audio stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioStream>,
    /// Keep local playback of captured audio.
    #[serde(default)]
    pub enable_local_echo: bool,
}

/// The display-media handler's answer.
///
/// Example: see [`DisplayMediaRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisplayMediaResponse {
    /// Grant these streams.
    Grant(DisplayMediaStreams),
    /// Refuse the request (Electron's `callback({})` or no callback).
    Deny,
}

/// The kind of Bluetooth pairing prompt.
///
/// Example: see [`BluetoothPairingDetails`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PairingKind {
    /// Confirm that the device should be paired.
    Confirm,
    /// Confirm that `pin` matches the device's.
    ConfirmPin,
    /// Provide the device's PIN.
    ProvidePin,
}

/// What the Bluetooth pairing handler is called with.
///
/// ```
/// use session_permissions::details::PairingKind;
/// use session_permissions::{handler, BluetoothPairingDetails, BluetoothPairingResponse, Permissions};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let permissions = Permissions::default();
/// let prompt = |pairing_kind, pin: Option<&str>| BluetoothPairingDetails {
///     device_id: "keyboard-1".into(),
///     pairing_kind,
///     pin: pin.map(str::to_owned),
/// };
/// // With no handler, a pairing that needs an answer is cancelled.
/// let answer = permissions.pair_bluetooth_device(prompt(PairingKind::Confirm, None)).await.unwrap();
/// assert_eq!(answer, BluetoothPairingResponse { confirmed: false, pin: None });
///
/// permissions.set_bluetooth_pairing_handler(Some(handler(|d: BluetoothPairingDetails| async move {
///     match d.pairing_kind {
///         PairingKind::Confirm => BluetoothPairingResponse { confirmed: true, pin: None },
///         // The user compares the PIN on the screen with the device's.
///         PairingKind::ConfirmPin => BluetoothPairingResponse { confirmed: d.pin.as_deref() == Some("123456"), pin: None },
///         PairingKind::ProvidePin => BluetoothPairingResponse { confirmed: true, pin: Some("0000".into()) },
///     }
/// })));
/// let pair = |kind, pin| permissions.pair_bluetooth_device(prompt(kind, pin));
/// assert!(pair(PairingKind::Confirm, None).await.unwrap().confirmed);
/// assert!(pair(PairingKind::ConfirmPin, Some("123456")).await.unwrap().confirmed);
/// assert!(!pair(PairingKind::ConfirmPin, Some("999999")).await.unwrap().confirmed);
/// assert_eq!(pair(PairingKind::ProvidePin, None).await.unwrap().pin.as_deref(), Some("0000"));
/// // A `confirmPin` prompt without a PIN to confirm is refused, naming the device.
/// let e = pair(PairingKind::ConfirmPin, None).await.unwrap_err();
/// assert!(e.to_string().contains("keyboard-1"), "{e}");
///
/// // Electron's JSON.
/// let json = serde_json::to_value(prompt(PairingKind::ConfirmPin, Some("123456"))).unwrap();
/// assert_eq!(json, serde_json::json!({"deviceId": "keyboard-1", "pairingKind": "confirmPin", "pin": "123456"}));
/// # });
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BluetoothPairingDetails {
    /// The device to pair.
    pub device_id: String,
    /// The prompt.
    pub pairing_kind: PairingKind,
    /// The PIN to confirm, for `confirmPin`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
}

/// The Bluetooth pairing handler's answer.
///
/// Example: see [`BluetoothPairingDetails`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BluetoothPairingResponse {
    /// Whether the pairing is confirmed (or, for `providePin`, a PIN is provided); `false` cancels.
    pub confirmed: bool,
    /// The PIN, for `providePin`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    // PERM-06
    #[test]
    fn filesystem_request_details_serialize_like_electron() {
        let d = RequestDetails::FileSystem(FilesystemPermissionRequest {
            base: PermissionRequest {
                requesting_url: "https://a.test/".into(),
                is_main_frame: true,
            },
            file_path: Some("/tmp/x".into()),
            is_directory: Some(false),
            file_access_type: Some(FileAccessType::Writable),
        });
        let v = serde_json::to_value(&d).expect("serializes");
        assert_eq!(
            v,
            serde_json::json!({
                "fileAccessType": "writable", "isDirectory": false, "isMainFrame": true,
                "filePath": "/tmp/x", "requestingUrl": "https://a.test/"
            })
        );
        let back: RequestDetails = serde_json::from_value(v).expect("deserializes");
        assert_eq!(back, d);
    }

    #[test]
    fn media_and_open_external_details_use_electron_names() {
        let m = RequestDetails::Media(MediaAccessPermissionRequest {
            base: PermissionRequest::default(),
            security_origin: Some("https://a.test".into()),
            media_types: Some(vec![MediaType::Video, MediaType::Audio]),
        });
        let v = serde_json::to_value(&m).expect("serializes");
        assert_eq!(v["mediaTypes"], serde_json::json!(["video", "audio"]));
        assert_eq!(v["securityOrigin"], "https://a.test");
        let o = OpenExternalPermissionRequest {
            base: PermissionRequest::default(),
            external_url: Some("mailto:x@a.test".into()),
        };
        let v = serde_json::to_value(&o).expect("serializes");
        assert_eq!(v["externalURL"], "mailto:x@a.test");
    }

    #[test]
    fn check_details_follow_the_request() {
        let m = RequestDetails::Media(MediaAccessPermissionRequest {
            base: PermissionRequest {
                requesting_url: "https://a.test/p".into(),
                is_main_frame: false,
            },
            security_origin: Some("https://a.test".into()),
            media_types: Some(vec![MediaType::Audio]),
        });
        let c = m.to_check_details();
        assert_eq!(c.media_type, Some(MediaType::Audio));
        assert_eq!(c.requesting_url.as_deref(), Some("https://a.test/p"));
        assert!(!c.is_main_frame);
        let v = serde_json::to_value(&c).expect("serializes");
        assert_eq!(v["isMainFrame"], false);
        assert!(v.get("filePath").is_none());
    }
}
