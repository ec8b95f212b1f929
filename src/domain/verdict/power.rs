//! What a canary can catch before it ends. A deployment's config says how long its canary lasts
//! and what share of the traffic the new version gets each minute until the full shift (after
//! it there is nothing left to compare); the current version's minutes before the shift say how
//! many invocations and events (errors, slow invocations) a minute to expect. From those alone
//! — never from the new version's data, so the choice cannot bend the guarantee — this module
//! predicts the evidence the rate test would gather by the end of the canary if the new
//! version's rate were `ratio` times the current one's, and from that:
//!
//! - the **smallest ratio** the canary catches with 80% probability before it ends (shown, and
//!   warned about when a doubled error rate is out of reach);
//! - the ratio the test is **aimed at** (see [`super::sequential::Mixture`]): the smallest it
//!   can catch, kept between the effects worth catching and the ones it must not miss.
//!
//! The prediction is a normal approximation of the log-likelihood ratio at the end of the canary
//! (per minute: a Poisson number of events, each on the new version with its share as odds),
//! which understates the power a little: the verdict fails as soon as the running evidence
//! reaches what is needed, at any minute. `benches/verdict_e2e.rs` measures it.

use std::collections::BTreeMap;

use statrs::distribution::{ContinuousCDF, Normal};

use super::samples::Baseline;
use super::sequential::Mixture;
use super::{MetricKind, VerdictThresholds};
use crate::domain::TrafficRouting;

/// The error-rate ratio worth catching: a doubled error rate.
pub const ERRORS_WORTH_CATCHING: f64 = 2.0;

/// The p99 ratio worth catching.
pub const P99_WORTH_CATCHING: f64 = 1.5;

/// The least a rate test is aimed at: smaller effects are not worth the power they cost.
const AIM_FLOOR: f64 = 1.5;

/// The quantile test's aim when the current version's latency spread is not known.
const DEFAULT_SLOW_AIM: f64 = 3.0;

/// Share of the current version's invocations slower than the quantile test's threshold (its
/// pre-deployment p99).
const SLOW_SHARE: f64 = 0.01;

/// z-score of the 99th percentile of a normal distribution.
const Z99: f64 = 2.326_347_874;

/// The power a stated smallest detectable ratio has.
pub const POWER: f64 = 0.8;

/// The largest ratio looked for: a canary that cannot catch ×50 cannot catch anything.
const MAX_RATIO: f64 = 50.0;

/// What a canary will see: the new version's share of the traffic in each minute from the first
/// shift until the full shift, and the invocations a minute.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outlook {
    pub shares: Vec<f64>,
    pub per_minute: f64,
}

impl Outlook {
    /// The canary of `routing` at `per_minute` invocations a minute; `None` for all-at-once
    /// (nothing is ever compared) or without traffic.
    pub fn new(routing: TrafficRouting, per_minute: f64) -> Option<Self> {
        let shares: Vec<f64> = match routing {
            TrafficRouting::AllAtOnce => Vec::new(),
            TrafficRouting::TimeBasedCanary {
                percent,
                interval_minutes,
            } => vec![f64::from(percent.min(100)) / 100.0; interval_minutes as usize],
            TrafficRouting::TimeBasedLinear {
                percent,
                interval_minutes,
            } => {
                let p = percent.clamp(1, 100);
                (1..100_u32.div_ceil(p))
                    .flat_map(|k| {
                        std::iter::repeat_n(
                            f64::from((k * p).min(100)) / 100.0,
                            interval_minutes as usize,
                        )
                    })
                    .collect()
            }
        };
        let shares: Vec<f64> = shares.into_iter().filter(|s| *s < 1.0).collect();
        (!shares.is_empty() && per_minute > 0.0 && per_minute.is_finite())
            .then_some(Self { shares, per_minute })
    }

    /// Minutes until the full shift.
    pub fn minutes(&self) -> usize {
        self.shares.len()
    }

    /// The canary without its first `minutes` (what the latency tests see after the new
    /// version's warm-up); `None` when nothing is left.
    pub fn after(&self, minutes: usize) -> Option<Self> {
        let shares: Vec<f64> = self.shares.iter().skip(minutes).copied().collect();
        (!shares.is_empty()).then_some(Self {
            shares,
            per_minute: self.per_minute,
        })
    }

    /// Mean and variance of the rate test's log-likelihood ratio of `aim` against `null` by
    /// the end of the canary, when events happen at `rate` per invocation on the current
    /// version and `ratio` times that on the new one.
    fn log_evidence(&self, rate: f64, ratio: f64, (null, aim): (f64, f64)) -> (f64, f64) {
        let (mut mean, mut var) = (0.0, 0.0);
        for &s in &self.shares {
            let share = |theta: f64| theta * s / (theta * s + 1.0 - s);
            let (q, q0, qa) = (share(ratio), share(null), share(aim));
            let up = (qa / q0).ln();
            let down = ((1.0 - qa) / (1.0 - q0)).ln();
            let events = self.per_minute * rate * (1.0 - s + ratio * s);
            mean += events * (q * up + (1.0 - q) * down);
            var += events * (q * up * up + (1.0 - q) * down * down);
        }
        (mean, var)
    }

    /// The chance that the test of `null` aimed at `aim` (its log-evidence needing
    /// `log_needed`) catches `ratio` before the canary ends.
    pub fn power(&self, rate: f64, ratio: f64, (null, aim): (f64, f64), log_needed: f64) -> f64 {
        let (mean, var) = self.log_evidence(rate, ratio, (null, aim));
        if var <= 0.0 {
            return if mean >= log_needed { 1.0 } else { 0.0 };
        }
        Normal::new(mean, var.sqrt()).map_or(0.0, |n| n.sf(log_needed))
    }

    /// The smallest ratio (to 2%) the test aimed at `aim` catches with [`POWER`] before the
    /// canary ends; `None` when even ×50 is out of reach. `aim` of `None`: a test aimed at each
    /// ratio itself (the best any rate test can do).
    pub fn detectable(
        &self,
        rate: f64,
        (null, aim): (f64, Option<f64>),
        log_needed: f64,
    ) -> Option<f64> {
        if !(rate > 0.0 && rate.is_finite()) {
            return None;
        }
        let mut ratio = null * 1.02;
        while ratio <= MAX_RATIO {
            if self.power(rate, ratio, (null, aim.unwrap_or(ratio)), log_needed) >= POWER {
                return Some(ratio);
            }
            ratio *= 1.02;
        }
        None
    }

    /// The ratio to aim the test of `null` at: the smallest it can catch, within `[floor,
    /// ceiling]`.
    pub fn aim(&self, rate: f64, null: f64, log_needed: f64, (floor, ceiling): (f64, f64)) -> f64 {
        self.detectable(rate, (null, None), log_needed)
            .map_or(ceiling, |r| r.clamp(floor, ceiling))
    }
}

/// What each rate test is aimed at, and what the canary can catch before it ends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Aims {
    pub errors: Mixture,
    /// p99's quantile test: a ratio of the shares of slow invocations.
    pub slow: Mixture,
    /// Per metric, the smallest ratio (errors: of error rates; p99: of p99 latencies) caught
    /// with [`POWER`] before the full shift; `None` inside when not even ×50 is. Empty when
    /// the canary or its traffic is not known.
    pub detectable: BTreeMap<MetricKind, Option<f64>>,
    /// Minutes from the first shift to the full shift.
    pub canary_minutes: Option<usize>,
    /// The function's invocations a minute before the shift, which the prediction assumes.
    pub per_minute: Option<f64>,
}

impl Aims {
    /// Aimed at a doubled error rate and at slow invocations three times as common: what is
    /// worth catching, when nothing is known of the canary (`null`: the tests' null ratio).
    pub fn unknown(null: f64) -> Self {
        Self {
            errors: Mixture::aimed(null, ERRORS_WORTH_CATCHING),
            slow: Mixture::aimed(null, DEFAULT_SLOW_AIM),
            detectable: BTreeMap::new(),
            canary_minutes: None,
            per_minute: None,
        }
    }

    /// The aims of a canary shifted by `routing` whose current version did `baseline` before
    /// the shift: each test aimed at the smallest effect it can catch in time, between
    /// [`AIM_FLOOR`] and what is worth catching.
    pub fn new(
        routing: Option<TrafficRouting>,
        baseline: Option<Baseline>,
        t: &VerdictThresholds,
    ) -> Self {
        let null = t.null_ratio();
        let mut aims = Self::unknown(null);
        let (Some(routing), Some(base)) = (routing, baseline) else {
            return aims;
        };
        let Some(outlook) = Outlook::new(routing, base.invocations_per_minute) else {
            return aims;
        };
        aims.canary_minutes = Some(outlook.minutes());
        aims.per_minute = Some(base.invocations_per_minute);
        let log_needed = |metric| (1.0 / (t.alpha_for(metric) * Mixture::AIM_WEIGHT)).ln();
        let needed = log_needed(MetricKind::ErrorRate);
        if base.error_rate > 0.0 {
            let aim = outlook.aim(
                base.error_rate,
                null,
                needed,
                (AIM_FLOOR, ERRORS_WORTH_CATCHING),
            );
            aims.errors = Mixture::aimed(null, aim);
            aims.detectable.insert(
                MetricKind::ErrorRate,
                outlook.detectable(base.error_rate, (null, Some(aim)), needed),
            );
        }
        let latency = outlook.after(t.warmup_minutes);
        if let (Some(p50), Some(p99), Some(outlook)) = (base.p50_ms, base.p99_ms, latency) {
            let spread = Spread { p50, p99 };
            let needed = log_needed(MetricKind::DurationP99);
            let ceiling = spread.slow_ratio(P99_WORTH_CATCHING).max(AIM_FLOOR);
            let aim = outlook.aim(SLOW_SHARE, null, needed, (AIM_FLOOR, ceiling));
            aims.slow = Mixture::aimed(null, aim);
            let slow = outlook.detectable(SLOW_SHARE, (null, Some(aim)), needed);
            aims.detectable.insert(
                MetricKind::DurationP99,
                slow.and_then(|r| spread.p99_ratio(r)),
            );
        }
        aims
    }
}

/// The current version's latency spread, to turn a p99 ratio into a ratio of slow shares:
/// durations taken as lognormal, the new version's p50 unchanged.
struct Spread {
    p50: f64,
    p99: f64,
}

impl Spread {
    /// How many times more common invocations slower than the current p99 are when the p99
    /// is `factor` times higher.
    fn slow_ratio(&self, factor: f64) -> f64 {
        let spread = (self.p99 / self.p50).ln();
        let wider = (factor * self.p99 / self.p50).ln();
        if !(spread > 0.0 && wider > 0.0) {
            return factor;
        }
        let z = Z99 * spread / wider;
        Normal::new(0.0, 1.0).map_or(factor, |n| n.sf(z) / SLOW_SHARE)
    }

    /// The smallest p99 ratio (to 2%) whose slow share is `ratio` times the current one.
    fn p99_ratio(&self, ratio: f64) -> Option<f64> {
        let mut factor = 1.02;
        while factor <= MAX_RATIO {
            if self.slow_ratio(factor) >= ratio {
                return Some(factor);
            }
            factor *= 1.02;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canary(minutes: u32) -> Outlook {
        Outlook::new(
            TrafficRouting::TimeBasedCanary {
                percent: 10,
                interval_minutes: minutes,
            },
            600.0,
        )
        .expect("a canary")
    }

    #[test]
    fn a_canary_s_minutes_and_a_linear_one_s_shares() {
        assert_eq!(canary(15).minutes(), 15);
        let linear = Outlook::new(
            TrafficRouting::TimeBasedLinear {
                percent: 10,
                interval_minutes: 3,
            },
            600.0,
        )
        .expect("linear");
        assert_eq!(linear.minutes(), 27);
        assert!((linear.shares[0] - 0.1).abs() < 1e-12);
        assert!((linear.shares[26] - 0.9).abs() < 1e-12);
        assert!(Outlook::new(TrafficRouting::AllAtOnce, 600.0).is_none());
    }

    #[test]
    fn a_longer_canary_or_more_traffic_catches_smaller_effects() {
        let needed = (1.0_f64 / 0.03).ln();
        let short = canary(5)
            .detectable(0.01, (1.0, None), needed)
            .expect("some");
        let long = canary(30)
            .detectable(0.01, (1.0, None), needed)
            .expect("some");
        assert!(long < short, "{long} < {short}");
        // At 600 rpm and 1% errors: a 30-minute canary catches about 2×, a 5-minute one
        // only far larger effects.
        assert!(long < 2.2 && short > 3.0, "{long} {short}");
        let busy = Outlook {
            per_minute: 6_000.0,
            ..canary(15)
        };
        assert!(
            busy.detectable(0.01, (1.0, None), needed)
                < canary(15).detectable(0.01, (1.0, None), needed)
        );
    }

    #[test]
    fn aiming_elsewhere_costs_power() {
        let needed = (1.0_f64 / 0.03).ln();
        let c = canary(30);
        let at_two = c.power(0.01, 2.0, (1.0, 2.0), needed);
        assert!(at_two > c.power(0.01, 2.0, (1.0, 5.0), needed));
        assert!(at_two > c.power(0.01, 2.0, (1.0, 1.2), needed));
        assert!(
            c.power(0.01, 1.0, (1.0, 2.0), needed) < 0.05,
            "identical versions"
        );
    }
}
