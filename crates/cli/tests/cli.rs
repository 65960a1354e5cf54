//! The binary's own surface, without a server: version, usage errors, help. (Everything that
//! needs a running platform is in crates/integration; this test also makes `cargo test` build
//! the `intoss` binary that suite runs.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn intoss(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_intoss")).args(args).output().unwrap()
}

#[test]
fn version_is_the_crate_version() {
    let out = intoss(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("intoss {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2_and_name_the_problem() {
    let out = intoss(&["cert", "issue"]);
    assert_eq!(out.status.code(), Some(2), "a missing argument is a usage error");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--app") || err.contains("<APP>") || err.contains("required"), "{err}");
    let out = intoss(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("no-such-command"));
}

#[test]
fn help_lists_every_command() {
    let out = intoss(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for cmd in ["serve", "migrate", "app", "cert", "idv", "call", "doctor", "firewall"] {
        assert!(help.contains(cmd), "`{cmd}` is missing from --help:\n{help}");
    }
}
