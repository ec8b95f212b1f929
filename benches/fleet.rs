//! Fleet-scale benchmark (`cargo bench --bench fleet`): the design case — a whole SAM stack
//! deploying at once — against the sandbox at real-time speed, with the release binary as a
//! user runs it. Prints, side by side:
//!
//! 1. cold `rollwatch snapshot --json` on `stack` (no injected latency) and on `fleet` with
//!    50 ms per request, next to the same picture scripted with the AWS CLI one call at a time
//!    (skipped when no AWS CLI is found: `ROLLWATCH_AWS_CLI`, target/test-venv, or `aws`);
//! 2. `rollwatch watch --all --json` following `stack` and `fleet`: calls per minute per service
//!    in the steady state next to a naive poller that rebuilds the picture every 2 s (4 calls
//!    per deployment per cycle), how full each budget ran, and every alias shift and status
//!    change the sandbox made (its ground truth) against what `watch` reported: missed, and
//!    how late (p50, p95, max);
//! 3. the live engine on `stack-100`: how far the oldest datum on screen ran past its
//!    refresh interval, against one round of its budget, and how often STALE was shown.
//!
//! 4. the live engine on `fleet` through a fault storm (`throttle=0.3,error5xx=0.1,
//!    latency=50ms..2s,reset=0.05`, set and cleared through `POST /_sandbox/faults`): calls per
//!    minute before, during and after, the errors the sandbox injected, how often the failing
//!    reads and STALE were on screen, and how long after the storm the picture was whole and
//!    fresh again.
//!
//! `FLEET_BENCH_MINUTES` (default 11) sets how long each `watch` runs and the storm (at most 5);
//! `FLEET_BENCH_ONLY` picks parts (`cold,stack,fleet,hundred,faults`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rollwatch::aws::{ConnectOptions, Limits, connect};
use rollwatch::engine::{EngineConfig, Rules, Update, spawn};
use rollwatch::sandbox::{Sandbox, SandboxConfig, observe::Event};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

async fn sandbox(scenario: &str, faults: Option<&str>) -> Sandbox {
    let config = SandboxConfig::loopback(scenario).seed(7);
    Sandbox::start(match faults {
        Some(rules) => config.faults(rules),
        None => config,
    })
    .await
    .unwrap()
}

/// The release binary against `endpoint`, with the default configuration (a home of its own).
fn rollwatch(endpoint: &str) -> Command {
    let home = std::env::temp_dir().join("rollwatch-fleet-bench-home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollwatch"));
    cmd.args(["--region", "us-east-1", "--endpoint-url", endpoint])
        .env("HOME", &home)
        .env_remove("ROLLWATCH_CONFIG")
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// `GET /_sandbox/stats`: calls per service.
async fn stats(endpoint: &str) -> BTreeMap<String, u64> {
    per_service(&stats_json(endpoint).await, "calls")
}

/// `GET /_sandbox/stats`, whole.
async fn stats_json(endpoint: &str) -> Value {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET /_sandbox/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap()
}

/// One counter (`calls`, `faults`) of each service in the sandbox's stats.
fn per_service(stats: &Value, counter: &str) -> BTreeMap<String, u64> {
    stats["services"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v[counter].as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// A cold `rollwatch snapshot --json`: seconds and active deployments.
fn snapshot(endpoint: &str) -> (f64, usize) {
    let started = Instant::now();
    let out = rollwatch(endpoint)
        .args(["snapshot", "--json"])
        .output()
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let active = doc["regions"][0]["deployments"]
        .as_array()
        .map_or(0, Vec::len);
    (secs, active)
}

fn aws_cli() -> Option<String> {
    let candidates = [
        std::env::var("ROLLWATCH_AWS_CLI").ok(),
        Some(format!(
            "{}/target/test-venv/bin/aws",
            env!("CARGO_MANIFEST_DIR")
        )),
        Some("aws".to_string()),
    ];
    candidates.into_iter().flatten().find(|c| {
        Command::new(c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn cli(aws: &str, endpoint: &str, args: &[&str]) -> Value {
    let out = Command::new(aws)
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// The picture `snapshot` gives, the way a person scripts it with the AWS CLI: one call at a
/// time, per deployment its record, targets, AppSpec, group, alias, alarms and metrics.
#[expect(
    clippy::too_many_lines,
    reason = "the script a person writes with the AWS CLI, one call after another"
)]
fn aws_cli_picture(aws: &str, endpoint: &str) -> f64 {
    let started = Instant::now();
    let listed = cli(
        aws,
        endpoint,
        &[
            "deploy",
            "list-deployments",
            "--include-only-statuses",
            "Created",
            "Queued",
            "InProgress",
            "Ready",
        ],
    );
    let ids: Vec<String> = listed["deployments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    for id in &ids {
        let info = cli(
            aws,
            endpoint,
            &["deploy", "get-deployment", "--deployment-id", id],
        );
        let d = &info["deploymentInfo"];
        let app = d["applicationName"].as_str().unwrap_or_default();
        let group = d["deploymentGroupName"].as_str().unwrap_or_default();
        let sha = d["revision"]["appSpecContent"]["sha256"]
            .as_str()
            .unwrap_or_default();
        let targets = cli(
            aws,
            endpoint,
            &["deploy", "list-deployment-targets", "--deployment-id", id],
        );
        let mut args = vec![
            "deploy",
            "batch-get-deployment-targets",
            "--deployment-id",
            id,
            "--target-ids",
        ];
        let target_ids: Vec<String> = targets["targetIds"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        args.extend(target_ids.iter().map(String::as_str));
        let _ = cli(aws, endpoint, &args);
        let revision = format!("revisionType=AppSpecContent,appSpecContent={{sha256={sha}}}");
        let rev = cli(
            aws,
            endpoint,
            &[
                "deploy",
                "get-application-revision",
                "--application-name",
                app,
                "--revision",
                &revision,
            ],
        );
        let content = rev["revision"]["appSpecContent"]["content"]
            .as_str()
            .unwrap_or_default();
        let field = |name: &str| {
            content
                .split(&format!("\"{name}\":\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_default()
                .to_string()
        };
        let (function, alias) = (field("Name"), field("Alias"));
        let (current, target) = (field("CurrentVersion"), field("TargetVersion"));
        let grp = cli(
            aws,
            endpoint,
            &[
                "deploy",
                "get-deployment-group",
                "--application-name",
                app,
                "--deployment-group-name",
                group,
            ],
        );
        let _ = cli(
            aws,
            endpoint,
            &[
                "lambda",
                "get-alias",
                "--function-name",
                &function,
                "--name",
                &alias,
            ],
        );
        let alarms: Vec<String> = grp["deploymentGroupInfo"]["alarmConfiguration"]["alarms"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["name"].as_str().map(str::to_string))
            .collect();
        if !alarms.is_empty() {
            let mut args = vec!["cloudwatch", "describe-alarms", "--alarm-names"];
            args.extend(alarms.iter().map(String::as_str));
            let _ = cli(aws, endpoint, &args);
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut queries = Vec::new();
        for (i, version) in [current, target].iter().enumerate() {
            for metric in ["Invocations", "Errors", "Duration"] {
                let dimensions = serde_json::json!([
                    {"Name": "FunctionName", "Value": function},
                    {"Name": "Resource", "Value": format!("{function}:{alias}")},
                    {"Name": "ExecutedVersion", "Value": version},
                ]);
                queries.push(serde_json::json!({
                    "Id": format!("{}{i}", metric.to_lowercase()),
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dimensions},
                        "Period": 60,
                        "Stat": "Sum",
                    },
                }));
            }
        }
        let _ = cli(
            aws,
            endpoint,
            &[
                "cloudwatch",
                "get-metric-data",
                "--metric-data-queries",
                &Value::Array(queries).to_string(),
                "--start-time",
                &(now - 900).to_string(),
                "--end-time",
                &now.to_string(),
            ],
        );
    }
    started.elapsed().as_secs_f64()
}

/// One `watch` run's figures.
struct WatchRun {
    minutes: f64,
    active: usize,
    per_minute: BTreeMap<String, f64>,
    lambda_peak_per_sec: f64,
    shifts: Vec<f64>,
    /// Shifts reported as the Succeeded outcome of a deployment that ran between two looks.
    by_outcome: usize,
    shifts_missed: Vec<String>,
    statuses: Vec<f64>,
    statuses_missed: Vec<String>,
}

/// The target's share an alias change gave (1.0 once flipped to the target alone).
fn share(event: &Event) -> f64 {
    event.detail["additional_version_weights"]
        .as_object()
        .and_then(|m| m.values().next())
        .and_then(Value::as_f64)
        .unwrap_or(1.0)
}

/// Follows `scenario` with `rollwatch watch --all --json` for `minutes` at real time.
#[expect(
    clippy::too_many_lines,
    reason = "one measured run: start, follow, count and compare with the ground truth"
)]
async fn watch_run(scenario: &str, minutes: f64) -> WatchRun {
    let sandbox = sandbox(scenario, None).await;
    let endpoint = sandbox.endpoint();
    let started_sim = sandbox.now();
    let mut child = tokio::process::Command::from(rollwatch(&endpoint))
        .args(["watch", "--all", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let run = Duration::from_secs_f64(minutes * 60.0);
    let warm = Duration::from_secs(60);
    let start = Instant::now();
    let mut events: Vec<Value> = Vec::new();
    let mut samples: Vec<(Instant, BTreeMap<String, u64>)> = Vec::new();
    let mut next_sample = start + warm;
    while start.elapsed() < run {
        if Instant::now() >= next_sample {
            samples.push((Instant::now(), stats(&endpoint).await));
            next_sample += Duration::from_secs(10);
        }
        if let Ok(Ok(Some(line))) =
            tokio::time::timeout(Duration::from_millis(200), lines.next_line()).await
        {
            if let Ok(event) = serde_json::from_str::<Value>(&line) {
                events.push(event);
            }
        }
    }
    samples.push((Instant::now(), stats(&endpoint).await));
    let _ = child.kill().await;
    let truth = sandbox.events();
    let ended_sim = sandbox.now();
    sandbox.shutdown().await;

    let (first_at, first) = samples.first().cloned().unwrap();
    let (last_at, last) = samples.last().cloned().unwrap();
    let span = last_at.duration_since(first_at).as_secs_f64();
    let per_minute = last
        .iter()
        .map(|(s, n)| {
            let before = first.get(s).copied().unwrap_or(0);
            (s.clone(), (n - before) as f64 * 60.0 / span)
        })
        .collect();
    let lambda_peak_per_sec = samples
        .windows(2)
        .map(|w| {
            let calls = |s: &BTreeMap<String, u64>| s.get("lambda").copied().unwrap_or(0);
            (calls(&w[1].1) - calls(&w[0].1)) as f64 / w[1].0.duration_since(w[0].0).as_secs_f64()
        })
        .fold(0.0, f64::max);
    let service_time = |e: &Value| {
        e["service_time"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_millis() as f64 / 1000.0)
    };
    let of = |id: &String| {
        let id = id.clone();
        events
            .iter()
            .filter(move |e| e["deployment_id"] == id.as_str())
    };
    // Every change that had 15 s to be reported.
    let window = |e: &&Event| e.sim_time > started_sim + 5.0 && e.sim_time < ended_sim - 15.0;
    let mut shifts = Vec::new();
    let mut shifts_missed = Vec::new();
    let mut by_outcome = 0;
    for e in truth.iter().filter(|e| e.kind == "weight").filter(window) {
        let Some(id) = &e.deployment_id else { continue };
        let w = share(e);
        let reported = of(id)
            .filter(|r| {
                r["weight"]["weight"]
                    .as_f64()
                    .is_some_and(|x| (x - w).abs() < 1e-6)
            })
            .filter_map(service_time)
            .find(|t| *t >= e.sim_time - 0.5);
        // A deployment that started and finished between two looks is reported by its
        // outcome: Succeeded means all traffic on the new version.
        let outcome = || {
            of(id)
                .filter(|r| (w - 1.0).abs() < 1e-6 && r["status"] == "Succeeded")
                .filter_map(service_time)
                .find(|t| *t >= e.sim_time - 0.5)
        };
        match (reported, outcome()) {
            (Some(t), _) => shifts.push(t - e.sim_time),
            (None, Some(t)) => {
                by_outcome += 1;
                shifts.push(t - e.sim_time);
            }
            (None, None) => shifts_missed.push(format!("{id} → {w}")),
        }
    }
    let mut statuses = Vec::new();
    let mut statuses_missed = Vec::new();
    for e in truth
        .iter()
        .filter(|e| e.kind == "deployment_status")
        .filter(window)
    {
        let Some(id) = &e.deployment_id else { continue };
        let status = e.detail["status"].as_str().unwrap_or_default();
        let reported = of(id)
            .filter(|r| r["status"] == status)
            .filter_map(service_time)
            .find(|t| *t >= e.sim_time - 0.5);
        // A deployment that started and finished between two looks: its intermediate statuses
        // could not be seen, its outcome was reported.
        let between = || {
            of(id)
                .filter(|r| {
                    r["text"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("started and finished between"))
                })
                .filter_map(service_time)
                .find(|t| *t >= e.sim_time - 0.5)
        };
        match (reported, between()) {
            (Some(t), _) => statuses.push(t - e.sim_time),
            (None, Some(t)) => {
                by_outcome += 1;
                statuses.push(t - e.sim_time);
            }
            (None, None) => statuses_missed.push(format!("{id} {status}")),
        }
    }
    shifts.sort_by(f64::total_cmp);
    statuses.sort_by(f64::total_cmp);
    let active = events
        .iter()
        .filter(|e| e["kind"] == "appeared")
        .filter_map(|e| e["deployment_id"].as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    WatchRun {
        minutes,
        active,
        per_minute,
        lambda_peak_per_sec,
        shifts,
        by_outcome,
        shifts_missed,
        statuses,
        statuses_missed,
    }
}

fn print_watch(name: &str, run: &WatchRun, limits: &Limits) {
    let naive = run.active as f64 * 4.0 * 30.0;
    let total: f64 = run.per_minute.values().sum();
    println!(
        "\n== watch --all --json on `{name}`, {:.0} min at real time ==",
        run.minutes
    );
    println!("  deployments watched: {}", run.active);
    for (service, per_min) in &run.per_minute {
        let rate = match service.as_str() {
            "codedeploy" => limits.codedeploy.per_sec,
            "lambda" => limits.lambda.per_sec,
            "cloudwatch" => limits.cloudwatch.per_sec,
            _ => 0,
        };
        let full = if rate > 0 {
            format!(
                " ({:.0}% of its budget)",
                per_min / (f64::from(rate) * 60.0) * 100.0
            )
        } else {
            String::new()
        };
        println!("  {service:<11} {per_min:>7.1} calls/min{full}");
    }
    println!(
        "  all services {total:>7.1} calls/min; naive 2 s poller {naive:.0} calls/min → {:.0}x fewer",
        naive / total.max(1.0)
    );
    println!(
        "  Lambda peak over 10 s windows: {:.2} calls/s",
        run.lambda_peak_per_sec
    );
    let line = |what: &str, lags: &[f64], missed: &[String]| {
        println!(
            "  {what}: {} reported, {} missed; late by p50 {:.1} s, p95 {:.1} s, max {:.1} s",
            lags.len(),
            missed.len(),
            percentile(lags, 0.5),
            percentile(lags, 0.95),
            lags.last().copied().unwrap_or(f64::NAN)
        );
        if !missed.is_empty() {
            println!("    missed: {missed:?}");
        }
    };
    line("alias shifts   ", &run.shifts, &run.shifts_missed);
    if run.by_outcome > 0 {
        println!(
            "    ({} shifts or statuses reported by the outcome of a deployment that started and finished between two looks)",
            run.by_outcome
        );
    }
    line("status changes ", &run.statuses, &run.statuses_missed);
}

/// The live engine on `stack-100` for `secs`: the most any datum ran past its interval.
async fn hundred(secs: u64) {
    let sandbox = sandbox("stack-100", None).await;
    let limits = Limits::default();
    let options = ConnectOptions {
        regions: vec![sandbox.region().to_string()],
        endpoint_url: Some(sandbox.endpoint()),
        static_credentials: true,
        own_credentials: false,
        limits,
        ..ConnectOptions::default()
    };
    let readers = connect(&options).await.unwrap();
    let mut engine = spawn(readers, EngineConfig::default(), Rules::default());
    let start = Instant::now();
    let mut worst: HashMap<&'static str, f64> = HashMap::new();
    let (mut pictures, mut stale, mut rows) = (0, 0, 0);
    let mut stale_parts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut scan = rollwatch::domain::AliasScan::default();
    while start.elapsed() < Duration::from_secs(secs) {
        let Ok(Some(Update::Picture { picture, .. })) =
            tokio::time::timeout(Duration::from_millis(500), engine.updates.recv()).await
        else {
            continue;
        };
        // Judge once every part has been read at least once (the first minute).
        if start.elapsed() < Duration::from_secs(60) {
            continue;
        }
        pictures += 1;
        scan.clone_from(&picture.regions[0].alias_scan);
        let now = picture.taken_at;
        let mut any_stale = false;
        for view in picture.regions.iter().flat_map(|r| &r.deployments) {
            rows = rows.max(picture.regions[0].deployments.len());
            for (name, part) in view.freshness.parts() {
                if let Some(age) = part.age_secs(now) {
                    let late = age as f64 - f64::from(part.interval_secs);
                    let w = worst.entry(name).or_insert(f64::MIN);
                    *w = w.max(late);
                }
                if part.is_stale(now) {
                    any_stale = true;
                    *stale_parts.entry(name).or_default() += 1;
                }
            }
        }
        stale += usize::from(any_stale);
    }
    engine.shutdown().await;
    let lambda = stats_json(&sandbox.endpoint()).await["services"]["lambda"]["operations"].clone();
    let calls = |op: &str| lambda[op]["calls"].as_u64().unwrap_or(0);
    sandbox.shutdown().await;
    let period = |per_sec: u32| rows as f64 / f64::from(per_sec.max(1));
    println!("\n== live engine on `stack-100`, {secs} s at real time ({rows} rows) ==");
    let mut names: Vec<_> = worst.keys().copied().collect();
    names.sort_unstable();
    for name in names {
        let budget = match name {
            "alias" => format!(
                "one round of the Lambda budget: {:.0} s",
                period(limits.lambda.per_sec)
            ),
            "record" | "target" => format!(
                "one round of the CodeDeploy budget: {:.0} s",
                period(limits.codedeploy.per_sec)
            ),
            _ => "region-wide, one call".to_string(),
        };
        println!(
            "  {name:<8} oldest past its interval by {:>6.1} s ({budget})",
            worst[name]
        );
    }
    println!("  STALE shown in {stale} of {pictures} pictures (stale parts seen: {stale_parts:?})");
    println!(
        "  Lambda calls: GetAlias {}, the alias scan's ListFunctions {} and ListAliases {}; the scan \
         covered {}",
        calls("GetAlias"),
        calls("ListFunctions"),
        calls("ListAliases"),
        scan.coverage()
    );
}

#[tokio::main]
async fn main() {
    let minutes: f64 = std::env::var("FLEET_BENCH_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(11.0);
    println!("fleet: the design case at real time (release build, sandbox --speed 1)");
    let only = std::env::var("FLEET_BENCH_ONLY").unwrap_or_default();
    let part = |name: &str| only.is_empty() || only.split(',').any(|p| p == name);
    if part("cold") {
        cold().await;
    }
    let limits = Limits::default();
    for scenario in ["stack", "fleet"] {
        if part(scenario) {
            let run = watch_run(scenario, minutes).await;
            print_watch(scenario, &run, &limits);
        }
    }
    if part("hundred") {
        hundred(240).await;
    }
    if part("faults") {
        faults(minutes.min(5.0)).await;
    }
}

/// Part 1: cold snapshots, and the AWS CLI script.
async fn cold() {
    println!("\n== cold snapshot --json ==");
    let stack = sandbox("stack", None).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let mut times: Vec<(f64, usize)> = (0..3).map(|_| snapshot(&stack.endpoint())).collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "  stack, no added latency: {:.2} s median of 3 ({} active deployments)",
        times[1].0, times[1].1
    );
    stack.shutdown().await;
    let fleet = sandbox("fleet", Some("latency=50ms..50ms")).await;
    let mut times: Vec<(f64, usize)> = (0..3).map(|_| snapshot(&fleet.endpoint())).collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ours = times[1].0;
    println!(
        "  fleet, 50 ms per request: {ours:.2} s median of 3 ({} active deployments)",
        times[1].1
    );
    match aws_cli() {
        Some(aws) => {
            let script = aws_cli_picture(&aws, &fleet.endpoint());
            println!(
                "  the same picture with the AWS CLI, one call at a time: {script:.1} s → {:.0}x faster",
                script / ours
            );
        }
        None => println!("  (no AWS CLI found: the script comparison is skipped)"),
    }
    fleet.shutdown().await;
}

/// `POST /_sandbox/faults` with `body`.
async fn set_faults(endpoint: &str, body: &str) {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /_sandbox/faults HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

/// What one phase of the fault run saw.
#[derive(Default)]
struct Phase {
    pictures: usize,
    failing: usize,
    stale: usize,
    /// Real seconds from the phase's start to the first whole and fresh picture.
    whole_after: Option<f64>,
    /// Real seconds into the phase each part was last seen stale.
    last_stale: BTreeMap<&'static str, f64>,
}

impl Phase {
    fn see(&mut self, picture: &rollwatch::domain::Picture, since: Instant) {
        let now = picture.taken_at;
        self.pictures += 1;
        self.failing += usize::from(picture.failing_reads() > 0);
        let stale = picture.is_stale(now);
        self.stale += usize::from(stale);
        for view in picture.regions.iter().flat_map(|r| &r.deployments) {
            for (name, part) in view.freshness.parts() {
                if part.is_stale(now) {
                    self.last_stale.insert(name, since.elapsed().as_secs_f64());
                }
            }
        }
        let whole = picture.is_whole_and_fresh();
        if whole && self.whole_after.is_none() {
            self.whole_after = Some(since.elapsed().as_secs_f64());
        }
    }
}

/// Part 4: the live engine on `fleet` through `storm_minutes` of faults.
async fn faults(storm_minutes: f64) {
    const STORM: &str = "throttle=0.3,error5xx=0.1,latency=50ms..2s,reset=0.05";
    let sandbox = sandbox("fleet", None).await;
    let endpoint = sandbox.endpoint();
    let options = ConnectOptions {
        regions: vec![sandbox.region().to_string()],
        endpoint_url: Some(endpoint.clone()),
        static_credentials: true,
        own_credentials: false,
        limits: Limits::default(),
        ..ConnectOptions::default()
    };
    let readers = connect(&options).await.unwrap();
    let mut engine = spawn(readers, EngineConfig::default(), Rules::default());
    // A minute to settle, then three phases: calm (2 min), the storm, after it (3 min).
    let phases = [
        ("calm", 120.0, None),
        (
            "storm",
            storm_minutes * 60.0,
            Some(format!("{{\"faults\": \"{STORM}\"}}")),
        ),
        ("after", 180.0, Some(r#"{"faults": null}"#.to_string())),
    ];
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(60) {
        let _ = tokio::time::timeout(Duration::from_millis(500), engine.updates.recv()).await;
    }
    println!("\n== live engine on `fleet` through a fault storm ({STORM}) ==");
    for (name, secs, faults) in phases {
        if let Some(body) = faults {
            set_faults(&endpoint, &body).await;
        }
        let before = stats_json(&endpoint).await;
        let start = Instant::now();
        let mut phase = Phase::default();
        while start.elapsed() < Duration::from_secs_f64(secs) {
            let Ok(Some(Update::Picture { picture, .. })) =
                tokio::time::timeout(Duration::from_millis(500), engine.updates.recv()).await
            else {
                continue;
            };
            phase.see(&picture, start);
        }
        let after = stats_json(&endpoint).await;
        let minutes = start.elapsed().as_secs_f64() / 60.0;
        let delta = |counter: &str| {
            let (a, b) = (per_service(&after, counter), per_service(&before, counter));
            a.iter()
                .map(|(k, v)| {
                    let d = v - b.get(k).copied().unwrap_or(0);
                    format!("{k} {:.0}", d as f64 / minutes)
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "  {name:<5} {:.1} min: calls/min {}",
            minutes,
            delta("calls")
        );
        println!("        errors injected/min {}", delta("faults"));
        println!(
            "        failing reads on screen in {} of {} pictures, STALE in {}",
            phase.failing, phase.pictures, phase.stale
        );
        if name == "after" {
            let last: Vec<String> = phase
                .last_stale
                .iter()
                .map(|(part, at)| format!("{part} {at:.0} s"))
                .collect();
            println!(
                "        whole and fresh {} after the faults were cleared; last stale: {}",
                phase
                    .whole_after
                    .map_or("never".to_string(), |s| format!("{s:.0} s")),
                if last.is_empty() {
                    "none".to_string()
                } else {
                    last.join(", ")
                }
            );
        }
    }
    engine.shutdown().await;
    sandbox.shutdown().await;
}
