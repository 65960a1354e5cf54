//! The network checks, over one connection: TCP, the TLS handshake with the client certificate
//! presented, one `GET` and its envelope.
//!
//! Blocking I/O on purpose (run it on a blocking thread): one connection, read to the end, with
//! deadlines. The request is sent on the handshake's own connection because with TLS 1.3 the
//! server judges the client certificate after the client considers the handshake done: its
//! refusal (revoked, unknown, expired) only shows when the first answer is read.

use std::io::{self, Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use intoss_proto::{Envelope, ResultType};
use rustls::client::ResolvesClientCert;
use rustls::pki_types::ServerName;
use rustls::sign::CertifiedKey;
use rustls::{AlertDescription, CipherSuite, ClientConnection, ProtocolVersion, SignatureScheme};

use super::local::Identity;
use super::{Finding, check};

/// How long the TCP connect may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one read or write may block once connected.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response read.
const MAX_RESPONSE: usize = 1 << 20;

/// The suites of seed 000, in its (OpenSSL / IANA) spelling.
const SEED_SUITES: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
];

/// A parsed `--url`: `https://HOST[:PORT][/PATH]`.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Host name or IP address (without brackets).
    host: String,
    port: u16,
    /// `host:port` as written (brackets kept), for the `Host` header.
    authority: String,
    /// Path and query, starting with `/`.
    path: String,
}

impl Target {
    /// Parses an `https://` URL; anything else is a usage error.
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let rest = match url.strip_prefix("https://") {
            Some(r) => r,
            None if url.starts_with("http://") => {
                return Err("the platform speaks HTTPS only: use https://".into());
            }
            None => return Err("expected https://HOST[:PORT]/PATH".into()),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let path = match path.chars().next() {
            None => "/".to_owned(),
            Some('?') => format!("/{path}"),
            Some(_) => path.to_owned(),
        };
        if authority.contains('@') {
            return Err("no user@ in the URL: the certificate is the credential".into());
        }
        let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
            let (host, after) = inner.split_once(']').ok_or("unclosed [ in the host")?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or("expected :PORT after ]")?)),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err("the URL has no host".into());
        }
        let port = match port {
            None => 443,
            Some(p) => p.parse().map_err(|_| format!("`{p}` is not a port"))?,
        };
        Ok(Self { host: host.to_owned(), port, authority: authority.to_owned(), path })
    }
}

/// Runs the reachability, TLS and API checks.
pub(crate) fn probe(target: &Target, identity: Identity) -> Vec<Finding> {
    let mut out = Vec::new();
    let sock = match connect(target) {
        Ok(s) => s,
        Err(f) => {
            out.push(f);
            out.push(Finding::skip(check::TLS, "the server cannot be reached", "fix reachability first"));
            out.push(Finding::skip(check::API, "the server cannot be reached", "fix reachability first"));
            return out;
        }
    };
    out.push(Finding::ok(
        check::REACHABILITY,
        format!("{}:{} accepts TCP connections", target.host, target.port),
    ));
    let config = match identity.config {
        Ok(c) => c,
        Err(not_ready) => {
            out.push(Finding::skip(check::TLS, not_ready.detail, not_ready.fix));
            out.push(Finding::skip(check::API, "needs a TLS connection", "fix the TLS handshake first"));
            return out;
        }
    };
    match exchange(target, config, sock, identity.app.as_deref()) {
        Ok((tls, api)) => {
            out.push(tls);
            out.push(api);
        }
        Err(tls) => {
            out.push(tls);
            out.push(Finding::skip(check::API, "needs a TLS connection", "fix the TLS handshake first"));
        }
    }
    out
}

fn connect(target: &Target) -> Result<TcpStream, Finding> {
    let name = check::REACHABILITY;
    let here = format!("{}:{}", target.host, target.port);
    let addrs = (target.host.as_str(), target.port).to_socket_addrs().map_err(|e| {
        Finding::fail(
            name,
            format!("cannot resolve {}: {e}", target.host),
            "check the host name in --url and this machine's DNS",
        )
    })?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    let why = match last {
        Some(e) if e.kind() == io::ErrorKind::TimedOut => {
            format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())
        }
        Some(e) => e.to_string(),
        None => "no address".to_owned(),
    };
    Err(Finding::fail(
        name,
        format!("server down or unreachable: {here}: {why}"),
        format!(
            "check that the server runs and listens on {here}, and that no firewall blocks outbound TCP to it"
        ),
    ))
}

/// The handshake, then the request; returns the TLS and API findings, or the TLS failure.
fn exchange(
    target: &Target,
    config: rustls::ClientConfig,
    mut sock: TcpStream,
    app: Option<&str>,
) -> Result<(Finding, Finding), Finding> {
    let name = check::TLS;
    let server_name = ServerName::try_from(target.host.clone()).map_err(|e| {
        Finding::fail(
            name,
            format!("`{}` is not a valid server name: {e}", target.host),
            "fix the host in --url",
        )
    })?;
    let mut config = config;
    let asked = Arc::new(AskedForCert {
        inner: config.client_auth_cert_resolver.clone(),
        asked: AtomicBool::new(false),
    });
    config.client_auth_cert_resolver = asked.clone();
    let mut conn = ClientConnection::new(Arc::new(config), server_name)
        .map_err(|e| Finding::fail(name, format!("cannot start TLS: {e}"), "fix the certificate and key"))?;
    let _ = sock.set_read_timeout(Some(IO_TIMEOUT));
    let _ = sock.set_write_timeout(Some(IO_TIMEOUT));
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            let (detail, fix) = explain(&e, Stage::Handshake, app);
            return Err(Finding::fail(name, detail, fix));
        }
    }
    let version = conn.protocol_version();
    let suite = conn.negotiated_cipher_suite().map(|s| s.suite());

    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: intoss-doctor\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        target.path, target.authority
    );
    let mut buf = Vec::new();
    let read = send_and_read(&mut conn, &mut sock, request.as_bytes(), &mut buf);
    let response = match read {
        Ok(resp) => resp,
        Err(e) if buf.is_empty() => {
            // Nothing came back: with TLS 1.3 this is how a refused certificate looks. An alert
            // may already sit in the socket even though writing failed.
            let e = pending_alert(&mut conn, &mut sock)
                .map(|alert| io::Error::new(io::ErrorKind::InvalidData, alert))
                .unwrap_or(e);
            let (detail, fix) = explain(&e, Stage::AfterHandshake, app);
            return Err(Finding::fail(name, detail, fix));
        }
        Err(e) => Err(format!("the connection broke during the response: {e}")),
    };

    let tls = negotiated(version, suite, asked.asked.load(Ordering::Relaxed));
    let api = envelope(&target.path, response);
    Ok((tls, api))
}

/// Writes the request and reads until a whole HTTP response is in `buf`.
fn send_and_read(
    conn: &mut ClientConnection,
    sock: &mut TcpStream,
    request: &[u8],
    buf: &mut Vec<u8>,
) -> io::Result<Result<HttpResponse, String>> {
    let mut stream = rustls::Stream::new(conn, sock);
    stream.write_all(request)?;
    stream.flush()?;
    let mut chunk = [0_u8; 16 * 1024];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            // A peer that closes without close_notify: what arrived is the answer.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !buf.is_empty() => 0,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(parse_response(buf, true).and_then(|r| r.ok_or_else(|| "empty response".to_owned())));
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_RESPONSE {
            return Ok(Err(format!("the response exceeds {MAX_RESPONSE} bytes")));
        }
        match parse_response(buf, false) {
            Ok(Some(resp)) => return Ok(Ok(resp)),
            Ok(None) => {}
            Err(e) => return Ok(Err(e)),
        }
    }
}

/// Reads what is left in the socket, looking for the server's alert.
fn pending_alert(conn: &mut ClientConnection, sock: &mut TcpStream) -> Option<rustls::Error> {
    for _ in 0..16 {
        match conn.read_tls(sock) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {
                if let Err(e) = conn.process_new_packets() {
                    return Some(e);
                }
            }
        }
    }
    None
}

fn negotiated(version: Option<ProtocolVersion>, suite: Option<CipherSuite>, asked_for_cert: bool) -> Finding {
    let name = check::TLS;
    let version_text = match version {
        Some(ProtocolVersion::TLSv1_3) => "TLS 1.3".to_owned(),
        Some(ProtocolVersion::TLSv1_2) => "TLS 1.2".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "an unknown version".to_owned(),
    };
    let suite_text = suite.map_or_else(|| "an unknown suite".to_owned(), suite_name);
    let client_auth = if asked_for_cert {
        "client certificate accepted"
    } else {
        "the server did not ask for a client certificate"
    };
    let detail = format!("{version_text}, {suite_text}, {client_auth}");
    if !matches!(version, Some(ProtocolVersion::TLSv1_3 | ProtocolVersion::TLSv1_2)) {
        return Finding::fail(
            name,
            format!("{detail}: below TLS 1.2"),
            "use a TLS 1.2+ client: the platform refuses older versions (seed 000)",
        );
    }
    if !SEED_SUITES.contains(&suite_text.as_str()) {
        return Finding::warn(
            name,
            format!("{detail}: the suite is not in seed 000's list"),
            "restrict the client to the suites of seed 000 (TLS 1.3 AES-GCM/ChaCha20, ECDHE with AES)",
        );
    }
    if !asked_for_cert {
        return Finding::warn(
            name,
            detail,
            "point --url at the platform's mTLS gateway: it always asks for the client certificate",
        );
    }
    Finding::ok(name, detail)
}

/// Wraps the config's client-certificate resolver to learn whether the server asked for one.
#[derive(Debug)]
struct AskedForCert {
    inner: Arc<dyn ResolvesClientCert>,
    asked: AtomicBool,
}

impl ResolvesClientCert for AskedForCert {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::Relaxed);
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn only_raw_public_keys(&self) -> bool {
        self.inner.only_raw_public_keys()
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

/// The seed's spelling of a suite: IANA for TLS 1.3, OpenSSL for TLS 1.2.
fn suite_name(suite: CipherSuite) -> String {
    let name = match suite {
        CipherSuite::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        CipherSuite::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-ECDSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        other => return format!("{other:?}"),
    };
    name.to_owned()
}

fn envelope(path: &str, response: Result<HttpResponse, String>) -> Finding {
    let name = check::API;
    let resp = match response {
        Ok(r) => r,
        Err(e) => {
            return Finding::fail(
                name,
                format!("GET {path}: no usable HTTP response: {e}"),
                "check that --url points at the platform's gateway",
            );
        }
    };
    let head = format!("GET {path}: HTTP {}", resp.status);
    let Ok(env) = serde_json::from_slice::<Envelope<serde_json::Value>>(&resp.body) else {
        return Finding::fail(
            name,
            format!("{head}, not an Apps-in-Toss envelope: {}", snippet(&resp.body)),
            "point --url at an Apps-in-Toss API path on the gateway (e.g. /api-partner/v1/whoami); \
             a proxy or load balancer in between may be answering instead",
        );
    };
    match env.result_type {
        ResultType::Success => Finding::ok(name, format!("{head}, resultType SUCCESS")),
        other => {
            let (code, reason) = env
                .error
                .map(|e| (e.error_code, e.reason))
                .unwrap_or_else(|| ("-".into(), "no error object".into()));
            let kind = serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("{other:?}"));
            Finding::warn(
                name,
                format!("{head}, resultType {kind}: {code}: {reason}"),
                "mTLS works; the platform refused this request: act on errorCode and reason \
                 (the path, the app's IP allowlist, its rate limit)",
            )
        }
    }
}

/// The start of a body on one line: whitespace runs collapsed, at most 60 characters.
fn snippet(body: &[u8]) -> String {
    const MAX: usize = 60;
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    if line.is_empty() {
        return "(empty body)".to_owned();
    }
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{} ...", line[..cut].trim_end()),
        None => line,
    }
}

/// Where a TLS failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Handshake,
    AfterHandshake,
}

/// What a TLS failure means, and its fix.
fn explain(e: &io::Error, stage: Stage, app: Option<&str>) -> (String, String) {
    let app = app.unwrap_or("APP");
    let new_cert =
        format!("issue a new certificate (intoss cert issue --app {app}, or the console) and switch to it");
    let refused_fix = format!(
        "use a certificate issued by this platform for the app, with its own key, still registered \
         (intoss cert list --app {app})"
    );
    let tls = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::AlertReceived(alert)) => match alert {
            AlertDescription::CertificateRevoked => (
                "the server refused the client certificate: it is revoked (ERR_NETWORK)".into(),
                format!("{new_cert}; a revoked certificate stays revoked"),
            ),
            AlertDescription::CertificateExpired => (
                "the server refused the client certificate: it has expired (ERR_NETWORK)".into(),
                format!("{new_cert}; several can be valid at once"),
            ),
            AlertDescription::CertificateRequired => (
                "the server requires a client certificate and none was sent (ERR_NETWORK)".into(),
                "pass --cert and --key".into(),
            ),
            AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::AccessDenied
            | AlertDescription::DecryptError => {
                (format!("the server refused the client certificate ({alert:?}, ERR_NETWORK)"), refused_fix)
            }
            AlertDescription::ProtocolVersion
            | AlertDescription::InsufficientSecurity
            | AlertDescription::HandshakeFailure => (
                format!("no common TLS version or cipher suite with the server ({alert:?})"),
                "the platform accepts TLS 1.2 and 1.3 with the suites of seed 000 only".into(),
            ),
            other => (
                format!("the server ended the TLS connection with the alert {other:?}"),
                "read the server's log for the reason".into(),
            ),
        },
        Some(rustls::Error::InvalidCertificate(ce)) => (
            format!("the server's certificate is not trusted: {ce}"),
            "pass the CA that issued the server's certificate as --cacert (the platform's DIR/ca.pem), \
             and connect to a name or address the server's certificate lists"
                .into(),
        ),
        Some(rustls::Error::PeerIncompatible(p)) => (
            format!("no common TLS parameters with the server: {p:?}"),
            "the platform accepts TLS 1.2 and 1.3 with the suites of seed 000 only".into(),
        ),
        Some(other) => (format!("TLS error: {other}"), "read the server's log for the reason".into()),
        None if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut => (
            format!("no answer within {} s", IO_TIMEOUT.as_secs()),
            "check that --url points at a TLS port of the platform (the gateway)".into(),
        ),
        None if stage == Stage::Handshake => (
            format!("the server closed the connection during the handshake (ERR_NETWORK): {e}"),
            "check that --url points at the platform's gateway, and the certificate above".into(),
        ),
        None => (
            format!(
                "the server closed the connection after the handshake without answering (ERR_NETWORK): {e}"
            ),
            format!(
                "with TLS 1.3 the server judges the client certificate after the handshake: it refused this one; {refused_fix}"
            ),
        ),
    }
}

/// An HTTP/1.1 response: enough to read an envelope.
#[derive(Debug)]
struct HttpResponse {
    status: u16,
    body: Vec<u8>,
}

/// Parses a response from `buf`: `Ok(None)` while incomplete (and `eof` is false).
fn parse_response(buf: &[u8], eof: bool) -> Result<Option<HttpResponse>, String> {
    let incomplete = |what: &str| if eof { Err(format!("truncated {what}")) } else { Ok(None) };
    let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if eof && buf.is_empty() { Err("no response".into()) } else { incomplete("headers") };
    };
    let head = String::from_utf8_lossy(&buf[..head_end]);
    let body = &buf[head_end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    let status = match (parts.next(), parts.next().and_then(|s| s.parse::<u16>().ok())) {
        (Some(v), Some(s)) if v.starts_with("HTTP/1.") => s,
        _ => return Err(format!("not an HTTP/1.x response: {status_line:?}")),
    };
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else { continue };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked") {
            chunked = true;
        } else if k.eq_ignore_ascii_case("content-length") {
            length = Some(v.parse::<usize>().map_err(|_| format!("bad Content-Length {v:?}"))?);
        }
    }
    if chunked {
        return match dechunk(body) {
            Some(body) => Ok(Some(HttpResponse { status, body })),
            None => incomplete("chunked body"),
        };
    }
    match length {
        Some(n) if body.len() >= n => Ok(Some(HttpResponse { status, body: body[..n].to_vec() })),
        Some(_) => incomplete("body"),
        None if eof => Ok(Some(HttpResponse { status, body: body.to_vec() })),
        None => Ok(None),
    }
}

/// The body of a complete chunked encoding, or `None` while incomplete (or malformed).
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_into_host_port_and_path() {
        let t = Target::parse("https://127.0.0.1:8443/api-partner/v1/whoami").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("127.0.0.1", 8443, "/api-partner/v1/whoami"));
        let t = Target::parse("https://example.com").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("example.com", 443, "/"));
        let t = Target::parse("https://[::1]:9/x?y=1#frag").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str(), t.authority.as_str()),
            ("::1", 9, "/x?y=1", "[::1]:9")
        );
        let t = Target::parse("https://h?q").unwrap();
        assert_eq!(t.path, "/?q");
        assert!(Target::parse("http://h/").unwrap_err().contains("HTTPS only"));
        assert!(Target::parse("h:1").is_err());
        assert!(Target::parse("https://h:x/").is_err());
        assert!(Target::parse("https:///p").is_err());
    }

    #[test]
    fn responses_parse_with_length_chunks_or_eof() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", false).unwrap().unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]));
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}", false).unwrap().is_none());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}", true).is_err());
        let chunked = b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let r = parse_response(chunked, false).unwrap().unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, &b"abcde"[..]));
        assert!(parse_response(&chunked[..chunked.len() - 8], false).unwrap().is_none());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n\r\nrest", false).unwrap().is_none());
        let r = parse_response(b"HTTP/1.1 200 OK\r\n\r\nrest", true).unwrap().unwrap();
        assert_eq!(r.body, b"rest");
        assert!(parse_response(b"SSH-2.0\r\n\r\n", true).is_err());
        assert!(parse_response(b"", true).is_err());
    }

    #[test]
    fn suites_use_the_seed_spelling() {
        assert_eq!(suite_name(CipherSuite::TLS13_AES_128_GCM_SHA256), "TLS_AES_128_GCM_SHA256");
        assert_eq!(
            suite_name(CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
            "ECDHE-RSA-AES256-GCM-SHA384"
        );
        for s in intoss_client::tls::POLICY_SUITES {
            assert!(SEED_SUITES.contains(&suite_name(s.suite()).as_str()), "{:?}", s.suite());
        }
    }
}
