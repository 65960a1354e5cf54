//! Wire types shared by the intoss platform, the SDK and the CLI.
//!
//! Nothing here does I/O. It holds:
//! - [`api`]: the request and response bodies of every API (admin, identity verification,
//!   the gateway's built-ins), shared by the platform, the SDK and the CLI;
//! - [`envelope`]: the Apps-in-Toss JSON envelope (`resultType` / `success` / `error`);
//! - [`code`]: the stable `errorCode` values of the gateway and the admin API, each with its HTTP
//!   status, so that the mapping lives in exactly one place;
//! - [`fieldcrypto`]: the field encryption of Toss identity verification (토스 인증): sessions,
//!   `sessionKey`s (RSA-OAEP) and AES-256-GCM fields, pinned to the official test vector;
//! - [`logincrypto`]: the AES-256-GCM fields of Toss Login's `login-me`;
//! - [`ip`]: the source-IP allowlist syntax of the seeds (CIDRs and `117.52.3.80~87` ranges);
//! - [`network`]: the seeds' firewall tables: Toss's inbound and outbound addresses and domains;
//! - [`times`]: how each API writes times (RFC 3339 UTC, and four Korea-time forms);
//! - [`webhook`]: event types, the two delivery formats and their signatures (Standard Webhooks).

pub mod api;
pub mod code;
pub mod envelope;
pub mod fieldcrypto;
pub mod ip;
pub mod logincrypto;
pub mod network;
pub mod times;
pub mod webhook;

pub use code::ErrorCode;
pub use envelope::{Envelope, ErrorBody, ResultType};
pub use ip::{IpAllowlist, IpRule, IpRuleError};
