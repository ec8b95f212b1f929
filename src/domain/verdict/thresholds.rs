//! Verdict thresholds: how sure, how tolerant and how much data before judging. A
//! [`VerdictConfig`] is meant for the `[verdict]` section of the config file: its own keys are
//! the defaults for every function, and `[verdict.functions.<name>]` tables override any of them
//! for one Lambda function. Every key is optional. Values out of range never reach the
//! statistics: [`VerdictThresholds::sanitized`] replaces them with the defaults, and
//! [`VerdictConfig::problems`] lists them so the config loader can warn.
//!
//! ```toml
//! [verdict]
//! confidence = 0.95
//! tolerance = 0.10
//! critical = ["error_rate", "duration_p99"]
//!
//! [verdict.functions.checkout]
//! min_invocations = 500
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{BusinessMetric, MetricKind};

/// The weight of a critical business metric in sharing `1 − confidence` (the error rate's is 16,
/// p99's 3, p50's and throttles' 1): a metric someone chose to watch weighs half the errors.
const BUSINESS_WEIGHT: f64 = 8.0;

/// Which tests give the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// Anytime-valid: `1 − confidence` holds over every look at the canary.
    #[default]
    Sequential,
    /// One-look tests (Fisher, Mann–Whitney): valid for a single look only.
    FixedSample,
}

/// The thresholds for one function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VerdictThresholds {
    /// Confidence of the one-sided tests: a p-value below `1 − confidence` is evidence.
    pub confidence: f64,
    /// Relative increase accepted without failing: 0.10 lets the new median latency or error
    /// rate be up to 10% above the current one.
    pub tolerance: f64,
    /// Absolute error-rate increase, in percentage points, always accepted on top of the
    /// relative tolerance (0.1 pp: 0.05% → 0.12% is not a failure).
    pub error_rate_margin_pct: f64,
    /// Invocations the new version needs over the compared minutes before any judgement.
    pub min_invocations: u64,
    /// Invocations the current version needs over the compared minutes (the baseline).
    pub min_baseline_invocations: u64,
    /// Minutes with traffic on both versions needed to compare latencies.
    pub min_minutes: usize,
    /// The new version's first minutes after the first shift left out of the latency tests:
    /// its new execution environments warm up there (their first invocations are slower), which
    /// says nothing of the code. Errors and throttles count from the first minute.
    pub warmup_minutes: usize,
    /// Metrics whose judgement makes the overall verdict. Empty means all of them.
    pub critical: Vec<MetricKind>,
    /// Sequential (anytime-valid, the default) or fixed-sample tests.
    pub test: TestKind,
    /// The business metrics judged for this function (`[[verdict.metric]]`).
    #[serde(skip)]
    pub business: Vec<BusinessMetric>,
}

impl Default for VerdictThresholds {
    fn default() -> Self {
        Self {
            confidence: 0.95,
            tolerance: 0.10,
            error_rate_margin_pct: 0.1,
            min_invocations: 100,
            min_baseline_invocations: 100,
            min_minutes: 5,
            warmup_minutes: 1,
            critical: vec![
                MetricKind::ErrorRate,
                MetricKind::DurationP99,
                MetricKind::DurationP50,
            ],
            test: TestKind::default(),
            business: Vec::new(),
        }
    }
}

impl VerdictThresholds {
    /// The share of `1 − confidence` one critical metric's test may spend, so that
    /// `confidence` holds for the overall verdict, which fails when any one of them fails.
    /// Shared by weight, not evenly: the error rate, whose doubling a short canary barely has
    /// the events to prove, gets the most; p99's quantile test, which counts every slow
    /// invocation, needs less; p50's rank test least. With the defaults (errors, p99, p50
    /// critical) and 0.95: 0.04, 0.0075, 0.0025. (A weighted split is the weighted average of the
    /// metrics' e-values (Vovk & Wang) read one metric at a time.)
    pub fn alpha_for(&self, metric: MetricKind) -> f64 {
        self.total_alpha() * Self::weight(metric) / self.total_weight()
    }

    /// The same for a critical business metric.
    pub fn alpha_for_business(&self) -> f64 {
        self.total_alpha() * BUSINESS_WEIGHT / self.total_weight()
    }

    /// The largest ratio of the new version's rate to the current one's that the anytime-valid
    /// rate tests take as "no worse": half the tolerance (the other half is the size a FAIL
    /// needs beyond it). Identical versions lie well inside it, which keeps the guarantee with
    /// room to spare when the traffic is not exactly the tests' model.
    pub fn null_ratio(&self) -> f64 {
        1.0 + self.tolerance.max(0.0) / 2.0
    }

    /// `1 − confidence`.
    pub fn total_alpha(&self) -> f64 {
        1.0 - self.sanitized_confidence()
    }

    fn weight(metric: MetricKind) -> f64 {
        match metric {
            MetricKind::ErrorRate => 16.0,
            MetricKind::DurationP99 => 3.0,
            MetricKind::DurationP50 | MetricKind::Throttles => 1.0,
            MetricKind::Business => BUSINESS_WEIGHT,
        }
    }

    fn total_weight(&self) -> f64 {
        let built_in: f64 = MetricKind::ALL
            .iter()
            .filter(|m| self.critical.is_empty() || self.critical.contains(m))
            .map(|m| Self::weight(*m))
            .sum();
        built_in + BUSINESS_WEIGHT * self.business.iter().filter(|b| b.critical).count() as f64
    }

    fn sanitized_confidence(&self) -> f64 {
        if self.confidence.is_finite() && self.confidence >= 0.5 && self.confidence < 1.0 {
            self.confidence
        } else {
            Self::default().confidence
        }
    }

    /// A copy with every out-of-range value replaced by its default.
    #[must_use]
    pub fn sanitized(&self) -> Self {
        let d = Self::default();
        let ok = |v: f64| v.is_finite() && v >= 0.0;
        Self {
            confidence: self.sanitized_confidence(),
            tolerance: if ok(self.tolerance) {
                self.tolerance
            } else {
                d.tolerance
            },
            error_rate_margin_pct: if ok(self.error_rate_margin_pct) {
                self.error_rate_margin_pct
            } else {
                d.error_rate_margin_pct
            },
            min_invocations: self.min_invocations.max(1),
            min_baseline_invocations: self.min_baseline_invocations.max(1),
            min_minutes: self.min_minutes.max(2),
            warmup_minutes: self.warmup_minutes.min(MAX_WARMUP_MINUTES),
            critical: self.critical.clone(),
            test: self.test,
            business: self.business.clone(),
        }
    }

    /// Whether `metric` decides the overall verdict.
    pub fn is_critical(&self, metric: MetricKind) -> bool {
        self.critical.is_empty() || self.critical.contains(&metric)
    }

    /// What is out of range, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(self.confidence.is_finite() && self.confidence >= 0.5 && self.confidence < 1.0) {
            out.push(format!(
                "confidence {} must be at least 0.5 and below 1",
                self.confidence
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            out.push(format!("tolerance {} must be 0 or more", self.tolerance));
        }
        if !(self.error_rate_margin_pct.is_finite() && self.error_rate_margin_pct >= 0.0) {
            out.push(format!(
                "error_rate_margin_pct {} must be 0 or more",
                self.error_rate_margin_pct
            ));
        }
        if self.warmup_minutes > MAX_WARMUP_MINUTES {
            out.push(format!(
                "warmup_minutes {} must be at most {MAX_WARMUP_MINUTES}",
                self.warmup_minutes
            ));
        }
        if self.min_minutes < 2 {
            out.push(format!(
                "min_minutes {} must be at least 2",
                self.min_minutes
            ));
        }
        out
    }
}

/// The most minutes of warm-up the latency tests leave out.
pub const MAX_WARMUP_MINUTES: usize = 10;

/// Overrides of [`VerdictThresholds`]: any key left out keeps the value below it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThresholdOverrides {
    pub confidence: Option<f64>,
    pub tolerance: Option<f64>,
    pub error_rate_margin_pct: Option<f64>,
    pub min_invocations: Option<u64>,
    pub min_baseline_invocations: Option<u64>,
    pub min_minutes: Option<usize>,
    pub warmup_minutes: Option<usize>,
    pub critical: Option<Vec<MetricKind>>,
}

impl ThresholdOverrides {
    /// `thresholds` with these overrides applied.
    fn apply(&self, mut t: VerdictThresholds) -> VerdictThresholds {
        t.confidence = self.confidence.unwrap_or(t.confidence);
        t.tolerance = self.tolerance.unwrap_or(t.tolerance);
        t.error_rate_margin_pct = self
            .error_rate_margin_pct
            .unwrap_or(t.error_rate_margin_pct);
        t.min_invocations = self.min_invocations.unwrap_or(t.min_invocations);
        t.min_baseline_invocations = self
            .min_baseline_invocations
            .unwrap_or(t.min_baseline_invocations);
        t.min_minutes = self.min_minutes.unwrap_or(t.min_minutes);
        t.warmup_minutes = self.warmup_minutes.unwrap_or(t.warmup_minutes);
        if let Some(critical) = &self.critical {
            t.critical.clone_from(critical);
        }
        t
    }
}

/// The `[verdict]` section: whether to judge at all, the thresholds for every function (the
/// section's own keys over the built-in defaults), and per-function overrides. Unknown keys are
/// errors, so a typo never silently keeps a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerdictConfig {
    /// `false`: no verdict is computed (no column, no warning, no `verdict` in the JSON).
    pub enabled: bool,
    pub confidence: Option<f64>,
    pub tolerance: Option<f64>,
    pub error_rate_margin_pct: Option<f64>,
    pub min_invocations: Option<u64>,
    pub min_baseline_invocations: Option<u64>,
    pub min_minutes: Option<usize>,
    pub warmup_minutes: Option<usize>,
    pub critical: Option<Vec<MetricKind>>,
    /// `sequential` (anytime-valid, the default) or `fixed_sample`.
    pub test: TestKind,
    /// Keyed by Lambda function name.
    pub functions: BTreeMap<String, ThresholdOverrides>,
    /// Business metrics judged per version (`[[verdict.metric]]`).
    #[serde(rename = "metric")]
    pub metrics: Vec<BusinessMetric>,
}

impl Default for VerdictConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            confidence: None,
            tolerance: None,
            error_rate_margin_pct: None,
            min_invocations: None,
            min_baseline_invocations: None,
            min_minutes: None,
            warmup_minutes: None,
            critical: None,
            test: TestKind::default(),
            functions: BTreeMap::new(),
            metrics: Vec::new(),
        }
    }
}

impl VerdictConfig {
    /// The section's own keys, as overrides of the built-in defaults.
    fn section(&self) -> ThresholdOverrides {
        ThresholdOverrides {
            confidence: self.confidence,
            tolerance: self.tolerance,
            error_rate_margin_pct: self.error_rate_margin_pct,
            min_invocations: self.min_invocations,
            min_baseline_invocations: self.min_baseline_invocations,
            min_minutes: self.min_minutes,
            warmup_minutes: self.warmup_minutes,
            critical: self.critical.clone(),
        }
    }

    /// The thresholds for every function without overrides.
    pub fn defaults(&self) -> VerdictThresholds {
        let mut t = self.section().apply(VerdictThresholds::default());
        t.test = self.test;
        t
    }

    /// The thresholds for `function`: the defaults with its overrides applied.
    pub fn for_function(&self, function: &str) -> VerdictThresholds {
        let t = self.defaults();
        let mut t = match self.functions.get(function) {
            Some(o) => o.apply(t),
            None => t,
        };
        t.business = self.business_for(function);
        t
    }

    /// The business metrics judged for `function`.
    pub fn business_for(&self, function: &str) -> Vec<BusinessMetric> {
        self.metrics
            .iter()
            .filter(|m| m.applies_to(function))
            .cloned()
            .collect()
    }

    /// Every out-of-range value, prefixed with where it is.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .defaults()
            .problems()
            .into_iter()
            .map(|p| format!("verdict: {p}"))
            .collect();
        for m in &self.metrics {
            out.extend(
                m.problems()
                    .into_iter()
                    .map(|p| format!("verdict.metric: {p}")),
            );
        }
        for name in self.functions.keys() {
            out.extend(
                self.for_function(name)
                    .problems()
                    .into_iter()
                    .map(|p| format!("verdict.functions.{name}: {p}")),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_section_gives_defaults() {
        let c: VerdictConfig = toml::from_str("").expect("parse");
        assert_eq!(c.for_function("any"), VerdictThresholds::default());
        assert!(c.problems().is_empty());
    }

    #[test]
    fn function_overrides_apply_only_to_that_function() {
        let c: VerdictConfig = toml::from_str(
            r#"
            confidence = 0.99
            critical = ["error_rate"]

            [functions.checkout]
            min_invocations = 500
            tolerance = 0.2
            critical = ["error_rate", "throttles"]
            "#,
        )
        .expect("parse");
        let checkout = c.for_function("checkout");
        assert_eq!(checkout.min_invocations, 500);
        assert!((checkout.tolerance - 0.2).abs() < 1e-12);
        assert!((checkout.confidence - 0.99).abs() < 1e-12);
        assert!(checkout.is_critical(MetricKind::Throttles));
        assert!(!checkout.is_critical(MetricKind::DurationP99));
        let other = c.for_function("orders");
        assert_eq!(other.min_invocations, 100);
        assert!(!other.is_critical(MetricKind::Throttles));
    }

    #[test]
    fn typos_are_errors_in_the_section_and_in_a_function_table() {
        let parsed: Result<VerdictConfig, _> =
            toml::from_str("[functions.checkout]\nmin_invocation = 5\n");
        assert!(parsed.is_err());
        let parsed: Result<VerdictConfig, _> = toml::from_str("confidance = 0.9\n");
        assert!(parsed.is_err());
    }

    #[test]
    fn the_verdict_can_be_turned_off() {
        let c: VerdictConfig = toml::from_str("enabled = false\n").expect("parse");
        assert!(!c.enabled);
        assert!(VerdictConfig::default().enabled);
    }

    #[test]
    fn out_of_range_values_are_reported_and_never_used() {
        let c: VerdictConfig =
            toml::from_str("confidence = 1.5\n[functions.f]\ntolerance = -1.0\nmin_minutes = 0\n")
                .expect("parse");
        let problems = c.problems();
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("verdict: confidence 1.5"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("verdict.functions.f: tolerance -1"))
        );
        let t = c.for_function("f").sanitized();
        assert!((t.confidence - 0.95).abs() < 1e-12);
        assert!((t.tolerance - 0.10).abs() < 1e-12);
        assert_eq!(t.min_minutes, 2);
        assert!(
            (t.alpha_for(MetricKind::ErrorRate) - 0.04).abs() < 1e-12,
            "shared by 3 critical metrics, by weight"
        );
    }

    #[test]
    fn the_confidence_holds_for_the_overall_verdict() {
        let one: VerdictThresholds = toml::from_str("critical = [\"error_rate\"]").expect("parse");
        assert!((one.alpha_for(MetricKind::ErrorRate) - 0.05).abs() < 1e-12);
        let all: VerdictThresholds = toml::from_str("critical = []").expect("parse");
        let spent: f64 = MetricKind::ALL.iter().map(|m| all.alpha_for(*m)).sum();
        assert!((spent - 0.05).abs() < 1e-12, "{spent}");
        let d = VerdictThresholds::default();
        let spent: f64 = [
            MetricKind::ErrorRate,
            MetricKind::DurationP99,
            MetricKind::DurationP50,
        ]
        .iter()
        .map(|m| d.alpha_for(*m))
        .sum();
        assert!((spent - 0.05).abs() < 1e-12, "{spent}");
    }
}
