//! Shared helpers: starting a sandbox, SDK clients on it, raw HTTP, ground-truth queries.

use std::fmt::Write as _;

use std::io::Write;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_types::region::Region;
use rollwatch::sandbox::{Sandbox, SandboxConfig, observe::Event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A frozen-clock sandbox on an ephemeral loopback port.
pub fn config(scenario: &str) -> SandboxConfig {
    SandboxConfig::loopback(scenario).speed(0.0).seed(7)
}

/// Starts a built-in scenario.
pub async fn start(scenario: &str) -> Sandbox {
    Sandbox::start(config(scenario)).await.unwrap()
}

/// Writes scenario TOML to a temp file (kept alive by the caller).
pub fn scenario_file(toml: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(toml.as_bytes()).unwrap();
    file
}

/// Starts a sandbox from scenario text.
pub async fn start_toml(toml: &str) -> (Sandbox, tempfile::NamedTempFile) {
    let file = scenario_file(toml);
    let sandbox = Sandbox::start(config(file.path().to_str().unwrap()))
        .await
        .unwrap();
    (sandbox, file)
}

/// The SDK configuration every client uses (static fake credentials).
pub async fn sdk(sandbox: &Sandbox) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(sandbox.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .load()
        .await
}

pub async fn codedeploy(sandbox: &Sandbox) -> aws_sdk_codedeploy::Client {
    aws_sdk_codedeploy::Client::new(&sdk(sandbox).await)
}

pub async fn lambda(sandbox: &Sandbox) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&sdk(sandbox).await)
}

/// A raw HTTP/1.1 exchange: (status, headers lowercased, body). `Host` is the sandbox's address
/// unless `headers` holds one.
pub async fn raw(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    let addr = sandbox.endpoint().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    // The sandbox's own address unless the test names another Host.
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        let _ = write!(req, "Host: {addr}\r\n");
    }
    for (k, v) in headers {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf).await;
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
    (status, headers, body.to_owned())
}

/// A header of a raw response.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The codedeploy-driven alias weights of a deployment: (seconds after its first shift, % on
/// the target), from the ground truth.
pub fn shifts(events: &[Event], deployment_id: &str) -> Vec<(f64, f64)> {
    let mine: Vec<&Event> = events
        .iter()
        .filter(|e| {
            e.kind == "weight"
                && e.deployment_id.as_deref() == Some(deployment_id)
                && e.detail["source"] == "codedeploy"
        })
        .collect();
    let Some(t0) = mine.first().map(|e| e.sim_time) else {
        return Vec::new();
    };
    mine.iter()
        .map(|e| {
            let weights = e.detail["additional_version_weights"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let pct = weights
                .values()
                .next()
                .and_then(serde_json::Value::as_f64)
                .map_or(100.0, |w| (w * 100.0).round());
            (e.sim_time - t0, pct)
        })
        .collect()
}

/// Deployment ids in creation order whose group is `group`.
pub async fn deployments_of(
    cd: &aws_sdk_codedeploy::Client,
    app: &str,
    group: &str,
) -> Vec<aws_sdk_codedeploy::types::DeploymentInfo> {
    let ids = cd
        .list_deployments()
        .application_name(app)
        .deployment_group_name(group)
        .send()
        .await
        .unwrap()
        .deployments
        .unwrap_or_default();
    if ids.is_empty() {
        return Vec::new();
    }
    let mut infos = cd
        .batch_get_deployments()
        .set_deployment_ids(Some(ids))
        .send()
        .await
        .unwrap()
        .deployments_info
        .unwrap_or_default();
    infos.sort_by_key(|d| d.create_time.map(|t| t.as_secs_f64() as i64));
    infos
}
