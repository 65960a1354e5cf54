//! Real servers for the test suites, started as plain processes on 127.0.0.1 (no Docker).
//!
//! [`postgres`] starts one PostgreSQL server per test process (initdb + pg_ctl, as the
//! `postgres` user when running as root, since both refuse root) and hands out fresh databases.
//! A watchdog stops the server and removes its files when the test process exits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A PostgreSQL server for this process, stopped at exit.
pub struct Postgres {
    _dir: tempfile::TempDir,
    data: PathBuf,
    pub port: u16,
    bin: PathBuf,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .args(["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

fn pg_bin() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    candidates.sort();
    candidates.reverse();
    candidates.push(PathBuf::from("/usr/local/bin"));
    candidates.into_iter().find(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// initdb and pg_ctl refuse to run as root: run them as the `postgres` user then.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start_postgres() -> Option<Postgres> {
    let bin = pg_bin()?;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("pg");
    std::fs::create_dir(&data).unwrap();
    if is_root() {
        let chown =
            |p: &Path| Command::new("chown").args(["-R", "postgres:postgres"]).arg(p).status().unwrap();
        assert!(chown(dir.path()).success(), "chown for the postgres user");
    }
    let out = as_postgres(&bin.join("initdb"))
        .args(["-D", data.to_str().unwrap(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .output()
        .unwrap();
    assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let opts = format!(
        "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c max_connections=200 -c fsync=off",
        data.display()
    );
    let out = as_postgres(&bin.join("pg_ctl"))
        .args([
            "-D",
            data.to_str().unwrap(),
            "-o",
            &opts,
            "-l",
            data.join("log").to_str().unwrap(),
            "-w",
            "start",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_ctl start: {}", String::from_utf8_lossy(&out.stderr));
    // Statics are never dropped: a watchdog stops the server and removes its files when this
    // test process exits, however it exits.
    let stop = format!(
        "tail --pid={} -f /dev/null; {} -D {} -m immediate stop >/dev/null 2>&1; rm -rf {}",
        std::process::id(),
        if is_root() {
            format!("runuser -u postgres -- {}", bin.join("pg_ctl").display())
        } else {
            bin.join("pg_ctl").display().to_string()
        },
        data.display(),
        dir.path().display()
    );
    // Outlives this process on purpose; its exit is reaped by init.
    #[allow(clippy::zombie_processes)]
    Command::new("sh").args(["-c", &stop]).stdin(std::process::Stdio::null()).spawn().unwrap();
    Some(Postgres { _dir: dir, data, port, bin })
}

static PG: OnceLock<Option<Postgres>> = OnceLock::new();
static DB_SEQ: AtomicUsize = AtomicUsize::new(0);

/// The process's PostgreSQL server, started on first use; `None` when PostgreSQL is not
/// installed (a failure instead when INTOSS_REQUIRE_POSTGRES=1).
pub fn postgres() -> Option<&'static Postgres> {
    let pg = PG.get_or_init(start_postgres).as_ref();
    if pg.is_none() {
        assert!(std::env::var("INTOSS_REQUIRE_POSTGRES").as_deref() != Ok("1"), "PostgreSQL is required");
        eprintln!("skipping PostgreSQL: no initdb/pg_ctl found");
    }
    pg
}

impl Postgres {
    /// A URL to the `postgres` maintenance database.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A fresh, empty database: its name and URL. Create it with `CREATE DATABASE <name>`
    /// through [`Postgres::admin_url`] (this crate has no SQL client) or use [`Postgres::createdb`].
    pub fn fresh_name(&self) -> String {
        format!("t{}_{}", std::process::id(), DB_SEQ.fetch_add(1, Ordering::SeqCst))
    }

    /// Creates a fresh database with `createdb` and returns its URL.
    pub fn createdb(&self) -> String {
        let name = self.fresh_name();
        let out = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", &name])
            .output()
            .unwrap();
        assert!(out.status.success(), "createdb: {}", String::from_utf8_lossy(&out.stderr));
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

/// A Redis server of one test, on 127.0.0.1; stopped on drop. [`Redis::stop`] and
/// [`Redis::start`] take it down and bring it back on the same port.
pub struct Redis {
    pub port: u16,
    child: Option<std::process::Child>,
    dir: tempfile::TempDir,
}

/// Starts a Redis server; `None` when redis-server is not installed (a failure instead when
/// INTOSS_REQUIRE_REDIS=1).
pub fn redis() -> Option<Redis> {
    let found =
        Command::new("sh").args(["-c", "command -v redis-server"]).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var("INTOSS_REQUIRE_REDIS").as_deref() != Ok("1"), "redis-server is required");
        eprintln!("skipping Redis: redis-server not found");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut r = Redis { port, child: None, dir: tempfile::tempdir().unwrap() };
    r.start();
    Some(r)
}

impl Redis {
    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn start(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Stop it when the test process exits, however it exits.
        let watchdog =
            format!("tail --pid={} -f /dev/null; kill -9 {} 2>/dev/null", std::process::id(), child.id());
        #[allow(clippy::zombie_processes)]
        Command::new("sh").args(["-c", &watchdog]).stdin(std::process::Stdio::null()).spawn().unwrap();
        self.child = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// Kills the server.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
