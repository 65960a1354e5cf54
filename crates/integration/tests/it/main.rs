//! End-to-end tests: the real `intoss` binary on 127.0.0.1, real TLS, real clients.
//!
//! Map (add a test to the module it belongs to):
//! - `mtls`: handshake refusals (no cert, foreign CA, expired, wrong EKU, unknown, revoked) and
//!   revocation of open connections and of new connections that offer an earlier session;
//! - `tls_policy`: protocol versions and cipher suites, checked with `openssl s_client`;
//! - `scanners`: sslyze and testssl.sh on all three listeners, against expected verdicts;
//! - `handshake`: tlsfuzzer-style refusals on the gateway (empty Certificate, bad
//!   CertificateVerify, wrong EKU, chains through intermediates), with a raw rustls client;
//! - `gateway`: envelopes for every error, whoami, rate limit, IP allowlist, body limits;
//! - `proxy`: reverse-proxy routes, header stripping, upstream failures;
//! - `admin`: admin API auth, CLI commands and their JSON, CSR issuance;
//! - `lifecycle`: restart after SIGKILL, graceful shutdown, handshake timeout, bad data dirs;
//! - `faults`: SIGKILL under write load, a full disk, clock jumps (libfaketime), an upstream
//!   dying mid-response, slowloris clients;
//! - `interop`: the seed's clients (curl, Python requests, Node https, Java);
//! - `idv`: identity verification (토스 인증) end to end, with the independent Python client;
//! - `login`: Toss Login (토스 로그인) with the simulator, the SDK and the Python client, the
//!   unlink callback;
//! - `messages`: messages (기능성 푸시, 알림): templates and their review, the three sends,
//!   inboxes;
//! - `promotions`: promotions (토스 포인트): keys, executions, results, refusal codes, points,
//!   200 concurrent executions against a budget for 50;
//! - `pay`: Toss Pay (토스페이): the state machine with the simulator's approval, refusals,
//!   another app's payToken, 100 concurrent executions, SIGKILL during a burst; in-app purchase
//!   (인앱 결제): products, the simulator's orders, get-order-status;
//! - `events`: the outbox end to end: signed deliveries of real changes verified by the SDK and
//!   Python `standardwebhooks`, rotation, the SSRF guard, the log, `listen`/`trigger`, SIGKILL;
//! - `renewal`: certificates renewing themselves over mTLS (CSR, platform key, refusals), the
//!   renew daemon under libfaketime, the SDK's automatic renewal;
//! - `clocks`: per-app test clocks across Toss Login, Toss Pay, promotions and expiry warnings;
//! - `sandbox`: faults injected into the gateway (each action, p = 0.5 over 1,000 calls, the
//!   test-mode header), the request journal;
//! - `state`: the sandbox seed, export into a fresh data dir with the same answers, reset;
//! - `webhook`: expiry warnings delivered to an app's webhook.

#![allow(unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

mod common;

mod admin;
mod browser;
mod clocks;
mod cluster;
mod console;
mod docs;
mod doctor;
mod events;
mod faults;
mod firewall;
mod gateway;
mod handshake;
mod idv;
mod interop;
mod lifecycle;
mod login;
mod messages;
mod mtls;
mod pay;
mod postgres;
mod promotions;
mod proxy;
mod renewal;
mod robustness;
mod sandbox;
mod scanners;
mod sdk;
mod state;
mod tls_policy;
mod webhook;
