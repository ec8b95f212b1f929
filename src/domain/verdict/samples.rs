//! The data the verdict stands on: the minutes since traffic started shifting in which **both**
//! versions served requests (invocations or throttles), so that each comparison is like with
//! like (same time of day, same load, same downstream trouble). A minute where one version had
//! no data point is left out for both; counts that are missing, negative or not finite count as
//! zero, values that are missing or not finite are left out, and errors never exceed
//! invocations. Minutes are matched on their minute of the clock, whatever order the series
//! come in; a repeated minute counts once.

use chrono::{DateTime, Utc};

use super::sequential::RateMinute;
use crate::domain::{MinutePoint, VersionMetrics};

/// One version's figures in one compared minute, cleaned.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Minute {
    pub invocations: u64,
    pub errors: u64,
    pub throttles: u64,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    /// Invocations slower than the quantile test's threshold, when it was counted.
    pub slow: Option<u64>,
}

/// The compared minutes of both versions, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Paired {
    pub old: Vec<Minute>,
    pub new: Vec<Minute>,
    /// The threshold both versions' slow invocations were counted at, if they were.
    pub slow_above_ms: Option<f64>,
    /// Each compared minute's business metric values, per version (in the request's order).
    pub business_new: Vec<Vec<Option<f64>>>,
    pub business_old: Vec<Vec<Option<f64>>>,
    /// The first compared minutes that are the new version's warm-up: left out of latency.
    pub warmup: usize,
}

impl Paired {
    pub fn minutes(&self) -> usize {
        self.new.len()
    }

    /// Total invocations, errors and throttles of one side.
    pub fn totals(side: &[Minute]) -> (u64, u64, u64) {
        side.iter().fold((0, 0, 0), |(i, e, t), m| {
            (
                i.saturating_add(m.invocations),
                e.saturating_add(m.errors),
                t.saturating_add(m.throttles),
            )
        })
    }

    /// The minutes in which both versions' slow invocations were counted, as rate minutes.
    pub fn slow_minutes(&self) -> Vec<RateMinute> {
        self.new
            .iter()
            .zip(&self.old)
            .skip(self.warmup)
            .filter_map(|(n, o)| {
                Some(RateMinute {
                    new_events: n.slow?,
                    new_total: n.invocations,
                    old_events: o.slow?,
                    old_total: o.invocations,
                })
            })
            .collect()
    }

    /// Per-minute values of a latency metric, for minutes after the warm-up where both
    /// versions had invocations and a value: `(new, old)`.
    pub fn latency(&self, pick: fn(&Minute) -> Option<f64>) -> (Vec<f64>, Vec<f64>) {
        self.new
            .iter()
            .zip(&self.old)
            .skip(self.warmup)
            .filter(|(n, o)| n.invocations > 0 && o.invocations > 0)
            .filter_map(|(n, o)| Some((pick(n)?, pick(o)?)))
            .unzip()
    }
}

/// The latency threshold of the verdict's quantile test: the median of the current version's
/// per-minute p99 in the minutes before `before` (when the deployment was created, so no
/// minute of the canary can move it), rounded up to the millisecond. `None` with fewer than
/// three such minutes.
pub(crate) fn slow_threshold(old: &VersionMetrics, before: DateTime<Utc>) -> Option<f64> {
    let cut = minute_key(&before);
    let mut p99: Vec<f64> = old
        .points
        .iter()
        .filter(|p| minute_key(&p.at) < cut && count(p.invocations) > 0)
        .filter_map(|p| value(p.duration_p99_ms))
        .collect();
    if p99.len() < 3 {
        return None;
    }
    p99.sort_by(f64::total_cmp);
    let mid = p99.len() / 2;
    let median = if p99.len() % 2 == 0 {
        f64::midpoint(p99[mid - 1], p99[mid])
    } else {
        p99[mid]
    };
    Some(median.ceil().max(1.0))
}

/// What the current version did a minute before the shift: the traffic a canary can expect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Baseline {
    pub invocations_per_minute: f64,
    /// Errors per invocation.
    pub error_rate: f64,
    /// Median per-minute p50 and p99 (ms), when known.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// The current version's minutes before `before` (the shift), once three of them had traffic.
pub(crate) fn baseline(old: &VersionMetrics, before: DateTime<Utc>) -> Option<Baseline> {
    let cut = minute_key(&before);
    let minutes: Vec<&MinutePoint> = old
        .points
        .iter()
        .filter(|p| minute_key(&p.at) < cut && count(p.invocations) > 0)
        .collect();
    if minutes.len() < 3 {
        return None;
    }
    let invocations: u64 = minutes.iter().map(|p| count(p.invocations)).sum();
    let errors: u64 = minutes
        .iter()
        .map(|p| count(p.errors).min(count(p.invocations)))
        .sum();
    let median = |pick: fn(&MinutePoint) -> Option<f64>| {
        let mut v: Vec<f64> = minutes.iter().filter_map(|p| value(pick(p))).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    Some(Baseline {
        invocations_per_minute: invocations as f64 / minutes.len() as f64,
        error_rate: errors as f64 / invocations as f64,
        p50_ms: median(|p| p.duration_p50_ms),
        p99_ms: median(|p| p.duration_p99_ms),
    })
}

/// Pair the minutes of `old` and `new` at or after the minute of `since`; those within
/// `warmup_minutes` of it are the new version's warm-up.
pub(crate) fn pair(
    old: &VersionMetrics,
    new: &VersionMetrics,
    since: Option<DateTime<Utc>>,
    warmup_minutes: usize,
) -> Paired {
    let (old_series, new_series) = (old, new);
    let from = since.map(|s| minute_key(&s));
    let old = keyed(&old.points, from);
    let new = keyed(&new.points, from);
    let slow_above_ms = old_series
        .slow_above_ms
        .filter(|t| new_series.slow_above_ms == Some(*t));
    let mut out = Paired {
        old: Vec::with_capacity(old.len().min(new.len())),
        new: Vec::with_capacity(old.len().min(new.len())),
        slow_above_ms,
        business_new: Vec::new(),
        business_old: Vec::new(),
        warmup: 0,
    };
    let warm_from = from.map(|f| f.saturating_add(i64::try_from(warmup_minutes).unwrap_or(0)));
    let (mut i, mut j) = (0, 0);
    while let (Some((ko, po)), Some((kn, pn))) = (old.get(i), new.get(j)) {
        match ko.cmp(kn) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let (o, n) = (clean(po), clean(pn));
                if served(&o) && served(&n) {
                    if warm_from.is_some_and(|w| *kn < w) {
                        out.warmup += 1;
                    }
                    out.old.push(o);
                    out.new.push(n);
                    out.business_old.push(po.business.clone());
                    out.business_new.push(pn.business.clone());
                }
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn minute_key(at: &DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

/// Points at or after `from`, sorted by minute, one per minute (the first one seen).
fn keyed(points: &[MinutePoint], from: Option<i64>) -> Vec<(i64, &MinutePoint)> {
    let mut out: Vec<(i64, &MinutePoint)> = points
        .iter()
        .map(|p| (minute_key(&p.at), p))
        .filter(|(k, _)| from.is_none_or(|f| *k >= f))
        .collect();
    // Stable and adaptive: already-sorted series cost one pass.
    out.sort_by_key(|(k, _)| *k);
    out.dedup_by_key(|(k, _)| *k);
    out
}

fn served(m: &Minute) -> bool {
    m.invocations > 0 || m.throttles > 0
}

fn clean(p: &MinutePoint) -> Minute {
    let invocations = count(p.invocations);
    Minute {
        invocations,
        errors: count(p.errors).min(invocations),
        throttles: count(p.throttles),
        p50: value(p.duration_p50_ms),
        p99: value(p.duration_p99_ms),
        slow: p
            .slow
            .filter(|x| x.is_finite())
            .map(|x| count(Some(x)).min(invocations)),
    }
}

/// A CloudWatch sum as a whole count; missing, negative or not finite is zero.
fn count(v: Option<f64>) -> u64 {
    match v {
        Some(x) if x.is_finite() && x > 0.0 => x.round().min(u64::MAX as f64) as u64,
        _ => 0,
    }
}

/// A duration in ms; missing, negative or not finite is no value.
fn value(v: Option<f64>) -> Option<f64> {
    // `+ 0.0` turns −0 into 0.
    v.filter(|x| x.is_finite() && *x >= 0.0).map(|x| x + 0.0)
}
