//! Simulated `CloudWatch`: metric store, `GetMetricData` (with metric math), alarms evaluated with
//! `CloudWatch`'s semantics, and the two wire codecs (Smithy RPC v2 CBOR and awsJson1.0).
//!
//! The public types and methods below are the interface the sandbox's server and simulation
//! use; the submodules hold the codecs (`codec`, `model`), the metric store (`store`),
//! `GetMetricData` and metric math (`query`, `math`), alarm evaluation (`alarms`,
//! `composite`, `status`), alarm history (`history`) and the API operations
//! (`metric_api`, `api`, `alarm_io`).

mod alarm_io;
mod alarms;
mod api;
pub mod codec;
mod composite;
mod history;
mod math;
mod metric_api;
pub mod model;
mod query;
mod status;
mod store;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::sandbox::wire::Reply;
use alarms::Alarm;
use composite::Composite;
use history::History;
use status::Update;
use store::{MetricKey, Store};

/// The operations [`CloudWatch::handle`] implements (anything else is `UnknownOperation`).
pub const OPERATIONS: &[&str] = &[
    "PutMetricData",
    "GetMetricData",
    "ListMetrics",
    "PutMetricAlarm",
    "DescribeAlarms",
    "SetAlarmState",
    "DeleteAlarms",
    "DescribeAlarmHistory",
    "PutCompositeAlarm",
];

/// Which wire protocol a `CloudWatch` request arrived in (the reply uses the same one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Smithy RPC v2 CBOR (the Rust SDK).
    Cbor,
    /// awsJson1.0 with query-compatible errors (the AWS CLI, boto3).
    Json,
}

/// Alarm state, as `CloudWatch` names it on the wire (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

/// One aggregated observation of a metric at a timestamp (like `PutMetricData`'s `StatisticValues`),
/// plus the raw values for percentile statistics (every one of them, or none).
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub sample_count: f64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub samples: &'a [f64],
}

/// A metric alarm definition (what `PutMetricAlarm` takes), for scenarios.
#[derive(Debug, Clone)]
pub struct AlarmSpec {
    pub name: String,
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: Vec<(String, String)>,
    /// `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount` or an extended statistic like `p99`.
    pub statistic: String,
    pub period_secs: u32,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    pub threshold: f64,
    /// e.g. `GreaterThanThreshold`.
    pub comparison: String,
    /// `missing`, `notBreaching`, `breaching` or `ignore`.
    pub treat_missing_data: String,
}

/// A state transition produced by alarm evaluation (for the sandbox's ground-truth event log).
#[derive(Debug, Clone)]
pub struct AlarmChange {
    pub name: String,
    pub from: AlarmState,
    pub to: AlarmState,
    pub reason: String,
    /// Simulated epoch seconds.
    pub at: f64,
}

/// All simulated `CloudWatch` state of one sandbox.
#[derive(Debug)]
pub struct CloudWatch {
    store: Store,
    alarms: BTreeMap<String, Alarm>,
    composites: BTreeMap<String, Composite>,
    /// The simulated minute composites were last evaluated in.
    composite_minute: Option<i64>,
    history: History,
    /// Transitions made through the API (`SetAlarmState`), for [`CloudWatch::take_api_changes`].
    api_changes: Vec<AlarmChange>,
}

impl Default for CloudWatch {
    /// A store keeping one simulated day of metric data.
    fn default() -> Self {
        Self::new(86_400)
    }
}

impl CloudWatch {
    /// An empty store keeping metric data for `retention_secs` of simulated time.
    pub fn new(retention_secs: u64) -> Self {
        Self {
            store: Store::new(retention_secs),
            alarms: BTreeMap::new(),
            composites: BTreeMap::new(),
            composite_minute: None,
            history: History::default(),
            api_changes: Vec::new(),
        }
    }

    /// Records an observation (simulated epoch seconds) for a metric identity.
    pub fn record(
        &mut self,
        namespace: &str,
        metric: &str,
        dimensions: &[(&str, &str)],
        timestamp: f64,
        observation: Observation<'_>,
    ) {
        let key = MetricKey::new(
            namespace,
            metric,
            dimensions
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        self.store.record(key, timestamp, observation);
    }

    /// Creates or replaces a metric alarm (state `INSUFFICIENT_DATA` until evaluated; replacing
    /// an alarm keeps its state, as `PutMetricAlarm` does).
    pub fn put_alarm(&mut self, spec: AlarmSpec, now: f64) {
        self.put_alarm_full(Alarm::new(spec, now), now);
    }

    fn put_alarm_full(&mut self, mut alarm: Alarm, now: f64) {
        let name = alarm.spec.name.clone();
        let created = match self.alarms.get(&name) {
            Some(old) => {
                alarm.status = old.status.clone();
                false
            }
            None => true,
        };
        self.history
            .configuration_update(&name, "MetricAlarm", created, now);
        self.alarms.insert(name, alarm);
    }

    fn put_composite(&mut self, mut composite: Composite, now: f64) {
        let name = composite.name.clone();
        let created = match self.composites.get(&name) {
            Some(old) => {
                composite.status = old.status.clone();
                false
            }
            None => true,
        };
        self.history
            .configuration_update(&name, "CompositeAlarm", created, now);
        self.composites.insert(name, composite);
        // A new or changed rule is evaluated at once.
        self.composite_minute = None;
        let minute = (now / 60.0).floor() as i64;
        let changes = self.evaluate_composites(now, minute);
        self.api_changes.extend(changes);
    }

    /// Forces an alarm's state, as `SetAlarmState` does. Returns false if there is no such alarm.
    /// The state holds until the alarm's next evaluation (the next simulated minute).
    pub fn set_alarm_state(
        &mut self,
        name: &str,
        state: AlarmState,
        reason: &str,
        now: f64,
    ) -> bool {
        self.set_state(name, state, reason, None, now)
    }

    fn set_state(
        &mut self,
        name: &str,
        state: AlarmState,
        reason: &str,
        data: Option<String>,
        now: f64,
    ) -> bool {
        let (status, kind) = if let Some(a) = self.alarms.get_mut(name) {
            (&mut a.status, "MetricAlarm")
        } else if let Some(c) = self.composites.get_mut(name) {
            (&mut c.status, "CompositeAlarm")
        } else {
            return false;
        };
        let update = Update {
            alarm: name,
            kind,
            to: state,
            reason: reason.to_owned(),
            reason_data: data,
            at: now,
        };
        if let Some(change) = status.apply(update, &mut self.history) {
            self.api_changes.push(change);
        }
        true
    }

    /// Evaluates every alarm at simulated time `now` (each at most once per simulated minute,
    /// as `CloudWatch` does: metric alarms first, then composite alarms on their new states);
    /// returns the transitions. Also prunes metric data that left the retention window.
    pub fn evaluate_alarms(&mut self, now: f64) -> Vec<AlarmChange> {
        self.store.prune(now);
        let minute = (now / 60.0).floor() as i64;
        let mut changes = Vec::new();
        for alarm in self.alarms.values_mut() {
            if alarm.last_eval_minute == Some(minute) {
                continue;
            }
            alarm.last_eval_minute = Some(minute);
            let Some(outcome) = alarms::evaluate(alarm, &self.store, now) else {
                continue;
            };
            if outcome.state == alarm.status.state {
                continue;
            }
            let update = Update {
                alarm: &alarm.spec.name,
                kind: "MetricAlarm",
                to: outcome.state,
                reason: outcome.reason,
                reason_data: Some(outcome.reason_data),
                at: now,
            };
            changes.extend(alarm.status.apply(update, &mut self.history));
        }
        changes.extend(self.evaluate_composites(now, minute));
        changes
    }

    /// Evaluates the composite alarms (again, for composites of composites) once per minute.
    fn evaluate_composites(&mut self, now: f64, minute: i64) -> Vec<AlarmChange> {
        if self.composite_minute == Some(minute) {
            return Vec::new();
        }
        self.composite_minute = Some(minute);
        let mut changes = Vec::new();
        for _ in 0..5 {
            let mut changed = false;
            let names: Vec<String> = self.composites.keys().cloned().collect();
            for name in names {
                let alarms = &self.alarms;
                let composites = &self.composites;
                let state_of = |n: &str| {
                    alarms
                        .get(n)
                        .map(|a| (a.status.state, a.status.transitioned))
                        .or_else(|| {
                            composites
                                .get(n)
                                .map(|c| (c.status.state, c.status.transitioned))
                        })
                };
                let Some((to, reason, data)) = composites.get(&name).map(|c| c.outcome(&state_of))
                else {
                    continue;
                };
                let Some(c) = self.composites.get_mut(&name) else {
                    continue;
                };
                if to == c.status.state {
                    continue;
                }
                let update = Update {
                    alarm: &name,
                    kind: "CompositeAlarm",
                    to,
                    reason,
                    reason_data: Some(data),
                    at: now,
                };
                changes.extend(c.status.apply(update, &mut self.history));
                changed = true;
            }
            if !changed {
                break;
            }
        }
        changes
    }

    /// State changes made through the API (`SetAlarmState`, `PutCompositeAlarm`) since the last
    /// call, for the sandbox's event log ([`CloudWatch::evaluate_alarms`] returns its own).
    pub fn take_api_changes(&mut self) -> Vec<AlarmChange> {
        std::mem::take(&mut self.api_changes)
    }

    /// The current state of an alarm (metric or composite), if it exists.
    pub fn alarm_state(&self, name: &str) -> Option<AlarmState> {
        self.alarms
            .get(name)
            .map(|a| a.status.state)
            .or_else(|| self.composites.get(name).map(|c| c.status.state))
    }

    /// Number of stored metric points (to check that memory stays bounded).
    pub fn metric_point_count(&self) -> usize {
        self.store.point_count()
    }

    /// Handles one `CloudWatch` API request (operation name, protocol, raw body already
    /// gunzipped) at simulated time `now`, returning the wire reply in the same protocol.
    pub fn handle(&mut self, operation: &str, codec: Codec, body: &[u8], now: f64) -> Reply {
        match operation {
            "PutMetricData" => self.put_metric_data(codec, body, now),
            "GetMetricData" => self.get_metric_data(codec, body),
            "ListMetrics" => self.list_metrics(codec, body, now),
            "PutMetricAlarm" => self.put_metric_alarm(codec, body, now),
            "DescribeAlarms" => self.describe_alarms(codec, body),
            "SetAlarmState" => self.set_alarm_state_api(codec, body, now),
            "DeleteAlarms" => self.delete_alarms(codec, body),
            "DescribeAlarmHistory" => self.describe_alarm_history(codec, body),
            "PutCompositeAlarm" => self.put_composite_alarm(codec, body, now),
            _ => error(
                codec,
                "UnknownOperation",
                &format!("The operation {operation} is not supported by the sandbox."),
                400,
            ),
        }
    }
}

/// What a request names, for the sandbox's call log: the `FunctionName` dimensions a
/// `GetMetricData` reads, the `AlarmNames` a `DescribeAlarms` asks for. Anything else, or a
/// body that does not decode, names nothing.
pub fn resources(operation: &str, codec: Codec, body: &[u8]) -> Vec<String> {
    let mut names: Vec<String> = match operation {
        "GetMetricData" => codec::decode::<model::GetMetricDataInput>(codec, body)
            .map(|input| {
                input
                    .metric_data_queries
                    .into_iter()
                    .filter_map(|q| q.metric_stat)
                    .flat_map(|stat| stat.metric.dimensions.unwrap_or_default())
                    .filter(|d| d.name == "FunctionName")
                    .map(|d| d.value)
                    .collect()
            })
            .unwrap_or_default(),
        "DescribeAlarms" => codec::decode::<model::DescribeAlarmsInput>(codec, body)
            .ok()
            .and_then(|input| input.alarm_names)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    names.sort();
    names.dedup();
    names.truncate(crate::sandbox::observe::MAX_RESOURCES);
    names
}

/// A `CloudWatch` error reply in `codec`, with the query-compatible `x-amzn-query-error` header
/// (`query_code;Sender` for 4xx, `;Receiver` for 5xx), e.g. `Throttling` / 400.
pub fn error(codec: Codec, query_code: &str, message: &str, status: u16) -> Reply {
    codec::error(codec, query_code, message, status)
}
