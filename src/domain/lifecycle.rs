//! The deployment target of a Lambda deployment: its lifecycle events (hooks and the traffic
//! shift) and CodeDeploy's recorded target weight.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::deployment::FunctionTarget;

/// Status of a lifecycle event or a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum EventStatus {
    Pending,
    InProgress,
    Succeeded,
    Failed,
    Skipped,
    Ready,
    Unknown(String),
}

impl EventStatus {
    /// Parses the API's spelling.
    pub fn parse(s: &str) -> Self {
        match s {
            "Pending" => Self::Pending,
            "InProgress" => Self::InProgress,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Skipped" => Self::Skipped,
            "Ready" => Self::Ready,
            other => Self::Unknown(other.to_string()),
        }
    }
}

/// How long CodeDeploy waits for a hook to report its status before failing the event.
pub const HOOK_TIME_LIMIT: Duration = Duration::hours(1);

/// One lifecycle event (`BeforeAllowTraffic`, `AllowTraffic`, `AfterAllowTraffic`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LifecycleEvent {
    pub name: String,
    pub status: EventStatus,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// Diagnostics of a failed event: error code, script name, message, log tail.
    pub diagnostics: Option<String>,
}

impl LifecycleEvent {
    /// Whether this is a scriptable hook (as opposed to AllowTraffic itself).
    pub fn is_hook(&self) -> bool {
        self.name == "BeforeAllowTraffic" || self.name == "AfterAllowTraffic"
    }

    /// Time spent so far (running) or in total (finished).
    pub fn elapsed(&self, now: DateTime<Utc>) -> Option<Duration> {
        let start = self.start?;
        Some(self.end.unwrap_or(now) - start)
    }
}

/// `LambdaTarget` of a deployment: what it moves, CodeDeploy's view of the weight, the events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LambdaTarget {
    pub target_id: String,
    pub status: EventStatus,
    pub function: FunctionTarget,
    /// CodeDeploy's `targetVersionWeight`, normalized to 0.0–1.0. Its record, not the alias.
    pub recorded_weight: f64,
    pub last_updated: Option<DateTime<Utc>>,
    pub events: Vec<LifecycleEvent>,
}

impl LambdaTarget {
    /// The event of that name, if CodeDeploy listed it.
    pub fn event(&self, name: &str) -> Option<&LifecycleEvent> {
        self.events.iter().find(|e| e.name == name)
    }

    /// When AllowTraffic started (t0 of the traffic plan): its start time, else the end of
    /// BeforeAllowTraffic when that hook succeeded and AllowTraffic has not been listed yet.
    pub fn traffic_start(&self) -> Option<DateTime<Utc>> {
        if let Some(start) = self.event("AllowTraffic").and_then(|e| e.start) {
            return Some(start);
        }
        self.event("BeforeAllowTraffic")
            .filter(|e| e.status == EventStatus::Succeeded)
            .and_then(|e| e.end)
    }

    /// The hook currently waiting, if any.
    pub fn running_hook(&self) -> Option<&LifecycleEvent> {
        self.events
            .iter()
            .find(|e| e.is_hook() && e.status == EventStatus::InProgress)
    }
}
