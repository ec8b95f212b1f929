//! One raw HTTP/1.1 exchange with the sandbox, as a script or an attacker would send it (no
//! SDK in between), and what tests read through it: the call counters of `GET /_sandbox/stats`
//! and the faults of `POST /_sandbox/faults`. Blocking on a std socket; [`raw`] runs it off the
//! async runtime so a sandbox served by the test's own runtime keeps answering.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};

use rollwatch::sandbox::Sandbox;
use serde_json::Value;

/// What came back: the status, the headers (names lowercased) and the body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Sends `method path` with `headers` and `body` to `endpoint` (`http://host:port`) and reads
/// the whole answer. `Host` is the endpoint's address unless `headers` holds one. A connection
/// the server cuts short gives what was read before.
pub fn exchange(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the sandbox");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        let _ = write!(request, "Host: {addr}\r\n");
    }
    for (k, v) in headers {
        let _ = write!(request, "{k}: {v}\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("write");
    stream.write_all(body).expect("write body");
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// [`exchange`] with a sandbox this test's runtime serves: (status, headers, body).
pub async fn raw(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    let endpoint = sandbox.endpoint();
    let (method, path, body) = (method.to_owned(), path.to_owned(), body.to_vec());
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let response = tokio::task::spawn_blocking(move || {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        exchange(&endpoint, &method, &path, &headers, &body)
    })
    .await
    .expect("the exchange ran");
    (response.status, response.headers, response.body)
}

/// A header of a raw response.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The sandbox's call counters: `{"calls","mutating","read","services":{"lambda":
/// {"operations":{"GetAlias":{"calls",..}}}}}`.
pub fn stats(endpoint: &str) -> Value {
    exchange(endpoint, "GET", "/_sandbox/stats", &[], b"").json()
}

/// The call counters of one of a several-account sandbox's accounts (with `callers`: calls
/// per access key and operation).
pub fn account_stats(endpoint: &str, account: &str) -> Value {
    exchange(
        endpoint,
        "GET",
        &format!("/_sandbox/stats?account={account}"),
        &[],
        b"",
    )
    .json()
}

/// [`stats`] of a sandbox this test's runtime serves.
pub async fn stats_of(sandbox: &Sandbox) -> Value {
    let endpoint = sandbox.endpoint();
    tokio::task::spawn_blocking(move || stats(&endpoint))
        .await
        .expect("stats read")
}

/// Mutating calls the sandbox has received so far.
pub fn mutating(stats: &Value) -> u64 {
    stats["mutating"].as_u64().expect("mutating count")
}

/// `POST /_sandbox/faults` with `body`, as a script would send it: (status, body).
pub async fn post_faults(sandbox: &Sandbox, body: &[u8]) -> (u16, String) {
    let json = ("Content-Type", "application/json");
    let (status, _, reply) = raw(sandbox, "POST", "/_sandbox/faults", &[json], body).await;
    (status, reply)
}
