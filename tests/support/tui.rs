//! Fixed pictures and models for the TUI tests and benchmarks, at a fixed "now"
//! (2026-11-22 02:30:00 UTC): a healthy linear, a failing canary with its alarm in ALARM, a
//! stopped deployment that left its alias split, and a finished deployment with the rollback it
//! caused.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // the benches use a part of it

use chrono::{DateTime, Duration, TimeZone, Utc};
use rollwatch::domain::{
    Alarm, AlarmKind, AlarmMeasure, AlarmState, AliasSplit, AliasWeights, ClockReading,
    ClockSource, Creator, Deployment, DeploymentAlarm, DeploymentConfig, DeploymentError,
    DeploymentStatus, DeploymentView, EventStatus, Failure, FailureKind, Freshness, FunctionTarget,
    GroupSettings, LambdaTarget, LifecycleEvent, MinutePoint, Part, Picture, RegionPicture,
    RollbackLinks, ScheduleModel, ScheduleStatus, TargetWeight, TrafficPlan, VersionMetrics,
    ViewFreshness, WeightSource, warnings_for,
};
use rollwatch::keymap::Keymap;
use rollwatch::tui::theme::Theme;
use rollwatch::tui::{Model, Msg, update};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 2, 30, 0)
        .single()
        .unwrap()
}

fn ago(secs: i64) -> DateTime<Utc> {
    now() - Duration::seconds(secs)
}

pub fn deployment(
    id: &str,
    app: &str,
    function: &str,
    from: &str,
    to: &str,
    config: &str,
) -> Deployment {
    Deployment {
        id: id.into(),
        application: app.into(),
        group: format!("{app}-dg"),
        status: DeploymentStatus::InProgress,
        creator: Creator::User,
        config_name: config.into(),
        create_time: Some(ago(400)),
        start_time: Some(ago(390)),
        complete_time: None,
        target: Some(FunctionTarget {
            function: function.into(),
            alias: "live".into(),
            current_version: from.into(),
            target_version: to.into(),
        }),
        rollback: RollbackLinks::default(),
        error: None,
        status_messages: vec![],
        external_id: None,
        description: None,
        revision: None,
        source: rollwatch::domain::Source::CodeDeploy,
    }
}

fn event(name: &str, status: EventStatus, start: i64, end: Option<i64>) -> LifecycleEvent {
    LifecycleEvent {
        name: name.into(),
        status,
        start: Some(ago(start)),
        end: end.map(ago),
        diagnostics: None,
    }
}

fn alarm(
    name: &str,
    state: AlarmState,
    since: i64,
    start: Option<DateTime<Utc>>,
) -> DeploymentAlarm {
    DeploymentAlarm::new(
        Alarm {
            name: name.into(),
            kind: AlarmKind::Metric,
            reason: if state == AlarmState::Alarm {
                "Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (1.0)".into()
            } else {
                String::new()
            },
            state,
            since: Some(ago(since)),
            measure: Some(AlarmMeasure {
                namespace: "AWS/Lambda".into(),
                metric: "Errors".into(),
                dimensions: vec![],
                statistic: "Sum".into(),
                comparison: "GreaterThanThreshold".into(),
                threshold: 1.0,
                period_secs: 60,
                evaluation_periods: 3,
                datapoints_to_alarm: Some(2),
            }),
            rule: None,
        },
        start,
    )
}

/// `minutes` minutes of a version's metrics ending at the last complete minute.
pub fn series(
    version: &str,
    minutes: i64,
    invocations: f64,
    error_pct: f64,
    p99: f64,
) -> VersionMetrics {
    let end = now() - Duration::minutes(1);
    VersionMetrics {
        version: version.into(),
        points: (0..minutes)
            .map(|i| {
                let at = end - Duration::minutes(minutes - 1 - i);
                let wobble = (i % 3) as f64;
                let inv = if invocations > 0.0 {
                    Some(invocations + wobble * 5.0)
                } else {
                    None
                };
                MinutePoint {
                    at,
                    invocations: inv,
                    errors: inv.map(|n| (n * error_pct / 100.0).round()),
                    throttles: inv.map(|_| 0.0),
                    error_rate: inv.map(|_| error_pct + wobble * 0.1),
                    duration_avg_ms: inv.map(|_| p99 / 3.0),
                    duration_p50_ms: inv.map(|_| p99 / 4.0),
                    duration_p99_ms: inv.map(|_| p99 + wobble * 10.0),
                    slow: None,
                    business: Vec::new(),
                }
            })
            .collect(),
        slow_above_ms: None,
    }
}

fn fresh(secs_ago: i64, interval: u32) -> Freshness {
    Freshness::fetched(ago(secs_ago), interval)
}

fn view(
    d: Deployment,
    routing_config: &str,
    traffic_start_ago: i64,
    live_weight: f64,
    alarms: Vec<DeploymentAlarm>,
    metrics: Vec<VersionMetrics>,
) -> DeploymentView {
    let config = DeploymentConfig::predefined(routing_config).unwrap();
    let target_fn = d.target.clone().unwrap();
    let plan = TrafficPlan::new(
        config.routing,
        ago(traffic_start_ago),
        ScheduleModel::default(),
    );
    let schedule = ScheduleStatus::of(&plan, now());
    let alias = AliasWeights {
        function: target_fn.function.clone(),
        alias: target_fn.alias.clone(),
        primary_version: target_fn.current_version.clone(),
        additional: vec![(target_fn.target_version.clone(), live_weight)],
        revision_id: None,
    };
    let target = LambdaTarget {
        target_id: format!("{}:{}", target_fn.function, target_fn.alias),
        status: EventStatus::InProgress,
        function: target_fn,
        recorded_weight: live_weight,
        last_updated: Some(ago(20)),
        events: vec![
            event(
                "BeforeAllowTraffic",
                EventStatus::Succeeded,
                traffic_start_ago + 15,
                Some(traffic_start_ago),
            ),
            event(
                "AllowTraffic",
                EventStatus::InProgress,
                traffic_start_ago,
                None,
            ),
            LifecycleEvent {
                name: "AfterAllowTraffic".into(),
                status: EventStatus::Pending,
                start: None,
                end: None,
                diagnostics: None,
            },
        ],
    };
    let mut v = DeploymentView {
        deployment: d,
        config: Part::Ok { value: config },
        target: Part::Ok { value: target },
        appspec: Part::skipped("not needed"),
        group: Part::Ok {
            value: GroupSettings {
                alarms_enabled: true,
                alarm_names: alarms.iter().map(|a| a.alarm.name.clone()).collect(),
                ignore_poll_alarm_failure: false,
                auto_rollback_enabled: true,
                auto_rollback_events: vec!["DEPLOYMENT_STOP_ON_ALARM".into()],
            },
        },
        alias: Part::Ok { value: alias },
        weight: Some(TargetWeight {
            weight: live_weight,
            source: WeightSource::LiveAlias,
        }),
        plan: Some(plan),
        schedule: Some(schedule),
        alarms: Part::Ok { value: alarms },
        metrics: Part::Ok { value: metrics },
        alias_disagrees: None,
        warnings: vec![],
        verdict: None,
        freshness: ViewFreshness {
            deployment: fresh(2, 5),
            target: fresh(2, 120),
            alias: fresh(4, 30),
            alarms: fresh(3, 10),
            metrics: fresh(25, 60),
        },
    };
    v.verdict = rollwatch::domain::judge_view(&v, &rollwatch::domain::VerdictConfig::default());
    v.warnings = warnings_for(&v, now());
    v
}

pub fn healthy_linear() -> DeploymentView {
    let d = deployment(
        "d-LINEAR001",
        "checkout",
        "checkout-api",
        "41",
        "42",
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    );
    view(
        d,
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        270,
        0.5,
        vec![alarm(
            "checkout-errors",
            AlarmState::Ok,
            3600,
            Some(ago(390)),
        )],
        vec![
            series("41", 15, 400.0, 0.2, 180.0),
            series("42", 5, 300.0, 0.25, 190.0),
        ],
    )
}

pub fn failing_canary() -> DeploymentView {
    let d = deployment(
        "d-CANARY002",
        "payments",
        "payments-fn",
        "7",
        "8",
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    );
    view(
        d,
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        180,
        0.1,
        vec![
            alarm("payments-errors", AlarmState::Alarm, 60, Some(ago(390))),
            alarm("payments-latency", AlarmState::Ok, 7200, Some(ago(390))),
        ],
        vec![
            series("7", 15, 900.0, 0.3, 240.0),
            series("8", 3, 100.0, 12.5, 900.0),
        ],
    )
}

pub fn stopped_split() -> DeploymentView {
    let mut d = deployment(
        "d-STOPPED03",
        "orders",
        "orders-fn",
        "3",
        "4",
        "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    );
    d.status = DeploymentStatus::Stopped;
    d.complete_time = Some(ago(600));
    d.error = Some(DeploymentError {
        code: "MANUAL_STOP".into(),
        message: "Stopped by user".into(),
    });
    let mut v = view(
        d,
        "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
        1500,
        0.3,
        vec![],
        vec![],
    );
    v.metrics = Part::skipped("finished");
    v.plan = None;
    v.schedule = None;
    v.warnings = warnings_for(&v, now());
    v
}

pub fn finished_with_rollback() -> Vec<Deployment> {
    let mut failed = deployment(
        "d-FAILED004",
        "search",
        "search-fn",
        "12",
        "13",
        "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    );
    failed.status = DeploymentStatus::Failed;
    failed.complete_time = Some(ago(1800));
    failed.error = Some(DeploymentError {
        code: "ALARM_ACTIVE".into(),
        message: "One or more alarms have been activated".into(),
    });
    failed.rollback.rollback_deployment_id = Some("d-ROLLBK005".into());
    let mut rollback = deployment(
        "d-ROLLBK005",
        "search",
        "search-fn",
        "13",
        "12",
        "CodeDeployDefault.LambdaAllAtOnce",
    );
    rollback.status = DeploymentStatus::Succeeded;
    rollback.creator = Creator::CodeDeployRollback;
    rollback.complete_time = Some(ago(1700));
    rollback.rollback.triggered_by_deployment_id = Some("d-FAILED004".into());
    vec![rollback, failed]
}

pub fn region(deployments: Vec<DeploymentView>, recent: Vec<Deployment>) -> RegionPicture {
    RegionPicture {
        region: "us-east-1".into(),
        listing: Part::Ok {
            value: deployments.len(),
        },
        deployments,
        recent: Part::Ok { value: recent },
        listing_freshness: fresh(3, 15),
        splits: Vec::new(),
        alias_scan: rollwatch::domain::AliasScan::default(),
        owner: rollwatch::domain::Owner::default(),
    }
}

pub fn picture_of(regions: Vec<RegionPicture>) -> Picture {
    Picture {
        schema_version: 1,
        taken_at: now(),
        clock: ClockSource::Service,
        regions,
    }
}

/// The normal picture: a healthy linear, a failing canary, a stopped deployment with a split
/// alias, and a failed deployment with its rollback.
pub fn picture() -> Picture {
    picture_of(vec![region(
        vec![healthy_linear(), failing_canary(), stopped_split()],
        finished_with_rollback(),
    )])
}

/// Listing failed (access denied).
pub fn failed_picture() -> Picture {
    let failure = Failure::new(
        FailureKind::AccessDenied,
        "codedeploy",
        "ListDeployments",
        "User is not authorized",
        Some("prod"),
    );
    let mut region = region(vec![], vec![]);
    region.listing = Part::Failed {
        failure: failure.clone(),
    };
    region.recent = Part::Failed {
        failure: failure.clone(),
    };
    region.listing_freshness.last_error = Some(failure);
    picture_of(vec![region])
}

/// The normal picture, with the metrics throttled for 5 minutes and the alias stale.
pub fn stale_picture() -> Picture {
    let mut p = picture();
    let throttled = Failure::new(
        FailureKind::Throttled,
        "cloudwatch",
        "GetMetricData",
        "Rate exceeded",
        None,
    );
    for v in &mut p.regions[0].deployments {
        v.freshness.metrics = Freshness {
            fetched_at: Some(ago(300)),
            interval_secs: 60,
            last_error: Some(throttled.clone()),
        };
        v.freshness.alias = fresh(200, 30);
    }
    p
}

pub fn clock() -> ClockReading {
    ClockReading {
        now: now(),
        rate: 1.0,
        rate_known: true,
        source: ClockSource::Service,
    }
}

/// A model of `size` that received `picture` (None: still loading).
/// A picture arrives from the engine, read at [`clock`]: the commands the model answers with.
pub fn arrives(m: &mut Model, picture: Picture) -> Vec<rollwatch::tui::Effect> {
    update(
        m,
        Msg::Picture {
            picture: Box::new(picture),
            clock: clock(),
        },
    )
}

pub fn model(picture: Option<Picture>, size: (u16, u16)) -> Model {
    let mut m = Model::new(Keymap::default(), Theme::default());
    m.profile = rollwatch::domain::Profile::named("prod");
    m.account = Some("123456789012".into());
    update(&mut m, Msg::Resize(size.0, size.1));
    if let Some(p) = picture {
        arrives(&mut m, p);
    }
    m
}

/// `n` active deployments (for the benchmark).
pub fn big_picture(n: usize) -> Picture {
    let views = (0..n)
        .map(|i| {
            let mut v = if i % 2 == 0 {
                healthy_linear()
            } else {
                failing_canary()
            };
            v.deployment.id = format!("d-{i:09}");
            v
        })
        .collect();
    picture_of(vec![region(views, finished_with_rollback())])
}

/// What `prepare` gives back for `action` on `view` by `initiator`, without AWS: the
/// confirmation is built from the view, as `prepare` builds it from a fresh read.
pub fn prepared(
    view: &DeploymentView,
    action: &rollwatch::domain::Action,
    protected: bool,
    initiator: rollwatch::actions::Initiator,
) -> rollwatch::actions::Prepared {
    use rollwatch::actions::{Context, Prepared, Request};
    use rollwatch::domain::{Action, blast_radius, confirmation};
    let request = match action {
        Action::Rollback => Request::Rollback,
        _ => Request::Stop,
    };
    let context = Context {
        profile: rollwatch::domain::Profile::named("prod"),
        region: "us-east-1".into(),
        protected,
        initiator,
    };
    let mut p = Prepared::refused(view, &request, context, String::new());
    p.action = Ok(action.clone());
    let blast = blast_radius(
        view,
        "us-east-1",
        Some("123456789012"),
        &rollwatch::domain::Profile::named("prod"),
    );
    p.confirmation = Some(confirmation(action, blast, protected));
    p
}

/// The message line's text.
pub fn message(m: &Model) -> String {
    m.actions
        .message
        .clone()
        .map(|(t, _)| t)
        .unwrap_or_default()
}

/// What a test compares of the commands `update` returned: the engine's commands whole; an
/// action effect by its deployment and what it would do; the others by what they carry.
#[derive(Debug, PartialEq)]
pub enum Asked {
    RefreshNow,
    Focus(Option<String>),
    MetricWindow(rollwatch::engine::MetricSpan),
    Prepare {
        deployment: String,
        profile: Option<String>,
        region: String,
        request: rollwatch::actions::Request,
        by_guard: bool,
    },
    Run {
        deployment: String,
        action: Option<rollwatch::domain::Action>,
    },
    Decline {
        deployment: String,
    },
    Notify(usize),
    OpenUrl(String),
    Copy(String),
    FetchLogs {
        deployment: String,
        version: String,
    },
}

/// [`Asked`] for each of `commands`.
pub fn asked(commands: &[rollwatch::tui::Effect]) -> Vec<Asked> {
    use rollwatch::tui::Effect;
    commands
        .iter()
        .map(|c| match c {
            Effect::RefreshNow => Asked::RefreshNow,
            Effect::Focus(id) => Asked::Focus(id.clone()),
            Effect::MetricWindow(span) => Asked::MetricWindow(*span),
            Effect::Prepare {
                view,
                place,
                request,
                guard_rule,
            } => Asked::Prepare {
                deployment: view.deployment.id.clone(),
                profile: place.profile.name().map(str::to_owned),
                region: place.region.clone(),
                request: request.clone(),
                by_guard: guard_rule.is_some(),
            },
            Effect::Run(confirmed) => Asked::Run {
                deployment: confirmed.prepared().deployment_id().to_owned(),
                action: confirmed.prepared().action.clone().ok(),
            },
            Effect::Decline(prepared) => Asked::Decline {
                deployment: prepared.deployment_id().to_owned(),
            },
            Effect::Notify(notices) => Asked::Notify(notices.len()),
            Effect::OpenUrl(url) => Asked::OpenUrl(url.clone()),
            Effect::Copy(text) => Asked::Copy(text.clone()),
            Effect::FetchLogs {
                deployment_id,
                version,
                ..
            } => Asked::FetchLogs {
                deployment: deployment_id.clone(),
                version: version.clone(),
            },
        })
        .collect()
}

/// The row of `reports:live` split by hand: v1 and v2 at `weight`, first seen now.
pub fn split_row(weight: f64) -> DeploymentView {
    let split = AliasSplit::of(
        AliasWeights {
            function: "reports".into(),
            alias: "live".into(),
            primary_version: "1".into(),
            additional: vec![("2".into(), weight)],
            revision_id: Some("rev-1".into()),
        },
        now(),
    )
    .expect("a split");
    DeploymentView::of_split(&split)
}
