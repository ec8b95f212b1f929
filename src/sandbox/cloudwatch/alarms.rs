//! Metric alarm evaluation with `CloudWatch`'s semantics, at `now`, over complete periods only.
//!
//! Like `CloudWatch`, an evaluation looks at an *evaluation range* a little longer than
//! `EvaluationPeriods` (N + 2 periods here; `CloudWatch` documents "more than N" without a number)
//! and takes the N most recent datapoints present in it; "M out of N" (`DatapointsToAlarm`) is
//! then judged on those. Only when fewer than N datapoints exist does `TreatMissingData` apply
//! to the missing ones:
//! - `notBreaching` / `breaching`: they count as good / bad;
//! - `missing`: they count neither way; none at all → `INSUFFICIENT_DATA`;
//! - `ignore`: like `missing`, but none at all keeps the current state.
//!
//! With `missing` / `ignore`, when every datapoint present breaches but there are fewer than M
//! of them, the state is kept ("avoiding premature transitions to alarm state").
//! ALARM when at least M datapoints breach, OK otherwise. The state reason is the text
//! `CloudWatch` writes ("Threshold Crossed: 2 out of the last 3 datapoints [...] were greater
//! than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).") and the reason
//! data the JSON document it attaches.

use chrono::DateTime;
use serde_json::json;

use super::codec::Ts;
use super::model::{GetMetricDataInput, MetricDataQuery};
use super::query;
use super::status::Status;
use super::store::{MetricKey, Stat, Store};
use super::{AlarmSpec, AlarmState};

/// The comparisons the sandbox evaluates (anomaly-band operators are refused at `PutMetricAlarm`).
pub const COMPARISONS: [&str; 4] = [
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];

/// Periods the evaluation range holds beyond `EvaluationPeriods`.
const EXTRA_PERIODS: usize = 2;

/// The `TreatMissingData` values.
pub const TREAT_MISSING: [&str; 4] = ["missing", "notBreaching", "breaching", "ignore"];

impl AlarmState {
    /// The wire name (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Alarm => "ALARM",
            Self::InsufficientData => "INSUFFICIENT_DATA",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OK" => Some(Self::Ok),
            "ALARM" => Some(Self::Alarm),
            "INSUFFICIENT_DATA" => Some(Self::InsufficientData),
            _ => None,
        }
    }
}

/// A stored metric alarm: its definition plus its state (field names follow the API's).
#[allow(clippy::struct_field_names)]
#[derive(Debug, Clone)]
pub struct Alarm {
    pub spec: AlarmSpec,
    pub description: Option<String>,
    pub actions_enabled: bool,
    pub ok_actions: Vec<String>,
    pub alarm_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub unit: Option<String>,
    /// The queries of a metric math alarm (the one with `ReturnData` is evaluated).
    pub metrics: Option<Vec<MetricDataQuery>>,
    pub status: Status,
    pub configured: f64,
    /// The simulated minute of the last evaluation (alarms are evaluated once a minute).
    pub last_eval_minute: Option<i64>,
}

impl Alarm {
    /// A new alarm in `INSUFFICIENT_DATA`.
    pub fn new(spec: AlarmSpec, now: f64) -> Self {
        Self {
            spec,
            description: None,
            actions_enabled: true,
            ok_actions: Vec::new(),
            alarm_actions: Vec::new(),
            insufficient_data_actions: Vec::new(),
            unit: None,
            metrics: None,
            status: Status::initial(now),
            configured: now,
            last_eval_minute: None,
        }
    }
}

/// The result of one evaluation: the state the alarm should be in, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub state: AlarmState,
    pub reason: String,
    pub reason_data: String,
}

/// `22/11/26 02:03:00`, the date format of `CloudWatch`'s state reasons.
pub fn short_date(t: f64) -> String {
    DateTime::from_timestamp(t.floor() as i64, 0)
        .map_or_else(String::new, |d| d.format("%d/%m/%y %H:%M:%S").to_string())
}

/// `2026-11-22T02:03:00.000+0000`, the date format of `CloudWatch`'s state reason data.
pub fn long_date(t: f64) -> String {
    DateTime::from_timestamp_millis((t * 1000.0).floor() as i64).map_or_else(String::new, |d| {
        d.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
    })
}

fn breaches(comparison: &str, value: f64, threshold: f64) -> bool {
    match comparison {
        "GreaterThanOrEqualToThreshold" => value >= threshold,
        "GreaterThanThreshold" => value > threshold,
        "LessThanThreshold" => value < threshold,
        "LessThanOrEqualToThreshold" => value <= threshold,
        _ => false,
    }
}

fn words(comparison: &str) -> &'static str {
    match comparison {
        "GreaterThanOrEqualToThreshold" => "greater than or equal to",
        "GreaterThanThreshold" => "greater than",
        "LessThanThreshold" => "less than",
        _ => "less than or equal to",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Newest first: (period start, value, sample count) of the N most recent datapoints in
/// `[start, end)`. A metric math alarm runs its queries as `GetMetricData` would (sample
/// counts are then unknown and reported as 0).
fn datapoints(
    alarm: &Alarm,
    store: &Store,
    (start, end, period): (i64, i64, i64),
    n: usize,
) -> Vec<(i64, f64, f64)> {
    if let Some(queries) = &alarm.metrics {
        let input = GetMetricDataInput {
            metric_data_queries: queries.clone(),
            start_time: Some(Ts(start as f64)),
            end_time: Some(Ts(end as f64)),
            ..GetMetricDataInput::default()
        };
        let Ok(out) = query::get_metric_data(store, &input) else {
            return Vec::new();
        };
        return out
            .metric_data_results
            .first()
            .map(|r| {
                r.timestamps
                    .iter()
                    .zip(&r.values)
                    .map(|(t, v)| (t.0 as i64, *v, 0.0))
                    .filter(|(t, _, _)| (start..end).contains(t))
                    .take(n)
                    .collect()
            })
            .unwrap_or_default();
    }
    let spec = &alarm.spec;
    let key = MetricKey::new(
        &spec.namespace,
        &spec.metric_name,
        spec.dimensions.iter().cloned(),
    );
    let stat = Stat::parse(&spec.statistic).unwrap_or(Stat::Average);
    store
        .aggregate(&key, (start, end, period), &stat)
        .iter()
        .rev()
        .filter_map(|(t, a)| a.stat(&stat).map(|v| (*t, v, a.count)))
        .take(n)
        .collect()
}

/// The `StateReasonData` CloudWatch gives with a state: the query's time, the statistic, period
/// and threshold, and the datapoints evaluated in the `n` periods up to `end`.
fn reason_data(
    spec: &AlarmSpec,
    now: f64,
    (end, period, n): (i64, i64, usize),
    present: &[(i64, f64, f64)],
) -> String {
    json!({
        "version": "1.0",
        "queryDate": long_date(now),
        "startDate": long_date(present.last().map_or(end.saturating_sub(period.saturating_mul(n as i64)), |p| p.0) as f64),
        "statistic": spec.statistic,
        "period": period,
        "recentDatapoints": present.iter().rev().map(|p| p.1).collect::<Vec<_>>(),
        "threshold": spec.threshold,
        "evaluatedDatapoints": present.iter().map(|(t, v, c)| json!({"timestamp": long_date(*t as f64), "sampleCount": c, "value": v})).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Evaluates `alarm` against `store` at simulated time `now`. `None` means "keep the current
/// state" (`TreatMissingData` `ignore` with no data).
pub fn evaluate(alarm: &Alarm, store: &Store, now: f64) -> Option<Outcome> {
    let spec = &alarm.spec;
    let period = i64::from(spec.period_secs.max(1));
    let n = spec.evaluation_periods.max(1) as usize;
    let m = (spec.datapoints_to_alarm.max(1) as usize).min(n);
    let end = (now.floor() as i64).div_euclid(period) * period;
    let start = end.saturating_sub(period.saturating_mul((n + EXTRA_PERIODS) as i64));
    let present = datapoints(alarm, store, (start, end, period), n);
    let missing = n - present.len();
    let bad: Vec<&(i64, f64, f64)> = present
        .iter()
        .filter(|(_, v, _)| breaches(&spec.comparison, *v, spec.threshold))
        .collect();
    let breaching = bad.len()
        + if spec.treat_missing_data == "breaching" {
            missing
        } else {
            0
        };
    let data = reason_data(spec, now, (end, period, n), &present);
    let list = |pts: &[&(i64, f64, f64)]| {
        pts.iter()
            .map(|(t, v, _)| format!("{v:?} ({})", short_date(*t as f64)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cmp = words(&spec.comparison);
    let threshold = format!("{:?}", spec.threshold);
    if breaching >= m {
        let from = alarm.status.state.as_str();
        let reason = if n == 1 && bad.len() == 1 {
            format!(
                "Threshold Crossed: 1 datapoint [{}] was {cmp} the threshold ({threshold}).",
                list(&bad)
            )
        } else {
            format!(
                "Threshold Crossed: {} out of the last {n} datapoints [{}] {} {cmp} the threshold ({threshold}) (minimum {} for {from} -> ALARM transition).",
                breaching,
                list(&bad),
                if breaching == 1 { "was" } else { "were" },
                plural(m, "datapoint", "datapoints"),
            )
        };
        return Some(Outcome {
            state: AlarmState::Alarm,
            reason,
            reason_data: data,
        });
    }
    let counts_missing = matches!(spec.treat_missing_data.as_str(), "missing" | "ignore" | "");
    if counts_missing && !present.is_empty() && present.len() < m && bad.len() == present.len() {
        return None;
    }
    if present.is_empty() && counts_missing {
        if spec.treat_missing_data == "ignore" {
            return None;
        }
        let reason = format!(
            "Insufficient Data: {} unknown.",
            plural(n, "datapoint was", "datapoints were")
        );
        return Some(Outcome {
            state: AlarmState::InsufficientData,
            reason,
            reason_data: data,
        });
    }
    let good: Vec<&(i64, f64, f64)> = present
        .iter()
        .filter(|(_, v, _)| !breaches(&spec.comparison, *v, spec.threshold))
        .collect();
    let from = alarm.status.state.as_str();
    let reason = if n == 1 && good.len() == 1 {
        format!(
            "Threshold Crossed: 1 datapoint [{}] was not {cmp} the threshold ({threshold}).",
            list(&good)
        )
    } else {
        let ok_needed = n - m + 1;
        format!(
            "Threshold Crossed: {} out of the last {n} datapoints [{}] {} not {cmp} the threshold ({threshold}) (minimum {} for {from} -> OK transition).",
            n - breaching,
            list(&good),
            if n - breaching == 1 { "was" } else { "were" },
            plural(ok_needed, "datapoint", "datapoints"),
        )
    };
    Some(Outcome {
        state: AlarmState::Ok,
        reason,
        reason_data: data,
    })
}
