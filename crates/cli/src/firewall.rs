//! `intoss firewall`: allow rules from the seeds' IP tables ([`intoss_proto::network`]).
//!
//! Ranges are expanded to single addresses and every address appears once per rule set (one
//! direction and one port). The output only ever accepts: the nftables chains keep policy
//! accept and the iptables rules are appended ACCEPTs, so loading it cannot lock anyone out.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::Ipv4Addr;
use std::process::ExitCode;

use intoss_proto::network::{self, Direction, Entry, Service};

/// Arguments of `intoss firewall`.
#[derive(Debug, clap::Args)]
pub(crate) struct FirewallArgs {
    /// Which traffic: inbound is Toss -> this server (callbacks, webhooks), outbound is this
    /// server -> Toss (API calls).
    #[arg(long, value_enum, default_value_t = DirectionArg::All)]
    direction: DirectionArg,
    /// Whose addresses.
    #[arg(long, value_enum, default_value_t = ServiceArg::All)]
    service: ServiceArg,
    /// Output format. In json, `"port": null` means the port of your webhook URL.
    #[arg(long, value_enum, default_value_t = Format::Nftables)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DirectionArg {
    /// Toss -> this server: Apps-in-Toss callbacks, Toss Payments webhooks.
    Inbound,
    /// This server -> Toss: the Apps-in-Toss, 토스 인증 and BrandPay APIs.
    Outbound,
    /// Both.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ServiceArg {
    /// 앱인토스: callbacks and the server APIs.
    AppsInToss,
    /// 토스페이먼츠: webhooks and the BrandPay API.
    TossPayments,
    /// 토스 인증 (본인확인): outbound only.
    TossCert,
    /// Every service.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A `table inet intoss_toss` file for `nft -f`.
    Nftables,
    /// A shell script of `iptables -A` lines.
    Iptables,
    /// `allow` lines and `deny all;` for the location receiving callbacks (inbound only).
    Nginx,
    /// One object per address: service, direction, address, port, purpose, added.
    Json,
}

pub(crate) fn run(args: FirewallArgs) -> anyhow::Result<ExitCode> {
    let service = match args.service {
        ServiceArg::AppsInToss => Some(Service::AppsInToss),
        ServiceArg::TossPayments => Some(Service::TossPayments),
        ServiceArg::TossCert => Some(Service::TossCert),
        ServiceArg::All => None,
    };
    let direction = match args.direction {
        DirectionArg::Inbound => Some(Direction::Inbound),
        DirectionArg::Outbound => Some(Direction::Outbound),
        DirectionArg::All => None,
    };
    let entries: Vec<&Entry> = network::select(service, direction).collect();
    if entries.is_empty() {
        eprintln!(
            "note: no addresses for --service {} --direction {} (토스 인증 lists outbound addresses only)",
            service.map_or("all", Service::as_str),
            direction.map_or("all", Direction::as_str),
        );
    }
    let sel = Selection { services: service.map_or(Service::ALL.to_vec(), |s| vec![s]), direction };
    let sets = rule_sets(&entries);
    let text = match args.format {
        Format::Nftables => nftables(&sel, &sets),
        Format::Iptables => iptables(&sel, &sets),
        Format::Nginx => nginx(&sel, &sets),
        Format::Json => json(&entries)?,
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// What the user asked for, for the explanatory comments.
struct Selection {
    services: Vec<Service>,
    direction: Option<Direction>,
}

impl Selection {
    fn wants(&self, d: Direction) -> bool {
        self.direction.is_none_or(|x| x == d)
    }

    /// The BrandPay hosts without fixed addresses, which only a name-based filter can allow.
    fn name_only_hosts(&self) -> Vec<&'static str> {
        if !self.wants(Direction::Outbound) {
            return Vec::new();
        }
        network::DOMAINS
            .iter()
            .filter(|d| !d.fixed_ips && self.services.contains(&d.service))
            .map(|d| d.host)
            .collect()
    }
}

/// Consecutive entries of one service, direction, port, purpose and mark, ranges expanded.
struct Group {
    service: Service,
    direction: Direction,
    purpose: &'static str,
    added: Option<&'static str>,
    addresses: Vec<Ipv4Addr>,
}

impl Group {
    /// `apps-in-toss inbound: <purpose>`, with `[added 2024-12]` when marked.
    fn label(&self) -> String {
        let mut s = format!("{} {}: {}", self.service, self.direction, self.purpose);
        if let Some(added) = self.added {
            let _ = write!(s, " [added {added}]");
        }
        s
    }
}

/// The addresses allowed for one direction and one port, each once, in groups.
struct RuleSet {
    direction: Direction,
    port: Option<u16>,
    groups: Vec<Group>,
}

impl RuleSet {
    /// `inbound_443`, `outbound_443`, `inbound_webhook`.
    fn name(&self) -> String {
        match self.port {
            Some(p) => format!("{}_{p}", self.direction),
            None => format!("{}_webhook", self.direction),
        }
    }

    /// `port 443`, or `your webhook URL's port`.
    fn port_text(&self) -> String {
        self.port.map_or_else(|| "your webhook URL's port".to_owned(), |p| format!("port {p}"))
    }

    /// The services in the set, in order, for rule comments.
    fn services(&self) -> String {
        let mut seen = Vec::new();
        for g in &self.groups {
            if !seen.contains(&g.service.as_str()) {
                seen.push(g.service.as_str());
            }
        }
        seen.join(", ")
    }
}

/// Groups `entries` and splits them into rule sets: inbound before outbound, fixed ports before
/// the webhook port. An address already in a set is left out of its later groups.
fn rule_sets(entries: &[&Entry]) -> Vec<RuleSet> {
    let mut sets: Vec<RuleSet> = Vec::new();
    let mut seen: HashSet<(Direction, Option<u16>, Ipv4Addr)> = HashSet::new();
    for e in entries {
        let idx = match sets.iter().position(|s| s.direction == e.direction && s.port == e.port) {
            Some(i) => i,
            None => {
                sets.push(RuleSet { direction: e.direction, port: e.port, groups: Vec::new() });
                sets.len() - 1
            }
        };
        let set = &mut sets[idx];
        let fresh: Vec<Ipv4Addr> =
            e.addresses().into_iter().filter(|a| seen.insert((e.direction, e.port, *a))).collect();
        if fresh.is_empty() {
            continue;
        }
        match set.groups.last_mut() {
            Some(g) if g.service == e.service && g.purpose == e.purpose && g.added == e.added => {
                g.addresses.extend(fresh);
            }
            _ => set.groups.push(Group {
                service: e.service,
                direction: e.direction,
                purpose: e.purpose,
                added: e.added,
                addresses: fresh,
            }),
        }
    }
    sets.retain(|s| !s.groups.is_empty());
    sets.sort_by_key(|s| (s.direction, s.port.is_none(), s.port));
    sets
}

fn header(out: &mut String, sel: &Selection, format: &str) {
    let services: Vec<_> = sel.services.iter().map(|s| s.as_str()).collect();
    let _ = writeln!(
        out,
        "# Generated by `intoss firewall --format {format} --service {} --direction {}` (intoss {}),",
        if services.len() == 1 { services[0] } else { "all" },
        sel.direction.map_or("all", Direction::as_str),
        env!("CARGO_PKG_VERSION"),
    );
    let _ =
        writeln!(out, "# from the IP lists Toss publishes for Apps-in-Toss, 토스 인증 and Toss Payments.");
}

fn note_name_only_hosts(out: &mut String, sel: &Selection) {
    let hosts = sel.name_only_hosts();
    if !hosts.is_empty() {
        let _ = writeln!(out, "#");
        let _ = writeln!(
            out,
            "# BrandPay also loads resources from hosts without fixed addresses; allow them by"
        );
        let _ = writeln!(out, "# name (e.g. in an HTTPS proxy), port 443:");
        let _ = writeln!(out, "#   {}", hosts.join(", "));
    }
}

fn nftables(sel: &Selection, sets: &[RuleSet]) -> String {
    let mut out = String::from("#!/usr/sbin/nft -f\n");
    header(&mut out, sel, "nftables");
    out.push_str(
        "# Load it with `nft -f FILE`; loading it again replaces the table.\n\
         #\n\
         # The chains keep policy accept: these rules accept Toss's addresses and drop nothing.\n\
         # To enforce the allowlist, add your own drop rule after them once you have checked\n\
         # that they cover your traffic.\n",
    );
    note_name_only_hosts(&mut out, sel);
    if sets.is_empty() {
        out.push_str("\n# No addresses match: nothing to load.\n");
        return out;
    }
    if sets.iter().any(|s| s.port.is_none()) {
        out.push_str(
            "\n# Toss Payments sends webhooks to the port of your webhook URL: set it here.\n\
             define toss_webhook_port = 443\n",
        );
    }
    out.push_str("\ntable inet intoss_toss\ndelete table inet intoss_toss\n\ntable inet intoss_toss {\n");
    for set in sets {
        let _ = writeln!(out, "    # {}, {}: {}", set.direction, set.port_text(), set.services());
        let _ = writeln!(out, "    set {} {{", set.name());
        out.push_str("        type ipv4_addr\n        elements = {\n");
        for g in &set.groups {
            let _ = writeln!(out, "            # {}", g.label());
            for a in &g.addresses {
                let _ = writeln!(out, "            {a},");
            }
        }
        out.push_str("        }\n    }\n\n");
    }
    for (direction, hook, addr) in
        [(Direction::Inbound, "input", "saddr"), (Direction::Outbound, "output", "daddr")]
    {
        let here: Vec<&RuleSet> = sets.iter().filter(|s| s.direction == direction).collect();
        if here.is_empty() {
            continue;
        }
        let _ = writeln!(out, "    chain {hook} {{");
        let _ = writeln!(out, "        type filter hook {hook} priority 0; policy accept;");
        for set in here {
            let port = set.port.map_or_else(|| "$toss_webhook_port".to_owned(), |p| p.to_string());
            let _ = writeln!(
                out,
                "        ip {addr} @{} tcp dport {port} accept comment \"{} {}\"",
                set.name(),
                comment_safe(&set.services()),
                direction,
            );
        }
        out.push_str("    }\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push_str("\n}\n");
    out
}

fn iptables(sel: &Selection, sets: &[RuleSet]) -> String {
    let mut out = String::from("#!/bin/sh\n");
    header(&mut out, sel, "iptables");
    out.push_str(
        "# The rules are appended ACCEPTs and change no policy. If a chain already ends in a DROP\n\
         # or REJECT rule, insert them before it (iptables -I) instead.\n",
    );
    note_name_only_hosts(&mut out, sel);
    out.push_str("set -e\n");
    if sets.is_empty() {
        out.push_str("\n# No addresses match: nothing to add.\n");
        return out;
    }
    if sets.iter().any(|s| s.port.is_none()) {
        out.push_str(
            "\n# Toss Payments sends webhooks to the port of your webhook URL: set it here.\n\
             TOSS_WEBHOOK_PORT=\"${TOSS_WEBHOOK_PORT:-443}\"\n",
        );
    }
    for set in sets {
        let (chain, flag) = match set.direction {
            Direction::Inbound => ("INPUT", "-s"),
            Direction::Outbound => ("OUTPUT", "-d"),
        };
        let port = set.port.map_or_else(|| "\"$TOSS_WEBHOOK_PORT\"".to_owned(), |p| p.to_string());
        for g in &set.groups {
            let _ = writeln!(out, "\n# {}; {}", g.label(), set.port_text());
            let comment = comment_safe(&format!("intoss: {}", g.label()));
            for a in &g.addresses {
                let _ = writeln!(
                    out,
                    "iptables -A {chain} {flag} {a} -p tcp --dport {port} -m comment --comment \"{comment}\" -j ACCEPT"
                );
            }
        }
    }
    out
}

fn nginx(sel: &Selection, sets: &[RuleSet]) -> String {
    let mut out = String::new();
    header(&mut out, sel, "nginx");
    let inbound: Vec<&RuleSet> = sets.iter().filter(|s| s.direction == Direction::Inbound).collect();
    if sel.wants(Direction::Inbound) {
        out.push_str(
            "# Inbound (Toss -> this server): put these lines in the server or location block that\n\
             # receives the callbacks or webhooks. nginx checks the client address; behind a proxy or\n\
             # load balancer, set it up with the realip module first.\n",
        );
        // nginx does not look at ports here: one allow per address.
        let mut seen = HashSet::new();
        let mut any = false;
        for set in &inbound {
            for g in &set.groups {
                let fresh: Vec<_> = g.addresses.iter().filter(|a| seen.insert(**a)).collect();
                if fresh.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "# {}; {}", g.label(), set.port_text());
                let mark = g.added.map(|a| format!(", added {a}")).unwrap_or_default();
                for a in fresh {
                    let _ = writeln!(out, "allow {a}; # {}{mark}", g.service);
                    any = true;
                }
            }
        }
        if any {
            out.push_str("deny all;\n");
        } else {
            out.push_str("# No inbound addresses match: nothing to allow.\n");
        }
    }
    if sel.wants(Direction::Outbound) {
        out.push_str(
            "# Outbound (this server -> Toss): nginx does not filter outbound connections; use\n\
             # `intoss firewall --direction outbound --format nftables` (or iptables) for those.\n",
        );
    }
    out
}

fn json(entries: &[&Entry]) -> anyhow::Result<String> {
    /// One address, fields in this order.
    #[derive(serde::Serialize)]
    struct Row {
        service: &'static str,
        direction: &'static str,
        address: String,
        port: Option<u16>,
        purpose: &'static str,
        added: Option<&'static str>,
    }
    let rows: Vec<Row> = entries
        .iter()
        .flat_map(|e| {
            e.addresses().into_iter().map(move |a| Row {
                service: e.service.as_str(),
                direction: e.direction.as_str(),
                address: a.to_string(),
                port: e.port,
                purpose: e.purpose,
                added: e.added,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&rows)?;
    text.push('\n');
    Ok(text)
}

/// A comment for a double-quoted nft or shell string: no quotes, `$`, backquotes or backslashes.
fn comment_safe(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, '"' | '$' | '`' | '\\')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(service: Service, address: &'static str, port: Option<u16>) -> Entry {
        Entry { service, direction: Direction::Inbound, address, port, purpose: "test", added: None }
    }

    #[test]
    fn an_address_is_listed_once_per_direction_and_port() {
        let a = entry(Service::AppsInToss, "10.0.0.1~3", Some(443));
        let b = entry(Service::TossPayments, "10.0.0.2", Some(443));
        let c = entry(Service::TossPayments, "10.0.0.3", None);
        let sets = rule_sets(&[&c, &a, &b]);
        let names: Vec<_> = sets.iter().map(RuleSet::name).collect();
        assert_eq!(names, ["inbound_443", "inbound_webhook"]);
        // 10.0.0.2 is already in inbound_443 through the range: toss-payments adds nothing there.
        assert_eq!(sets[0].groups.len(), 1);
        assert_eq!(sets[0].groups[0].addresses.len(), 3);
        assert_eq!(sets[1].groups[0].addresses, [Ipv4Addr::new(10, 0, 0, 3)]);
        let text = nftables(&Selection { services: Service::ALL.to_vec(), direction: None }, &sets);
        assert_eq!(text.matches("10.0.0.2,").count(), 1);
        assert_eq!(text.matches("10.0.0.3,").count(), 2);
    }
}
