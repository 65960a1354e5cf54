//! Messages (기능성 푸시, 알림), as the sandbox of the real service, without HTTP.
//!
//! - [`service`]: the partner sends (`send-message`, `send-test-message`, `send-bulk-message`),
//!   each app's templates and their review, the messages kept as each user's inbox.
//! - [`template`]: `#{variable}` placeholders: parsing and rendering.
//! - [`error`]: [`MessageError`]; its wire form is chosen in `intoss-http`.
//!
//! Nothing reaches a phone: every message "sent" is stored, and the simulator and the admin API
//! show it as the user would see it.

pub mod error;
pub mod service;
pub mod template;

pub use error::MessageError;
pub use service::{MessageService, Recipient};
