//! Helpers for the shell scripts (`scripts/lib/platform.sh`): where a running platform listens,
//! a free port, and the few JSON reads and edits the benchmark reports need, so that no script
//! parses JSON with inline Python.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context as _, bail};
use intoss_proto::api::Endpoints;
use serde_json::Value;

/// Which listener of `endpoints.json`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Listener {
    Gateway,
    Cert,
    Console,
}

/// `host:port` of a listener from `DATA_DIR/endpoints.json`; a wildcard bind (`0.0.0.0`, `::`)
/// is reached on loopback. `port_only` prints just the port.
pub(crate) fn endpoint(data_dir: &Path, which: Listener, port_only: bool) -> anyhow::Result<String> {
    let path = data_dir.join("endpoints.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let ep: Endpoints =
        serde_json::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
    let mut addr: SocketAddr = match which {
        Listener::Gateway => ep.gateway,
        Listener::Cert => ep.cert,
        Listener::Console => ep.console,
    };
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    Ok(if port_only { addr.port().to_string() } else { addr.to_string() })
}

/// A TCP port on 127.0.0.1 that was free a moment ago (for servers that need a fixed port).
pub(crate) fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("cannot bind 127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The value at a dotted path (`summary.requestsPerSec`) of a JSON document. A key that itself
/// holds dots (oha's `p99.9`) is matched whole when it is the rest of the path.
pub(crate) fn get<'a>(doc: &'a Value, path: &str) -> anyhow::Result<&'a Value> {
    let mut v = doc;
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(whole) = v.as_object().and_then(|m| m.get(rest)) {
            return Ok(whole);
        }
        let (key, tail) = rest.split_once('.').unwrap_or((rest, ""));
        v = match v {
            Value::Object(m) => m.get(key),
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
        .with_context(|| format!("no `{path}` in the JSON (missing `{key}`)"))?;
        rest = tail;
    }
    Ok(v)
}

/// A number at `path`.
pub(crate) fn number(doc: &Value, path: &str) -> anyhow::Result<f64> {
    get(doc, path)?.as_f64().with_context(|| format!("`{path}` is not a number"))
}

/// How a value is printed: strings bare, floats rounded to two decimals (as the reports show
/// them), anything else as JSON.
pub(crate) fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => round(n.as_f64().unwrap_or(f64::NAN), 2),
        other => other.to_string(),
    }
}

/// `x` with at most `digits` decimals and no trailing zeros (`12.5`, `3`).
pub(crate) fn round(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

/// The document whose number at `path` is the median (the upper one of an even count).
pub(crate) fn median<'a>(docs: &'a [Value], path: &str) -> anyhow::Result<&'a Value> {
    if docs.is_empty() {
        bail!("median of nothing");
    }
    let mut keyed = docs.iter().map(|d| Ok((number(d, path)?, d))).collect::<anyhow::Result<Vec<_>>>()?;
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(keyed[keyed.len() / 2].1)
}

/// The sum of the number at `path` over the JSON documents of `text`, one per line.
pub(crate) fn sum_lines(text: &str, path: &str) -> anyhow::Result<f64> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| number(&parse(l)?, path)).sum()
}

/// Parses a document given on the command line.
pub(crate) fn parse(text: &str) -> anyhow::Result<Value> {
    serde_json::from_str(text).with_context(|| {
        let head: String = text.chars().take(200).collect();
        format!("not JSON: {head}")
    })
}

/// oha's JSON report: every answer a 200 (the run's deadline aborts a few requests in flight,
/// which is not an error). Fails with what else came back.
pub(crate) fn check_oha_ok(doc: &Value, label: &str) -> anyhow::Result<()> {
    let codes = get(doc, "statusCodeDistribution")?.as_object().context("statusCodeDistribution")?;
    let bad: Vec<String> =
        codes.iter().filter(|(k, _)| *k != "200").map(|(k, v)| format!("{k}: {v}")).collect();
    let errors = doc.get("errorDistribution").and_then(Value::as_object);
    let errs: Vec<String> = errors
        .into_iter()
        .flatten()
        .filter(|(k, _)| !k.contains("deadline"))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let ok = codes.get("200").and_then(Value::as_u64).unwrap_or(0);
    if !bad.is_empty() || !errs.is_empty() || ok == 0 {
        bail!("{label}: non-200 answers {bad:?} or errors {errs:?} ({ok} answers were 200)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn paths_reach_nested_fields_and_name_what_is_missing() {
        let d = json!({"summary": {"requestsPerSec": 1234.5678, "total": 3}, "list": [1, {"x": "y"}]});
        assert_eq!(display(get(&d, "summary.requestsPerSec").unwrap()), "1234.57");
        assert_eq!(display(get(&d, "summary.total").unwrap()), "3");
        assert_eq!(display(get(&d, "list.1.x").unwrap()), "y");
        let e = get(&d, "summary.nope").unwrap_err().to_string();
        assert!(e.contains("summary.nope") && e.contains("`nope`"), "{e}");
        assert!(number(&d, "list.1.x").is_err());
        let oha = json!({"latencyPercentiles": {"p99": 0.002, "p99.9": 0.0031}});
        assert_eq!(number(&oha, "latencyPercentiles.p99.9").unwrap(), 0.0031, "a key with a dot");
        assert_eq!(number(&oha, "latencyPercentiles.p99").unwrap(), 0.002);
    }

    #[test]
    fn rounding_drops_trailing_zeros() {
        assert_eq!(round(2.0, 2), "2");
        assert_eq!(round(0.126, 2), "0.13");
        assert_eq!(round(12.5, 1), "12.5");
        assert_eq!(round(-1.0 / 3.0, 1), "-0.3");
    }

    #[test]
    fn the_median_is_the_middle_document() {
        let docs: Vec<Value> = [3.0, 1.0, 2.0].iter().map(|r| json!({"per_second": r, "id": *r})).collect();
        assert_eq!(median(&docs, "per_second").unwrap()["id"], 2.0);
        let two = &docs[..2];
        assert_eq!(median(two, "per_second").unwrap()["id"], 3.0, "the upper of two");
        assert!(median(&[], "per_second").is_err());
        assert!(median(&[json!({})], "per_second").is_err());
    }

    #[test]
    fn sums_run_over_json_lines() {
        assert_eq!(sum_lines("{\"calls\": 2}\n\n{\"calls\": 3.5}\n", "calls").unwrap(), 5.5);
        assert_eq!(sum_lines("", "calls").unwrap(), 0.0);
        assert!(sum_lines("{\"calls\": 2}\nnot json\n", "calls").is_err());
    }

    #[test]
    fn oha_reports_with_other_statuses_or_errors_fail() {
        let ok = json!({"statusCodeDistribution": {"200": 10}, "errorDistribution": {"aborted due to deadline": 3}});
        check_oha_ok(&ok, "x").unwrap();
        let bad = json!({"statusCodeDistribution": {"200": 10, "429": 1}, "errorDistribution": {}});
        assert!(check_oha_ok(&bad, "x").unwrap_err().to_string().contains("429"));
        let err =
            json!({"statusCodeDistribution": {"200": 10}, "errorDistribution": {"connection reset": 1}});
        assert!(check_oha_ok(&err, "x").is_err());
        let none = json!({"statusCodeDistribution": {}, "errorDistribution": {}});
        assert!(check_oha_ok(&none, "x").is_err());
    }

    #[test]
    fn endpoints_turn_wildcards_into_loopback() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("endpoints.json"),
            r#"{"gateway":"0.0.0.0:8443","cert":"127.0.0.1:9443","console":"[::]:9000"}"#,
        )
        .unwrap();
        assert_eq!(endpoint(dir.path(), Listener::Gateway, false).unwrap(), "127.0.0.1:8443");
        assert_eq!(endpoint(dir.path(), Listener::Console, false).unwrap(), "[::1]:9000");
        assert_eq!(endpoint(dir.path(), Listener::Cert, true).unwrap(), "9443");
        assert!(endpoint(&dir.path().join("nope"), Listener::Cert, false).is_err());
    }
}
