//! How often the verdict reads FAIL when it should not, and how soon when it should: a
//! simulation of whole canaries looked at every minute, as the TUI, the guard and
//! `watch --fail-on-verdict` look at them.
//!
//! Each canary: 15 minutes of the current version alone (the latency threshold of the quantile
//! test is taken from them, as the engine does), then `rpm` invocations a minute (Poisson)
//! split by the alias weight (binomial) for 30, 60 or 90 minutes, on a canary config (10%
//! throughout) or a linear one (10% more every tenth of the canary, up to 90%). Each version's
//! minute is sampled invocation by invocation: errors at 1%, lognormal latency (p50 50 ms,
//! p99 200 ms), and CloudWatch's figures computed from the samples (nearest-rank p50/p99, the
//! count slower than the threshold). After every minute the verdict is judged on everything
//! since the shift, with the default thresholds (95% confidence), by the anytime-valid tests
//! and by the fixed-sample ones; a canary "reads FAIL" if any look's overall verdict is FAIL.
//!
//! - **A/A**: the new version identical to the current one. The false-FAIL rate per traffic
//!   level, with its 95% Wilson interval; the goal is at most 1 − confidence (5%).
//! - **A/B**: twice the error rate, or 1.5× the p99 latency (p50 unchanged). The power (share
//!   of canaries that read FAIL) and the median minute of the first FAIL.
//!
//! `cargo bench --bench verdict_sim` (release; about a minute on two cores).
//! `VERDICT_SIM_SEEDS=N` sets the canaries per cell (default 30: 1,080 A/A canaries).

#[path = "support/wilson.rs"]
mod wilson;
use wilson::wilson;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand_distr::{Binomial, Distribution, LogNormal, Poisson};
use rollwatch::domain::TrafficRouting;
use rollwatch::domain::verdict::{Judgement, TestKind, VerdictThresholds, judge, judge_canary};
use rollwatch::domain::{MinutePoint, VersionMetrics, slow_threshold};

const RPMS: [f64; 6] = [20.0, 60.0, 200.0, 600.0, 2_000.0, 6_000.0];
const DURATIONS: [i64; 3] = [30, 60, 90];
const BASELINE_MINUTES: i64 = 15;
const Z99: f64 = 2.326_347_874;

#[derive(Clone, Copy, PartialEq)]
enum Config {
    Canary,
    Linear,
}

#[derive(Clone, Copy)]
enum Effect {
    None,
    DoubleErrors,
    SlowerP99,
}

impl Effect {
    fn error_rate(self) -> f64 {
        match self {
            Self::DoubleErrors => 0.02,
            _ => 0.01,
        }
    }
    fn p99(self) -> f64 {
        match self {
            Self::SlowerP99 => 300.0,
            _ => 200.0,
        }
    }
}

fn weight(config: Config, minute: i64, duration: i64) -> f64 {
    match config {
        Config::Canary => 0.1,
        Config::Linear => (0.1 * (1 + minute * 10 / duration) as f64).min(0.9),
    }
}

fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// One version's minute, sampled invocation by invocation.
fn minute(
    rng: &mut SmallRng,
    at: DateTime<Utc>,
    n: u64,
    error_rate: f64,
    p99: f64,
    threshold: Option<f64>,
) -> MinutePoint {
    let sigma = (p99 / 50.0).ln() / Z99;
    let latency = LogNormal::new(50f64.ln(), sigma).expect("lognormal");
    let mut samples: Vec<f64> = (0..n).map(|_| latency.sample(rng)).collect();
    samples.sort_by(f64::total_cmp);
    let errors = Binomial::new(n, error_rate).map_or(0, |d| d.sample(rng));
    MinutePoint {
        at,
        invocations: Some(n as f64),
        errors: Some(errors as f64),
        throttles: Some(0.0),
        error_rate: None,
        duration_avg_ms: None,
        duration_p50_ms: nearest_rank(&samples, 0.50),
        duration_p99_ms: nearest_rank(&samples, 0.99),
        slow: threshold.map(|t| samples.iter().filter(|v| **v > t).count() as f64),
        business: Vec::new(),
    }
}

/// The first minute (1-based, since the shift) whose overall verdict is FAIL, for the
/// anytime-valid and the fixed-sample tests.
fn canary(
    seed: u64,
    rpm: f64,
    config: Config,
    duration: i64,
    effect: Effect,
) -> (Option<i64>, Option<i64>) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let start = Utc
        .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
        .single()
        .expect("time");
    let traffic = Poisson::new(rpm).expect("rpm");
    let mut old = VersionMetrics {
        version: "6".into(),
        points: Vec::new(),
        slow_above_ms: None,
    };
    for m in -BASELINE_MINUTES..0 {
        let n = traffic.sample(&mut rng) as u64;
        let at = start + Duration::minutes(m);
        old.points.push(minute(&mut rng, at, n, 0.01, 200.0, None));
    }
    let threshold = slow_threshold(&old, start);
    old.slow_above_ms = threshold;
    let mut new = VersionMetrics {
        version: "7".into(),
        points: Vec::new(),
        slow_above_ms: threshold,
    };
    let sequential = VerdictThresholds::default();
    let fixed = VerdictThresholds {
        test: TestKind::FixedSample,
        ..VerdictThresholds::default()
    };
    // The config the canary follows, as CodeDeploy would name it: the verdict aims its tests
    // at what such a canary can catch.
    let interval = u32::try_from(duration).unwrap_or(u32::MAX);
    let routing = match config {
        Config::Canary => TrafficRouting::TimeBasedCanary {
            percent: 10,
            interval_minutes: interval,
        },
        Config::Linear => TrafficRouting::TimeBasedLinear {
            percent: 10,
            interval_minutes: interval / 10,
        },
    };
    let (mut first_seq, mut first_fixed) = (None, None);
    for m in 0..duration {
        let at = start + Duration::minutes(m);
        let total = traffic.sample(&mut rng) as u64;
        let w = weight(config, m, duration);
        let n_new = Binomial::new(total, w).map_or(0, |d| d.sample(&mut rng));
        let (e, p99) = (effect.error_rate(), effect.p99());
        new.points
            .push(minute(&mut rng, at, n_new, e, p99, threshold));
        old.points
            .push(minute(&mut rng, at, total - n_new, 0.01, 200.0, threshold));
        let look = m + 1;
        if first_seq.is_none()
            && judge_canary(&old, &new, Some(start), Some(routing), &sequential).overall
                == Judgement::Fail
        {
            first_seq = Some(look);
        }
        if first_fixed.is_none()
            && judge(&old, &new, Some(start), &fixed).overall == Judgement::Fail
        {
            first_fixed = Some(look);
        }
    }
    (first_seq, first_fixed)
}

fn median(mut v: Vec<i64>) -> String {
    if v.is_empty() {
        return "–".into();
    }
    v.sort_unstable();
    format!("{}", v[v.len() / 2])
}

struct Cell {
    runs: usize,
    seq: Vec<i64>,
    fixed: Vec<i64>,
}

fn run(rpm: f64, effect: Effect, seeds: u64, salt: u64) -> Cell {
    let mut cell = Cell {
        runs: 0,
        seq: Vec::new(),
        fixed: Vec::new(),
    };
    for config in [Config::Canary, Config::Linear] {
        for duration in DURATIONS {
            for s in 0..seeds {
                let seed = salt
                    ^ (s << 20)
                    ^ ((rpm as u64) << 40)
                    ^ (duration as u64) << 8
                    ^ u64::from(config == Config::Linear);
                let (seq, fixed) = canary(seed, rpm, config, duration, effect);
                cell.runs += 1;
                cell.seq.extend(seq);
                cell.fixed.extend(fixed);
            }
        }
    }
    cell
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs one tiny cell as a smoke test.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let seeds: u64 = std::env::var("VERDICT_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if smoke { 1 } else { 30 });
    let rpms: &[f64] = if smoke { &RPMS[..1] } else { &RPMS };
    let salt = 0x5eed;
    println!(
        "A/A: identical versions, {} canaries per traffic level (canary and linear, 30/60/90 min), looked at every minute",
        seeds * 6
    );
    println!("| rpm | false FAIL, anytime-valid (95% CI) | false FAIL, fixed-sample (95% CI) |");
    println!("|---:|---|---|");
    let (mut total, mut seq_total, mut fixed_total) = (0, 0, 0);
    for &rpm in rpms {
        let c = run(rpm, Effect::None, seeds, salt);
        let (sl, sh) = wilson(c.seq.len(), c.runs);
        let (fl, fh) = wilson(c.fixed.len(), c.runs);
        println!(
            "| {rpm:.0} | {:.1}% ({sl:.1}–{sh:.1}) | {:.1}% ({fl:.1}–{fh:.1}) |",
            100.0 * c.seq.len() as f64 / c.runs as f64,
            100.0 * c.fixed.len() as f64 / c.runs as f64,
        );
        total += c.runs;
        seq_total += c.seq.len();
        fixed_total += c.fixed.len();
    }
    let (sl, sh) = wilson(seq_total, total);
    let (fl, fh) = wilson(fixed_total, total);
    println!(
        "| all {total} | {:.1}% ({sl:.1}–{sh:.1}) | {:.1}% ({fl:.1}–{fh:.1}) |",
        100.0 * seq_total as f64 / total as f64,
        100.0 * fixed_total as f64 / total as f64,
    );
    let ab_seeds = seeds.div_ceil(3);
    println!();
    println!(
        "A/B: {} canaries per cell; power (share that read FAIL) and the median minute of the first FAIL",
        ab_seeds * 6
    );
    println!("| effect | rpm | anytime-valid: power, minute | fixed-sample: power, minute |");
    println!("|---|---:|---|---|");
    for (effect, name) in [
        (Effect::DoubleErrors, "2× error rate"),
        (Effect::SlowerP99, "1.5× p99"),
    ] {
        for &rpm in rpms {
            let c = run(rpm, effect, ab_seeds, salt ^ 0xab);
            println!(
                "| {name} | {rpm:.0} | {:.0}%, {} | {:.0}%, {} |",
                100.0 * c.seq.len() as f64 / c.runs as f64,
                median(c.seq.clone()),
                100.0 * c.fixed.len() as f64 / c.runs as f64,
                median(c.fixed.clone()),
            );
        }
    }
}
