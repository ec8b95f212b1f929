//! Cross-site safety of a sandbox on loopback: what a web page open in the user's browser must
//! not be able to do to it.
//!
//! Two attacks matter. DNS rebinding: a page on `evil.example` makes its own name resolve to
//! 127.0.0.1 and can then read and write the sandbox as if same-origin; every request it sends
//! still says `Host: evil.example`, so unless `--allow-remote` the sandbox answers only requests
//! whose `Host` (and absolute-form URI authority, if any) is a loopback name: `localhost`, an
//! IPv4 loopback literal (127.0.0.0/8) or `[::1]`, with any port ([`loopback_host`]). Cross-site
//! "simple requests": any page can POST `text/plain`, `application/x-www-form-urlencoded` or
//! `multipart/form-data` bodies to any origin without a CORS preflight (it cannot read the
//! answer, but the write happens). So a write must carry something such a request cannot
//! ([`write_allowed`], [`control_post_allowed`]): a non-simple content type (`application/json`,
//! `application/cbor`, `application/x-amz-json-*`) or a header a browser only sends after a
//! preflight the sandbox never grants (it answers no `OPTIONS` with CORS headers).
//!
//! The AWS CLI sends `Content-Type: application/json` on every Lambda POST/PUT, even on an
//! empty-bodied `PublishVersion` (`{}`); the Rust SDK does too. Writes are also accepted when
//! they carry the SDKs' own headers (`x-amz-user-agent`, `amz-sdk-invocation-id`,
//! `smithy-protocol`) or an AWS SigV4 `Authorization` header, which a page cannot forge
//! cross-origin without a preflight, so an SDK that leaves the content type off an empty body
//! still works.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The message of a refused `Host`.
pub fn host_refusal(host: Option<&str>) -> String {
    format!(
        "Host header {} is not a loopback name: the sandbox answers only requests addressed to \
         localhost, 127.0.0.1 or [::1] (any port), so that a web page cannot reach it through \
         DNS rebinding; start it with --allow-remote to accept other names",
        host.map_or_else(|| "(missing)".to_owned(), |h| format!("`{h}`"))
    )
}

/// Whether `host` (a `Host` header value or URI authority: name or IP literal, optional port)
/// names this machine's loopback interface.
pub fn loopback_host(host: &str) -> bool {
    let host = host.trim();
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        if !inside.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback()) {
            return false;
        }
        return after.is_empty() || after.strip_prefix(':').is_some_and(valid_port);
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if port.is_some_and(|p| !valid_port(p)) {
        return false;
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<Ipv4Addr>()
            .is_ok_and(|ip| IpAddr::V4(ip).is_loopback())
}

fn valid_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// The headers of a request that [`write_allowed`] looks at.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriteHeaders<'a> {
    pub content_type: Option<&'a str>,
    pub authorization: Option<&'a str>,
    /// Whether `x-amz-user-agent`, `amz-sdk-invocation-id` or `smithy-protocol` is present.
    pub sdk_header: bool,
}

/// The media type of a `Content-Type` value, lowercased, without parameters.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a content type is one of the JSON types AWS clients send.
pub fn is_json(content_type: Option<&str>) -> bool {
    content_type.map(media_type).is_some_and(|t| {
        t == "application/json" || t.starts_with("application/x-amz-json-") || t.ends_with("+json")
    })
}

/// Whether a request proves it comes from an AWS client rather than a browser's simple
/// request: an SDK header or a SigV4 `Authorization` (a page cannot send either cross-origin
/// without a CORS preflight, which the sandbox never grants).
fn from_aws_client(h: &WriteHeaders<'_>) -> bool {
    h.sdk_header
        || h.authorization
            .is_some_and(|a| a.trim_start().starts_with("AWS4-"))
}

/// Whether a write in a protocol whose body is `expected` (`json` or `cbor`) may proceed.
pub fn write_allowed(h: &WriteHeaders<'_>, cbor: bool) -> bool {
    let typed = if cbor {
        h.content_type
            .map(media_type)
            .is_some_and(|t| t == "application/cbor")
    } else {
        is_json(h.content_type)
    };
    typed || from_aws_client(h)
}

/// Whether a `POST /_sandbox/*` may proceed: `Content-Type: application/json` or
/// `x-rollwatch-sandbox: 1`.
pub fn control_post_allowed(content_type: Option<&str>, marker: Option<&str>) -> bool {
    is_json(content_type) || marker.is_some_and(|m| m.trim() == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_with_any_port_pass_and_others_do_not() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:4566",
            "localhost",
            "LOCALHOST:80",
            "localhost.:1",
            "[::1]",
            "[::1]:4566",
            "127.1.2.3:9",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:4566",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "0.0.0.0:4566",
            "10.0.0.1",
            "[::2]:1",
            "[::1",
            "[::1]x",
            "127.0.0.1:",
            "127.0.0.1:port",
            "localhost:123456",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn writes_need_a_non_simple_content_type_or_an_aws_client() {
        let h = |ct: Option<&'static str>| WriteHeaders {
            content_type: ct,
            ..WriteHeaders::default()
        };
        assert!(write_allowed(&h(Some("application/json")), false));
        assert!(write_allowed(
            &h(Some("Application/JSON; charset=utf-8")),
            false
        ));
        assert!(!write_allowed(&h(Some("text/plain")), false));
        assert!(!write_allowed(
            &h(Some("application/x-www-form-urlencoded")),
            false
        ));
        assert!(!write_allowed(&h(None), false));
        assert!(write_allowed(&h(Some("application/cbor")), true));
        assert!(!write_allowed(&h(Some("text/plain")), true));
        let signed = WriteHeaders {
            authorization: Some("AWS4-HMAC-SHA256 Credential=test/..."),
            ..WriteHeaders::default()
        };
        assert!(write_allowed(&signed, false));
        let sdk = WriteHeaders {
            content_type: Some("text/plain"),
            sdk_header: true,
            ..WriteHeaders::default()
        };
        assert!(write_allowed(&sdk, true));
        assert!(!write_allowed(
            &WriteHeaders {
                authorization: Some("Basic dXNlcg=="),
                ..WriteHeaders::default()
            },
            false
        ));
    }

    #[test]
    fn control_posts_need_json_or_the_marker_header() {
        assert!(control_post_allowed(Some("application/json"), None));
        assert!(control_post_allowed(None, Some("1")));
        assert!(!control_post_allowed(Some("text/plain"), None));
        assert!(!control_post_allowed(None, Some("0")));
        assert!(!control_post_allowed(None, None));
    }
}
