//! The verdict of a deployment as the engine assembles it: the series from the view, the
//! function's own thresholds, and only the minutes since traffic started shifting.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::domain::verdict::{Judgement, MetricKind, VerdictConfig, judge_view};
use crate::domain::{
    Deployment, DeploymentStatus, DeploymentView, FunctionTarget, MinutePoint, Part, TrafficPlan,
    TrafficRouting, VersionMetrics, ViewFreshness,
};

pub(crate) fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(minute)
}

/// 30 minutes; before minute 10 only the pre-traffic hook ran the new version (all errors).
pub(crate) fn series(version: &str, inv: f64, err_after: f64, err_before: f64) -> VersionMetrics {
    VersionMetrics {
        version: version.into(),
        points: (0..30)
            .map(|i| MinutePoint {
                at: at(i),
                invocations: Some(inv),
                errors: Some(if i < 10 { err_before } else { err_after }),
                throttles: Some(0.0),
                error_rate: None,
                duration_avg_ms: Some(100.0),
                duration_p50_ms: Some(100.0 + (i % 3) as f64),
                duration_p99_ms: Some(400.0 + (i % 5) as f64),
                slow: None,
                business: Vec::new(),
            })
            .collect(),
        slow_above_ms: None,
    }
}

pub(crate) fn view(
    metrics: Part<Vec<VersionMetrics>>,
    plan: Option<TrafficPlan>,
) -> DeploymentView {
    DeploymentView {
        deployment: Deployment {
            group: "group".into(),
            create_time: Some(at(0)),
            start_time: Some(at(0)),
            target: Some(FunctionTarget {
                function: "checkout".into(),
                alias: "live".into(),
                current_version: "6".into(),
                target_version: "7".into(),
            }),
            ..crate::domain::fixtures::deployment(
                "d-1",
                DeploymentStatus::InProgress,
                "CodeDeployDefault.LambdaCanary10Percent30Minutes",
            )
        },
        config: Part::skipped("test"),
        target: Part::skipped("test"),
        appspec: Part::skipped("test"),
        group: Part::skipped("test"),
        alias: Part::skipped("test"),
        weight: None,
        plan,
        schedule: None,
        alarms: Part::skipped("test"),
        metrics,
        alias_disagrees: None,
        warnings: Vec::new(),
        freshness: ViewFreshness::default(),
        verdict: None,
    }
}

pub(crate) fn plan() -> TrafficPlan {
    TrafficPlan::new(
        TrafficRouting::TimeBasedCanary {
            percent: 10,
            interval_minutes: 30,
        },
        at(10),
        crate::domain::ScheduleModel::default(),
    )
}

#[test]
fn judges_the_minutes_since_the_shift_with_the_functions_thresholds() {
    let metrics = Part::Ok {
        value: vec![series("6", 900.0, 1.0, 1.0), series("7", 4.0, 0.0, 4.0)],
    };
    let v = judge_view(
        &view(metrics.clone(), Some(plan())),
        &VerdictConfig::default(),
    )
    .expect("verdict");
    // 80 invocations of the new version in 20 minutes (the hook's failures before the shift
    // are not counted): too few by default, enough for checkout's own threshold.
    assert_eq!(v.minutes, 20);
    assert_eq!(v.since, Some(at(10)));
    assert_eq!(v.overall, Judgement::NotEnoughData);
    let config: VerdictConfig =
        toml::from_str("[functions.checkout]\nmin_invocations = 50\n").expect("config");
    let v = judge_view(&view(metrics, Some(plan())), &config).expect("verdict");
    let errors = v
        .metrics
        .iter()
        .find(|m| m.metric == MetricKind::ErrorRate)
        .expect("errors");
    assert_eq!(errors.judgement, Judgement::Pass, "{}", errors.reason);
    assert_eq!(v.overall, Judgement::Pass);
}

#[test]
fn no_verdict_without_metrics_or_a_traffic_start() {
    let metrics = Part::Ok {
        value: vec![series("6", 900.0, 1.0, 1.0), series("7", 4.0, 0.0, 4.0)],
    };
    assert!(judge_view(&view(metrics, None), &VerdictConfig::default()).is_none());
    let skipped = view(Part::skipped("the versions are unknown"), Some(plan()));
    assert!(judge_view(&skipped, &VerdictConfig::default()).is_none());
}
