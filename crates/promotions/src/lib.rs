//! Promotions (프로모션, 토스 포인트), as the sandbox of the real service, without HTTP.
//!
//! - [`service`]: the partner's three steps (`get-key`, `execute-promotion`,
//!   `execution-result`), each app's promotions, the executions, each user's points, the
//!   simulator's failed settlement.
//! - [`error`]: [`PromotionError`]; its wire form is chosen in `intoss-http`.
//!
//! An execution claims its key, spends the budget and records itself in one transaction: the
//! budget is never overspent and a key gives points once, however many calls race.

pub mod error;
pub mod service;

pub use error::PromotionError;
pub use service::PromotionService;
