//! The per-session grant store: permissions and devices granted to origins, in memory, and
//! optionally mirrored to a JSON file for persistent partitions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::device::{Device, TaggedDevice};
use crate::error::{Error, ErrorKind};
use crate::permission::Permission;

#[derive(Debug, Default, Serialize, Deserialize)]
struct GrantData {
    #[serde(default)]
    permissions: BTreeMap<String, BTreeSet<Permission>>,
    #[serde(default)]
    devices: BTreeMap<String, Vec<TaggedDevice>>,
}

/// Grants by origin. Kept in memory; written through to `path` after every change when set.
#[derive(Debug, Default)]
pub(crate) struct GrantStore {
    data: GrantData,
    path: Option<PathBuf>,
}

impl GrantStore {
    /// An empty store that lives in memory only.
    pub(crate) fn in_memory() -> Self {
        GrantStore::default()
    }

    /// The store kept in `path`: read now when the file exists, rewritten atomically on change.
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let data = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("Invalid grant file {}: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => GrantData::default(),
            Err(e) => {
                return Err(Error::io(
                    format!("Cannot read grant file {}", path.display()),
                    e,
                ));
            }
        };
        Ok(GrantStore {
            data,
            path: Some(path.to_path_buf()),
        })
    }

    fn save(&self) -> Result<(), Error> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let bytes = serde_json::to_vec_pretty(&self.data).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("Cannot encode grants: {e}"),
            )
        })?;
        session_base::fs::atomic_write(path, &bytes)
            .map_err(|e| Error::io(format!("Cannot write grant file {}", path.display()), e))
    }

    pub(crate) fn has_permission(&self, origin: &str, permission: Permission) -> bool {
        self.data
            .permissions
            .get(origin)
            .is_some_and(|set| set.contains(&permission))
    }

    pub(crate) fn permissions_for(&self, origin: &str) -> Vec<Permission> {
        self.data
            .permissions
            .get(origin)
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    pub(crate) fn grant_permission(
        &mut self,
        origin: &str,
        permission: Permission,
    ) -> Result<(), Error> {
        if self
            .data
            .permissions
            .entry(origin.to_string())
            .or_default()
            .insert(permission)
        {
            self.save()?;
        }
        Ok(())
    }

    pub(crate) fn revoke_permission(
        &mut self,
        origin: &str,
        permission: Permission,
    ) -> Result<bool, Error> {
        let Some(set) = self.data.permissions.get_mut(origin) else {
            return Ok(false);
        };
        let removed = set.remove(&permission);
        if set.is_empty() {
            self.data.permissions.remove(origin);
        }
        if removed {
            self.save()?;
        }
        Ok(removed)
    }

    pub(crate) fn has_device(&self, origin: &str, device: &Device) -> bool {
        self.data.devices.get(origin).is_some_and(|list| {
            list.iter()
                .any(|d| Device::from(d.clone()).same_device(device))
        })
    }

    pub(crate) fn devices_for(&self, origin: &str) -> Vec<Device> {
        self.data
            .devices
            .get(origin)
            .map(|list| list.iter().cloned().map(Device::from).collect())
            .unwrap_or_default()
    }

    pub(crate) fn grant_device(&mut self, origin: &str, device: Device) -> Result<(), Error> {
        let list = self.data.devices.entry(origin.to_string()).or_default();
        list.retain(|d| !Device::from(d.clone()).same_device(&device));
        list.push(device.into());
        self.save()
    }

    /// Removes the grant of `device` to `origin`; returns the device as it was stored.
    pub(crate) fn revoke_device(
        &mut self,
        origin: &str,
        device: &Device,
    ) -> Result<Option<Device>, Error> {
        let Some(list) = self.data.devices.get_mut(origin) else {
            return Ok(None);
        };
        let mut removed = None;
        list.retain(|d| {
            let stored = Device::from(d.clone());
            if removed.is_none() && stored.same_device(device) {
                removed = Some(stored);
                false
            } else {
                true
            }
        });
        if list.is_empty() {
            self.data.devices.remove(origin);
        }
        if removed.is_some() {
            self.save()?;
        }
        Ok(removed)
    }

    pub(crate) fn clear_devices_for(&mut self, origin: &str) -> Result<Vec<Device>, Error> {
        let removed = self.data.devices.remove(origin).unwrap_or_default();
        if !removed.is_empty() {
            self.save()?;
        }
        Ok(removed.into_iter().map(Device::from).collect())
    }

    pub(crate) fn clear(&mut self) -> Result<(), Error> {
        self.data = GrantData::default();
        self.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::SerialPort;

    fn port(id: &str) -> Device {
        Device::Serial(SerialPort {
            port_id: id.into(),
            port_name: format!("tty{id}"),
            ..SerialPort::default()
        })
    }

    #[test]
    fn grants_survive_reopening_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Permission Grants.json");
        {
            let mut store = GrantStore::open(&path).expect("opens missing file");
            store
                .grant_permission("https://a.test", Permission::Notifications)
                .expect("grants");
            store
                .grant_device("https://a.test", port("p1"))
                .expect("grants");
        }
        let store = GrantStore::open(&path).expect("reopens");
        assert!(store.has_permission("https://a.test", Permission::Notifications));
        assert!(!store.has_permission("https://b.test", Permission::Notifications));
        assert_eq!(store.devices_for("https://a.test"), vec![port("p1")]);
    }

    #[test]
    fn a_corrupt_grant_file_is_refused_by_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("grants.json");
        std::fs::write(&path, b"{not json").expect("writes");
        let err = GrantStore::open(&path).expect_err("corrupt");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("grants.json"), "{err}");
    }

    #[test]
    fn revoking_removes_exactly_one_device() {
        let mut store = GrantStore::in_memory();
        store.grant_device("o", port("1")).expect("grants");
        store.grant_device("o", port("2")).expect("grants");
        store
            .grant_device("o", port("1"))
            .expect("regrant replaces");
        assert_eq!(store.devices_for("o").len(), 2);
        assert_eq!(
            store.revoke_device("o", &port("1")).expect("revokes"),
            Some(port("1"))
        );
        assert_eq!(store.revoke_device("o", &port("1")).expect("no-op"), None);
        assert_eq!(store.devices_for("o"), vec![port("2")]);
    }
}
