//! Permissions and devices through the facade: per-session state, policy and grant persistence.

use session::devices::device::DeviceType;
use session::permissions::{
    Permission, PermissionCheckDetails, PermissionPolicy, PermissionRequestInfo, RequestDetails,
    handler,
};
use session::{SessionOptions, Sessions};
use session_test_support::temp_user_data;

#[tokio::test]
async fn each_session_has_its_own_handlers_and_policy() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let open = sessions
        .from_partition("open", SessionOptions::default())
        .expect("opens");
    let strict = sessions
        .from_partition(
            "strict",
            SessionOptions::default().permission_policy(PermissionPolicy::DenyByDefault),
        )
        .expect("opens");
    let ask = |s: &session::Session| {
        let s = s.clone();
        async move {
            s.request_permission(
                Permission::Notifications,
                "https://a.test",
                RequestDetails::default(),
            )
            .await
            .expect("valid origin")
        }
    };
    assert!(ask(&open).await, "Electron's default grants");
    assert!(!ask(&strict).await, "deny by default");
    strict.set_permission_request_handler(Some(handler(|r: PermissionRequestInfo| async move {
        r.requesting_origin == "https://a.test"
    })));
    assert!(ask(&strict).await);
    open.set_permission_request_handler(Some(handler(|_: PermissionRequestInfo| async { false })));
    assert!(
        !ask(&open).await,
        "the other session's handler does not leak"
    );
    strict.set_permission_request_handler(None);
    assert!(!ask(&strict).await);
}

// DEV-17: grants are kept in memory unless the app opts in to persisting them.
#[tokio::test]
async fn grants_persist_only_when_the_partition_opts_in() {
    let ud = temp_user_data();
    let check = |s: &session::Session| {
        let s = s.clone();
        async move {
            s.check_permission(
                Permission::Midi,
                "https://a.test",
                PermissionCheckDetails::default(),
            )
            .await
            .expect("valid origin")
        }
    };
    let strict = || SessionOptions::default().permission_policy(PermissionPolicy::DenyByDefault);
    {
        let sessions = Sessions::new(ud.path());
        let s = sessions
            .from_partition("persist:plain", strict())
            .expect("opens");
        s.permissions()
            .grant_permission("https://a.test", Permission::Midi)
            .expect("grants");
        assert!(check(&s).await);
        let kept = sessions
            .from_partition("persist:kept", strict().persist_permission_grants(true))
            .expect("opens");
        kept.permissions()
            .grant_permission("https://a.test", Permission::Midi)
            .expect("grants");
    }
    let sessions = Sessions::new(ud.path());
    let plain = sessions
        .from_partition("persist:plain", strict())
        .expect("reopens");
    assert!(
        !check(&plain).await,
        "in-memory grants are gone after a restart"
    );
    let kept = sessions
        .from_partition("persist:kept", strict().persist_permission_grants(true))
        .expect("reopens");
    assert!(check(&kept).await, "opted-in grants survive a restart");
    assert!(
        kept.storage_path()
            .expect("persistent")
            .join("Permission Grants.json")
            .exists()
    );
}

#[tokio::test]
async fn the_session_lists_the_machines_devices() {
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("devices", SessionOptions::default())
        .expect("opens");
    for t in [DeviceType::Hid, DeviceType::Serial, DeviceType::Usb] {
        s.devices().list(t).expect("enumerates without error");
    }
    // DEV-12
    assert!(
        s.devices()
            .devices_for("https://a.test")
            .await
            .expect("ok")
            .is_empty()
    );
}

// A harness attaches in-process devices to a session; the chooser grants land in the
// session's permissions (DEV-15, DEV-16 through the facade).
#[tokio::test]
async fn a_session_chooser_grants_into_the_sessions_permissions() {
    use session::devices::device::{Device, UsbDevice};
    use session::devices::{Backends, DeviceEvent, SelectUsbDeviceDetails, VirtualBackend};
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let s = sessions
        .from_partition("usb", SessionOptions::default())
        .expect("opens");
    let usb = VirtualBackend::new(DeviceType::Usb);
    usb.add(
        "1-1",
        Device::Usb(UsbDevice {
            vendor_id: 0x2341,
            product_id: 0x43,
            device_class: 0xFF,
            product_name: Some("board".into()),
            ..UsbDevice::default()
        }),
    )
    .expect("adds");
    s.devices().set_backends(Backends {
        hid: VirtualBackend::new(DeviceType::Hid),
        serial: VirtualBackend::new(DeviceType::Serial),
        usb,
    });
    s.set_select_usb_device_handler(Some(handler(|d: SelectUsbDeviceDetails| async move {
        d.device_list.first().map(|x| x.device_id.clone())
    })));
    let chosen = s
        .devices()
        .request_usb_device("https://a.test", vec![], vec![])
        .await
        .expect("chosen");
    let granted = s
        .permissions()
        .granted_devices("https://a.test")
        .expect("ok");
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].id(), chosen.device_id);
    let mut events = s.devices().subscribe();
    s.devices()
        .forget_device("https://a.test", &chosen.device_id)
        .expect("forgets");
    assert!(matches!(
        events.recv().await.expect("event"),
        DeviceEvent::UsbDeviceRevoked(_)
    ));
    assert!(
        s.permissions()
            .granted_devices("https://a.test")
            .expect("ok")
            .is_empty()
    );
}
