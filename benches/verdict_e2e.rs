//! The canary verdict end to end: the sandbox's traffic, CloudWatch's metrics as rollwatch reads
//! them (the same GetMetricData queries, through the AWS SDK over loopback HTTP) and the same
//! verdict code as `rollwatch snapshot`, looked at every simulated minute of real CodeDeploy
//! configs until each canary has shifted fully. The sandbox runs in this process on a paused
//! clock moved a minute at a time, so an hour-long canary takes a second or two. Its traffic
//! has bursts (each minute's rate spread 30% around its mean), drift (error rates and
//! latencies of both versions growing 20% an hour) and warm-up (each new execution
//! environment's first 10 invocations three times as slow, as the new version scales up).
//!
//! Runs (`VERDICT_E2E_ONLY` picks by name prefix, comma-separated):
//! - `scenarios`: the minute at which `slow-canary` (seeds 1–8), `failing-canary` (1–3) and
//!   `business-canary` (1–3) first read FAIL;
//! - `aa`: identical versions (A/A) at 60, 600 and 6,000 requests a minute, on canary and
//!   linear configs: the share of canaries that ever read FAIL, with its 95% Wilson interval;
//! - `ab`: twice the error rate (1% → 2%) and 1.5× the p99 at 600 requests a minute
//!   (`VERDICT_E2E_RPMS=60,600,6000` for others) on each real config: the share of canaries
//!   that read FAIL before the canary ends (power) and the median minute of the first FAIL;
//! - `honest`: at the smallest ratio the verdict says a canary can catch (`verdict.detectable`),
//!   how often it does, before its full shift (stated: 80%).
//!
//! `VERDICT_E2E_EFFECTS=errors` (or `p99`) runs one effect of the A/B runs.
//! `VERDICT_E2E_WHY=1` prints each first FAIL's reason; `VERDICT_E2E_WARMUP_MINUTES=0` turns
//! the verdict's warm-up handling off. `VERDICT_E2E_CANARIES=N` sets the canaries per cell (default 40; the README's figures use
//! 200); `VERDICT_E2E_CONFIGS=Canary10Percent15Minutes,…` limits the A/B runs to those configs. `cargo bench --bench verdict_e2e` (release).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "support/wilson.rs"]
mod wilson;
use wilson::wilson;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use rollwatch::aws::{ConnectOptions, Limits, Rate, connect};
use rollwatch::domain::{Judgement, MetricKind};

/// What a verdict said it could catch: the smallest error-rate and p99 ratios, once said.
type Detectable = Option<(Option<f64>, Option<f64>)>;
use rollwatch::engine::{PictureOptions, collect_picture};
use rollwatch::sandbox::{Sandbox, SandboxConfig};

/// Canaries of one cell run side by side in one sandbox (one function each).
const PER_SANDBOX: usize = 20;

/// The real configs: name, minutes until the full shift.
const CONFIGS: [(&str, u32); 8] = [
    ("Canary10Percent5Minutes", 5),
    ("Canary10Percent10Minutes", 10),
    ("Canary10Percent15Minutes", 15),
    ("Canary10Percent30Minutes", 30),
    ("Linear10PercentEvery1Minute", 9),
    ("Linear10PercentEvery2Minutes", 18),
    ("Linear10PercentEvery3Minutes", 27),
    ("Linear10PercentEvery10Minutes", 90),
];

/// The current version's error rate and p99 (ms).
const ERROR_RATE: f64 = 0.01;
const P99_MS: f64 = 200.0;

/// Real traffic's variance, on in every canary here: each minute's rate spread by 30% around
/// the mean (bursts), and both versions' error rate and latency growing 20% an hour (drift).
const BURSTINESS: f64 = 0.3;
const DRIFT_PER_HOUR: f64 = 0.2;
/// Warm-up: each new execution environment's first invocations, and how many times as slow.
const WARMUP_INVOCATIONS: u32 = 10;
const WARMUP_FACTOR: f64 = 3.0;

/// What the new version does differently: its error rate or its p99 so many times the current
/// one's.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Effect {
    None,
    Errors(f64),
    P99(f64),
}

impl Effect {
    fn label(self) -> String {
        match self {
            Self::None => "A/A".to_owned(),
            Self::Errors(r) => format!("{r:.1}× errors"),
            Self::P99(r) => format!("{r:.1}× p99"),
        }
    }

    /// The `[[function.change]]` that makes version 2 differ, from its first minute.
    fn change(self) -> String {
        let change = "[[function.change]]\nat_min = 0\nversion = \"2\"\n";
        match self {
            Self::None => String::new(),
            Self::Errors(r) => format!("{change}error_rate = {}\n", ERROR_RATE * r),
            Self::P99(r) => format!("{change}p99_ms = {}\n", P99_MS * r),
        }
    }
}

/// A scenario of `n` functions, each with a canary of `config` from minute 0.
fn scenario(n: usize, rpm: f64, config: &str, effect: Effect) -> String {
    let mut s = String::from("description = \"verdict bench\"\nhistory_minutes = 20\n\n");
    s.push_str("[[application]]\nname = \"bench\"\n\n");
    for i in 0..n {
        let f = format!("fn-{i:03}");
        let _ = write!(
            s,
            "[[function]]\nname = \"{f}\"\nalias = \"live\"\nversions = 2\nalias_version = 1\n\
             rpm = {rpm}\nerror_rate = {ERROR_RATE}\np50_ms = 50\np99_ms = {P99_MS}\n\
             burstiness = {BURSTINESS}\ndrift_per_hour = {DRIFT_PER_HOUR}\n\
             warmup_invocations = {WARMUP_INVOCATIONS}\nwarmup_factor = {WARMUP_FACTOR}\n{}\n\
             [[group]]\napplication = \"bench\"\nname = \"{f}-live\"\n\
             config = \"CodeDeployDefault.Lambda{config}\"\n\n\
             [[deployment]]\napplication = \"bench\"\ngroup = \"{f}-live\"\nfunction = \"{f}\"\n\
             current = 1\ntarget = 2\nat_min = 0\n\n",
            effect.change()
        );
    }
    s
}

/// Per function: the first minute (since the deployment was created) at which its verdict read
/// FAIL, over `minutes` looks a minute apart (`None`: it never did), and the smallest effects
/// its verdict said it could catch (`verdict.detectable`: errors, p99).
async fn first_fails(
    scenario: &str,
    seed: u64,
    minutes: u32,
    config: Option<&str>,
) -> BTreeMap<String, (Option<u32>, Detectable)> {
    let sandbox = Sandbox::start(SandboxConfig::loopback(scenario).speed(0.0).seed(seed))
        .await
        .expect("sandbox starts");
    // A look a minute of simulated time, taken at once: the request budgets are those of a
    // minute of real time, as if each look were a minute apart (the oracle's pacing).
    let limits = Limits::default();
    let minute = |r: Rate| Rate {
        per_sec: r.per_sec * 60,
        burst: r.burst * 60,
    };
    let options = ConnectOptions {
        regions: vec![sandbox.region().to_owned()],
        endpoint_url: Some(sandbox.endpoint()),
        static_credentials: true,
        own_credentials: false,
        limits: Limits {
            codedeploy: minute(limits.codedeploy),
            lambda: minute(limits.lambda),
            cloudwatch: minute(limits.cloudwatch),
            ..limits
        },
        ..ConnectOptions::default()
    };
    let readers: Vec<_> = connect(&options)
        .await
        .expect("connect")
        .into_iter()
        .map(std::sync::Arc::new)
        .collect();
    // `VERDICT_E2E_WARMUP_MINUTES=0`: the verdict without its warm-up handling, to see what
    // it is for.
    let warmup = std::env::var("VERDICT_E2E_WARMUP_MINUTES")
        .ok()
        .map(|m| format!("[verdict]\nwarmup_minutes = {m}\n"));
    let config = match config.or(warmup.as_deref()) {
        Some(text) => rollwatch::config::parse(text, Path::new("bench.toml")).expect("config"),
        None => rollwatch::config::Config::default(),
    };
    let mut first: BTreeMap<String, (Option<u32>, Detectable)> = BTreeMap::new();
    for minute in 1..=minutes {
        sandbox.advance(60.0);
        let picture = collect_picture(
            &readers,
            PictureOptions {
                rules: config.rules(),
                ..PictureOptions::default()
            },
        )
        .await;
        for view in picture.regions.iter().flat_map(|r| &r.deployments) {
            let Some(target) = &view.deployment.target else {
                continue;
            };
            let entry = first.entry(target.function.clone()).or_default();
            let Some(verdict) = &view.verdict else {
                continue;
            };
            if verdict.overall == Judgement::Fail && entry.0.is_none() {
                entry.0 = Some(minute);
                if std::env::var_os("VERDICT_E2E_WHY").is_some() {
                    println!("    FAIL at minute {minute}: {}", verdict.headline());
                }
            }
            if entry.1.is_none() && !verdict.detectable.is_empty() {
                entry.1 = Some((
                    verdict
                        .detectable
                        .get(&MetricKind::ErrorRate)
                        .copied()
                        .flatten(),
                    verdict
                        .detectable
                        .get(&MetricKind::DurationP99)
                        .copied()
                        .flatten(),
                ));
            }
        }
    }
    sandbox.shutdown().await;
    first
}

fn median(values: &mut [u32]) -> Option<u32> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

/// Runs `canaries` canaries of one cell: how many read FAIL before the full shift, and the
/// minutes of their first FAIL.
async fn cell(
    rpm: f64,
    config: &str,
    ends: u32,
    effect: Effect,
    canaries: usize,
) -> (usize, Vec<u32>) {
    let mut fails = Vec::new();
    let mut done = 0;
    let mut seed = 1;
    while done < canaries {
        let n = PER_SANDBOX.min(canaries - done);
        let text = scenario(n, rpm, config, effect);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bench.toml");
        std::fs::write(&path, text).expect("scenario");
        // The canary's last minute before the full shift (the shift comes at `ends`).
        let first = first_fails(path.to_str().expect("path"), seed, ends, None).await;
        fails.extend(
            first
                .values()
                .filter_map(|(m, _)| *m)
                .filter(|m| *m <= ends),
        );
        done += n;
        seed += 1;
    }
    let k = fails.len();
    (k, fails)
}

async fn scenarios() {
    const BUSINESS: &str = r#"
[[verdict.metric]]
name = "failed orders"
namespace = "Storefront"
metric_name = "OrdersFailed"
dimensions = { FunctionName = "{function}", Version = "{version}" }
kind = "count"
"#;
    for (name, seeds, minutes, config) in [
        ("slow-canary", 8, 15, None),
        ("failing-canary", 3, 10, None),
        ("business-canary", 3, 15, Some(BUSINESS)),
    ] {
        let mut line = format!("{name}: minute of first FAIL by seed:");
        for seed in 1..=seeds {
            let first = first_fails(name, seed, minutes, config).await;
            let minute = first.values().filter_map(|(m, _)| *m).min();
            let _ = write!(
                line,
                " {}",
                minute.map_or("—".to_owned(), |m| m.to_string())
            );
        }
        println!("{line}");
    }
}

async fn aa(canaries: usize) {
    println!("A/A (identical versions, 1% errors, p99 200 ms): read FAIL at some minute");
    for rpm in [60.0, 600.0, 6_000.0] {
        for (config, ends) in [
            ("Canary10Percent30Minutes", 30),
            ("Linear10PercentEvery3Minutes", 27),
        ] {
            let (k, _) = cell(rpm, config, ends, Effect::None, canaries).await;
            let (lo, hi) = wilson(k, canaries);
            println!(
                "  {rpm:>5} rpm  {config:<30} {k:>3}/{canaries} = {:.1}% (95% CI {lo:.1}–{hi:.1}%)",
                100.0 * k as f64 / canaries as f64
            );
        }
    }
}

/// What the verdict says a canary of `config` at `rpm` can catch (errors, p99).
async fn stated(rpm: f64, config: &str) -> (Option<f64>, Option<f64>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.toml");
    std::fs::write(&path, scenario(1, rpm, config, Effect::None)).expect("scenario");
    let first = first_fails(path.to_str().expect("path"), 1, 3, None).await;
    first
        .into_values()
        .find_map(|(_, d)| d)
        .unwrap_or((None, None))
}

/// Is the stated smallest detectable effect honest? At the ratio the verdict states, the
/// canary should read FAIL before its full shift in about 80% of runs.
async fn honest(canaries: usize) {
    println!(
        "At the ratio the verdict says it can catch (80% stated): read FAIL before the full shift"
    );
    for rpm in [600.0, 6_000.0] {
        for (config, ends) in CONFIGS
            .iter()
            .filter(|(c, _)| c.starts_with("Canary"))
            .chain(&CONFIGS[4..5])
        {
            let (errors, p99) = stated(rpm, config).await;
            let mut line = format!("  {rpm:>5} rpm  {config:<30}");
            for effect in [errors.map(Effect::Errors), p99.map(Effect::P99)] {
                let Some(effect) = effect else {
                    line.push_str("  (none stated)");
                    continue;
                };
                let (k, _) = cell(rpm, config, *ends, effect, canaries).await;
                let (lo, hi) = wilson(k, canaries);
                let _ = write!(
                    line,
                    "  {}: {:.0}% ({lo:.0}–{hi:.0}%)",
                    effect.label(),
                    100.0 * k as f64 / canaries as f64
                );
            }
            println!("{line}");
        }
    }
}

async fn ab(canaries: usize, configs: &str, rpms: &[f64]) {
    for rpm in rpms {
        // `VERDICT_E2E_EFFECTS=errors` or `p99`: only that effect.
        let effects = std::env::var("VERDICT_E2E_EFFECTS").unwrap_or_default();
        for effect in [Effect::Errors(2.0), Effect::P99(1.5)] {
            let name = if matches!(effect, Effect::Errors(_)) {
                "errors"
            } else {
                "p99"
            };
            if !effects.is_empty() && !effects.split(',').any(|e| e == name) {
                continue;
            }
            println!(
                "A/B {} at {rpm} rpm: read FAIL before the full shift (power, 95% CI) · median minute",
                effect.label()
            );
            for (config, ends) in CONFIGS {
                if !configs.is_empty() && !configs.split(',').any(|c| config == c) {
                    continue;
                }
                let (k, mut minutes) = cell(*rpm, config, ends, effect, canaries).await;
                let (lo, hi) = wilson(k, canaries);
                println!(
                    "  {config:<30} {k:>3}/{canaries} = {:>3.0}% ({lo:.0}–{hi:.0}%) · {}",
                    100.0 * k as f64 / canaries as f64,
                    median(&mut minutes).map_or("—".to_owned(), |m| m.to_string())
                );
            }
        }
    }
}

fn main() {
    let only = std::env::var("VERDICT_E2E_ONLY").unwrap_or_default();
    let canaries: usize = std::env::var("VERDICT_E2E_CANARIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let configs = std::env::var("VERDICT_E2E_CONFIGS").unwrap_or_default();
    let rpms: Vec<f64> = std::env::var("VERDICT_E2E_RPMS")
        .ok()
        .map(|r| r.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .filter(|r: &Vec<f64>| !r.is_empty())
        .unwrap_or_else(|| vec![600.0]);
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|o| name.starts_with(o));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        if wanted("scenarios") {
            scenarios().await;
        }
        if wanted("aa") {
            aa(canaries).await;
        }
        if wanted("ab") {
            ab(canaries, &configs, &rpms).await;
        }
        if wanted("honest") {
            honest(canaries).await;
        }
    });
}
