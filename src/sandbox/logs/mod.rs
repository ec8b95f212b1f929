//! Simulated `CloudWatch` Logs: log groups and streams named as Lambda names them
//! (`YYYY/MM/DD/[<version>]<id>`), and `FilterLogEvents` over awsJson1.1 (`events`, with the
//! filter patterns of [`filter`]).
//!
//! Events are kept for a retention window of simulated time: each append prunes its own stream,
//! and every few thousand appends a sweep prunes every stream and drops empty streams and
//! groups, so memory stays bounded however long the simulation runs.

mod events;
pub mod filter;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use crate::sandbox::wire::Reply;

const SWEEP_EVERY: u64 = 4096;

/// One log event.
#[derive(Debug, Clone)]
struct Event {
    timestamp: i64,
    ingestion: i64,
    id: u64,
    message: String,
}

#[derive(Debug, Default)]
struct Stream {
    /// Sorted by (timestamp, id).
    events: VecDeque<Event>,
}

#[derive(Debug, Default)]
struct Group {
    streams: BTreeMap<String, Stream>,
}

/// All simulated log groups of one sandbox.
#[derive(Debug)]
pub struct Logs {
    retention_ms: i64,
    latest_ms: i64,
    next_id: u64,
    groups: BTreeMap<String, Group>,
}

impl Default for Logs {
    /// A store keeping one simulated day of events.
    fn default() -> Self {
        Self::new(86_400)
    }
}

impl Logs {
    /// An empty store keeping events for `retention_secs` of simulated time.
    pub fn new(retention_secs: u64) -> Self {
        let retention_ms = i64::try_from(retention_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        Self {
            retention_ms,
            latest_ms: i64::MIN,
            next_id: 0,
            groups: BTreeMap::new(),
        }
    }

    fn cutoff(&self) -> i64 {
        self.latest_ms.saturating_sub(self.retention_ms)
    }

    /// Appends one event (creating the group and stream if needed).
    pub fn append(&mut self, group: &str, stream: &str, timestamp_ms: i64, message: String) {
        self.latest_ms = self.latest_ms.max(timestamp_ms);
        let cutoff = self.cutoff();
        if timestamp_ms < cutoff {
            return;
        }
        self.next_id += 1;
        let event = Event {
            timestamp: timestamp_ms,
            ingestion: self.latest_ms,
            id: self.next_id,
            message,
        };
        let events = &mut self
            .groups
            .entry(group.to_owned())
            .or_default()
            .streams
            .entry(stream.to_owned())
            .or_default()
            .events;
        if events
            .back()
            .is_none_or(|last| last.timestamp <= timestamp_ms)
        {
            events.push_back(event);
        } else {
            let at = events.partition_point(|e| e.timestamp <= timestamp_ms);
            events.insert(at, event);
        }
        while events.front().is_some_and(|e| e.timestamp < cutoff) {
            events.pop_front();
        }
        if self.next_id % SWEEP_EVERY == 0 {
            self.prune();
        }
    }

    /// Drops events outside the retention window, and empty streams and groups.
    pub fn prune(&mut self) {
        let cutoff = self.cutoff();
        self.groups.retain(|_, g| {
            g.streams.retain(|_, s| {
                while s.events.front().is_some_and(|e| e.timestamp < cutoff) {
                    s.events.pop_front();
                }
                !s.events.is_empty()
            });
            !g.streams.is_empty()
        });
    }

    /// Number of stored events (to check that memory stays bounded).
    pub fn event_count(&self) -> usize {
        self.groups
            .values()
            .flat_map(|g| g.streams.values())
            .map(|s| s.events.len())
            .sum()
    }

    /// Handles one Logs API request (`X-Amz-Target: Logs_20140328.<operation>`) at simulated
    /// time `now` (epoch seconds).
    pub fn handle(&mut self, operation: &str, body: &[u8], now: f64) -> Reply {
        let _ = now;
        match operation {
            "FilterLogEvents" => events::filter_log_events(self, body),
            _ => error(
                "UnknownOperationException",
                &format!("The operation {operation} is not supported by the sandbox."),
                400,
            ),
        }
    }
}

/// The operations [`Logs::handle`] implements (anything else is `UnknownOperationException`).
pub const OPERATIONS: &[&str] = &["FilterLogEvents"];

/// Success headers of awsJson1.1.
fn json_reply(body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        headers: vec![(
            "Content-Type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        )],
        body,
    }
}

/// An awsJson1.1 error reply with `__type` in the body, e.g. `ThrottlingException` / 400.
pub fn error(code: &str, message: &str, status: u16) -> Reply {
    let body = serde_json::json!({"__type": code, "message": message})
        .to_string()
        .into_bytes();
    Reply {
        status,
        ..json_reply(body)
    }
}
