//! The sandbox's call counters, as a test reads them: `GET /_sandbox/stats` over plain HTTP.

/// `{"calls","mutating","read","services":{"lambda":{"operations":{"GetAlias":{"calls",..}}}}}`.
pub fn sandbox_stats(endpoint: &str) -> serde_json::Value {
    sandbox_get(endpoint, "/_sandbox/stats")
}

/// The call counters of one of a several-account sandbox's accounts (with `callers`: calls
/// per access key and operation).
#[allow(dead_code)]
pub fn account_stats(endpoint: &str, account: &str) -> serde_json::Value {
    sandbox_get(endpoint, &format!("/_sandbox/stats?account={account}"))
}

fn sandbox_get(endpoint: &str, path: &str) -> serde_json::Value {
    use std::io::{Read as _, Write as _};
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).expect("stats JSON")
}
