//! The event log of a watch session: two successive pictures compared into timestamped
//! transitions a person cares about — a deployment appearing or finishing, a status change,
//! the live alias weight moving, an alarm flipping, a lifecycle hook changing status. Pure: the
//! timestamps are the newer picture's `taken_at` (the service's clock).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    AlarmState, DeploymentError, DeploymentStatus, EventStatus, Judgement, Picture, Source,
    TargetWeight, WeightSource, normalize_pct,
};

/// What kind of transition an event records (for colouring and filtering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// A deployment became visible (appeared in the active list).
    Appeared,
    /// CodeDeploy's status changed (including finishing).
    Status,
    /// The target version's weight changed (live alias, or CodeDeploy's record read after it).
    Weight,
    /// An alarm changed state.
    Alarm,
    /// A lifecycle event (hook or AllowTraffic) changed status.
    Hook,
}

/// What happened, with its fields: the meaning travels as data and becomes words only in
/// [`TimelineEvent::text`] (`watch --json` carries both: `change` and `text`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// A deployment became visible.
    Appeared {
        subject: String,
        status: DeploymentStatus,
        config: String,
        /// The new version's weight, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        weight: Option<TargetWeight>,
    },
    /// CodeDeploy's status changed while the deployment is listed.
    Status {
        from: DeploymentStatus,
        to: DeploymentStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<DeploymentError>,
    },
    /// The new version's weight moved (`from` is absent on the first reading).
    Weight {
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<f64>,
        to: TargetWeight,
    },
    /// An alarm the deployment watches changed state.
    Alarm {
        alarm: String,
        from: AlarmState,
        to: AlarmState,
    },
    /// A lifecycle event (hook or AllowTraffic) changed status.
    Hook {
        event: String,
        from: EventStatus,
        to: EventStatus,
    },
    /// The deployment ended: its record says how (seen as it left the active list, or while
    /// still shown there).
    Finished {
        from: DeploymentStatus,
        to: DeploymentStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        rolled_back_by: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<DeploymentError>,
    },
    /// A stopped deployment that left its alias split, now superseded by a later one.
    Superseded { status: DeploymentStatus },
    /// The deployment left the active list; its finished record is not known (yet).
    Unlisted,
    /// An alias split outside any deployment is no longer: whole again, or now a deployment's.
    SplitEnded,
    /// A deployment started and finished between two looks (never seen active).
    RanBetween {
        subject: String,
        config: String,
        status: DeploymentStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        rolled_back_by: Option<String>,
    },
    /// The canary verdict changed (`watch`).
    Verdict {
        judgement: Judgement,
        headline: String,
    },
    /// A line of the front end's own about the deployment (an action's progress or result).
    Note { text: String },
}

/// One transition, seen when the newer picture was taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    pub at: DateTime<Utc>,
    pub deployment_id: String,
    pub change: Change,
}

impl TimelineEvent {
    /// The kind of transition (for colouring and filtering).
    pub fn kind(&self) -> TimelineKind {
        match &self.change {
            Change::Appeared { .. } => TimelineKind::Appeared,
            Change::Weight { .. } => TimelineKind::Weight,
            Change::Alarm { .. } => TimelineKind::Alarm,
            Change::Hook { .. } => TimelineKind::Hook,
            Change::Status { .. }
            | Change::Finished { .. }
            | Change::Superseded { .. }
            | Change::Unlisted
            | Change::SplitEnded
            | Change::RanBetween { .. }
            | Change::Verdict { .. }
            | Change::Note { .. } => TimelineKind::Status,
        }
    }

    /// The new weight, with its source (weight events, and a deployment appearing).
    pub fn weight(&self) -> Option<TargetWeight> {
        match &self.change {
            Change::Appeared { weight, .. } => *weight,
            Change::Weight { to, .. } => Some(*to),
            _ => None,
        }
    }

    /// The new status (status events, including finishing).
    pub fn status(&self) -> Option<&DeploymentStatus> {
        match &self.change {
            Change::Appeared { status, .. }
            | Change::Status { to: status, .. }
            | Change::Finished { to: status, .. }
            | Change::Superseded { status }
            | Change::RanBetween { status, .. } => Some(status),
            _ => None,
        }
    }

    /// The event in words, as the event log and `watch` print it.
    pub fn text(&self) -> String {
        let why = |error: &Option<DeploymentError>| {
            error
                .as_ref()
                .map_or_else(String::new, |e| format!(": {} {}", e.code, e.message))
        };
        let rolled_back = |by: &Option<String>| {
            by.as_ref()
                .map_or_else(String::new, |r| format!(", rolled back by {r}"))
        };
        match &self.change {
            Change::Appeared {
                subject,
                status,
                config,
                weight,
            } => {
                let weight = weight.map_or_else(String::new, |w| {
                    format!(
                        ", new version at {}{}",
                        normalize_pct(w.weight),
                        source_note(w.source)
                    )
                });
                format!("{subject} {} ({config}){weight}", status.as_str())
            }
            Change::Status { from, to, error } => {
                format!("status {} → {}{}", from.as_str(), to.as_str(), why(error))
            }
            Change::Weight {
                from: Some(from),
                to,
            } => format!(
                "new version weight {} → {}{}",
                normalize_pct(*from),
                normalize_pct(to.weight),
                source_note(to.source)
            ),
            Change::Weight { from: None, to } => format!(
                "new version weight first read: {}{}",
                normalize_pct(to.weight),
                source_note(to.source)
            ),
            Change::Alarm { alarm, from, to } => {
                format!("alarm {alarm} {} → {}", from.as_str(), to.as_str())
            }
            Change::Hook { event, from, to } => format!("{event} {from:?} → {to:?}"),
            Change::Finished {
                from,
                to,
                rolled_back_by,
                error,
            } => format!(
                "finished: {} → {}{}{}",
                from.as_str(),
                to.as_str(),
                rolled_back(rolled_back_by),
                why(error)
            ),
            Change::Superseded { status } => format!(
                "no longer watched: {}, a later deployment superseded it",
                status.as_str()
            ),
            Change::Unlisted => "no longer listed as active".to_string(),
            Change::SplitEnded => {
                "split ended: the alias is whole again (or a deployment now moves it)".to_string()
            }
            Change::RanBetween {
                subject,
                config,
                status,
                rolled_back_by,
            } => format!(
                "started and finished between two looks: {subject} ({config}) {}{}",
                status.as_str(),
                rolled_back(rolled_back_by)
            ),
            Change::Verdict { headline, .. } => format!("verdict {headline}"),
            Change::Note { text } => text.clone(),
        }
    }
}

/// The transitions between `old` (None at start-up) and `new`, in a stable order.
pub fn timeline_diff(old: Option<&Picture>, new: &Picture) -> Vec<TimelineEvent> {
    let at = new.taken_at;
    let mut out = Vec::new();
    for view in new.regions.iter().flat_map(|r| &r.deployments) {
        let id = &view.deployment.id;
        let previous = old.and_then(|p| p.view(id));
        let mut push = |change| {
            out.push(TimelineEvent {
                at,
                deployment_id: id.clone(),
                change,
            });
        };
        let Some(prev) = previous else {
            push(Change::Appeared {
                subject: view.deployment.subject(),
                status: view.deployment.status.clone(),
                config: view.deployment.config_name.clone(),
                weight: view.weight,
            });
            continue;
        };
        if prev.deployment.status.is_active() && !view.deployment.status.is_active() {
            // It ended while still shown among the active ones (held there until the alarms
            // were read after its end, or left split by a stop): said once, here.
            push(Change::Finished {
                from: prev.deployment.status.clone(),
                to: view.deployment.status.clone(),
                rolled_back_by: view.deployment.rollback.rollback_deployment_id.clone(),
                error: view.deployment.error.clone(),
            });
        } else if prev.deployment.status != view.deployment.status {
            push(Change::Status {
                from: prev.deployment.status.clone(),
                to: view.deployment.status.clone(),
                error: view.deployment.error.clone(),
            });
        }
        match (prev.weight, view.weight) {
            (Some(before), Some(after)) if (before.weight - after.weight).abs() > 0.000_5 => {
                push(Change::Weight {
                    from: Some(before.weight),
                    to: after,
                });
            }
            // The first reading, when traffic already shifted (before it, 0% says nothing).
            (None, Some(after)) if after.weight > 0.000_5 => push(Change::Weight {
                from: None,
                to: after,
            }),
            _ => {}
        }
        for alarm in view.alarm_list() {
            let before = prev.alarm_list().find(|a| a.name == alarm.name);
            if let Some(before) = before {
                if before.state != alarm.state {
                    push(Change::Alarm {
                        alarm: alarm.name.clone(),
                        from: before.state.clone(),
                        to: alarm.state.clone(),
                    });
                }
            }
        }
        if let (Some(before), Some(after)) = (prev.target.value(), view.target.value()) {
            for event in &after.events {
                let old_status = before.event(&event.name).map(|e| &e.status);
                if let Some(from) = old_status.filter(|s| **s != event.status) {
                    push(Change::Hook {
                        event: event.name.clone(),
                        from: from.clone(),
                        to: event.status.clone(),
                    });
                }
            }
        }
    }
    if let Some(old) = old {
        out.extend(left_the_active_list(old, new));
        out.extend(ran_between(old, new));
    }
    out
}

/// Deployments shown active in `old` that `new` no longer shows active: finished (as their
/// finished record says), superseded, or no longer listed.
fn left_the_active_list(old: &Picture, new: &Picture) -> Vec<TimelineEvent> {
    let mut out = Vec::new();
    for view in old.regions.iter().flat_map(|r| &r.deployments) {
        if new.view(&view.deployment.id).is_some() {
            continue;
        }
        let finished = new
            .regions
            .iter()
            .filter_map(|r| r.recent.value())
            .flatten()
            .find(|d| d.id == view.deployment.id);
        let change = match finished {
            None if view.deployment.source == Source::Alias => Change::SplitEnded,
            None => Change::Unlisted,
            // A stopped deployment that left its alias split, now superseded.
            Some(d) if d.status == view.deployment.status && d.left_split() => Change::Superseded {
                status: d.status.clone(),
            },
            // It ended while still among the active ones (kept there until the alarms
            // were read after its end): its end is told already.
            Some(d) if d.status == view.deployment.status => continue,
            Some(d) => Change::Finished {
                from: view.deployment.status.clone(),
                to: d.status.clone(),
                rolled_back_by: d.rollback.rollback_deployment_id.clone(),
                error: d.error.clone(),
            },
        };
        out.push(TimelineEvent {
            at: new.taken_at,
            deployment_id: view.deployment.id.clone(),
            change,
        });
    }
    out
}

/// Deployments that started and finished between two pictures: new in the finished list,
/// never seen active. Only where the older picture had the finished list (else everything in
/// it would be new).
fn ran_between(old: &Picture, new: &Picture) -> Vec<TimelineEvent> {
    let mut out = Vec::new();
    for region in &new.regions {
        let Some(before) = old
            .regions
            .iter()
            .find(|r| r.same_place(region))
            .and_then(|r| r.recent.value())
        else {
            continue;
        };
        for d in region.recent.value().into_iter().flatten() {
            if before.iter().any(|b| b.id == d.id) || old.view(&d.id).is_some() {
                continue;
            }
            out.push(TimelineEvent {
                at: new.taken_at,
                deployment_id: d.id.clone(),
                change: Change::RanBetween {
                    subject: d.subject(),
                    config: d.config_name.clone(),
                    status: d.status.clone(),
                    rolled_back_by: d.rollback.rollback_deployment_id.clone(),
                },
            });
        }
    }
    out
}

/// Where a weight came from, when it is not the live alias.
fn source_note(source: WeightSource) -> &'static str {
    match source {
        WeightSource::LiveAlias => "",
        WeightSource::CodeDeployRecord => " (CodeDeploy's record; the live alias is read next)",
    }
}
