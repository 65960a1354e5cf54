//! Faults the platform must survive: SIGKILL under write load, a full disk, clock jumps, an
//! upstream dying mid-response, and slowloris clients. Each test prints its figures
//! (`--nocapture`); SECURITY.md ("Faults survived") quotes them.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hyper::Method;
use intoss_client::{AdminClient, ClientError};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

// === SIGKILL during write load ===

/// What the load acknowledged: only these must survive the crash.
#[derive(Debug, Default)]
struct Acked {
    apps: Vec<String>,
    certs: Vec<String>,
    revoked: Vec<String>,
}

/// One writer: creates an app, issues it a certificate and revokes every third one, until the
/// server stops answering. Records each write whose success response arrived. A refusal (a busy
/// database under CI load) is not acknowledged and the writer goes on.
async fn writer(admin: AdminClient, w: usize, acked: Arc<std::sync::Mutex<Acked>>, stop: Arc<AtomicBool>) {
    // Ends the writer when the server is gone; skips the rest of the round on a refusal.
    macro_rules! attempt {
        ($call:expr) => {
            match $call.await {
                Ok(v) => v,
                Err(ClientError::Api(_)) => continue,
                Err(_) => return,
            }
        };
    }
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let app = format!("load-{w}-{i}");
        attempt!(admin.create_app(&CreateApp::named(&app)));
        acked.lock().unwrap().apps.push(app.clone());
        let issued = attempt!(admin.issue_cert(&app, &IssueCert::generated("p256")));
        let serial = issued.certificate.serial;
        acked.lock().unwrap().certs.push(serial.clone());
        if i % 3 == 2 {
            attempt!(admin.revoke_cert(&serial, Some("load")));
            acked.lock().unwrap().revoked.push(serial);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_write_load_loses_no_acknowledged_write() {
    let mut s = Server::start();
    let acked = Arc::new(std::sync::Mutex::new(Acked::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> =
        (0..16).map(|w| tokio::spawn(writer(s.admin(), w, acked.clone(), stop.clone()))).collect();

    // Kill while every writer is still busy: after 150 acknowledged writes.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done = {
            let a = acked.lock().unwrap();
            a.apps.len() + a.certs.len() + a.revoked.len()
        };
        if done >= 150 {
            break;
        }
        assert!(Instant::now() < deadline, "the load made too little progress");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(writers.iter().all(|w| !w.is_finished()), "every writer is mid-load at the kill");
    s.kill9();
    let at_kill = {
        let a = acked.lock().unwrap();
        (a.apps.len(), a.certs.len(), a.revoked.len())
    };
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        tokio::time::timeout(Duration::from_secs(60), w)
            .await
            .expect("writers stop once the server is gone")
            .unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    // A response can arrive in the instant between the kill and its record: count the final set.
    eprintln!(
        "acknowledged writes: {} apps, {} certificates, {} revocations ({} / {} / {} when SIGKILL was sent)",
        acked.apps.len(),
        acked.certs.len(),
        acked.revoked.len(),
        at_kill.0,
        at_kill.1,
        at_kill.2
    );

    // The database as the crash left it passes SQLite's own check (on a copy: the restart
    // must find the files untouched).
    if require("sqlite3") {
        let copy = tempfile::tempdir().unwrap();
        for f in ["intoss.db", "intoss.db-wal"] {
            let from = s.data_dir().join(f);
            if from.exists() {
                std::fs::copy(&from, copy.path().join(f)).unwrap();
            }
        }
        let out = Command::new("sqlite3")
            .arg(copy.path().join("intoss.db"))
            .arg("PRAGMA integrity_check; SELECT count(*) FROM apps;")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("ok"), "integrity_check: {text}");
        let rows: usize = lines.next().unwrap().parse().unwrap();
        assert!(rows >= acked.apps.len(), "{rows} apps in the file, {} acknowledged", acked.apps.len());
    }

    s.spawn();
    let admin = s.admin();
    let apps: BTreeSet<String> = admin.list_apps().await.unwrap().apps.into_iter().map(|a| a.name).collect();
    let certs = admin.list_certs(None).await.unwrap();
    let status: std::collections::HashMap<String, String> =
        certs.certs.into_iter().map(|c| (c.serial, c.status.as_str().to_owned())).collect();
    let lost_apps: Vec<_> = acked.apps.iter().filter(|a| !apps.contains(*a)).collect();
    let lost_certs: Vec<_> = acked.certs.iter().filter(|c| !status.contains_key(*c)).collect();
    let lost_revocations: Vec<_> =
        acked.revoked.iter().filter(|c| status.get(*c).map(String::as_str) != Some("revoked")).collect();
    assert!(
        lost_apps.is_empty() && lost_certs.is_empty() && lost_revocations.is_empty(),
        "lost after SIGKILL: apps {lost_apps:?}, certs {lost_certs:?}, revocations {lost_revocations:?}"
    );
    eprintln!(
        "after restart: {} apps and {} certificates stored (acknowledged or in flight at the kill)",
        apps.len(),
        status.len()
    );
}

// === a full disk ===

/// A tmpfs mounted for one test, unmounted (and its parent removed) on drop.
struct Tmpfs {
    mountpoint: PathBuf,
    parent: PathBuf,
}

impl Tmpfs {
    /// Mounts `size` of tmpfs at `mountpoint`; `None` (with a message) where mounting is not
    /// allowed, unless INTOSS_REQUIRE_INTEROP=1.
    fn mount(mountpoint: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(mountpoint).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(mountpoint)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Self {
                mountpoint: mountpoint.to_owned(),
                parent: mountpoint.parent().unwrap().to_owned(),
            }),
            other => {
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                    Err(e) => e.to_string(),
                };
                assert!(
                    std::env::var("INTOSS_REQUIRE_INTEROP").as_deref() != Ok("1"),
                    "mounting a tmpfs is required (INTOSS_REQUIRE_INTEROP=1): {why}"
                );
                eprintln!("skipping: cannot mount a tmpfs ({why})");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount").arg(&self.mountpoint).status().is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.mountpoint).status();
        }
        let _ = std::fs::remove_dir_all(&self.parent);
    }
}

/// A server whose data dir is a small tmpfs. Fields drop in order: the server (and its
/// process) first, then the mount.
struct OnTmpfs {
    server: Server,
    _mount: Tmpfs,
}

fn server_on_tmpfs(size: &str) -> Option<OnTmpfs> {
    let dir = tempfile::tempdir().unwrap();
    let mount = Tmpfs::mount(&dir.path().join("data"), size)?;
    let mut server = unstarted(dir, "");
    server.spawn();
    Some(OnTmpfs { server, _mount: mount })
}

/// A `Server` not yet spawned, in `dir`.
fn unstarted(dir: tempfile::TempDir, extra: &str) -> Server {
    let nowhere: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
    Server {
        child: None,
        dir,
        endpoints: intoss_proto::api::Endpoints { gateway: nowhere, cert: nowhere, console: nowhere },
        extra_config: extra.to_owned(),
    }
}

/// Fills the file system of `dir` with one file until not one more byte fits.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    for chunk in [64 * 1024, 4096, 1] {
        let buf = vec![0u8; chunk];
        while f.write_all(&buf).is_ok() {}
    }
    let _ = f.sync_all();
    path
}

/// A call bounded in time: a full disk must give an answer, not a hang.
async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), fut)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 30 s"))
}

fn api_failure<T: std::fmt::Debug>(r: Result<T, ClientError>) -> intoss_client::ApiFailure {
    match r {
        Err(ClientError::Api(f)) => *f,
        other => panic!("expected a FAIL envelope, got {other:?}"),
    }
}

/// The cert listener's one-touch request (USER_NONE): a write of one transaction.
async fn idv_request(http: &intoss_client::HttpsClient, base: &str, token: &str) -> intoss_client::Response {
    http.send(
        Method::POST,
        &format!("{base}/api/v2/sign/user/auth/request"),
        &[("authorization", &format!("Bearer {token}"))],
        Some(json!({"requestType": "USER_NONE", "requestUrl": "intoss://x"}).to_string().into_bytes()),
    )
    .await
    .unwrap()
}

/// A token for a new identity-verification client of `app`.
async fn idv_token(s: &Server, app: &str, env: &str) -> (intoss_client::HttpsClient, String, String) {
    let client: Value =
        serde_json::from_str(&s.cli_ok(&["idv", "client", "create", "--app", app, "--env", env, "--json"]))
            .unwrap();
    let base = format!("https://{}", s.endpoints.cert);
    let http = s.client(None);
    let token = idv_access_token(s, &client).await;
    (http, base, token)
}

#[tokio::test]
async fn a_full_disk_refuses_writes_cleanly_and_recovers_without_restart() {
    let Some(mut t) = server_on_tmpfs("4m") else { return };
    let s = &mut t.server;
    let admin = s.admin();
    admin.create_app(&CreateApp::named("before")).await.unwrap();
    let before_cert = admin.issue_cert("before", &IssueCert::generated("p256")).await.unwrap();
    let (http, base, token) = idv_token(s, "before", "test").await;
    let pid = s.child.as_ref().unwrap().id();

    let filler = fill(&s.data_dir());
    eprintln!("disk full: filler of {} bytes", std::fs::metadata(&filler).unwrap().len());

    // Every write gets an answer within the bound: success, or the documented refusal (503
    // SERVICE_UNAVAILABLE on the admin API, CE5000 on the cert listener). A write can still
    // succeed where SQLite reuses space its log already holds; such a write must then be kept.
    // Go on until each kind of write has been refused three times.
    let (mut apps, mut certs, mut txs) = (vec!["before".to_owned()], Vec::new(), Vec::new());
    let mut refused = [0; 3];
    let mut attempts = 0;
    while refused.iter().any(|&n| n < 3) {
        attempts += 1;
        assert!(attempts <= 100, "writes kept succeeding on a full disk: refused {refused:?}");
        let name = format!("during-{attempts}");
        match bounded("create app", admin.create_app(&CreateApp::named(&name))).await {
            Ok(_) => apps.push(name),
            r => {
                let f = api_failure(r);
                assert_eq!((f.status, f.code.as_str()), (503, "SERVICE_UNAVAILABLE"), "{f:?}");
                refused[0] += 1;
            }
        }
        match bounded("issue cert", admin.issue_cert("before", &IssueCert::generated("p256"))).await {
            Ok(v) => certs.push(v.certificate.serial),
            r => {
                let f = api_failure(r);
                assert_eq!((f.status, f.code.as_str()), (503, "SERVICE_UNAVAILABLE"), "{f:?}");
                refused[1] += 1;
            }
        }
        let r = bounded("idv request", idv_request(&http, &base, &token)).await;
        if r.status == 200 {
            txs.push(json(&r)["success"]["txId"].as_str().unwrap().to_owned());
        } else {
            assert_fail(&r, 500, "CE5000");
            refused[2] += 1;
        }
    }
    assert!(s.log().contains("database or disk is full"), "the log names the cause:\n{}", s.log());
    eprintln!(
        "full disk: {attempts} rounds of writes; refused: {} app creations, {} issuances, {} idv requests; \
         acknowledged: {} apps, {} certificates, {} transactions",
        refused[0],
        refused[1],
        refused[2],
        apps.len() - 1,
        certs.len(),
        txs.len()
    );

    // Reads work, and show exactly what was acknowledged.
    let listed = admin.list_apps().await.unwrap();
    let names: BTreeSet<&str> = listed.apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, apps.iter().map(String::as_str).collect());
    let listed = admin.list_certs(Some("before")).await.unwrap();
    let serials: BTreeSet<&str> = listed.certs.iter().map(|c| c.serial.as_str()).collect();
    let before_serial = before_cert.certificate.serial.as_str();
    assert_eq!(serials, certs.iter().map(String::as_str).chain([before_serial]).collect());

    // Space comes back: writes succeed on the same process, and nothing acknowledged is lost.
    std::fs::remove_file(&filler).unwrap();
    let log = |e: &dyn std::fmt::Debug| panic!("after freeing space: {e:?}\n--- log ---\n{}", s.log());
    if let Err(e) = bounded("create app", admin.create_app(&CreateApp::named("after"))).await {
        log(&e);
    }
    if let Err(e) = bounded("issue cert", admin.issue_cert("after", &IssueCert::generated("p256"))).await {
        log(&e);
    }
    let r = idv_request(&http, &base, &token).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(s.child.as_mut().unwrap().try_wait().unwrap().is_none(), "the server kept running");
    assert_eq!(s.child.as_ref().unwrap().id(), pid);
    for tx in &txs {
        let shown: Value = serde_json::from_str(&s.cli_ok(&["idv", "show", tx])).unwrap();
        assert_eq!(shown["status"], "REQUESTED", "{tx}");
    }
    let id = Identity::write(
        &s.dir.path().join("before-id"),
        &before_cert.cert_pem,
        before_cert.key_pem.as_deref().unwrap(),
    );
    let r = get(&s.client(Some(&id)), &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    assert_eq!(r.status, 200, "the earlier certificate still works");
}

// === clock jumps (libfaketime) ===

/// The libfaketime preload library, if installed.
pub(crate) fn libfaketime() -> Option<PathBuf> {
    let found = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("faketime/libfaketime.so.1"))
        .chain([PathBuf::from("/usr/lib/faketime/libfaketime.so.1")])
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("INTOSS_REQUIRE_INTEROP").as_deref() != Ok("1"),
            "libfaketime is required (INTOSS_REQUIRE_INTEROP=1): apt-get install faketime"
        );
        eprintln!("skipping: libfaketime is not installed (apt-get install faketime)");
    }
    found
}

/// A server whose clock is moved by writing libfaketime offsets ("+2h", "-1h", "+0") to
/// `clock`. With `monotonic`, the monotonic clock moves too; without it only the wall clock
/// does, as when NTP steps the clock.
pub(crate) struct FakeClock {
    pub(crate) file: PathBuf,
}

impl FakeClock {
    pub(crate) fn set(&self, offset: &str) {
        let tmp = self.file.with_extension("tmp");
        std::fs::write(&tmp, format!("{offset}\n")).unwrap();
        std::fs::rename(&tmp, &self.file).unwrap();
    }
}

pub(crate) fn server_with_fake_clock(extra: &str, monotonic: bool) -> Option<(Server, FakeClock)> {
    let lib = libfaketime()?;
    let mut s = unstarted(tempfile::tempdir().unwrap(), extra);
    let clock = FakeClock { file: s.dir.path().join("clock") };
    clock.set("+0");
    let mut env = vec![
        ("LD_PRELOAD", lib.display().to_string()),
        ("FAKETIME_TIMESTAMP_FILE", clock.file.display().to_string()),
        ("FAKETIME_NO_CACHE", "1".to_owned()),
    ];
    if !monotonic {
        env.push(("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()));
    }
    spawn_with_env(&mut s, &env);
    Some((s, clock))
}

/// `Server::spawn` with extra environment variables for the server process alone.
fn spawn_with_env(s: &mut Server, env: &[(&str, String)]) {
    install_provider();
    let config = format!(
        "[listen]\ngateway = \"127.0.0.1:0\"\ncert = \"127.0.0.1:0\"\nconsole = \"127.0.0.1:0\"\n{}",
        s.extra_config
    );
    let config_path = s.dir.path().join("intoss.toml");
    std::fs::write(&config_path, config).unwrap();
    let endpoints = s.data_dir().join("endpoints.json");
    let _ = std::fs::remove_file(&endpoints);
    let log = std::fs::OpenOptions::new().create(true).append(true).open(s.log_path()).unwrap();
    let child = Command::new(bin())
        .args(["serve", "--data-dir"])
        .arg(s.data_dir())
        .arg("--config")
        .arg(&config_path)
        .env("INTOSS_LOG", "info,intoss_server=debug")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    s.child = Some(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(&endpoints)
            && let Ok(ep) = serde_json::from_str(&text)
        {
            s.endpoints = ep;
            return;
        }
        if let Some(status) = s.child.as_mut().unwrap().try_wait().unwrap() {
            panic!("intoss serve exited with {status}; log:\n{}", s.log());
        }
        assert!(Instant::now() < deadline, "intoss serve did not start; log:\n{}", s.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn wall_clock_jumps_expire_tokens_and_certificates() {
    let Some((s, clock)) = server_with_fake_clock("[idv]\nlive_token_ttl_secs = 3600\n", false) else {
        return;
    };
    let id = s.app_with_cert("clock", &[]);
    // A live client: its tokens live `live_token_ttl_secs` (one hour here).
    let (http, base, token) = idv_token(&s, "clock", "live").await;
    assert_eq!(idv_request(&http, &base, &token).await.status, 200);
    let gw = s.client(Some(&id));
    let whoami = s.gateway_url("/api-partner/v1/whoami");
    assert_eq!(get(&gw, &whoami).await.unwrap().status, 200, "a connection opened before the jumps");

    // 59 minutes on: the token still works. Two hours on: it has expired.
    clock.set("+59m");
    assert_eq!(idv_request(&http, &base, &token).await.status, 200);
    clock.set("+2h");
    assert_fail(&idv_request(&http, &base, &token).await, 401, "CE1000");

    // 391 days on, past the certificate's 390 days: the open connection's next request is
    // refused (and the connection closed), and a new handshake fails.
    clock.set("+391d");
    assert_fail(&get(&gw, &whoami).await.unwrap(), 401, "CERTIFICATE_EXPIRED");
    let msg = s.assert_refused_in_handshake(&id).await;
    assert!(msg.contains("expired"), "{msg}");

    // Back to the real time: the same certificate and token work again, so the clock was the cause.
    clock.set("+0");
    assert_eq!(get(&s.client(Some(&id)), &whoami).await.unwrap().status, 200);
    assert_eq!(idv_request(&http, &base, &token).await.status, 200);
}

/// The SHA-256 fingerprint of the certificate a listener presents (`openssl s_client`, which
/// shows it whatever its validity).
fn presented_fingerprint(addr: std::net::SocketAddr) -> String {
    let script = format!(
        "openssl s_client -connect {addr} -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"
    );
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(text.contains("Fingerprint="), "no certificate from {addr}: {text}");
    text
}

/// The SHA-256 fingerprint of a PEM certificate file, in `presented_fingerprint`'s format.
fn file_fingerprint(path: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A platform that runs past its listener certificates' renewal point (30 days before the end
/// of their 390 days) renews them while running: new handshakes get the new certificate, the
/// one now in the data dir, without a restart. (The gateway shares the listeners' resolver.)
#[tokio::test]
async fn listener_certificates_are_renewed_while_running() {
    if !require("openssl") {
        return;
    }
    let Some((s, clock)) = server_with_fake_clock("[expiry]\nscan_interval_ms = 200\n", false) else {
        return;
    };
    let ecdsa = s.data_dir().join("server-ecdsa.pem");
    let before = presented_fingerprint(s.endpoints.cert);
    assert_eq!(before, file_fingerprint(&ecdsa), "the ECDSA certificate is served");

    // 365 days on, 25 days are left: the next scan renews.
    clock.set("+365d");
    let start = Instant::now();
    while !s.log().contains("listener certificates renewed") {
        assert!(start.elapsed() < Duration::from_secs(10), "not renewed:\n{}", s.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let renewed = file_fingerprint(&ecdsa);
    assert_ne!(renewed, before, "a new certificate in the data dir");
    for addr in [s.endpoints.cert, s.endpoints.console] {
        assert_eq!(presented_fingerprint(addr), renewed, "{addr} serves the renewed certificate");
    }
    // Later scans keep it: renewed once, not at every scan.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(s.log().matches("listener certificates renewed").count(), 1, "{}", s.log());
}

#[tokio::test]
async fn a_backward_clock_jump_grants_no_request_over_the_limit() {
    // Both clocks jump: the limiter runs on the monotonic clock, which NTP never steps back,
    // so only a jump of both can reach it.
    let Some((s, clock)) = server_with_fake_clock("", true) else { return };
    let limited = s.app_with_cert("limited", &["--qpm", "5"]);
    let probe = s.app_with_cert("probe", &[]);
    let whoami = s.gateway_url("/api-partner/v1/whoami");
    // Connections opened before the jump: the certificates issued just now are not yet valid
    // an hour earlier, so no new handshake would succeed after it.
    let c = s.client(Some(&limited));
    let p = s.client(Some(&probe));
    for _ in 0..3 {
        assert_eq!(get(&c, &whoami).await.unwrap().status, 200);
    }
    assert_eq!(get(&p, &whoami).await.unwrap().status, 200);

    clock.set("-1h");
    let (mut statuses, mut retry_after) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let r = get(&c, &whoami).await.unwrap();
        if r.status == 429 {
            let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=3600).contains(&retry), "Retry-After {retry}");
            retry_after.push(retry);
        }
        statuses.push(r.status.as_u16());
    }
    eprintln!(
        "after the clock went back 1 h, 10 more requests of a qpm-5 app with 3 used: {statuses:?}, \
         Retry-After {retry_after:?} s"
    );
    assert_eq!(statuses, [200, 200, 429, 429, 429, 429, 429, 429, 429, 429], "5 in all, then refused");
    assert_eq!(get(&p, &whoami).await.unwrap().status, 200, "still serving");

    clock.set("+0");
    assert_eq!(get(&c, &whoami).await.unwrap().status, 429, "the window did not reset either way");
    assert_eq!(get(&p, &whoami).await.unwrap().status, 200);
    let log = s.log();
    assert!(!log.contains("panicked"), "{log}");
}

// === an upstream dying mid-response ===

/// A raw HTTP/1.1 upstream that misbehaves by path: after reading a request head it writes
/// the path's canned bytes and then closes with a reset.
async fn dying_upstream() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let Some(head) = read_http_head(&mut tcp).await else { return };
                let text = String::from_utf8_lossy(&head).into_owned();
                let path = text.split(' ').nth(1).unwrap_or("").to_owned();
                let body = vec![b'a'; 64 * 1024];
                let mut out: Vec<u8> = Vec::new();
                let graceful = if path.ends_with("/ok") {
                    out.extend_from_slice(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    );
                    true
                } else if path.ends_with("/before-headers") {
                    false
                } else if path.ends_with("/half-headers") {
                    out.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-le");
                    false
                } else if path.ends_with("/stall") {
                    // Headers and part of the body, then nothing, with the socket left open.
                    out.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-length: 1048576\r\n\r\n");
                    out.extend_from_slice(&body);
                    let _ = tcp.write_all(&out).await;
                    tokio::time::sleep(Duration::from_secs(300)).await;
                    return;
                } else if path.ends_with("/mid-body") {
                    out.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-length: 1048576\r\n\r\n");
                    out.extend_from_slice(&body);
                    false
                } else if path.ends_with("/mid-chunk") {
                    out.extend_from_slice(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10000\r\n");
                    out.extend_from_slice(&body);
                    out.extend_from_slice(b"\r\n10000\r\n");
                    out.extend_from_slice(&body[..1000]);
                    false
                } else {
                    out.extend_from_slice(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
                    true
                };
                let _ = tcp.write_all(&out).await;
                let _ = tcp.flush().await;
                if !graceful {
                    // Give the bytes a moment to leave, then reset (SO_LINGER 0).
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let _ = tcp.set_zero_linger();
                }
                drop(tcp);
            });
        }
    });
    addr
}

#[tokio::test]
async fn an_upstream_dying_mid_response_is_a_clean_error() {
    let up = dying_upstream().await;
    let s = Server::start_with(&format!(
        "[[route]]\nprefix = \"/api-partner/v1/dying/\"\nupstream = \"http://{up}\"\ntimeout_ms = 5000\n"
    ));
    let id = s.app_with_cert("dying", &[]);
    let url = |p: &str| s.gateway_url(&format!("/api-partner/v1/dying/{p}"));
    let cfg = || intoss_client::tls::client_config(&s.ca_pem(), Some((&id.cert(), &id.key()))).unwrap();
    for (name, c) in [
        ("HTTP/2", intoss_client::HttpsClient::new(cfg())),
        ("HTTP/1.1", intoss_client::HttpsClient::new_http1(cfg())),
    ] {
        let call = |p: &'static str| {
            let (c, u) = (c.clone(), url(p));
            async move {
                tokio::time::timeout(Duration::from_secs(30), get(&c, &u))
                    .await
                    .unwrap_or_else(|_| panic!("{name} {p}: the client hung"))
            }
        };
        // Before the headers: the gateway answers for the upstream.
        for p in ["before-headers", "half-headers"] {
            assert_fail(&call(p).await.unwrap(), 502, "UPSTREAM_UNAVAILABLE");
        }
        // After the headers: the stream is cut, never passed off as a whole (shorter) body.
        for p in ["mid-body", "mid-chunk"] {
            match call(p).await {
                Err(ClientError::Transport(e)) => eprintln!("{name} {p}: the client saw: {e}"),
                other => panic!("{name} {p}: expected a cut stream, got {other:?}"),
            }
        }
        // And the gateway is fine.
        let r = call("ok").await.unwrap();
        assert_eq!((r.status.as_u16(), &r.body[..]), (200, &b"ok"[..]), "{name}");
        assert_eq!(get(&c, &s.gateway_url("/api-partner/v1/whoami")).await.unwrap().status, 200);
    }
}

/// An upstream that sends its headers and part of the body and then stalls, keeping the socket
/// open. The route's `timeout_ms` bounds the wait for the response headers and, from then on,
/// every gap between two pieces of the body (`StallGuard` in `crates/server/src/proxy.rs`).
#[tokio::test]
async fn an_upstream_stalling_mid_body_is_cut_after_the_route_timeout() {
    let up = dying_upstream().await;
    let s = Server::start_with(&format!(
        "[[route]]\nprefix = \"/api-partner/v1/dying/\"\nupstream = \"http://{up}\"\ntimeout_ms = 2000\n"
    ));
    let id = s.app_with_cert("stalling", &[]);
    let c = s.client(Some(&id));
    let r =
        tokio::time::timeout(Duration::from_secs(20), get(&c, &s.gateway_url("/api-partner/v1/dying/stall")))
            .await
            .expect("the stalled stream is cut within 20 s (route timeout 2 s)");
    assert!(matches!(r, Err(ClientError::Transport(_))), "a cut stream: {r:?}");
}

// === slowloris ===

/// Open file descriptors of a process.
fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count()
}

/// A TLS client config for the raw connections (HTTP/1.1 by ALPN).
fn raw_tls(s: &Server) -> tokio_rustls::TlsConnector {
    let mut cfg = intoss_client::tls::client_config(&s.ca_pem(), None).unwrap();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_connections_are_dropped_and_others_served() {
    let s = Server::start_with("[tls]\nhandshake_timeout_ms = 2000\nheader_read_timeout_ms = 2000\n");
    let id = s.app_with_cert("normal", &[]);
    let pid = s.child.as_ref().unwrap().id();
    let whoami = s.gateway_url("/api-partner/v1/whoami");
    assert_eq!(get(&s.client(Some(&id)), &whoami).await.unwrap().status, 200);
    let baseline = fds(pid);

    // 300 TCP connections to the gateway that never finish the handshake (half send the first
    // bytes of a ClientHello record), and 100 TLS connections to the cert listener that send
    // their request head one byte at a time and never finish it.
    let started = Instant::now();
    let mut silent = Vec::new();
    for i in 0..300 {
        let mut tcp = TcpStream::connect(s.endpoints.gateway).unwrap();
        if i % 2 == 0 {
            tcp.write_all(&[0x16, 0x03, 0x01, 0x02]).unwrap();
        }
        silent.push(tcp);
    }
    let tls = raw_tls(&s);
    let mut drips = Vec::new();
    for _ in 0..100 {
        let tcp = tokio::net::TcpStream::connect(s.endpoints.cert).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let mut stream = tls.connect(name, tcp).await.unwrap();
        drips.push(tokio::spawn(async move {
            let head = b"POST /token HTTP/1.1\r\nhost: localhost\r\n"
                .iter()
                .copied()
                .chain(std::iter::repeat(b"x-slow: 1\r\n".iter().copied()).flatten());
            let t0 = Instant::now();
            for byte in head {
                if stream.write_all(&[byte]).await.is_err() || stream.flush().await.is_err() {
                    return t0.elapsed();
                }
                // A closed connection shows as a read of 0 (or an error) while we wait.
                let mut b = [0u8; 1];
                if let Ok(r) = tokio::time::timeout(Duration::from_millis(100), stream.read(&mut b)).await
                    && matches!(r, Ok(0) | Err(_))
                {
                    return t0.elapsed();
                }
                if t0.elapsed() > Duration::from_secs(60) {
                    break;
                }
            }
            t0.elapsed()
        }));
    }
    let during = fds(pid);

    // A normal client (a new connection each time) is served throughout.
    let mut served = 0;
    let mut peak = during;
    let deadline = Instant::now() + Duration::from_secs(60);
    let recovered = loop {
        let fresh = s.client(Some(&id));
        let r = tokio::time::timeout(Duration::from_secs(10), get(&fresh, &whoami))
            .await
            .expect("a normal client is served during the attack")
            .unwrap();
        assert_eq!(r.status, 200);
        served += 1;
        let now = fds(pid);
        peak = peak.max(now);
        if now <= baseline + 10 && drips.iter().all(|d| d.is_finished()) {
            break now;
        }
        assert!(Instant::now() < deadline, "fds stay at {now} (baseline {baseline}, peak {peak})");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let took = started.elapsed();
    let mut dripped = Vec::new();
    for d in drips {
        dripped.push(d.await.unwrap());
    }
    let longest = dripped.iter().max().unwrap();
    assert!(*longest < Duration::from_secs(15), "a dripping connection lived {longest:?}");
    // The server closed the silent ones: each reads EOF (or a reset).
    for mut tcp in silent {
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 64];
        assert!(matches!(tcp.read(&mut b), Ok(0) | Err(_)), "a silent connection is still open");
    }
    eprintln!(
        "slowloris: server fds {baseline} before, {during} with 400 slow connections (peak {peak}), \
         {recovered} after {took:?}; {served} normal requests served meanwhile; the longest dripping \
         connection lived {longest:?}"
    );
}

/// Connections that finish TLS and then send nothing, or only part of the HTTP/2 preface, with
/// ALPN http/1.1 and with h2. Once this held them forever: the handshake timeout had ended and
/// `hyper_util`'s auto builder waited, with no deadline, for enough bytes to tell HTTP/1 from the
/// HTTP/2 preface. Now the listener picks the protocol by ALPN (HTTP/1.1: the header-read timeout
/// runs from the start) and the idle timeout closes an h2 connection that never sent a request.
#[tokio::test]
async fn connections_silent_after_the_handshake_are_dropped() {
    let s = Server::start_with(
        "[tls]\nhandshake_timeout_ms = 1000\nheader_read_timeout_ms = 1000\nidle_timeout_ms = 1500\n",
    );
    let pid = s.child.as_ref().unwrap().id();
    let baseline = fds(pid);
    let h1 = raw_tls(&s);
    let h2 = {
        let mut cfg = intoss_client::tls::client_config(&s.ca_pem(), None).unwrap();
        cfg.alpn_protocols = vec![b"h2".to_vec()];
        tokio_rustls::TlsConnector::from(Arc::new(cfg))
    };
    let mut held = Vec::new();
    for i in 0..50 {
        let tcp = tokio::net::TcpStream::connect(s.endpoints.cert).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let tls = if i < 25 { &h1 } else { &h2 };
        let mut stream = tls.connect(name, tcp).await.unwrap();
        if i % 2 == 1 {
            // The first bytes of the HTTP/2 preface, then silence.
            stream.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
            stream.flush().await.unwrap();
        }
        held.push(stream);
    }
    let during = fds(pid);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut now = fds(pid);
    while now > baseline + 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        now = fds(pid);
    }
    eprintln!(
        "silent after TLS: server fds {baseline} before, {during} with 50 connections, {now} 20 s later"
    );
    assert!(
        now <= baseline + 5,
        "50 silent TLS connections still held after 20 s ({now} fds, baseline {baseline})"
    );
}
