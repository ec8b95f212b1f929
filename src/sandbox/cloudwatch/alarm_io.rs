//! Conversions between the `PutMetricAlarm` / `DescribeAlarms` wire shapes and the stored
//! [`Alarm`], with `PutMetricAlarm`'s validation (statistic, period, evaluation periods,
//! datapoints to alarm, comparison operator, treat-missing-data).

use super::AlarmSpec;
use super::alarms::{Alarm, COMPARISONS, TREAT_MISSING};
use super::codec::Ts;
use super::model::{Dimension, MetricAlarmOut, PutMetricAlarmInput};
use super::store::Stat;

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
    if input.metrics.is_some() {
        return Err((
            "ValidationError",
            "Metric math alarms (Metrics) are not supported by the sandbox.".to_owned(),
        ));
    }
    let statistic = match (input.statistic, input.extended_statistic) {
        (Some(s), None) if Stat::parse(&s).is_some() && !s.starts_with('p') => s,
        (None, Some(s)) if matches!(Stat::parse(&s), Some(Stat::Percentile(_))) => s,
        (Some(s), None) | (None, Some(s)) => return Err(invalid("Statistic", &s)),
        (Some(_), Some(_)) => {
            return Err((
                "InvalidParameterCombination",
                "Statistic and ExtendedStatistic cannot both be set.".to_owned(),
            ));
        }
        (None, None) => return Err(missing("Statistic")),
    };
    let period = input.period.ok_or_else(|| missing("Period"))?;
    if period < 10
        || (period > 30 && period % 60 != 0)
        || (period < 60 && ![10, 30].contains(&period))
    {
        return Err(invalid("Period", &period.to_string()));
    }
    let evaluation_periods = input
        .evaluation_periods
        .ok_or_else(|| missing("EvaluationPeriods"))?;
    if evaluation_periods < 1 {
        return Err(invalid(
            "EvaluationPeriods",
            &evaluation_periods.to_string(),
        ));
    }
    let datapoints = input.datapoints_to_alarm.unwrap_or(evaluation_periods);
    if datapoints < 1 || datapoints > evaluation_periods {
        return Err(invalid("DatapointsToAlarm", &datapoints.to_string()));
    }
    if period.saturating_mul(evaluation_periods) > 7 * 86_400 {
        return Err((
            "ValidationError",
            "Period * EvaluationPeriods must not exceed 7 days (604800 seconds).".to_owned(),
        ));
    }
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
    let spec = AlarmSpec {
        name: input.alarm_name,
        namespace: input.namespace.ok_or_else(|| missing("Namespace"))?,
        metric_name: input.metric_name.ok_or_else(|| missing("MetricName"))?,
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
    Ok(alarm)
}

pub(super) fn alarm_out(a: &Alarm) -> MetricAlarmOut {
    let s = &a.spec;
    let extended = matches!(Stat::parse(&s.statistic), Some(Stat::Percentile(_)));
    MetricAlarmOut {
        alarm_name: s.name.clone(),
        alarm_arn: super::composite::arn(&s.name),
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
        metric_name: s.metric_name.clone(),
        namespace: s.namespace.clone(),
        statistic: (!extended).then(|| s.statistic.clone()),
        extended_statistic: extended.then(|| s.statistic.clone()),
        dimensions: s
            .dimensions
            .iter()
            .map(|(n, v)| Dimension {
                name: n.clone(),
                value: v.clone(),
            })
            .collect(),
        period: i64::from(s.period_secs),
        unit: a.unit.clone(),
        evaluation_periods: i64::from(s.evaluation_periods),
        datapoints_to_alarm: i64::from(s.datapoints_to_alarm),
        threshold: s.threshold,
        comparison_operator: s.comparison.clone(),
        treat_missing_data: s.treat_missing_data.clone(),
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
