//! Simulated CloudWatch: metric store, GetMetricData (with metric math), alarms evaluated with
//! CloudWatch's semantics, and the two wire codecs (Smithy RPC v2 CBOR and awsJson1.0).
//!
//! INTERFACE CONTRACT (used by the server and the simulation; keep these signatures):
//! the bodies below are placeholders to be replaced by the CloudWatch implementation.

use crate::sandbox::wire::Reply;

/// Which wire protocol a CloudWatch request arrived in (the reply uses the same one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Smithy RPC v2 CBOR (the Rust SDK).
    Cbor,
    /// awsJson1.0 with query-compatible errors (the AWS CLI, boto3).
    Json,
}

/// Alarm state, as CloudWatch names it on the wire (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

/// One aggregated observation of a metric at a timestamp (like PutMetricData's StatisticValues),
/// plus raw samples for percentile statistics (may be a bounded subset of all samples).
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub sample_count: f64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub samples: &'a [f64],
}

/// A metric alarm definition (what PutMetricAlarm takes), for scenarios.
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

/// All simulated CloudWatch state of one sandbox.
#[derive(Debug, Default)]
pub struct CloudWatch {}

impl CloudWatch {
    /// An empty store keeping metric data for `retention_secs` of simulated time.
    pub fn new(retention_secs: u64) -> Self {
        let _ = retention_secs;
        Self {}
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
        let _ = (namespace, metric, dimensions, timestamp, observation);
    }

    /// Creates or replaces a metric alarm (state INSUFFICIENT_DATA until evaluated).
    pub fn put_alarm(&mut self, spec: AlarmSpec, now: f64) {
        let _ = (spec, now);
    }

    /// Forces an alarm's state, as SetAlarmState does. Returns false if there is no such alarm.
    pub fn set_alarm_state(&mut self, name: &str, state: AlarmState, reason: &str, now: f64) -> bool {
        let _ = (name, state, reason, now);
        false
    }

    /// Evaluates every metric alarm at simulated time `now`; returns the transitions.
    pub fn evaluate_alarms(&mut self, now: f64) -> Vec<AlarmChange> {
        let _ = now;
        Vec::new()
    }

    /// The current state of an alarm, if it exists.
    pub fn alarm_state(&self, name: &str) -> Option<AlarmState> {
        let _ = name;
        None
    }

    /// Handles one CloudWatch API request (operation name, protocol, raw body already
    /// gunzipped) at simulated time `now`, returning the wire reply in the same protocol.
    pub fn handle(&mut self, operation: &str, codec: Codec, body: &[u8], now: f64) -> Reply {
        let _ = (body, now);
        error(codec, "UnknownOperation", &format!("unknown operation {operation}"), 400)
    }
}

/// A CloudWatch error reply in `codec`, with the query-compatible `x-amzn-query-error` header
/// (`query_code;Sender` for 4xx, `;Receiver` for 5xx), e.g. `Throttling` / 400.
pub fn error(codec: Codec, query_code: &str, message: &str, status: u16) -> Reply {
    let _ = (codec, query_code, message);
    Reply { status, headers: Vec::new(), body: Vec::new() }
}
