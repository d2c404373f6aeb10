//! Raw bytes from a server through the whole HTTP/1.1 client: the response head (status line,
//! header block, limits), framing (Content-Length, chunked, close-delimited), content decoding
//! (gzip, deflate, br, zstd with the decompression limits), redirects, and the net log and HAR
//! writers fed whatever headers came back.
#![no_main]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use session_net::netlog::{CaptureMode, NetLogOptions, har_from_net_log};
use session_net::{Limits, Net, NetConfig, RequestBody};

/// What the loopback server answers with on the next connection.
static ANSWER: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct World {
    rt: tokio::runtime::Runtime,
    net: Net,
    addr: SocketAddr,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                // Read the request head, then answer with the input and close.
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = ANSWER.lock().expect("answer lock").clone();
                let _ = stream.write_all(&answer);
            }
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut config = NetConfig::default();
        let mut limits = Limits::default();
        limits.decompression_floor = 1024 * 1024;
        config.limits = limits;
        let net = rt.block_on(async { Net::new(config) }).expect("net");
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("netlog.json");
        World { rt, net, addr, log, _dir: dir }
    })
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    *ANSWER.lock().expect("answer lock") = data.to_vec();
    let url = format!("http://{}/fuzz", w.addr);
    w.rt.block_on(async {
        let netlog = w.net.net_log();
        netlog
            .start_logging(&w.log, NetLogOptions::new().capture_mode(CaptureMode::Everything))
            .expect("start net log");
        let request = session_net::new_request(http::Method::GET, &url, RequestBody::empty())
            .expect("request");
        // Redirects lead back to the same server, which answers the same bytes: the redirect
        // limit ends such a loop.
        let mut size = None;
        if let Ok(response) = w.net.fetch(request).await {
            let _ = response.raw_headers();
            let _ = response.set_cookies();
            if let Ok(body) = response.bytes().await {
                size = Some(body.len() as u64);
            }
        }
        let path = netlog.stop_logging().expect("stop net log");
        let text = std::fs::read(&path).expect("read net log");
        let log: serde_json::Value = serde_json::from_slice(&text).expect("the net log is JSON");
        har_from_net_log(&log, size).expect("a finished net log converts to HAR");
    });
});
