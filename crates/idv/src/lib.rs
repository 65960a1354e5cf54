//! Identity verification (토스 인증 / 본인확인), as the sandbox of the real service.
//!
//! - [`service`]: what each call does; state lives in the store and every transition is a
//!   compare-and-set, so it holds across processes.
//! - [`token`]: RS256 access tokens verifiable without a database round trip.
//! - [`person`]: the virtual person of the test environment and the live simulator's people.
//! - [`error`]: the CE.... error codes and their HTTP statuses (the one place).
//!
//! No HTTP here: the cert listener's routes are `intoss-idv-api`, and the admin side (clients,
//! the simulator) is `intoss_core::IdvAdmin`.
//!
//! A partner whose code works against the real service points it here by changing the base URLs
//! and the RSA public key only.

pub mod error;
pub mod person;
pub mod service;
pub mod token;

pub use error::{IdvError, OAuthError};
pub use service::{IdvConfig, IdvKeys, IdvService};
