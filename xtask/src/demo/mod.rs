//! `cargo xtask demo`: the loopback test site, a persistent partition under `target/demo/`,
//! and one step per capability, each running `ses` as a user would and printing what happens.
//!
//! A capability adds its step as a function in a file of its own here and one line in
//! [`STEPS`].

mod auth;
mod cache;
mod cookies;
mod devices;
mod dictionaries;
mod downloads;
mod extensions;
mod foundation;
mod net;
mod netlog;
mod protocol;
mod proxy;
mod spellcheck;
mod web_request;

use crate::{cargo, root};
use session_test_support::{HOST_RULES, TestSite};
use std::path::PathBuf;
use std::process::Command;

/// A step: its title and what it runs.
type Step = (&'static str, fn(&Demo) -> Result<(), String>);

/// Every step, in order.
const STEPS: &[Step] = &[
    ("partitions", foundation::partitions),
    ("devices", devices::serial_chooser),
    ("net", net::fetch),
    ("proxy", proxy::resolve_and_fetch),
    ("auth", auth::digest_login),
    ("netlog", netlog::netlog_and_har),
    ("protocol", protocol::seek_into_a_large_file),
    ("webRequest", web_request::block_and_set_header),
    ("extensions", extensions::dnr_blocks_a_tracker),
    ("cookies", cookies::login_survives_restart),
    ("cache", cache::disk_cache_and_revalidation),
    ("dictionaries", dictionaries::delta_of_the_next_version),
    ("downloads", downloads::interrupted_and_resumed),
    ("spellcheck", spellcheck::download_check_and_add_a_word),
];

/// What a step works with.
pub(crate) struct Demo {
    ses: PathBuf,
    /// The demo's `user_data` root (fresh at each run).
    pub(crate) user_data: PathBuf,
    /// The loopback test site.
    pub(crate) site: TestSite,
    ca_file: PathBuf,
}

impl Demo {
    /// Runs `ses --user-data D --host-rules R --ca-file CA <args>`, prints the command line and
    /// its output, and returns stdout; a failing command is an error carrying its stderr.
    pub(crate) fn ses(&self, args: &[&str]) -> Result<String, String> {
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                if a.is_empty() || a.contains(' ') {
                    format!("'{a}'")
                } else {
                    (*a).to_owned()
                }
            })
            .collect();
        println!("$ ses {}", shown.join(" "));
        let out = Command::new(&self.ses)
            .arg("--user-data")
            .arg(&self.user_data)
            .args(["--host-rules", HOST_RULES, "--ca-file"])
            .arg(&self.ca_file)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.ses.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        for line in stdout.lines().take(40) {
            println!("  {line}");
        }
        if !out.status.success() {
            return Err(format!(
                "ses {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(stdout)
    }

    /// Runs `ses` and parses its `--json` output.
    pub(crate) fn ses_json(&self, args: &[&str]) -> Result<serde_json::Value, String> {
        let out = self.ses(args)?;
        serde_json::from_str(&out)
            .map_err(|e| format!("ses {} printed no JSON: {e}", args.join(" ")))
    }

    /// The value of request header `name` as the test site's `/echo` saw it, from the output
    /// of `ses --json fetch .../echo`.
    pub(crate) fn echoed_header(
        out: &serde_json::Value,
        name: &str,
    ) -> Result<Option<String>, String> {
        let body: serde_json::Value = serde_json::from_str(out["body"].as_str().unwrap_or(""))
            .map_err(|e| format!("the echo is not JSON: {e}"))?;
        Ok(body["headers"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|pair| {
                pair[0]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    .then(|| pair[1].as_str().unwrap_or("").to_owned())
            }))
    }

    /// Prints a line of explanation.
    pub(crate) fn say(&self, text: &str) {
        println!("# {text}");
    }
}

pub(crate) fn run() -> Result<(), String> {
    cargo(&["build", "--quiet", "-p", "session-cli"])?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let ses = target
        .join("debug")
        .join(format!("ses{}", std::env::consts::EXE_SUFFIX));
    let demo_dir = root().join("target/demo");
    let user_data = demo_dir.join("user-data");
    let _ = std::fs::remove_dir_all(&user_data);
    std::fs::create_dir_all(&demo_dir)
        .map_err(|e| format!("cannot create {}: {e}", demo_dir.display()))?;
    let site = TestSite::start();
    let ca_file = demo_dir.join("test-ca.pem");
    std::fs::write(&ca_file, site.ca_pem()).map_err(|e| format!("cannot write the CA: {e}"))?;
    let demo = Demo {
        ses,
        user_data,
        site,
        ca_file,
    };
    println!(
        "test site: http://*.test:{} and https://*.test:{} (host rules {HOST_RULES:?})\nuser data: {}\n",
        demo.site.http_port(),
        demo.site.https_port(),
        demo.user_data.display()
    );
    for (title, step) in STEPS {
        println!("== {title} ==");
        step(&demo)?;
        println!();
    }
    println!("demo finished: every step ran");
    Ok(())
}
