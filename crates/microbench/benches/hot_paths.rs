//! Micro-benchmarks of the per-request hot paths (issue 7). Run with `scripts/bench-micro`.
//!
//! - `ratelimit/*`: one admission decision of [`MemoryLimiter`] (the in-memory limiter the
//!   gateway asks once per request), the limit far above the load so every decision admits.
//! - `envelope/*`: serialising the gateway's SUCCESS (`whoami`) and FAIL envelopes to bytes.
//! - `identity/*`: reading the [`ClientIdentity`] from a real P-256 client certificate issued
//!   by the platform CA (once per connection), its SHA-256 alone, and finding its serial in a
//!   snapshot of 10,000 certificates (once per request).
//! - `fieldcrypto/*`: AES-256-GCM field encryption and decryption of short values, and
//!   unwrapping a `sessionKey` with the platform's RSA-4096 private key (once per call).

// Setup failures abort the run: nothing to recover.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use intoss_pki::{CertificateAuthority, ClientKey, KeyType};
use intoss_proto::fieldcrypto::{Session, SessionKeyDecrypter, generate_platform_key};
use intoss_proto::{Envelope, ErrorCode};
use intoss_ratelimit::{Decision, MemoryLimiter};
use intoss_tls::ClientIdentity;
use rustls_pki_types::CertificateDer;
use serde::Serialize;
use time::OffsetDateTime;

/// Requests per simulated millisecond: the limiter's clock advances as under ~30k requests/s
/// (the gateway's measured throughput), so buckets roll over as they do in production.
const REQUESTS_PER_MS: u64 = 30;

/// A limit no benchmark reaches: every decision admits.
const FAR_ABOVE_LOAD: u32 = u32::MAX;

fn ratelimit(c: &mut Criterion) {
    let mut group = c.benchmark_group("ratelimit");

    let limiter = MemoryLimiter::new();
    let mut i = 0u64;
    group.bench_function("memory_admit", |b| {
        b.iter(|| {
            i += 1;
            let d = limiter.check_now(black_box("partner-app"), FAR_ABOVE_LOAD, i / REQUESTS_PER_MS);
            debug_assert!(matches!(d, Decision::Admitted { .. }));
            black_box(d)
        });
    });

    let limiter = MemoryLimiter::new();
    let apps: Vec<String> = (0..1_000).map(|n| format!("partner-app-{n:04}")).collect();
    for app in &apps {
        let _ = limiter.check_now(app, FAR_ABOVE_LOAD, 0);
    }
    let mut i = 0u64;
    group.bench_function("memory_admit_1000_apps", |b| {
        b.iter(|| {
            i += 1;
            // Stride 7 (coprime to 1,000) so consecutive decisions touch different windows.
            let app = &apps[((i * 7) % 1_000) as usize];
            black_box(limiter.check_now(black_box(app), FAR_ABOVE_LOAD, i / REQUESTS_PER_MS))
        });
    });
    group.finish();
}

/// The shape of the gateway's `whoami` payload (`crates/server/src/gateway.rs`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoAmI<'a> {
    app: &'a str,
    cert_serial: &'a str,
    not_after: &'a str,
    qpm_limit: u32,
    remaining: u32,
    tls_version: &'static str,
    cipher_suite: &'static str,
}

fn envelope(c: &mut Criterion) {
    let mut group = c.benchmark_group("envelope");
    group.bench_function("success_whoami", |b| {
        b.iter(|| {
            let env = Envelope::success(WhoAmI {
                app: black_box("partner-app"),
                cert_serial: black_box("3f9a6c0e1b7d4a2c8e5f0b1d2c3a4e5f"),
                not_after: black_box("2027-12-22T07:06:00Z"),
                qpm_limit: 6_000,
                remaining: 5_999,
                tls_version: "TLSv1.3",
                cipher_suite: "TLS13_AES_128_GCM_SHA256",
            });
            serde_json::to_vec(&env)
        });
    });
    group.bench_function("fail", |b| {
        b.iter(|| {
            let env = Envelope::<()>::fail(
                ErrorCode::TooManyRequests.as_str(),
                black_box("app partner-app is over its limit of 6000 requests per minute"),
            );
            serde_json::to_vec(&env)
        });
    });
    group.finish();
}

/// What the gateway's snapshot keeps per certificate (`crates/server/src/platform.rs`).
struct CertEntry {
    app: String,
    not_after: i64,
    revoked: bool,
    fingerprint: Option<[u8; 32]>,
}

fn identity(c: &mut Criterion) {
    let now = OffsetDateTime::now_utc();
    let (ca, _key) = CertificateAuthority::generate("intoss bench CA", now).expect("bench setup: CA");
    let issued = ca
        .issue_client("partner-app", &ClientKey::Generate(KeyType::EcdsaP256), now)
        .expect("bench setup: client certificate");
    let der = CertificateDer::from(issued.cert_der.clone());
    let id = ClientIdentity::from_der(&der).expect("bench setup: the issued certificate parses");

    let mut group = c.benchmark_group("identity");
    group.bench_function("from_der", |b| b.iter(|| ClientIdentity::from_der(black_box(&der))));
    group.bench_function("fingerprint", |b| {
        b.iter(|| intoss_tls::identity::fingerprint(black_box(&issued.cert_der)))
    });

    // 10,000 certificates by serial, the issued one among them, as in the gateway's snapshot.
    let mut certs: foldhash::HashMap<String, CertEntry> = foldhash::HashMap::default();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    while certs.len() < 9_999 {
        let serial = format!("{:016x}{:016x}", splitmix64(&mut state), splitmix64(&mut state));
        certs.insert(
            serial,
            CertEntry { app: "other-app".into(), not_after: id.not_after, revoked: false, fingerprint: None },
        );
    }
    certs.insert(
        id.serial.clone(),
        CertEntry {
            app: "partner-app".into(),
            not_after: id.not_after,
            revoked: false,
            fingerprint: Some(id.fingerprint),
        },
    );
    // The gateway's checks on the entry: same certificate, not revoked, not expired; then the
    // app name leads to the app.
    let unix_now = now.unix_timestamp();
    group.bench_function("snapshot_lookup", |b| {
        b.iter(|| {
            certs
                .get(black_box(id.serial.as_str()))
                .filter(|e| e.fingerprint.as_ref() == Some(&id.fingerprint))
                .filter(|e| !e.revoked && unix_now < e.not_after)
                .map(|e| e.app.as_str())
        })
    });
    group.finish();
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn fieldcrypto(c: &mut Criterion) {
    let session = Session::generate().expect("bench setup: session");
    let values = [("name", "김토스"), ("phone", "01012345678")];

    let mut group = c.benchmark_group("fieldcrypto");
    for (label, plain) in values {
        group.bench_with_input(BenchmarkId::new("encrypt_field", label), plain, |b, plain| {
            b.iter(|| session.encrypt(black_box(plain)))
        });
    }
    for (label, plain) in values {
        let field = session.encrypt(plain).expect("bench setup: encrypt");
        group.bench_with_input(BenchmarkId::new("decrypt_field", label), field.as_str(), |b, field| {
            b.iter(|| session.decrypt(black_box(field)))
        });
    }

    // The platform's key is RSA-4096 (`generate_platform_key`); one private-key operation is
    // milliseconds, so fewer samples.
    let (pkcs8, _spki) = generate_platform_key().expect("bench setup: RSA-4096 key");
    let decrypter = SessionKeyDecrypter::from_pkcs8_der(&pkcs8).expect("bench setup: decrypter");
    let session_key = session.session_key(&decrypter.public_key_spki_der()).expect("bench setup: sessionKey");
    group.sample_size(20).measurement_time(Duration::from_secs(8));
    group.bench_function("unwrap_session_key", |b| b.iter(|| decrypter.unwrap(black_box(&session_key))));
    group.finish();
}

criterion_group!(benches, ratelimit, envelope, identity, fieldcrypto);
criterion_main!(benches);
