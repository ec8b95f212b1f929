//! Recording AWS calls as an action makes them: each call with its request, its response or its
//! classified error, for the audit line; and one progress line per call for the front end.

use std::future::Future;

use chrono::Utc;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::audit::{AuditError, CallRecord};
use crate::domain::Failure;

/// The calls of one action so far.
#[derive(Debug, Default)]
pub struct Recorder {
    calls: Vec<CallRecord>,
    progress: Option<UnboundedSender<String>>,
}

impl Recorder {
    /// A recorder that also sends a progress line per call to `progress`.
    pub fn new(progress: Option<UnboundedSender<String>>) -> Self {
        Self {
            calls: Vec::new(),
            progress,
        }
    }

    /// Starts from calls made earlier (while preparing).
    pub fn with_calls(mut self, calls: Vec<CallRecord>) -> Self {
        self.calls = calls;
        self
    }

    /// Makes the call `fut` named `name` (`codedeploy:StopDeployment`) and records it.
    pub async fn call<T, F>(
        &mut self,
        name: &str,
        request: Value,
        fut: F,
        describe: impl FnOnce(&T) -> Value,
    ) -> Result<T, Failure>
    where
        F: Future<Output = Result<T, Failure>>,
    {
        let at = Utc::now();
        let result = fut.await;
        let (response, error) = match &result {
            Ok(v) => (describe(v), None),
            Err(f) => (Value::Null, Some(AuditError::from(f))),
        };
        self.note(match &error {
            Some(e) => format!("{name} failed: {} — {}", e.message, e.hint),
            None => format!("{name} ok"),
        });
        self.calls.push(CallRecord {
            at,
            call: name.to_string(),
            request,
            response,
            error,
        });
        result
    }

    /// Makes a polling call and records it only when `changed` says the answer is news (or it
    /// failed), so a long follow leaves a short audit line.
    pub async fn poll<T, F>(
        &mut self,
        name: &str,
        request: Value,
        fut: F,
        describe: impl FnOnce(&T) -> Value,
        changed: impl FnOnce(&T) -> bool,
    ) -> Result<T, Failure>
    where
        F: Future<Output = Result<T, Failure>>,
    {
        let at = Utc::now();
        let result = fut.await;
        match &result {
            Ok(v) if changed(v) => {
                let response = describe(v);
                self.note(format!("{name}: {response}"));
                self.calls.push(CallRecord {
                    at,
                    call: name.to_string(),
                    request,
                    response,
                    error: None,
                });
            }
            Ok(_) => {}
            Err(f) => {
                self.note(format!("{name} failed: {}", f.message));
                self.calls.push(CallRecord {
                    at,
                    call: name.to_string(),
                    request,
                    response: Value::Null,
                    error: Some(AuditError::from(f)),
                });
            }
        }
        result
    }

    /// A progress line (not a call).
    pub fn note(&self, line: String) {
        if let Some(tx) = &self.progress {
            let _ = tx.send(line);
        }
    }

    pub fn into_calls(self) -> Vec<CallRecord> {
        self.calls
    }
}
