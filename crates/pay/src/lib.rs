//! Toss Pay (토스페이) and in-app purchase (인앱 결제), as the sandbox of the real services,
//! without HTTP.
//!
//! - [`service`]: the partner calls (`make-payment`, `execute-payment`, `refund-payment`,
//!   `get-payment-status`), the simulator's approve and decline, each app's settings.
//! - [`iap`]: in-app purchase: each app's products, the simulator's orders, `get-order-status`.
//! - [`error`]: [`PayError`]; its wire form is chosen in `intoss-http`.
//!
//! Each step is a compare-and-set in the store, so retries and concurrent calls never execute
//! a payment twice or refund more than was paid.

pub mod error;
pub mod iap;
pub mod service;

pub use error::PayError;
pub use iap::IapService;
pub use service::PayService;
