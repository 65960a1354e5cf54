//! Criterion micro-benchmarks of what the gateway and identity verification do per request:
//! the rate-limit decision, envelope serialisation, reading the client identity from the
//! certificate and finding it in the snapshot, and the field crypto of 토스 인증.
//!
//! Everything lives in `benches/hot_paths.rs`; run it with `scripts/bench-micro` (numbers and
//! their reading in `docs/performance.md`). This library is empty on purpose.

#![forbid(unsafe_code)]
