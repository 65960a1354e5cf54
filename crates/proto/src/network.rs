//! The addresses and domains that Toss publishes for partners' firewalls, in one table.
//!
//! Every entry is copied from a seed, in the seed's own syntax (`117.52.3.80~87` is a last-octet
//! range, both ends included; see [`crate::ip`]):
//!
//! | Service | Direction | Seed |
//! |---|---|---|
//! | [`Service::AppsInToss`] | inbound | seed 001 §1 "API 개요", table "가맹점이 허용해야 하는 Inbound IP" (api/overview.md) |
//! | [`Service::AppsInToss`] | outbound | seed 001 §1, table "가맹점이 허용해야 하는 Outbound IP" (per domain) |
//! | [`Service::TossCert`] | outbound | seed 001 §5-3 "토스 인증 테스트하기", "본인확인 Outbound 허용 IP" (tossauth/test.md) |
//! | [`Service::TossPayments`] | inbound | seed 000 "보안", "IP 접근 제어 목록에 추가해주세요" (webhooks) |
//! | [`Service::TossPayments`] | outbound | seed 000 "보안", "브랜드페이 방화벽 설정" (`api.tosspayments.com`) |
//!
//! Inbound means Toss → partner (callbacks, webhooks); outbound means partner → Toss (API
//! calls). 토스 인증 lists no inbound addresses: it never calls the partner (seed 001 §5-3: its own
//! inbound is open to everyone). Every address in the seeds is IPv4.
//!
//! [`DOMAINS`] lists the hosts the seeds name, including the BrandPay resource hosts that have no
//! fixed addresses and can only be allowed by name (in an HTTPS proxy, say).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use crate::ip::{IpAllowlist, IpRule, IpRuleError};

/// Who publishes the addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Service {
    /// 앱인토스: the Apps-in-Toss server APIs and their callbacks.
    AppsInToss,
    /// 토스페이먼츠: Toss Payments webhooks and the BrandPay API.
    TossPayments,
    /// 토스 인증: Toss identity verification (본인확인).
    TossCert,
}

impl Service {
    /// Every service, in table order.
    pub const ALL: [Self; 3] = [Self::AppsInToss, Self::TossPayments, Self::TossCert];

    /// The stable name: `apps-in-toss`, `toss-payments` or `toss-cert`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AppsInToss => "apps-in-toss",
            Self::TossPayments => "toss-payments",
            Self::TossCert => "toss-cert",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way the connection is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Toss → partner: callbacks and webhooks the partner must let in.
    Inbound,
    /// Partner → Toss: API calls the partner must let out.
    Outbound,
}

impl Direction {
    /// Both directions, inbound first.
    pub const ALL: [Self; 2] = [Self::Inbound, Self::Outbound];

    /// The stable name: `inbound` or `outbound`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of a seed's IP list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Who publishes it.
    pub service: Service,
    /// Which way the connection is opened.
    pub direction: Direction,
    /// The address or range, exactly as the seed prints it (`117.52.3.80~87`).
    pub address: &'static str,
    /// The TCP port on the partner side (inbound) or on Toss's side (outbound). `None` means
    /// "the port of your webhook URL" (Toss Payments webhooks, seed 000).
    pub port: Option<u16>,
    /// The domain and what it is used for, or what the inbound traffic is.
    pub purpose: &'static str,
    /// `Some("2024-12")` for the addresses the seed marks as added in December 2024.
    pub added: Option<&'static str>,
}

impl Entry {
    /// The entry as an allowlist rule. Every entry of [`TABLE`] parses (a unit test checks it).
    pub fn rule(&self) -> Result<IpRule, IpRuleError> {
        self.address.parse()
    }

    /// Every address of the entry, ranges expanded, in order. Empty if the entry does not parse
    /// or is not IPv4, which no entry of [`TABLE`] does.
    pub fn addresses(&self) -> Vec<Ipv4Addr> {
        let Ok(rule) = self.rule() else { return Vec::new() };
        rule.expand(256)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| match a {
                IpAddr::V4(a) => Some(a),
                IpAddr::V6(_) => None,
            })
            .collect()
    }
}

/// A host name the seeds ask partners to allow (outbound, port 443).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Domain {
    /// Who publishes it.
    pub service: Service,
    /// The host name.
    pub host: &'static str,
    /// What it is used for.
    pub purpose: &'static str,
    /// Whether [`TABLE`] has its addresses; `false` means it can only be allowed by name.
    pub fixed_ips: bool,
}

const AIT_INBOUND: &str = "Apps-in-Toss callbacks to the partner, e.g. payment results";
const AIT_API: &str = "apps-in-toss-api.toss.im: login, messages, points";
const AIT_PAY: &str = "pay-apps-in-toss-api.toss.im: Toss Pay";
const CERT: &str = "oauth2.cert.toss.im, cert.toss.im: identity verification";
const TP_WEBHOOK: &str = "Toss Payments webhooks, to the port of your webhook URL";
const TP_BRANDPAY: &str = "api.tosspayments.com (BrandPay)";
const DEC_2024: Option<&str> = Some("2024-12");

const fn entry(
    service: Service,
    direction: Direction,
    address: &'static str,
    port: Option<u16>,
    purpose: &'static str,
    added: Option<&'static str>,
) -> Entry {
    Entry { service, direction, address, port, purpose, added }
}

/// Every IP entry of the seeds, group by group in the order of the module table above.
pub static TABLE: &[Entry] = {
    use Direction::{Inbound, Outbound};
    use Service::{AppsInToss, TossCert, TossPayments};
    const HTTPS: Option<u16> = Some(443);
    &[
        // Seed 001 §1, "가맹점이 허용해야 하는 Inbound IP" (앱인토스 → 가맹점), port 443.
        entry(AppsInToss, Inbound, "117.52.3.11", HTTPS, AIT_INBOUND, None),
        entry(AppsInToss, Inbound, "211.115.96.11", HTTPS, AIT_INBOUND, None),
        entry(AppsInToss, Inbound, "106.249.5.11", HTTPS, AIT_INBOUND, None),
        entry(AppsInToss, Inbound, "117.52.3.80~87", HTTPS, AIT_INBOUND, None),
        entry(AppsInToss, Inbound, "211.115.96.80~87", HTTPS, AIT_INBOUND, None),
        entry(AppsInToss, Inbound, "106.249.5.80~87", HTTPS, AIT_INBOUND, None),
        // Seed 001 §1, "가맹점이 허용해야 하는 Outbound IP" (가맹점 → 앱인토스), port 443.
        entry(AppsInToss, Outbound, "117.52.3.192", HTTPS, AIT_API, None),
        entry(AppsInToss, Outbound, "211.115.96.192", HTTPS, AIT_API, None),
        entry(AppsInToss, Outbound, "106.249.5.192", HTTPS, AIT_API, None),
        entry(AppsInToss, Outbound, "117.52.3.195", HTTPS, AIT_PAY, None),
        entry(AppsInToss, Outbound, "211.115.96.195", HTTPS, AIT_PAY, None),
        entry(AppsInToss, Outbound, "106.249.5.195", HTTPS, AIT_PAY, None),
        // Seed 001 §5-3, "본인확인 Outbound 허용 IP": "모든 통신은 443 포트(HTTPS)".
        entry(TossCert, Outbound, "117.52.3.222", HTTPS, CERT, None),
        entry(TossCert, Outbound, "117.52.3.235", HTTPS, CERT, None),
        entry(TossCert, Outbound, "211.115.96.222", HTTPS, CERT, None),
        entry(TossCert, Outbound, "211.115.96.235", HTTPS, CERT, None),
        // Seed 000, "IP 접근 제어 목록에 추가해주세요": inbound to "웹훅 URL에 지정된 포트 번호".
        // The `*` marks ("2024년 12월에 추가된 신규 IP") are on the six 115.92.221.x addresses.
        entry(TossPayments, Inbound, "13.124.18.147", None, TP_WEBHOOK, None),
        entry(TossPayments, Inbound, "13.124.108.35", None, TP_WEBHOOK, None),
        entry(TossPayments, Inbound, "3.36.173.151", None, TP_WEBHOOK, None),
        entry(TossPayments, Inbound, "3.38.81.32", None, TP_WEBHOOK, None),
        entry(TossPayments, Inbound, "115.92.221.121", None, TP_WEBHOOK, DEC_2024),
        entry(TossPayments, Inbound, "115.92.221.122", None, TP_WEBHOOK, DEC_2024),
        entry(TossPayments, Inbound, "115.92.221.123", None, TP_WEBHOOK, DEC_2024),
        entry(TossPayments, Inbound, "115.92.221.125", None, TP_WEBHOOK, DEC_2024),
        entry(TossPayments, Inbound, "115.92.221.126", None, TP_WEBHOOK, DEC_2024),
        entry(TossPayments, Inbound, "115.92.221.127", None, TP_WEBHOOK, DEC_2024),
        // Seed 000, "브랜드페이 방화벽 설정": the outbound IPs of https://api.tosspayments.com
        // (HTTPS, so 443); the two 210.98.141.x addresses carry the December 2024 mark.
        entry(TossPayments, Outbound, "103.182.251.2", HTTPS, TP_BRANDPAY, None),
        entry(TossPayments, Outbound, "103.182.250.2", HTTPS, TP_BRANDPAY, None),
        entry(TossPayments, Outbound, "210.98.141.21", HTTPS, TP_BRANDPAY, DEC_2024),
        entry(TossPayments, Outbound, "210.98.141.22", HTTPS, TP_BRANDPAY, DEC_2024),
    ]
};

/// Every host the seeds name for outbound HTTPS (port 443).
pub static DOMAINS: &[Domain] = {
    use Service::{AppsInToss, TossCert, TossPayments};
    const BRANDPAY: &str = "BrandPay resources";
    &[
        // Seed 001 §1, "도메인 정보" and the outbound table.
        Domain { service: AppsInToss, host: "apps-in-toss-api.toss.im", purpose: AIT_API, fixed_ips: true },
        Domain {
            service: AppsInToss,
            host: "pay-apps-in-toss-api.toss.im",
            purpose: AIT_PAY,
            fixed_ips: true,
        },
        // Seed 001 §5-2 (the base URLs) and §5-3 (the outbound IPs).
        Domain { service: TossCert, host: "oauth2.cert.toss.im", purpose: CERT, fixed_ips: true },
        Domain { service: TossCert, host: "cert.toss.im", purpose: CERT, fixed_ips: true },
        // Seed 000, "브랜드페이 방화벽 설정": only api.tosspayments.com has fixed IPs.
        Domain { service: TossPayments, host: "api.tosspayments.com", purpose: TP_BRANDPAY, fixed_ips: true },
        Domain { service: TossPayments, host: "event.tosspayments.com", purpose: BRANDPAY, fixed_ips: false },
        Domain { service: TossPayments, host: "static.toss.im", purpose: BRANDPAY, fixed_ips: false },
        Domain { service: TossPayments, host: "pages.tosspayments.com", purpose: BRANDPAY, fixed_ips: false },
        Domain { service: TossPayments, host: "polyfill-fe.toss.im", purpose: BRANDPAY, fixed_ips: false },
        Domain { service: TossPayments, host: "assets-fe.toss.im", purpose: BRANDPAY, fixed_ips: false },
    ]
};

/// The entries of `service`, in table order.
pub fn by_service(service: Service) -> impl Iterator<Item = &'static Entry> {
    TABLE.iter().filter(move |e| e.service == service)
}

/// The entries of `direction`, in table order.
pub fn by_direction(direction: Direction) -> impl Iterator<Item = &'static Entry> {
    TABLE.iter().filter(move |e| e.direction == direction)
}

/// The entries matching both filters, in table order; `None` matches everything.
pub fn select(
    service: Option<Service>,
    direction: Option<Direction>,
) -> impl Iterator<Item = &'static Entry> {
    TABLE
        .iter()
        .filter(move |e| service.is_none_or(|s| e.service == s) && direction.is_none_or(|d| e.direction == d))
}

/// The inbound addresses of `services`, as an allowlist for a callback or webhook guard.
///
/// Empty when no selected service sends inbound traffic (`&[]`, or only [`Service::TossCert`]).
/// Beware: an empty [`IpAllowlist`] admits every address; a guard must refuse everything then.
pub fn inbound_allowlist(services: &[Service]) -> IpAllowlist {
    by_direction(Direction::Inbound)
        .filter(|e| services.contains(&e.service))
        .filter_map(|e| e.rule().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn addresses(service: Service, direction: Direction) -> Vec<Ipv4Addr> {
        select(Some(service), Some(direction)).flat_map(Entry::addresses).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_entry_parses_to_ipv4_addresses() {
        for e in TABLE {
            let rule = e.rule().unwrap_or_else(|err| panic!("{}: {err}", e.address));
            let all = rule.expand(1 << 16).unwrap();
            assert!(!all.is_empty());
            assert_eq!(e.addresses().len(), all.len(), "{} is not all IPv4", e.address);
            assert_eq!(rule.to_string(), e.address, "the table keeps the seed's syntax");
        }
    }

    #[test]
    fn counts_per_group_match_the_seeds() {
        use Direction::{Inbound, Outbound};
        use Service::{AppsInToss, TossCert, TossPayments};
        // (service, direction, entries, addresses, marked 2024-12)
        let expected = [
            (AppsInToss, Inbound, 6, 27, 0),
            (AppsInToss, Outbound, 6, 6, 0),
            (TossCert, Inbound, 0, 0, 0),
            (TossCert, Outbound, 4, 4, 0),
            (TossPayments, Inbound, 10, 10, 6),
            (TossPayments, Outbound, 4, 4, 2),
        ];
        for (service, direction, entries, addrs, marked) in expected {
            let group: Vec<_> = select(Some(service), Some(direction)).collect();
            assert_eq!(group.len(), entries, "{service} {direction} entries");
            assert_eq!(addresses(service, direction).len(), addrs, "{service} {direction} addresses");
            let n = group.iter().filter(|e| e.added == Some("2024-12")).count();
            assert_eq!(n, marked, "{service} {direction} marked 2024-12");
        }
        assert_eq!(TABLE.len(), 30);
        assert_eq!(by_service(AppsInToss).count(), 12);
        assert_eq!(by_direction(Outbound).count(), 14);
        assert_eq!(select(None, None).count(), TABLE.len());
        // Apps-in-Toss: three single addresses and three ranges of eight.
        let ranges = by_service(AppsInToss).filter(|e| e.address.contains('~')).count();
        assert_eq!(ranges, 3);
    }

    #[test]
    fn marks_and_ports_follow_the_seeds() {
        for e in TABLE {
            let marked = e.address.starts_with("115.92.221.") || e.address.starts_with("210.98.141.");
            assert_eq!(e.added.is_some(), marked, "{}", e.address);
            let webhook = e.service == Service::TossPayments && e.direction == Direction::Inbound;
            assert_eq!(e.port, if webhook { None } else { Some(443) }, "{}", e.address);
        }
        // The seed lists 121, 122, 123, 125, 126 and 127: there is no .124.
        assert!(
            !addresses(Service::TossPayments, Direction::Inbound)
                .contains(&"115.92.221.124".parse().unwrap())
        );
    }

    #[test]
    fn no_duplicates_within_a_service_and_direction() {
        for service in Service::ALL {
            for direction in Direction::ALL {
                let all = addresses(service, direction);
                let unique: HashSet<_> = all.iter().collect();
                assert_eq!(unique.len(), all.len(), "{service} {direction}");
            }
        }
        let hosts: HashSet<_> = DOMAINS.iter().map(|d| d.host).collect();
        assert_eq!(hosts.len(), DOMAINS.len());
    }

    #[test]
    fn domains_follow_the_seeds() {
        assert_eq!(DOMAINS.len(), 10);
        let by_name: Vec<_> = DOMAINS.iter().filter(|d| d.fixed_ips).map(|d| d.host).collect();
        assert_eq!(
            by_name,
            [
                "apps-in-toss-api.toss.im",
                "pay-apps-in-toss-api.toss.im",
                "oauth2.cert.toss.im",
                "cert.toss.im",
                "api.tosspayments.com"
            ]
        );
        assert_eq!(DOMAINS.iter().filter(|d| d.service == Service::TossPayments).count(), 6);
    }

    #[test]
    fn inbound_allowlist_admits_the_callers_and_nobody_else() {
        let both = inbound_allowlist(&[Service::AppsInToss, Service::TossPayments]);
        assert_eq!(both.rules().len(), 16);
        for a in ["117.52.3.11", "106.249.5.87", "211.115.96.80", "13.124.18.147", "115.92.221.127"] {
            assert!(both.admits(ip(a)), "{a}");
        }
        // Outbound addresses and gaps in the seed's lists are not callers.
        for a in ["117.52.3.192", "117.52.3.222", "103.182.251.2", "117.52.3.88", "115.92.221.124"] {
            assert!(!both.admits(ip(a)), "{a}");
        }
        let ait = inbound_allowlist(&[Service::AppsInToss]);
        assert!(!ait.admits(ip("13.124.18.147")));
        assert!(ait.admits(ip("::ffff:117.52.3.85")));
        assert!(inbound_allowlist(&[Service::TossCert]).is_empty());
        assert!(inbound_allowlist(&[]).is_empty());
    }

    #[test]
    fn names_are_stable() {
        let names: Vec<_> = Service::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["apps-in-toss", "toss-payments", "toss-cert"]);
        assert_eq!(Direction::Inbound.to_string(), "inbound");
        assert_eq!(Direction::Outbound.as_str(), "outbound");
    }
}
