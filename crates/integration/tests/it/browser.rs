//! The web console in a real browser: headless Chromium driven by Playwright
//! (`tests/browser/console.mjs`) signs in, creates an app, issues and revokes a certificate
//! (checked with curl against the gateway), changes the QPM, creates an identity-verification
//! client and completes a request in the simulator page, reads an app's Toss Login key, logs a
//! new sandbox user in to the app in the Toss-app simulator (the code exchanged and login-me
//! decrypted with curl and node), unlinks it, adds and removes injected faults, then signs out.
//! Screenshots of every page go to `<target>/browser-artifacts/`.
//!
//! Needs node, `/usr/bin/chromium` (Debian's `chromium`) and `npm ci` in `tests/browser`;
//! skipped when one is missing unless INTOSS_REQUIRE_BROWSER=1 (scripts/test sets it).

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const TIMEOUT: Duration = Duration::from_secs(180);

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Whether node, Chromium and playwright-core are installed. A missing one skips the test, or
/// fails it under INTOSS_REQUIRE_BROWSER=1.
fn browser_available() -> bool {
    let mut missing = Vec::new();
    if !have("node") {
        missing.push("node".to_owned());
    }
    if !Path::new(CHROMIUM).is_file() {
        missing.push(format!("{CHROMIUM} (apt-get install chromium)"));
    }
    let pw = browser_dir().join("node_modules/playwright-core");
    if !pw.is_dir() {
        missing.push(format!("{} (npm ci in {})", pw.display(), browser_dir().display()));
    }
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("INTOSS_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "the browser test needs {} (INTOSS_REQUIRE_BROWSER=1)",
        missing.join(", ")
    );
    eprintln!("skipping: the browser test needs {}", missing.join(", "));
    false
}

/// `<target>/browser-artifacts`, emptied: CARGO_TARGET_DIR, else the target dir of the binary.
fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| {
        // <target>/<profile>/intoss
        bin().parent().and_then(Path::parent).map(Path::to_owned).unwrap_or_else(|| PathBuf::from("target"))
    });
    let dir = target.join("browser-artifacts");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn console_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let s = Server::start();
    let data = s.data_dir();
    let token = std::fs::read_to_string(data.join("admin-token")).unwrap().trim().to_owned();
    let artifacts = artifacts_dir();
    let out_path = s.dir.path().join("browser.stdout");
    let err_path = s.dir.path().join("browser.stderr");
    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(browser_dir().join("console.mjs"))
        .current_dir(browser_dir())
        .env("CONSOLE_URL", format!("https://{}", s.endpoints.console))
        .env("GATEWAY", s.endpoints.gateway.to_string())
        .env("CERT_URL", format!("https://{}", s.endpoints.cert))
        .env("ADMIN_TOKEN", &token)
        .env("CA_PEM", data.join("ca.pem"))
        .env("IDV_PUBLIC_KEY", data.join("idv-public-key.pem"))
        .env("ARTIFACTS", &artifacts)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        // Its own process group: a timeout kills node and the Chromium it started.
        .process_group(0)
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let report = || {
        format!(
            "--- browser script stdout:\n{stdout}\n--- stderr:\n{stderr}\n--- screenshots: {}\n--- server log:\n{}",
            artifacts.display(),
            s.log()
        )
    };
    match status {
        None => panic!("the browser script did not finish within {TIMEOUT:?}\n{}", report()),
        Some(st) => assert!(st.success(), "the browser script failed ({st})\n{}", report()),
    }
    let summary = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_default();
    let v: serde_json::Value =
        serde_json::from_str(summary).unwrap_or_else(|e| panic!("no JSON summary line ({e})\n{}", report()));
    assert_eq!(v["ok"], true, "{}", report());
    for shot in v["screenshots"].as_array().unwrap() {
        let path = artifacts.join(shot.as_str().unwrap());
        assert!(path.is_file(), "{} missing\n{}", path.display(), report());
    }
    eprintln!(
        "{stdout}browser test passed in {:.1?}; screenshots in {}",
        started.elapsed(),
        artifacts.display()
    );
}
