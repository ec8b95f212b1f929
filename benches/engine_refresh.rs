//! Engine benchmark against the sandbox (`cargo bench --bench engine_refresh`; prints figures):
//! 1. Freshness: how long after the sandbox shifted an alias (its ground-truth event log) the
//!    engine's picture shows the new weight.
//! 2. Cost: the engine's steady-state calls per minute per service, next to a naive poller that
//!    rebuilds the complete picture every 2 s (bounded by the same per-service budgets), both at
//!    real-time speed (the engine's idle alias polls follow the service's clock).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rollwatch::aws::{ConnectOptions, connect};
use rollwatch::engine::{EngineConfig, PictureOptions, Rules, Update, collect_picture, spawn};
use rollwatch::sandbox::{Sandbox, SandboxConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const RUN: Duration = Duration::from_secs(40);
const SPEED: f64 = 10.0;
/// The naive poller runs as long as the engine's measured steady state (after its warm-up).
const NAIVE_RUN: Duration = Duration::from_secs(35);

async fn sandbox(speed: f64) -> Sandbox {
    Sandbox::start(SandboxConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        scenario: "calm".into(),
        speed,
        faults: None,
        seed: 7,
        allow_remote: false,
    })
    .await
    .unwrap()
}

fn options(sandbox: &Sandbox, lambda_burst: u32) -> ConnectOptions {
    ConnectOptions {
        regions: vec![sandbox.region().to_string()],
        endpoint_url: Some(sandbox.endpoint()),
        static_credentials: true,
        limits: rollwatch::aws::Limits {
            lambda: rollwatch::aws::Rate {
                per_sec: 1,
                burst: lambda_burst,
            },
            ..rollwatch::aws::Limits::default()
        },
        ..ConnectOptions::default()
    }
}

fn wall() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Calls per service so far, from `GET /_sandbox/stats`.
async fn calls(endpoint: &str) -> HashMap<String, u64> {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET /_sandbox/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let stats: serde_json::Value = serde_json::from_str(body).unwrap();
    stats["services"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v["calls"].as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

fn per_minute(before: &HashMap<String, u64>, after: &HashMap<String, u64>, secs: f64) -> String {
    let mut services: Vec<_> = after.keys().collect();
    services.sort();
    services
        .iter()
        .map(|s| {
            let n = after[*s].saturating_sub(before.get(*s).copied().unwrap_or(0));
            format!("{s} {:.0}", n as f64 * 60.0 / secs)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the live engine; returns the lags (s) between ground-truth shifts and the picture.
async fn engine_run(speed: f64) -> (Vec<f64>, String) {
    let sandbox = sandbox(speed).await;
    let readers = connect(&options(&sandbox, 10)).await.unwrap();
    let mut engine = spawn(readers, EngineConfig::default(), Rules::default());
    // Warm up (first discovery), then measure the steady state.
    let warm = Instant::now() + Duration::from_secs(5);
    let mut seen: Vec<(f64, String, f64)> = Vec::new();
    let mut before = None;
    let start = Instant::now();
    while start.elapsed() < RUN {
        let Ok(Some(Update::Picture { picture, .. })) =
            tokio::time::timeout(Duration::from_millis(500), engine.updates.recv()).await
        else {
            continue;
        };
        if before.is_none() && Instant::now() >= warm {
            before = Some((calls(&sandbox.endpoint()).await, Instant::now()));
        }
        let now = wall();
        for view in picture.regions.iter().flat_map(|r| &r.deployments) {
            if let (Some(alias), Some(target)) =
                (view.alias.value(), view.deployment.target.as_ref())
            {
                seen.push((
                    now,
                    alias.function.clone(),
                    alias.weight_of(&target.target_version),
                ));
            }
        }
    }
    let (before, at) = before.unwrap();
    let after = calls(&sandbox.endpoint()).await;
    let cost = per_minute(&before, &after, at.elapsed().as_secs_f64());
    let mut lags = Vec::new();
    for event in sandbox.events().iter().filter(|e| e.kind == "weight") {
        let Some(function) = &event.function else {
            continue;
        };
        let weights = &event.detail["additional_version_weights"];
        let version = event.detail["function_version"]
            .as_str()
            .unwrap_or_default();
        // The target's share as the alias states it: the extra weight, or 100% once flipped.
        let share = weights
            .as_object()
            .and_then(|m| m.values().next())
            .and_then(serde_json::Value::as_f64);
        let first_seen = seen.iter().find(|(t, f, w)| {
            *t >= event.wall_time
                && f == function
                && match share {
                    Some(s) => (w - s).abs() < 1e-6,
                    None => !version.is_empty() && (w - 1.0).abs() < 1e-6,
                }
        });
        if let Some((t, _, _)) = first_seen {
            if event.wall_time > wall() - RUN.as_secs_f64() + 5.0 {
                lags.push(t - event.wall_time);
            }
        }
    }
    engine.shutdown().await;
    sandbox.shutdown().await;
    (lags, cost)
}

/// A naive poller: the complete picture every 2 s.
async fn naive_run() -> String {
    let sandbox = sandbox(1.0).await;
    let readers = connect(&options(&sandbox, 10)).await.unwrap();
    let _ = collect_picture(&readers, PictureOptions::default()).await;
    let before = calls(&sandbox.endpoint()).await;
    let start = Instant::now();
    while start.elapsed() < NAIVE_RUN {
        let _ = collect_picture(&readers, PictureOptions::default()).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let after = calls(&sandbox.endpoint()).await;
    let cost = per_minute(&before, &after, start.elapsed().as_secs_f64());
    sandbox.shutdown().await;
    cost
}

#[tokio::main]
async fn main() {
    let (mut lags, _) = engine_run(SPEED).await;
    lags.sort_by(f64::total_cmp);
    let (_, engine_cost) = engine_run(1.0).await;
    let naive_cost = naive_run().await;
    println!(
        "engine_refresh: sandbox `calm`, {} s per run",
        RUN.as_secs()
    );
    println!("  freshness at {SPEED}x speed (steps every 6 s):");
    if lags.is_empty() {
        println!("  weight changes seen: none (no shift happened during the run)");
    } else {
        println!(
            "  weight change visible after: median {:.2} s, max {:.2} s ({} shifts)",
            lags[lags.len() / 2],
            lags[lags.len() - 1],
            lags.len()
        );
    }
    println!("  cost at real-time speed, 2 deployments in progress:");
    println!("  calls per minute, engine:             {engine_cost}");
    println!("  calls per minute, naive 2 s poller:   {naive_cost}");
}
