//! Anytime-valid evidence: the verdict is looked at every minute on growing data, and a test
//! that is valid for one look lets identical versions read FAIL by chance far more often than
//! its confidence says. These are test martingales — mixture likelihood ratios that, while the
//! new version is no worse, have expectation at most 1 at every minute — so by Ville's
//! inequality the chance that they *ever* reach `1/α`, however often they are looked at, is at
//! most `α`. The running maximum is the evidence; once it reaches `1/α` the metric may fail for
//! good.
//!
//! - **Rates** (errors, throttles, a business count, and p99 as the share of invocations slower
//!   than a threshold fixed before the deployment): per minute, given how many events there
//!   were on both versions, each event falls on the new version with probability
//!   `q = θ·s / (θ·s + 1 − s)`, where `s` is the new version's share of the minute's
//!   invocations and `θ` the ratio of its rate to the current one's. The null is `θ ≤ 1 +
//!   tolerance/2` (identical versions lie well inside it); the alternative is a [`Mixture`] aimed at the effect this canary can catch before it ends
//!   (Grünwald, de Heide & Koolen, "Safe testing": aim at the smallest effect worth
//!   detecting). Counting per minute conditionally on that minute's events makes it exact
//!   whatever the traffic does from minute to minute (bursts, drift), and valid while a linear
//!   config changes the weight every minute (`s` is known before the minute's events).
//! - **p50** uses no martingale: the judge's Mann–Whitney test on the per-minute values, with
//!   `α` spent across looks (look `k` needs `p < α / (k(k+1))`; the shares sum to `α`), keeps
//!   the same guarantee by the union bound.

/// How much evidence a metric has gathered, minute by minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Evidence {
    /// The largest value the test martingale reached (1 before any data).
    pub max: f64,
    /// The 1-based minute at which it first reached what is needed, if it did.
    pub reached_at: Option<usize>,
}

impl Evidence {
    /// The anytime-valid p-value: `1 / max`, at most 1.
    pub fn p_value(self) -> f64 {
        (1.0 / self.max).min(1.0)
    }
}

/// The ratios a rate test mixes over, with their weights (summing to 1): `aim`, twice and five
/// times it. Aimed (the built-in metrics): most of the weight on the ratio the test is aimed at
/// (the smallest effect this canary can catch, see [`super::power`]), the rest so that a large
/// effect is proven within minutes. Wide (business metrics and throttles, whose effects are
/// anyone's guess): even weights from ×1.5 to ×7.5.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mixture {
    /// The largest ratio the null hypothesis allows (identical versions: 1).
    pub null: f64,
    pub aim: f64,
    weights: [f64; 3],
}

impl Mixture {
    /// The weight an aimed mixture puts on its aim: what aiming costs in evidence is
    /// `ln(1/AIM_WEIGHT)`.
    pub const AIM_WEIGHT: f64 = 0.9;

    /// Aimed at `aim`.
    pub fn aimed(null: f64, aim: f64) -> Self {
        Self {
            null,
            aim,
            weights: [Self::AIM_WEIGHT, 0.07, 0.03],
        }
    }

    /// Even weights on ×1.5, ×3 and ×7.5.
    pub fn wide(null: f64) -> Self {
        Self {
            null,
            aim: 1.5,
            weights: [1.0 / 3.0; 3],
        }
    }

    fn components(self) -> [(f64, f64); 3] {
        [
            (self.aim, self.weights[0]),
            (2.0 * self.aim, self.weights[1]),
            (5.0 * self.aim, self.weights[2]),
        ]
    }
}

/// One minute of a rate: events and invocations on the new and the current version.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RateMinute {
    pub new_events: u64,
    pub new_total: u64,
    pub old_events: u64,
    pub old_total: u64,
}

impl RateMinute {
    /// The same minute with the versions' roles swapped ("lower is worse").
    pub fn swapped(self) -> Self {
        Self {
            new_events: self.old_events,
            new_total: self.old_total,
            old_events: self.new_events,
            old_total: self.new_total,
        }
    }
}

/// Evidence that the new version's rate is more than `mixture.null` times the current one's,
/// needing `needed` (= 1/α).
pub(crate) fn rate(minutes: &[RateMinute], mixture: Mixture, needed: f64) -> Evidence {
    let components = mixture.components();
    let mut logs = [0.0_f64; 3];
    let mut evidence = Evidence {
        max: 1.0,
        reached_at: None,
    };
    for (i, m) in minutes.iter().enumerate() {
        let total = m.new_total as f64 + m.old_total as f64;
        if total <= 0.0 || m.new_events.saturating_add(m.old_events) == 0 {
            continue;
        }
        let s = m.new_total as f64 / total;
        if s <= 0.0 || s >= 1.0 {
            continue;
        }
        let share = |theta: f64| theta * s / (theta * s + 1.0 - s);
        let q0 = share(mixture.null);
        for (log, (ratio, _)) in logs.iter_mut().zip(components) {
            let q = share(ratio);
            *log += m.new_events as f64 * (q / q0).ln()
                + m.old_events as f64 * ((1.0 - q) / (1.0 - q0)).ln();
        }
        note(&mut evidence, weighted(&logs, &components), i + 1, needed);
    }
    evidence
}

/// The weighted mixture `Σ w·exp(log)`, computed without overflow (capped far above any
/// evidence that matters).
fn weighted(logs: &[f64], components: &[(f64, f64)]) -> f64 {
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return if top > 0.0 { f64::MAX } else { 0.0 };
    }
    let sum: f64 = logs
        .iter()
        .zip(components)
        .map(|(l, (_, w))| w * (l - top).exp())
        .sum();
    let log = top + sum.ln();
    log.min(700.0).exp()
}

fn note(evidence: &mut Evidence, value: f64, minute: usize, needed: f64) {
    if value > evidence.max {
        evidence.max = value;
    }
    if evidence.reached_at.is_none() && value >= needed {
        evidence.reached_at = Some(minute);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_rates_gather_no_evidence_and_a_doubled_rate_does() {
        // 10% of 1,000 invocations a minute on the new version, 1% errors on both.
        let same = RateMinute {
            new_events: 1,
            new_total: 100,
            old_events: 9,
            old_total: 900,
        };
        let e = rate(&[same; 60], Mixture::aimed(1.0, 2.0), 20.0);
        assert!(e.max < 2.0, "{e:?}");
        assert_eq!(e.reached_at, None);
        let doubled = RateMinute {
            new_events: 2,
            ..same
        };
        let e = rate(&[doubled; 60], Mixture::aimed(1.0, 2.0), 20.0);
        assert!(e.reached_at.is_some_and(|m| m < 60), "{e:?}");
        assert!(e.p_value() < 0.05);
    }

    #[test]
    fn a_minute_with_no_events_or_no_traffic_changes_nothing() {
        let quiet = RateMinute {
            new_events: 0,
            new_total: 100,
            old_events: 0,
            old_total: 900,
        };
        assert!(
            (rate(&[quiet; 10], Mixture::aimed(1.0, 2.0), 20.0).max - 1.0).abs() < f64::EPSILON
        );
        let one_sided = RateMinute {
            new_events: 5,
            new_total: 0,
            old_events: 1,
            old_total: 900,
        };
        assert!(
            (rate(&[one_sided; 10], Mixture::aimed(1.0, 2.0), 20.0).max - 1.0).abs() < f64::EPSILON
        );
    }
}
