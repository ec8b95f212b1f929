//! Each action and variant, end to end: roll back, stop and the split resolutions, promote now,
//! hook approve/reject found through the logs, ContinueDeployment refused for Lambda.

use rollwatch::actions::{Outcome, Request};
use rollwatch::domain::{ContinueRequest, SplitResolution, WarningKind};

use crate::support::actions::env;
use crate::support::{assert_begins, assert_says};

#[tokio::test]
async fn rollback_returns_the_alias_to_100_percent_old() {
    let env = env("failing-canary", None).await;
    env.sandbox.advance(60.0);
    let (primary, extra) = env.alias("checkout").await;
    assert_eq!(
        (primary.as_str(), extra.len()),
        ("1", 1),
        "canary under way"
    );
    let report = env.run("checkout", Request::Rollback).await;
    assert_eq!(report.outcome, Outcome::Done, "{}", report.message);
    assert_begins(&report.message, "rolled back:");
    assert_says(&report.message, &["alias at v1 100%"]);
    assert_eq!(env.alias("checkout").await, ("1".to_string(), Vec::new()));
    let record = report.record.unwrap();
    let calls: Vec<&str> = record.calls.iter().map(|c| c.call.as_str()).collect();
    let stop = record
        .calls
        .iter()
        .find(|c| c.call == "codedeploy:StopDeployment")
        .unwrap();
    assert_eq!(stop.request["autoRollbackEnabled"], true, "{calls:?}");
    let polls = calls
        .iter()
        .filter(|c| **c == "codedeploy:GetDeployment")
        .count();
    assert!(
        (2..=6).contains(&polls),
        "only status changes are kept: {calls:?}"
    );
    assert!(report.audit_error.is_none());
    assert_eq!(env.records().len(), 1);
}

#[tokio::test]
async fn stop_leaves_the_split_and_back_to_old_resolves_it() {
    let env = env("calm", None).await;
    let report = env.run("search-api", Request::Stop).await;
    assert_eq!(report.outcome, Outcome::Done, "{}", report.message);
    assert!(
        report
            .message
            .contains("the alias stays split (v1 90% / v2 10%)"),
        "{}",
        report.message
    );
    let stop = &report.record.unwrap().calls;
    let sent = stop
        .iter()
        .find(|c| c.call == "codedeploy:StopDeployment")
        .unwrap();
    assert_eq!(sent.request["autoRollbackEnabled"], false);
    env.sandbox.advance(300.0);
    assert_eq!(
        env.alias("search-api").await,
        ("1".to_string(), vec![("2".to_string(), 0.1)]),
        "nothing moves the alias after a stop without rollback"
    );
    let view = env.view("search-api").await;
    assert!(
        view.warnings.iter().any(
            |w| w.kind() == WarningKind::AliasLeftSplit && w.to_string().contains("left split")
        ),
        "{:?}",
        view.warnings
    );
    let report = env
        .run("search-api", Request::Resolve(SplitResolution::BackToOld))
        .await;
    assert_eq!(report.outcome, Outcome::Done, "{}", report.message);
    assert_eq!(report.message, "search-api:live now at v1 100%");
    assert_eq!(env.alias("search-api").await, ("1".to_string(), Vec::new()));
}

#[tokio::test]
async fn a_left_split_goes_forward_to_the_new_version() {
    let env = env("stuck-split", None).await;
    let prepared = env
        .prepare("ledger", Request::Resolve(SplitResolution::ForwardToNew))
        .await;
    let confirmation = prepared.confirmation.clone().unwrap();
    assert_eq!(confirmation.title, "SET ledger:live TO 100% v3?");
    let report = env.confirm_and_run(prepared).await;
    assert_eq!(report.outcome, Outcome::Done, "{}", report.message);
    assert_eq!(env.alias("ledger").await, ("3".to_string(), Vec::new()));
}

#[tokio::test]
async fn promote_now_redeploys_all_at_once_and_ends_succeeded() {
    let env = env("calm", None).await;
    let prepared = env
        .prepare(
            "orders-api",
            Request::Continue {
                request: ContinueRequest::Auto,
                execution_id: None,
            },
        )
        .await;
    let steps = prepared.confirmation.as_ref().unwrap().steps.join("\n");
    assert_says(&steps, &["CodeDeployDefault.LambdaAllAtOnce"]);
    let report = env.confirm_and_run(prepared).await;
    assert_eq!(report.outcome, Outcome::Done, "{}", report.message);
    assert_begins(&report.message, "promoted:");
    assert_eq!(env.alias("orders-api").await, ("3".to_string(), Vec::new()));
    let record = report.record.unwrap();
    assert_eq!(record.variant.as_deref(), Some("promote-now"));
    let calls: Vec<&str> = record.calls.iter().map(|c| c.call.as_str()).collect();
    let order = [
        "codedeploy:StopDeployment",
        "lambda:UpdateAlias",
        "codedeploy:CreateDeployment",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|c| calls.iter().position(|x| x == c).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{calls:?}");
    let reset = record
        .calls
        .iter()
        .find(|c| c.call == "lambda:UpdateAlias")
        .unwrap();
    assert_eq!(reset.request["FunctionVersion"], "2");
    assert!(
        reset.request["RevisionId"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
}

#[tokio::test]
async fn promote_now_is_refused_for_cloudformation_deployments() {
    let env = env("calm", None).await;
    env.sandbox.advance(11.0 * 60.0);
    let prepared = env
        .prepare(
            "payments-api",
            Request::Continue {
                request: ContinueRequest::PromoteNow,
                execution_id: None,
            },
        )
        .await;
    let why = prepared.refusal().unwrap().to_string();
    assert_says(&why, &["CloudFormation/SAM", "redeploy the stack"]);
    assert!(
        prepared.confirm("y").is_err(),
        "a refusal cannot be confirmed"
    );
}

async fn waiting_billing_hook(
    approve: bool,
) -> (crate::support::actions::Env, rollwatch::actions::Report) {
    let env = env("hook-failure", None).await;
    env.sandbox.advance(5.0);
    let request = Request::Continue {
        request: if approve {
            ContinueRequest::Approve
        } else {
            ContinueRequest::Reject
        },
        execution_id: None,
    };
    let prepared = env.prepare("billing", request).await;
    let search = prepared
        .hook_search
        .clone()
        .expect("the logs were searched");
    assert_eq!(
        search.log_group,
        "/aws/lambda/CodeDeployHook_billing_preTraffic"
    );
    assert!(search.execution_id.is_some(), "{search:?}");
    let title = prepared.confirmation.as_ref().unwrap().title.clone();
    let verb = if approve { "APPROVE" } else { "REJECT" };
    assert_eq!(
        title,
        format!("{verb} the BeforeAllowTraffic hook of billing:live?")
    );
    let report = env.confirm_and_run(prepared).await;
    (env, report)
}

#[tokio::test]
async fn hook_approved_with_the_id_found_in_its_logs() {
    let (env, report) = waiting_billing_hook(true).await;
    assert_eq!(report.outcome, Outcome::Done, "{}", report.message);
    assert_eq!(
        report.message.split(" hook").next(),
        Some("BeforeAllowTraffic")
    );
    env.sandbox.advance(60.0);
    let (primary, extra) = env.alias("billing").await;
    assert_eq!(
        (primary.as_str(), extra),
        ("1", vec![("2".to_string(), 0.1)])
    );
}

#[tokio::test]
async fn hook_rejected_fails_the_deployment() {
    let (env, report) = waiting_billing_hook(false).await;
    assert_eq!(report.outcome, Outcome::Done, "{}", report.message);
    assert_says(&report.message, &["reported Failed"]);
    env.sandbox.advance(120.0);
    let id = &report.record.unwrap().deployment_id;
    let d = rollwatch::aws::DeploymentWriter::deployment(&env.writer, id)
        .await
        .unwrap();
    assert_eq!(d.status.as_str(), "Failed");
    assert_eq!(env.alias("billing").await, ("1".to_string(), Vec::new()));
}

#[tokio::test]
async fn continue_deployment_is_never_offered_for_lambda_and_refused_by_codedeploy() {
    let env = env("calm", None).await;
    let view = env.view("search-api").await;
    let why = rollwatch::domain::check_action(&view, &rollwatch::domain::Action::ContinueReady)
        .unwrap_err();
    assert_eq!(why, rollwatch::domain::Refusal::NeverReady);
    assert!(why.to_string().contains("never waits in Ready"), "{why}");
    let err =
        rollwatch::aws::DeploymentWriter::continue_deployment(&env.writer, &view.deployment.id)
            .await
            .unwrap_err();
    assert_says(&err.message, &["DeploymentIsNotInReadyStateException"]);
    assert!(err.hint.contains("promote-now"), "{}", err.hint);
}
