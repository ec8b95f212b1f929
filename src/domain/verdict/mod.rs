//! The canary verdict: is the new (target) version of a Lambda function worse than the current
//! one, judged on the per-version CloudWatch minutes since traffic started shifting?
//!
//! The verdict is looked at every minute, so by default its evidence is **anytime-valid**
//! (see [`sequential`]): the chance that identical versions ever read FAIL over the whole
//! canary, however often it is looked at, stays below `1 − confidence`. Error and throttle rates
//! use a mixture likelihood ratio on the new version's share of the events, latencies a
//! sequential rank test on the per-minute values. `[verdict] test = "fixed_sample"` selects the
//! classic one-look tests below instead (kept for comparison: `cargo bench --bench verdict`).
//!
//! Only minutes in which both versions served requests are compared. Each metric gets a
//! [`Judgement`] with the reason in words and the numbers behind it (fixed-sample tests):
//! - **error rate**: Fisher's exact test, one-sided (is the new version's error rate higher?),
//!   on the error and invocation counts of the compared minutes. Fisher's test is exact at any
//!   count, so it is used throughout, except when the counts are so large (hypergeometric
//!   standard deviation above 5,000 errors) that its sums would be slow: then the pooled
//!   two-proportion z-test, which agrees with it to many digits at such counts;
//! - **duration p99 and p50**: one-sided Mann–Whitney U on the per-minute values (is the new
//!   version slower?) plus the ratio of the medians as the effect size;
//! - **throttles**: any on the new version while none on the current one is a failure; when both
//!   throttle, their shares of requests are compared like error rates.
//!
//! A metric fails only with both **evidence** (p below `1 − confidence`) and **size** (beyond the
//! tolerance); size without evidence is Marginal; anything within the tolerance passes. Too
//! little traffic on the new version (or the baseline), or too few compared minutes, gives
//! NotEnoughData — never Fail. The overall verdict is the worst critical metric, in the order
//! Pass < NotEnoughData < Marginal < Fail. Pure and cheap: it runs on every refresh.

mod business;
mod judge;
mod mann_whitney;
mod power;
mod samples;
mod sequential;
mod stats;
mod thresholds;
pub(crate) mod view;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{Deployment, TrafficRouting, VersionMetrics};

pub use business::{BusinessKind, BusinessMetric, Worse};
pub use mann_whitney::{UMethod, UTest, mann_whitney_u};
pub use stats::{Alternative, ProportionMethod, fisher_exact, proportion_test};
pub use thresholds::{TestKind, ThresholdOverrides, VerdictConfig, VerdictThresholds};
pub use view::judge_view;

/// The judgement of one metric, or of the whole canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    Pass,
    /// Looks worse beyond the tolerance, but the data do not prove it yet.
    Marginal,
    /// Worse beyond the tolerance, with evidence.
    Fail,
    /// Too little traffic or too few minutes to judge.
    NotEnoughData,
}

impl Judgement {
    /// Pass 0 < NotEnoughData 1 < Marginal 2 < Fail 3.
    pub fn severity(self) -> u8 {
        match self {
            Self::Pass => 0,
            Self::NotEnoughData => 1,
            Self::Marginal => 2,
            Self::Fail => 3,
        }
    }

    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Marginal => "marginal",
            Self::Fail => "FAIL",
            Self::NotEnoughData => "no data",
        }
    }
}

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    ErrorRate,
    DurationP99,
    DurationP50,
    Throttles,
    /// A `[[verdict.metric]]` entry (its name is in [`MetricVerdict::business`]).
    Business,
}

impl MetricKind {
    /// Every metric, in the order the verdict lists them.
    pub const ALL: [Self; 4] = [
        Self::ErrorRate,
        Self::DurationP99,
        Self::DurationP50,
        Self::Throttles,
    ];

    /// The metric's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::ErrorRate => "errors",
            Self::DurationP99 => "p99",
            Self::DurationP50 => "p50",
            Self::Throttles => "throttles",
            Self::Business => "business",
        }
    }
}

/// Which test produced a p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestMethod {
    FisherExact,
    /// Pooled two-proportion z-test, used instead of Fisher's for very large counts.
    ProportionZTest,
    MannWhitneyExact,
    MannWhitneyAsymptotic,
    /// Anytime-valid mixture likelihood ratio on the new version's share of the events.
    SequentialRate,
    /// Anytime-valid sequential rank test on the per-minute values.
    SequentialRank,
    /// Anytime-valid mixture likelihood ratio on the new version's share of the invocations
    /// slower than a threshold fixed before the deployment (a quantile test).
    SequentialQuantile,
}

/// The numbers behind a metric's judgement. Every float is finite.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MetricNumbers {
    /// New version: error or throttle rate in %, median per-minute duration in ms.
    pub new_value: Option<f64>,
    /// Current version, same unit.
    pub old_value: Option<f64>,
    /// `new_value / old_value`, when the current value is above zero.
    pub ratio: Option<f64>,
    /// One-sided p-value of "the new version is worse", in `[0, 1]` (for a sequential test:
    /// the anytime-valid one, `1 / evidence`).
    pub p_value: Option<f64>,
    /// Sequential tests: the largest evidence (likelihood ratio) reached, what a failure needs
    /// (`1/α`), and the minute it was first reached.
    pub evidence: Option<f64>,
    pub evidence_needed: Option<f64>,
    pub evidence_minute: Option<usize>,
    /// p99's quantile test: the threshold (ms) whose exceedances `new_count`/`old_count` count.
    pub threshold_ms: Option<f64>,
    pub test: Option<TestMethod>,
    /// Minutes compared for this metric.
    pub minutes: usize,
    /// Latency: minutes in which the new version was slower.
    pub worse_minutes: Option<usize>,
    pub new_invocations: u64,
    pub old_invocations: u64,
    /// Errors or throttles counted on each version.
    pub new_count: Option<u64>,
    pub old_count: Option<u64>,
}

/// One metric's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricVerdict {
    pub metric: MetricKind,
    pub judgement: Judgement,
    /// Whether this metric counts for the overall verdict.
    pub critical: bool,
    /// E.g. "p99 812 ms vs 401 ms (×2.0), worse in 14 of 15 minutes, p = 0.002".
    pub reason: String,
    pub numbers: MetricNumbers,
    /// A business metric's name (`[[verdict.metric]] name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business: Option<String>,
}

impl MetricVerdict {
    /// The metric's name for people: "p99", or a business metric's own name.
    pub fn label(&self) -> &str {
        self.business.as_deref().unwrap_or(self.metric.label())
    }
}

/// The canary verdict of one deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The worst critical metric.
    pub overall: Judgement,
    /// Every metric, in [`MetricKind::ALL`] order, then the business metrics.
    pub metrics: Vec<MetricVerdict>,
    pub old_version: String,
    pub new_version: String,
    /// Minutes in which both versions served requests.
    pub minutes: usize,
    pub since: Option<DateTime<Utc>>,
    /// What this canary can catch before its full shift, at the traffic its current version
    /// had before the shift: per metric (`error_rate`, `duration_p99`), the smallest ratio of
    /// the new version's figure to the current one's caught with 80% probability (`null`: not
    /// even ×50). Empty when the canary (its config) or its traffic is not known.
    pub detectable: BTreeMap<MetricKind, Option<f64>>,
    /// Minutes from the first shift to the full shift, when the config is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_minutes: Option<usize>,
    /// The function's invocations a minute before the shift, which `detectable` assumes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_per_minute: Option<f64>,
    /// Of `minutes`, the first ones left out of the latency tests: the new version's warm-up
    /// (`[verdict] warmup_minutes`).
    pub warmup_minutes: usize,
}

impl Verdict {
    /// The critical metric that decided the overall verdict (the first of the worst).
    pub fn deciding(&self) -> Option<&MetricVerdict> {
        self.metrics
            .iter()
            .find(|m| m.critical && m.judgement == self.overall)
    }

    /// The window it judges, for a person — not the metrics table's window: "since the shift,
    /// 23 min" (the minutes in which both versions served requests), and the warm-up latency
    /// leaves out: "since the shift, 23 min, latency after 1 min of warm-up".
    pub fn window(&self) -> String {
        match self.warmup_minutes {
            0 => format!("since the shift, {} min", self.minutes),
            w => format!(
                "since the shift, {} min, latency after {w} min of warm-up",
                self.minutes
            ),
        }
    }

    /// What this canary can catch, when known: "errors ×2.6 or p99 ×1.3 or worse before its
    /// full shift (a 15-min canary at 600 req/min)".
    pub fn can_catch(&self) -> Option<String> {
        let minutes = self.canary_minutes?;
        let parts = self.catchable("not even ×50")?;
        let traffic = self
            .traffic_per_minute
            .map(|r| format!(" at {r:.0} req/min"))
            .unwrap_or_default();
        Some(format!(
            "{} or worse before its full shift (a {minutes}-min canary{traffic})",
            parts.join(" or ")
        ))
    }

    /// The same in a few words, for the verdict line: "can catch errors ×2.6 · p99 ×1.3".
    pub fn can_catch_short(&self) -> Option<String> {
        self.canary_minutes?;
        Some(format!("can catch {}", self.catchable("—")?.join(" · ")))
    }

    /// Each metric's smallest detectable ratio in words ("errors ×2.6"; `none` when not even
    /// ×50 is); `None` when nothing is known.
    fn catchable(&self, none: &str) -> Option<Vec<String>> {
        let parts: Vec<String> = self
            .detectable
            .iter()
            .map(|(metric, ratio)| match ratio {
                Some(r) => format!("{} ×{r:.1}", metric.label()),
                None => format!("{} {none}", metric.label()),
            })
            .collect();
        (!parts.is_empty()).then_some(parts)
    }

    /// Whether the canary cannot catch a doubled error rate before its full shift.
    pub fn misses_doubled_errors(&self) -> bool {
        self.detectable
            .get(&MetricKind::ErrorRate)
            .is_some_and(|r| r.is_none_or(|r| r > power::ERRORS_WORTH_CATCHING))
    }

    /// One line for a table cell: "FAIL p99 812 ms vs 401 ms (×2.0), …".
    pub fn headline(&self) -> String {
        match self.deciding() {
            Some(m) if self.overall != Judgement::Pass => {
                format!("{} {}", self.overall.label(), m.reason)
            }
            _ => self.overall.label().to_string(),
        }
    }
}

/// Judge `new` (the target version) against `old` (the current one) over the minutes at or
/// after `since` (normally when traffic started shifting).
pub fn judge(
    old: &VersionMetrics,
    new: &VersionMetrics,
    since: Option<DateTime<Utc>>,
    thresholds: &VerdictThresholds,
) -> Verdict {
    judge_canary(old, new, since, None, thresholds)
}

/// [`judge`] a canary shifted by `routing` (its deployment config): each rate test is aimed at
/// the smallest effect this canary can catch before its full shift, from the current version's
/// traffic before `since` (see `power`), and the verdict says what that is.
pub fn judge_canary(
    old: &VersionMetrics,
    new: &VersionMetrics,
    since: Option<DateTime<Utc>>,
    routing: Option<TrafficRouting>,
    thresholds: &VerdictThresholds,
) -> Verdict {
    let t = thresholds.sanitized();
    let baseline = since.and_then(|s| samples::baseline(old, s));
    let aims = power::Aims::new(routing, baseline, &t);
    let paired = samples::pair(old, new, since, t.warmup_minutes);
    let names = judge::Names {
        old: &old.version,
        new: &new.version,
    };
    let metrics: Vec<MetricVerdict> = MetricKind::ALL
        .iter()
        .map(|kind| judge::metric(*kind, &paired, &names, &t, &aims))
        .chain(
            t.business
                .iter()
                .enumerate()
                .map(|(i, b)| judge::business(i, b, &paired, &names, &t)),
        )
        .collect();
    let overall = metrics
        .iter()
        .filter(|m| m.critical)
        .map(|m| m.judgement)
        .max_by_key(|j| j.severity())
        .unwrap_or(Judgement::NotEnoughData);
    Verdict {
        overall,
        metrics,
        old_version: old.version.clone(),
        new_version: new.version.clone(),
        minutes: paired.minutes(),
        since,
        detectable: aims.detectable,
        canary_minutes: aims.canary_minutes,
        traffic_per_minute: aims.per_minute,
        warmup_minutes: paired.warmup,
    }
}

/// The latency threshold of the verdict's quantile test for a deployment created at
/// `created`, from the current version's series (see [`MetricsRequest::slow_above_ms`]): the
/// median of its per-minute p99 before the deployment, once three such minutes are known.
///
/// [`MetricsRequest::slow_above_ms`]: crate::domain::MetricsRequest::slow_above_ms
pub fn slow_threshold(current: &VersionMetrics, created: DateTime<Utc>) -> Option<f64> {
    samples::slow_threshold(current, created)
}

/// Minutes before a deployment's creation that the verdict reads: the current version's p99
/// there fixes the latency test's threshold.
pub const MINUTES_BEFORE_DEPLOYMENT: i64 = 15;

/// Minutes of per-version metrics to fetch at `now` so that the verdict of each running
/// deployment of `deployments` sees all its minutes, from [`MINUTES_BEFORE_DEPLOYMENT`] before
/// it was created (else started) on — at least the `shown` minutes, at most 24 hours. The
/// verdict must never judge a window: its evidence would restart when the oldest minutes slide
/// out, and a look would be counted anew. A stopped deployment kept on screen (its alias
/// split) is judged on the minutes shown, or one from yesterday would make every read 24 h.
pub fn verdict_minutes<'a>(
    shown: u32,
    deployments: impl IntoIterator<Item = &'a Deployment>,
    now: DateTime<Utc>,
) -> u32 {
    const DAY: i64 = 24 * 60;
    let oldest = deployments
        .into_iter()
        .filter(|d| d.status.is_active())
        .filter_map(|d| d.create_time.or(d.start_time))
        .map(|c| (now - c).num_minutes() + MINUTES_BEFORE_DEPLOYMENT + 1)
        .max()
        .unwrap_or(0);
    u32::try_from(oldest.clamp(0, DAY)).unwrap_or(0).max(shown)
}
