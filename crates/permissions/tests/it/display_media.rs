use session_permissions::details::{AudioStream, PairingKind, VideoStream};
use session_permissions::device::UsbClass;
use session_permissions::{
    BluetoothPairingDetails, BluetoothPairingResponse, DisplayMediaRequest, DisplayMediaResponse,
    DisplayMediaStreams, ErrorKind, Permissions, handler,
};

fn request(video: bool, audio: bool) -> DisplayMediaRequest {
    DisplayMediaRequest {
        security_origin: "https://a.test".into(),
        video_requested: video,
        audio_requested: audio,
        user_gesture: true,
    }
}

#[tokio::test]
async fn display_media_without_a_handler_is_not_supported() {
    let p = Permissions::default();
    let err = p
        .request_display_media(request(true, false))
        .await
        .expect_err("no handler");
    assert_eq!(err.kind(), ErrorKind::NotSupported);
}

#[tokio::test]
async fn display_media_handler_round_trip() {
    let p = Permissions::default();
    p.set_display_media_request_handler(Some(handler(|r: DisplayMediaRequest| async move {
        if !r.user_gesture {
            return DisplayMediaResponse::Deny;
        }
        DisplayMediaResponse::Grant(DisplayMediaStreams {
            video: Some(VideoStream {
                id: "screen:0:0".into(),
                name: "Entire Screen".into(),
            }),
            audio: Some(AudioStream::Loopback),
            enable_local_echo: false,
        })
    })));
    let streams = p
        .request_display_media(request(true, true))
        .await
        .expect("granted");
    assert_eq!(
        streams.video.as_ref().map(|v| v.id.as_str()),
        Some("screen:0:0")
    );
    assert_eq!(streams.audio, Some(AudioStream::Loopback));
    // Audio that was not requested is not handed out.
    let streams = p
        .request_display_media(request(true, false))
        .await
        .expect("granted");
    assert_eq!(streams.audio, None);
    let mut no_gesture = request(true, false);
    no_gesture.user_gesture = false;
    let err = p
        .request_display_media(no_gesture)
        .await
        .expect_err("denied");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    p.set_display_media_request_handler(None);
    assert_eq!(
        p.request_display_media(request(true, false))
            .await
            .expect_err("reset")
            .kind(),
        ErrorKind::NotSupported
    );
}

#[tokio::test]
async fn display_media_grant_without_requested_video_is_invalid() {
    let p = Permissions::default();
    p.set_display_media_request_handler(Some(handler(|_: DisplayMediaRequest| async {
        DisplayMediaResponse::Grant(DisplayMediaStreams {
            audio: Some(AudioStream::LoopbackWithMute),
            ..Default::default()
        })
    })));
    let err = p
        .request_display_media(request(true, true))
        .await
        .expect_err("no video");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("Video was requested"), "{err}");
    let streams = p
        .request_display_media(request(false, true))
        .await
        .expect("audio only");
    assert_eq!(streams.audio, Some(AudioStream::LoopbackWithMute));
}

#[tokio::test]
async fn bluetooth_pairing_round_trip() {
    let p = Permissions::default();
    let confirm = BluetoothPairingDetails {
        device_id: "bt-1".into(),
        pairing_kind: PairingKind::Confirm,
        pin: None,
    };
    // No handler: the pairing is cancelled.
    assert_eq!(
        p.pair_bluetooth_device(confirm.clone()).await.expect("ok"),
        BluetoothPairingResponse::default()
    );
    p.set_bluetooth_pairing_handler(Some(handler(|d: BluetoothPairingDetails| async move {
        match d.pairing_kind {
            PairingKind::Confirm => BluetoothPairingResponse {
                confirmed: true,
                pin: None,
            },
            PairingKind::ConfirmPin => BluetoothPairingResponse {
                confirmed: d.pin.as_deref() == Some("123456"),
                pin: None,
            },
            PairingKind::ProvidePin => BluetoothPairingResponse {
                confirmed: true,
                pin: (d.device_id == "bt-pin").then(|| "0000".to_string()),
            },
        }
    })));
    assert!(
        p.pair_bluetooth_device(confirm)
            .await
            .expect("ok")
            .confirmed
    );
    let confirm_pin = |pin: &str| BluetoothPairingDetails {
        device_id: "bt-2".into(),
        pairing_kind: PairingKind::ConfirmPin,
        pin: Some(pin.into()),
    };
    assert!(
        p.pair_bluetooth_device(confirm_pin("123456"))
            .await
            .expect("ok")
            .confirmed
    );
    assert!(
        !p.pair_bluetooth_device(confirm_pin("999999"))
            .await
            .expect("ok")
            .confirmed
    );
    let provide = |id: &str| BluetoothPairingDetails {
        device_id: id.into(),
        pairing_kind: PairingKind::ProvidePin,
        pin: None,
    };
    let r = p
        .pair_bluetooth_device(provide("bt-pin"))
        .await
        .expect("ok");
    assert_eq!(r.pin.as_deref(), Some("0000"));
    let err = p
        .pair_bluetooth_device(provide("bt-nopin"))
        .await
        .expect_err("no pin");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("bt-nopin"), "{err}");
}

#[tokio::test]
async fn usb_protected_classes_default_and_handler() {
    let p = Permissions::default();
    assert_eq!(
        p.usb_protected_classes().await,
        UsbClass::DEFAULT_PROTECTED.to_vec()
    );
    p.set_usb_protected_classes_handler(Some(handler(
        |d: session_permissions::device::UsbProtectedClassesDetails| async move {
            d.protected_classes
                .into_iter()
                .filter(|c| !matches!(c, UsbClass::Audio | UsbClass::AudioVideo))
                .collect()
        },
    )));
    let classes = p.usb_protected_classes().await;
    assert!(!classes.contains(&UsbClass::Audio));
    assert!(classes.contains(&UsbClass::Hid));
    assert_eq!(classes.len(), 5);
    p.set_usb_protected_classes_handler(None);
    assert_eq!(p.usb_protected_classes().await.len(), 7);
}
