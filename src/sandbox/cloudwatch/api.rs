//! The `CloudWatch` API operations: decode the input in the request's codec, validate it as the
//! service does (error codes and statuses from the service model), act on the store and the
//! alarms, and encode the output.

use super::alarm_io::{alarm_from_input, alarm_out};
use super::alarms::Alarm;
use super::codec;
use super::model::{
    CompositeAlarmOut, DeleteAlarmsInput, DescribeAlarmHistoryInput, DescribeAlarmsInput,
    DescribeAlarmsOutput, Dimension, GetMetricDataInput, ListMetricsInput, ListMetricsOutput,
    Metric, PutMetricAlarmInput, PutMetricDataInput, SetAlarmStateInput,
};
use super::store::{MetricKey, SAMPLE_CAP};
use super::{AlarmState, CloudWatch, Codec, Observation, error, query};
use crate::sandbox::wire::Reply;

/// The fixed account of the sandbox's ARNs.
pub const ACCOUNT: &str = "123456789012";

const LIST_METRICS_PAGE: usize = 500;

macro_rules! decode {
    ($codec:expr, $body:expr) => {
        match codec::decode($codec, $body) {
            Ok(input) => input,
            Err(reply) => return reply,
        }
    };
}

fn invalid(codec: Codec, message: &str) -> Reply {
    error(codec, "InvalidParameterValue", message, 400)
}

fn validation(codec: Codec, message: &str) -> Reply {
    error(codec, "ValidationError", message, 400)
}

fn dims(list: &[Dimension]) -> impl Iterator<Item = (String, String)> + '_ {
    list.iter().map(|d| (d.name.clone(), d.value.clone()))
}

impl CloudWatch {
    pub(super) fn put_metric_data(&mut self, codec: Codec, body: &[u8], now: f64) -> Reply {
        let input: PutMetricDataInput = decode!(codec, body);
        if input.namespace.is_empty() {
            return error(
                codec,
                "MissingParameter",
                "The parameter Namespace is required.",
                400,
            );
        }
        if input.namespace.starts_with("AWS/") {
            return invalid(codec, "The value AWS/ for parameter Namespace is invalid.");
        }
        for (i, d) in input.metric_data.iter().enumerate() {
            let member = format!("MetricData.member.{}", i + 1);
            if d.metric_name.is_empty() {
                return error(
                    codec,
                    "MissingParameter",
                    &format!("The parameter {member}.MetricName is required."),
                    400,
                );
            }
            let given = usize::from(d.value.is_some())
                + usize::from(d.statistic_values.is_some())
                + usize::from(!d.values.is_empty());
            if given > 1 {
                return error(
                    codec,
                    "InvalidParameterCombination",
                    &format!(
                        "The parameters {member}.Value, {member}.StatisticValues and {member}.Values are mutually exclusive."
                    ),
                    400,
                );
            }
            if !d.counts.is_empty() && d.counts.len() != d.values.len() {
                return invalid(
                    codec,
                    &format!(
                        "The parameters {member}.Values and {member}.Counts must be of the same size."
                    ),
                );
            }
        }
        for d in &input.metric_data {
            let key = MetricKey::new(&input.namespace, &d.metric_name, dims(&d.dimensions));
            let t = d.timestamp.map_or(now, |t| t.0);
            if let Some(v) = d.value {
                let o = Observation {
                    sample_count: 1.0,
                    sum: v.0,
                    min: v.0,
                    max: v.0,
                    samples: &[v.0],
                };
                self.store.record(key, t, o);
            } else if let Some(s) = d.statistic_values {
                let o = Observation {
                    sample_count: s.sample_count.0,
                    sum: s.sum.0,
                    min: s.minimum.0,
                    max: s.maximum.0,
                    samples: &[],
                };
                self.store.record(key, t, o);
            } else if !d.values.is_empty() {
                let mut samples = Vec::new();
                let (mut count, mut sum) = (0.0, 0.0);
                for (i, v) in d.values.iter().enumerate() {
                    let c = d.counts.get(i).map_or(1.0, |c| c.0);
                    count += c;
                    sum += v.0 * c;
                    samples.extend(std::iter::repeat_n(
                        v.0,
                        (c.max(0.0) as usize).min(SAMPLE_CAP),
                    ));
                }
                let min = d.values.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
                let max = d
                    .values
                    .iter()
                    .map(|v| v.0)
                    .fold(f64::NEG_INFINITY, f64::max);
                let o = Observation {
                    sample_count: count,
                    sum,
                    min,
                    max,
                    samples: &samples,
                };
                self.store.record(key, t, o);
            }
        }
        codec::empty(codec)
    }

    pub(super) fn get_metric_data(&self, codec: Codec, body: &[u8]) -> Reply {
        let input: GetMetricDataInput = decode!(codec, body);
        match query::get_metric_data(&self.store, &input) {
            Ok(out) => codec::ok(codec, &out),
            Err((code, message, status)) => error(codec, code, &message, status),
        }
    }

    pub(super) fn list_metrics(&self, codec: Codec, body: &[u8], now: f64) -> Reply {
        let input: ListMetricsInput = decode!(codec, body);
        let recent = match input.recently_active.as_deref() {
            None => None,
            Some("PT3H") => Some(now - 3.0 * 3600.0),
            Some(other) => {
                return invalid(
                    codec,
                    &format!("The value {other} for parameter RecentlyActive is not valid."),
                );
            }
        };
        let mut keys: Vec<&MetricKey> = self
            .store
            .keys()
            .filter(|(_, newest)| recent.is_none_or(|r| *newest as f64 >= r))
            .map(|(k, _)| k)
            .filter(|k| input.namespace.as_ref().is_none_or(|n| *n == k.namespace))
            .filter(|k| input.metric_name.as_ref().is_none_or(|n| *n == k.name))
            .filter(|k| {
                input.dimensions.iter().all(|f| {
                    k.dims
                        .iter()
                        .any(|(n, v)| *n == f.name && f.value.as_ref().is_none_or(|fv| fv == v))
                })
            })
            .collect();
        keys.sort();
        let offset = match input.next_token.as_deref() {
            None => 0,
            Some(t) => match t
                .strip_prefix("lm-")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= keys.len())
            {
                Some(n) => n,
                None => {
                    return invalid(
                        codec,
                        &format!("The service cannot process the NextToken {t}."),
                    );
                }
            },
        };
        let end = offset.saturating_add(LIST_METRICS_PAGE).min(keys.len());
        let metrics = keys
            .get(offset..end)
            .unwrap_or_default()
            .iter()
            .map(|k| Metric {
                namespace: Some(k.namespace.clone()),
                metric_name: Some(k.name.clone()),
                dimensions: Some(
                    k.dims
                        .iter()
                        .map(|(n, v)| Dimension {
                            name: n.clone(),
                            value: v.clone(),
                        })
                        .collect(),
                ),
            })
            .collect();
        let next_token = (end < keys.len()).then(|| format!("lm-{end}"));
        codec::ok(
            codec,
            &ListMetricsOutput {
                metrics,
                next_token,
            },
        )
    }

    pub(super) fn put_metric_alarm(&mut self, codec: Codec, body: &[u8], now: f64) -> Reply {
        let input: PutMetricAlarmInput = decode!(codec, body);
        match alarm_from_input(input, now) {
            Ok(alarm) => {
                self.put_alarm_full(alarm, now);
                codec::empty(codec)
            }
            Err((code, message)) => error(codec, code, &message, 400),
        }
    }

    pub(super) fn describe_alarms(&self, codec: Codec, body: &[u8]) -> Reply {
        let input: DescribeAlarmsInput = decode!(codec, body);
        if input.alarm_names.as_ref().is_some_and(|n| n.len() > 100) {
            return validation(
                codec,
                "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100",
            );
        }
        if input.alarm_names.is_some() && input.alarm_name_prefix.is_some() {
            return error(
                codec,
                "InvalidParameterCombination",
                "AlarmNames and AlarmNamePrefix cannot be used together.",
                400,
            );
        }
        let max = match input.max_records {
            None => 100,
            Some(n @ 1..=100) => n as usize,
            Some(n) => {
                return validation(
                    codec,
                    &format!("The value {n} for parameter MaxRecords must be between 1 and 100."),
                );
            }
        };
        let state = match input
            .state_value
            .as_deref()
            .map(|s| (s, AlarmState::parse(s)))
        {
            None => None,
            Some((_, Some(s))) => Some(s),
            Some((s, None)) => {
                return validation(
                    codec,
                    &format!("The value {s} for parameter StateValue is not valid."),
                );
            }
        };
        let wants_metric = input
            .alarm_types
            .as_ref()
            .is_none_or(|t| t.iter().any(|t| t == "MetricAlarm"));
        let matching: Vec<&Alarm> = self
            .alarms
            .values()
            .filter(|_| wants_metric)
            .filter(|a| {
                input
                    .alarm_names
                    .as_ref()
                    .is_none_or(|n| n.contains(&a.spec.name))
            })
            .filter(|a| {
                input
                    .alarm_name_prefix
                    .as_ref()
                    .is_none_or(|p| a.spec.name.starts_with(p.as_str()))
            })
            .filter(|a| state.is_none_or(|s| s == a.state))
            .filter(|a| {
                input.action_prefix.as_ref().is_none_or(|p| {
                    a.alarm_actions
                        .iter()
                        .chain(&a.ok_actions)
                        .chain(&a.insufficient_data_actions)
                        .any(|x| x.starts_with(p.as_str()))
                })
            })
            .collect();
        let offset = match input.next_token.as_deref() {
            None => 0,
            Some(t) => match t
                .strip_prefix("da-")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= matching.len())
            {
                Some(n) => n,
                None => {
                    return error(
                        codec,
                        "InvalidNextToken",
                        &format!("The service cannot process the NextToken {t}."),
                        400,
                    );
                }
            },
        };
        let end = offset.saturating_add(max).min(matching.len());
        let metric_alarms = matching
            .get(offset..end)
            .unwrap_or_default()
            .iter()
            .map(|a| alarm_out(a))
            .collect();
        let next_token = (end < matching.len()).then(|| format!("da-{end}"));
        let composite_alarms: Vec<CompositeAlarmOut> = Vec::new();
        codec::ok(
            codec,
            &DescribeAlarmsOutput {
                metric_alarms,
                composite_alarms,
                next_token,
            },
        )
    }

    pub(super) fn set_alarm_state_api(&mut self, codec: Codec, body: &[u8], now: f64) -> Reply {
        let input: SetAlarmStateInput = decode!(codec, body);
        if input.alarm_name.is_empty()
            || input.state_reason.is_empty()
            || input.state_value.is_empty()
        {
            return error(
                codec,
                "MissingParameter",
                "AlarmName, StateValue and StateReason are required.",
                400,
            );
        }
        let Some(state) = AlarmState::parse(&input.state_value) else {
            return validation(
                codec,
                &format!(
                    "The value {} for parameter StateValue is not valid.",
                    input.state_value
                ),
            );
        };
        if input
            .state_reason_data
            .as_deref()
            .is_some_and(|d| serde_json::from_str::<serde_json::Value>(d).is_err())
        {
            return error(
                codec,
                "InvalidFormat",
                "The StateReasonData is not valid JSON.",
                400,
            );
        }
        if self.set_state(
            &input.alarm_name,
            state,
            &input.state_reason,
            input.state_reason_data,
            now,
        ) {
            codec::empty(codec)
        } else {
            error(
                codec,
                "ResourceNotFound",
                &format!("Alarm {} not found", input.alarm_name),
                404,
            )
        }
    }

    pub(super) fn delete_alarms(&mut self, codec: Codec, body: &[u8]) -> Reply {
        let input: DeleteAlarmsInput = decode!(codec, body);
        if let Some(missing) = input
            .alarm_names
            .iter()
            .find(|n| !self.alarms.contains_key(*n))
        {
            return error(
                codec,
                "ResourceNotFound",
                &format!("Alarm {missing} not found"),
                404,
            );
        }
        for name in &input.alarm_names {
            self.alarms.remove(name);
        }
        codec::empty(codec)
    }

    pub(super) fn describe_alarm_history(&self, codec: Codec, body: &[u8]) -> Reply {
        let input: DescribeAlarmHistoryInput = decode!(codec, body);
        match self.history.describe(&input) {
            Ok(out) => codec::ok(codec, &out),
            Err((code, message)) => error(codec, code, &message, 400),
        }
    }
}
