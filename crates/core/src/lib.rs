//! The platform's rules, with no HTTP in them.
//!
//! - [`Registry`]: apps, certificates (issue, renew, list, revoke), renewal policies, and expiry notices. Each call validates its input,
//!   writes the store and, when the gateway's view changed, reloads the [`Snapshots`]. It
//!   answers the wire types of [`intoss_proto::api::admin`], so a handler only parses, calls
//!   and maps the [`CoreError`].
//! - [`IdvAdmin`]: identity-verification clients and the user simulator's transitions.
//! - [`Snapshots`]: the hot, read-only view of apps and certificates that the gateway admits
//!   requests with, swapped whole at each reload; observers (the gateway's TLS config) are told
//!   when certificates changed.
//! - [`expiry`]: the 30/7/1-day warnings, each recorded once per certificate.
//! - [`RequestStats`]: requests per app per minute for the console's overview.
//! - [`Clock`]: the monotonic clock of the request path (tokio's, so tests pause it).

mod clock;
mod error;
pub mod expiry;
mod idv_admin;
mod registry;
mod snapshot;
mod stats;

pub use clock::{Clock, rfc3339, unix_now};
pub use error::{CoreError, RenewalRefusal};
pub use idv_admin::IdvAdmin;
pub use registry::{EXPIRY_THRESHOLDS_DAYS, MAX_QPM, Registry, fault_from_header, normalize_serial};

/// The header a test-mode app sends to inject a fault into one gateway request.
pub const FAULT_HEADER: &str = "x-intoss-fault";
pub use snapshot::{AppEntry, CertEntry, FaultRule, Snapshot, SnapshotObserver, Snapshots};
pub use stats::{Answered, JOURNAL_SIZE, JournalBodies, MASK, RequestStats, masked_body};
