//! `intoss-loadgen`: drives an intoss server for the benchmark scripts.
//!
//! `idv` measures the identity-verification request and result calls: each worker keeps one
//! call in flight; every request carries a fresh sessionKey (RSA-OAEP to the platform's key) and
//! encrypted fields, and every result call a fresh sessionKey, as a real partner sends them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand, ValueEnum};
use intoss_client::{HttpsClient, Method};
use intoss_proto::fieldcrypto::Session;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Call {
    Request,
    Result,
}

/// The mTLS client's files.
#[derive(Debug, clap::Args)]
struct ClientFiles {
    /// The platform CA.
    #[arg(long)]
    cacert: std::path::PathBuf,
    /// client-cert.pem
    #[arg(long)]
    cert: std::path::PathBuf,
    /// client-key.pem
    #[arg(long)]
    key: std::path::PathBuf,
}

mod script;

/// JSON reads and edits for the scripts. A document is an argument, or standard input when
/// absent.
#[derive(Debug, Subcommand)]
enum JsonOp {
    /// Prints the value at a dotted path (`summary.requestsPerSec`); floats rounded to 2 decimals.
    Get {
        path: String,
        doc: Option<String>,
        /// Numbers unrounded.
        #[arg(long)]
        raw: bool,
    },
    /// Prints the document with `key` set to a number.
    Set { key: String, value: f64, doc: Option<String> },
    /// Prints the document whose number at `path` is the median.
    Median {
        path: String,
        #[arg(required = true)]
        docs: Vec<String>,
    },
    /// Sums the number at `path` over JSON lines on standard input (0 for no lines).
    Sum { path: String },
    /// Fails unless an oha report holds only 200s (requests cut by the deadline aside).
    CheckOha { label: String, doc: Option<String> },
}

#[derive(Debug, Subcommand)]
enum Command {
    /// `host:port` of a listener of a running platform, from DATA_DIR/endpoints.json.
    Endpoint {
        data_dir: std::path::PathBuf,
        #[arg(value_enum)]
        listener: script::Listener,
        /// Only the port.
        #[arg(long)]
        port: bool,
    },
    /// A free TCP port on 127.0.0.1.
    Port,
    /// JSON for the scripts (no inline Python).
    #[command(subcommand)]
    Json(JsonOp),
    /// Gateway requests/s: keep-alive mTLS connections calling GET /api-partner/v1/whoami.
    Gateway {
        /// https://host:port of the gateway.
        #[arg(long)]
        url: String,
        #[command(flatten)]
        tls: ClientFiles,
        /// Connections (each keeps one request in flight).
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Duration.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Path to GET.
        #[arg(long, default_value = "/api-partner/v1/whoami")]
        path: String,
        /// HTTP/1.1 only (to compare with a server configured without HTTP/2).
        #[arg(long)]
        http1: bool,
    },
    /// Handshakes/s: every request on a new TCP + mTLS connection (`Connection: close`), with or
    /// without TLS session resumption. Reports how many handshakes were resumed.
    Handshake {
        /// host:port of the server.
        #[arg(long)]
        addr: String,
        #[command(flatten)]
        tls: ClientFiles,
        /// Connections in flight.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value = "/api-partner/v1/whoami")]
        path: String,
        /// Offer resumption (one shared client session cache); off: every handshake is full.
        #[arg(long)]
        resume: bool,
        /// Offer only TLS 1.2 (default: TLS 1.3 and 1.2, so 1.3 is chosen).
        #[arg(long)]
        tls12: bool,
    },
    /// Memory at N idle mTLS keep-alive connections: opens them (one request each), waits,
    /// reads the resident set of the given server processes, closes them.
    Idle {
        #[arg(long)]
        addr: String,
        #[command(flatten)]
        tls: ClientFiles,
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        #[arg(long, default_value = "/api-partner/v1/whoami")]
        path: String,
        /// Server processes whose VmRSS is summed (NGINX: master and worker).
        #[arg(long, required = true, num_args = 1..)]
        pids: Vec<u32>,
    },
    /// Cost of one rate-limit decision: in memory, and through Redis.
    Limiter {
        /// redis://host:port of a Redis to measure against.
        #[arg(long)]
        redis: String,
        /// Decisions per measurement.
        #[arg(long, default_value_t = 20_000)]
        decisions: u32,
        /// Decisions in flight for the concurrent Redis measurement.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Identity-verification request or result calls.
    Idv {
        /// Which call to measure.
        #[arg(long, value_enum)]
        call: Call,
        /// https://host:port of the cert listener.
        #[arg(long)]
        cert_url: String,
        /// https://host:port of the console (admin API), to complete transactions.
        #[arg(long)]
        admin_url: String,
        /// The platform's data dir (ca.pem, admin-token, idv-public-key.pem).
        #[arg(long)]
        data_dir: std::path::PathBuf,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        client_secret: String,
        /// Calls in flight.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Request calls: how long to run. Result calls: bounded by --transactions instead.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Result calls: completed transactions to prepare (2 result calls each).
        #[arg(long, default_value_t = 200)]
        transactions: usize,
    },
}

struct Target {
    http: HttpsClient,
    base: String,
    token: String,
    public_key: Vec<u8>,
}

impl Target {
    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let auth = format!("Bearer {}", self.token);
        let r = self
            .http
            .send(
                Method::POST,
                &format!("{}{path}", self.base),
                &[("authorization", &auth)],
                Some(body.to_string().into_bytes()),
            )
            .await?;
        let v: Value = serde_json::from_slice(&r.body)?;
        if v["resultType"] != "SUCCESS" {
            bail!("{path}: {v}");
        }
        Ok(v["success"].clone())
    }

    async fn request_personal(&self) -> anyhow::Result<String> {
        let s = Session::generate()?;
        let body = json!({
            "requestType": "USER_PERSONAL", "requestUrl": "intoss://bench", "triggerType": "APP_SCHEME",
            "userName": s.encrypt("홍길동")?, "userPhone": s.encrypt("01012345678")?,
            "userBirthday": s.encrypt("19900101")?, "sessionKey": s.session_key(&self.public_key)?,
        });
        Ok(self.post("/api/v2/sign/user/auth/id/request", &body).await?["txId"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    async fn result(&self, tx: &str) -> anyhow::Result<()> {
        let s = Session::generate()?;
        let v = self
            .post(
                "/api/v2/sign/user/auth/id/result",
                &json!({"txId": tx, "sessionKey": s.session_key(&self.public_key)?}),
            )
            .await?;
        s.decrypt(v["personalData"]["name"].as_str().unwrap_or_default())?;
        Ok(())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let command = Cli::parse().command;
    let (call, cert_url, admin_url, data_dir, client_id, client_secret, concurrency, seconds, transactions) =
        match command {
            Command::Endpoint { data_dir, listener, port } => {
                println!("{}", script::endpoint(&data_dir, listener, port)?);
                return Ok(());
            }
            Command::Port => {
                println!("{}", script::free_port()?);
                return Ok(());
            }
            Command::Json(op) => return json_op(op),
            Command::Limiter { redis, decisions, concurrency } => {
                return limiter(&redis, decisions, concurrency).await;
            }
            Command::Gateway { url, tls, connections, seconds, path, http1 } => {
                return gateway(&url, &tls, connections, seconds, &path, http1).await;
            }
            Command::Handshake { addr, tls, connections, seconds, path, resume, tls12 } => {
                let tls = RawTls::new(&addr, &tls, resume, tls12)?;
                return handshakes(Arc::new(tls), connections, seconds, &path).await;
            }
            Command::Idle { addr, tls, connections, path, pids } => {
                let tls = RawTls::new(&addr, &tls, false, false)?;
                return idle(&tls, connections, &path, &pids).await;
            }
            Command::Idv {
                call,
                cert_url,
                admin_url,
                data_dir,
                client_id,
                client_secret,
                concurrency,
                seconds,
                transactions,
            } => (
                call,
                cert_url,
                admin_url,
                data_dir,
                client_id,
                client_secret,
                concurrency,
                seconds,
                transactions,
            ),
        };
    let ca = std::fs::read(data_dir.join("ca.pem")).context("ca.pem")?;
    let http = HttpsClient::new(intoss_client::tls::client_config(&ca, None)?);
    let form =
        format!("grant_type=client_credentials&scope=ca&client_id={client_id}&client_secret={client_secret}");
    let r = http
        .send(
            Method::POST,
            &format!("{cert_url}/token"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.into_bytes()),
        )
        .await?;
    let token =
        serde_json::from_slice::<Value>(&r.body)?["access_token"].as_str().context("no token")?.to_owned();
    let pem = std::fs::read_to_string(data_dir.join("idv-public-key.pem"))?;
    let public_key = intoss_pki::pem_block(&pem, "PUBLIC KEY")?;
    let target = Arc::new(Target { http, base: cert_url, token, public_key });

    match call {
        Call::Request => {
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let done = Arc::new(AtomicUsize::new(0));
            let start = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..concurrency {
                let (t, done) = (target.clone(), done.clone());
                tasks.spawn(async move {
                    while Instant::now() < deadline {
                        t.request_personal().await?;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    anyhow::Ok(())
                });
            }
            while let Some(r) = tasks.join_next().await {
                r??;
            }
            report("request", done.load(Ordering::Relaxed), start.elapsed());
        }
        Call::Result => {
            let admin_token = std::fs::read_to_string(data_dir.join("admin-token"))?;
            let admin = intoss_client::AdminClient::new(
                intoss_client::tls::client_config(&ca, None)?,
                &admin_url,
                &admin_token,
            );
            eprintln!("preparing {transactions} completed transactions...");
            let mut txs = Vec::new();
            for _ in 0..transactions {
                let tx = target.request_personal().await?;
                admin.complete_idv_transaction(&tx, &Default::default()).await?;
                txs.push(tx.clone());
                txs.push(tx);
            }
            let queue = Arc::new(std::sync::Mutex::new(txs));
            let start = Instant::now();
            let done = Arc::new(AtomicUsize::new(0));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..concurrency {
                let (t, q, done) = (target.clone(), queue.clone(), done.clone());
                tasks.spawn(async move {
                    loop {
                        let next = q.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop();
                        let Some(tx) = next else { return anyhow::Ok(()) };
                        t.result(&tx).await?;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            while let Some(r) = tasks.join_next().await {
                r??;
            }
            report("result", done.load(Ordering::Relaxed), start.elapsed());
        }
    }
    Ok(())
}

/// Keep-alive mTLS load on one path; every answer must be a 200. Reports requests/s and the
/// latency percentiles.
async fn gateway(
    url: &str,
    files: &ClientFiles,
    connections: usize,
    seconds: u64,
    path: &str,
    http1: bool,
) -> anyhow::Result<()> {
    let ca = std::fs::read(&files.cacert)?;
    let (c, k) = (std::fs::read(&files.cert)?, std::fs::read(&files.key)?);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        // One client (one pool, one connection) per worker: N keep-alive connections.
        let config = intoss_client::tls::client_config(&ca, Some((&c, &k)))?;
        let http = if http1 { HttpsClient::new_http1(config) } else { HttpsClient::new(config) };
        let target = format!("{url}{path}");
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = http.send(Method::GET, &target, &[], None).await?;
                anyhow::ensure!(r.status == 200, "HTTP {}: {:?}", r.status, r.body);
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.extend(r??);
    }
    let took = start.elapsed();
    all.sort();
    let pct = |p: f64| percentile_ms(&all, p);
    let rate = all.len() as f64 / took.as_secs_f64();
    println!(
        "{{\"call\":\"gateway\",\"calls\":{},\"seconds\":{:.2},\"per_second\":{rate:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"p999_ms\":{:.3}}}",
        all.len(),
        took.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        pct(0.999)
    );
    Ok(())
}

/// Decisions per second and microseconds per decision, memory and Redis. The limit is far above
/// the load, so every decision is an admission (the common case).
async fn limiter(url: &str, n: u32, concurrency: usize) -> anyhow::Result<()> {
    use intoss_ratelimit::{MemoryLimiter, RateLimiter, RedisLimiter};
    let limit = u32::MAX / 2;
    let mem = MemoryLimiter::new();
    let keys: Vec<String> = (0..16).map(|i| format!("app{i}")).collect();
    let start = Instant::now();
    for i in 0..n {
        mem.check_now(&keys[i as usize % 16], limit, 60_000 + u64::from(i) / 100);
    }
    report("memory-decision", n as usize, start.elapsed());
    let redis = Arc::new(RedisLimiter::new(url, 1)?);
    redis.check("warm", limit, 0).await?;
    let start = Instant::now();
    for i in 0..n {
        redis.check(&keys[i as usize % 16], limit, 0).await?;
    }
    report("redis-decision-sequential", n as usize, start.elapsed());
    anyhow::ensure!(!redis.fallback_active(), "Redis fell back during the run");
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let per = n as usize / concurrency.max(1);
    for w in 0..concurrency {
        let (r, keys) = (redis.clone(), keys.clone());
        tasks.spawn(async move {
            for i in 0..per {
                r.check(&keys[(w + i) % 16], limit, 0).await?;
            }
            anyhow::Ok(per)
        });
    }
    let mut done = 0;
    while let Some(r) = tasks.join_next().await {
        done += r??;
    }
    report("redis-decision-concurrent", done, start.elapsed());
    anyhow::ensure!(!redis.fallback_active(), "Redis fell back during the run");
    Ok(())
}

fn report(call: &str, n: usize, took: Duration) {
    let rate = n as f64 / took.as_secs_f64();
    let micros = took.as_secs_f64() * 1e6 / n.max(1) as f64;
    println!(
        "{{\"call\":\"{call}\",\"calls\":{n},\"seconds\":{:.2},\"per_second\":{rate:.1},\"micros_each\":{micros:.2}}}",
        took.as_secs_f64()
    );
}

/// A bare mTLS client over tokio-rustls, HTTP/1.1 written by hand: one handshake per
/// connection, nothing pooled.
struct RawTls {
    addr: String,
    connector: tokio_rustls::TlsConnector,
    name: rustls_pki_types::ServerName<'static>,
}

impl RawTls {
    fn new(addr: &str, files: &ClientFiles, resume: bool, tls12: bool) -> anyhow::Result<Self> {
        let (ca, c, k) =
            (std::fs::read(&files.cacert)?, std::fs::read(&files.cert)?, std::fs::read(&files.key)?);
        let versions: &[&'static rustls::SupportedProtocolVersion] = if tls12 {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13, &rustls::version::TLS12]
        };
        let mut config = intoss_client::tls::client_config_with_versions(&ca, Some((&c, &k)), versions)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        if !resume {
            config.resumption = rustls::client::Resumption::disabled();
        }
        let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h).to_owned();
        Ok(Self {
            addr: addr.to_owned(),
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
            name: rustls_pki_types::ServerName::try_from(host).context("server name")?,
        })
    }

    async fn connect(
        &self,
    ) -> anyhow::Result<(tokio_rustls::client::TlsStream<tokio::net::TcpStream>, bool)> {
        let tcp = tokio::net::TcpStream::connect(&self.addr).await?;
        tcp.set_nodelay(true)?;
        let tls = self.connector.connect(self.name.clone(), tcp).await?;
        let resumed = tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        Ok((tls, resumed))
    }
}

/// The `p` quantile of sorted latencies, in milliseconds (0 for none).
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1).min(sorted.len().saturating_sub(1));
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Reads one HTTP/1.1 response with a Content-Length body; returns the status line's code.
async fn read_response<S: tokio::io::AsyncRead + Unpin>(s: &mut S, buf: &mut Vec<u8>) -> anyhow::Result<u16> {
    use tokio::io::AsyncReadExt as _;
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end])?;
            let status = head.get(9..12).context("status line")?.parse()?;
            let len: usize = head
                .lines()
                .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("content-length")))
                .map_or(Ok(0), |(_, v)| v.trim().parse())?;
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).await?;
                anyhow::ensure!(n > 0, "connection closed inside the body");
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(status);
        }
        let n = s.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "connection closed before the response");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Each worker: connect, handshake, one request with `Connection: close`, read the answer,
/// close; repeated until the deadline.
async fn handshakes(tls: Arc<RawTls>, workers: usize, seconds: u64, path: &str) -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (tls, request) = (tls.clone(), request.clone());
        tasks.spawn(async move {
            let (mut latencies, mut resumed, mut buf) = (Vec::new(), 0usize, Vec::new());
            let mut version = None;
            while Instant::now() < deadline {
                let t = Instant::now();
                let (mut s, r) = tls.connect().await?;
                version = s.get_ref().1.protocol_version();
                s.write_all(request.as_bytes()).await?;
                let status = read_response(&mut s, &mut buf).await?;
                anyhow::ensure!(status == 200, "HTTP {status}");
                // Let the server close (its tickets, if any, arrive before that).
                let _ = tokio::io::copy(&mut s, &mut tokio::io::sink()).await;
                latencies.push(t.elapsed());
                resumed += usize::from(r);
            }
            anyhow::Ok((latencies, resumed, version))
        });
    }
    let (mut all, mut resumed, mut version) = (Vec::new(), 0, None);
    while let Some(r) = tasks.join_next().await {
        let (l, r, v) = r??;
        all.extend(l);
        resumed += r;
        version = version.or(v);
    }
    let version = version.and_then(|v| v.as_str()).unwrap_or("none");
    let took = start.elapsed();
    all.sort();
    let pct = |p: f64| percentile_ms(&all, p);
    println!(
        "{{\"call\":\"handshake\",\"version\":\"{version}\",\"calls\":{},\"resumed\":{resumed},\"seconds\":{:.2},\"per_second\":{:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3}}}",
        all.len(),
        took.as_secs_f64(),
        all.len() as f64 / took.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );
    Ok(())
}

fn rss_kib(pids: &[u32]) -> anyhow::Result<u64> {
    let mut total = 0;
    for pid in pids {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("VmRSS")?;
        total += line.split_whitespace().nth(1).context("VmRSS value")?.parse::<u64>()?;
    }
    Ok(total)
}

/// Opens `n` keep-alive mTLS connections (one request each, one after another), then reads the
/// servers' resident set with all of them open and idle.
async fn idle(tls: &RawTls, n: usize, path: &str, pids: &[u32]) -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    let before = rss_kib(pids)?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let mut open = Vec::with_capacity(n);
    let mut buf = Vec::new();
    for _ in 0..n {
        let (mut s, _) = tls.connect().await?;
        s.write_all(request.as_bytes()).await?;
        let status = read_response(&mut s, &mut buf).await?;
        anyhow::ensure!(status == 200, "HTTP {status}");
        open.push(s);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let with = rss_kib(pids)?;
    println!(
        "{{\"call\":\"idle\",\"connections\":{},\"rss_before_kib\":{before},\"rss_kib\":{with}}}",
        open.len()
    );
    Ok(())
}

fn json_op(op: JsonOp) -> anyhow::Result<()> {
    let read = |doc: Option<String>| -> anyhow::Result<Value> {
        let text = match doc {
            Some(t) => t,
            None => std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?,
        };
        script::parse(&text)
    };
    match op {
        JsonOp::Get { path, doc, raw } => {
            let d = read(doc)?;
            let v = script::get(&d, &path)?;
            println!("{}", if raw { v.to_string() } else { script::display(v) });
        }
        JsonOp::Set { key, value, doc } => {
            let mut d = read(doc)?;
            let Some(obj) = d.as_object_mut() else { bail!("not a JSON object") };
            obj.insert(key, json!(value));
            println!("{d}");
        }
        JsonOp::Median { path, docs } => {
            let docs = docs.iter().map(|d| script::parse(d)).collect::<anyhow::Result<Vec<_>>>()?;
            println!("{}", script::median(&docs, &path)?);
        }
        JsonOp::CheckOha { label, doc } => script::check_oha_ok(&read(doc)?, &label)?,
        JsonOp::Sum { path } => {
            let text = std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?;
            println!("{}", script::round(script::sum_lines(&text, &path)?, 2));
        }
    }
    Ok(())
}
