//! The source-IP allowlist parser (`IpRule::from_str`, `IpAllowlist::parse`): single addresses,
//! CIDR blocks and the seeds' `a.b.c.x~y` ranges.
//!
//! Input: text, one allowlist entry per line. For every entry that parses:
//! - its canonical form (what the admin API stores) parses back to the same rule;
//! - a range has `start <= end`, and its start is the address written before `~`;
//! - a block has no host bits;
//! - `contains` agrees with an independent membership test on the rule's edges (first and last
//!   address, one below, one above, IPv4-mapped spellings) and on a few fixed addresses: the
//!   rule never admits an address outside it and never refuses one inside it;
//! - `expand` lists exactly the rule's addresses, in order, when there are at most 4096 of them.
//!
//! The whole list parses exactly when every line does, and admits an address exactly when it
//! is empty or one of its rules contains the address.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use intoss_proto::{IpAllowlist, IpRule};
use ipnet::IpNet;
use libfuzzer_sys::fuzz_target;

const EXPAND_LIMIT: u64 = 4096;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.lines().take(64).collect();
    let mut rules = Vec::new();
    for line in &lines {
        if let Ok(rule) = line.parse::<IpRule>() {
            check_rule(line, &rule);
            rules.push(rule);
        }
    }
    match IpAllowlist::parse(&lines) {
        Ok(list) => {
            assert_eq!(list.rules(), rules.as_slice());
            assert_eq!(IpAllowlist::parse(&list.to_strings()).unwrap(), list, "canonical forms");
            for addr in rules.iter().flat_map(probes).chain(fixed_probes()) {
                let expected = rules.is_empty() || rules.iter().any(|r| reference_contains(r, addr));
                assert_eq!(list.admits(addr), expected, "{addr}");
            }
        }
        Err(_) => assert!(rules.len() < lines.len(), "a list of valid entries was refused"),
    }
});

fn check_rule(line: &str, rule: &IpRule) {
    let canonical = rule.to_string();
    assert_eq!(canonical.parse::<IpRule>().as_ref(), Ok(rule), "{line:?} is stored as {canonical:?}");
    match rule {
        IpRule::Range { start, end } => {
            assert!(start <= end);
            let (written_start, _) = line.split_once('~').expect("a range is written with `~`");
            assert_eq!(written_start.trim().parse::<Ipv4Addr>().ok(), Some(*start));
        }
        IpRule::Net(net) => assert_eq!(net.trunc(), *net, "host bits set"),
    }
    for addr in probes(rule).into_iter().chain(fixed_probes()) {
        assert_eq!(rule.contains(addr), reference_contains(rule, addr), "{line:?} and {addr}");
    }
    let size = size(rule);
    match rule.expand(EXPAND_LIMIT) {
        Some(all) => {
            assert!(size <= u128::from(EXPAND_LIMIT), "{line:?} expanded past the limit");
            assert_eq!(all.len() as u128, size);
            assert!(all.windows(2).all(|w| w[0] < w[1]), "not in order");
            for addr in [all.first(), all.last()].into_iter().flatten() {
                assert!(rule.contains(*addr), "{line:?} expanded to {addr}, outside it");
            }
        }
        None => assert!(size > u128::from(EXPAND_LIMIT) || is_v6(rule), "{line:?}: {size} addresses"),
    }
}

/// Membership, computed from the bounds of the rule. IPv4-mapped IPv6 addresses are the IPv4
/// address they carry (documented in `crates/proto/src/ip.rs`).
fn reference_contains(rule: &IpRule, addr: IpAddr) -> bool {
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    };
    let (first, last) = bounds(rule);
    match (first, last, addr) {
        (IpAddr::V4(f), IpAddr::V4(l), IpAddr::V4(a)) => f <= a && a <= l,
        (IpAddr::V6(f), IpAddr::V6(l), IpAddr::V6(a)) => f <= a && a <= l,
        _ => false,
    }
}

/// The first and last address of a rule, from its prefix length by arithmetic.
fn bounds(rule: &IpRule) -> (IpAddr, IpAddr) {
    match rule {
        IpRule::Range { start, end } => ((*start).into(), (*end).into()),
        IpRule::Net(IpNet::V4(n)) => {
            let host = u32::MAX.checked_shr(u32::from(n.prefix_len())).unwrap_or(0);
            let base = u32::from(n.addr());
            (Ipv4Addr::from(base).into(), Ipv4Addr::from(base | host).into())
        }
        IpRule::Net(IpNet::V6(n)) => {
            let host = u128::MAX.checked_shr(u32::from(n.prefix_len())).unwrap_or(0);
            let base = u128::from(n.addr());
            (Ipv6Addr::from(base).into(), Ipv6Addr::from(base | host).into())
        }
    }
}

fn size(rule: &IpRule) -> u128 {
    match bounds(rule) {
        (IpAddr::V4(f), IpAddr::V4(l)) => u128::from(u32::from(l) - u32::from(f)) + 1,
        (IpAddr::V6(f), IpAddr::V6(l)) => (u128::from(l) - u128::from(f)).saturating_add(1),
        _ => unreachable!("both bounds have the rule's family"),
    }
}

fn is_v6(rule: &IpRule) -> bool {
    matches!(rule, IpRule::Net(IpNet::V6(_)))
}

/// The edges of a rule and their neighbours, in every spelling a peer address can have.
fn probes(rule: &IpRule) -> Vec<IpAddr> {
    let mut out = Vec::new();
    match bounds(rule) {
        (IpAddr::V4(f), IpAddr::V4(l)) => {
            let (f, l) = (u32::from(f), u32::from(l));
            for a in [Some(f), Some(l), f.checked_sub(1), l.checked_add(1), Some(f + (l - f) / 2)]
                .into_iter()
                .flatten()
            {
                let v4 = Ipv4Addr::from(a);
                out.extend([
                    IpAddr::V4(v4),
                    IpAddr::V6(v4.to_ipv6_mapped()),
                    IpAddr::V6(v4.to_ipv6_compatible()),
                ]);
            }
        }
        (IpAddr::V6(f), IpAddr::V6(l)) => {
            let (f, l) = (u128::from(f), u128::from(l));
            for a in [Some(f), Some(l), f.checked_sub(1), l.checked_add(1), Some(f + (l - f) / 2)]
                .into_iter()
                .flatten()
            {
                let v6 = Ipv6Addr::from(a);
                out.push(IpAddr::V6(v6));
                if let Some(v4) = v6.to_ipv4_mapped() {
                    out.push(IpAddr::V4(v4));
                }
            }
        }
        _ => unreachable!("both bounds have the rule's family"),
    }
    out
}

fn fixed_probes() -> impl Iterator<Item = IpAddr> {
    ["0.0.0.0", "255.255.255.255", "127.0.0.1", "117.52.3.80", "::", "::1", "::ffff:0.0.0.0", "2001:db8::1"]
        .into_iter()
        .map(|a| a.parse().unwrap())
}
