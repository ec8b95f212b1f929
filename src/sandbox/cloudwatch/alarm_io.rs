//! Conversions between the `PutMetricAlarm` / `DescribeAlarms` wire shapes and the stored
//! [`Alarm`], with `PutMetricAlarm`'s validation (statistic, period, evaluation periods,
//! datapoints to alarm, comparison operator, treat-missing-data).

use super::AlarmSpec;
use super::alarms::{Alarm, COMPARISONS, TREAT_MISSING};
use super::codec::Ts;
use super::model::{
    Dimension, GetMetricDataInput, MetricAlarmOut, MetricDataQuery, PutMetricAlarmInput,
};
use super::query;
use super::store::{Stat, Store};

pub(super) fn alarm_from_input(
    input: PutMetricAlarmInput,
    now: f64,
) -> Result<Alarm, (&'static str, String)> {
    let missing = |name: &str| {
        (
            "MissingParameter",
            format!("The parameter {name} is required."),
        )
    };
    let invalid = |name: &str, value: &str| {
        (
            "ValidationError",
            format!("The value {value} for parameter {name} is not valid."),
        )
    };
    if input.alarm_name.is_empty() {
        return Err(missing("AlarmName"));
    }
    let math = input.metrics.clone();
    let (statistic, period) = match &math {
        Some(queries) => {
            if input.statistic.is_some()
                || input.extended_statistic.is_some()
                || input.namespace.is_some()
                || input.metric_name.is_some()
                || !input.dimensions.is_empty()
            {
                return Err((
                    "InvalidParameterCombination",
                    "Metrics cannot be combined with MetricName, Namespace, Dimensions, Statistic or ExtendedStatistic.".to_owned(),
                ));
            }
            (String::new(), math_period(queries)?)
        }
        None => (
            single_statistic(input.statistic.clone(), input.extended_statistic.clone())?,
            input.period.ok_or_else(|| missing("Period"))?,
        ),
    };
    let (evaluation_periods, datapoints) =
        evaluation(period, input.evaluation_periods, input.datapoints_to_alarm)?;
    let threshold = input.threshold.ok_or_else(|| missing("Threshold"))?.0;
    if !threshold.is_finite() {
        return Err(invalid("Threshold", &threshold.to_string()));
    }
    let comparison = input
        .comparison_operator
        .ok_or_else(|| missing("ComparisonOperator"))?;
    if !COMPARISONS.contains(&comparison.as_str()) {
        return Err(invalid("ComparisonOperator", &comparison));
    }
    let treat = input
        .treat_missing_data
        .unwrap_or_else(|| "missing".to_owned());
    if !TREAT_MISSING.contains(&treat.as_str()) {
        return Err(invalid("TreatMissingData", &treat));
    }
    let (namespace, metric_name) = match (&math, input.namespace, input.metric_name) {
        (Some(_), _, _) => (String::new(), String::new()),
        (None, Some(ns), Some(name)) => (ns, name),
        (None, None, _) => return Err(missing("Namespace")),
        (None, Some(_), None) => return Err(missing("MetricName")),
    };
    let spec = AlarmSpec {
        name: input.alarm_name,
        namespace,
        metric_name,
        dimensions: input
            .dimensions
            .iter()
            .map(|d| (d.name.clone(), d.value.clone()))
            .collect(),
        statistic,
        period_secs: u32::try_from(period).map_err(|_| invalid("Period", &period.to_string()))?,
        evaluation_periods: u32::try_from(evaluation_periods)
            .map_err(|_| invalid("EvaluationPeriods", "too large"))?,
        datapoints_to_alarm: u32::try_from(datapoints)
            .map_err(|_| invalid("DatapointsToAlarm", "too large"))?,
        threshold,
        comparison,
        treat_missing_data: treat,
    };
    let mut alarm = Alarm::new(spec, now);
    alarm.description = input.alarm_description;
    alarm.actions_enabled = input.actions_enabled.unwrap_or(true);
    alarm.ok_actions = input.ok_actions;
    alarm.alarm_actions = input.alarm_actions;
    alarm.insufficient_data_actions = input.insufficient_data_actions;
    alarm.unit = input.unit;
    alarm.metrics = math;
    Ok(alarm)
}

fn single_statistic(
    statistic: Option<String>,
    extended: Option<String>,
) -> Result<String, (&'static str, String)> {
    let invalid = |s: &str| {
        let message = format!("The value {s} for parameter Statistic is not valid.");
        ("ValidationError", message)
    };
    match (statistic, extended) {
        (Some(s), None) if Stat::parse(&s).is_some_and(|st| !st.is_extended()) => Ok(s),
        (None, Some(s)) if Stat::parse(&s).is_some_and(|st| st.is_extended()) => Ok(s),
        (Some(s), None) | (None, Some(s)) => Err(invalid(&s)),
        (Some(_), Some(_)) => Err((
            "InvalidParameterCombination",
            "Statistic and ExtendedStatistic cannot both be set.".to_owned(),
        )),
        (None, None) => Err((
            "MissingParameter",
            "The parameter Statistic is required.".to_owned(),
        )),
    }
}

/// Validates a metric math alarm's queries (as `GetMetricData` would, plus exactly one
/// An alarm's evaluation: a period of 10 s, 30 s or whole minutes, at least one evaluation
/// period (required), 1 to that many datapoints to alarm (all of them by default), and no
/// more than 7 days in all: (evaluation periods, datapoints to alarm).
fn evaluation(
    period: i64,
    evaluation_periods: Option<i64>,
    datapoints_to_alarm: Option<i64>,
) -> Result<(i64, i64), (&'static str, String)> {
    let invalid = |name: &str, value: i64| {
        (
            "ValidationError",
            format!("The value {value} for parameter {name} is not valid."),
        )
    };
    if period < 10
        || (period > 30 && period % 60 != 0)
        || (period < 60 && ![10, 30].contains(&period))
    {
        return Err(invalid("Period", period));
    }
    let evaluation_periods = evaluation_periods.ok_or_else(|| {
        (
            "MissingParameter",
            "The parameter EvaluationPeriods is required.".to_owned(),
        )
    })?;
    if evaluation_periods < 1 {
        return Err(invalid("EvaluationPeriods", evaluation_periods));
    }
    let datapoints = datapoints_to_alarm.unwrap_or(evaluation_periods);
    if datapoints < 1 || datapoints > evaluation_periods {
        return Err(invalid("DatapointsToAlarm", datapoints));
    }
    if period.saturating_mul(evaluation_periods) > 7 * 86_400 {
        return Err((
            "ValidationError",
            "Period * EvaluationPeriods must not exceed 7 days (604800 seconds).".to_owned(),
        ));
    }
    Ok((evaluation_periods, datapoints))
}

/// `ReturnData`) and returns the alarm's period: that of the returned query or its inputs.
fn math_period(queries: &[MetricDataQuery]) -> Result<i64, (&'static str, String)> {
    let returned: Vec<&MetricDataQuery> = queries
        .iter()
        .filter(|q| q.return_data.unwrap_or(true))
        .collect();
    let [returned] = returned.as_slice() else {
        return Err((
            "ValidationError",
            "Exactly one element of the Metrics list must return data.".to_owned(),
        ));
    };
    let probe = GetMetricDataInput {
        metric_data_queries: queries.to_vec(),
        start_time: Some(Ts(0.0)),
        end_time: Some(Ts(60.0)),
        ..GetMetricDataInput::default()
    };
    query::get_metric_data(&Store::new(0), &probe)
        .map_err(|(_, message, _)| ("ValidationError", message))?;
    let stat_period = |q: &MetricDataQuery| q.metric_stat.as_ref().and_then(|m| m.period);
    Ok(stat_period(returned)
        .or(returned.period)
        .or_else(|| queries.iter().filter_map(stat_period).min())
        .unwrap_or(60))
}

pub(super) fn alarm_out(a: &Alarm) -> MetricAlarmOut {
    let s = &a.spec;
    let extended = Stat::parse(&s.statistic).is_some_and(|st| st.is_extended());
    // Only single-metric alarms carry these fields.
    let single = a.metrics.is_none();
    MetricAlarmOut {
        alarm_name: s.name.clone(),
        alarm_arn: super::model::arn(&s.name),
        alarm_description: a.description.clone(),
        alarm_configuration_updated_timestamp: Ts(a.configured),
        actions_enabled: a.actions_enabled,
        ok_actions: a.ok_actions.clone(),
        alarm_actions: a.alarm_actions.clone(),
        insufficient_data_actions: a.insufficient_data_actions.clone(),
        state_value: a.status.state.as_str().to_owned(),
        state_reason: a.status.reason.clone(),
        state_reason_data: a.status.reason_data.clone(),
        state_updated_timestamp: Ts(a.status.updated),
        metric_name: single.then_some(s.metric_name.clone()),
        namespace: single.then_some(s.namespace.clone()),
        statistic: (single && !extended).then(|| s.statistic.clone()),
        extended_statistic: (single && extended).then(|| s.statistic.clone()),
        dimensions: s
            .dimensions
            .iter()
            .map(|(n, v)| Dimension {
                name: n.clone(),
                value: v.clone(),
            })
            .collect(),
        period: single.then_some(i64::from(s.period_secs)),
        unit: a.unit.clone(),
        evaluation_periods: i64::from(s.evaluation_periods),
        datapoints_to_alarm: i64::from(s.datapoints_to_alarm),
        threshold: s.threshold,
        comparison_operator: s.comparison.clone(),
        treat_missing_data: s.treat_missing_data.clone(),
        metrics: a.metrics.clone(),
        state_transitioned_timestamp: Ts(a.status.transitioned),
    }
}

#[cfg(test)]
pub(super) fn alarm_state_reason(
    cw: &super::CloudWatch,
    name: &str,
) -> Option<(String, Option<String>, f64, f64)> {
    cw.alarms.get(name).map(|a| {
        (
            a.status.reason.clone(),
            a.status.reason_data.clone(),
            a.status.updated,
            a.status.transitioned,
        )
    })
}
