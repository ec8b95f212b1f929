//! Per-version Lambda metrics as 1-minute series (from the `ExecutedVersion` dimension), and
//! their totals over a window. A minute with no data point is "no traffic", which is not the
//! same as "zero errors": every figure keeps the invocation count it stands on.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One minute of one version's metrics. `None` means CloudWatch returned no point.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MinutePoint {
    pub at: DateTime<Utc>,
    pub invocations: Option<f64>,
    pub errors: Option<f64>,
    pub throttles: Option<f64>,
    /// Percent, from `IF(inv > 0, 100 * err / inv, 0)`.
    pub error_rate: Option<f64>,
    pub duration_avg_ms: Option<f64>,
    pub duration_p50_ms: Option<f64>,
    pub duration_p99_ms: Option<f64>,
    /// Invocations slower than the series' [`VersionMetrics::slow_above_ms`], from
    /// `CloudWatch`'s percentile rank `PR(:threshold)`; `None` without a threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow: Option<f64>,
    /// The request's business metrics (`[[verdict.metric]]`), in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub business: Vec<Option<f64>>,
}

/// One version's series over a window, oldest minute first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionMetrics {
    pub version: String,
    pub points: Vec<MinutePoint>,
    /// The latency threshold the points' `slow` counts are taken at, when one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_above_ms: Option<f64>,
}

/// A version's figures over the whole window.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct MetricTotals {
    /// The sample count every other figure stands on.
    pub invocations: f64,
    pub errors: f64,
    pub throttles: f64,
    /// Percent; `None` with no invocations (no traffic is not 0% errors).
    pub error_rate: Option<f64>,
    /// Invocation-weighted mean of the per-minute averages.
    pub duration_avg_ms: Option<f64>,
    /// Invocation-weighted mean of the per-minute p50s (CloudWatch cannot merge percentiles
    /// across minutes without the raw data; this is the usual approximation).
    pub duration_p50_ms: Option<f64>,
    /// Invocation-weighted mean of the per-minute p99s (same approximation).
    pub duration_p99_ms: Option<f64>,
    /// Minutes that had at least one invocation.
    pub minutes_with_traffic: usize,
}

impl VersionMetrics {
    /// Totals over every point of the series.
    pub fn totals(&self) -> MetricTotals {
        // Folded from +0.0: an empty f64 `sum()` is -0.0, which prints as "-0".
        let total = |pick: fn(&MinutePoint) -> Option<f64>| {
            self.points.iter().filter_map(pick).fold(0.0, |a, b| a + b)
        };
        let invocations = total(|p| p.invocations);
        let errors = total(|p| p.errors);
        let throttles = total(|p| p.throttles);
        let weighted = |pick: fn(&MinutePoint) -> Option<f64>| {
            let (sum, weight) = self
                .points
                .iter()
                .filter_map(|p| Some((pick(p)?, p.invocations.filter(|n| *n > 0.0)?)))
                .fold((0.0, 0.0), |(s, w), (v, n)| (s + v * n, w + n));
            (weight > 0.0).then(|| sum / weight)
        };
        MetricTotals {
            invocations,
            errors,
            throttles,
            error_rate: (invocations > 0.0).then(|| 100.0 * errors / invocations),
            duration_avg_ms: weighted(|p| p.duration_avg_ms),
            duration_p50_ms: weighted(|p| p.duration_p50_ms),
            duration_p99_ms: weighted(|p| p.duration_p99_ms),
            minutes_with_traffic: self
                .points
                .iter()
                .filter(|p| p.invocations.is_some_and(|n| n > 0.0))
                .count(),
        }
    }

    /// Invocations per minute over the minutes of the window that had data.
    pub fn invocations_per_minute(&self) -> Option<f64> {
        let with_data: Vec<f64> = self.points.iter().filter_map(|p| p.invocations).collect();
        (!with_data.is_empty()).then(|| with_data.iter().sum::<f64>() / with_data.len() as f64)
    }
}

/// Below this many invocations on the new version, its figures mean little.
pub const LOW_TRAFFIC_INVOCATIONS: f64 = 50.0;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn point(minute: u32, inv: Option<f64>, err: Option<f64>, p99: Option<f64>) -> MinutePoint {
        MinutePoint {
            at: Utc
                .with_ymd_and_hms(2026, 11, 22, 2, minute, 0)
                .single()
                .expect("time"),
            invocations: inv,
            errors: err,
            duration_p99_ms: p99,
            ..MinutePoint::default()
        }
    }

    #[test]
    fn no_traffic_is_not_zero_errors() {
        let m = VersionMetrics {
            version: "2".into(),
            points: vec![point(0, None, None, None)],
            slow_above_ms: None,
        };
        let t = m.totals();
        assert_eq!(t.error_rate, None);
        assert_eq!(t.minutes_with_traffic, 0);
        assert_eq!(m.invocations_per_minute(), None);
        // No data sums to +0, which prints as "0" (an empty f64 sum is -0.0: "-0").
        assert_eq!(format!("{:.0} {}", t.invocations, t.errors), "0 0");
    }

    #[test]
    fn totals_weight_by_invocations() {
        let m = VersionMetrics {
            version: "2".into(),
            points: vec![
                point(0, Some(100.0), Some(1.0), Some(200.0)),
                point(1, Some(300.0), Some(5.0), Some(400.0)),
                point(2, Some(0.0), Some(0.0), None),
            ],
            slow_above_ms: None,
        };
        let t = m.totals();
        assert!((t.invocations - 400.0).abs() < 1e-9);
        assert!((t.error_rate.expect("rate") - 1.5).abs() < 1e-9);
        assert!((t.duration_p99_ms.expect("p99") - 350.0).abs() < 1e-9);
        assert_eq!(t.minutes_with_traffic, 2);
        assert!((m.invocations_per_minute().expect("rate") - 400.0 / 3.0).abs() < 1e-9);
    }
}

/// Which per-version series to fetch for one alias.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsRequest {
    pub function: String,
    pub alias: String,
    /// Current version first, then the target version.
    pub versions: Vec<String>,
    /// Also count each version's invocations slower than this (ms): the verdict's quantile
    /// test. Set once the current version's latency before the deployment is known
    /// ([`crate::domain::verdict::slow_threshold`]).
    pub slow_above_ms: Option<f64>,
    /// Business metrics to fetch per version (`[[verdict.metric]]` entries for this function).
    pub business: Vec<crate::domain::verdict::BusinessMetric>,
}

/// A window of whole minutes: `start` inclusive, `end` exclusive, both on minute boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl MetricWindow {
    /// The last `minutes` complete minutes before `now`.
    pub fn last_minutes(now: DateTime<Utc>, minutes: u32) -> Self {
        let end_secs = now.timestamp() - now.timestamp().rem_euclid(60);
        let end = DateTime::from_timestamp(end_secs, 0).unwrap_or(now);
        Self {
            start: end - chrono::Duration::minutes(i64::from(minutes)),
            end,
        }
    }

    /// Every minute of the window, oldest first.
    pub fn minutes(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let count = (self.end - self.start).num_minutes().max(0);
        (0..count).map(move |i| self.start + chrono::Duration::minutes(i))
    }
}
