//! HTTP plumbing shared by the platform's three listeners.
//!
//! - [`listener`]: the TLS accept loop (handshake deadline, HTTP/1.1 or HTTP/2 by ALPN, idle and
//!   header-read timeouts, connection limit, graceful drain), generic over the [`Service`] a
//!   listener serves;
//! - [`error`]: [`ApiError`], the FAIL envelope of the gateway and the admin API, and the one
//!   place where a [`intoss_core::CoreError`] becomes an HTTP status and an errorCode;
//! - [`extract`]: request extractors whose rejections are FAIL envelopes (JSON bodies within a
//!   size limit, query strings), naming the field at fault.

pub mod error;
pub mod extract;
pub mod listener;

pub use error::{ApiError, ErrorTag, json_response, success};
pub use extract::{ApiJson, ApiObject, ApiQuery, BodyLimit};
pub use listener::{Conn, ConnControl, Listener, RouterService, Service};
