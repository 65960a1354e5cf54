//! The TLS accept loop shared by the three listeners.
//!
//! Each accepted TCP connection gets its own task: the TLS handshake (bounded by the handshake
//! timeout), then HTTP/2 if the client chose `h2` by ALPN, else HTTP/1.1 — chosen by ALPN, not by
//! sniffing the first bytes, so no phase of a connection waits without a deadline. HTTP/1.1 has
//! hyper's header-read timeout (which also bounds an idle keep-alive connection); both versions
//! have the idle timeout: a connection that starts no request for that long is shut down
//! gracefully (HTTP/2 GOAWAY; TLS close_notify), and dropped if that does not finish within the
//! header-read timeout (a client that never sent the HTTP/2 preface). HTTP/2 also pings an idle
//! peer. At most `max_connections` connections per listener are open; further ones wait in the
//! kernel's backlog. The TLS config is read from its `ArcSwap` at each accept, so a reload
//! applies to the next handshake.
//!
//! A handler can ask for its connection to be closed after the current response (a request on
//! a connection whose certificate was revoked) through [`ConnControl`]. On shutdown the loop
//! stops accepting, every connection finishes its in-flight requests and closes, and
//! [`Listener::serve`] returns once all have, or when the drain timeout passes.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::Body;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use intoss_tls::{ClientIdentity, ConnInfo};
use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tower::ServiceExt;

/// Lets a handler close its connection once the current response is sent, or drop it at once.
#[derive(Debug, Clone, Default)]
pub struct ConnControl {
    close: Arc<Notify>,
    abort: Arc<std::sync::atomic::AtomicBool>,
}

impl ConnControl {
    /// Closes the connection after the in-flight response(s).
    pub fn close(&self) {
        self.close.notify_one();
    }

    /// Drops the connection now, in-flight requests unanswered (an injected "connection reset").
    pub fn abort(&self) {
        self.abort.store(true, Ordering::Release);
        self.close.notify_one();
    }
}

/// The connection a request arrived on, shared by its requests.
#[derive(Debug, Clone)]
pub struct Conn {
    /// Peer address, client certificate, TLS parameters.
    pub info: ConnInfo,
    /// Closes the connection after the current response (a revoked certificate).
    pub control: ConnControl,
}

/// What a listener serves: one answer per request, never an error (failures are responses).
/// Generic rather than boxed, so the gateway's request path has no dynamic dispatch.
pub trait Service: Clone + Send + Sync + 'static {
    /// Serves `req`, which arrived on `conn`.
    fn call(&self, conn: &Arc<Conn>, req: http::Request<Incoming>) -> impl Future<Output = Response> + Send;
}

/// An axum router as a listener's service (the cert and console listeners). Each request
/// carries the connection's [`ConnInfo`] and [`ConnControl`] as extensions.
#[derive(Clone)]
pub struct RouterService(pub Router);

impl Service for RouterService {
    fn call(&self, conn: &Arc<Conn>, req: http::Request<Incoming>) -> impl Future<Output = Response> + Send {
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(conn.info.clone());
        req.extensions_mut().insert(conn.control.clone());
        let router = self.0.clone();
        async move {
            match router.oneshot(req).await {
                Ok(resp) => resp,
                Err(never) => match never {},
            }
        }
    }
}

/// The protocols every listener offers by ALPN, HTTP/2 first.
pub const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// How long connections may take to finish after shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// One listener's settings.
pub struct Listener<S> {
    /// Bound socket.
    pub tcp: TcpListener,
    /// TLS config, read at each accept.
    pub tls: Arc<ArcSwap<ServerConfig>>,
    /// What every connection serves.
    pub service: S,
    /// Handshake deadline.
    pub handshake_timeout: Duration,
    /// Deadline for a request's headers.
    pub header_read_timeout: Duration,
    /// A connection that starts no request for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// Name for logs.
    pub name: &'static str,
}

impl<S: Service> Listener<S> {
    /// Serves until `shutdown` turns true (or its sender is dropped), then drains.
    pub async fn serve(self, mut shutdown: watch::Receiver<bool>) {
        let mut conns = JoinSet::new();
        let slots = Arc::new(Semaphore::new(self.max_connections));
        let mut warned_full = false;
        loop {
            // Warn once per saturation: again only after a tenth of the slots freed up.
            if slots.available_permits() > self.max_connections / 10 {
                warned_full = false;
            } else if slots.available_permits() == 0 && !warned_full {
                warned_full = true;
                tracing::warn!(
                    listener = self.name,
                    max = self.max_connections,
                    "connection limit reached; new connections wait"
                );
            }
            tokio::select! {
                // Both halves are cancel-safe: a permit not yet used goes back.
                accepted = async {
                    let permit = slots.clone().acquire_owned().await;
                    (permit, self.tcp.accept().await)
                } => match accepted {
                    (Ok(permit), Ok((tcp, peer))) => {
                        let _ = tcp.set_nodelay(true);
                        let conn = Connection {
                            acceptor: TlsAcceptor::from(self.tls.load_full()),
                            service: self.service.clone(),
                            handshake_timeout: self.handshake_timeout,
                            header_read_timeout: self.header_read_timeout,
                            idle_timeout: self.idle_timeout,
                            shutdown: shutdown.clone(),
                            name: self.name,
                        };
                        conns.spawn(async move {
                            conn.run(tcp, peer).await;
                            drop(permit);
                        });
                    }
                    (_, Err(e)) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(listener = self.name, error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    (Err(_), _) => break, // the semaphore is never closed
                },
                _ = shutdown.changed() => break,
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
        drop(self.tcp);
        let drained =
            tokio::time::timeout(DRAIN_TIMEOUT, async { while conns.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(listener = self.name, left = conns.len(), "drain timeout; closing the rest");
            conns.abort_all();
        }
    }
}

struct Connection<S> {
    acceptor: TlsAcceptor,
    service: S,
    handshake_timeout: Duration,
    header_read_timeout: Duration,
    idle_timeout: Duration,
    shutdown: watch::Receiver<bool>,
    name: &'static str,
}

impl<S: Service> Connection<S> {
    async fn run(self, tcp: TcpStream, peer: SocketAddr) {
        // Boxed, and freed once the handshake is done: inline, its state would stay part of the
        // task for the connection's whole life.
        let handshake = Box::pin(self.acceptor.accept(tcp));
        let tls = match tokio::time::timeout(self.handshake_timeout, handshake).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::debug!(listener = self.name, %peer, error = %e, "TLS handshake refused");
                return;
            }
            Err(_) => {
                tracing::debug!(listener = self.name, %peer, "TLS handshake timed out");
                return;
            }
        };
        let (_, session) = tls.get_ref();
        let h2 = session.alpn_protocol() == Some(b"h2");
        let info = ConnInfo {
            peer,
            client: session
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(ClientIdentity::from_der)
                .map(Arc::new),
            // Static names: nothing is allocated per request for them.
            tls_version: session.protocol_version().and_then(|v| v.as_str()).unwrap_or("unknown"),
            cipher_suite: session
                .negotiated_cipher_suite()
                .and_then(|s| s.suite().as_str())
                .unwrap_or("unknown"),
        };
        let control = ConnControl::default();
        let close = control.clone();
        // When the last request started, in milliseconds since `opened`: the idle timer reads it.
        let opened = Instant::now();
        let last_request = Arc::new(AtomicU64::new(0));
        let seen = last_request.clone();
        let io = TokioIo::new(tls);
        let idle = Idle { opened, last_request };
        let conn = Arc::new(Conn { info, control });
        let app = self.service.clone();
        let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
            seen.store(millis_since(opened), Ordering::Relaxed);
            let (app, conn) = (app.clone(), conn.clone());
            async move { Ok::<_, Infallible>(app.call(&conn, req).await) }
        });
        self.http(io, h2, service, close, idle, peer).await;
    }

    /// Serves HTTP/2 (ALPN `h2`) or HTTP/1.1 on the TLS stream: the connection, and the future
    /// that drives it, on the heap. Not an `async fn`: one would keep a copy of `io` and
    /// `service` in every connection's task for its whole life. With the state of HTTP/2 and
    /// HTTP/1.1 and the handshake inline, a connection's task took ~9.6 KiB; now the task is ~1.7 KiB
    /// and an HTTP/1.1 connection's box ~1.8 KiB (`tests::a_connection_task_stays_small`).
    fn http<H, B>(
        self,
        io: TokioIo<TlsStream<TcpStream>>,
        h2: bool,
        service: H,
        close: ConnControl,
        idle: Idle,
        peer: SocketAddr,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>>
    where
        H: hyper::service::HttpService<Incoming, ResBody = B> + Send + 'static,
        H::Future: Send + 'static,
        H::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if h2 {
            let mut b = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
            b.timer(TokioTimer::new())
                .keep_alive_interval(Some(self.idle_timeout / 2))
                .keep_alive_timeout(self.header_read_timeout);
            let conn = Box::pin(b.serve_connection(io, service));
            Box::pin(async move { self.drive(conn, |c| c.graceful_shutdown(), &close, idle, peer).await })
        } else {
            let mut b = hyper::server::conn::http1::Builder::new();
            b.timer(TokioTimer::new()).header_read_timeout(self.header_read_timeout);
            let conn = Box::pin(b.serve_connection(io, service));
            Box::pin(async move { self.drive(conn, |c| c.graceful_shutdown(), &close, idle, peer).await })
        }
    }

    /// Runs `conn` to its end: closes it gracefully on revocation, server shutdown or idleness,
    /// and drops it if an idle close does not finish in time.
    /// `conn` comes boxed (see [`Self::http`]).
    async fn drive<C, E>(
        mut self,
        mut conn: Pin<Box<C>>,
        graceful: impl Fn(Pin<&mut C>),
        control: &ConnControl,
        idle: Idle,
        peer: SocketAddr,
    ) where
        C: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let idle_timer = tokio::time::sleep(self.idle_timeout);
        tokio::pin!(idle_timer);
        let mut closing = false;
        let mut idle_closed = false;
        // Set when an idle close began on a connection that never started a request (an HTTP/2
        // client that never sent its preface cannot finish a graceful close): past it, the
        // connection is dropped. One that served requests finishes them first, however long.
        let mut give_up: Option<Instant> = None;
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(listener = self.name, %peer, error = %e, "connection ended with an error");
                    }
                    break;
                }
                // An abort (asked by a handler) drops the connection even while it closes.
                () = control.close.notified(), if !closing || control.abort.load(Ordering::Acquire) => {
                    if control.abort.load(Ordering::Acquire) {
                        tracing::debug!(listener = self.name, %peer, "connection aborted by its handler");
                        break;
                    }
                    closing = true;
                    graceful(conn.as_mut());
                }
                _ = self.shutdown.changed(), if !closing => {
                    closing = true;
                    graceful(conn.as_mut());
                }
                () = &mut idle_timer, if !idle_closed => {
                    let quiet = idle.quiet_for();
                    if quiet >= self.idle_timeout {
                        tracing::debug!(listener = self.name, %peer, "idle; closing");
                        idle_closed = true;
                        if !closing {
                            closing = true;
                            graceful(conn.as_mut());
                        }
                        if idle.never_used() {
                            give_up = Some(Instant::now() + self.header_read_timeout);
                        }
                    } else {
                        idle_timer.as_mut().reset(Instant::now() + (self.idle_timeout - quiet));
                    }
                }
                () = sleep_until_opt(give_up) => {
                    tracing::debug!(listener = self.name, %peer, "idle close did not finish; dropping");
                    break;
                }
            }
        }
    }
}

/// When a connection last started a request.
struct Idle {
    opened: Instant,
    last_request: Arc<AtomicU64>,
}

impl Idle {
    /// No request has started on the connection (the first one stores at least 1 ms: see
    /// `millis_since`).
    fn never_used(&self) -> bool {
        self.last_request.load(Ordering::Relaxed) == 0
    }

    fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_request.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }
}

/// Milliseconds since `t`, at least 1 (0 means "no request yet").
fn millis_since(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX).max(1)
}

async fn sleep_until_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The size of one connection's task for the service `S`: every open connection holds one, so
/// it is what 1,000 idle connections cost (a test of each service keeps it small).
#[doc(hidden)]
pub fn connection_task_size<S: Service>() -> usize {
    fn size<S: Service, F, Fut>(_: F) -> usize
    where
        F: FnOnce(Connection<S>, TcpStream, SocketAddr) -> Fut,
    {
        std::mem::size_of::<Fut>()
    }
    size::<S, _, _>(Connection::<S>::run)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every open connection holds its task's future: 1,000 idle connections is (e) of issue 7
    /// (≤ 64 MiB). The HTTP connection and its driver are boxed apart (`Connection::http`).
    #[test]
    fn a_connection_task_stays_small() {
        let size = connection_task_size::<RouterService>();
        assert!(size <= 2048, "a connection's task is {size} bytes");
    }
}
