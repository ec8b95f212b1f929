//! The deployment simulation against its ground truth (`/_sandbox/events`) and what the APIs
//! show: each predefined config's steps, alarm-driven stop and rollback, stop without rollback,
//! hooks that fail or wait for a verdict.

use aws_sdk_codedeploy::types::{DeploymentCreator, DeploymentStatus, LifecycleEventStatus};

use rollwatch::sandbox::observe::Event;

use crate::support::alias;
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
    let sandbox = start("failing-canary").await;
    let cd = codedeploy(&sandbox).await;
    let l = lambda(&sandbox).await;
    sandbox.advance(60.0);
    assert_eq!(
        alias::live(&l, "checkout").await.on("2"),
        0.1,
        "canary at 10%"
    );
    sandbox.advance(8.0 * 60.0);
    let infos = deployments_of(&cd, "storefront", "checkout-live").await;
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
    let checkout = alias::live(&l, "checkout").await;
    assert_eq!(checkout.primary, "1", "rolled back to 100% old");
    assert!(checkout.is_whole(), "{checkout:?}");
    let events = sandbox.events();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "alarm_state" && e.detail["to"] == "ALARM"),
        "the alarm transition is in the ground truth"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn stop_without_rollback_leaves_the_split_and_blocks_the_next_deployment() {
    let sandbox = start("stuck-split").await;
    let cd = codedeploy(&sandbox).await;
    let ledger = alias::live(&lambda(&sandbox).await, "ledger").await;
    assert_eq!((ledger.primary.as_str(), ledger.on("3")), ("2", 0.4));
    let infos = deployments_of(&cd, "finance", "ledger-live").await;
    assert_eq!(infos[0].status(), Some(&DeploymentStatus::Stopped));
    assert!(infos[0].rollback_info().is_none());
    sandbox.advance(3.0 * 60.0);
    let infos = deployments_of(&cd, "finance", "ledger-live").await;
    let next = infos.last().unwrap();
    assert_eq!(next.status(), Some(&DeploymentStatus::Failed));
    assert_eq!(error_code(next), Some("INVALID_LAMBDA_CONFIGURATION"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn failing_hook_rolls_back_and_a_waiting_hook_takes_a_verdict() {
    let sandbox = start("hook-failure").await;
    let cd = codedeploy(&sandbox).await;
    let l = lambda(&sandbox).await;
    sandbox.advance(60.0);
    let infos = deployments_of(&cd, "backoffice", "notifications-live").await;
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
    assert_eq!(alias::live(&l, "notifications").await.primary, "1");

    let billing = deployments_of(&cd, "backoffice", "billing-live")
        .await
        .remove(0);
    assert_eq!(
        billing.status(),
        Some(&DeploymentStatus::InProgress),
        "the waiting hook holds the deployment"
    );
    let id = billing.deployment_id().unwrap().to_owned();
    let (_, _, body) = raw(
        &sandbox,
        "GET",
        &format!("/_sandbox/events?kind=hook_invoked&deployment_id={id}"),
        &[],
        b"",
    )
    .await;
    let events: serde_json::Value = serde_json::from_str(&body).unwrap();
    let exec = events["events"][0]["detail"]["execution_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let approve = || {
        cd.put_lifecycle_event_hook_execution_status()
            .deployment_id(&id)
            .lifecycle_event_hook_execution_id(&exec)
            .status(LifecycleEventStatus::Succeeded)
            .send()
    };
    approve().await.unwrap();
    let twice = service_error(approve().await);
    assert!(twice.is_lifecycle_event_already_completed_exception());
    sandbox.advance(2.0);
    assert_eq!(
        alias::live(&l, "billing").await.on("2"),
        0.1,
        "the approved hook lets the canary start"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unanswered_hook_fails_after_one_hour() {
    let sandbox = start("hook-failure").await;
    let cd = codedeploy(&sandbox).await;
    sandbox.advance(3599.0);
    assert_eq!(
        deployments_of(&cd, "backoffice", "billing-live").await[0].status(),
        Some(&DeploymentStatus::InProgress)
    );
    sandbox.advance(2.0);
    let billing = deployments_of(&cd, "backoffice", "billing-live").await;
    assert_eq!(billing[0].status(), Some(&DeploymentStatus::Failed));
    assert_eq!(error_code(&billing[0]), Some("HOOK_EXECUTION_FAILURE"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn calm_shows_history_with_a_finished_rollback_and_cloudformation_deployments() {
    let sandbox = start("calm").await;
    let cd = codedeploy(&sandbox).await;
    let payments = deployments_of(&cd, "shop", "payments-api-live").await;
    assert!(payments.iter().any(
        |d| d.creator() == Some(&DeploymentCreator::CodeDeployRollback)
            && d.status() == Some(&DeploymentStatus::Succeeded)
    ));
    let active = cd
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
    sandbox.advance(11.0 * 60.0);
    let payments = deployments_of(&cd, "shop", "payments-api-live").await;
    let cfn = payments.last().unwrap();
    assert_eq!(cfn.creator(), Some(&DeploymentCreator::CloudFormation));
    assert!(
        cfn.external_id()
            .is_some_and(|e| e.starts_with("arn:aws:cloudformation:"))
    );
    sandbox.shutdown().await;
}
