//! The event log of a watch session: two successive pictures compared into timestamped
//! transitions a person cares about — a deployment appearing or finishing, a status change,
//! the live alias weight moving, an alarm flipping, a lifecycle hook changing status. Pure: the
//! timestamps are the newer picture's `taken_at` (the service's clock).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{DeploymentStatus, Picture, TargetWeight, WeightSource, normalize_pct};

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

/// One transition, seen when the newer picture was taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    pub at: DateTime<Utc>,
    pub deployment_id: String,
    pub kind: TimelineKind,
    pub text: String,
    /// The new weight, with its source (weight events, and a deployment appearing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<TargetWeight>,
    /// The new status (status events, including finishing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<DeploymentStatus>,
}

/// The transitions between `old` (None at start-up) and `new`, in a stable order.
pub fn diff(old: Option<&Picture>, new: &Picture) -> Vec<TimelineEvent> {
    let at = new.taken_at;
    let mut out = Vec::new();
    for view in new.regions.iter().flat_map(|r| &r.deployments) {
        let id = &view.deployment.id;
        let previous = old.and_then(|p| p.view(id));
        let mut push = |kind, text: String, weight, status| {
            out.push(TimelineEvent {
                at,
                deployment_id: id.clone(),
                kind,
                text,
                weight,
                status,
            });
        };
        let Some(prev) = previous else {
            let weight = view.weight.map_or_else(String::new, |w| {
                format!(
                    ", new version at {}{}",
                    normalize_pct(w.weight),
                    source_note(w.source)
                )
            });
            push(
                TimelineKind::Appeared,
                format!(
                    "{} {} ({}){weight}",
                    view.deployment.subject(),
                    view.deployment.status.as_str(),
                    view.deployment.config_name
                ),
                view.weight,
                Some(view.deployment.status.clone()),
            );
            continue;
        };
        if prev.deployment.status != view.deployment.status {
            let why = view
                .deployment
                .error
                .as_ref()
                .map_or_else(String::new, |e| format!(": {} {}", e.code, e.message));
            push(
                TimelineKind::Status,
                format!(
                    "status {} → {}{why}",
                    prev.deployment.status.as_str(),
                    view.deployment.status.as_str()
                ),
                None,
                Some(view.deployment.status.clone()),
            );
        }
        match (prev.weight, view.weight) {
            (Some(before), Some(after)) if (before.weight - after.weight).abs() > 0.000_5 => {
                push(
                    TimelineKind::Weight,
                    format!(
                        "new version weight {} → {}{}",
                        normalize_pct(before.weight),
                        normalize_pct(after.weight),
                        source_note(after.source)
                    ),
                    Some(after),
                    None,
                );
            }
            // The first reading, when traffic already shifted (before it, 0% says nothing).
            (None, Some(after)) if after.weight > 0.000_5 => push(
                TimelineKind::Weight,
                format!(
                    "new version weight first read: {}{}",
                    normalize_pct(after.weight),
                    source_note(after.source)
                ),
                Some(after),
                None,
            ),
            _ => {}
        }
        for alarm in view.alarm_list() {
            let before = prev.alarm_list().find(|a| a.name == alarm.name);
            if let Some(before) = before {
                if before.state != alarm.state {
                    push(
                        TimelineKind::Alarm,
                        format!(
                            "alarm {} {} → {}",
                            alarm.name,
                            before.state.as_str(),
                            alarm.state.as_str()
                        ),
                        None,
                        None,
                    );
                }
            }
        }
        if let (Some(before), Some(after)) = (prev.target.value(), view.target.value()) {
            for event in &after.events {
                let old_status = before.event(&event.name).map(|e| &e.status);
                if old_status.is_some_and(|s| *s != event.status) {
                    push(
                        TimelineKind::Hook,
                        format!(
                            "{} {:?} → {:?}",
                            event.name,
                            old_status.unwrap_or(&event.status),
                            event.status
                        ),
                        None,
                        None,
                    );
                }
            }
        }
    }
    if let Some(old) = old {
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
            let text = finished.map_or_else(
                || "no longer listed as active".to_string(),
                |d| {
                    let rollback = d
                        .rollback
                        .rollback_deployment_id
                        .as_ref()
                        .map_or_else(String::new, |r| format!(", rolled back by {r}"));
                    if d.status == view.deployment.status {
                        // A stopped deployment that left its alias split, now superseded.
                        return format!(
                            "no longer watched: {}, a later deployment superseded it",
                            d.status.as_str()
                        );
                    }
                    format!(
                        "finished: {} → {}{rollback}",
                        view.deployment.status.as_str(),
                        d.status.as_str()
                    )
                },
            );
            out.push(TimelineEvent {
                at,
                deployment_id: view.deployment.id.clone(),
                kind: TimelineKind::Status,
                text,
                weight: None,
                status: finished.map(|d| d.status.clone()),
            });
        }
        out.extend(ran_between(old, new));
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
            let rollback = d
                .rollback
                .rollback_deployment_id
                .as_ref()
                .map_or_else(String::new, |r| format!(", rolled back by {r}"));
            out.push(TimelineEvent {
                at: new.taken_at,
                deployment_id: d.id.clone(),
                kind: TimelineKind::Status,
                text: format!(
                    "started and finished between two looks: {} ({}) {}{rollback}",
                    d.subject(),
                    d.config_name,
                    d.status.as_str()
                ),
                weight: None,
                status: Some(d.status.clone()),
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
