//! Protocol handlers: a directory served under `app://`, a seek into a large file with Range
//! (the answer comes at once, nothing before the range is read), and a path that tries to leave
//! the directory.

use super::Demo;

pub(crate) fn seek_into_a_large_file(demo: &Demo) -> Result<(), String> {
    let dist = demo.user_data.join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    std::fs::write(dist.join("index.html"), "<h1>app</h1>\n")
        .map_err(|e| format!("cannot write index.html: {e}"))?;
    // A 4 GiB video stand-in: sparse, with a marker 3 GiB in.
    let movie = dist.join("movie.bin");
    let file = std::fs::File::create(&movie).map_err(|e| format!("cannot create movie: {e}"))?;
    file.set_len(4 << 30)
        .map_err(|e| format!("cannot size movie: {e}"))?;
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = &file;
        f.seek(SeekFrom::Start(3 << 30))
            .and_then(|_| f.write_all(b"frame@3GiB"))
            .map_err(|e| format!("cannot write movie: {e}"))?;
    }
    let serve = format!("app={}", dist.display());
    demo.say(
        "--serve-dir serves a scheme from a directory for the run: app://bundle/ is index.html",
    );
    demo.ses(&["--serve-dir", &serve, "fetch", "-i", "app://bundle/"])?;
    demo.say("seek 3 GiB into a 4 GiB file with Range: 206 with Content-Range, answered at once");
    let r = demo.ses_json(&[
        "--serve-dir",
        &serve,
        "fetch",
        "app://bundle/movie.bin",
        "-H",
        "Range: bytes=3221225472-3221225481",
        "--json",
    ])?;
    if r["status"] != 206 || r["body"] != "frame@3GiB" {
        return Err(format!("expected 206 with the marker, got {r}"));
    }
    demo.say(
        "an encoded ../ (..%2f, which the URL keeps as it is) that would leave the directory is a 404",
    );
    let r = demo.ses_json(&[
        "--serve-dir",
        &serve,
        "fetch",
        "app://bundle/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "--json",
    ])?;
    if r["status"] != 404 {
        return Err(format!("expected 404, got {r}"));
    }
    std::fs::remove_file(&movie).map_err(|e| format!("cannot remove movie: {e}"))
}
