//! The guards: the RevisionId race reported and never overwritten, AccessDenied and
//! already-completed errors with what to do, one action per deployment at a time, cancelled
//! confirmations sending nothing, and the audit line of each attempt.

use rollwatch::actions::{Outcome, Request};
use rollwatch::aws::DeploymentWriter;
use rollwatch::domain::{FailureKind, SplitResolution};

use crate::support::actions::env;
use crate::support::http::mutating;
use crate::support::{assert_begins, assert_says};

#[tokio::test]
async fn the_revision_id_race_is_reported_and_never_overwritten() {
    let env = env("stuck-split", None).await;
    let prepared = env
        .prepare("ledger", Request::Resolve(SplitResolution::BackToOld))
        .await;
    // Someone else moves the alias between rollwatch's read and its update.
    let now = env.writer.alias("ledger", "live").await.unwrap();
    let rev = now.revision_id.unwrap();
    env.writer
        .set_alias("ledger", "live", "3", &rev)
        .await
        .unwrap();
    let report = env.confirm_and_run(prepared).await;
    assert_eq!(report.outcome, Outcome::Failed);
    let failure = report.failure.clone().unwrap();
    assert_says(&failure.message, &["PreconditionFailed"]);
    assert_says(&failure.hint, &["the alias changed under you"]);
    assert!(
        report
            .message
            .contains("nothing overwritten (alias now v3 100%)"),
        "{}",
        report.message
    );
    assert_eq!(env.alias("ledger").await, ("3".to_string(), Vec::new()));
    let lines = env.records();
    let record = &lines[0];
    assert_eq!(record.outcome, Outcome::Failed);
    let update = record
        .calls
        .iter()
        .find(|c| c.call == "lambda:UpdateAlias")
        .unwrap();
    assert!(update.error.is_some());
    assert_eq!(
        record.weights_before.as_ref().unwrap().additional,
        vec![("3".to_string(), 0.4)]
    );
}

#[tokio::test]
async fn access_denied_names_the_missing_iam_action_and_is_audited() {
    let env = env("failing-canary", Some("deny=StopDeployment")).await;
    env.sandbox.advance(60.0);
    let report = env.run("checkout", Request::Rollback).await;
    assert_eq!(report.outcome, Outcome::Failed);
    let failure = report.failure.clone().unwrap();
    assert_eq!(failure.kind, FailureKind::AccessDenied);
    assert_says(&failure.hint, &["`codedeploy:StopDeployment`"]);
    assert_begins(&report.message, "StopDeployment failed");
    let record = env.records().remove(0);
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(record.action, "rollback");
    let stop = record
        .calls
        .iter()
        .find(|c| c.call == "codedeploy:StopDeployment")
        .unwrap();
    assert_eq!(stop.error.as_ref().unwrap().kind, "access_denied");
    assert_eq!(
        record.initiator,
        crate::support::actions::context(false).initiator
    );
}

#[tokio::test]
async fn already_completed_is_shown_with_what_to_do() {
    let env = env("calm", None).await;
    let prepared = env.prepare("search-api", Request::Stop).await;
    // Someone else stops it first.
    env.writer
        .stop(prepared.deployment_id(), true)
        .await
        .unwrap();
    let report = env.confirm_and_run(prepared).await;
    assert_eq!(report.outcome, Outcome::Failed);
    let failure = report.failure.unwrap();
    assert!(
        failure
            .message
            .contains("DeploymentAlreadyCompletedException"),
        "{}",
        failure.message
    );
    assert_says(&failure.hint, &["already completed"]);
}

#[tokio::test]
async fn a_second_request_in_flight_does_nothing() {
    let env = env("failing-canary", None).await;
    env.sandbox.advance(60.0);
    let first = env.prepare("checkout", Request::Rollback).await;
    let second = env.prepare("checkout", Request::Rollback).await;
    let a = first.confirm("y").unwrap();
    let b = second.confirm("y").unwrap();
    let (ra, rb) = tokio::join!(
        env.executor.run(&env.writer, a, None),
        env.executor.run(&env.writer, b, None)
    );
    assert_eq!(ra.outcome, Outcome::Done, "{}", ra.message);
    assert_eq!(rb.outcome, Outcome::Busy);
    assert!(rb.message.contains("already running"), "{}", rb.message);
    let stats = env.stats().await;
    assert_eq!(
        stats["services"]["codedeploy"]["operations"]["StopDeployment"]["calls"],
        1
    );
    assert_eq!(env.records().len(), 1, "busy is not an attempt");
    assert!(!env.executor.is_busy("anything"));
}

#[tokio::test]
async fn a_declined_confirmation_sends_nothing_and_is_audited() {
    let env = env("calm", None).await;
    let before = mutating(&env.stats().await);
    let prepared = env.prepare("search-api", Request::Stop).await;
    let declined = prepared.confirm("n").unwrap_err();
    let protected = {
        let mut p = env.prepare("search-api", Request::Stop).await;
        p.confirmation.as_mut().unwrap().typed = Some("search-api:live".into());
        p
    };
    let protected = protected.confirm("y").unwrap_err();
    let report = env.executor.record_unconfirmed(&declined);
    assert_eq!(report.outcome, Outcome::Cancelled);
    assert!(report.message.contains("not sent"), "{}", report.message);
    env.executor.record_unconfirmed(&protected);
    assert_eq!(mutating(&env.stats().await), before);
    assert_eq!(env.records().len(), 2);
}

#[tokio::test]
async fn an_audit_write_failure_is_reported_not_swallowed() {
    let env = env("calm", None).await;
    let blocker = env.dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").unwrap();
    let executor = rollwatch::actions::Executor::new(
        rollwatch::actions::AuditLog::at(blocker.join("audit.jsonl")),
        rollwatch::actions::Follow::default(),
    );
    let prepared = env.prepare("search-api", Request::Stop).await;
    let report = executor.record_unconfirmed(&prepared.confirm("n").unwrap_err());
    let err = report.audit_error.unwrap();
    assert_says(&err, &["AUDIT LOG NOT WRITTEN"]);
}

#[tokio::test]
async fn read_only_mode_constructs_no_writer() {
    let sandbox =
        rollwatch::sandbox::Sandbox::start(crate::support::actions::sandbox_config("calm", None))
            .await
            .unwrap();
    let refused = rollwatch::aws::connect_writer(
        &crate::support::actions::options(&sandbox),
        "us-east-1",
        &rollwatch::aws::Mode::ReadOnly("--read-only".into()),
    )
    .await;
    let failure = refused.err().unwrap();
    assert_says(&failure.message, &["read-only mode (--read-only)"]);
    let stats = crate::support::http::stats_of(&sandbox).await;
    assert_eq!(stats["calls"], 0, "{stats}");
}

#[tokio::test]
async fn a_throttled_stop_is_reported_and_never_resent() {
    let env = env("calm", Some("throttle@codedeploy:StopDeployment=1")).await;
    let report = env.run("search-api", Request::Stop).await;
    assert_eq!(report.outcome, Outcome::Failed);
    let failure = report.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::Throttled);
    assert!(failure.hint.contains("rate-limiting"), "{}", failure.hint);
    let stats = env.stats().await;
    assert_eq!(
        stats["services"]["codedeploy"]["operations"]["StopDeployment"]["calls"], 1,
        "the SDK must not re-send a mutating call: {stats}"
    );
}

#[tokio::test]
async fn cancelling_the_follow_still_writes_the_audit_line() {
    let env = env("failing-canary", None).await;
    env.sandbox.advance(60.0);
    let follow = rollwatch::actions::Follow {
        pause: std::sync::Arc::new(crate::support::actions::Advance(env.sandbox.clone(), 15.0)),
        max_polls: 400,
        cancel: tokio_util::sync::CancellationToken::new(),
    };
    follow.cancel.cancel();
    let executor = rollwatch::actions::Executor::new(env.audit.clone(), follow);
    let prepared = env.prepare("checkout", Request::Rollback).await;
    let report = executor
        .run(&env.writer, prepared.confirm("y").unwrap(), None)
        .await;
    assert_eq!(report.outcome, Outcome::Failed);
    assert_begins(&report.message, "stopped following");
    assert_says(&report.message, &["carries on in AWS"]);
    let record = env.records().remove(0);
    assert!(
        record
            .calls
            .iter()
            .any(|c| c.call == "codedeploy:StopDeployment")
    );
}

#[tokio::test]
async fn an_action_is_prepared_on_the_status_read_again_not_the_picture_s() {
    let env = env("failing-canary", None).await;
    env.sandbox.advance(60.0);
    let view = env.view("checkout").await;
    assert!(view.deployment.status.is_active());
    // Someone stops it after the picture was taken.
    env.writer.stop(&view.deployment.id, false).await.unwrap();
    env.sandbox.advance(5.0);
    let prepared = rollwatch::actions::prepare(
        &env.writer,
        &view,
        &Request::Rollback,
        crate::support::actions::context(false),
    )
    .await;
    let why = prepared.refusal().expect("refused on the fresh status");
    assert!(
        matches!(why, rollwatch::domain::Refusal::Finished { .. }),
        "{why:?}"
    );
    assert!(why.to_string().contains("stopped"), "{why}");
    assert!(prepared.confirmation.is_none());
}

#[tokio::test]
async fn a_stop_that_gets_no_answer_may_have_been_applied_and_is_checked() {
    // StopDeployment answers after 3 s; the write side gives up after 1 s.
    let env = crate::support::actions::env_with_timeout(
        "failing-canary",
        Some("latency@StopDeployment=3s"),
        1,
    )
    .await;
    env.sandbox.advance(60.0);
    let report = env.run("checkout", Request::Stop).await;
    assert_eq!(report.outcome, Outcome::Failed);
    assert_says(&report.message, &["MAY HAVE BEEN APPLIED"]);
    assert!(
        report.message.contains("is now"),
        "then read: {}",
        report.message
    );
    let record = env.records().remove(0);
    assert!(
        record
            .calls
            .iter()
            .filter(|c| c.call == "codedeploy:StopDeployment")
            .count()
            == 1,
        "sent once, never re-sent"
    );
}
