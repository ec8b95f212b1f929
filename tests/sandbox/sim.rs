//! The deployment simulation against its ground truth (`/_sandbox/events`) and what the APIs
//! show: each predefined config's steps, alarm-driven stop and rollback, stop without rollback,
//! hooks that fail or wait for a verdict.
#![allow(
    clippy::float_cmp,
    reason = "the alias's weights are rounded to the basis point: they equal the literal expected"
)]

use aws_sdk_codedeploy::types::{
    DeploymentCreator, DeploymentInfo, DeploymentStatus, LifecycleEventStatus,
};
use rollwatch::sandbox::Sandbox;
use rollwatch::sandbox::observe::Event;

use crate::support::alias::{self, Weights};
use crate::support::http::raw;
use crate::support::sdk::{
    codedeploy, deployments_of, error_code, lambda, service_error, shifts, start, start_toml,
};

const GROUPS: [(&str, &str); 9] = [
    ("g0", "CodeDeployDefault.LambdaAllAtOnce"),
    ("g1", "CodeDeployDefault.LambdaCanary10Percent5Minutes"),
    ("g2", "CodeDeployDefault.LambdaCanary10Percent10Minutes"),
    ("g3", "CodeDeployDefault.LambdaCanary10Percent15Minutes"),
    ("g4", "CodeDeployDefault.LambdaCanary10Percent30Minutes"),
    ("g5", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"),
    ("g6", "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes"),
    ("g7", "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes"),
    (
        "g8",
        "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    ),
];

fn linear(interval: f64) -> Vec<(f64, f64)> {
    (0..10)
        .map(|k| (f64::from(k) * interval, f64::from(k + 1) * 10.0))
        .collect()
}

fn expected(group: &str) -> Vec<(f64, f64)> {
    match group {
        "g0" => vec![(0.0, 100.0)],
        "g1" => vec![(0.0, 10.0), (300.0, 100.0)],
        "g2" => vec![(0.0, 10.0), (600.0, 100.0)],
        "g3" => vec![(0.0, 10.0), (900.0, 100.0)],
        "g4" => vec![(0.0, 10.0), (1800.0, 100.0)],
        "g5" => linear(60.0),
        "g6" => linear(120.0),
        "g7" => linear(180.0),
        "g8" => linear(600.0),
        _ => Vec::new(),
    }
}

/// A built-in scenario in a sandbox, read through CodeDeploy and Lambda.
struct Sim {
    sandbox: Sandbox,
    cd: aws_sdk_codedeploy::Client,
    l: aws_sdk_lambda::Client,
}

impl Sim {
    /// Scenario `name` at its start.
    async fn start(name: &str) -> Self {
        let sandbox = start(name).await;
        let (cd, l) = (codedeploy(&sandbox).await, lambda(&sandbox).await);
        Self { sandbox, cd, l }
    }

    /// Scenario `name`, `secs` simulated seconds in.
    async fn after(name: &str, secs: f64) -> Self {
        let sim = Self::start(name).await;
        sim.advance(secs);
        sim
    }

    fn advance(&self, secs: f64) {
        self.sandbox.advance(secs);
    }

    /// The deployments of `app`'s group `group`, oldest first.
    async fn deployments(&self, app: &str, group: &str) -> Vec<DeploymentInfo> {
        deployments_of(&self.cd, app, group).await
    }

    /// The routing of `function`'s `live` alias.
    async fn live(&self, function: &str) -> Weights {
        alias::live(&self.l, function).await
    }

    async fn shutdown(self) {
        self.sandbox.shutdown().await;
    }
}

/// When deployment `id` first moved the alias, in the ground truth.
fn first_shift(events: &[Event], id: &str) -> f64 {
    let first = events
        .iter()
        .find(|e| e.kind == "weight" && e.deployment_id.as_deref() == Some(id));
    first
        .unwrap_or_else(|| panic!("{id} never moved the alias"))
        .sim_time
}

#[tokio::test]
async fn every_predefined_config_shifts_at_the_documented_times() {
    let (sandbox, _file) = start_toml(include_str!("configs.toml")).await;
    let cd = codedeploy(&sandbox).await;
    sandbox.advance(95.0 * 60.0);
    let events = sandbox.events();
    for (group, config) in GROUPS {
        let infos = deployments_of(&cd, "app", group).await;
        let d = infos
            .first()
            .unwrap_or_else(|| panic!("{group} has no deployment"));
        assert_eq!(d.deployment_config_name(), Some(config));
        assert_eq!(d.status(), Some(&DeploymentStatus::Succeeded), "{config}");
        let id = d.deployment_id().unwrap();
        assert_eq!(
            shifts(&events, id),
            expected(group),
            "{config}: (seconds after the first shift, % on the target)"
        );
        let start = d.start_time().unwrap().as_secs_f64();
        let first = first_shift(&events, id);
        assert!(
            (first - start - 1.0).abs() < 1e-9,
            "{config}: AllowTraffic starts ~1 s after a hook-less start"
        );
        let last = expected(group).last().unwrap().0;
        let complete = d.complete_time().unwrap().as_secs_f64();
        assert!(
            (complete - (first + last)).abs() <= 3.0,
            "{config}: AfterAllowTraffic and success follow the flip within seconds"
        );
    }
    let f8 = alias::live(&lambda(&sandbox).await, "f8").await;
    assert_eq!(
        f8.primary, "2",
        "the final flip makes the target the primary version"
    );
    assert!(f8.is_whole(), "{f8:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn holding_at_100_adds_one_interval_before_after_allow_traffic() {
    let toml = include_str!("configs.toml").replace(
        "history_minutes = 0",
        "history_minutes = 0\n[settings]\nhold_at_100_for_one_interval = true",
    );
    let (sandbox, _file) = start_toml(&toml).await;
    let cd = codedeploy(&sandbox).await;
    sandbox.advance(12.0 * 60.0);
    let d = deployments_of(&cd, "app", "g5").await.remove(0);
    let id = d.deployment_id().unwrap();
    let events = sandbox.events();
    assert_eq!(
        shifts(&events, id),
        linear(60.0),
        "the shifts themselves do not move"
    );
    let first = first_shift(&events, id);
    let complete = d.complete_time().unwrap().as_secs_f64();
    assert!(
        (complete - (first + 600.0)).abs() <= 3.0,
        "AllowTraffic ends one interval after the flip"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn firing_alarm_stops_the_canary_and_rolls_back() {
    let sim = Sim::after("failing-canary", 60.0).await;
    assert_eq!(sim.live("checkout").await.on("2"), 0.1, "canary at 10%");
    sim.advance(8.0 * 60.0);
    let infos = sim.deployments("storefront", "checkout-live").await;
    assert_eq!(infos.len(), 2, "the original deployment and its rollback");
    let (original, rollback) = (&infos[0], &infos[1]);
    assert_eq!(original.status(), Some(&DeploymentStatus::Stopped));
    assert_eq!(error_code(original), Some("ALARM_ACTIVE"));
    assert_eq!(
        original
            .rollback_info()
            .and_then(|r| r.rollback_deployment_id()),
        rollback.deployment_id()
    );
    assert_eq!(
        rollback.creator(),
        Some(&DeploymentCreator::CodeDeployRollback)
    );
    assert_eq!(
        rollback
            .rollback_info()
            .and_then(|r| r.rollback_triggering_deployment_id()),
        original.deployment_id()
    );
    assert_eq!(rollback.status(), Some(&DeploymentStatus::Succeeded));
    let checkout = sim.live("checkout").await;
    assert_eq!(checkout.primary, "1", "rolled back to 100% old");
    assert!(checkout.is_whole(), "{checkout:?}");
    let events = sim.sandbox.events();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "alarm_state" && e.detail["to"] == "ALARM"),
        "the alarm transition is in the ground truth"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn stop_without_rollback_leaves_the_split_and_blocks_the_next_deployment() {
    let sim = Sim::start("stuck-split").await;
    let ledger = sim.live("ledger").await;
    assert_eq!((ledger.primary.as_str(), ledger.on("3")), ("2", 0.4));
    let infos = sim.deployments("finance", "ledger-live").await;
    assert_eq!(infos[0].status(), Some(&DeploymentStatus::Stopped));
    assert!(infos[0].rollback_info().is_none());
    sim.advance(3.0 * 60.0);
    let infos = sim.deployments("finance", "ledger-live").await;
    let next = infos.last().unwrap();
    assert_eq!(next.status(), Some(&DeploymentStatus::Failed));
    assert_eq!(error_code(next), Some("INVALID_LAMBDA_CONFIGURATION"));
    sim.shutdown().await;
}

#[tokio::test]
async fn failing_hook_rolls_back_and_a_waiting_hook_takes_a_verdict() {
    let sim = Sim::after("hook-failure", 60.0).await;
    let infos = sim.deployments("backoffice", "notifications-live").await;
    assert_eq!(infos[0].status(), Some(&DeploymentStatus::Failed));
    assert_eq!(error_code(&infos[0]), Some("HOOK_EXECUTION_FAILURE"));
    assert_eq!(
        infos.len(),
        2,
        "DEPLOYMENT_FAILURE auto-rollback created a rollback deployment"
    );
    assert_eq!(
        infos[1].creator(),
        Some(&DeploymentCreator::CodeDeployRollback)
    );
    assert_eq!(sim.live("notifications").await.primary, "1");

    let billing = sim
        .deployments("backoffice", "billing-live")
        .await
        .remove(0);
    assert_eq!(
        billing.status(),
        Some(&DeploymentStatus::InProgress),
        "the waiting hook holds the deployment"
    );
    let id = billing.deployment_id().unwrap().to_owned();
    let path = format!("/_sandbox/events?kind=hook_invoked&deployment_id={id}");
    let (_, _, body) = raw(&sim.sandbox, "GET", &path, &[], b"").await;
    let events: serde_json::Value = serde_json::from_str(&body).unwrap();
    let exec = events["events"][0]["detail"]["execution_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let approve = || {
        sim.cd
            .put_lifecycle_event_hook_execution_status()
            .deployment_id(&id)
            .lifecycle_event_hook_execution_id(&exec)
            .status(LifecycleEventStatus::Succeeded)
            .send()
    };
    approve().await.unwrap();
    let twice = service_error(approve().await);
    assert!(twice.is_lifecycle_event_already_completed_exception());
    sim.advance(2.0);
    assert_eq!(
        sim.live("billing").await.on("2"),
        0.1,
        "the approved hook lets the canary start"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unanswered_hook_fails_after_one_hour() {
    let sim = Sim::after("hook-failure", 3599.0).await;
    let billing = sim.deployments("backoffice", "billing-live").await;
    assert_eq!(
        billing[0].status(),
        Some(&DeploymentStatus::InProgress),
        "a second before the hour"
    );
    sim.advance(2.0);
    let billing = sim.deployments("backoffice", "billing-live").await;
    assert_eq!(billing[0].status(), Some(&DeploymentStatus::Failed));
    assert_eq!(error_code(&billing[0]), Some("HOOK_EXECUTION_FAILURE"));
    sim.shutdown().await;
}

#[tokio::test]
async fn calm_shows_history_with_a_finished_rollback_and_cloudformation_deployments() {
    let sim = Sim::start("calm").await;
    let payments = sim.deployments("shop", "payments-api-live").await;
    assert!(payments.iter().any(
        |d| d.creator() == Some(&DeploymentCreator::CodeDeployRollback)
            && d.status() == Some(&DeploymentStatus::Succeeded)
    ));
    let active = sim
        .cd
        .list_deployments()
        .include_only_statuses(DeploymentStatus::InProgress)
        .send()
        .await
        .unwrap();
    assert_eq!(
        active.deployments().len(),
        2,
        "orders-api and search-api are shifting now"
    );
    sim.advance(11.0 * 60.0);
    let payments = sim.deployments("shop", "payments-api-live").await;
    let cfn = payments.last().unwrap();
    assert_eq!(cfn.creator(), Some(&DeploymentCreator::CloudFormation));
    assert!(
        cfn.external_id()
            .is_some_and(|e| e.starts_with("arn:aws:cloudformation:"))
    );
    sim.shutdown().await;
}
