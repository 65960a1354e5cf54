//! The seed's own client examples against the gateway, with a certificate `intoss cert issue`
//! produced (RSA-2048 PKCS#8, as the Kotlin sample needs). Each must succeed with the
//! certificate and fail without it.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

struct Setup {
    s: Server,
    url: String,
    ca: String,
    cert: String,
    key: String,
}

fn setup() -> Setup {
    let s = Server::start();
    s.cli_ok(&["app", "create", "seed-client"]);
    let out = s.dir.path().join("rsa");
    // Default key type: RSA-2048.
    s.cli_ok(&["cert", "issue", "--app", "seed-client", "--out", out.to_str().unwrap()]);
    Setup {
        url: s.gateway_url("/api-partner/v1/whoami"),
        ca: s.data_dir().join("ca.pem").display().to_string(),
        cert: out.join("client-cert.pem").display().to_string(),
        key: out.join("client-key.pem").display().to_string(),
        s,
    }
}

/// Runs a client with and without the certificate.
fn check(program: &str, prefix: &[&str]) {
    let t = setup();
    let run = |with_cert: bool| {
        let mut cmd = Command::new(program);
        cmd.args(prefix).arg(&t.url).arg(&t.ca);
        if with_cert {
            cmd.arg(&t.cert).arg(&t.key);
        }
        cmd.output().unwrap()
    };
    let ok = run(true);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{program} with the certificate failed: {stdout}{}\nserver log:\n{}",
        String::from_utf8_lossy(&ok.stderr),
        t.s.log()
    );
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["resultType"], "SUCCESS");
    assert_eq!(v["success"]["app"], "seed-client");

    let refused = run(false);
    assert!(
        !refused.status.success(),
        "{program} without a certificate must fail: {}",
        String::from_utf8_lossy(&refused.stdout)
    );
}

#[test]
fn curl() {
    if !require("curl") {
        return;
    }
    let t = setup();
    let ok = Command::new("curl")
        .args(["-sS", "--fail-with-body", "--cacert", &t.ca, "--cert", &t.cert, "--key", &t.key, &t.url])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["success"]["app"], "seed-client");
    let refused = Command::new("curl").args(["-sS", "--cacert", &t.ca, &t.url]).output().unwrap();
    assert!(!refused.status.success());
}

#[test]
fn python_requests() {
    if !require("python3") {
        return;
    }
    let has_requests =
        Command::new("python3").args(["-c", "import requests"]).status().is_ok_and(|s| s.success());
    if !has_requests {
        assert!(
            std::env::var("INTOSS_REQUIRE_INTEROP").as_deref() != Ok("1"),
            "python3 -m pip install requests"
        );
        return;
    }
    check("python3", &[interop_dir().join("client.py").to_str().unwrap()]);
}

#[test]
fn node_https() {
    if !require("node") {
        return;
    }
    check("node", &[interop_dir().join("client.js").to_str().unwrap()]);
}

#[test]
fn java_https_url_connection() {
    if !require("java") {
        return;
    }
    check("java", &[interop_dir().join("Client.java").to_str().unwrap()]);
}

#[test]
fn libcurl_from_c() {
    // The seed's C++ sample uses libcurl; the curl CLI above is libcurl with the same options
    // (CURLOPT_SSLCERT / CURLOPT_SSLKEY / CURLOPT_CAINFO).
    if !require("curl") {
        return;
    }
    let t = setup();
    let out = Command::new("curl")
        .args([
            "-sS",
            "--libcurl",
            "/dev/stdout",
            "-o",
            "/dev/null",
            "--cacert",
            &t.ca,
            "--cert",
            &t.cert,
            "--key",
            &t.key,
            &t.url,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("CURLOPT_SSLCERT") && text.contains("CURLOPT_SSLKEY"), "{text}");
}
