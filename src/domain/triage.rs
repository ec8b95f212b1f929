//! Triage: how urgent a deployment is, so the table puts what needs a person first (verdict
//! FAIL, an alarm in ALARM, a hook waiting for its verdict, a stopped deployment that left its
//! alias split, then the rest by progress), and what the deployments of one application — a
//! CloudFormation stack's functions, deployed by one `sam deploy` — add up to on one line.

use chrono::{DateTime, Utc};

use super::{AlarmState, DeploymentStatus, DeploymentView, Judgement, normalize_pct, running_hook};

/// How urgent a deployment is, most urgent first (the derived order is the table's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// The canary verdict is FAIL.
    VerdictFail,
    /// An alarm the group watches is in ALARM.
    Alarm,
    /// A lifecycle hook is running (waiting for its verdict).
    HookWaiting,
    /// Stopped without rollback: the alias stays split until someone resolves it.
    SplitAlias,
    /// Shifting or waiting: the further along (in tenths of a percent), the sooner it ends.
    Progress { remaining_permille: u32 },
}

/// The urgency of `view`.
pub fn urgency(view: &DeploymentView) -> Urgency {
    if view
        .verdict
        .as_ref()
        .is_some_and(|v| v.overall == Judgement::Fail)
    {
        return Urgency::VerdictFail;
    }
    if view.alarm_list().any(|a| a.state == AlarmState::Alarm) {
        return Urgency::Alarm;
    }
    if running_hook(view).is_some() {
        return Urgency::HookWaiting;
    }
    let split = view
        .alias
        .value()
        .is_some_and(|a| a.additional.iter().any(|(_, w)| *w > 0.0));
    if view.deployment.status == DeploymentStatus::Stopped && split {
        return Urgency::SplitAlias;
    }
    let weight = view.weight.map_or(0.0, |w| w.weight).clamp(0.0, 1.0);
    Urgency::Progress {
        remaining_permille: ((1.0 - weight) * 1000.0).round() as u32,
    }
}

/// What the active deployments of one application add up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupSummary {
    pub deployments: usize,
    /// How many deployments show each new-version weight (percent, rounded), lowest first;
    /// deployments whose weight is unknown are not counted here.
    pub weights: Vec<(u32, usize)>,
    pub verdict_fail: usize,
    pub in_alarm: usize,
    pub hooks_waiting: usize,
    /// When the last of them is expected to finish shifting.
    pub slowest_eta: Option<DateTime<Utc>>,
    /// The most urgent member's urgency (where the group sorts).
    pub urgency: Option<Urgency>,
}

impl GroupSummary {
    /// The summary of `members`.
    pub fn of<'a>(members: impl IntoIterator<Item = &'a DeploymentView>) -> Self {
        let mut out = Self::default();
        for view in members {
            out.deployments += 1;
            let urgency = urgency(view);
            out.urgency = Some(out.urgency.map_or(urgency, |u| u.min(urgency)));
            out.verdict_fail += usize::from(urgency == Urgency::VerdictFail);
            out.in_alarm += usize::from(view.alarm_list().any(|a| a.state == AlarmState::Alarm));
            out.hooks_waiting += usize::from(running_hook(view).is_some());
            if let Some(w) = view.weight {
                let pct = (w.weight * 100.0).round() as u32;
                match out.weights.iter_mut().find(|(p, _)| *p == pct) {
                    Some((_, n)) => *n += 1,
                    None => out.weights.push((pct, 1)),
                }
            }
            if let Some(eta) = view.schedule.as_ref().map(|s| s.eta) {
                out.slowest_eta = Some(out.slowest_eta.map_or(eta, |e| e.max(eta)));
            }
        }
        out.weights.sort_unstable();
        out
    }

    /// `10% ×30 · 20% ×10`.
    pub fn weights_text(&self) -> String {
        self.weights
            .iter()
            .map(|(pct, n)| format!("{} ×{n}", normalize_pct(f64::from(*pct) / 100.0)))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// `2 FAIL · 1 ALARM · 4 hooks waiting`, or empty when none.
    pub fn attention_text(&self) -> String {
        let mut parts = Vec::new();
        if self.verdict_fail > 0 {
            parts.push(format!("{} FAIL", self.verdict_fail));
        }
        if self.in_alarm > 0 {
            parts.push(format!("{} ALARM", self.in_alarm));
        }
        if self.hooks_waiting > 0 {
            parts.push(format!("{} hook(s) waiting", self.hooks_waiting));
        }
        parts.join(" · ")
    }
}
