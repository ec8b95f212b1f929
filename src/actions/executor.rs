//! The executor: runs a confirmed action step by step (see [`super::steps`]), at most one per
//! deployment at a time — a second request while one is in flight does nothing — and appends
//! every attempt (done, failed, refused, cancelled) to the audit log: an attempt line, synced,
//! before the first mutating call (nothing is sent if it cannot be written), the outcome line
//! after. An audit write failure is part of the [`Report`], to be shown.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use super::audit::{AuditLog, AuditRecord, Outcome};
use super::follow::Follow;
use super::prepare::{Confirmed, Prepared};
use super::promote::promote;
use super::record::Recorder;
use super::steps::run_steps;
use crate::aws::DeploymentWriter;
use crate::domain::{Action, Failure};

/// What an attempt came to.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcome: Outcome,
    /// For the message line.
    pub message: String,
    /// The failure that ended it, if any (with its hint).
    pub failure: Option<Failure>,
    /// The audit line (also when it could not be written).
    pub record: Option<AuditRecord>,
    /// Set when the audit line could not be written: show it.
    pub audit_error: Option<String>,
}

/// Runs actions; clone it freely (the in-flight set is shared).
#[derive(Clone)]
pub struct Executor {
    audit: AuditLog,
    follow: Follow,
    in_flight: Arc<Mutex<HashSet<String>>>,
}

/// Removes the deployment from the in-flight set when the action ends (even by panic or drop).
struct InFlight {
    set: Arc<Mutex<HashSet<String>>>,
    id: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.set).remove(&self.id);
    }
}

fn lock(m: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Executor {
    pub fn new(audit: AuditLog, follow: Follow) -> Self {
        Self {
            audit,
            follow,
            in_flight: Arc::default(),
        }
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// Whether an action is running for `deployment_id` (the front end ignores the key then).
    pub fn is_busy(&self, deployment_id: &str) -> bool {
        lock(&self.in_flight).contains(deployment_id)
    }

    /// Records an attempt that was refused or whose confirmation was declined; sends nothing.
    pub fn record_unconfirmed(&self, prepared: &Prepared) -> Report {
        let (outcome, message) = match &prepared.action {
            Err(reason) => (Outcome::Refused, format!("refused: {reason}")),
            Ok(action) => (
                Outcome::Cancelled,
                format!("cancelled at the confirmation: {} not sent", action.label()),
            ),
        };
        let calls = prepared.calls.clone();
        self.finish(prepared, calls, outcome, message, None)
    }

    /// Runs a confirmed action to its end state, recording every call.
    pub async fn run<W: DeploymentWriter>(
        &self,
        writer: &W,
        confirmed: Confirmed,
        progress: Option<UnboundedSender<String>>,
    ) -> Report {
        let Confirmed(prepared) = confirmed;
        let id = prepared.deployment.id.clone();
        let guard = {
            let mut set = lock(&self.in_flight);
            if !set.insert(id.clone()) {
                return Report {
                    outcome: Outcome::Busy,
                    message: format!("an action is already running for {id}: nothing done"),
                    failure: None,
                    record: None,
                    audit_error: None,
                };
            }
            InFlight {
                set: self.in_flight.clone(),
                id,
            }
        };
        let Ok(action) = &prepared.action else {
            drop(guard);
            return self.record_unconfirmed(&prepared);
        };
        // Audit first: the attempt is on disk before anything is sent, or nothing is sent.
        let attempt_id = attempt_id(&prepared);
        let attempt = record(
            &prepared,
            Some(attempt_id.clone()),
            prepared.calls.clone(),
            Outcome::Attempted,
            format!("sending {}: the outcome follows", action.label()),
        );
        if let Err(e) = self.audit.append(&attempt) {
            return Report {
                outcome: Outcome::Refused,
                message: format!(
                    "{} not sent: the attempt could not be recorded first",
                    action.label()
                ),
                failure: None,
                record: Some(attempt),
                audit_error: Some(e),
            };
        }
        let mut rec = Recorder::new(progress).with_calls(prepared.calls.clone());
        let result = match action {
            Action::PromoteNow => {
                Box::pin(promote(writer, &prepared, &mut rec, &self.follow)).await
            }
            _ => Box::pin(run_steps(writer, &prepared, action, &mut rec, &self.follow)).await,
        };
        drop(guard);
        let (outcome, message, failure) = match result {
            Ok(message) => (Outcome::Done, message, None),
            Err((message, failure)) => (Outcome::Failed, message, failure),
        };
        rec.note(message.clone());
        let record = record(
            &prepared,
            Some(attempt_id),
            rec.into_calls(),
            outcome,
            message,
        );
        self.report(record, failure)
    }

    fn finish(
        &self,
        prepared: &Prepared,
        calls: Vec<super::audit::CallRecord>,
        outcome: Outcome,
        message: String,
        failure: Option<Failure>,
    ) -> Report {
        let record = record(prepared, None, calls, outcome, message);
        self.report(record, failure)
    }

    /// Writes `record` and reports it.
    fn report(&self, record: AuditRecord, failure: Option<Failure>) -> Report {
        let audit_error = self.audit.append(&record).err();
        Report {
            outcome: record.outcome,
            message: record.message.clone(),
            failure,
            record: Some(record),
            audit_error,
        }
    }
}

/// The audit line of an attempt.
fn record(
    prepared: &Prepared,
    attempt_id: Option<String>,
    calls: Vec<super::audit::CallRecord>,
    outcome: Outcome,
    message: String,
) -> AuditRecord {
    AuditRecord {
        attempt_id,
        time: prepared.started_at,
        caller_arn: prepared.caller.as_ref().map(|c| c.arn.clone()),
        account: prepared.caller.as_ref().map(|c| c.account.clone()),
        initiator: prepared.context.initiator.clone(),
        profile: prepared.context.profile.clone(),
        region: prepared.context.region.clone(),
        deployment_id: prepared.deployment.id.clone(),
        subject: prepared.deployment.subject(),
        action: prepared.command.to_string(),
        variant: prepared
            .action
            .as_ref()
            .ok()
            .and_then(Action::variant)
            .map(str::to_string),
        weights_before: prepared.weights_before.as_ref().map(Into::into),
        calls,
        outcome,
        message,
    }
}

/// A unique id pairing an attempt line with its outcome line.
fn attempt_id(prepared: &Prepared) -> String {
    format!(
        "{}-{}-{:08x}",
        prepared.deployment.id,
        prepared.started_at.timestamp_millis(),
        rand::random::<u32>()
    )
}
