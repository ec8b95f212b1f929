//! Business metrics judged per version (`[[verdict.metric]]`): any CloudWatch metric that has
//! a per-version dimension, e.g. a log metric filter counting HTTP 5xx per function version.
//! Its series are fetched in the same GetMetricData batch as Lambda's own, and judged like
//! them: `kind = "count"` (events of which each invocation has at most one, summed: failed
//! orders, 5xx responses) as a rate per invocation, like the error rate; otherwise (the
//! default: orders placed, basket value, a latency) as a value per minute, like the p50 — a
//! `Sum` or `SampleCount` divided by that minute's invocations of the version first, since
//! the versions get different shares of the traffic.
//! `worse` says which direction is a regression.
//!
//! ```toml
//! [[verdict.metric]]
//! name = "http 5xx"
//! namespace = "Storefront"
//! metric_name = "Http5xx"
//! dimensions = { FunctionName = "{function}", Version = "{version}" }
//! kind = "count"           # at most one per invocation; default "value" (per minute)
//! statistic = "Sum"        # default; or Average, p99, … (a count must be a Sum)
//! worse = "higher"         # default; or "lower" (e.g. orders placed)
//! critical = true          # default: it can fail the canary
//! functions = ["checkout"] # default: every function
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which direction of a business metric is a regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Worse {
    #[default]
    Higher,
    Lower,
}

/// How a business metric is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessKind {
    /// A value per minute (orders placed, basket value, a latency): the rank test on the
    /// minutes, a `Sum`/`SampleCount` taken per invocation of the version.
    #[default]
    Value,
    /// Events of which each invocation has at most one (failed orders, 5xx responses),
    /// summed per minute: judged per invocation, like the error rate. Said explicitly: a sum
    /// that can exceed one per invocation would break that test's model.
    Count,
}

/// One `[[verdict.metric]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessMetric {
    /// Shown in the verdict: "http 5xx 3.1% vs 1.0% …".
    pub name: String,
    pub namespace: String,
    pub metric_name: String,
    /// Dimension values may use `{function}`, `{alias}` and `{version}`. Empty: Lambda's own
    /// per-version set (`FunctionName`, `Resource` = `function:alias`, `ExecutedVersion`).
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    #[serde(default)]
    pub kind: BusinessKind,
    #[serde(default = "sum")]
    pub statistic: String,
    #[serde(default)]
    pub worse: Worse,
    #[serde(default = "yes")]
    pub critical: bool,
    /// The Lambda functions it applies to; empty: every function.
    #[serde(default)]
    pub functions: Vec<String>,
}

fn sum() -> String {
    "Sum".to_string()
}

fn yes() -> bool {
    true
}

impl BusinessMetric {
    /// Whether it is judged for `function`.
    pub fn applies_to(&self, function: &str) -> bool {
        self.functions.is_empty() || self.functions.iter().any(|f| f == function)
    }

    /// Judged per invocation (a count of events, at most one per invocation).
    pub fn is_count(&self) -> bool {
        self.kind == BusinessKind::Count
    }

    /// The dimensions of `version`'s series of `function:alias`, placeholders filled in.
    pub fn dimensions_for(
        &self,
        function: &str,
        alias: &str,
        version: &str,
    ) -> Vec<(String, String)> {
        if self.dimensions.is_empty() {
            return vec![
                ("FunctionName".into(), function.into()),
                ("Resource".into(), format!("{function}:{alias}")),
                ("ExecutedVersion".into(), version.into()),
            ];
        }
        self.dimensions
            .iter()
            .map(|(name, value)| {
                let value = value
                    .replace("{function}", function)
                    .replace("{alias}", alias)
                    .replace("{version}", version);
                (name.clone(), value)
            })
            .collect()
    }

    /// What is wrong with the entry, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.name.trim().is_empty() {
            out.push("name must not be empty".to_string());
        }
        if self.namespace.trim().is_empty() || self.metric_name.trim().is_empty() {
            out.push(format!(
                "{}: namespace and metric_name are required",
                self.name
            ));
        }
        let known = ["Sum", "Average", "Minimum", "Maximum", "SampleCount"];
        let percentile = self
            .statistic
            .strip_prefix('p')
            .and_then(|p| p.parse::<f64>().ok())
            .is_some_and(|p| (0.0..=100.0).contains(&p));
        if !known.contains(&self.statistic.as_str()) && !percentile {
            out.push(format!(
                "{}: statistic {:?} must be Sum, Average, Minimum, Maximum, SampleCount or pNN",
                self.name, self.statistic
            ));
        }
        if self.kind == BusinessKind::Count && self.statistic != "Sum" {
            out.push(format!(
                "{}: kind \"count\" is judged per invocation and needs statistic \"Sum\" (not {:?})",
                self.name, self.statistic
            ));
        }
        if !self.dimensions.is_empty() && !self.dimensions.values().any(|v| v.contains("{version}"))
        {
            out.push(format!(
                "{}: no dimension has {{version}}, so both versions would read the same series",
                self.name
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_the_default_is_lambdas_per_version_set() {
        let m: BusinessMetric = toml::from_str(
            r#"
            name = "http 5xx"
            namespace = "Storefront"
            metric_name = "Http5xx"
            dimensions = { FunctionName = "{function}", Version = "{version}" }
            "#,
        )
        .expect("parse");
        // A sum is a value per minute unless said to be a count of one per invocation.
        assert!(!m.is_count() && m.critical && m.worse == Worse::Higher);
        assert!(m.problems().is_empty());
        let count = BusinessMetric {
            kind: BusinessKind::Count,
            ..m.clone()
        };
        assert!(count.is_count() && count.problems().is_empty());
        let average_count = BusinessMetric {
            statistic: "Average".into(),
            ..count
        };
        assert!(average_count.problems()[0].contains("needs statistic \"Sum\""));
        assert_eq!(
            m.dimensions_for("checkout", "live", "7"),
            [
                ("FunctionName".to_string(), "checkout".to_string()),
                ("Version".to_string(), "7".to_string())
            ]
        );
        let bare = BusinessMetric {
            dimensions: BTreeMap::new(),
            ..m.clone()
        };
        assert_eq!(
            bare.dimensions_for("checkout", "live", "7")[1].1,
            "checkout:live"
        );
        let same_series = BusinessMetric {
            dimensions: BTreeMap::from([("FunctionName".into(), "{function}".into())]),
            ..m
        };
        assert!(same_series.problems()[0].contains("{version}"));
    }
}
