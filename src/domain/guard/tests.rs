//! The guard on pictures built by hand: it arms on a Fail verdict, counts down only after the
//! verdict stayed Fail long enough, fires once, disarms when the verdict recovers or the
//! deployment ends, never re-arms after a cancel, and converts its countdown to real seconds on
//! an accelerated clock.

use chrono::{DateTime, Duration, Utc};

use super::{Guard, GuardConfig, GuardEvent, Phase};
use crate::domain::verdict::view::tests::{at, view};
use crate::domain::verdict::{Judgement, Verdict};
use crate::domain::{ClockSource, DeploymentStatus, Freshness, Part, Picture, RegionPicture};

fn picture(judgement: Option<Judgement>, status: DeploymentStatus) -> Picture {
    let mut v = view(Part::skipped("test"), None);
    v.deployment.status = status;
    v.verdict = judgement.map(|overall| Verdict {
        overall,
        metrics: Vec::new(),
        old_version: "6".into(),
        new_version: "7".into(),
        minutes: 10,
        since: Some(at(0)),
        detectable: std::collections::BTreeMap::new(),
        canary_minutes: None,
        traffic_per_minute: None,
        warmup_minutes: 0,
    });
    Picture {
        schema_version: 1,
        taken_at: at(0),
        clock: ClockSource::Service,
        regions: vec![RegionPicture {
            region: "us-east-1".into(),
            deployments: vec![v],
            listing: Part::Ok { value: 1 },
            recent: Part::Ok { value: Vec::new() },
            listing_freshness: Freshness::default(),
            splits: Vec::new(),
            alias_scan: crate::domain::AliasScan::default(),
            owner: crate::domain::Owner::default(),
        }],
    }
}

fn fail() -> Picture {
    picture(Some(Judgement::Fail), DeploymentStatus::InProgress)
}

fn secs(t: DateTime<Utc>, s: i64) -> DateTime<Utc> {
    t + Duration::seconds(s)
}

fn guard() -> Guard {
    Guard::new(GuardConfig {
        fail_for_secs: 60,
        countdown_secs: 10,
    })
}

fn fired(events: &[GuardEvent]) -> bool {
    events.iter().any(|e| matches!(e, GuardEvent::Fire { .. }))
}

#[test]
fn fires_once_after_fail_persists_and_the_countdown_runs_out() {
    let mut g = guard();
    let t0 = at(0);
    let events = g.observe(&fail(), t0, 1.0);
    assert!(matches!(events.as_slice(), [GuardEvent::Armed { id, .. }] if id == "d-1"));
    assert!(g.tick(secs(t0, 59)).is_empty(), "still inside fail_for");
    let started = g.observe(&fail(), secs(t0, 60), 1.0);
    assert!(
        started
            .iter()
            .any(|e| matches!(e, GuardEvent::CountdownStarted { secs: 10, .. })),
        "{started:?}"
    );
    let armed = g.armed(secs(t0, 63));
    assert_eq!(armed[0].fires_in, Some(7));
    assert_eq!(armed[0].subject, "checkout:live");
    assert!(!fired(&g.tick(secs(t0, 69))));
    let events = g.tick(secs(t0, 70));
    let Some(GuardEvent::Fire { id, region, rule }) = events.first() else {
        panic!("no fire: {events:?}");
    };
    assert_eq!((id.as_str(), region.as_str()), ("d-1", "us-east-1"));
    assert!(rule.contains("verdict FAIL for 60s"), "{rule}");
    assert_eq!(g.phase("d-1"), Some(Phase::Fired));
    assert!(!fired(&g.tick(secs(t0, 200))), "fires once");
    assert!(!fired(&g.observe(&fail(), secs(t0, 300), 1.0)));
    assert!(g.armed(secs(t0, 300)).is_empty());
}

#[test]
fn a_recovered_verdict_disarms_and_a_new_fail_starts_over() {
    let mut g = guard();
    let t0 = at(0);
    g.observe(&fail(), t0, 1.0);
    g.observe(&fail(), secs(t0, 60), 1.0);
    let pass = picture(Some(Judgement::Pass), DeploymentStatus::InProgress);
    let events = g.observe(&pass, secs(t0, 65), 1.0);
    assert!(
        matches!(events.as_slice(), [GuardEvent::Disarmed { why, .. }] if why.contains("no longer Fail")),
        "{events:?}"
    );
    assert!(!fired(&g.tick(secs(t0, 100))));
    g.observe(&fail(), secs(t0, 100), 1.0);
    assert!(
        !fired(&g.tick(secs(t0, 170))),
        "fail_for counts again from 100 s"
    );
    assert_eq!(
        g.phase("d-1"),
        Some(Phase::CountingDown {
            fire_at: secs(t0, 180)
        })
    );
}

#[test]
fn not_enough_data_and_ended_deployments_never_fire() {
    let mut g = guard();
    let t0 = at(0);
    let quiet = picture(Some(Judgement::NotEnoughData), DeploymentStatus::InProgress);
    assert!(g.observe(&quiet, t0, 1.0).is_empty());
    assert!(
        g.observe(&picture(None, DeploymentStatus::InProgress), t0, 1.0)
            .is_empty()
    );
    g.observe(&fail(), t0, 1.0);
    let stopped = picture(Some(Judgement::Fail), DeploymentStatus::Stopped);
    let events = g.observe(&stopped, secs(t0, 61), 1.0);
    assert!(
        matches!(events.as_slice(), [GuardEvent::Disarmed { why, .. }] if why.contains("ended")),
        "{events:?}"
    );
    g.observe(&fail(), secs(t0, 62), 1.0);
    let mut empty = fail();
    empty.regions[0].deployments.clear();
    let events = g.observe(&empty, secs(t0, 63), 1.0);
    assert!(matches!(events.as_slice(), [GuardEvent::Disarmed { .. }]));
    assert!(!fired(&g.tick(secs(t0, 1000))));
}

#[test]
fn cancelling_stands_the_guard_down_for_good() {
    let mut g = guard();
    let t0 = at(0);
    g.observe(&fail(), t0, 1.0);
    g.tick(secs(t0, 60));
    let events = g.cancel_all();
    assert_eq!(events, vec![GuardEvent::Cancelled { id: "d-1".into() }]);
    assert!(g.cancel_all().is_empty(), "nothing left to cancel");
    assert!(!fired(&g.tick(secs(t0, 1000))));
    let events = g.observe(&fail(), secs(t0, 1001), 1.0);
    assert!(events.is_empty(), "never re-armed: {events:?}");
    assert!(g.armed(secs(t0, 1001)).is_empty());
}

#[test]
fn the_countdown_is_in_real_seconds_on_an_accelerated_clock() {
    let mut g = Guard::new(GuardConfig {
        fail_for_secs: 0,
        countdown_secs: 1,
    });
    assert_eq!(g.config().countdown_secs, super::MIN_COUNTDOWN_SECS);
    let t0 = at(0);
    // 30 simulated seconds per real second: 5 real seconds are 150 service seconds.
    let events = g.observe(&fail(), t0, 30.0);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, GuardEvent::CountdownStarted { secs: 5, .. }))
    );
    assert_eq!(g.armed(t0)[0].fires_in, Some(5));
    assert_eq!(g.armed(secs(t0, 60))[0].fires_in, Some(3));
    assert!(!fired(&g.tick(secs(t0, 149))));
    assert!(fired(&g.tick(secs(t0, 150))));
}

#[test]
fn stale_metrics_hold_the_countdown_at_its_full_length() {
    let mut guard = Guard::new(GuardConfig {
        fail_for_secs: 60,
        countdown_secs: 30,
    });
    guard.observe(&fail(), at(0), 1.0);
    guard.tick(at(60));
    assert!(
        guard
            .armed(at(60))
            .first()
            .is_some_and(|a| a.fires_in.is_some())
    );
    let id = guard.armed(at(60))[0].id.clone();
    // The metrics stop refreshing: held, and it never fires while they stay stale.
    let mut stale = fail();
    let m = &mut stale.regions[0].deployments[0].freshness.metrics;
    m.interval_secs = 60;
    m.fetched_at = Some(at(-400));
    let events = guard.observe(&stale, at(70), 1.0);
    assert!(
        events.iter().any(|e| matches!(e, GuardEvent::Held { .. })),
        "{events:?}"
    );
    for s in (70..400).step_by(5) {
        let events = guard.tick(at(s));
        assert!(
            !events.iter().any(|e| matches!(e, GuardEvent::Fire { .. })),
            "fired on stale data at +{s}s"
        );
    }
    assert!(guard.armed(at(400))[0].held.is_some());
    // Fresh again: the full countdown shows, then it fires.
    let events = guard.observe(&fail(), at(400), 1.0);
    assert!(!events.iter().any(|e| matches!(e, GuardEvent::Fire { .. })));
    assert_eq!(guard.armed(at(400))[0].fires_in, Some(30), "{id}");
    let events = guard.tick(at(430));
    assert!(events.iter().any(|e| matches!(e, GuardEvent::Fire { .. })));
}

#[test]
fn nothing_runs_out_while_the_countdown_cannot_be_seen() {
    let mut guard = Guard::new(GuardConfig {
        fail_for_secs: 60,
        countdown_secs: 30,
    });
    guard.observe(&fail(), at(0), 1.0);
    guard.tick(at(60));
    guard.set_visible(false);
    for s in (60..600).step_by(5) {
        let events = guard.tick(at(s));
        assert!(!events.iter().any(|e| matches!(e, GuardEvent::Fire { .. })));
    }
    assert!(guard.armed(at(600))[0].held.is_some());
    guard.set_visible(true);
    let resumed = guard.tick(at(600));
    assert!(!resumed.iter().any(|e| matches!(e, GuardEvent::Fire { .. })));
    assert_eq!(
        guard.armed(at(600))[0].fires_in,
        Some(30),
        "shown whole again"
    );
    assert!(
        guard
            .tick(at(630))
            .iter()
            .any(|e| matches!(e, GuardEvent::Fire { .. }))
    );
}

#[test]
fn a_failing_split_outside_any_deployment_is_never_guarded() {
    let mut g = guard();
    let t0 = at(0);
    let mut split = fail();
    split.regions[0].deployments[0].deployment.source = crate::domain::Source::Alias;
    for s in [0, 61, 200, 1000] {
        assert!(g.observe(&split, secs(t0, s), 1.0).is_empty(), "at {s} s");
        assert!(!fired(&g.tick(secs(t0, s))));
    }
}
