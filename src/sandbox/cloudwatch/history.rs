//! Alarm history: a `StateUpdate` item for every state change (evaluation or `SetAlarmState`)
//! whose `HistoryData` JSON holds `oldState` / `newState` `{stateValue, stateReason}` as
//! `CloudWatch` writes it, and a `ConfigurationUpdate` item for every `PutMetricAlarm`. Items are
//! kept two simulated weeks (as `CloudWatch` keeps them, surviving alarm deletion), capped in
//! number, and served by `DescribeAlarmHistory` with its filters, `ScanBy` and pagination.

use std::collections::VecDeque;

use serde_json::json;

use super::AlarmState;
use super::codec::Ts;
use super::model::{AlarmHistoryItem, DescribeAlarmHistoryInput, DescribeAlarmHistoryOutput};

const KEEP_SECS: f64 = 14.0 * 86_400.0;
const MAX_ITEMS: usize = 100_000;
const KINDS: [&str; 5] = [
    "ConfigurationUpdate",
    "StateUpdate",
    "Action",
    "AlarmContributorStateUpdate",
    "AlarmContributorAction",
];

/// All history items, oldest first.
#[derive(Debug, Default)]
pub struct History {
    items: VecDeque<AlarmHistoryItem>,
}

/// A state change to record.
pub struct StateUpdate<'a> {
    pub alarm: &'a str,
    /// `MetricAlarm` or `CompositeAlarm`.
    pub kind: &'static str,
    pub from: (AlarmState, &'a str),
    pub to: (AlarmState, &'a str),
    pub reason_data: Option<&'a str>,
    pub at: f64,
}

impl History {
    fn push(&mut self, item: AlarmHistoryItem) {
        let cutoff = item.timestamp.0 - KEEP_SECS;
        while self.items.front().is_some_and(|i| i.timestamp.0 < cutoff)
            || self.items.len() >= MAX_ITEMS
        {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    /// Records a state change.
    pub fn state_update(&mut self, u: &StateUpdate<'_>) {
        let mut new_state = json!({"stateValue": u.to.0.as_str(), "stateReason": u.to.1});
        if let Some(data) = u
            .reason_data
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        {
            new_state["stateReasonData"] = data;
        }
        let data = json!({
            "version": "1.0",
            "oldState": {"stateValue": u.from.0.as_str(), "stateReason": u.from.1},
            "newState": new_state,
        });
        self.push(AlarmHistoryItem {
            alarm_name: u.alarm.to_owned(),
            alarm_type: u.kind.to_owned(),
            timestamp: Ts(u.at),
            history_item_type: "StateUpdate".to_owned(),
            history_summary: format!(
                "Alarm updated from {} to {}",
                u.from.0.as_str(),
                u.to.0.as_str()
            ),
            history_data: data.to_string(),
        });
    }

    /// Records a `PutMetricAlarm` (`created` or `updated`).
    pub fn configuration_update(&mut self, alarm: &str, kind: &str, created: bool, at: f64) {
        let verb = if created { "created" } else { "updated" };
        self.push(AlarmHistoryItem {
            alarm_name: alarm.to_owned(),
            alarm_type: kind.to_owned(),
            timestamp: Ts(at),
            history_item_type: "ConfigurationUpdate".to_owned(),
            history_summary: format!("Alarm \"{alarm}\" {verb}"),
            history_data:
                json!({"version": "1.0", "type": if created { "Create" } else { "Update" }})
                    .to_string(),
        });
    }

    /// `DescribeAlarmHistory`. Errors are `(query code, message)`, all 400.
    pub fn describe(
        &self,
        input: &DescribeAlarmHistoryInput,
    ) -> Result<DescribeAlarmHistoryOutput, (&'static str, String)> {
        let max = match input.max_records {
            None => 100,
            Some(n @ 1..=100) => n as usize,
            Some(n) => {
                return Err((
                    "ValidationError",
                    format!("The value {n} for parameter MaxRecords must be between 1 and 100."),
                ));
            }
        };
        let descending = match input.scan_by.as_deref() {
            None | Some("TimestampDescending") => true,
            Some("TimestampAscending") => false,
            Some(other) => {
                return Err((
                    "ValidationError",
                    format!("The value {other} for parameter ScanBy is not valid."),
                ));
            }
        };
        if let Some(kind) = input
            .history_item_type
            .as_deref()
            .filter(|k| !KINDS.contains(k))
        {
            return Err((
                "ValidationError",
                format!("The value {kind} for parameter HistoryItemType is not valid."),
            ));
        }
        // Without AlarmTypes only metric alarms' items are returned, as in CloudWatch.
        let wants = |kind: &str| {
            input
                .alarm_types
                .as_ref()
                .map_or(kind == "MetricAlarm", |t| t.iter().any(|t| t == kind))
        };
        let mut matching: Vec<&AlarmHistoryItem> = self
            .items
            .iter()
            .filter(|i| wants(&i.alarm_type))
            .filter(|i| input.alarm_name.as_ref().is_none_or(|n| *n == i.alarm_name))
            .filter(|i| {
                input
                    .history_item_type
                    .as_ref()
                    .is_none_or(|k| *k == i.history_item_type)
            })
            .filter(|i| input.start_date.is_none_or(|s| i.timestamp.0 >= s.0))
            .filter(|i| input.end_date.is_none_or(|e| i.timestamp.0 <= e.0))
            .collect();
        if descending {
            matching.reverse();
        }
        let offset = match input.next_token.as_deref() {
            None => 0,
            Some(t) => t
                .strip_prefix("dah-")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= matching.len())
                .ok_or_else(|| {
                    (
                        "InvalidNextToken",
                        format!("The service cannot process the NextToken {t}."),
                    )
                })?,
        };
        let end = offset.saturating_add(max).min(matching.len());
        let items = matching
            .get(offset..end)
            .unwrap_or_default()
            .iter()
            .map(|i| (*i).clone())
            .collect();
        let next_token = (end < matching.len()).then(|| format!("dah-{end}"));
        Ok(DescribeAlarmHistoryOutput {
            alarm_history_items: items,
            next_token,
        })
    }
}
