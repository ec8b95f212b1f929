//! Warnings that matter on call, derived from a deployment's view: a split alias with nothing
//! in progress, alarm monitoring that cannot stop a bad release, an alarm that was already
//! firing, CodeDeploy's record disagreeing with the alias, a deployment past its predicted end,
//! and a canary whose verdict is Fail (above all when no CodeDeploy alarm catches it). Each is a
//! [`Warning`] with its facts ([`super::warning`]). Too little traffic to judge is not a
//! warning: the verdict says it ("only 38 invocations on version 3 in 4 min (needs 100)"), and
//! at a stack of low-traffic functions it would fill the banner with true but idle lines. Also
//! the hold that keeps a warning up a little after its
//! cause is gone, so the banner does not flap.

use std::collections::HashMap;

use super::{
    AlarmState, DeploymentStatus, DeploymentView, Freshness, Judgement, MetricKind, Warning,
    WarningKind,
};
use chrono::{DateTime, Utc};

/// The warnings for `view`, most severe first.
pub fn warnings_for(view: &DeploymentView, now: DateTime<Utc>) -> Vec<Warning> {
    let mut out = Vec::new();
    verdict_not_caught(view, &mut out);
    split_alias(view, &mut out);
    alarm_firing_before(view, &mut out);
    unwatched_group(view, &mut out);
    record_disagrees(view, &mut out);
    past_predicted_end(view, now, &mut out);
    canary_too_short(view, now, &mut out);
    out
}

/// How long after its first shift a canary that cannot catch a doubled error rate is warned
/// about (then the detail's "Catches" line keeps saying it).
pub const CANARY_WARNING_MINUTES: i64 = 5;

/// A canary in its first minutes that cannot catch a doubled error rate before its full shift.
fn canary_too_short(view: &DeploymentView, now: DateTime<Utc>, out: &mut Vec<Warning>) {
    let Some(verdict) = &view.verdict else {
        return;
    };
    let young = view
        .traffic_start()
        .is_some_and(|t| now - t <= chrono::Duration::minutes(CANARY_WARNING_MINUTES));
    let in_progress = view.deployment.status == DeploymentStatus::InProgress;
    match verdict.canary_minutes {
        Some(minutes) if in_progress && young && verdict.misses_doubled_errors() => {
            out.push(Warning::CanaryTooShort {
                errors: verdict
                    .detectable
                    .get(&MetricKind::ErrorRate)
                    .copied()
                    .flatten(),
                minutes,
                others: 0,
            });
        }
        _ => {}
    }
}

/// Folds every "canary too short" warning into one, on the canary that started first (then by
/// id), counting the others: at a stack update dozens of quiet canaries start together, and one
/// line says it.
pub fn fold_canary_warnings<'a>(views: impl IntoIterator<Item = &'a mut DeploymentView>) {
    let mut short: Vec<&'a mut DeploymentView> = views
        .into_iter()
        .filter(|v| {
            v.warnings
                .iter()
                .any(|w| w.kind() == WarningKind::CanaryTooShort)
        })
        .collect();
    short.sort_by(|a, b| {
        (a.traffic_start(), &a.deployment.id).cmp(&(b.traffic_start(), &b.deployment.id))
    });
    let others = short.len().saturating_sub(1);
    for (i, view) in short.into_iter().enumerate() {
        if i == 0 {
            for w in &mut view.warnings {
                if let Warning::CanaryTooShort { others: n, .. } = w {
                    *n = others;
                }
            }
        } else {
            view.warnings
                .retain(|w| w.kind() != WarningKind::CanaryTooShort);
        }
    }
}

/// A FAIL verdict (no firing alarm catching it is said).
fn verdict_not_caught(view: &DeploymentView, out: &mut Vec<Warning>) {
    let d = &view.deployment;
    if let Some(verdict) = view.verdict.as_ref().filter(|_| d.status.is_active()) {
        if verdict.overall == Judgement::Fail {
            out.push(Warning::VerdictFail {
                headline: verdict.headline(),
                caught: view.alarm_list().any(|a| a.state == AlarmState::Alarm),
            });
        }
    }
}

/// An alias left split with no deployment in progress (a rollback under way owns it).
fn split_alias(view: &DeploymentView, out: &mut Vec<Warning>) {
    let d = &view.deployment;
    if let Some(alias) = view.alias.value() {
        if alias.is_split() && !d.status.is_active() && d.rollback.rollback_deployment_id.is_none()
        {
            out.push(Warning::AliasLeftSplit {
                function: alias.function.clone(),
                alias: alias.alias.clone(),
                split: std::iter::once((alias.primary_version.clone(), alias.primary_weight()))
                    .chain(alias.additional.iter().cloned())
                    .collect(),
            });
        }
    }
}

/// Alarms already in ALARM before the deployment began.
fn alarm_firing_before(view: &DeploymentView, out: &mut Vec<Warning>) {
    let d = &view.deployment;
    for alarm in view.alarms.value().into_iter().flatten() {
        if alarm.firing_before_deployment && d.status.is_active() {
            out.push(Warning::AlarmFiringBefore {
                alarm: alarm.alarm.name.clone(),
            });
        }
    }
}

/// A group that watches no alarms or ignores alarm poll failures.
fn unwatched_group(view: &DeploymentView, out: &mut Vec<Warning>) {
    let d = &view.deployment;
    if let Some(group) = view.group.value() {
        if d.status.is_active() {
            if !group.alarms_enabled || group.alarm_names.is_empty() {
                out.push(Warning::GroupWatchesNoAlarms);
            } else if group.ignore_poll_alarm_failure {
                out.push(Warning::GroupIgnoresAlarmFailures);
            }
        }
    }
}

/// The live alias and CodeDeploy's record disagreeing in a way no shift between their reads
/// explains (the engine proves it from its reads: [`super::WeightWitnesses`]).
fn record_disagrees(view: &DeploymentView, out: &mut Vec<Warning>) {
    if let (Some(disagreement), Some(target)) = (view.alias_disagrees, view.target.value()) {
        if view.deployment.status == DeploymentStatus::InProgress {
            out.push(Warning::RecordDisagrees {
                version: target.function.target_version.clone(),
                live: disagreement.live,
                recorded: disagreement.recorded,
            });
        }
    }
}

/// How long a deployment may stay in progress after its planned end of traffic shifting
/// before it is said to be past it. CodeDeploy finishes a deployment a few seconds after its
/// last shift (AllowTraffic ends, then AfterAllowTraffic runs, hook or not); without this
/// grace every all-at-once deployment would be "past its end" for those seconds.
pub const PAST_END_GRACE_SECS: i64 = 30;

/// Still in progress [`PAST_END_GRACE_SECS`] past the predicted end of traffic shifting:
/// CodeDeploy's record and its target, both read after that moment, say so. (A record read
/// before says nothing about it: an all-at-once deployment succeeds within seconds of its
/// shift, and until the record is read again its last status is still InProgress.)
fn past_predicted_end(view: &DeploymentView, now: DateTime<Utc>, out: &mut Vec<Warning>) {
    let d = &view.deployment;
    let Some(late) = view
        .schedule
        .as_ref()
        .map(|s| s.eta + chrono::Duration::seconds(PAST_END_GRACE_SECS))
        .filter(|late| *late < now)
    else {
        return;
    };
    let read_after = |f: &Freshness| f.fetched_at.is_some_and(|at| at > late);
    if d.status == DeploymentStatus::InProgress
        && read_after(&view.freshness.deployment)
        && read_after(&view.freshness.target)
    {
        // Past the predicted end: usually an AfterAllowTraffic hook still running.
        if view.target.value().and_then(|t| t.running_hook()).is_none() {
            out.push(Warning::PastPredictedEnd);
        }
    }
}

/// Keeps each warning of an active deployment up for a while after its cause is gone, so that
/// a cause that comes and goes (a weight read between two steps, a count near its threshold)
/// does not make the banner flap. Raising is never delayed: only clearing is.
#[derive(Debug, Default)]
pub struct WarningHold {
    /// Per deployment: each warning last raised, and when.
    raised: HashMap<String, Vec<(Warning, DateTime<Utc>)>>,
}

impl WarningHold {
    /// Adds to `views` the warnings raised less than `hold` before `now` whose cause is gone,
    /// and remembers what is raised now.
    pub fn apply<'a>(
        &mut self,
        views: impl IntoIterator<Item = &'a mut DeploymentView>,
        now: DateTime<Utc>,
        hold: chrono::Duration,
    ) {
        let mut raised = HashMap::new();
        for view in views {
            let id = view.deployment.id.clone();
            let mut kept: Vec<(Warning, DateTime<Utc>)> =
                view.warnings.iter().map(|w| (w.clone(), now)).collect();
            if view.deployment.status.is_active() {
                for (warning, at) in self.raised.remove(&id).unwrap_or_default() {
                    let gone = !view.warnings.iter().any(|w| w.same_subject(&warning));
                    if gone && now - at < hold {
                        view.warnings.push(warning.clone());
                        kept.push((warning, at));
                    }
                }
            }
            raised.insert(id, kept);
        }
        self.raised = raised;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{at, deployment};
    use crate::domain::{Part, ScheduleStatus, ViewFreshness};

    fn view(status: DeploymentStatus, warnings: Vec<Warning>) -> DeploymentView {
        DeploymentView {
            deployment: deployment(
                "d-1",
                status,
                "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
            ),
            config: Part::skipped(""),
            target: Part::skipped(""),
            appspec: Part::skipped(""),
            group: Part::skipped(""),
            alias: Part::skipped(""),
            weight: None,
            plan: None,
            schedule: None,
            alarms: Part::skipped(""),
            metrics: Part::skipped(""),
            alias_disagrees: None,
            warnings,
            freshness: ViewFreshness::default(),
            verdict: None,
        }
    }

    fn disagrees(live: f64) -> Warning {
        Warning::RecordDisagrees {
            version: "2".into(),
            live,
            recorded: 0.1,
        }
    }

    #[test]
    fn a_warning_is_held_after_its_cause_is_gone_and_then_cleared() {
        let hold = chrono::Duration::seconds(20);
        let mut memory = WarningHold::default();
        let mut raised = [view(DeploymentStatus::InProgress, vec![disagrees(0.5)])];
        memory.apply(&mut raised, at(0), hold);
        assert_eq!(raised[0].warnings.len(), 1, "raised at once");
        let mut gone = [view(DeploymentStatus::InProgress, Vec::new())];
        memory.apply(&mut gone, at(10), hold);
        assert_eq!(gone[0].warnings, vec![disagrees(0.5)], "held");
        let mut later = [view(DeploymentStatus::InProgress, Vec::new())];
        memory.apply(&mut later, at(21), hold);
        assert!(later[0].warnings.is_empty(), "cleared after the hold");
    }

    #[test]
    fn the_current_facts_replace_the_held_ones_and_an_ended_deployment_holds_nothing() {
        let hold = chrono::Duration::seconds(20);
        let mut memory = WarningHold::default();
        memory.apply(
            &mut [view(DeploymentStatus::InProgress, vec![disagrees(0.5)])],
            at(0),
            hold,
        );
        let mut moved = [view(DeploymentStatus::InProgress, vec![disagrees(0.6)])];
        memory.apply(&mut moved, at(5), hold);
        assert_eq!(
            moved[0].warnings,
            vec![disagrees(0.6)],
            "one warning, its new facts"
        );
        let mut ended = [view(DeploymentStatus::Stopped, Vec::new())];
        memory.apply(&mut ended, at(6), hold);
        assert!(ended[0].warnings.is_empty());
    }

    #[test]
    fn past_the_predicted_end_is_said_only_from_reads_made_after_it_and_its_grace() {
        let mut v = view(DeploymentStatus::InProgress, Vec::new());
        v.schedule = Some(ScheduleStatus {
            step: 1,
            steps_total: 1,
            expected_weight: 1.0,
            next_shift_at: None,
            next_shift_weight: None,
            eta: at(100),
        });
        let read = |secs| Freshness::fetched(at(secs), 10);
        // The record still says InProgress, but it was read before the shift: an all-at-once
        // deployment may well have succeeded since.
        v.freshness.deployment = read(95);
        v.freshness.target = read(95);
        assert!(warnings_for(&v, at(150)).is_empty());
        v.freshness.deployment = read(140);
        assert!(warnings_for(&v, at(150)).is_empty(), "the target too");
        v.freshness.target = read(140);
        assert_eq!(warnings_for(&v, at(150)), vec![Warning::PastPredictedEnd]);
        // Read after the end but within the seconds CodeDeploy takes to finish: not yet.
        v.freshness.deployment = read(110);
        v.freshness.target = read(110);
        assert!(warnings_for(&v, at(120)).is_empty(), "within the grace");
        assert!(
            warnings_for(&v, at(150)).is_empty(),
            "read within the grace"
        );
        v.freshness.deployment = read(140);
        v.freshness.target = read(140);
        assert!(warnings_for(&v, at(99)).is_empty(), "not before the end");
        v.deployment.status = DeploymentStatus::Succeeded;
        assert!(warnings_for(&v, at(150)).is_empty());
    }

    /// A view of an in-progress canary whose verdict says it can catch errors ×`errors`,
    /// shifted at minute `started`.
    fn canary(id: &str, started: i64, errors: Option<f64>) -> DeploymentView {
        let mut v = view(DeploymentStatus::InProgress, Vec::new());
        v.deployment.id = id.into();
        v.plan = Some(crate::domain::TrafficPlan::new(
            crate::domain::TrafficRouting::TimeBasedCanary {
                percent: 10,
                interval_minutes: 15,
            },
            at(started * 60),
            crate::domain::ScheduleModel::default(),
        ));
        v.verdict = Some(crate::domain::Verdict {
            overall: Judgement::NotEnoughData,
            metrics: Vec::new(),
            old_version: "1".into(),
            new_version: "2".into(),
            minutes: 1,
            since: Some(at(started * 60)),
            detectable: [(MetricKind::ErrorRate, errors)].into(),
            canary_minutes: Some(15),
            traffic_per_minute: Some(60.0),
            warmup_minutes: 0,
        });
        v
    }

    #[test]
    fn a_canary_that_cannot_catch_doubled_errors_is_warned_in_its_first_minutes() {
        let short = canary("d-1", 0, Some(3.4));
        let said = warnings_for(&short, at(60));
        assert_eq!(
            said,
            vec![Warning::CanaryTooShort {
                errors: Some(3.4),
                minutes: 15,
                others: 0
            }]
        );
        let text = said[0].to_string();
        assert!(text.starts_with(
            "this 15-min canary can catch only errors ×3.4 or worse at its traffic, not a doubled"
        ), "{text}");
        assert!(
            warnings_for(&short, at(6 * 60 + 1)).is_empty(),
            "only at its start"
        );
        assert!(
            warnings_for(&canary("d-2", 0, Some(1.8)), at(60)).is_empty(),
            "it can"
        );
        let deaf = warnings_for(&canary("d-3", 0, None), at(60));
        assert!(
            deaf[0]
                .to_string()
                .contains("can catch only no change of its error rate")
        );
    }

    #[test]
    fn short_canaries_that_start_together_are_one_warning() {
        let mut views: Vec<DeploymentView> = [("d-3", 1), ("d-1", 0), ("d-2", 0)]
            .into_iter()
            .map(|(id, started)| {
                let mut v = canary(id, started, Some(4.0));
                v.warnings = warnings_for(&v, at(120));
                v
            })
            .collect();
        fold_canary_warnings(views.iter_mut());
        let carrying: Vec<(&str, &Vec<Warning>)> = views
            .iter()
            .filter(|v| !v.warnings.is_empty())
            .map(|v| (v.deployment.id.as_str(), &v.warnings))
            .collect();
        assert_eq!(carrying.len(), 1, "{carrying:?}");
        assert_eq!(carrying[0].0, "d-1", "the first to start, then by id");
        assert!(
            carrying[0].1[0]
                .to_string()
                .ends_with("(and 2 more canaries that started with it)")
        );
    }
}
