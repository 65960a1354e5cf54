//! Restarts, shutdown, timeouts, bad configuration.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::common::*;

#[tokio::test]
async fn sigkill_and_restart_keeps_certificates_and_revocations() {
    let mut s = Server::start();
    let kept = s.app_with_cert("durable", &["--qpm", "77"]);
    let revoked = s.issue("durable");
    s.cli_ok(&["cert", "revoke", &revoked.serial]);
    let before: serde_json::Value = serde_json::from_str(&s.cli_ok(&["cert", "list", "--json"])).unwrap();
    let ca_before = s.ca_pem();

    s.kill9();
    s.spawn();

    assert_eq!(s.ca_pem(), ca_before, "same CA after restart");
    let after: serde_json::Value = serde_json::from_str(&s.cli_ok(&["cert", "list", "--json"])).unwrap();
    assert_eq!(before, after, "every certificate listed as before");
    let url = s.gateway_url("/api-partner/v1/whoami");
    let r = get(&s.client(Some(&kept)), &url).await.unwrap();
    assert_eq!(json(&r)["success"]["qpmLimit"], 77);
    let msg = s.assert_refused_in_handshake(&revoked).await;
    assert!(msg.contains("revoked"), "{msg}");
}

#[tokio::test]
async fn sigterm_finishes_in_flight_requests() {
    let up = crate::proxy::upstream().await;
    let mut s =
        Server::start_with(&crate::proxy::routes(up).replace("timeout_ms = 700", "timeout_ms = 5000"));
    let id = s.app_with_cert("graceful", &[]);
    let c = s.client(Some(&id));
    let url = s.gateway_url("/api-partner/v1/up/slow");
    let in_flight = tokio::spawn(async move { get(&c, &url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = s.child.as_ref().unwrap().id();
    let waiter = std::thread::spawn(move || {
        signal(pid, "TERM");
    });
    waiter.join().unwrap();
    let resp = in_flight.await.unwrap().unwrap();
    assert_eq!(resp.status, 200, "the slow request completed during shutdown");
    assert_eq!(&resp.body[..], b"late");
    let status = s.child.take().unwrap().wait().unwrap();
    assert!(status.success(), "clean exit: {status}");
    // New connections are refused once it is gone.
    assert!(std::net::TcpStream::connect(s.endpoints.gateway).is_err());
}

#[test]
fn a_silent_client_is_dropped_after_the_handshake_timeout() {
    let s = Server::start_with("[tls]\nhandshake_timeout_ms = 500\n");
    for addr in [s.endpoints.gateway, s.endpoints.console, s.endpoints.cert] {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let start = Instant::now();
        let mut buf = [0u8; 16];
        let n = tcp.read(&mut buf).unwrap_or(0);
        assert_eq!(n, 0, "closed without a word");
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(400) && waited < Duration::from_secs(3), "{waited:?}");
    }
}

#[test]
fn plain_http_is_not_served() {
    let s = Server::start();
    let out = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "5", &format!("http://{}/api-partner/v1/whoami", s.endpoints.gateway)])
        .output()
        .unwrap();
    assert!(!out.status.success(), "plain HTTP must fail: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn bad_config_refuses_to_start_naming_the_key() {
    let err = serve_refused("[gateway]\ndefault_qpm = 10\nmax_body = 5\n");
    assert!(err.contains("max_body"), "{err}");
}

#[test]
fn a_corrupt_ca_is_an_error_not_a_new_ca() {
    let mut s = Server::start();
    s.kill9();
    std::fs::write(s.data_dir().join("ca.pem"), "not a certificate").unwrap();
    let out = std::process::Command::new(bin())
        .args(["serve", "--data-dir"])
        .arg(s.data_dir())
        .args(["--gateway", "127.0.0.1:0", "--cert", "127.0.0.1:0", "--console", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ca.pem"), "{err}");
    assert_eq!(std::fs::read_to_string(s.data_dir().join("ca.pem")).unwrap(), "not a certificate");
}

/// The suite-wide log check (every `Server` checks its log when dropped) can fail.
#[test]
fn the_secret_log_check_catches_secrets() {
    let s = Server::start();
    let clean = s.log();
    for leak in
        ["-----BEGIN PRIVATE KEY-----", "token=eyJraWQiOiJpbnRvc3MiLCJhbGciOiJSUzI1NiJ9", "name=김토스"]
    {
        std::fs::write(s.log_path(), format!("{clean}{leak}\n")).unwrap();
        assert!(!s.log_problems().is_empty(), "{leak} must be caught");
    }
    let token = std::fs::read_to_string(s.data_dir().join("admin-token")).unwrap();
    std::fs::write(s.log_path(), format!("{clean}auth {token}")).unwrap();
    assert!(!s.log_problems().is_empty(), "the admin token must be caught");
    std::fs::write(s.log_path(), &clean).unwrap();
    assert!(s.log_problems().is_empty());
}

/// Beyond `max_connections` a new connection waits in the kernel's backlog (its handshake does not
/// start) until another closes; a connection that starts no request within `idle_timeout_ms` is
/// closed gracefully, with a TLS close_notify (the client reads a clean end of stream, not the
/// truncation error a bare TCP close gives).
#[tokio::test]
async fn connection_limit_holds_and_idle_connections_close_cleanly() {
    use tokio::io::AsyncReadExt as _;
    let s = Server::start_with(
        "[tls]\nmax_connections = 3\nidle_timeout_ms = 6000\nheader_read_timeout_ms = 30000\n",
    );
    let mut cfg = intoss_client::tls::client_config(&s.ca_pem(), None).unwrap();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(cfg));
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let connect = |c: tokio_rustls::TlsConnector| {
        let (addr, name) = (s.endpoints.cert, name.clone());
        async move { c.connect(name, tokio::net::TcpStream::connect(addr).await?).await }
    };
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(connect(connector.clone()).await.unwrap());
    }
    let fourth = tokio::spawn(connect(connector.clone()));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!fourth.is_finished(), "a 4th connection was served with max_connections = 3");
    drop(open.pop());
    let started = Instant::now();
    let mut fourth = tokio::time::timeout(Duration::from_secs(4), fourth)
        .await
        .expect("the 4th connection is served once one closes")
        .unwrap()
        .unwrap();
    eprintln!("4th handshake done {:?} after a slot freed", started.elapsed());

    // Idle: closed after ~6 s with close_notify: `read` returns Ok(0), not UnexpectedEof.
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(20), fourth.read(&mut buf))
        .await
        .expect("the idle connection is closed within 20 s");
    let idle_for = started.elapsed();
    assert!(matches!(n, Ok(0)), "an idle close without close_notify: {n:?}");
    assert!(idle_for >= Duration::from_secs(5), "closed after {idle_for:?}, before the idle timeout");
    eprintln!("idle connection closed cleanly after {idle_for:?}");
}
