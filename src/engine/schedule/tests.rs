//! The schedule's rules, one at a time, on a hand-made region: what is due when, and in what
//! order a budget serves it.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::domain::{
    AliasWeights, AppSpec, Deployment, DeploymentConfig, DeploymentStatus, EventStatus,
    FunctionTarget, GroupSettings, LambdaTarget, LifecycleEvent, Part, ScheduleModel,
};
use crate::engine::config::EngineConfig;
use crate::engine::schedule::{Datum, Due, Now, Paces, Schedule, order};
use crate::engine::state::{Intervals, RegionState};
use crate::engine::tasks::Adopted;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
        .single()
        .expect("time")
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

fn deployment(id: &str, status: DeploymentStatus) -> Deployment {
    Deployment {
        create_time: Some(at(-5)),
        start_time: Some(at(-5)),
        ..crate::domain::fixtures::deployment(
            id,
            status,
            "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        )
    }
}

fn adopted(id: &str, status: DeploymentStatus) -> Adopted {
    let config =
        DeploymentConfig::predefined("CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
            .expect("predefined");
    Adopted {
        deployment: deployment(id, status),
        appspec: Part::Ok {
            value: AppSpec {
                function: format!("fn-{id}"),
                alias: "live".into(),
                current_version: "1".into(),
                target_version: "2".into(),
                before_allow_traffic: None,
                after_allow_traffic: None,
            },
        },
        config: Part::Ok { value: config },
        group: Part::Ok {
            value: GroupSettings::default(),
        },
    }
}

/// A linear target whose traffic started at t0, CodeDeploy recording `weight`.
fn target(id: &str, weight: f64, hook: Option<EventStatus>) -> LambdaTarget {
    let event = |name: &str, status| LifecycleEvent {
        name: name.into(),
        status,
        start: Some(t0()),
        end: None,
        diagnostics: None,
    };
    let mut events = vec![
        event("BeforeAllowTraffic", EventStatus::Succeeded),
        event("AllowTraffic", EventStatus::InProgress),
    ];
    if let Some(status) = hook {
        events.push(event("AfterAllowTraffic", status));
    }
    LambdaTarget {
        target_id: format!("fn-{id}"),
        status: EventStatus::InProgress,
        function: FunctionTarget {
            function: format!("fn-{id}"),
            alias: "live".into(),
            current_version: "1".into(),
            target_version: "2".into(),
        },
        recorded_weight: weight,
        last_updated: Some(t0()),
        events,
    }
}

fn alias(id: &str, weight: f64) -> AliasWeights {
    AliasWeights {
        function: format!("fn-{id}"),
        alias: "live".into(),
        primary_version: "1".into(),
        additional: vec![("2".into(), weight)],
        revision_id: None,
    }
}

fn region(ids: &[&str], status: &DeploymentStatus) -> RegionState {
    let mut region = RegionState::new("us-east-1", Intervals::default());
    region.adopt(
        ids.iter().map(|id| adopted(id, status.clone())).collect(),
        at(-5),
    );
    region
}

fn now(at: DateTime<Utc>, config: &EngineConfig) -> Now<'_> {
    Now {
        at,
        rate: 1.0,
        config,
        paces: Paces::default(),
        model: ScheduleModel::default(),
        alias_round_secs: 3.0,
    }
}

fn due(schedule: &Schedule, region: &RegionState, at: DateTime<Utc>) -> Vec<Due> {
    let config = EngineConfig::default();
    schedule.due(region, &now(at, &config))
}

fn is_due(schedule: &Schedule, region: &RegionState, at: DateTime<Utc>, datum: &Datum) -> bool {
    due(schedule, region, at).iter().any(|d| d.datum == *datum)
}

/// The schedule after reading everything of `id` at `when` (target with `weight`).
fn read_all(schedule: &mut Schedule, region: &mut RegionState, id: &str, when: i64, weight: f64) {
    let datums = [
        Datum::Record(id.into()),
        Datum::Target(id.into()),
        Datum::Alias(id.into()),
    ];
    schedule.dispatched(&datums, at(when));
    schedule.finished(&datums);
    region.target(
        id,
        &DeploymentStatus::InProgress,
        Ok(Some(target(id, weight, None))),
        at(when),
    );
    region.alias(id, Ok(alias(id, weight)), at(when), 60);
}

#[test]
fn a_new_deployment_is_read_at_once_but_its_target_only_once_it_started() {
    let schedule = Schedule::default();
    let created = region(&["a"], &DeploymentStatus::Created);
    let kinds: Vec<Datum> = due(&schedule, &created, at(0))
        .into_iter()
        .map(|d| d.datum)
        .collect();
    assert!(kinds.contains(&Datum::Listing));
    assert!(kinds.contains(&Datum::Alias("a".into())), "{kinds:?}");
    assert!(
        !kinds.contains(&Datum::Target("a".into())),
        "CodeDeploy has no target before it starts: {kinds:?}"
    );
    let started = region(&["a"], &DeploymentStatus::InProgress);
    assert!(is_due(
        &schedule,
        &started,
        at(0),
        &Datum::Target("a".into())
    ));
}

#[test]
fn a_status_change_makes_the_target_due_at_once() {
    let mut schedule = Schedule::default();
    let mut r = region(&["a"], &DeploymentStatus::InProgress);
    read_all(&mut schedule, &mut r, "a", 5, 0.1);
    let read = Datum::Target("a".into());
    assert!(!is_due(&schedule, &r, at(6), &read));
    let mut stopped = deployment("a", DeploymentStatus::Stopped);
    stopped.complete_time = Some(at(6));
    r.records(&["a".into()], Ok(vec![stopped]), at(6));
    assert!(
        r.tracked.contains_key("a"),
        "stopped without rollback: still watched"
    );
    assert!(is_due(&schedule, &r, at(6), &read));
}

#[test]
fn the_target_is_read_a_second_after_each_predicted_shift_until_it_shows() {
    let mut schedule = Schedule::default();
    let mut r = region(&["a"], &DeploymentStatus::InProgress);
    let read = Datum::Target("a".into());
    read_all(&mut schedule, &mut r, "a", 5, 0.1);
    // Linear 10% every minute: the next shift is predicted at +60 s.
    assert!(!is_due(&schedule, &r, at(60), &read));
    assert!(is_due(&schedule, &r, at(61), &read));
    // Read at +61 s and CodeDeploy has not shifted yet: again at +63 s, +70 s...
    schedule.dispatched(std::slice::from_ref(&read), at(61));
    schedule.finished(std::slice::from_ref(&read));
    r.target(
        "a",
        &DeploymentStatus::InProgress,
        Ok(Some(target("a", 0.1, None))),
        at(61),
    );
    assert!(!is_due(&schedule, &r, at(62), &read));
    assert!(is_due(&schedule, &r, at(63), &read));
    // ...and once it shows, not before the next predicted shift.
    schedule.dispatched(std::slice::from_ref(&read), at(63));
    schedule.finished(std::slice::from_ref(&read));
    r.target(
        "a",
        &DeploymentStatus::InProgress,
        Ok(Some(target("a", 0.2, None))),
        at(63),
    );
    for s in [64, 70, 90, 120] {
        assert!(!is_due(&schedule, &r, at(s), &read), "+{s} s");
    }
    assert!(is_due(&schedule, &r, at(121), &read));
}

#[test]
fn a_running_hook_is_followed_every_few_seconds() {
    let mut schedule = Schedule::default();
    let mut r = region(&["a"], &DeploymentStatus::InProgress);
    let read = Datum::Target("a".into());
    schedule.dispatched(std::slice::from_ref(&read), at(600));
    schedule.finished(std::slice::from_ref(&read));
    r.target(
        "a",
        &DeploymentStatus::InProgress,
        Ok(Some(target("a", 1.0, Some(EventStatus::InProgress)))),
        at(600),
    );
    assert!(!is_due(&schedule, &r, at(604), &read));
    assert!(is_due(&schedule, &r, at(605), &read), "details_secs");
}

#[test]
fn the_alias_confirms_a_shift_the_record_shows() {
    let mut schedule = Schedule::default();
    let mut r = region(&["a"], &DeploymentStatus::InProgress);
    let alias = Datum::Alias("a".into());
    read_all(&mut schedule, &mut r, "a", 30, 0.1);
    assert!(!is_due(&schedule, &r, at(50), &alias), "idle for 60 s");
    // CodeDeploy's record, read at +61 s, shows 20%: the alias is due at once, within 10 s.
    let read = Datum::Target("a".into());
    schedule.dispatched(std::slice::from_ref(&read), at(61));
    schedule.finished(std::slice::from_ref(&read));
    r.target(
        "a",
        &DeploymentStatus::InProgress,
        Ok(Some(target("a", 0.2, None))),
        at(61),
    );
    let due = due(&schedule, &r, at(61));
    let confirm = due.iter().find(|d| d.datum == alias).expect("alias due");
    assert_eq!(confirm.deadline, at(71));
}

#[test]
fn a_budget_serves_the_focus_first_then_the_earliest_deadline_then_whoever_waited_longest() {
    let mut schedule = Schedule::default();
    // b was served more recently than c.
    schedule.dispatched(&[Datum::Alias("c".into())], at(-30));
    schedule.dispatched(&[Datum::Alias("b".into())], at(-10));
    schedule.finished(&[Datum::Alias("b".into()), Datum::Alias("c".into())]);
    let same = at(100);
    let mut due: Vec<Due> = ["a", "b", "c"]
        .iter()
        .map(|id| Due {
            datum: Datum::Alias((*id).into()),
            deadline: same,
        })
        .collect();
    due.push(Due {
        datum: Datum::Alarms,
        deadline: at(50),
    });
    order(&mut due, &schedule);
    let ids: Vec<String> = due.iter().map(|d| format!("{:?}", d.datum)).collect();
    assert_eq!(ids[0], "Alarms", "earliest deadline first: {ids:?}");
    // a was never served, then c (longest ago), then b.
    assert_eq!(&ids[1..], ["Alias(\"a\")", "Alias(\"c\")", "Alias(\"b\")"]);
    schedule.command(&crate::engine::Command::Focus(Some("b".into())), at(0));
    order(&mut due, &schedule);
    assert_eq!(format!("{:?}", due[0].datum), "Alias(\"b\")", "focus first");
}

#[test]
fn a_failing_target_read_after_a_status_change_is_retried_at_its_pace_not_every_wake() {
    let mut schedule = Schedule::default();
    let mut r = region(&["a"], &DeploymentStatus::InProgress);
    read_all(&mut schedule, &mut r, "a", 5, 0.1);
    let mut stopped = deployment("a", DeploymentStatus::Stopped);
    stopped.complete_time = Some(at(6));
    r.records(&["a".into()], Ok(vec![stopped]), at(6));
    let read = Datum::Target("a".into());
    assert!(is_due(&schedule, &r, at(6), &read));
    // The read fails (throttled): the last good target stays, and it is not due again at once.
    schedule.dispatched(std::slice::from_ref(&read), at(6));
    schedule.finished(std::slice::from_ref(&read));
    let failure = crate::domain::Failure::new(
        crate::domain::FailureKind::Throttled,
        "codedeploy",
        "BatchGetDeploymentTargets",
        "Rate exceeded",
        None,
    );
    r.target("a", &DeploymentStatus::Stopped, Err(failure), at(7));
    assert!(!is_due(&schedule, &r, at(7), &read));
    assert!(is_due(&schedule, &r, at(11), &read), "details_secs later");
}

#[test]
fn a_stopped_deployment_left_split_is_held_to_slow_intervals_and_never_reads_stale() {
    let mut schedule = Schedule::default();
    let config = EngineConfig::default();
    let intervals = Intervals {
        details: config.details_secs,
        recent: config.recent_secs,
        ..Intervals::default()
    };
    let mut r = RegionState::new("us-east-1", intervals);
    r.adopt(vec![adopted("a", DeploymentStatus::InProgress)], at(-5));
    read_all(&mut schedule, &mut r, "a", 5, 0.1);
    let mut stopped = deployment("a", DeploymentStatus::Stopped);
    stopped.complete_time = Some(at(6));
    r.records(&["a".into()], Ok(vec![stopped]), at(6));
    r.target(
        "a",
        &DeploymentStatus::Stopped,
        Ok(Some(target("a", 0.1, None))),
        at(7),
    );
    let t = r
        .tracked
        .get_mut("a")
        .expect("still watched: its alias is split");
    t.freshness.target.interval_secs =
        crate::engine::schedule::target_interval(t, &config, ScheduleModel::default());
    let f = &r.tracked["a"].freshness;
    assert_eq!(f.deployment.interval_secs, config.recent_secs);
    assert_eq!(f.target.interval_secs, 0, "read once: it no longer changes");
    assert!(!f.deployment.is_stale(at(100)) && !f.target.is_stale(at(1000)));
    assert!(!is_due(&schedule, &r, at(500), &Datum::Target("a".into())));
}

#[test]
fn a_deployment_that_finished_during_a_read_of_the_finished_list_stays_in_it() {
    let mut r = region(&["a"], &DeploymentStatus::InProgress);
    r.recent(Ok(Vec::new()), Vec::new());
    let mut done = deployment("a", DeploymentStatus::Succeeded);
    done.complete_time = Some(at(60));
    r.records(&["a".into()], Ok(vec![done]), at(60));
    assert!(r.tracked.is_empty(), "retired");
    // A listing taken before it finished arrives now: the row stays.
    r.recent(Ok(Vec::new()), Vec::new());
    let ids: Vec<String> = r.known_finished().into_iter().map(|d| d.id).collect();
    assert_eq!(ids, ["a"]);
    assert!(
        r.known_finished()[0].target.is_some(),
        "with its function, from the AppSpec"
    );
}

/// A region whose one deployment, `id`, is in progress in a group that watches an alarm.
fn watching_an_alarm(id: &str) -> RegionState {
    let mut r = RegionState::new("us-east-1", Intervals::default());
    let mut watched = adopted(id, DeploymentStatus::InProgress);
    watched.group = Part::Ok {
        value: GroupSettings {
            alarm_names: vec!["checkout-errors".into()],
            ..GroupSettings::default()
        },
    };
    r.adopt(vec![watched], at(-5));
    r
}

#[test]
fn a_deployment_that_ends_makes_the_alarms_due_at_once() {
    let mut schedule = Schedule::default();
    let r = watching_an_alarm("a");
    schedule.dispatched(&[Datum::Alarms], at(5));
    schedule.finished(&[Datum::Alarms]);
    assert!(
        !is_due(&schedule, &r, at(6), &Datum::Alarms),
        "read just now"
    );
    // The record says it ended (an alarm may have stopped it): the alarms are read now, while
    // that alarm is still in ALARM, not at their next turn.
    schedule.read_alarms_now();
    assert!(is_due(&schedule, &r, at(6), &Datum::Alarms));
    schedule.dispatched(&[Datum::Alarms], at(6));
    schedule.finished(&[Datum::Alarms]);
    assert!(!is_due(&schedule, &r, at(7), &Datum::Alarms), "once");
}

#[test]
fn a_deployment_that_ends_stays_active_until_a_picture_showed_it_with_the_alarms_read_after() {
    let mut r = watching_an_alarm("a");
    r.recent(Ok(Vec::new()), Vec::new());
    r.alarms(Ok(Vec::new()), at(1));
    r.pictured();
    // CodeDeploy stopped it on an alarm, and rolled back: the record says so first.
    let mut stopped = deployment("a", DeploymentStatus::Stopped);
    stopped.rollback.rollback_deployment_id = Some("b".into());
    r.records(&["a".into()], Ok(vec![stopped]), at(6));
    assert!(r.take_ended(), "the alarms are to be read now");
    assert!(
        r.tracked.contains_key("a"),
        "held: no alarm read since its end"
    );
    assert!(!r.pictured() && r.tracked.contains_key("a"));
    r.alarms(Ok(Vec::new()), at(7));
    assert!(
        r.tracked.contains_key("a"),
        "held until a picture has shown it with those alarms"
    );
    assert!(r.pictured(), "shown: it moves on");
    assert!(!r.tracked.contains_key("a"));
    let finished = r.recent.as_ref().and_then(|l| l.as_ref().ok());
    assert!(finished.is_some_and(|l| l.iter().any(|d| d.id == "a")));
    assert!(r.take_finished());
}

#[test]
fn reads_scheduled_on_the_local_clock_move_onto_the_service_clock() {
    let mut schedule = Schedule::default();
    let r = region(&[], &DeploymentStatus::InProgress);
    // Listed at 01:00:47 by this machine's clock; the service's runs 47 s behind.
    schedule.dispatched(&[Datum::Listing], at(47));
    schedule.finished(&[Datum::Listing]);
    assert!(
        !is_due(&schedule, &r, at(10), &Datum::Listing),
        "held back by the skew"
    );
    schedule.shift(Duration::seconds(-47));
    assert!(
        is_due(&schedule, &r, at(10), &Datum::Listing),
        "due 10 s after the listing, on the service's clock"
    );
}
