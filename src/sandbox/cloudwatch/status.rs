//! The state part every alarm (metric or composite) carries: value, reason, reason data and the
//! two timestamps `CloudWatch` distinguishes — `StateUpdatedTimestamp` (any state update) and
//! `StateTransitionedTimestamp` (only when the value changes) — and the one place that applies
//! a state update, records its history item and reports the transition.

use super::history::{History, StateUpdate};
use super::{AlarmChange, AlarmState};

/// The current state of one alarm.
#[derive(Debug, Clone)]
pub struct Status {
    pub state: AlarmState,
    pub reason: String,
    pub reason_data: Option<String>,
    pub updated: f64,
    pub transitioned: f64,
}

/// A state update to apply.
pub struct Update<'a> {
    pub alarm: &'a str,
    /// `MetricAlarm` or `CompositeAlarm`.
    pub kind: &'static str,
    pub to: AlarmState,
    pub reason: String,
    pub reason_data: Option<String>,
    pub at: f64,
}

impl Status {
    /// A new alarm's state: `INSUFFICIENT_DATA`, "Unchecked: Initial alarm creation".
    pub fn initial(now: f64) -> Self {
        Self {
            state: AlarmState::InsufficientData,
            reason: "Unchecked: Initial alarm creation".to_owned(),
            reason_data: None,
            updated: now,
            transitioned: now,
        }
    }

    /// Applies `u` (recording a `StateUpdate` history item); returns the transition when the
    /// state value changed.
    pub fn apply(&mut self, u: Update<'_>, history: &mut History) -> Option<AlarmChange> {
        history.state_update(&StateUpdate {
            alarm: u.alarm,
            kind: u.kind,
            from: (self.state, &self.reason),
            to: (u.to, &u.reason),
            reason_data: u.reason_data.as_deref(),
            at: u.at,
        });
        let from = self.state;
        self.state = u.to;
        self.updated = u.at;
        self.reason_data = u.reason_data;
        if from == u.to {
            self.reason = u.reason;
            return None;
        }
        self.transitioned = u.at;
        self.reason.clone_from(&u.reason);
        Some(AlarmChange {
            name: u.alarm.to_owned(),
            from,
            to: u.to,
            reason: u.reason,
            at: u.at,
        })
    }
}
