//! Keep-alive connections to the proxy routes' upstreams.
//!
//! Each route owns one [`Pool`]: idle HTTP/1.1 connections to its upstream, taken last-in
//! first-out (the warmest first) and given back when the upstream's response body has been read to
//! its end. A connection whose response was cut short, or that the upstream closed, is never given
//! back. This replaces hyper-util's general-purpose client, whose pool keyed every request by a
//! formatted scheme and authority and took two locks per request (about 16 % of a proxied
//! request's instructions under callgrind; docs/performance.md).
//!
//! A request that could not be written because a reused connection turned out to be closed is
//! sent again, on the next idle connection or a new one (each closed one is dropped, so this
//! ends): nothing of it reached the upstream, so this is safe for every method. Idle connections
//! older than [`IDLE_TIMEOUT`] are dropped when the pool is next used; an upstream that closes
//! them sooner is noticed by the connection's task.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::time::Instant;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::Route;

/// How long an idle upstream connection is kept.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Idle connections kept per route; more are closed when their response ends.
pub const MAX_IDLE: usize = 256;
/// Time allowed for the TCP connect to an upstream.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One pool per configured route, in the order of `Config::routes`.
#[derive(Debug, Clone, Default)]
pub struct UpstreamClient(Arc<[Arc<Pool>]>);

impl UpstreamClient {
    /// Pools for `routes` (no connection is opened until a request needs one).
    pub fn new(routes: &[Route]) -> Self {
        Self(routes.iter().map(|r| Arc::new(Pool::new(&r.upstream))).collect())
    }

    /// The pool of route `index`.
    pub fn pool(&self, index: usize) -> Option<&Arc<Pool>> {
        self.0.get(index)
    }
}

/// Why a request did not get an upstream response.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The TCP connect failed or took longer than [`CONNECT_TIMEOUT`].
    #[error("could not connect to {addr}: {source}")]
    Connect {
        /// `host:port`.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The HTTP exchange failed (the connection closed, a malformed response, the request body
    /// failed, ...).
    #[error(transparent)]
    Http(#[from] hyper::Error),
}

/// Idle connections to one upstream.
pub struct Pool {
    addr: String,
    host: HeaderValue,
    idle: Mutex<VecDeque<Idle>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("addr", &self.addr).finish_non_exhaustive()
    }
}

struct Idle {
    sender: SendRequest<Body>,
    since: Instant,
}

impl Pool {
    fn new(upstream: &http::Uri) -> Self {
        let host = upstream.host().unwrap_or_default();
        let port = upstream.port_u16().unwrap_or(80);
        let authority = upstream.authority().map_or("", |a| a.as_str());
        Self {
            // IPv6 literals keep their brackets in `host()`, which is what `connect` wants.
            addr: format!("{host}:{port}"),
            host: HeaderValue::from_str(authority).unwrap_or_else(|_| HeaderValue::from_static("")),
            idle: Mutex::new(VecDeque::new()),
        }
    }

    /// Sends `req` (origin-form URI) with the upstream's `Host`, on an idle connection if there
    /// is one. The response body gives its connection back to the pool when read to the end.
    pub async fn send(
        self: &Arc<Self>,
        mut req: Request<Body>,
    ) -> Result<Response<PooledBody>, UpstreamError> {
        req.headers_mut().insert(header::HOST, self.host.clone());
        loop {
            let (mut sender, reused) = match self.take() {
                Some(s) => (s, true),
                None => (self.connect().await?, false),
            };
            match sender.try_send_request(req).await {
                Ok(resp) => return Ok(resp.map(|body| PooledBody::new(body, sender, self.clone()))),
                Err(mut e) => match e.take_message() {
                    // Not written: the reused connection was closed under us. Again, on another.
                    Some(back) if reused => req = back,
                    _ => return Err(e.into_error().into()),
                },
            }
        }
    }

    /// The most recently used idle connection that is ready for a request. One that is closed,
    /// or still busy (say, writing a request body the upstream answered before reading), is
    /// dropped rather than waited for: waiting would put this request behind another's.
    fn take(&self) -> Option<SendRequest<Body>> {
        loop {
            let sender = {
                let mut idle = self.lock();
                expire(&mut idle, Instant::now());
                idle.pop_back()?.sender
            };
            if sender.is_ready() {
                return Some(sender);
            }
        }
    }

    async fn connect(&self) -> Result<SendRequest<Body>, UpstreamError> {
        let connect_error = |source| UpstreamError::Connect { addr: self.addr.clone(), source };
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(&self.addr))
            .await
            .map_err(|_| connect_error(std::io::ErrorKind::TimedOut.into()))?
            .map_err(connect_error)?;
        stream.set_nodelay(true).map_err(connect_error)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        let addr = self.addr.clone();
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(upstream = %addr, error = %e, "upstream connection ended");
            }
        });
        Ok(sender)
    }

    fn give_back(&self, sender: SendRequest<Body>) {
        if sender.is_closed() {
            return;
        }
        let now = Instant::now();
        let mut idle = self.lock();
        expire(&mut idle, now);
        if idle.len() < MAX_IDLE {
            idle.push_back(Idle { sender, since: now });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Idle>> {
        // The deque is consistent after every operation on it; a panic elsewhere cannot tear it.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Drops the connections idle for longer than [`IDLE_TIMEOUT`] (the oldest are at the front).
fn expire(idle: &mut VecDeque<Idle>, now: Instant) {
    while idle.front().is_some_and(|i| now.duration_since(i.since) > IDLE_TIMEOUT) {
        idle.pop_front();
    }
}

/// An upstream response body that gives its connection back to the pool once it has been read to
/// its end (never when it failed or was dropped early: hyper then closes the connection).
pub struct PooledBody {
    inner: Incoming,
    back: Option<(SendRequest<Body>, Arc<Pool>)>,
}

impl PooledBody {
    fn new(inner: Incoming, sender: SendRequest<Body>, pool: Arc<Pool>) -> Self {
        let mut body = Self { inner, back: Some((sender, pool)) };
        if http_body::Body::is_end_stream(&body.inner) {
            body.give_back();
        }
        body
    }

    fn give_back(&mut self) {
        if let Some((sender, pool)) = self.back.take() {
            pool.give_back(sender);
        }
    }
}

impl http_body::Body for PooledBody {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        match &frame {
            None => self.give_back(),
            Some(Ok(_)) if self.inner.is_end_stream() => self.give_back(),
            Some(Err(_)) => self.back = None,
            Some(Ok(_)) => {}
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use http_body_util::BodyExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A keep-alive upstream answering `ok` to every request; counts its connections.
    async fn upstream() -> (http::Uri, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}", listener.local_addr().unwrap()).parse().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while let Ok(n @ 1..) = sock.read(&mut chunk).await {
                        buf.extend_from_slice(&chunk[..n]);
                        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            buf.drain(..end + 4);
                            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if sock.write_all(reply).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        (uri, accepted)
    }

    async fn get(pool: &Arc<Pool>) {
        let req = Request::get("/x").body(Body::empty()).unwrap();
        let body = pool.send(req).await.unwrap().into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"ok");
    }

    #[tokio::test]
    async fn a_connection_idle_past_the_timeout_is_not_reused() {
        let (uri, accepted) = upstream().await;
        let pool = Arc::new(Pool::new(&uri));
        get(&pool).await;
        get(&pool).await;
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "kept alive and reused");
        tokio::time::pause();
        tokio::time::advance(IDLE_TIMEOUT + Duration::from_secs(1)).await;
        tokio::time::resume();
        get(&pool).await;
        assert_eq!(accepted.load(Ordering::SeqCst), 2, "a new connection after the idle timeout");
    }
}
