//! The design case for scale against the sandbox: one `sam deploy` of a 40-function stack
//! (`stack`). A cold picture is batched across deployments (calls grow with applications, not
//! deployments, except one target read each) and fills in finished rows; the live engine
//! reports every alias shift the sandbox made, never skipping a step.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use crate::support::assert_says;
use crate::support::{alias, http};
use rollwatch::aws::{ConnectOptions, Limits, Rate, connect};
use rollwatch::domain::Picture;
use rollwatch::engine::{EngineConfig, PictureOptions, Rules, Update, collect_picture, spawn};
use rollwatch::sandbox::{Sandbox, SandboxConfig};

async fn sandbox(scenario: &str, speed: f64) -> Sandbox {
    Sandbox::start(SandboxConfig::loopback(scenario).speed(speed).seed(11))
        .await
        .expect("sandbox starts")
}

fn options(sandbox: &Sandbox, limits: Limits) -> ConnectOptions {
    ConnectOptions {
        limits,
        ..crate::support::run::options(sandbox)
    }
}

/// Connected readers, shared as a picture reads them.
fn shared(
    readers: Result<Vec<rollwatch::aws::AwsReader>, rollwatch::domain::Failure>,
) -> Vec<std::sync::Arc<rollwatch::aws::AwsReader>> {
    readers
        .expect("connect")
        .into_iter()
        .map(std::sync::Arc::new)
        .collect()
}

/// Calls per CodeDeploy operation so far.
fn codedeploy_calls(endpoint: &str) -> BTreeMap<String, u64> {
    let stats = http::stats(endpoint);
    stats["services"]["codedeploy"]["operations"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .map(|(op, v)| (op.clone(), v["calls"].as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_picture_of_a_stack_is_batched_and_complete() {
    let sandbox = sandbox("stack", 0.0).await;
    sandbox.advance(30.0); // every deployment of the stack update has started shifting
    let readers = shared(connect(&options(&sandbox, Limits::default())).await);
    let picture = collect_picture(&readers, PictureOptions::default()).await;
    let region = &picture.regions[0];
    assert_eq!(
        region.deployments.len(),
        41,
        "40 of the stack and billing's canary"
    );
    for view in &region.deployments {
        let id = &view.deployment.id;
        assert!(
            view.deployment.target.is_some(),
            "{id}: function and versions"
        );
        assert!(
            view.target.value().is_some(),
            "{id}: target {:?}",
            view.target
        );
        assert!(view.weight.is_some(), "{id}: a weight");
        assert!(
            view.alarms.value().is_some(),
            "{id}: alarms {:?}",
            view.alarms
        );
        assert!(view.metrics.value().is_some(), "{id}: metrics");
    }
    let finished = region.recent.value().expect("the finished list");
    assert_eq!(finished.len(), 40, "the previous stack update");
    for d in finished {
        let target = d
            .target
            .as_ref()
            .expect("a finished row names its function");
        assert_eq!(
            (
                target.current_version.as_str(),
                target.target_version.as_str()
            ),
            ("1", "2"),
            "{}",
            d.id
        );
    }
    // Batched across deployments: AppSpecs and groups per application (4 applications, 81
    // deployments), records 25 to a call, one target read per active deployment asked for by
    // its function's name (no listing of targets), nothing read one by one.
    let calls = codedeploy_calls(&sandbox.endpoint());
    let count = |op: &str| calls.get(op).copied().unwrap_or(0);
    assert_eq!(count("BatchGetDeploymentTargets"), 41, "{calls:?}");
    assert_eq!(count("ListDeploymentTargets"), 0, "{calls:?}");
    assert_eq!(count("GetApplicationRevision"), 0, "{calls:?}");
    assert_eq!(count("GetDeploymentGroup"), 0, "{calls:?}");
    assert!(count("BatchGetApplicationRevisions") <= 7, "{calls:?}");
    assert!(count("BatchGetDeploymentGroups") <= 4, "{calls:?}");
    assert!(count("BatchGetDeployments") <= 4, "{calls:?}");
    sandbox.shutdown().await;
}

/// The target's share each ground-truth alias change gave, per function: (sim time, share).
fn ground_truth_shifts(sandbox: &Sandbox) -> HashMap<String, Vec<(f64, f64)>> {
    let mut out: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
    for event in sandbox.events().iter().filter(|e| e.kind == "weight") {
        let (Some(function), Some(_)) = (&event.function, &event.deployment_id) else {
            continue;
        };
        let share = alias::event_share(&event.detail);
        out.entry(function.clone())
            .or_default()
            .push((event.sim_time, share));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_engine_sees_every_step_of_a_whole_stack() {
    // At 10x speed a linear step comes every 6 real seconds: the budgets are scaled with the
    // clock (the same budget per simulated second as on AWS at real time).
    const SPEED: f64 = 10.0;
    let sandbox = sandbox("stack", SPEED).await;
    let scaled = |rate: Rate| Rate {
        per_sec: rate.per_sec * SPEED as u32,
        burst: rate.burst,
    };
    let defaults = Limits::default();
    let limits = Limits {
        codedeploy: scaled(defaults.codedeploy),
        lambda: scaled(defaults.lambda),
        cloudwatch: scaled(defaults.cloudwatch),
        ..defaults
    };
    let readers = connect(&options(&sandbox, limits)).await.expect("connect");
    let mut engine = spawn(readers, EngineConfig::default(), Rules::default());
    let started = sandbox.now();
    // Four simulated minutes: four steps of every linear deployment, the canaries' first.
    let until = std::time::Instant::now() + Duration::from_secs_f64(240.0 / SPEED);
    let mut seen: HashMap<String, Vec<f64>> = HashMap::new();
    while std::time::Instant::now() < until {
        let Ok(Some(Update::Picture { picture, .. })) =
            tokio::time::timeout(Duration::from_millis(500), engine.updates.recv()).await
        else {
            continue;
        };
        record_weights(&picture, &mut seen);
    }
    engine.shutdown().await;
    let truth = ground_truth_shifts(&sandbox);
    let mut missed = Vec::new();
    let mut checked = 0;
    for (function, shifts) in &truth {
        if !function.starts_with("orders-stack-") {
            continue;
        }
        // Shifts of the current update with time to be seen (not the last 20 simulated s).
        for (at, share) in shifts {
            if *at < started || *at > started + 220.0 {
                continue;
            }
            checked += 1;
            let weights = seen.get(function).map(Vec::as_slice).unwrap_or_default();
            if !weights.iter().any(|w| (w - share).abs() < 1e-6) {
                missed.push(format!("{function} {share} at +{:.0}s", at - started));
            }
        }
    }
    assert!(checked >= 80, "the stack shifted during the run: {checked}");
    assert!(
        missed.is_empty(),
        "{} of {checked} missed: {missed:?}",
        missed.len()
    );
    sandbox.shutdown().await;
}

/// Every weight each function's row showed.
fn record_weights(picture: &Picture, seen: &mut HashMap<String, Vec<f64>>) {
    for view in picture.regions.iter().flat_map(|r| &r.deployments) {
        let (Some(target), Some(weight)) = (&view.deployment.target, view.weight) else {
            continue;
        };
        let weights = seen.entry(target.function.clone()).or_default();
        if weights.last() != Some(&weight.weight) {
            weights.push(weight.weight);
        }
    }
}

/// The TUI's model fed `picture`, at 160×50.
fn model_of(picture: Picture) -> rollwatch::tui::Model {
    use rollwatch::domain::{ClockReading, ClockSource};
    use rollwatch::keymap::Keymap;
    use rollwatch::tui::theme::Theme;
    use rollwatch::tui::{Model, Msg, update};
    let mut model = Model::new(Keymap::default(), Theme::default());
    update(&mut model, Msg::Resize(160, 50));
    let clock = ClockReading {
        now: picture.taken_at,
        rate: 1.0,
        rate_known: true,
        source: ClockSource::Service,
    };
    update(
        &mut model,
        Msg::Picture {
            picture: Box::new(picture),
            clock,
        },
    );
    model
}

fn screen_of(model: &rollwatch::tui::Model) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 50)).expect("terminal");
    terminal
        .draw(|f| rollwatch::tui::views::render(f, f.area(), model))
        .expect("draw");
    terminal.backend().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_update_is_one_group_row_with_its_aggregate_and_no_early_low_traffic_noise() {
    use rollwatch::domain::triage::GroupSummary;
    use rollwatch::tui::model::Row;
    let sandbox = sandbox("stack", 0.0).await;
    sandbox.advance(30.0);
    let readers = shared(connect(&options(&sandbox, Limits::default())).await);
    let model = model_of(collect_picture(&readers, PictureOptions::default()).await);
    let rows = model.rows();
    let groups: Vec<(&str, &str, usize)> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Group {
                region,
                application,
                members,
                ..
            } => Some((*region, *application, *members)),
            _ => None,
        })
        .collect();
    let [(region, application, members)] = groups.as_slice() else {
        panic!("one group row: {groups:?}");
    };
    assert!(application.starts_with("orders-stack-"), "{application}");
    assert_eq!(*members, 40);
    let summary =
        GroupSummary::of(model.members(&rollwatch::domain::Owner::default(), region, application));
    assert_eq!(summary.deployments, 40);
    assert_eq!(
        summary.weights.iter().map(|(_, n)| n).sum::<usize>(),
        40,
        "every weight known: {:?}",
        summary.weights
    );
    assert!(summary.slowest_eta.is_some());
    let screen = screen_of(&model);
    assert_says(&screen, &["40 deploys"]);
    // The first minute: too early for "too little traffic" anywhere.
    assert!(!screen.contains("too little traffic"), "{screen}");
    sandbox.shutdown().await;
}
