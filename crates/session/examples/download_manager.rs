//! A download manager: several downloads at once with progress bars (indicatif), one paused and
//! resumed, one cut off by the network and resumed after a restart of the program from the
//! partition's download journal (a range request fetches only the missing bytes).
//!
//! ```text
//! cargo run -p electron-session --example download_manager -- DIR URL...   # by hand (DIR persists)
//! cargo run -p electron-session --example download_manager -- --offline     # loopback site (CI)
//! ```

use std::path::Path;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use session::downloads::{DownloadItem, DownloadOptions, DownloadState};
use session::{Session, SessionOptions, Sessions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--offline") {
        return offline().await;
    }
    let [dir, urls @ ..] = args.as_slice() else {
        return Err("usage: download_manager DIR URL... | download_manager --offline".into());
    };
    let session = open(Path::new(dir))?;
    // Downloads interrupted in an earlier run continue first.
    let mut items: Vec<DownloadItem> = session
        .downloads()
        .into_iter()
        .filter(|d| d.state() == DownloadState::Interrupted && d.can_resume())
        .collect();
    for item in &items {
        item.resume()?;
    }
    for url in urls {
        items.push(session.download_url(url, DownloadOptions::default())?);
    }
    for (item, state) in items.iter().zip(show(&items).await) {
        println!(
            "{:?} {}",
            state,
            item.save_path().unwrap_or_default().display()
        );
    }
    Ok(())
}

/// The persistent partition under `dir`, saving into `dir/files`.
fn open(dir: &Path) -> Result<Session, Box<dyn std::error::Error>> {
    let sessions = Sessions::new(dir);
    let session = sessions.from_partition("persist:downloads", SessionOptions::default())?;
    let files = dir.join("files");
    std::fs::create_dir_all(&files)?;
    session.set_download_path(&files)?;
    Ok(session)
}

/// One bar per item (drawn only on a terminal) until every item stops; their final states.
async fn show(items: &[DownloadItem]) -> Vec<DownloadState> {
    let bars = MultiProgress::new();
    let style =
        ProgressStyle::with_template("{msg:20} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
            .map(|s| s.progress_chars("=> "))
            .ok();
    let tracked: Vec<(ProgressBar, &DownloadItem)> = items
        .iter()
        .map(|item| {
            let bar = bars.add(ProgressBar::new(item.total_bytes()));
            if let Some(style) = style.clone() {
                bar.set_style(style);
            }
            (bar, item)
        })
        .collect();
    let mut states = Vec::new();
    for (bar, item) in &tracked {
        let done = item.done();
        tokio::pin!(done);
        let state = loop {
            tokio::select! {
                state = &mut done => break state,
                _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => {
                    for (bar, item) in &tracked {
                        bar.set_length(item.total_bytes());
                        bar.set_position(item.received_bytes());
                        bar.set_message(item.filename());
                    }
                }
            }
        };
        bar.set_position(item.received_bytes());
        bar.finish();
        states.push(state);
    }
    states
}

async fn offline() -> Result<(), Box<dyn std::error::Error>> {
    use session_test_support::{HOST_RULES, TestSite, pattern_bytes};
    let site = TestSite::start();
    let dir = tempfile::tempdir()?;
    let len: u64 = 3 << 20;
    let cut: u64 = 1 << 20;
    let flaky = site.http_url("a.test", &format!("/flaky/example/{len}?seed=7&cuts={cut}"));
    let whole = site.http_url("a.test", "/bytes/1000000?seed=3");
    let slow = site.http_url("a.test", "/drip?bytes=400000&chunk=20000&delay_ms=10");

    // Run 1: three downloads; the slow one is paused and resumed; the flaky one is cut off.
    {
        let session = open(dir.path())?;
        session.net().set_host_rules(HOST_RULES.parse()?);
        let items: Vec<DownloadItem> = [&flaky, &whole, &slow]
            .into_iter()
            .map(|url| session.download_url(url, DownloadOptions::default()))
            .collect::<Result<_, _>>()?;
        items[2].pause();
        if !items[2].is_paused() {
            return Err("the slow download did not pause".into());
        }
        items[2].resume()?;
        let states = show(&items).await;
        println!("run 1: {states:?}");
        if states
            != [
                DownloadState::Interrupted,
                DownloadState::Completed,
                DownloadState::Completed,
            ]
        {
            return Err(format!("unexpected states after run 1: {states:?}").into());
        }
        if !items[0].can_resume() {
            return Err("the interrupted download cannot resume".into());
        }
    }

    // Run 2, "after a restart": a new registry finds the interrupted item in the journal.
    let session = open(dir.path())?;
    session.net().set_host_rules(HOST_RULES.parse()?);
    let interrupted: Vec<DownloadItem> = session
        .downloads()
        .into_iter()
        .filter(|d| d.state() == DownloadState::Interrupted)
        .collect();
    if interrupted.len() != 1 {
        return Err(format!(
            "{} interrupted downloads in the journal, expected 1",
            interrupted.len()
        )
        .into());
    }
    let received = interrupted[0].received_bytes();
    interrupted[0].resume()?;
    let states = show(&interrupted).await;
    println!("run 2: {states:?}");
    if states != [DownloadState::Completed] {
        return Err(format!("the resumed download ended {states:?}").into());
    }
    let range = site
        .requests_to(&format!("/flaky/example/{len}"))
        .last()
        .and_then(|r| r.header("range").map(String::from));
    if range.as_deref() != Some(format!("bytes={received}-").as_str()) {
        return Err(format!("the resume asked for {range:?}, expected bytes={received}-").into());
    }
    let path = interrupted[0].save_path().ok_or("no save path")?;
    if std::fs::read(&path)? != pattern_bytes(7, 0, len as usize) {
        return Err(format!("{} is not the entity", path.display()).into());
    }
    println!(
        "ok: paused and resumed, interrupted and resumed after a restart with a range request"
    );
    Ok(())
}
