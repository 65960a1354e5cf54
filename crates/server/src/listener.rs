//! The TLS accept loop shared by the three listeners.
//!
//! Each accepted TCP connection gets its own task: the TLS handshake (bounded by the handshake
//! timeout), then HTTP/1.1 or HTTP/2 (by ALPN) with a header-read timeout. The TLS config is
//! read from its `ArcSwap` at each accept, so a reload applies to the next handshake.
//!
//! A handler can ask for its connection to be closed after the current response (a request on
//! a connection whose certificate was revoked) through [`ConnControl`]. On shutdown the loop
//! stops accepting, every connection finishes its in-flight requests and closes, and
//! [`serve`] returns once all have, or when the drain timeout passes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use intoss_tls::{ClientIdentity, ConnInfo};
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Lets a handler close its connection once the current response is sent.
#[derive(Debug, Clone)]
pub struct ConnControl(Arc<Notify>);

impl ConnControl {
    /// Closes the connection after the in-flight response(s).
    pub fn close(&self) {
        self.0.notify_one();
    }
}

/// How long connections may take to finish after shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// One listener's settings.
pub struct Listener {
    /// Bound socket.
    pub tcp: TcpListener,
    /// TLS config, read at each accept.
    pub tls: Arc<ArcSwap<ServerConfig>>,
    /// The app served on every connection.
    pub router: Router,
    /// Handshake deadline.
    pub handshake_timeout: Duration,
    /// Deadline for a request's headers.
    pub header_read_timeout: Duration,
    /// Name for logs.
    pub name: &'static str,
}

impl Listener {
    /// Serves until `shutdown` turns true (or its sender is dropped), then drains.
    pub async fn serve(self, mut shutdown: watch::Receiver<bool>) {
        let mut conns = JoinSet::new();
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((tcp, peer)) => {
                        let _ = tcp.set_nodelay(true);
                        let conn = Connection {
                            acceptor: TlsAcceptor::from(self.tls.load_full()),
                            router: self.router.clone(),
                            handshake_timeout: self.handshake_timeout,
                            header_read_timeout: self.header_read_timeout,
                            shutdown: shutdown.clone(),
                            name: self.name,
                        };
                        conns.spawn(conn.run(tcp, peer));
                    }
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(listener = self.name, error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
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

struct Connection {
    acceptor: TlsAcceptor,
    router: Router,
    handshake_timeout: Duration,
    header_read_timeout: Duration,
    shutdown: watch::Receiver<bool>,
    name: &'static str,
}

impl Connection {
    async fn run(mut self, tcp: tokio::net::TcpStream, peer: SocketAddr) {
        let tls = match tokio::time::timeout(self.handshake_timeout, self.acceptor.accept(tcp)).await {
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
        let close = Arc::new(Notify::new());
        let control = ConnControl(close.clone());
        let service =
            self.router.clone().map_request(move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(info.clone());
                req.extensions_mut().insert(control.clone());
                req
            });
        let mut builder = Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(self.header_read_timeout);
        builder.http2().timer(TokioTimer::new());
        let conn =
            builder.serve_connection_with_upgrades(TokioIo::new(tls), TowerToHyperService::new(service));
        tokio::pin!(conn);
        let mut closing = false;
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(listener = self.name, %peer, error = %e, "connection ended with an error");
                    }
                    break;
                }
                () = close.notified(), if !closing => {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
                _ = self.shutdown.changed(), if !closing => {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
