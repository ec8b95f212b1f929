//! Notices through `update()`: what rings when the person is not looking — an alarm going to
//! ALARM (once, whatever number of deployments watch it), the verdict turning FAIL, a
//! deployment ending Stopped, a hook waiting for its verdict — and nothing at start-up or when
//! nothing changed. Delivery (bell, OSC, command) and its minimum interval are tested in
//! `notify` and in the tmux end-to-end test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::assert_begins;
use crate::support::tui as fx;
use rollwatch::domain::notify::{Notice, What};
use rollwatch::domain::{AlarmState, DeploymentStatus, EventStatus, Judgement, Part, Picture};
use rollwatch::tui::{Effect, Model};

/// The notices `update` asks to deliver for `picture`, taken `secs` after the fixture's.
fn notices_for(m: &mut Model, mut picture: Picture, secs: i64) -> Vec<Notice> {
    picture.taken_at = fx::now() + chrono::Duration::seconds(secs);
    fx::arrives(m, picture)
        .into_iter()
        .flat_map(|c| match c {
            Effect::Notify(notices) => notices,
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn nothing_rings_at_start_up_or_when_nothing_changed() {
    let mut m = fx::model(None, (140, 45));
    // The fixture's canary is already in ALARM and FAIL: that is on screen, not news.
    assert!(notices_for(&mut m, fx::picture(), 0).is_empty());
    assert!(notices_for(&mut m, fx::picture(), 10).is_empty());
}

#[test]
fn an_alarm_going_to_alarm_rings_once_for_every_deployment_that_watches_it() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    let mut p = fx::picture();
    // checkout's alarm fires; the canary's group watches it too.
    let shared = p.regions[0].deployments[0].alarms.clone();
    if let Part::Ok { value } = &mut p.regions[0].deployments[1].alarms {
        value.extend(shared.value().cloned().unwrap_or_default());
    }
    for view in &mut p.regions[0].deployments[..2] {
        if let Part::Ok { value } = &mut view.alarms {
            for a in value
                .iter_mut()
                .filter(|a| a.alarm.name == "checkout-errors")
            {
                a.alarm.state = AlarmState::Alarm;
                a.alarm.reason = "Threshold Crossed: 1 datapoint [12.0] > 10".into();
            }
        }
    }
    let notices = notices_for(&mut m, p, 10);
    let [notice] = notices.as_slice() else {
        panic!("one notice: {notices:#?}");
    };
    assert_eq!(
        notice.what,
        What::Alarm {
            alarm: "checkout-errors".into(),
            reason: "Threshold Crossed: 1 datapoint [12.0] > 10".into()
        }
    );
    assert_eq!(notice.deployment_ids, ["d-LINEAR001", "d-CANARY002"]);
    assert_eq!(
        notice.text(),
        "ALARM checkout-errors (checkout-api:live and 1 more): Threshold Crossed: 1 datapoint [12.0] > 10"
    );
}

#[test]
fn a_deployment_stopped_and_rolled_back_rings_with_why() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    let mut p = fx::picture();
    let canary = &mut p.regions[0].deployments[1];
    canary.deployment.status = DeploymentStatus::Stopped;
    canary.deployment.rollback.rollback_deployment_id = Some("d-ROLLBACK9".into());
    canary.deployment.error = Some(rollwatch::domain::DeploymentError {
        code: "ALARM_ACTIVE".into(),
        message: "One or more alarms have been activated".into(),
    });
    let notices = notices_for(&mut m, p, 10);
    let [notice] = notices.as_slice() else {
        panic!("one notice: {notices:#?}");
    };
    assert_eq!(notice.deployment_ids, ["d-CANARY002"]);
    assert_eq!(
        notice.text(),
        "payments-fn:live Stopped, rolled back by d-ROLLBACK9: ALARM_ACTIVE One or more alarms have been activated"
    );
}

#[test]
fn the_verdict_turning_fail_rings_with_its_reason() {
    let mut before = fx::picture();
    before.regions[0].deployments[1].verdict = None;
    let mut m = fx::model(Some(before), (140, 45));
    let notices = notices_for(&mut m, fx::picture(), 60);
    let verdicts: Vec<&Notice> = notices
        .iter()
        .filter(|n| matches!(n.what, What::Verdict { .. }))
        .collect();
    let [notice] = verdicts.as_slice() else {
        panic!("one verdict notice: {notices:#?}");
    };
    assert_eq!(notice.deployment_ids, ["d-CANARY002"]);
    let view = &fx::picture().regions[0].deployments[1];
    assert_eq!(
        view.verdict.as_ref().map(|v| v.overall),
        Some(Judgement::Fail)
    );
    assert_begins(&notice.text(), "verdict FAIL payments-fn:live: ");
}

#[test]
fn a_hook_running_past_the_wait_threshold_rings_once() {
    let with_hook = |started_secs_ago: i64| {
        let mut p = fx::picture();
        if let Part::Ok { value } = &mut p.regions[0].deployments[0].target {
            let hook = &mut value.events[2];
            hook.status = EventStatus::InProgress;
            hook.start = Some(fx::now() - chrono::Duration::seconds(started_secs_ago));
        }
        p
    };
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    // 30 s in: a hook doing its work, not waiting (threshold 60 s).
    assert!(notices_for(&mut m, with_hook(30), 0).is_empty());
    let notices = notices_for(&mut m, with_hook(30), 45);
    let [notice] = notices.as_slice() else {
        panic!("one notice: {notices:#?}");
    };
    assert_eq!(
        notice.what,
        What::HookWaiting {
            hook: "AfterAllowTraffic".into(),
            waiting_secs: 75
        }
    );
    assert!(notices_for(&mut m, with_hook(30), 90).is_empty(), "once");
}

#[test]
fn notice_kinds_switched_off_in_the_config_are_not_delivered() {
    use rollwatch::domain::notify::{NotifyConfig, Quiet};
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    let mut p = fx::picture();
    p.regions[0].deployments[1].deployment.status = DeploymentStatus::Failed;
    let notices = notices_for(&mut m, p, 10);
    assert_eq!(notices.len(), 1);
    let config = NotifyConfig {
        ended: false,
        ..NotifyConfig::default()
    };
    assert!(
        Quiet::default()
            .admit(notices, &config, fx::now())
            .is_empty()
    );
}
