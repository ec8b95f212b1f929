//! Synthetic traffic: each function has requests per minute and, per version, an error
//! probability and a lognormal latency (p50/p99 targets) that can change over time. Every
//! simulated minute the alias's invocations are split by its current weights and turned into
//! 1-minute AWS/Lambda metrics (three dimension sets) and START/END/REPORT/ERROR log lines.
//! A version scaling up starts execution environments whose first invocations are slower
//! (warm-up, when a function has it): the environments a version needs in a minute are twice
//! its concurrency (rate × mean duration), and each one it did not have the minute before
//! warms up; a version with no invocation for a minute has none left.

use std::collections::HashMap;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Binomial, Distribution, Gamma, LogNormal, Poisson};

use crate::sandbox::cloudwatch::{CloudWatch, Observation};
use crate::sandbox::lambda::Lambda;
use crate::sandbox::logs::Logs;

/// Invocations per version per minute that get START/END/REPORT lines.
const MAX_LOGGED: u64 = 3;
/// ERROR lines per version per minute.
const MAX_ERROR_LINES: u64 = 5;
/// z-score of the 99th percentile of a normal distribution.
const Z99: f64 = 2.326_347_874;

/// Error rate and latency of one version.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    pub error_rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Events of the function's business metric per invocation.
    pub business_rate: f64,
}

impl Profile {
    /// The latency's lognormal: `mu` and `sigma` of the log of a duration in ms.
    fn lognormal(&self) -> (f64, f64) {
        let mu = self.p50_ms.max(0.01).ln();
        let sigma = ((self.p99_ms.max(self.p50_ms) / self.p50_ms.max(0.01)).ln() / Z99).max(1e-6);
        (mu, sigma)
    }
}

/// A change of profile from simulated time `from` on (for one version, or all if `None`).
#[derive(Debug, Clone)]
pub struct Change {
    pub from: f64,
    pub version: Option<String>,
    pub error_rate: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub business_rate: Option<f64>,
}

/// A business metric a function publishes per version: a count (`Sum`) in `namespace` with
/// the dimensions `FunctionName` and `Version`, like a log metric filter would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessSeries {
    pub namespace: String,
    pub name: String,
}

/// Traffic of one function through one alias.
#[derive(Debug, Clone)]
pub struct FunctionTraffic {
    pub function: String,
    pub alias: String,
    pub rpm: f64,
    /// Coefficient of variation of each minute's rate (0: Poisson at `rpm`).
    pub burstiness: f64,
    /// Relative growth per hour of every version's error rate and latency.
    pub drift_per_hour: f64,
    pub warmup: Warmup,
    pub base: Profile,
    pub changes: Vec<Change>,
    pub business: Option<BusinessSeries>,
}

impl FunctionTraffic {
    /// The profile of `version` at time `t` (changes apply in order).
    pub fn profile(&self, version: &str, t: f64) -> Profile {
        let mut p = self.base;
        for c in self
            .changes
            .iter()
            .filter(|c| c.from <= t && c.version.as_deref().is_none_or(|v| v == version))
        {
            p.error_rate = c.error_rate.unwrap_or(p.error_rate);
            p.p50_ms = c.p50_ms.unwrap_or(p.p50_ms);
            p.p99_ms = c.p99_ms.unwrap_or(p.p99_ms);
            p.business_rate = c.business_rate.unwrap_or(p.business_rate);
        }
        p
    }
}

/// A new execution environment's first `invocations` take `factor` times as long.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Warmup {
    pub invocations: u64,
    pub factor: f64,
}

/// Everything that generates traffic.
#[derive(Debug)]
pub struct Traffic {
    pub functions: Vec<FunctionTraffic>,
    rng: SmallRng,
    /// When the scenario's traffic began (simulated epoch seconds): drift counts from here.
    pub epoch: f64,
    /// Per (function, version): its execution environments. A function's first minute finds
    /// every version it serves already warm (it ran before the scenario began).
    environments: HashMap<(String, String), u64>,
}

/// One version's share of one minute.
struct Slice {
    version: String,
    invocations: u64,
    errors: u64,
    sum_ms: f64,
    min_ms: f64,
    max_ms: f64,
    samples: Vec<f64>,
    business: u64,
}

impl Traffic {
    /// No traffic yet.
    pub fn new(seed: u64) -> Self {
        Self {
            functions: Vec::new(),
            rng: SmallRng::seed_from_u64(seed),
            epoch: 0.0,
            environments: HashMap::new(),
        }
    }

    /// Generates the minute starting at `start` (simulated epoch seconds) for every function.
    pub fn minute(
        &mut self,
        start: f64,
        lambda: &mut Lambda,
        cw: &mut CloudWatch,
        logs: &mut Logs,
    ) {
        for i in 0..self.functions.len() {
            let Some(ft) = self.functions.get(i).cloned() else {
                continue;
            };
            let Some(alias) = lambda
                .functions
                .get(&ft.function)
                .and_then(|f| f.alias(&ft.alias))
                .cloned()
            else {
                continue;
            };
            let total = self.requests(&ft);
            let drift =
                (1.0 + ft.drift_per_hour * (start - self.epoch).max(0.0) / 3600.0).max(0.01);
            let extra: f64 = alias.weights.values().sum();
            let mut shares: Vec<(String, f64)> =
                vec![(alias.function_version.clone(), (1.0 - extra).max(0.0))];
            shares.extend(alias.weights.iter().map(|(v, w)| (v.clone(), *w)));
            let first_minute = !self
                .environments
                .keys()
                .any(|(function, _)| function == &ft.function);
            let mut remaining = total;
            let mut left_share = 1.0f64;
            let mut slices = Vec::new();
            for (idx, (version, share)) in shares.iter().enumerate() {
                let n = if idx + 1 == shares.len() || left_share <= 0.0 {
                    remaining
                } else {
                    let p = (share / left_share).clamp(0.0, 1.0);
                    Binomial::new(remaining, p).map_or(0, |d| d.sample(&mut self.rng))
                };
                remaining -= n;
                left_share -= share;
                let mut profile = ft.profile(version, start);
                profile.error_rate = (profile.error_rate * drift).min(1.0);
                profile.p50_ms *= drift;
                profile.p99_ms *= drift;
                let cold = self.warming(&ft, version, n, &profile, first_minute);
                slices.push(self.slice(version, n, profile, cold, ft.warmup.factor));
            }
            // A version that served nothing this minute has no environment left.
            for (version, _) in &shares {
                if !slices
                    .iter()
                    .any(|s| &s.version == version && s.invocations > 0)
                {
                    self.environments
                        .remove(&(ft.function.clone(), version.clone()));
                }
            }
            record(cw, &ft, &slices, start);
            self.write_logs(lambda, logs, &ft.function, &slices, start);
        }
    }

    /// One minute's requests through the alias: Poisson at a rate drawn around `rpm` (Gamma,
    /// mean 1, coefficient of variation `burstiness`), so that the counts are over-dispersed
    /// like real traffic (negative binomial) when bursts are on.
    fn requests(&mut self, ft: &FunctionTraffic) -> u64 {
        let rate = if ft.burstiness > 0.0 {
            let k = 1.0 / (ft.burstiness * ft.burstiness);
            ft.rpm * Gamma::new(k, 1.0 / k).map_or(1.0, |g| g.sample(&mut self.rng))
        } else {
            ft.rpm
        };
        if rate > 0.0 {
            Poisson::new(rate).map_or(0.0, |d| d.sample(&mut self.rng)) as u64
        } else {
            0
        }
    }

    /// How many of `version`'s `n` invocations this minute are warm-up invocations of new
    /// execution environments (and the environments it has now).
    fn warming(
        &mut self,
        ft: &FunctionTraffic,
        version: &str,
        n: u64,
        p: &Profile,
        first_minute: bool,
    ) -> u64 {
        if n == 0 {
            return 0;
        }
        let (mu, sigma) = p.lognormal();
        let mean_secs = (mu + sigma * sigma / 2.0).exp() / 1000.0;
        let needed = ((n as f64 / 60.0 * mean_secs * 2.0).ceil() as u64).max(1);
        let key = (ft.function.clone(), version.to_owned());
        let had = self
            .environments
            .get(&key)
            .copied()
            .unwrap_or(if first_minute { needed } else { 0 });
        self.environments.insert(key, had.max(needed));
        needed
            .saturating_sub(had)
            .saturating_mul(ft.warmup.invocations)
            .min(n)
    }

    /// `n` invocations of `version` in one minute, `cold` of them warm-up invocations.
    fn slice(&mut self, version: &str, n: u64, p: Profile, cold: u64, warmup_factor: f64) -> Slice {
        let errors =
            Binomial::new(n, p.error_rate.clamp(0.0, 1.0)).map_or(0, |d| d.sample(&mut self.rng));
        let business = if p.business_rate > 0.0 {
            Binomial::new(n, p.business_rate.clamp(0.0, 1.0)).map_or(0, |d| d.sample(&mut self.rng))
        } else {
            0
        };
        let (mu, sigma) = p.lognormal();
        // Every invocation's duration: CloudWatch's percentiles and percentile ranks are over
        // all of them, so a version's count of slow invocations is a true count.
        let take = usize::try_from(n).unwrap_or(usize::MAX);
        let mut samples: Vec<f64> = match LogNormal::new(mu, sigma) {
            Ok(dist) => (0..take)
                .map(|_| (dist.sample(&mut self.rng) * 100.0).round() / 100.0)
                .collect(),
            Err(_) => vec![p.p50_ms; take],
        };
        // The warm-up invocations are the minute's first ones (and its logged ones).
        let cold = usize::try_from(cold).unwrap_or(usize::MAX);
        for ms in samples.iter_mut().take(cold) {
            *ms = (*ms * warmup_factor * 100.0).round() / 100.0;
        }
        let mean = if samples.is_empty() {
            0.0
        } else {
            samples.iter().sum::<f64>() / samples.len() as f64
        };
        Slice {
            version: version.to_owned(),
            invocations: n,
            errors,
            sum_ms: mean * n as f64,
            min_ms: samples.iter().copied().fold(f64::INFINITY, f64::min),
            max_ms: samples.iter().copied().fold(0.0, f64::max),
            samples,
            business,
        }
    }

    fn write_logs(
        &mut self,
        lambda: &mut Lambda,
        logs: &mut Logs,
        function: &str,
        slices: &[Slice],
        start: f64,
    ) {
        for s in slices.iter().filter(|s| s.invocations > 0) {
            let (group, stream) = lambda.log_stream(function, &s.version, start);
            let base_ms = (start * 1000.0) as i64;
            for k in 0..s.invocations.min(MAX_LOGGED) {
                let ts = base_ms + self.rng.random_range(0..59_000);
                let id = lambda.ids.uuid();
                let ms = s.samples.get(k as usize).copied().unwrap_or(10.0);
                logs.append(
                    &group,
                    &stream,
                    ts,
                    format!("START RequestId: {id} Version: {}\n", s.version),
                );
                logs.append(
                    &group,
                    &stream,
                    ts + ms as i64,
                    format!("END RequestId: {id}\n"),
                );
                let billed = ms.ceil();
                logs.append(&group, &stream, ts + ms as i64, format!("REPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t\n"));
            }
            for _ in 0..s.errors.min(MAX_ERROR_LINES) {
                let ts = base_ms + self.rng.random_range(0..59_000);
                let id = lambda.ids.uuid();
                let stamp = chrono::DateTime::from_timestamp_millis(ts)
                    .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                    .unwrap_or_default();
                logs.append(&group, &stream, ts, format!("{stamp}\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"Error\",\"errorMessage\":\"simulated failure in version {}\"}}\n", s.version));
            }
        }
    }
}

fn record(cw: &mut CloudWatch, ft: &FunctionTraffic, slices: &[Slice], t: f64) {
    let resource = format!("{}:{}", ft.function, ft.alias);
    let fname = ft.function.as_str();
    let mut all = Slice {
        version: String::new(),
        invocations: 0,
        errors: 0,
        sum_ms: 0.0,
        min_ms: f64::INFINITY,
        max_ms: 0.0,
        samples: Vec::new(),
        business: 0,
    };
    for s in slices.iter().filter(|s| s.invocations > 0) {
        let dims = [
            ("FunctionName", fname),
            ("Resource", resource.as_str()),
            ("ExecutedVersion", s.version.as_str()),
        ];
        record_slice(cw, &dims, s, t);
        if let Some(b) = &ft.business {
            let dims = [("FunctionName", fname), ("Version", s.version.as_str())];
            let events = s.business as f64;
            let observation = Observation {
                sample_count: 1.0,
                sum: events,
                min: events,
                max: events,
                samples: &[],
            };
            cw.record(&b.namespace, &b.name, &dims, t, observation);
        }
        all.invocations += s.invocations;
        all.errors += s.errors;
        all.sum_ms += s.sum_ms;
        all.min_ms = all.min_ms.min(s.min_ms);
        all.max_ms = all.max_ms.max(s.max_ms);
        all.samples.extend_from_slice(&s.samples);
    }
    if all.invocations == 0 {
        return;
    }
    record_slice(
        cw,
        &[("FunctionName", fname), ("Resource", resource.as_str())],
        &all,
        t,
    );
    record_slice(cw, &[("FunctionName", fname)], &all, t);
}

fn record_slice(cw: &mut CloudWatch, dims: &[(&str, &str)], s: &Slice, t: f64) {
    let n = s.invocations as f64;
    let e = s.errors as f64;
    let count = |sum: f64, min: f64, max: f64| Observation {
        sample_count: n,
        sum,
        min,
        max,
        samples: &[],
    };
    cw.record("AWS/Lambda", "Invocations", dims, t, count(n, 1.0, 1.0));
    let err_min = if s.errors == s.invocations { 1.0 } else { 0.0 };
    cw.record(
        "AWS/Lambda",
        "Errors",
        dims,
        t,
        count(e, err_min, if s.errors > 0 { 1.0 } else { 0.0 }),
    );
    cw.record("AWS/Lambda", "Throttles", dims, t, count(0.0, 0.0, 0.0));
    let duration = Observation {
        sample_count: n,
        sum: s.sum_ms,
        min: s.min_ms,
        max: s.max_ms,
        samples: &s.samples,
    };
    cw.record("AWS/Lambda", "Duration", dims, t, duration);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Function `f` at `rpm`: 1% errors, p50 50 ms, p99 200 ms, nothing else.
    fn function(rpm: f64) -> FunctionTraffic {
        FunctionTraffic {
            function: "f".into(),
            alias: "live".into(),
            rpm,
            burstiness: 0.0,
            drift_per_hour: 0.0,
            warmup: Warmup::default(),
            base: Profile {
                error_rate: 0.01,
                p50_ms: 50.0,
                p99_ms: 200.0,
                business_rate: 0.0,
            },
            changes: Vec::new(),
            business: None,
        }
    }

    #[test]
    fn later_changes_override_earlier_ones_per_version() {
        let ft = FunctionTraffic {
            changes: vec![Change {
                from: 60.0,
                version: Some("2".into()),
                error_rate: Some(0.5),
                p50_ms: None,
                p99_ms: None,
                business_rate: None,
            }],
            ..function(100.0)
        };
        assert!((ft.profile("2", 30.0).error_rate - 0.01).abs() < 1e-12);
        assert!((ft.profile("2", 60.0).error_rate - 0.5).abs() < 1e-12);
        assert!((ft.profile("1", 90.0).error_rate - 0.01).abs() < 1e-12);
    }

    #[test]
    fn a_version_scaling_up_warms_only_the_environments_it_did_not_have() {
        let mut traffic = Traffic::new(1);
        let ft = FunctionTraffic {
            warmup: Warmup {
                invocations: 10,
                factor: 3.0,
            },
            ..function(6000.0)
        };
        let p = ft.base;
        // Mean duration 60 ms: 6,000 a minute keep 6 environments busy, 12 with headroom.
        assert_eq!(traffic.warming(&ft, "1", 6000, &p, true), 0, "ran before");
        // A 10% canary: 600 a minute need 2 new environments, 10 slow invocations each.
        assert_eq!(traffic.warming(&ft, "2", 600, &p, false), 20);
        assert_eq!(traffic.warming(&ft, "2", 600, &p, false), 0, "warm now");
        // Half the traffic: 6 environments, 4 of them new.
        assert_eq!(traffic.warming(&ft, "2", 3000, &p, false), 40);
        // The current version shrinking starts nothing.
        assert_eq!(traffic.warming(&ft, "1", 3000, &p, false), 0);
        // The warm-up invocations are the minute's first and take 3 times as long.
        let slice = traffic.slice("2", 600, p, 20, 3.0);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (cold, warm) = slice.samples.split_at(20);
        assert!(
            mean(cold) > 2.0 * mean(warm),
            "{} {}",
            mean(cold),
            mean(warm)
        );
    }

    #[test]
    fn bursts_spread_the_minutes_beyond_poisson_around_the_same_mean() {
        let mut traffic = Traffic::new(7);
        let spread = |traffic: &mut Traffic, burstiness: f64| {
            let ft = FunctionTraffic {
                burstiness,
                ..function(600.0)
            };
            let counts: Vec<f64> = (0..2000).map(|_| traffic.requests(&ft) as f64).collect();
            let mean = counts.iter().sum::<f64>() / counts.len() as f64;
            let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / counts.len() as f64;
            (mean, var.sqrt() / mean)
        };
        let (mean, cv) = spread(&mut traffic, 0.0);
        assert!(
            (mean - 600.0).abs() < 5.0 && cv < 0.05,
            "Poisson: {mean} {cv}"
        );
        let (mean, cv) = spread(&mut traffic, 0.3);
        assert!((mean - 600.0).abs() < 15.0, "{mean}");
        assert!((0.25..0.35).contains(&cv), "bursts of about 30%: {cv}");
    }
}
