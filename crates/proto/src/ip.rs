//! Source-IP allowlists in the syntax of the seeds.
//!
//! An entry is one of:
//! - a single address: `117.52.3.11`, `::1`;
//! - a CIDR block: `10.0.0.0/8`, `2001:db8::/32`;
//! - a last-octet IPv4 range as printed in the Apps-in-Toss tables: `117.52.3.80~87`
//!   (both ends included). A full second address (`117.52.3.80~117.52.3.87`) is accepted too.
//!
//! An empty allowlist admits every address. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are
//! matched as the IPv4 address they carry.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net};

/// Why an allowlist entry did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IpRuleError {
    /// Not an address, a CIDR block nor a range.
    #[error("`{0}` is not an IP address, a CIDR block (a.b.c.d/n) or a range (a.b.c.x~y)")]
    Syntax(String),
    /// A range whose end is below its start.
    #[error("`{0}` is not a valid range: the end must not be below the start")]
    BadRange(String),
    /// A CIDR block with host bits set (`10.0.0.1/8`), which usually hides a typo.
    #[error("`{0}` has host bits set; did you mean `{1}`?")]
    HostBits(String, String),
}

/// One allowlist entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpRule {
    /// An address or CIDR block (a single address is a /32 or /128).
    Net(IpNet),
    /// An inclusive IPv4 range.
    Range {
        /// First address admitted.
        start: Ipv4Addr,
        /// Last address admitted.
        end: Ipv4Addr,
    },
}

impl IpRule {
    /// Whether `addr` falls inside this entry.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        match (self, addr) {
            (Self::Net(net), addr) => net.contains(&addr),
            (Self::Range { start, end }, IpAddr::V4(a)) => *start <= a && a <= *end,
            (Self::Range { .. }, IpAddr::V6(_)) => false,
        }
    }

    /// Every address of the entry, for firewall rules. `None` for blocks larger than `limit`.
    pub fn expand(&self, limit: u64) -> Option<Vec<IpAddr>> {
        match self {
            Self::Net(IpNet::V4(n)) => {
                let size = 1u64 << (32 - n.prefix_len());
                (size <= limit).then(|| {
                    let base = u64::from(u32::from(n.network()));
                    (base..base + size)
                        .filter_map(|i| u32::try_from(i).ok())
                        .map(|i| IpAddr::V4(Ipv4Addr::from(i)))
                        .collect()
                })
            }
            Self::Net(IpNet::V6(n)) if n.prefix_len() == 128 => Some(vec![IpAddr::V6(n.addr())]),
            Self::Net(_) => None,
            Self::Range { start, end } => {
                let (s, e) = (u32::from(*start), u32::from(*end));
                (u64::from(e - s) < limit).then(|| (s..=e).map(|i| IpAddr::V4(Ipv4Addr::from(i))).collect())
            }
        }
    }
}

impl FromStr for IpRule {
    type Err = IpRuleError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let s = raw.trim();
        let syntax = || IpRuleError::Syntax(raw.to_owned());
        if let Some((a, b)) = s.split_once('~') {
            let start: Ipv4Addr = a.trim().parse().map_err(|_| syntax())?;
            let b = b.trim();
            let end = if let Ok(full) = b.parse::<Ipv4Addr>() {
                full
            } else {
                let last: u8 = b.parse().map_err(|_| syntax())?;
                let [o1, o2, o3, _] = start.octets();
                Ipv4Addr::new(o1, o2, o3, last)
            };
            if end < start {
                return Err(IpRuleError::BadRange(raw.to_owned()));
            }
            return Ok(Self::Range { start, end });
        }
        if s.contains('/') {
            let net: IpNet = s.parse().map_err(|_| syntax())?;
            if net.trunc() != net {
                return Err(IpRuleError::HostBits(raw.to_owned(), net.trunc().to_string()));
            }
            return Ok(Self::Net(ipv4_if_mapped(net)));
        }
        let addr: IpAddr = s.parse().map_err(|_| syntax())?;
        Ok(Self::Net(IpNet::from(addr.to_canonical())))
    }
}

/// An IPv4-mapped IPv6 block (`::ffff:10.0.0.0/104`) as the IPv4 block it maps (`10.0.0.0/8`):
/// peers' mapped addresses are matched as IPv4, so a mapped block would otherwise match nothing,
/// and a mapped /128 would change meaning once stored in its canonical form (`::ffff:a.b.c.d`).
fn ipv4_if_mapped(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => v6
            .addr()
            .to_ipv4_mapped()
            .and_then(|v4| Ipv4Net::new(v4, v6.prefix_len() - 96).ok())
            .map_or(net, IpNet::V4),
        other => other,
    }
}

impl fmt::Display for IpRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Net(n) if n.prefix_len() == n.max_prefix_len() => write!(f, "{}", n.addr()),
            Self::Net(n) => write!(f, "{n}"),
            Self::Range { start, end } => {
                let (s, e) = (start.octets(), end.octets());
                if s[..3] == e[..3] { write!(f, "{start}~{}", e[3]) } else { write!(f, "{start}~{end}") }
            }
        }
    }
}

/// A parsed allowlist. Empty means "every address".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowlist(Vec<IpRule>);

impl IpAllowlist {
    /// Parses every entry, failing on the first bad one.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, IpRuleError> {
        entries.iter().map(|e| e.as_ref().parse()).collect::<Result<Vec<_>, _>>().map(Self)
    }

    /// Whether `addr` is admitted.
    pub fn admits(&self, addr: IpAddr) -> bool {
        self.0.is_empty() || self.0.iter().any(|r| r.contains(addr))
    }

    /// The entries.
    pub fn rules(&self) -> &[IpRule] {
        &self.0
    }

    /// Whether the list is empty (admits everything).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries in their canonical string form.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

impl FromIterator<IpRule> for IpAllowlist {
    fn from_iter<I: IntoIterator<Item = IpRule>>(rules: I) -> Self {
        Self(rules.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn seed_range_form_is_inclusive() {
        let r: IpRule = "117.52.3.80~87".parse().unwrap();
        assert!(!r.contains(ip("117.52.3.79")));
        assert!(r.contains(ip("117.52.3.80")));
        assert!(r.contains(ip("117.52.3.87")));
        assert!(!r.contains(ip("117.52.3.88")));
        assert!(!r.contains(ip("117.52.4.80")));
        assert_eq!(r.to_string(), "117.52.3.80~87");
        assert_eq!(r.expand(1024).unwrap().len(), 8);
    }

    #[test]
    fn cidr_single_and_v6() {
        let list = IpAllowlist::parse(&["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"]).unwrap();
        assert!(list.admits(ip("10.255.0.1")));
        assert!(list.admits(ip("192.168.1.7")));
        assert!(!list.admits(ip("192.168.1.8")));
        assert!(list.admits(ip("2001:db8::1")));
        assert!(!list.admits(ip("127.0.0.1")));
        // IPv4-mapped IPv6 peers match their IPv4 entry.
        assert!(list.admits(ip("::ffff:10.1.2.3")));
    }

    #[test]
    fn empty_list_admits_everything() {
        assert!(IpAllowlist::default().admits(ip("203.0.113.9")));
    }

    #[test]
    fn bad_entries_are_refused_with_a_reason() {
        for bad in ["", "1.2.3", "1.2.3.4/33", "1.2.3.9~2", "1.2.3.4~300", "abc", "1.2.3.4~"] {
            assert!(bad.parse::<IpRule>().is_err(), "{bad} should not parse");
        }
        let err = "10.0.0.1/8".parse::<IpRule>().unwrap_err();
        assert_eq!(err, IpRuleError::HostBits("10.0.0.1/8".into(), "10.0.0.0/8".into()));
        assert!(err.to_string().contains("10.0.0.0/8"));
    }

    /// Found with the fuzz target `ip_allowlist`: `::ffff:1.2.3.4/128` was stored as
    /// `::ffff:1.2.3.4`, which parses to another rule, and `::ffff:10.0.0.0/104` admitted nobody.
    #[test]
    fn regression_mapped_blocks_are_ipv4_blocks() {
        let mapped: IpRule = "::ffff:10.0.0.0/104".parse().unwrap();
        assert_eq!(mapped, "10.0.0.0/8".parse().unwrap());
        assert!(mapped.contains(ip("10.1.2.3")) && mapped.contains(ip("::ffff:10.1.2.3")));
        assert!(!mapped.contains(ip("11.0.0.0")));
        let single: IpRule = "::ffff:1.2.3.4/128".parse().unwrap();
        assert_eq!(single.to_string(), "1.2.3.4");
        assert_eq!(single.to_string().parse::<IpRule>().unwrap(), single);
        // Blocks wider than the mapped range stay IPv6.
        assert!(matches!("::fffe:0:0/95".parse().unwrap(), IpRule::Net(IpNet::V6(_))));
    }

    #[test]
    fn expand_cidr_and_refuse_huge_blocks() {
        let r: IpRule = "10.0.0.0/30".parse().unwrap();
        assert_eq!(r.expand(16).unwrap().len(), 4);
        let big: IpRule = "10.0.0.0/8".parse().unwrap();
        assert!(big.expand(1024).is_none());
    }
}
