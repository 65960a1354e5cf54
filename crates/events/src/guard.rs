//! The SSRF guard: deliveries go to public addresses only, unless the endpoint is marked local.
//!
//! A partner's webhook URL is data a console user typed; without a guard the platform would
//! post, from inside its own network, to whatever that URL names (a cloud metadata service at
//! 169.254.169.254, a database on 10.0.0.5, the platform's own admin port on 127.0.0.1). Literal
//! addresses are checked before the request ([`check_url`]); names are checked by the resolver
//! the delivery client connects with ([`GuardedResolver`]), so the address checked is the address
//! connected to (no DNS rebinding between a check and the connect).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};

/// Why `ip` may not be a delivery target, or `None` if it is public.
pub fn blocked(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return blocked_v4(v4);
            }
            let seg = v6.segments();
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("the unspecified address")
            } else if seg[0] & 0xfe00 == 0xfc00 {
                Some("a unique local (private) address")
            } else if seg[0] & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if seg[0] == 0x64 && seg[1] == 0xff9b {
                // NAT64: the IPv4 address it embeds decides.
                let v4 = Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8);
                blocked_v4(v4)
            } else {
                None
            }
        }
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (cloud metadata services live here)")
    } else if ip.is_unspecified() || o[0] == 0 {
        Some("an unspecified address")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("a shared (carrier-grade NAT) address")
    } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
        Some("a benchmarking address")
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        Some("a multicast or reserved address")
    } else {
        None
    }
}

/// The advice every refusal ends with.
pub const ADVICE: &str = "mark the endpoint local (--local) to deliver there on purpose";

/// Checks a URL before a delivery: `http`/`https` with a host, and when the host is a literal
/// address, a public one (unless `allow_local`). Names are checked when they resolve.
pub fn check_url(url: &str, allow_local: bool) -> Result<http::Uri, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("the URL is not valid: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err("the URL must start with http:// or https://".into()),
    }
    let host = uri.host().ok_or("the URL has no host")?;
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let (false, Ok(ip)) = (allow_local, literal.parse::<IpAddr>())
        && let Some(why) = blocked(ip)
    {
        return Err(format!("{ip} is {why}; {ADVICE}"));
    }
    if !allow_local && host.eq_ignore_ascii_case("localhost") {
        return Err(format!("localhost is a loopback address; {ADVICE}"));
    }
    Ok(uri)
}

/// A resolver that refuses names resolving to any address [`blocked`] refuses.
#[derive(Clone, Debug)]
pub struct GuardedResolver(GaiResolver);

impl GuardedResolver {
    /// Over the system resolver.
    pub fn new() -> Self {
        Self(GaiResolver::new())
    }
}

impl Default for GuardedResolver {
    fn default() -> Self {
        Self::new()
    }
}

type Resolving = Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, std::io::Error>> + Send>>;

impl tower::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let resolving = self.0.call(name.clone());
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = resolving.await?.collect();
            for a in &addrs {
                if let Some(why) = blocked(a.ip()) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        format!("{name} resolves to {}, {why}; {ADVICE}", a.ip()),
                    ));
                }
            }
            Ok(addrs.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_mapped_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(blocked(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["8.8.8.8", "117.52.3.80", "2001:4860:4860::8888", "64:ff9b::808:808"] {
            assert_eq!(blocked(ip.parse().unwrap()), None, "{ip}");
        }
    }

    /// A name is checked where it resolves: `localhost` (from /etc/hosts) is refused.
    #[tokio::test]
    async fn the_resolver_refuses_names_of_private_addresses() {
        use tower::ServiceExt as _;
        let name: Name = "localhost".parse().unwrap();
        let err = GuardedResolver::new().oneshot(name).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(err.to_string().contains("loopback"), "{err}");
    }

    #[test]
    fn urls() {
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        let e = check_url("http://169.254.169.254/latest/meta-data", false).unwrap_err();
        assert!(e.contains("link-local") && e.contains("--local"), "{e}");
        assert!(check_url("http://[::1]:8080/", false).unwrap_err().contains("loopback"));
        assert!(check_url("http://localhost:3000/", false).unwrap_err().contains("loopback"));
        assert!(check_url("http://127.0.0.1:3000/hook", true).is_ok());
        assert!(check_url("ftp://example.com/", true).unwrap_err().contains("http"));
        assert!(check_url("not a url", true).is_err());
    }
}
