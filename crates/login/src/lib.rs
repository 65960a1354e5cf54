//! Toss Login (토스 로그인), as the sandbox of the real service, without HTTP.
//!
//! - [`service`]: the partner calls (`generate-token`, `refresh-token`, `login-me`, the two
//!   removes), the simulator's login and unlink, sandbox users and each app's settings.
//! - [`error`]: [`LoginError`]; its wire form is chosen in `intoss-http` and the gateway.
//!
//! Codes and tokens are random 256-bit strings stored only as SHA-256 hashes. Each app's
//! field-decryption key and AAD are derived from a data-dir secret and the app's key
//! generation, so no key is stored and rotating one is a counter.

pub mod error;
pub mod service;

pub use error::LoginError;
pub use service::{LoginConfig, LoginService, MOCK_CODE_PREFIX, NoSink, UnlinkDelivery, UnlinkSink};
