//! The alarm operations of the `CloudWatch` API: `PutMetricAlarm`, `PutCompositeAlarm`,
//! `DescribeAlarms`, `SetAlarmState`, `DeleteAlarms` and `DescribeAlarmHistory` — decode the input
//! in the request's codec, validate it as the service does (error codes and statuses from the
//! service model), act on the alarms, and encode the output.

use super::alarm_io::{alarm_from_input, alarm_out};
use super::alarms::Alarm;
use super::codec;
use super::composite::Composite;
use super::model::{
    DeleteAlarmsInput, DescribeAlarmHistoryInput, DescribeAlarmsInput, DescribeAlarmsOutput,
    PutCompositeAlarmInput, PutMetricAlarmInput, SetAlarmStateInput,
};
use super::{AlarmState, CloudWatch, Codec, error};
use crate::sandbox::wire::Reply;

/// The longest `AlarmRule` `CloudWatch` accepts.
const MAX_RULE_LEN: usize = 10_240;

macro_rules! decode {
    ($codec:expr, $body:expr) => {
        match codec::decode($codec, $body) {
            Ok(input) => input,
            Err(reply) => return reply,
        }
    };
}

/// Decodes an operation's input (see [`codec::decode`]).
pub(super) fn decode_input<T: serde::de::DeserializeOwned + Default>(
    codec: Codec,
    body: &[u8],
) -> Result<T, Reply> {
    codec::decode(codec, body)
}

pub(super) fn invalid(codec: Codec, message: &str) -> Reply {
    error(codec, "InvalidParameterValue", message, 400)
}

fn validation(codec: Codec, message: &str) -> Reply {
    error(codec, "ValidationError", message, 400)
}

impl CloudWatch {
    pub(super) fn put_metric_alarm(&mut self, codec: Codec, body: &[u8], now: f64) -> Reply {
        let input: PutMetricAlarmInput = decode!(codec, body);
        if self.composites.contains_key(&input.alarm_name) {
            let message = format!(
                "An alarm named {} already exists as a composite alarm.",
                input.alarm_name
            );
            return validation(codec, &message);
        }
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
        let (max, state) = match describe_limits(codec, &input) {
            Ok(limits) => limits,
            Err(reply) => return reply,
        };
        let family = match self.family(&input) {
            Ok(family) => family,
            Err(message) => return validation(codec, &message),
        };
        // Without AlarmTypes only metric alarms are returned, as in CloudWatch (a family query
        // returns both kinds).
        let wants = |kind: &str| {
            family.is_some()
                || input
                    .alarm_types
                    .as_ref()
                    .map_or(kind == "MetricAlarm", |t| t.iter().any(|t| t == kind))
        };
        let keep = |name: &str, st: AlarmState, actions: [&Vec<String>; 3]| {
            family.as_ref().is_none_or(|f| f.iter().any(|x| x == name))
                && input
                    .alarm_names
                    .as_ref()
                    .is_none_or(|n| n.iter().any(|x| x == name))
                && input
                    .alarm_name_prefix
                    .as_ref()
                    .is_none_or(|p| name.starts_with(p.as_str()))
                && state.is_none_or(|s| s == st)
                && input.action_prefix.as_ref().is_none_or(|p| {
                    actions
                        .iter()
                        .any(|list| list.iter().any(|x| x.starts_with(p.as_str())))
                })
        };
        let metric: Vec<&Alarm> = self
            .alarms
            .values()
            .filter(|_| wants("MetricAlarm"))
            .filter(|a| {
                let actions = [
                    &a.alarm_actions,
                    &a.ok_actions,
                    &a.insufficient_data_actions,
                ];
                keep(&a.spec.name, a.status.state, actions)
            })
            .collect();
        let composite: Vec<&Composite> = self
            .composites
            .values()
            .filter(|_| wants("CompositeAlarm"))
            .filter(|c| {
                let actions = [
                    &c.alarm_actions,
                    &c.ok_actions,
                    &c.insufficient_data_actions,
                ];
                keep(&c.name, c.status.state, actions)
            })
            .collect();
        let total = metric.len() + composite.len();
        let offset = match page_offset(codec, input.next_token.as_deref(), total) {
            Ok(offset) => offset,
            Err(reply) => return reply,
        };
        let end = offset.saturating_add(max).min(total);
        let m = metric.len();
        let metric_alarms = metric
            .get(offset.min(m)..end.min(m))
            .unwrap_or_default()
            .iter()
            .map(|a| alarm_out(a))
            .collect();
        let composite_alarms = composite
            .get(offset.saturating_sub(m)..end.saturating_sub(m))
            .unwrap_or_default()
            .iter()
            .map(|c| c.out())
            .collect();
        let next_token = (end < total).then(|| format!("da-{end}"));
        codec::ok(
            codec,
            &DescribeAlarmsOutput {
                metric_alarms,
                composite_alarms,
                next_token,
            },
        )
    }

    /// The names `ChildrenOfAlarmName` / `ParentsOfAlarmName` select, if one is given (they
    /// combine with no other filter).
    fn family(&self, input: &DescribeAlarmsInput) -> Result<Option<Vec<String>>, String> {
        let (children, parents) = (&input.children_of_alarm_name, &input.parents_of_alarm_name);
        if children.is_none() && parents.is_none() {
            return Ok(None);
        }
        let others = input.alarm_names.is_some()
            || input.alarm_name_prefix.is_some()
            || input.alarm_types.is_some()
            || input.state_value.is_some()
            || input.action_prefix.is_some()
            || (children.is_some() && parents.is_some());
        if others {
            return Err(
                "ChildrenOfAlarmName and ParentsOfAlarmName cannot be combined with other filters."
                    .to_owned(),
            );
        }
        if let Some(name) = children {
            let rule = self.composites.get(name).map(|c| &c.rule);
            return Ok(Some(rule.map_or_else(Vec::new, |r| {
                r.names().into_iter().map(str::to_owned).collect()
            })));
        }
        let name = parents.as_deref().unwrap_or_default();
        Ok(Some(
            self.composites
                .values()
                .filter(|c| c.rule.names().contains(&name))
                .map(|c| c.name.clone())
                .collect(),
        ))
    }

    pub(super) fn put_composite_alarm(&mut self, codec: Codec, body: &[u8], now: f64) -> Reply {
        let input: PutCompositeAlarmInput = decode!(codec, body);
        if input.alarm_name.is_empty() || input.alarm_rule.is_empty() {
            return error(
                codec,
                "MissingParameter",
                "AlarmName and AlarmRule are required.",
                400,
            );
        }
        if self.alarms.contains_key(&input.alarm_name) {
            return validation(
                codec,
                &format!(
                    "An alarm named {} already exists as a metric alarm.",
                    input.alarm_name
                ),
            );
        }
        if input.alarm_rule.len() > MAX_RULE_LEN {
            return validation(codec, "The AlarmRule is longer than 10240 characters.");
        }
        let composite = match Composite::from_input(input, now) {
            Ok(c) => c,
            Err(message) => return validation(codec, &message),
        };
        let missing: Vec<&str> = composite
            .rule
            .names()
            .into_iter()
            .filter(|n| !self.alarms.contains_key(*n) && !self.composites.contains_key(*n))
            .collect();
        if !missing.is_empty() {
            return validation(
                codec,
                &format!(
                    "Could not save the composite alarm as alarms [{}] in the alarm rule do not exist",
                    missing.join(", ")
                ),
            );
        }
        if composite.rule.names().contains(&composite.name.as_str()) {
            return validation(codec, "A composite alarm cannot reference itself.");
        }
        self.put_composite(composite, now);
        codec::empty(codec)
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
            .find(|n| !self.alarms.contains_key(*n) && !self.composites.contains_key(*n))
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
            self.composites.remove(name);
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

/// DescribeAlarms' limits: at most 100 names, names or a prefix, MaxRecords 1–100 (100 by
/// default) and a known StateValue.
fn describe_limits(
    codec: Codec,
    input: &DescribeAlarmsInput,
) -> Result<(usize, Option<AlarmState>), Reply> {
    if input.alarm_names.as_ref().is_some_and(|n| n.len() > 100) {
        return Err(validation(
            codec,
            "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100",
        ));
    }
    if input.alarm_names.is_some() && input.alarm_name_prefix.is_some() {
        return Err(error(
            codec,
            "InvalidParameterCombination",
            "AlarmNames and AlarmNamePrefix cannot be used together.",
            400,
        ));
    }
    let max = match input.max_records {
        None => 100,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return Err(validation(
                codec,
                &format!("The value {n} for parameter MaxRecords must be between 1 and 100."),
            ));
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
            return Err(validation(
                codec,
                &format!("The value {s} for parameter StateValue is not valid."),
            ));
        }
    };
    Ok((max, state))
}

/// Where a page of DescribeAlarms starts: 0, or the place a `NextToken` this sandbox gave names
/// (`InvalidNextToken` for any other).
fn page_offset(codec: Codec, next_token: Option<&str>, total: usize) -> Result<usize, Reply> {
    let offset = match next_token {
        None => 0,
        Some(t) => match t
            .strip_prefix("da-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= total)
        {
            Some(n) => n,
            None => {
                return Err(error(
                    codec,
                    "InvalidNextToken",
                    &format!("The service cannot process the NextToken {t}."),
                    400,
                ));
            }
        },
    };
    Ok(offset)
}
