//! Warnings that matter on call, derived from a deployment's view: a split alias with nothing
//! in progress, alarm monitoring that cannot stop a bad release, an alarm that was already
//! firing, CodeDeploy's record disagreeing with the alias, too little traffic to judge, and a
//! canary whose verdict is Fail (above all when no CodeDeploy alarm catches it).

use chrono::{DateTime, Utc};

use super::{
    AlarmState, DeploymentStatus, DeploymentView, Judgement, LOW_TRAFFIC_INVOCATIONS, WeightSource,
    normalize_pct,
};

/// The end of the low-traffic warning: how [`is_low_traffic`] recognises it.
const LOW_TRAFFIC: &str = "too little traffic for the numbers to mean much";

/// Complete minutes of traffic on the new version before too little of it is a warning.
const LOW_TRAFFIC_AFTER_MINUTES: i64 = 3;

/// Whether `warning` is the low-traffic one (folded per application on screen).
pub fn is_low_traffic(warning: &str) -> bool {
    warning.ends_with(LOW_TRAFFIC)
}

/// The low-traffic warnings of `n` deployments of one application, as one.
pub fn low_traffic_folded(n: usize) -> String {
    format!("{n} deployments with {LOW_TRAFFIC}")
}

/// The warnings for `view`, most severe first.
pub fn warnings_for(view: &DeploymentView, now: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    verdict_not_caught(view, &mut out);
    split_alias(view, &mut out);
    alarm_firing_before(view, &mut out);
    unwatched_group(view, &mut out);
    record_disagrees(view, &mut out);
    low_traffic(view, now, &mut out);
    past_predicted_end(view, now, &mut out);
    out
}

/// A FAIL verdict no firing alarm catches.
fn verdict_not_caught(view: &DeploymentView, out: &mut Vec<String>) {
    let d = &view.deployment;
    if d.status.is_active() {
        if let Some(verdict) = &view.verdict {
            if verdict.overall == Judgement::Fail {
                let firing = view.alarm_list().any(|a| a.state == AlarmState::Alarm);
                let tail = if firing {
                    ""
                } else {
                    " — CodeDeploy's alarms are not catching this"
                };
                out.push(format!("canary verdict {}{tail}", verdict.headline()));
            }
        }
    }
}

/// An alias left split with no deployment in progress.
fn split_alias(view: &DeploymentView, out: &mut Vec<String>) {
    let d = &view.deployment;
    if let Some(alias) = view.alias.value() {
        if alias.is_split() && !d.status.is_active() {
            let split: Vec<String> =
                std::iter::once((alias.primary_version.clone(), alias.primary_weight()))
                    .chain(alias.additional.iter().cloned())
                    .map(|(v, w)| format!("v{v} {}", normalize_pct(w)))
                    .collect();
            out.push(format!(
                "alias {}:{} is left split ({}) with no deployment in progress: later deployments \
                 of {} will fail until the alias is reset",
                alias.function,
                alias.alias,
                split.join(" / "),
                alias.function
            ));
        }
    }
}

/// Alarms already in ALARM before the deployment began.
fn alarm_firing_before(view: &DeploymentView, out: &mut Vec<String>) {
    let d = &view.deployment;
    for alarm in view.alarms.value().into_iter().flatten() {
        if alarm.firing_before_deployment && d.status.is_active() {
            out.push(format!(
                "alarm {} was already in ALARM before this deployment began: CodeDeploy will stop \
                 it on its first alarm poll",
                alarm.alarm.name
            ));
        }
    }
}

/// A group that watches no alarms or ignores alarm poll failures.
fn unwatched_group(view: &DeploymentView, out: &mut Vec<String>) {
    let d = &view.deployment;
    if let Some(group) = view.group.value() {
        if d.status.is_active() {
            if !group.alarms_enabled || group.alarm_names.is_empty() {
                out.push(
                    "the deployment group watches no alarms: CodeDeploy will not stop a bad \
                     release on its own"
                        .to_string(),
                );
            } else if group.ignore_poll_alarm_failure {
                out.push(
                    "the deployment group ignores alarm poll failures: if CodeDeploy cannot read \
                     the alarms, the release continues"
                        .to_string(),
                );
            }
        }
    }
}

/// The live alias and CodeDeploy's record of the weight disagreeing.
fn record_disagrees(view: &DeploymentView, out: &mut Vec<String>) {
    let d = &view.deployment;
    if let (Some(alias), Some(target)) = (view.alias.value(), view.target.value()) {
        let live = alias.weight_of(&target.function.target_version);
        // Only when CodeDeploy's record was read after the alias: otherwise it is just older.
        let record_is_current = matches!(
            (view.freshness.target.fetched_at, view.freshness.alias.fetched_at),
            (Some(record), Some(alias)) if record >= alias
        );
        if d.status == DeploymentStatus::InProgress
            && record_is_current
            && (live - target.recorded_weight).abs() > 0.011
        {
            out.push(format!(
                "the live alias gives v{} {} but CodeDeploy's record says {}",
                target.function.target_version,
                normalize_pct(live),
                normalize_pct(target.recorded_weight)
            ));
        }
    }
}

/// Too few invocations on the new version after a few minutes of traffic.
fn low_traffic(view: &DeploymentView, now: DateTime<Utc>, out: &mut Vec<String>) {
    let d = &view.deployment;
    if let Some(new_version) = view.metrics.value().and_then(|m| m.get(1)) {
        let weight_live = view
            .weight
            .is_some_and(|w| w.weight > 0.0 && w.source == WeightSource::LiveAlias);
        // Before a few complete minutes of traffic, few invocations is just early, not news.
        let long_enough = view.plan.as_ref().is_some_and(|p| {
            now - p.traffic_start >= chrono::Duration::minutes(LOW_TRAFFIC_AFTER_MINUTES)
        });
        let totals = new_version.totals();
        if d.status.is_active()
            && weight_live
            && long_enough
            && totals.invocations < LOW_TRAFFIC_INVOCATIONS
        {
            out.push(format!(
                "only {} invocations on v{} so far: {LOW_TRAFFIC}",
                totals.invocations, new_version.version
            ));
        }
    }
}

/// Still in progress past the predicted end of traffic shifting.
fn past_predicted_end(view: &DeploymentView, now: DateTime<Utc>, out: &mut Vec<String>) {
    let d = &view.deployment;
    if view.schedule.as_ref().is_some_and(|s| s.eta < now)
        && d.status == DeploymentStatus::InProgress
    {
        // Past the predicted end: usually an AfterAllowTraffic hook still running.
        if view.target.value().and_then(|t| t.running_hook()).is_none() {
            out.push(
                "past the predicted end of traffic shifting and still in progress".to_string(),
            );
        }
    }
}
