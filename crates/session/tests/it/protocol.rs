//! Protocol handlers and privileged schemes through the facade (PROTO-*).

use session::net::protocol::{CustomScheme, Privileges};
use session::{ErrorKind, Sessions};
use session_test_support::temp_user_data;

#[test]
fn privileged_schemes_only_before_the_first_session() {
    // PROTO-39: registering privileged schemes and dropping everything is uneventful.
    let ud = temp_user_data();
    let sessions = Sessions::new(ud.path());
    let app = Privileges::new()
        .standard(true)
        .secure(true)
        .support_fetch_api(true);
    sessions
        .register_schemes_as_privileged(&[CustomScheme::new("app", app)])
        .expect("before any session");
    sessions
        .register_schemes_as_privileged(&[CustomScheme::new(
            "media",
            Privileges::new().stream(true),
        )])
        .expect("a second call adds");
    let bad = sessions
        .register_schemes_as_privileged(&[CustomScheme::new("not a scheme", app)])
        .expect_err("bad name");
    assert_eq!(bad.kind(), ErrorKind::InvalidArgument);
    assert!(bad.to_string().contains("not a scheme"), "{bad}");
    let schemes = sessions.privileged_schemes();
    assert_eq!(schemes.privileges("app"), Some(app));
    assert!(
        schemes
            .privileges("media")
            .is_some_and(|p| p.stream && !p.standard)
    );

    let _default = sessions.default_session().expect("default");
    let late = sessions
        .register_schemes_as_privileged(&[CustomScheme::new("late", app)])
        .expect_err("after the first session");
    assert!(
        late.to_string().contains("before the first session"),
        "{late}"
    );
    assert_eq!(sessions.privileged_schemes().privileges("late"), None);
}
