//! Observability for tests and benchmarks: the ground-truth event log (every weight, alarm, hook
//! and status change, every change made through the API and every fault rule set, with
//! simulated and wall-clock time), the log of every call answered (when, who, what, how it
//! ended, which fault answered it) and per-operation call statistics.
//!
//! The statistics are keyed by (service, operation), and an operation name can come from the
//! request (an arbitrary `X-Amz-Target`), so the server counts operations a service does not
//! know under one [`UNKNOWN_OPERATION`] entry per service, and [`Observer::call`] itself never
//! holds more than [`MAX_OPERATIONS`] entries: past that, new names fold into that entry too.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;
use serde_json::{Value, json};

/// How many ground-truth events are kept (oldest dropped first).
const MAX_EVENTS: usize = 50_000;

/// How many answered calls the call log keeps (oldest dropped first): a 100-deployment stack
/// answers about 15 calls a second, so this is over three hours of it.
const MAX_CALLS: usize = 200_000;

/// The operation name calls to unknown operations are counted under.
pub const UNKNOWN_OPERATION: &str = "unknown";

/// Most (service, operation) entries the statistics hold.
pub const MAX_OPERATIONS: usize = 512;

/// One ground-truth event.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub seq: u64,
    /// Simulated epoch seconds.
    pub sim_time: f64,
    /// Real (wall-clock) epoch seconds.
    pub wall_time: f64,
    /// `weight`, `deployment_status`, `lifecycle_event`, `hook_invoked`, `alarm_state`,
    /// `rollback_created`, `clock`, `scenario`, `api_change` (a mutating call the service
    /// answered successfully: `service`, `operation`, `caller`, `path`), `faults_set`,
    /// `traffic_plan` (when `AllowTraffic` starts: each shift's time and percent and
    /// `allow_traffic_ends_at`, from the deployment's config).
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    pub detail: Value,
}

/// One answered call, as the caller saw it end.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    pub seq: u64,
    /// Simulated epoch seconds when it was answered (after any injected latency).
    pub sim_time: f64,
    /// Real (wall-clock) epoch seconds when it was answered.
    pub wall_time: f64,
    pub service: String,
    pub operation: String,
    /// The access key ID that signed it, if it was signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// The HTTP status answered (an injected reset is recorded as 500).
    pub status: u16,
    /// The injected fault that answered it instead of the service (`throttle`, `error5xx`,
    /// `reset`, `deny`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// What it read or changed, where the request names it: the function of a Lambda path,
    /// the deployment ids of a CodeDeploy request (at most [`MAX_RESOURCES`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
}

/// Most resources one call record names.
pub const MAX_RESOURCES: usize = 100;

/// What a request names, for the call log: the function of a Lambda REST path
/// (`/2015-03-31/functions/NAME/...`), the `deploymentId`/`deploymentIds` of a CodeDeploy
/// JSON body. Anything else names nothing.
pub fn resources(service: &str, path: &str, body: &[u8]) -> Vec<String> {
    match service {
        "lambda" => path
            .split('/')
            .skip_while(|segment| *segment != "functions")
            .nth(1)
            .filter(|name| !name.is_empty())
            .map(|name| vec![name.to_owned()])
            .unwrap_or_default(),
        "codedeploy" => {
            let Ok(Value::Object(input)) = serde_json::from_slice::<Value>(body) else {
                return Vec::new();
            };
            let one = input.get("deploymentId").and_then(Value::as_str);
            let many = input
                .get("deploymentIds")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            one.into_iter()
                .chain(many)
                .take(MAX_RESOURCES)
                .map(str::to_owned)
                .collect()
        }
        _ => Vec::new(),
    }
}

impl CallRecord {
    /// Whether the service answered it successfully.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Calls to one operation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpStats {
    pub calls: u64,
    pub mutating: bool,
    pub faults: u64,
}

/// The event log and call statistics.
#[derive(Debug, Default)]
pub struct Observer {
    events: VecDeque<Event>,
    next_seq: u64,
    calls: VecDeque<CallRecord>,
    next_call: u64,
    ops: BTreeMap<(String, String), OpStats>,
    /// Calls per access key ID and operation (who called: each account's own credentials).
    callers: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Real epoch seconds.
fn wall_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Access keys recorded one by one; more are counted under "(other)".
const MAX_CALLERS: usize = 16;

/// Whether an operation name changes state (anything but Get/List/Describe/BatchGet/Filter).
pub fn is_mutating(operation: &str) -> bool {
    !["Get", "List", "Describe", "BatchGet", "Filter"]
        .iter()
        .any(|p| operation.starts_with(p))
}

impl Observer {
    /// Records a ground-truth event at simulated time `sim_time`.
    pub fn event(
        &mut self,
        sim_time: f64,
        kind: &'static str,
        deployment_id: Option<&str>,
        function: Option<&str>,
        detail: Value,
    ) {
        let wall_time = wall_now();
        self.events.push_back(Event {
            seq: self.next_seq,
            sim_time,
            wall_time,
            kind,
            deployment_id: deployment_id.map(str::to_owned),
            function: function.map(str::to_owned),
            detail,
        });
        self.next_seq += 1;
        while self.events.len() > MAX_EVENTS {
            self.events.pop_front();
        }
    }

    /// Events with `seq >= since`.
    pub fn events_since(&self, since: u64) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.seq >= since)
    }

    /// Logs one answered call (its `seq` and `wall_time` are set here).
    pub fn answered(&mut self, mut call: CallRecord) {
        call.seq = self.next_call;
        call.wall_time = wall_now();
        self.calls.push_back(call);
        self.next_call += 1;
        while self.calls.len() > MAX_CALLS {
            self.calls.pop_front();
        }
    }

    /// Answered calls with `seq >= since`.
    pub fn calls_since(&self, since: u64) -> impl Iterator<Item = &CallRecord> {
        let skip = since.saturating_sub(self.calls.front().map_or(0, |c| c.seq));
        self.calls
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
    }

    /// Counts one call (and whether a fault answered it). A new operation name past
    /// [`MAX_OPERATIONS`] entries is counted under [`UNKNOWN_OPERATION`].
    pub fn call(&mut self, service: &str, operation: &str, faulted: bool) {
        let known = (service.to_owned(), operation.to_owned());
        let key = if self.ops.len() >= MAX_OPERATIONS && !self.ops.contains_key(&known) {
            (known.0, UNKNOWN_OPERATION.to_owned())
        } else {
            known
        };
        let mutating = is_mutating(&key.1);
        let entry = self.ops.entry(key).or_default();
        entry.calls += 1;
        entry.mutating = mutating;
        if faulted {
            entry.faults += 1;
        }
    }

    /// `GET /_sandbox/stats`: totals, then per service and operation.
    /// Records that `access_key` called `operation`.
    pub fn caller(&mut self, access_key: &str, operation: &str) {
        let key = if self.callers.len() >= MAX_CALLERS && !self.callers.contains_key(access_key) {
            "(other)".to_owned()
        } else {
            access_key.to_owned()
        };
        let ops = self.callers.entry(key).or_default();
        let op = if ops.len() >= MAX_OPERATIONS && !ops.contains_key(operation) {
            UNKNOWN_OPERATION
        } else {
            operation
        };
        *ops.entry(op.to_owned()).or_default() += 1;
    }

    pub fn stats_json(&self) -> Value {
        let mut services: BTreeMap<&str, Value> = BTreeMap::new();
        let (mut total, mut total_mutating) = (0u64, 0u64);
        for ((service, op), stats) in &self.ops {
            let entry = services.entry(service.as_str()).or_insert_with(
                || json!({"calls": 0, "mutating": 0, "read": 0, "faults": 0, "operations": {}}),
            );
            let bump = |v: &mut Value, key: &str, n: u64| {
                v[key] = json!(v[key].as_u64().unwrap_or(0) + n);
            };
            bump(entry, "calls", stats.calls);
            bump(
                entry,
                if stats.mutating { "mutating" } else { "read" },
                stats.calls,
            );
            bump(entry, "faults", stats.faults);
            entry["operations"][op.as_str()] = json!(stats);
            total += stats.calls;
            if stats.mutating {
                total_mutating += stats.calls;
            }
        }
        json!({
            "calls": total,
            "mutating": total_mutating,
            "read": total - total_mutating,
            "services": services,
            "callers": self.callers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_split_mutating_and_read_calls() {
        let mut obs = Observer::default();
        obs.call("lambda", "GetAlias", false);
        obs.call("lambda", "UpdateAlias", true);
        let stats = obs.stats_json();
        assert_eq!(stats["calls"], 2);
        assert_eq!(stats["services"]["lambda"]["mutating"], 1);
        assert_eq!(
            stats["services"]["lambda"]["operations"]["UpdateAlias"]["faults"],
            1
        );
    }

    #[test]
    fn the_call_log_keeps_every_answer_in_order_and_stays_bounded() {
        let call = |sim_time: f64, op: &str, status: u16, fault| CallRecord {
            seq: 0,
            sim_time,
            wall_time: 0.0,
            service: "lambda".into(),
            operation: op.into(),
            caller: None,
            status,
            fault,
            resources: vec!["checkout".into()],
        };
        let mut obs = Observer::default();
        obs.answered(call(10.0, "GetAlias", 200, None));
        obs.answered(call(11.0, "GetAlias", 429, Some("throttle")));
        let calls: Vec<_> = obs.calls_since(0).collect();
        assert_eq!(calls.len(), 2);
        assert!(calls[0].succeeded() && !calls[1].succeeded());
        assert_eq!(calls[1].fault, Some("throttle"));
        assert_eq!(obs.calls_since(1).count(), 1);
        for i in 0..MAX_CALLS + 10 {
            obs.answered(call(i as f64, "GetDeployment", 200, None));
        }
        assert_eq!(obs.calls.len(), MAX_CALLS);
        let newest = (MAX_CALLS + 11) as u64;
        assert_eq!(obs.calls_since(newest).next().map(|c| c.seq), Some(newest));
        assert_eq!(obs.calls_since(0).count(), MAX_CALLS, "the oldest are gone");
    }

    #[test]
    fn a_call_names_the_function_or_deployments_it_is_about() {
        assert_eq!(
            resources("lambda", "/2015-03-31/functions/checkout/aliases/live", b""),
            vec!["checkout"]
        );
        assert!(resources("lambda", "/2015-03-31/functions/", b"").is_empty());
        assert_eq!(
            resources(
                "codedeploy",
                "/",
                br#"{"deploymentId":"d-1","targetIds":["checkout"]}"#
            ),
            vec!["d-1"]
        );
        assert_eq!(
            resources("codedeploy", "/", br#"{"deploymentIds":["d-1","d-2"]}"#),
            vec!["d-1", "d-2"]
        );
        let many = format!(
            r#"{{"deploymentIds":[{}]}}"#,
            (0..500)
                .map(|i| format!("\"d-{i}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(
            resources("codedeploy", "/", many.as_bytes()).len(),
            MAX_RESOURCES
        );
        assert!(resources("codedeploy", "/", b"not json").is_empty());
        assert!(resources("cloudwatch", "/", b"{}").is_empty());
    }

    #[test]
    fn the_statistics_never_grow_past_their_bound() {
        let mut obs = Observer::default();
        obs.call("lambda", "GetAlias", false);
        for i in 0..5 * MAX_OPERATIONS {
            obs.call("codedeploy", &format!("Bogus{i}"), false);
        }
        obs.call("lambda", "GetAlias", false);
        assert!(obs.ops.len() <= MAX_OPERATIONS + 1, "{}", obs.ops.len());
        let stats = obs.stats_json();
        assert_eq!(stats["calls"], 5 * MAX_OPERATIONS as u64 + 2);
        assert_eq!(
            stats["services"]["lambda"]["operations"]["GetAlias"]["calls"],
            2
        );
        assert!(
            stats["services"]["codedeploy"]["operations"][UNKNOWN_OPERATION]["calls"].as_u64()
                > Some(0)
        );
    }
}
