//! Hostile servers (`session_test_support::hostile`, the same ones the facade's tests use):
//! each case is fetched by a child process (this binary, `child-hostile`) through an
//! in-memory session with a 5 s request deadline; the child prints how the fetch ended and its
//! peak resident set. The check: every case ends as expected (a `net::ERR_*`, or the declared
//! bytes of a body longer than its `Content-Length`) within the deadline, and the child's peak
//! RSS stays under a bound.

use std::time::Duration;

use session::{SessionOptions, Sessions};
use session_test_support::hostile::Hostile;
use session_test_support::{TestPki, TestSite};

use crate::Section;
use crate::common::{line_value, mib, run_child, site_session, status_kib, write_ca};

/// A child whose peak RSS passes this has not kept the attack in memory.
const BOUND_KIB: u64 = 128 << 10;

/// What each case must end in.
fn expected(case: Hostile) -> &'static str {
    match case {
        Hostile::SlowHeaders | Hostile::EndlessChunked => "net::ERR_TIMED_OUT",
        Hostile::H2SettingsFlood | Hostile::H2PingFlood => "net::ERR_TIMED_OUT",
        Hostile::EndlessHeaders | Hostile::ManySetCookies | Hostile::HugeCookie => {
            "net::ERR_RESPONSE_HEADERS_TOO_BIG"
        }
        Hostile::ShortBody => "net::ERR_CONTENT_LENGTH_MISMATCH",
        Hostile::LongBody => "ok 5",
        Hostile::RedirectLoop => "net::ERR_TOO_MANY_REDIRECTS",
        Hostile::BombGzip
        | Hostile::BombDeflate
        | Hostile::BombBr
        | Hostile::BombZstd
        | Hostile::ZstdHugeWindow => "net::ERR_CONTENT_DECODING_FAILED",
        Hostile::H2RapidReset | Hostile::H2EndlessContinuation => "net::ERR_HTTP2_PROTOCOL_ERROR",
    }
}

/// Child: fetches `url` (5 s deadline) and prints `RESULT ...` and `HWM KiB`.
pub(crate) fn child_hostile(args: &[String]) -> Result<(), String> {
    let [url, ca] = args else {
        return Err("child-hostile URL CA".to_owned());
    };
    let ca = std::fs::read(ca).map_err(|e| format!("read {ca}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = runtime.block_on(async {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let sessions = Sessions::new(dir.path());
        let s = site_session(&sessions, "hostile", SessionOptions::default(), &ca)?;
        let mut r = match s.get(url).timeout(Duration::from_secs(5)).send().await {
            Ok(r) => r,
            Err(e) => return Ok::<_, String>(e.kind().name().to_owned()),
        };
        // The body is read a chunk at a time and dropped, as a page or a download does.
        let mut len = 0;
        loop {
            match r.chunk().await {
                Ok(Some(c)) => len += c.len(),
                Ok(None) => return Ok(format!("ok {len}")),
                Err(e) => return Ok(e.kind().name().to_owned()),
            }
        }
    })?;
    println!("RESULT {result}");
    println!("HWM {}", status_kib("VmHWM"));
    Ok(())
}

/// The hostile servers section.
pub(crate) fn hostile() -> Result<Section, String> {
    let pki = TestPki::generate();
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let ca = write_ca(dir.path(), pki.ca_pem())?;
    let mut rows = Vec::new();
    let mut passed = true;
    // The baseline: the same child fetching one small page.
    let baseline = {
        let site = TestSite::start();
        let site_dir = dir.path().join("site");
        std::fs::create_dir_all(&site_dir).map_err(|e| e.to_string())?;
        let site_ca = write_ca(&site_dir, site.ca_pem())?;
        let url = site.http_url("a.test", "/bytes/1024");
        let (lines, _) = run_child(&["child-hostile", &url, &site_ca], Duration::from_secs(60))?;
        line_value(&lines, "HWM")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    for case in Hostile::ALL {
        let server = case.start(&pki);
        let url = case.url(&server);
        let (lines, ok) = run_child(&["child-hostile", &url, &ca], Duration::from_secs(60))
            .unwrap_or_else(|e| (vec![format!("RESULT {e}")], false));
        drop(server);
        let result = line_value(&lines, "RESULT")
            .unwrap_or("(no result)")
            .to_owned();
        let hwm: u64 = line_value(&lines, "HWM")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let good = ok && result == expected(case) && hwm > 0 && hwm <= BOUND_KIB;
        passed &= good;
        println!("hostile {case:?}: {result}, peak {:.1} MiB", mib(hwm));
        rows.push((case, result, hwm, good));
    }
    let mut md = String::from("## Hostile servers\n\n");
    md.push_str(&format!(
        "Each case is a server of `session_test_support::hostile` (the facade's test \
         `hostile::hostile_servers_end_in_clear_errors` runs the same servers in CI), fetched by a child process through \
         an in-memory session with a 5 s request deadline (`RequestBuilder::timeout`), reading the body a chunk at a time \
         and dropping it (as a page or a download does; `Response::bytes` on an endless body would hold what arrives \
         before the deadline). Peak RSS is the child's \
         `VmHWM`; the same child fetching one 1 KiB page peaks at {:.1} MiB. The check: the expected ending, and a peak \
         under {} MiB.\n\n",
        mib(baseline),
        BOUND_KIB >> 10
    ));
    md.push_str("| case | ends in | peak RSS (MiB) | as expected |\n|---|---|---|---|\n");
    for (case, result, hwm, good) in &rows {
        let shown = if result == "ok 5" {
            "the 5 declared bytes".to_owned()
        } else {
            format!("`{result}`")
        };
        md.push_str(&format!(
            "| {} | {shown} | {:.1} | {} |\n",
            case.describe(),
            mib(*hwm),
            if *good { "yes" } else { "**no**" }
        ));
    }
    md.push_str(
        "\nNotes: slow headers, an endless chunked body and the SETTINGS and PING floods never produce a response; \
         the request deadline ends them (Chromium has no header timeout either: the page's own cancel does). A body \
         longer than its `Content-Length` is cut at the declared length, as Chromium does. 10,000 `Set-Cookie` lines \
         exceed the 100-line header cap (`Limits::max_headers`, hyper's default) and fail the response; Chromium, \
         which caps header bytes only, would read them and keep 180 cookies for the domain.\n",
    );
    Ok(Section {
        markdown: md,
        passed,
    })
}
