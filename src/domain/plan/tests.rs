//! Schedule tests for all nine predefined configurations and custom ones.

use super::*;
use chrono::TimeZone;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
        .single()
        .expect("valid time")
}

fn plan(name: &str) -> TrafficPlan {
    let config = DeploymentConfig::predefined(name).expect("predefined");
    TrafficPlan::new(config.routing, t0(), ScheduleModel::default())
}

fn offsets(plan: &TrafficPlan) -> Vec<(i64, u32)> {
    plan.steps
        .iter()
        .map(|s| {
            (
                (s.at - plan.traffic_start).num_seconds(),
                (s.weight * 100.0).round() as u32,
            )
        })
        .collect()
}

#[test]
fn all_nine_predefined_configs_are_known() {
    assert_eq!(DeploymentConfig::predefined_names().count(), 9);
    for name in DeploymentConfig::predefined_names() {
        assert!(DeploymentConfig::predefined(name).is_some(), "{name}");
    }
    assert!(DeploymentConfig::predefined("CodeDeployDefault.OneAtATime").is_none());
}

#[test]
fn canary_configs_shift_twice() {
    for (name, minutes) in [
        ("CodeDeployDefault.LambdaCanary10Percent5Minutes", 5),
        ("CodeDeployDefault.LambdaCanary10Percent10Minutes", 10),
        ("CodeDeployDefault.LambdaCanary10Percent15Minutes", 15),
        ("CodeDeployDefault.LambdaCanary10Percent30Minutes", 30),
    ] {
        let p = plan(name);
        assert_eq!(offsets(&p), vec![(0, 10), (minutes * 60, 100)], "{name}");
        assert_eq!(p.shifting_ends, t0() + Duration::minutes(minutes), "{name}");
    }
}

#[test]
fn linear_configs_reach_100_after_nine_waits() {
    for (name, minutes) in [
        ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute", 1),
        ("CodeDeployDefault.LambdaLinear10PercentEvery2Minutes", 2),
        ("CodeDeployDefault.LambdaLinear10PercentEvery3Minutes", 3),
        ("CodeDeployDefault.LambdaLinear10PercentEvery10Minutes", 10),
    ] {
        let p = plan(name);
        let expected: Vec<(i64, u32)> = (0..10)
            .map(|k| (k * minutes * 60, (k as u32 + 1) * 10))
            .collect();
        assert_eq!(offsets(&p), expected, "{name}");
        assert_eq!(
            p.shifting_ends,
            t0() + Duration::minutes(9 * minutes),
            "{name}"
        );
    }
}

#[test]
fn all_at_once_is_one_shift_at_t0() {
    let p = plan("CodeDeployDefault.LambdaAllAtOnce");
    assert_eq!(offsets(&p), vec![(0, 100)]);
    assert_eq!(p.shifting_ends, t0());
}

#[test]
fn custom_linear_caps_the_last_step() {
    let routing = TrafficRouting::TimeBasedLinear {
        percent: 30,
        interval_minutes: 5,
    };
    let p = TrafficPlan::new(routing, t0(), ScheduleModel::default());
    assert_eq!(offsets(&p), vec![(0, 30), (300, 60), (600, 90), (900, 100)]);
}

#[test]
fn custom_canary() {
    let routing = TrafficRouting::TimeBasedCanary {
        percent: 25,
        interval_minutes: 45,
    };
    let p = TrafficPlan::new(routing, t0(), ScheduleModel::default());
    assert_eq!(offsets(&p), vec![(0, 25), (2700, 100)]);
}

#[test]
fn hold_at_100_adds_one_interval_to_the_end_only() {
    let model = ScheduleModel {
        hold_at_100_for_one_interval: true,
        ..ScheduleModel::default()
    };
    let routing = TrafficRouting::TimeBasedLinear {
        percent: 10,
        interval_minutes: 10,
    };
    let p = TrafficPlan::new(routing, t0(), model);
    assert_eq!(
        p.steps.last().map(|s| s.at),
        Some(t0() + Duration::minutes(90))
    );
    assert_eq!(
        p.shifting_ends,
        t0() + Duration::minutes(100),
        "SAM's '100 minutes'"
    );
    let all = TrafficPlan::new(TrafficRouting::AllAtOnce, t0(), model);
    assert_eq!(all.shifting_ends, t0());
}

#[test]
fn expected_weight_at_arbitrary_instants() {
    let p = plan("CodeDeployDefault.LambdaLinear10PercentEvery1Minute");
    let at = |s: i64| p.expected_weight(t0() + Duration::seconds(s));
    assert!((at(-1) - 0.0).abs() < 1e-9, "nothing before t0");
    assert!((at(0) - 0.1).abs() < 1e-9);
    assert!((at(59) - 0.1).abs() < 1e-9);
    assert!((at(60) - 0.2).abs() < 1e-9);
    assert!((at(539) - 0.9).abs() < 1e-9);
    assert!((at(540) - 1.0).abs() < 1e-9);
    assert!((at(100_000) - 1.0).abs() < 1e-9);
    let c = plan("CodeDeployDefault.LambdaCanary10Percent30Minutes");
    assert!((c.expected_weight(t0() + Duration::minutes(29)) - 0.1).abs() < 1e-9);
}

#[test]
fn next_shift_and_current_step() {
    let p = plan("CodeDeployDefault.LambdaCanary10Percent5Minutes");
    let now = t0() + Duration::seconds(10);
    assert_eq!(p.current_step(now), Some(0));
    let next = p.next_shift(now).expect("a next shift");
    assert_eq!(next.at, t0() + Duration::minutes(5));
    assert!((next.weight - 1.0).abs() < 1e-9);
    assert_eq!(p.next_shift(t0() + Duration::minutes(5)), None);
    assert_eq!(p.current_step(t0() - Duration::seconds(1)), None);
}

#[test]
fn reanchoring_moves_the_observed_step_and_later_ones() {
    let p = plan("CodeDeployDefault.LambdaLinear10PercentEvery1Minute");
    let late = p.reanchored(0.3, t0() + Duration::seconds(124));
    assert_eq!(
        late.steps[1].at,
        t0() + Duration::seconds(60),
        "earlier steps stay"
    );
    assert_eq!(late.steps[2].at, t0() + Duration::seconds(124));
    assert_eq!(late.steps[3].at, t0() + Duration::seconds(184));
    assert_eq!(late.shifting_ends, t0() + Duration::seconds(544));
    assert_eq!(
        p.reanchored(0.55, t0()),
        p,
        "a weight that is no step changes nothing"
    );
}
