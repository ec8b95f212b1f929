//! Simulated CloudWatch Logs: log groups and streams named as Lambda names them, and
//! FilterLogEvents over awsJson1.1.
//!
//! INTERFACE CONTRACT (used by the server and the simulation; keep these signatures):
//! the bodies below are placeholders to be replaced by the Logs implementation.

use crate::sandbox::wire::Reply;

/// All simulated log groups of one sandbox.
#[derive(Debug, Default)]
pub struct Logs {}

impl Logs {
    /// An empty store keeping events for `retention_secs` of simulated time.
    pub fn new(retention_secs: u64) -> Self {
        let _ = retention_secs;
        Self {}
    }

    /// Appends one event (creating the group and stream if needed).
    pub fn append(&mut self, group: &str, stream: &str, timestamp_ms: i64, message: String) {
        let _ = (group, stream, timestamp_ms, message);
    }

    /// Handles one Logs API request (`X-Amz-Target: Logs_20140328.<operation>`) at simulated
    /// time `now` (epoch seconds).
    pub fn handle(&mut self, operation: &str, body: &[u8], now: f64) -> Reply {
        let _ = (body, now);
        error("UnknownOperationException", &format!("unknown operation {operation}"), 400)
    }
}

/// An awsJson1.1 error reply with `__type` in the body, e.g. `ThrottlingException` / 400.
pub fn error(code: &str, message: &str, status: u16) -> Reply {
    let _ = (code, message);
    Reply { status, headers: Vec::new(), body: Vec::new() }
}
