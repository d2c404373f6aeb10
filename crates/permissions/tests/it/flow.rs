use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_permissions::details::{
    FileAccessType, FilesystemPermissionRequest, MediaAccessPermissionRequest, MediaType,
    PermissionRequest,
};
use session_permissions::{
    ErrorKind, Permission, PermissionCheckDetails, PermissionCheckInfo, PermissionPolicy,
    PermissionRequestInfo, Permissions, PermissionsOptions, RequestDetails, handler,
};

fn main_frame(url: &str) -> RequestDetails {
    RequestDetails::Basic(PermissionRequest {
        requesting_url: url.into(),
        is_main_frame: true,
    })
}

#[test]
fn permissions_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Permissions>();
    assert_send_sync::<session_permissions::Error>();
}

// PERM-01
#[tokio::test]
async fn clearing_the_request_handler_denies_the_pending_request() {
    let p = Permissions::default();
    let (entered_tx, entered_rx) = tokio::sync::oneshot::channel::<()>();
    let entered_tx = Arc::new(std::sync::Mutex::new(Some(entered_tx)));
    p.set_permission_check_handler(Some(handler(|_: PermissionCheckInfo| async { false })));
    p.set_permission_request_handler(Some(handler(move |_: PermissionRequestInfo| {
        let entered = entered_tx.lock().expect("lock").take();
        async move {
            if let Some(tx) = entered {
                let _ = tx.send(());
            }
            // Never answers: the user never clicks.
            std::future::pending::<bool>().await
        }
    })));
    let pending = tokio::spawn({
        let p = p.clone();
        async move {
            p.request_permission(
                Permission::Media,
                "https://a.test",
                main_frame("https://a.test/"),
            )
            .await
        }
    });
    entered_rx.await.expect("handler was called");
    p.set_permission_request_handler(None);
    let granted = pending.await.expect("task").expect("valid origin");
    assert!(!granted, "a cleared handler's pending request is denied");
}

#[tokio::test]
async fn replacing_the_request_handler_leaves_the_pending_request_to_the_old_one() {
    let p = Permissions::in_memory(PermissionPolicy::DenyByDefault);
    let (answer_tx, answer_rx) = tokio::sync::oneshot::channel::<bool>();
    let answer_rx = Arc::new(tokio::sync::Mutex::new(Some(answer_rx)));
    let (entered_tx, entered_rx) = tokio::sync::oneshot::channel::<()>();
    let entered_tx = Arc::new(std::sync::Mutex::new(Some(entered_tx)));
    p.set_permission_request_handler(Some(handler(move |_: PermissionRequestInfo| {
        let rx = answer_rx.clone();
        let entered = entered_tx.lock().expect("lock").take();
        async move {
            if let Some(tx) = entered {
                let _ = tx.send(());
            }
            let rx = rx.lock().await.take().expect("one request");
            rx.await.unwrap_or(false)
        }
    })));
    let pending = tokio::spawn({
        let p = p.clone();
        async move {
            p.request_permission(
                Permission::Midi,
                "https://a.test",
                main_frame("https://a.test/"),
            )
            .await
        }
    });
    entered_rx.await.expect("handler was called");
    p.set_permission_request_handler(Some(handler(|_: PermissionRequestInfo| async { false })));
    answer_tx.send(true).expect("still waiting");
    assert!(pending.await.expect("task").expect("valid origin"));
}

// PERM-02
#[tokio::test]
async fn the_request_handler_grants_and_denies() {
    let p = Permissions::default();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    p.set_permission_request_handler(Some(handler(move |req: PermissionRequestInfo| {
        log.lock().expect("lock").push(req.clone());
        async move { req.permission == Permission::Media }
    })));
    let media = RequestDetails::Media(MediaAccessPermissionRequest {
        base: PermissionRequest {
            requesting_url: "https://a.test/page".into(),
            is_main_frame: true,
        },
        security_origin: Some("https://a.test".into()),
        media_types: Some(vec![MediaType::Video]),
    });
    assert!(
        p.request_permission(Permission::Media, "https://a.test/page", media.clone())
            .await
            .expect("valid")
    );
    assert!(
        !p.request_permission(
            Permission::Geolocation,
            "https://a.test",
            main_frame("https://a.test/")
        )
        .await
        .expect("valid")
    );
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].requesting_origin, "https://a.test");
    assert_eq!(seen[0].details, media);
}

// PERM-03, PERM-04, PERM-05
#[tokio::test]
async fn the_check_handler_sees_electrons_details() {
    let p = Permissions::default();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    p.set_permission_check_handler(Some(handler(move |info: PermissionCheckInfo| {
        log.lock().expect("lock").push(info.clone());
        async move { info.details.is_main_frame }
    })));
    // PERM-03: a main frame checks clipboard-read.
    let main = PermissionCheckDetails {
        requesting_url: Some("https://a.test/clip".into()),
        is_main_frame: true,
        ..Default::default()
    };
    assert!(
        p.check_permission(Permission::ClipboardRead, "https://a.test", main)
            .await
            .expect("valid")
    );
    // PERM-04 / PERM-05: a cross-origin subframe checks media.
    let sub = PermissionCheckDetails {
        embedding_origin: Some("file:///".into()),
        security_origin: Some("https://myfakesite/".into()),
        media_type: Some(MediaType::Video),
        requesting_url: Some("https://myfakesite/".into()),
        is_main_frame: false,
        ..Default::default()
    };
    assert!(
        !p.check_permission(Permission::Media, "https://myfakesite/", sub.clone())
            .await
            .expect("valid")
    );
    let seen = seen.lock().expect("lock");
    assert_eq!(
        seen[0].details.requesting_url.as_deref(),
        Some("https://a.test/clip")
    );
    assert_eq!(seen[1].requesting_origin, "https://myfakesite");
    assert_eq!(seen[1].details, sub);
    let json = serde_json::to_value(&seen[1].details).expect("serializes");
    assert_eq!(json["embeddingOrigin"], "file:///");
    assert_eq!(json["isMainFrame"], false);
    assert_eq!(json["mediaType"], "video");
}

// PERM-08
#[tokio::test]
async fn without_handlers_electron_grants_all_but_sync_clipboard_read() {
    let p = Permissions::default();
    for perm in [
        Permission::WindowManagement,
        Permission::ClipboardRead,
        Permission::ClipboardSanitizedWrite,
    ] {
        assert!(
            p.check_permission(perm, "https://a.test", PermissionCheckDetails::default())
                .await
                .expect("valid")
        );
        assert!(
            p.request_permission(perm, "https://a.test", RequestDetails::default())
                .await
                .expect("valid")
        );
    }
    let sync = Permission::DeprecatedSyncClipboardRead;
    assert!(
        !p.check_permission(sync, "https://a.test", PermissionCheckDetails::default())
            .await
            .expect("valid")
    );
    p.set_permission_check_handler(Some(handler(|_: PermissionCheckInfo| async { true })));
    assert!(
        p.check_permission(sync, "https://a.test", PermissionCheckDetails::default())
            .await
            .expect("valid")
    );
    // PERM-11: None restores the default (there is no non-function value to pass).
    p.set_permission_check_handler(None);
    assert!(
        !p.check_permission(sync, "https://a.test", PermissionCheckDetails::default())
            .await
            .expect("valid")
    );
}

// PERM-09
#[tokio::test]
async fn storage_access_checks_and_requests_map_to_the_handlers() {
    let p = Permissions::default();
    p.set_permission_check_handler(Some(handler(|i: PermissionCheckInfo| async move {
        i.permission == Permission::StorageAccess
    })));
    p.set_permission_request_handler(Some(handler(|i: PermissionRequestInfo| async move {
        i.permission == Permission::TopLevelStorageAccess
    })));
    let d = PermissionCheckDetails::default;
    assert!(
        p.check_permission(Permission::StorageAccess, "https://a.test", d())
            .await
            .expect("ok")
    );
    assert!(
        !p.check_permission(Permission::TopLevelStorageAccess, "https://a.test", d())
            .await
            .expect("ok")
    );
    // The request is checked first (denied), then granted by the request handler.
    assert!(
        p.request_permission(
            Permission::TopLevelStorageAccess,
            "https://a.test",
            RequestDetails::default()
        )
        .await
        .expect("ok")
    );
}

#[tokio::test]
async fn a_granting_check_answers_the_request_without_asking() {
    let p = Permissions::in_memory(PermissionPolicy::DenyByDefault);
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    p.set_permission_check_handler(Some(handler(|_: PermissionCheckInfo| async { true })));
    p.set_permission_request_handler(Some(handler(move |_: PermissionRequestInfo| {
        count.fetch_add(1, Ordering::SeqCst);
        async { false }
    })));
    assert!(
        p.request_permission(
            Permission::Notifications,
            "https://a.test",
            RequestDetails::default()
        )
        .await
        .expect("ok")
    );
    assert_eq!(asked.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn deny_by_default_denies_everything_unhandled() {
    let p = Permissions::in_memory(PermissionPolicy::DenyByDefault);
    for &perm in Permission::ALL {
        assert!(
            !p.check_permission(perm, "https://a.test", PermissionCheckDetails::default())
                .await
                .expect("ok"),
            "{perm} checked"
        );
        assert!(
            !p.request_permission(perm, "https://a.test", RequestDetails::default())
                .await
                .expect("ok"),
            "{perm} requested"
        );
    }
    p.grant_permission("https://a.test", Permission::Geolocation)
        .expect("grants");
    assert!(
        p.check_permission(
            Permission::Geolocation,
            "https://a.test:443/",
            PermissionCheckDetails::default()
        )
        .await
        .expect("ok")
    );
    assert!(
        !p.check_permission(
            Permission::Geolocation,
            "https://b.test",
            PermissionCheckDetails::default()
        )
        .await
        .expect("ok")
    );
    assert!(
        p.revoke_permission("https://a.test", Permission::Geolocation)
            .expect("ok")
    );
    assert!(
        !p.check_permission(
            Permission::Geolocation,
            "https://a.test",
            PermissionCheckDetails::default()
        )
        .await
        .expect("ok")
    );
}

#[tokio::test]
async fn remembered_request_grants_answer_later_checks() {
    let p = Permissions::new(PermissionsOptions {
        policy: PermissionPolicy::DenyByDefault,
        remember_request_grants: true,
        ..Default::default()
    })
    .expect("in memory");
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    p.set_permission_request_handler(Some(handler(move |_: PermissionRequestInfo| {
        count.fetch_add(1, Ordering::SeqCst);
        async { true }
    })));
    for _ in 0..2 {
        assert!(
            p.request_permission(
                Permission::Notifications,
                "https://a.test",
                RequestDetails::default()
            )
            .await
            .expect("ok")
        );
    }
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the second request is answered by the grant"
    );
    assert!(
        p.check_permission(
            Permission::Notifications,
            "https://a.test",
            PermissionCheckDetails::default()
        )
        .await
        .expect("ok")
    );
    assert_eq!(
        p.granted_permissions("https://a.test").expect("ok"),
        vec![Permission::Notifications]
    );
}

// PERM-07: granted file permissions persist within the session.
#[tokio::test]
async fn file_system_grants_persist_within_the_session() {
    let p = Permissions::in_memory(PermissionPolicy::DenyByDefault);
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    p.set_permission_request_handler(Some(handler(move |i: PermissionRequestInfo| {
        count.fetch_add(1, Ordering::SeqCst);
        let writable = matches!(
            &i.details,
            RequestDetails::FileSystem(f) if f.file_access_type == Some(FileAccessType::Writable)
        );
        async move { writable }
    })));
    let details = RequestDetails::FileSystem(FilesystemPermissionRequest {
        base: PermissionRequest {
            requesting_url: "https://a.test/".into(),
            is_main_frame: true,
        },
        file_path: Some("/tmp/f".into()),
        is_directory: Some(false),
        file_access_type: Some(FileAccessType::Writable),
    });
    assert!(
        p.request_permission(Permission::FileSystem, "https://a.test", details.clone())
            .await
            .expect("ok")
    );
    assert!(
        p.request_permission(Permission::FileSystem, "https://a.test", details)
            .await
            .expect("ok")
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(
        p.check_permission(
            Permission::FileSystem,
            "https://a.test",
            PermissionCheckDetails::default()
        )
        .await
        .expect("ok")
    );
}

#[tokio::test]
async fn grants_persist_to_the_grant_file_when_enabled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("Permission Grants.json");
    let open = || {
        Permissions::new(PermissionsOptions {
            policy: PermissionPolicy::DenyByDefault,
            grants_file: Some(file.clone()),
            ..Default::default()
        })
        .expect("opens")
    };
    open()
        .grant_permission("https://a.test", Permission::Midi)
        .expect("grants");
    let again = open();
    assert!(
        again
            .check_permission(
                Permission::Midi,
                "https://a.test",
                PermissionCheckDetails::default()
            )
            .await
            .expect("ok")
    );
    again.clear_grants().expect("clears");
    assert!(
        open()
            .granted_permissions("https://a.test")
            .expect("ok")
            .is_empty()
    );
}

#[tokio::test]
async fn a_bad_origin_is_refused_by_name() {
    let p = Permissions::default();
    let err = p
        .check_permission(
            Permission::Midi,
            "not an origin",
            PermissionCheckDetails::default(),
        )
        .await
        .expect_err("bad origin");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("'not an origin'"), "{err}");
}

// PERM-07
#[tokio::test]
async fn file_system_queries_check_readable_then_writable() {
    use session_permissions::details::{FileSystemAccessMode, FileSystemQuery};
    let p = Permissions::default();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    p.set_permission_check_handler(Some(handler(move |i: PermissionCheckInfo| {
        log.lock().expect("lock").push(i.details.clone());
        // Reading is allowed, writing only under /tmp/ok.
        let ok = i.details.file_access_type == Some(FileAccessType::Readable)
            || i.details.file_path.as_deref() == Some("/tmp/ok");
        async move { ok }
    })));
    let query = |path: &str, is_directory, mode| FileSystemQuery {
        file_path: path.into(),
        is_directory,
        mode,
    };
    assert!(
        !p.query_file_system_permission(
            "https://a.test",
            query("/tmp/f", false, FileSystemAccessMode::ReadWrite)
        )
        .await
        .expect("ok"),
        "write denied"
    );
    {
        let seen = seen.lock().expect("lock");
        assert_eq!(
            seen.len(),
            2,
            "the check handler is called twice for readwrite"
        );
        assert_eq!(seen[0].file_access_type, Some(FileAccessType::Readable));
        assert_eq!(seen[1].file_access_type, Some(FileAccessType::Writable));
        assert!(!seen[0].is_main_frame);
    }
    assert!(
        p.query_file_system_permission(
            "https://a.test",
            query("/tmp/ok", false, FileSystemAccessMode::ReadWrite)
        )
        .await
        .expect("ok")
    );
    seen.lock().expect("lock").clear();
    assert!(
        p.query_file_system_permission(
            "https://a.test",
            query("/tmp/dir", true, FileSystemAccessMode::Read)
        )
        .await
        .expect("ok")
    );
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].is_directory, Some(true));
    assert_eq!(seen[0].file_access_type, Some(FileAccessType::Readable));
}

#[tokio::test]
async fn permission_status_is_tri_state() {
    use session_permissions::PermissionStatus;
    let p = Permissions::in_memory(PermissionPolicy::DenyByDefault);
    let status = |p: &Permissions| {
        let p = p.clone();
        async move {
            p.permission_status(
                Permission::Notifications,
                "https://a.test",
                PermissionCheckDetails::default(),
            )
            .await
            .expect("valid origin")
        }
    };
    assert_eq!(status(&p).await, PermissionStatus::Denied);
    p.set_permission_request_handler(Some(handler(|_: PermissionRequestInfo| async { true })));
    assert_eq!(status(&p).await, PermissionStatus::Prompt);
    p.grant_permission("https://a.test", Permission::Notifications)
        .expect("grants");
    assert_eq!(status(&p).await, PermissionStatus::Granted);
    let electron = Permissions::default();
    assert_eq!(status(&electron).await, PermissionStatus::Granted);
    electron.set_permission_check_handler(Some(handler(|_: PermissionCheckInfo| async { false })));
    assert_eq!(status(&electron).await, PermissionStatus::Prompt);
    let json = serde_json::to_value(PermissionStatus::Prompt).expect("serializes");
    assert_eq!(json, "prompt");
}
