//! The transport policy (seed 000), checked with `openssl s_client`.

use std::process::{Command, Stdio};

use crate::common::*;

/// Runs `openssl s_client` against `addr`; returns (handshake succeeded, output).
fn s_client(addr: std::net::SocketAddr, ca: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("timeout")
        .arg("10")
        .args(["openssl", "s_client", "-connect", &addr.to_string(), "-CAfile"])
        .arg(ca)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let ok = out.status.success() && !text.contains("Cipher is (NONE)");
    (ok, text)
}

#[test]
fn old_protocols_and_off_policy_suites_are_refused_on_every_listener() {
    if !require("openssl") {
        return;
    }
    let s = Server::start();
    let ca = s.data_dir().join("ca.pem");
    for addr in [s.endpoints.gateway, s.endpoints.cert, s.endpoints.console] {
        for args in [
            // SECLEVEL=0 lets the OpenSSL client offer these; the refusal is the server's.
            &["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"][..],
            &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
            // CBC suites of the seed's list: rustls has none (see SECURITY.md).
            &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256"],
            &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-SHA384"],
            // Not in the seed's list.
            &["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"],
            &["-tls1_2", "-cipher", "AES128-GCM-SHA256"],
            &["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"],
        ] {
            let (ok, text) = s_client(addr, &ca, args);
            assert!(!ok, "{addr} accepted {args:?}:\n{text}");
            assert!(text.contains("alert"), "refused with a TLS alert: {text}");
        }
    }
}

#[test]
fn every_policy_suite_negotiates() {
    if !require("openssl") {
        return;
    }
    let s = Server::start();
    let ca = s.data_dir().join("ca.pem");
    let addr = s.endpoints.console;
    for suite in [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
    ] {
        let (ok, text) = s_client(addr, &ca, &["-tls1_2", "-cipher", suite]);
        assert!(ok && text.contains(&format!("Cipher is {suite}")), "{suite}:\n{text}");
        assert!(text.contains("Verify return code: 0 (ok)"), "server cert verifies against ca.pem");
        assert!(text.contains("Compression: NONE"), "no compression");
    }
    for suite in ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] {
        let (ok, text) = s_client(addr, &ca, &["-tls1_3", "-ciphersuites", suite]);
        assert!(ok && text.contains(&format!("Cipher is {suite}")), "{suite}:\n{text}");
    }
}

#[test]
fn gateway_handshake_with_openssl_and_a_client_certificate() {
    if !require("openssl") {
        return;
    }
    let s = Server::start();
    let id = s.app_with_cert("ossl", &[]);
    let ca = s.data_dir().join("ca.pem");
    for version in ["-tls1_2", "-tls1_3"] {
        let (ok, text) = s_client(
            s.endpoints.gateway,
            &ca,
            &[version, "-cert", id.cert_path().to_str().unwrap(), "-key", id.key_path().to_str().unwrap()],
        );
        assert!(ok, "{version}:\n{text}");
    }
}
