//! TLS scanners against the three listeners: `sslyze` and `testssl.sh`.
//!
//! Each scanner writes JSON; each test reduces it to a verdict (a map from finding to value) and
//! compares it with the verdict written here. A finding that changes fails the test. So does a new
//! finding above INFO. The gateway is scanned with a client certificate the platform issued, so
//! the scanner gets past the handshake. It is also scanned without one, to see that the scanner
//! reports a client certificate as required. The verdicts of a real run are in SECURITY.md
//! ("TLS scanners and handshake conformance").
//!
//! The expected verdicts spell out the transport policy (`crates/tls/src/policy.rs`):
//! - TLS 1.2 and 1.3 only;
//! - the 7 AEAD suites;
//! - ECDHE on X25519, P-256 or P-384, and no finite-field DHE;
//! - no compression, no client-initiated renegotiation, no TLS 1.2 session tickets.
//!
//! `the_verdicts_catch_a_weak_server` points both scanners at an `openssl s_server` that breaks
//! the policy. It shows that the reductions see a regression: TLS 1.0, CBC, static RSA and 1024-bit DHE.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::common::*;

/// Allowed per scanner. The module takes about two minutes on 2 cores (testssl.sh is the long
/// one); this only bounds a hang.
const SCAN_TIMEOUT_SECS: &str = "240";

const TLS12_SUITES: [&str; 4] = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
];
const TLS13_SUITES: [&str; 3] =
    ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/// A verdict: finding → value. Compared whole, so a new, missing or changed finding is a diff.
/// An expected value may list alternatives as `a OR b`.
type Verdict = BTreeMap<String, String>;

fn verdict(pairs: &[(&str, &str)]) -> Verdict {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The differences between what a scanner found and what is expected, one line each.
fn diff(listener: &str, scanner: &str, found: &Verdict, expected: &Verdict) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = found.keys().chain(expected.keys()).collect();
    let matches = |k: &String| match (found.get(k), expected.get(k)) {
        (Some(f), Some(e)) => e.split(" OR ").any(|e| e == f),
        (f, e) => f == e,
    };
    keys.into_iter()
        .filter(|k| !matches(k))
        .map(|k| {
            format!(
                "{scanner} on {listener}: {k}: expected {:?}, found {:?}",
                expected.get(k).map(String::as_str).unwrap_or("(nothing)"),
                found.get(k).map(String::as_str).unwrap_or("(nothing)"),
            )
        })
        .collect()
}

fn print_verdict(listener: &str, scanner: &str, v: &Verdict) {
    eprintln!("--- {scanner} on {listener}");
    for (k, val) in v {
        eprintln!("    {k}: {val}");
    }
}

/// A scanner started in the background, killed if the test panics first.
struct Scan {
    child: Child,
    what: String,
    json: PathBuf,
    log: PathBuf,
}

impl Scan {
    fn start(what: &str, dir: &Path, program: &str, args: &[String]) -> Self {
        let name: String = what.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let json = dir.join(format!("{name}.json"));
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("timeout")
            .args(["-k", "5", SCAN_TIMEOUT_SECS, program])
            .args(args.iter().map(|a| a.replace("{json}", json.to_str().unwrap())))
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Self { child, what: what.to_owned(), json, log }
    }

    /// Waits and returns the parsed JSON output.
    fn finish(mut self) -> Value {
        let status = self.child.wait().unwrap();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let text = std::fs::read_to_string(&self.json)
            .unwrap_or_else(|e| panic!("{}: no JSON output ({e}), exit {status}:\n{log}", self.what));
        serde_json::from_str(&without_big_numbers(&text))
            .unwrap_or_else(|e| panic!("{}: bad JSON ({e}):\n{text}\n{log}", self.what))
    }
}

/// sslyze writes public keys as JSON integers (an RSA modulus has 617 digits), which serde_json
/// cannot hold; no verdict reads them, so every integer of more than 18 digits becomes 0.
fn without_big_numbers(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut digits = String::new();
    for c in json.chars() {
        if !in_string && c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(if digits.len() > 18 { "0" } else { &digits });
            digits.clear();
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    out.push_str(&digits);
    out
}

impl Drop for Scan {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // SIGTERM: `timeout` passes it on to the scanner (SIGKILL would orphan the scanner).
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            let _ = self.child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// sslyze

/// The sslyze scan commands: every protocol version, renegotiation, compression, curves, the
/// server certificates (checked against `ca.pem`) and the classic vulnerability probes.
/// `--mozilla_config disable`: the verdict below is the policy, not Mozilla's profiles.
const SSLYZE_SCANS: [&str; 18] = [
    "--sslv2",
    "--sslv3",
    "--tlsv1",
    "--tlsv1_1",
    "--tlsv1_2",
    "--tlsv1_3",
    "--reneg",
    "--compression",
    "--elliptic_curves",
    "--heartbleed",
    "--openssl_ccs",
    "--robot",
    "--fallback",
    "--ems",
    "--early_data",
    "--resum",
    "--certinfo",
    "--mozilla_config=disable",
];

fn sslyze_args(addr: SocketAddr, ca: &Path, scans: &[&str], id: Option<&Identity>) -> Vec<String> {
    let mut args: Vec<String> = vec!["--quiet".into(), "--json_out={json}".into()];
    args.extend(["--certinfo_ca_file".into(), ca.display().to_string()]);
    args.extend(scans.iter().map(|s| (*s).to_owned()));
    if let Some(id) = id {
        args.extend([
            "--cert".into(),
            id.cert_path().display().to_string(),
            "--key".into(),
            id.key_path().display().to_string(),
        ]);
    }
    args.push(addr.to_string());
    args
}

fn str_at<'a>(v: &'a Value, path: &str) -> &'a str {
    v.pointer(path).and_then(Value::as_str).unwrap_or("(missing)")
}

fn yes_no(v: &Value, path: &str) -> String {
    match v.pointer(path).and_then(Value::as_bool) {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => format!("(missing {path})"),
    }
}

/// Reduces one sslyze server result to a verdict.
fn sslyze_verdict(json: &Value) -> Verdict {
    let server = &json["server_scan_results"][0];
    let mut v = Verdict::new();
    v.insert("connectivity".into(), str_at(server, "/connectivity_status").to_owned());
    // sslyze tells whether the server asks for a certificate only when it has none to present.
    let presented = !server["network_configuration"]["tls_client_auth_credentials"].is_null();
    let client_auth = str_at(server, "/connectivity_result/client_auth_requirement");
    v.insert(
        "client certificate".into(),
        if presented { "presented by the scanner".into() } else { client_auth.to_owned() },
    );
    let Some(results) = server["scan_result"].as_object() else {
        return v;
    };
    let mut ephemeral = std::collections::BTreeSet::new();
    for (command, result) in results {
        let status = result["status"].as_str().unwrap_or("(missing)");
        if status == "NOT_SCHEDULED" {
            continue;
        }
        if status != "COMPLETED" {
            let reason = result["error_reason"].as_str().unwrap_or("");
            v.insert(command.clone(), format!("{status} {reason}"));
            continue;
        }
        let r = &result["result"];
        if let Some(accepted) = r["accepted_cipher_suites"].as_array() {
            let mut names: Vec<&str> =
                accepted.iter().filter_map(|c| c["cipher_suite"]["name"].as_str()).collect();
            names.sort_unstable();
            let version = command.trim_end_matches("_cipher_suites");
            v.insert(
                format!("{version} suites"),
                if names.is_empty() { "none".into() } else { names.join(" ") },
            );
            for c in accepted {
                let key = &c["ephemeral_key"];
                // "ECDH": an elliptic curve (which ones: below); "DH 2048": a finite-field group
                // and its size; "static": no ephemeral key at all (RSA key exchange).
                ephemeral.insert(match key["type_name"].as_str() {
                    Some("ECDH") => "ECDH".to_owned(),
                    Some(kind) => format!("{kind} {}", key["size"]),
                    None => "static".to_owned(),
                });
            }
            continue;
        }
        match command.as_str() {
            "tls_compression" => {
                v.insert("compression".into(), yes_no(r, "/supports_compression"));
            }
            "session_renegotiation" => {
                v.insert(
                    "secure renegotiation (RFC 5746)".into(),
                    yes_no(r, "/supports_secure_renegotiation"),
                );
                v.insert(
                    "client-initiated renegotiation".into(),
                    format!(
                        "vulnerable: {}, accepted: {}",
                        yes_no(r, "/is_vulnerable_to_client_renegotiation_dos"),
                        r["client_renegotiations_success_count"]
                    ),
                );
            }
            "elliptic_curves" => {
                let mut curves: Vec<&str> = r["supported_curves"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
                    .unwrap_or_default();
                curves.sort_unstable();
                v.insert("curves".into(), curves.join(" "));
            }
            "heartbleed" => {
                v.insert("heartbleed".into(), yes_no(r, "/is_vulnerable_to_heartbleed"));
            }
            "openssl_ccs_injection" => {
                v.insert("CCS injection".into(), yes_no(r, "/is_vulnerable_to_ccs_injection"));
            }
            "robot" => {
                v.insert("ROBOT".into(), str_at(r, "/robot_result").to_owned());
            }
            "tls_fallback_scsv" => {
                v.insert("TLS_FALLBACK_SCSV".into(), yes_no(r, "/supports_fallback_scsv"));
            }
            "tls_extended_master_secret" => {
                v.insert("extended master secret".into(), yes_no(r, "/supports_ems_extension"));
            }
            "tls_1_3_early_data" => {
                v.insert("0-RTT early data".into(), yes_no(r, "/supports_early_data"));
            }
            "certificate_info" => {
                let mut keys = Vec::new();
                let mut chains = Vec::new();
                for d in r["certificate_deployments"].as_array().into_iter().flatten() {
                    let key = &d["received_certificate_chain"][0]["public_key"];
                    keys.push(match key["algorithm"].as_str() {
                        Some("ECPublicKey") => format!("EC {}", str_at(key, "/ec_curve_name")),
                        Some("RSAPublicKey") => format!("RSA {}", key["key_size"]),
                        other => format!("{other:?}"),
                    });
                    let supplied = d["path_validation_results"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|p| p["trust_store"]["name"] == "Supplied CA file");
                    chains.push(
                        supplied.map_or("(not checked)".into(), |p| yes_no(p, "/was_validation_successful")),
                    );
                    if d["verified_chain_has_sha1_signature"].as_bool() != Some(false) {
                        chains.push("SHA-1 in the chain".into());
                    }
                }
                keys.sort();
                v.insert("server keys".into(), keys.join(", "));
                v.insert("chains to ca.pem".into(), chains.join(", "));
            }
            "session_resumption" => {
                // TLS 1.2 stateless tickets (RFC 5077). Session IDs resume from the server's
                // cache, which every reload replaces (SECURITY.md, revocation).
                v.insert(
                    "TLS 1.2 session tickets".into(),
                    str_at(r, "/tls_ticket_resumption_result").to_owned(),
                );
            }
            other => {
                v.insert(other.to_owned(), "(not reduced by this test)".into());
            }
        }
    }
    if !ephemeral.is_empty() {
        v.insert("ephemeral keys".into(), ephemeral.into_iter().collect::<Vec<_>>().join(" "));
    }
    v
}

/// What sslyze must report on `listener` (with a client certificate on the gateway).
fn sslyze_expected(listener: &str) -> Verdict {
    let tls12 = TLS12_SUITES.join(" ");
    let tls13 = TLS13_SUITES.join(" ");
    let mut v = verdict(&[
        ("connectivity", "COMPLETED"),
        ("client certificate", "DISABLED"),
        ("ssl_2_0 suites", "none"),
        ("ssl_3_0 suites", "none"),
        ("tls_1_0 suites", "none"),
        ("tls_1_1 suites", "none"),
        ("ephemeral keys", "ECDH"),
        ("curves", "X25519 secp256r1 secp384r1"),
        ("compression", "no"),
        ("secure renegotiation (RFC 5746)", "yes"),
        ("client-initiated renegotiation", "vulnerable: no, accepted: 0"),
        ("heartbleed", "no"),
        ("CCS injection", "no"),
        ("ROBOT", "NOT_VULNERABLE_RSA_NOT_SUPPORTED"),
        ("TLS_FALLBACK_SCSV", "yes"),
        ("extended master secret", "yes"),
        ("0-RTT early data", "no"),
        ("TLS 1.2 session tickets", "NOT_SUPPORTED"),
        // One ECDSA and one RSA certificate, served by what the client can use.
        ("server keys", "EC secp256r1, RSA 2048"),
        ("chains to ca.pem", "yes, yes"),
    ]);
    v.insert("tls_1_2 suites".into(), tls12);
    v.insert("tls_1_3 suites".into(), tls13);
    if listener == "gateway" {
        v.insert("client certificate".into(), "presented by the scanner".into());
    }
    v
}

#[test]
fn sslyze_finds_only_the_policy_on_every_listener() {
    if !require("sslyze") {
        return;
    }
    let started = Instant::now();
    let s = Server::start();
    let id = s.app_with_cert("scanned", &[]);
    let ca = s.data_dir().join("ca.pem");
    let work = tempfile::tempdir().unwrap();
    let scans = [
        ("gateway", s.endpoints.gateway, Some(&id)),
        ("cert", s.endpoints.cert, None),
        ("console", s.endpoints.console, None),
    ]
    .map(|(name, addr, id)| {
        (name, Scan::start(name, work.path(), "sslyze", &sslyze_args(addr, &ca, &SSLYZE_SCANS, id)))
    });
    // Without a certificate, sslyze's connectivity test tells whether the server demands one.
    let bare = Scan::start(
        "gateway without a client certificate",
        work.path(),
        "sslyze",
        &sslyze_args(s.endpoints.gateway, &ca, &["--tlsv1_3", "--mozilla_config=disable"], None),
    );

    let mut problems = Vec::new();
    for (name, scan) in scans {
        let found = sslyze_verdict(&scan.finish());
        print_verdict(name, "sslyze", &found);
        problems.extend(diff(name, "sslyze", &found, &sslyze_expected(name)));
    }
    let found = sslyze_verdict(&bare.finish());
    print_verdict("gateway (no client certificate)", "sslyze", &found);
    let expected = verdict(&[
        ("connectivity", "COMPLETED"),
        ("client certificate", "REQUIRED"),
        ("tls_1_3 suites", &TLS13_SUITES.join(" ")),
        ("ephemeral keys", "ECDH"),
    ]);
    problems.extend(diff("gateway (no client certificate)", "sslyze", &found, &expected));
    eprintln!("sslyze: {:.1} s", started.elapsed().as_secs_f64());
    assert!(problems.is_empty(), "sslyze findings regressed:\n{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// testssl.sh

/// The Debian package installs `testssl`; upstream calls it `testssl.sh`.
fn testssl_program() -> Option<&'static str> {
    if have("testssl.sh") {
        return Some("testssl.sh");
    }
    require("testssl").then_some("testssl")
}

/// The testssl.sh checks: protocols (-p), each suite of each protocol (-E), forward secrecy with
/// its curves and finite-field groups (-f), renegotiation (-R) and compression (-C). Not
/// `--fast`: with it, -E and -f test through the local OpenSSL only. Against the weak server
/// below, they then reported neither its TLS 1.0 suites nor its DHE suites (testssl.sh 3.0.8,
/// OpenSSL 3.0). The server certificates (-S, 30 s more per listener) are left to sslyze's
/// `--certinfo`.
///
/// testssl.sh 3.0 cannot present a client certificate. On the gateway it sees what a client
/// without one sees: everything up to the ServerHello, and the CertificateRequest.
const TESTSSL_CHECKS: [&str; 5] = ["-p", "-E", "-f", "-R", "-C"];

fn testssl_args(addr: SocketAddr, checks: &[&str]) -> Vec<String> {
    let openssl = Command::new("sh").args(["-c", "command -v openssl"]).output().unwrap().stdout;
    let mut args: Vec<String> = [
        "--quiet",
        "--color",
        "0",
        "--warnings",
        "off",
        "--openssl-timeout",
        "15",
        "--connect-timeout",
        "10",
        "--ip",
        "127.0.0.1",
        "-n",
        "none",
        "--jsonfile",
        "{json}",
    ]
    .iter()
    .chain(checks)
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(["--openssl".into(), String::from_utf8(openssl).unwrap().trim().to_owned()]);
    args.push(addr.to_string());
    args
}

/// Reduces testssl.sh's flat JSON to a verdict: the policy findings by id, the accepted suites,
/// and every finding above INFO (so a new warning is a diff).
fn testssl_verdict(json: &Value) -> Verdict {
    let findings = json.as_array().cloned().unwrap_or_default();
    let mut v = Verdict::new();
    let mut suites = Vec::new();
    for f in &findings {
        let id = f["id"].as_str().unwrap_or("");
        let severity = f["severity"].as_str().unwrap_or("");
        let finding = f["finding"].as_str().unwrap_or("").trim();
        if let Some(rest) = id.strip_prefix("cipher-") {
            // id "cipher-tls1_2_xc02c", finding "TLS 1.2  xc02c  ECDHE-ECDSA-AES256-GCM-SHA384
            // ECDH 253  AESGCM  256  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
            let version = rest.rsplit_once('_').map_or(rest, |(version, _hex)| version);
            suites.push(format!("{version} {}", finding.split_whitespace().last().unwrap_or("")));
            continue;
        }
        let policy = [
            "service",
            "SSLv2",
            "SSLv3",
            "TLS1",
            "TLS1_1",
            "TLS1_2",
            "TLS1_3",
            "PFS",
            "PFS_ECDHE_curves",
            "secure_renego",
            "CRIME_TLS",
        ];
        // Finite-field DH shows up as DH_groups / PFS_DH*, a weak key exchange as LOGJAM etc.
        let key_exchange = id.starts_with("DH") || id.starts_with("PFS_DH") || id.contains("LOGJAM");
        if policy.contains(&id) || key_exchange {
            v.insert(id.to_owned(), format!("{severity} {finding}"));
        } else if id == "secure_client_renego" {
            // "not vulnerable" or "likely not vulnerable (timed out)": the severity is the verdict.
            v.insert(id.to_owned(), severity.to_owned());
        } else if !matches!(severity, "INFO" | "OK" | "DEBUG") {
            v.insert(id.to_owned(), format!("{severity} {finding}"));
        }
    }
    suites.sort();
    v.insert("suites".into(), suites.join(", "));
    v
}

/// What testssl.sh must report on `listener`.
fn testssl_expected(listener: &str) -> Verdict {
    let suites = TLS12_SUITES
        .iter()
        .map(|s| format!("tls1_2 {s}"))
        .chain(TLS13_SUITES.iter().map(|s| format!("tls1_3 {s}")))
        .collect::<Vec<_>>()
        .join(", ");
    let mut v = verdict(&[
        ("SSLv2", "OK not offered"),
        ("SSLv3", "OK not offered"),
        ("TLS1", "INFO not offered"),
        ("TLS1_1", "INFO not offered"),
        ("TLS1_2", "OK offered"),
        ("TLS1_3", "OK offered with final"),
        ("PFS", "OK offered"),
        ("PFS_ECDHE_curves", "OK prime256v1 secp384r1 X25519"),
        ("secure_renego", "OK supported"),
        ("secure_client_renego", "OK"),
        ("CRIME_TLS", "OK not vulnerable"),
    ]);
    v.insert("suites".into(), suites);
    if listener == "gateway" {
        // testssl.sh does not always notice the CertificateRequest (seen both ways: its check
        // reads how `openssl s_client` ended, and with TLS 1.3 the certificate_required alert
        // comes after the client's Finished). Either way it cannot get past the handshake: no
        // HTTP checks, and a renegotiation attempt without a certificate is refused. sslyze
        // checks renegotiation with a certificate, and the client-certificate demand.
        v.insert(
            "service".into(),
            "INFO certificate-based authentication => skipping all HTTP checks \
             OR DEBUG Couldn't determine service, skipping all HTTP checks"
                .into(),
        );
        v.insert("secure_client_renego".into(), "WARN OR OK".into());
        v.insert("CRIME_TLS".into(), "OK not vulnerable OR OK not vulnerable (not using HTTP anyway)".into());
    } else {
        v.insert("service".into(), "INFO HTTP".into());
    }
    v
}

#[test]
fn testssl_finds_only_the_policy_on_every_listener() {
    let Some(program) = testssl_program() else {
        return;
    };
    if !require("openssl") {
        return;
    }
    let started = Instant::now();
    let s = Server::start();
    let work = tempfile::tempdir().unwrap();
    // The three run at once: most of testssl.sh's time is spent waiting on `openssl s_client`.
    let scans =
        [("gateway", s.endpoints.gateway), ("cert", s.endpoints.cert), ("console", s.endpoints.console)].map(
            |(name, addr)| {
                (name, Scan::start(name, work.path(), program, &testssl_args(addr, &TESTSSL_CHECKS)))
            },
        );
    let mut problems = Vec::new();
    for (name, scan) in scans {
        let found = testssl_verdict(&scan.finish());
        print_verdict(name, "testssl.sh", &found);
        problems.extend(diff(name, "testssl.sh", &found, &testssl_expected(name)));
    }
    eprintln!("testssl.sh: {:.1} s", started.elapsed().as_secs_f64());
    assert!(problems.is_empty(), "testssl.sh findings regressed:\n{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Checking the checks

/// An `openssl s_server` that accepts TLS 1.0, a CBC suite with 1024-bit DHE and a static-RSA
/// suite: what a regression of the policy would look like. Killed on drop.
struct WeakServer {
    child: Child,
    addr: SocketAddr,
}

impl WeakServer {
    fn start(dir: &Path) -> Self {
        let run = |args: &[&str]| {
            let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        run(&[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "weak.key", "-out", "weak.pem",
            "-subj", "/CN=weak", "-days", "1",
        ]);
        run(&[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            "dh_paramgen_prime_len:1024",
            "-out",
            "dh.pem",
        ]);
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let child = Command::new("openssl")
            .args(["s_server", "-accept", &addr.to_string(), "-cert", "weak.pem", "-key", "weak.key"])
            .args(["-dhparam", "dh.pem", "-min_protocol", "TLSv1", "-no_tls1_3", "-www", "-quiet"])
            .args(["-cipher", "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-SHA:AES128-SHA:@SECLEVEL=0"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "openssl s_server did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Self { child, addr }
    }
}

impl Drop for WeakServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The reductions above must not be blind: pointed at a server with TLS 1.0, a CBC suite,
/// 1024-bit DHE and static RSA, both scanners' verdicts differ from the expected ones exactly
/// there.
#[test]
fn the_verdicts_catch_a_weak_server() {
    let Some(program) = testssl_program() else {
        return;
    };
    if !require("sslyze") || !require("openssl") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let weak = WeakServer::start(work.path());
    let sslyze = Scan::start(
        "weak sslyze",
        work.path(),
        "sslyze",
        &sslyze_args(
            weak.addr,
            &work.path().join("weak.pem"),
            &["--tlsv1", "--tlsv1_2", "--mozilla_config=disable"],
            None,
        ),
    );
    let testssl =
        Scan::start("weak testssl", work.path(), program, &testssl_args(weak.addr, &["-p", "-E", "-f"]));

    let found = sslyze_verdict(&sslyze.finish());
    print_verdict("a weak server", "sslyze", &found);
    let problems = diff("a weak server", "sslyze", &found, &sslyze_expected("weak")).join("\n");
    for what in [
        "tls_1_0 suites",
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "DH 1024 ECDH static",
    ] {
        assert!(problems.contains(what), "sslyze's verdict misses {what}:\n{problems}");
    }

    let found = testssl_verdict(&testssl.finish());
    print_verdict("a weak server", "testssl.sh", &found);
    let problems = diff("a weak server", "testssl.sh", &found, &testssl_expected("weak")).join("\n");
    for what in [
        "TLS1:",
        "tls1 TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        "tls1_2 TLS_RSA_WITH_AES_128_CBC_SHA",
        "DH_groups",
        "1024",
    ] {
        assert!(problems.contains(what), "testssl.sh's verdict misses {what}:\n{problems}");
    }
}
