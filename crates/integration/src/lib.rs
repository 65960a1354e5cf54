//! The end-to-end suite of intoss lives in `tests/it` (one test binary, `it`); this library is
//! empty. The tests start the real `intoss` binary on 127.0.0.1 and drive it with real TLS,
//! real databases (SQLite, PostgreSQL, Redis as plain processes) and the seeds' own clients
//! (curl, Python `requests`, Node `https`, Java, libcurl), plus schemathesis, sslyze,
//! testssl.sh and headless Chromium. `tests/it/main.rs` maps the modules.
//!
//! The binary under test is `intoss` from the same target directory as the test binary
//! (`target/<profile>/intoss`), or `$INTOSS_BIN`. Build it in the same `cargo test` run:
//!
//! ```text
//! cargo test --workspace                          # scripts/test: every test
//! cargo test -p intoss-cli -p intoss-integration  # just this suite, binary rebuilt
//! ```
//!
//! `cargo test -p intoss-integration` alone would run against whatever binary was built
//! last; the suite refuses to start when there is none.
