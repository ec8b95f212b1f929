//! The verdict as the config file shapes it, through the real binary against the sandbox:
//! per-function thresholds change the judgement (`slow-canary` fails on p99 by default and
//! passes when only the error rate is critical for its function); `enabled = false` removes it;
//! and the verdict costs a snapshot one GetMetricData call (the latency quantile test's counts)
//! and nothing else — two identical sandboxes, with and without it (the sandbox's call counters).

use std::path::Path;
use std::process::Command;

use crate::support::http::stats;
use serde_json::Value;

/// `slow-canary` paused twelve minutes in: p99 doubled a minute in, no alarm watches latency.
async fn slow_canary() -> rollwatch::sandbox::Sandbox {
    let sandbox = rollwatch::sandbox::Sandbox::start(
        rollwatch::sandbox::SandboxConfig::loopback("slow-canary")
            .speed(0.0)
            .seed(3),
    )
    .await
    .expect("sandbox starts");
    sandbox.advance(12.0 * 60.0);
    sandbox
}

/// `rollwatch --config <config> snapshot --json` against `endpoint`: the deployment's JSON.
fn snapshot(endpoint: &str, home: &Path, config: &str) -> Value {
    snapshot_with(endpoint, home, config, &[])
}

/// [`snapshot`] with more `snapshot` arguments.
fn snapshot_with(endpoint: &str, home: &Path, config: &str, more: &[&str]) -> Value {
    let path = home.join("config.toml");
    std::fs::write(&path, config).expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_rollwatch"))
        .args([
            "--region",
            "us-east-1",
            "--endpoint-url",
            endpoint,
            "--config",
        ])
        .arg(&path)
        .args(["snapshot", "--json"])
        .args(more)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .expect("run rollwatch");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["regions"][0]["deployments"][0].clone()
}

fn verdict_warnings(deployment: &Value) -> Vec<String> {
    deployment["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|w| w.contains("canary verdict"))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_function_thresholds_decide_what_fails() {
    let sandbox = slow_canary().await;
    let home = tempfile::tempdir().expect("tempdir");
    let endpoint = sandbox.endpoint();
    let run = |config: &'static str| {
        let (endpoint, home) = (endpoint.clone(), home.path().to_path_buf());
        tokio::task::spawn_blocking(move || snapshot(&endpoint, &home, config))
    };
    let default = run("").await.expect("snapshot");
    assert_eq!(
        default["verdict"]["overall"], "fail",
        "{}",
        default["verdict"]
    );
    // Only the error rate is critical for this function: p99 still shows, but does not decide.
    let lenient = run("[verdict.functions.profile-api]\ncritical = [\"error_rate\"]\n")
        .await
        .expect("snapshot");
    assert_ne!(
        lenient["verdict"]["overall"], "fail",
        "{}",
        lenient["verdict"]
    );
    let p99 = lenient["verdict"]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == "duration_p99")
        .expect("p99 is still judged");
    assert_eq!(p99["judgement"], "fail");
    assert_eq!(p99["critical"], false);
    assert!(verdict_warnings(&lenient).is_empty(), "{lenient}");
    // Another function's override changes nothing here.
    let other = run("[verdict.functions.checkout]\ncritical = [\"error_rate\"]\n")
        .await
        .expect("snapshot");
    assert_eq!(other["verdict"]["overall"], "fail");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verdict_costs_a_snapshot_one_get_metric_data_call_and_nothing_else() {
    let (with, without) = (slow_canary().await, slow_canary().await);
    let home = tempfile::tempdir().expect("tempdir");
    let (a, b) = (with.endpoint(), without.endpoint());
    let h = home.path().to_path_buf();
    let (judged, unjudged) = tokio::task::spawn_blocking(move || {
        (
            snapshot(&a, &h, ""),
            snapshot(&b, &h, "[verdict]\nenabled = false\n"),
        )
    })
    .await
    .expect("snapshots");
    assert_eq!(judged["verdict"]["overall"], "fail");
    assert!(!verdict_warnings(&judged).is_empty());
    assert!(unjudged["verdict"].is_null(), "{}", unjudged["verdict"]);
    assert!(verdict_warnings(&unjudged).is_empty());
    let (with_stats, without_stats) = (stats(&with.endpoint()), stats(&without.endpoint()));
    for service in ["codedeploy", "lambda", "cloudwatch"] {
        let ops = |s: &Value| {
            s["services"][service]["operations"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(name, v)| (name.clone(), v["calls"].as_u64().unwrap_or(0)))
                        .collect::<std::collections::BTreeMap<_, _>>()
                })
                .unwrap_or_default()
        };
        assert!(!ops(&with_stats).is_empty(), "{service} was called");
        let mut expected = ops(&without_stats);
        if service == "cloudwatch" {
            // The one call the verdict costs a snapshot: the slow-invocation counts of the
            // latency quantile test, once the threshold is known from the first read.
            *expected.entry("GetMetricData".to_string()).or_default() += 1;
        }
        assert_eq!(
            ops(&with_stats),
            expected,
            "{service}: the verdict changed the calls"
        );
    }
    with.shutdown().await;
    without.shutdown().await;
}

/// The metrics shown are the window asked for; the verdict is judged on every minute since the
/// shift all the same (a window would restart its evidence and recount its looks), and its
/// latency threshold comes from minutes before the deployment that the window does not show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verdict_sees_every_minute_since_the_shift_whatever_the_window_shown() {
    let sandbox = slow_canary().await;
    let home = tempfile::tempdir().expect("tempdir");
    let endpoint = sandbox.endpoint();
    let (five, fifteen) = tokio::task::spawn_blocking(move || {
        (
            snapshot_with(&endpoint, home.path(), "", &["--minutes", "5"]),
            snapshot_with(&endpoint, home.path(), "", &["--minutes", "15"]),
        )
    })
    .await
    .expect("snapshots");
    let versions = five["metrics"]["value"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(versions.len(), 2, "{}", five["metrics"]);
    for version in &versions {
        let points = version["points"].as_array().map_or(0, Vec::len);
        assert!((1..=5).contains(&points), "{version}");
    }
    let minutes = five["verdict"]["minutes"].as_u64().unwrap_or_default();
    assert!(minutes > 5, "{}", five["verdict"]);
    assert_eq!(five["verdict"], fifteen["verdict"]);
    let p99 = five["verdict"]["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["metric"] == "duration_p99")
        .cloned()
        .unwrap_or_default();
    assert_eq!(p99["numbers"]["test"], "sequential_quantile", "{p99}");
    sandbox.shutdown().await;
}
