//! The permissions a page can ask for, by Electron's names, and the session's default policy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, ErrorKind};

macro_rules! permissions {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// A permission, named as Electron names it in `setPermissionRequestHandler` and
        /// `setPermissionCheckHandler` (`"clipboard-read"`, `"mediaKeySystem"`, `"hid"` ...).
        ///
        /// Serializes to and parses from exactly those strings.
        ///
        /// ```
        /// use session_permissions::{Permission, PermissionPolicy};
        ///
        /// assert_eq!(Permission::Geolocation.as_str(), "geolocation");
        /// assert_eq!("notifications".parse::<Permission>().unwrap(), Permission::Notifications);
        /// assert!("telepathy".parse::<Permission>().is_err());
        /// assert_eq!(Permission::from_str_lossy("telepathy"), Permission::Unknown);
        /// assert!(Permission::ALL.iter().all(|p| p.as_str().parse::<Permission>().unwrap() == *p));
        /// // Electron grants all but one when no handler decides.
        /// assert!(Permission::Geolocation.electron_default());
        /// assert!(!Permission::DeprecatedSyncClipboardRead.electron_default());
        /// assert!(!PermissionPolicy::DenyByDefault.default_decision(Permission::Geolocation));
        /// assert!(PermissionPolicy::Electron.default_decision(Permission::Geolocation));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Permission {
            $( $(#[$doc])* $variant, )*
        }

        impl Permission {
            /// Every permission, in Electron's documentation order.
            ///
            /// Example: see [`Permission`].
            pub const ALL: &'static [Permission] = &[ $( Permission::$variant, )* ];

            /// Electron's string for this permission.
            ///
            /// Example: see [`Permission`].
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Permission::$variant => $name, )*
                }
            }
        }

        impl FromStr for Permission {
            type Err = Error;

            fn from_str(s: &str) -> Result<Self, Error> {
                match s {
                    $( $name => Ok(Permission::$variant), )*
                    _ => Err(Error::new(
                        ErrorKind::InvalidInput,
                        format!("Unknown permission: '{s}'"),
                    )),
                }
            }
        }
    };
}

permissions! {
    /// `clipboard-read`: read from the clipboard.
    ClipboardRead => "clipboard-read",
    /// `clipboard-sanitized-write`: write to the clipboard.
    ClipboardSanitizedWrite => "clipboard-sanitized-write",
    /// `display-capture`: capture the screen.
    DisplayCapture => "display-capture",
    /// `fullscreen`: control the app's fullscreen state.
    Fullscreen => "fullscreen",
    /// `geolocation`: the user's location.
    Geolocation => "geolocation",
    /// `idle-detection`: the user's idle state.
    IdleDetection => "idle-detection",
    /// `media`: camera, microphone and speakers.
    Media => "media",
    /// `mediaKeySystem`: DRM protected content.
    MediaKeySystem => "mediaKeySystem",
    /// `midi`: Web MIDI.
    Midi => "midi",
    /// `midiSysex`: system exclusive MIDI messages.
    MidiSysex => "midiSysex",
    /// `notifications`: desktop notifications.
    Notifications => "notifications",
    /// `pointerLock`: raw mouse movements.
    PointerLock => "pointerLock",
    /// `keyboardLock`: capture of keys on the physical keyboard.
    KeyboardLock => "keyboardLock",
    /// `openExternal`: open links in external applications.
    OpenExternal => "openExternal",
    /// `speaker-selection`: enumerate and select audio outputs.
    SpeakerSelection => "speaker-selection",
    /// `storage-access`: third-party cookies through the Storage Access API.
    StorageAccess => "storage-access",
    /// `top-level-storage-access`: storage access on behalf of embedded content.
    TopLevelStorageAccess => "top-level-storage-access",
    /// `window-management`: enumerate screens.
    WindowManagement => "window-management",
    /// `unknown`: a permission Electron does not recognise.
    Unknown => "unknown",
    /// `fileSystem`: the File System Access API.
    FileSystem => "fileSystem",
    /// `hid`: WebHID (check handler only).
    Hid => "hid",
    /// `serial`: Web Serial (check handler only).
    Serial => "serial",
    /// `usb`: WebUSB (check handler only).
    Usb => "usb",
    /// `deprecated-sync-clipboard-read`: `document.execCommand("paste")` (check handler only).
    DeprecatedSyncClipboardRead => "deprecated-sync-clipboard-read",
}

impl Permission {
    /// The decision Electron takes for this permission when no handler is installed (PERM-08):
    /// every permission is granted except `deprecated-sync-clipboard-read`.
    ///
    /// Example: see [`Permission`].
    pub fn electron_default(self) -> bool {
        self != Permission::DeprecatedSyncClipboardRead
    }

    /// Parses Electron's string, mapping a name this crate does not know to
    /// [`Permission::Unknown`] the way Electron reports unrecognised requests.
    ///
    /// Example: see [`Permission`].
    pub fn from_str_lossy(s: &str) -> Permission {
        s.parse().unwrap_or(Permission::Unknown)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A tri-state answer to "may this origin use this permission?", as `navigator.permissions.query`
/// reports it (`granted`, `prompt`, `denied`).
///
/// Example: see [`Permissions::check_permission`](crate::Permissions::check_permission), which
/// reads a status with `permission_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PermissionStatus {
    /// Allowed now, without asking.
    Granted,
    /// Not allowed yet; a request would be decided (by the request handler or the policy).
    Prompt,
    /// Not allowed, and a request would be denied without asking anyone.
    Denied,
}

/// What the session answers when no handler decides.
///
/// Example: see [`Permission`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PermissionPolicy {
    /// Electron's defaults (PERM-08): grant everything but `deprecated-sync-clipboard-read`.
    #[default]
    Electron,
    /// Deny every permission no handler (and no earlier grant) allows.
    DenyByDefault,
}

impl PermissionPolicy {
    /// The unhandled decision for `permission` under this policy.
    ///
    /// Example: see [`Permission`].
    pub fn default_decision(self, permission: Permission) -> bool {
        match self {
            PermissionPolicy::Electron => permission.electron_default(),
            PermissionPolicy::DenyByDefault => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_round_trips_through_its_string_and_serde() {
        for &p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().expect("parses"), p);
            let json = serde_json::to_string(&p).expect("serializes");
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            let back: Permission = serde_json::from_str(&json).expect("deserializes");
            assert_eq!(back, p);
        }
        assert_eq!(Permission::ALL.len(), 24);
    }

    #[test]
    fn unknown_names_are_refused_by_name_or_mapped_lossily() {
        let err = "camera"
            .parse::<Permission>()
            .expect_err("not a permission");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("'camera'"), "{err}");
        assert!(serde_json::from_str::<Permission>("\"camera\"").is_err());
        assert_eq!(Permission::from_str_lossy("camera"), Permission::Unknown);
        assert_eq!(
            Permission::from_str_lossy("midiSysex"),
            Permission::MidiSysex
        );
    }

    // PERM-08
    #[test]
    fn electron_default_grants_all_but_sync_clipboard_read() {
        for &p in Permission::ALL {
            assert_eq!(
                PermissionPolicy::Electron.default_decision(p),
                p != Permission::DeprecatedSyncClipboardRead
            );
            assert!(!PermissionPolicy::DenyByDefault.default_decision(p));
        }
    }
}
