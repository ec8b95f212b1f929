//! The steps of each action, in order, every call recorded:
//!
//! - roll back: StopDeployment(autoRollbackEnabled=true); follow the deployment until it names its
//!   rollback deployment; follow that to its end; check the alias is 100% on the old version;
//! - stop: StopDeployment(autoRollbackEnabled=false); follow until Stopped; report the split;
//! - continue: ContinueDeployment, or PutLifecycleEventHookExecutionStatus, or promote now (stop
//!   without rollback, follow until Stopped, GetAlias, UpdateAlias to 100% old guarded by the
//!   RevisionId, CreateDeployment of the same AppSpec all at once, follow it to Succeeded, check
//!   the alias is 100% on the new version — in [`super::promote`]);
//! - resolve a split: UpdateAlias guarded by the RevisionId read when the action was prepared.

use serde_json::json;

use super::follow::Follow;
use super::prepare::Prepared;
use super::record::Recorder;
use crate::aws::DeploymentWriter;
use crate::domain::{
    Action, AliasWeights, Deployment, DeploymentStatus, Failure, FailureKind, SplitResolution,
    normalize_pct,
};

/// How a step sequence ended badly: what to tell people, and the failure if a call failed.
pub type StepError = (String, Option<Failure>);

pub(super) fn failed(what: &str, f: Failure) -> StepError {
    (format!("{what}: {}", f.one_line()), Some(f))
}

/// What to say of a mutating call that failed: without an answer (a timeout, a dropped
/// connection) nobody knows whether AWS applied it, and the person must not read "failed".
pub(super) fn mutation_failed(call: &str, f: &Failure) -> String {
    if f.kind == FailureKind::Unreachable {
        format!(
            "{call} got no answer and MAY HAVE BEEN APPLIED ({})",
            f.one_line()
        )
    } else {
        format!("{call} failed: {}", f.one_line())
    }
}

/// A mutating call on deployment `id` failed: says so, and when it got no answer, reads the
/// deployment to say what actually happened.
async fn deployment_call_failed<W: DeploymentWriter>(
    aws: &W,
    id: &str,
    call: &str,
    f: Failure,
    rec: &mut Recorder,
) -> StepError {
    let mut message = mutation_failed(call, &f);
    if f.kind == FailureKind::Unreachable {
        let now = rec
            .call(
                "codedeploy:GetDeployment",
                json!({"deploymentId": id}),
                aws.deployment(id),
                |d| json!({"status": d.status.as_str()}),
            )
            .await;
        let what = match now {
            Ok(d) => format!(
                "{id} is now {}{}",
                d.status.as_str(),
                d.rollback
                    .rollback_deployment_id
                    .map(|r| format!(", rolled back by {r}"))
                    .unwrap_or_default()
            ),
            Err(e) => format!("{id} could not be read either ({})", e.one_line()),
        };
        message = format!("{message}; {what}");
    }
    (message, Some(f))
}

pub(super) fn weights_text(a: &AliasWeights) -> String {
    std::iter::once((a.primary_version.clone(), a.primary_weight()))
        .chain(a.additional.iter().cloned())
        .map(|(v, aws)| format!("v{v} {}", normalize_pct(aws)))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Runs `action` for `prepared`; the message says what was reached.
pub async fn run_steps<W: DeploymentWriter>(
    aws: &W,
    prep: &Prepared,
    action: &Action,
    rec: &mut Recorder,
    follow: &Follow,
) -> Result<String, StepError> {
    let id = prep.deployment.id.as_str();
    match action {
        Action::Rollback => rollback(aws, prep, rec, follow).await,
        Action::Stop => {
            stop(aws, id, false, rec).await?;
            let d = follow_until(aws, id, rec, follow, |d| !d.status.is_active()).await?;
            let split = match subject(prep) {
                Some((f, a)) => read_alias(aws, &f, &a, rec)
                    .await
                    .map_or_else(|_| "unknown".into(), |a| weights_text(&a)),
                None => "unknown".into(),
            };
            Ok(format!(
                "{id} {}; the alias stays split ({split}): later deployments will fail until you \
                 resolve it (alias back to the old version, or forward to the new one)",
                d.status.as_str()
            ))
        }
        Action::ContinueReady => {
            let sent = rec
                .call(
                    "codedeploy:ContinueDeployment",
                    json!({"deploymentId": id, "deploymentWaitType": "READY_WAIT"}),
                    aws.continue_deployment(id),
                    |()| json!({}),
                )
                .await;
            if let Err(f) = sent {
                return Err(deployment_call_failed(aws, id, "ContinueDeployment", f, rec).await);
            }
            Ok(format!("{id} continues: traffic is being rerouted"))
        }
        Action::HookVerdict {
            event,
            execution_id,
            approve,
        } => {
            let status = if *approve { "Succeeded" } else { "Failed" };
            let sent = rec
                .call(
                    "codedeploy:PutLifecycleEventHookExecutionStatus",
                    json!({"deploymentId": id, "lifecycleEventHookExecutionId": execution_id, "status": status}),
                    aws.put_hook_status(id, execution_id, *approve),
                    |()| json!({"lifecycleEventHookExecutionId": execution_id}),
                )
                .await;
            if let Err(f) = sent {
                let call = "the hook verdict (PutLifecycleEventHookExecutionStatus)";
                return Err(deployment_call_failed(aws, id, call, f, rec).await);
            }
            Ok(format!("{event} hook of {id} reported {status}"))
        }
        Action::PromoteNow => Err((
            "promote now is its own flow (promote.rs), run by the executor".to_string(),
            None,
        )),
        Action::ResolveSplit { to } => resolve(aws, prep, *to, rec).await,
    }
}

pub(super) fn subject(prep: &Prepared) -> Option<(String, String)> {
    prep.deployment
        .target
        .as_ref()
        .map(|t| (t.function.clone(), t.alias.clone()))
        .or_else(|| {
            prep.appspec
                .as_ref()
                .map(|a| (a.function.clone(), a.alias.clone()))
        })
}

pub(super) fn versions(prep: &Prepared) -> Option<(String, String)> {
    prep.deployment
        .target
        .as_ref()
        .map(|t| (t.current_version.clone(), t.target_version.clone()))
        .or_else(|| {
            prep.appspec
                .as_ref()
                .map(|a| (a.current_version.clone(), a.target_version.clone()))
        })
}

pub(super) async fn stop<W: DeploymentWriter>(
    aws: &W,
    id: &str,
    auto_rollback: bool,
    rec: &mut Recorder,
) -> Result<(), StepError> {
    let sent = rec
        .call(
            "codedeploy:StopDeployment",
            json!({"deploymentId": id, "autoRollbackEnabled": auto_rollback}),
            aws.stop(id, auto_rollback),
            |s| json!(s),
        )
        .await;
    match sent {
        Ok(_) => Ok(()),
        Err(f) => Err(deployment_call_failed(aws, id, "StopDeployment", f, rec).await),
    }
}

pub(super) async fn read_alias<W: DeploymentWriter>(
    aws: &W,
    function: &str,
    alias: &str,
    rec: &mut Recorder,
) -> Result<AliasWeights, StepError> {
    rec.call(
        "lambda:GetAlias",
        json!({"FunctionName": function, "Name": alias}),
        aws.alias(function, alias),
        |a| json!(a),
    )
    .await
    .map_err(|f| failed("GetAlias failed", f))
}

/// Polls GetDeployment until `done`; records only status changes. Gives up after
/// `follow.max_polls` or five failed polls in a row.
pub(super) async fn follow_until<W: DeploymentWriter>(
    aws: &W,
    id: &str,
    rec: &mut Recorder,
    follow: &Follow,
    done: impl Fn(&Deployment) -> bool,
) -> Result<Deployment, StepError> {
    let mut last: Option<(DeploymentStatus, Option<String>)> = None;
    let mut errors = 0;
    for _ in 0..follow.max_polls.max(1) {
        let seen = last.clone();
        let polled = rec
            .poll(
                "codedeploy:GetDeployment",
                json!({"deploymentId": id}),
                aws.deployment(id),
                |d| json!({"status": d.status.as_str(), "rollbackDeploymentId": d.rollback.rollback_deployment_id}),
                |d| seen != Some((d.status.clone(), d.rollback.rollback_deployment_id.clone())),
            )
            .await;
        match polled {
            Ok(d) => {
                errors = 0;
                if done(&d) {
                    return Ok(d);
                }
                last = Some((d.status.clone(), d.rollback.rollback_deployment_id.clone()));
            }
            Err(f) => {
                errors += 1;
                if errors >= 5 {
                    return Err(failed(&format!("lost track of {id}"), f));
                }
            }
        }
        tokio::select! {
            () = follow.pause.pause() => {}
            () = follow.cancel.cancelled() => {
                let status = last.map_or("unknown".to_string(), |(s, _)| s.as_str().to_string());
                return Err((
                    format!(
                        "stopped following {id} at your request (last seen {status}); what was \
                         sent carries on in AWS — check it with `rollwatch snapshot`"
                    ),
                    None,
                ));
            }
        }
    }
    let status = last.map_or("unknown".to_string(), |(s, _)| s.as_str().to_string());
    Err((
        format!("gave up following {id} (last seen {status}): check it in the console"),
        None,
    ))
}

async fn rollback<W: DeploymentWriter>(
    aws: &W,
    prep: &Prepared,
    rec: &mut Recorder,
    follow: &Follow,
) -> Result<String, StepError> {
    let id = prep.deployment.id.as_str();
    stop(aws, id, true, rec).await?;
    let d = follow_until(aws, id, rec, follow, |d| {
        d.rollback.rollback_deployment_id.is_some() || !d.status.is_active()
    })
    .await?;
    let rb = if let Some(rb) = d.rollback.rollback_deployment_id {
        rb
    } else {
        {
            // Stopped before the rollback link showed up: give CodeDeploy a few more polls.
            let again = follow_until(aws, id, rec, &short(follow), |d| {
                d.rollback.rollback_deployment_id.is_some()
            })
            .await
            .map_err(|_| {
                (
                    format!(
                        "{id} {} but CodeDeploy started no rollback deployment: the alias may be \
                         split — resolve it (alias back to the old version)",
                        d.status.as_str()
                    ),
                    None,
                )
            })?;
            again.rollback.rollback_deployment_id.unwrap_or_default()
        }
    };
    let r = follow_until(aws, &rb, rec, follow, |d| !d.status.is_active()).await?;
    let alias = match subject(prep) {
        Some((f, a)) => Some(read_alias(aws, &f, &a, rec).await?),
        None => None,
    };
    let old = versions(prep).map(|v| v.0);
    let back = match (&alias, &old) {
        (Some(a), Some(old)) => a.primary_version == *old && !a.is_split(),
        _ => false,
    };
    let where_ = alias.as_ref().map_or("unknown".into(), weights_text);
    if r.status == DeploymentStatus::Succeeded && back {
        Ok(format!(
            "rolled back: {id} Stopped, rollback {rb} Succeeded, alias at {where_}"
        ))
    } else {
        Err((
            format!(
                "rollback {rb} ended {} and the alias is at {where_}: check it",
                r.status.as_str()
            ),
            None,
        ))
    }
}

fn short(follow: &Follow) -> Follow {
    Follow {
        pause: follow.pause.clone(),
        max_polls: follow.max_polls.min(10),
        cancel: follow.cancel.clone(),
    }
}

async fn resolve<W: DeploymentWriter>(
    aws: &W,
    prep: &Prepared,
    to: SplitResolution,
    rec: &mut Recorder,
) -> Result<String, StepError> {
    let (Some((function, alias)), Some((old, new))) = (subject(prep), versions(prep)) else {
        return Err((
            "the function or its versions are unknown: nothing was sent".into(),
            None,
        ));
    };
    let Some(revision) = prep
        .weights_before
        .as_ref()
        .and_then(|a| a.revision_id.clone())
    else {
        return Err(("the alias was read without a RevisionId: the update cannot be guarded, so it was not sent".into(), None));
    };
    let version = match to {
        SplitResolution::BackToOld => old,
        SplitResolution::ForwardToNew => new,
    };
    let updated = rec
        .call(
            "lambda:UpdateAlias",
            json!({"FunctionName": function, "Name": alias, "FunctionVersion": version,
                   "RoutingConfig": {"AdditionalVersionWeights": {}}, "RevisionId": revision}),
            aws.set_alias(&function, &alias, &version, &revision),
            |a| json!(a),
        )
        .await;
    match updated {
        Ok(a) => Ok(format!("{function}:{alias} now at {}", weights_text(&a))),
        Err(f) => {
            let now = read_alias(aws, &function, &alias, rec)
                .await
                .map_or_else(|_| "unknown".to_string(), |a| weights_text(&a));
            let message = if f.kind == FailureKind::Unreachable {
                format!("{} (alias now {now})", mutation_failed("UpdateAlias", &f))
            } else {
                format!(
                    "UpdateAlias refused, nothing overwritten (alias now {now}): {}",
                    f.one_line()
                )
            };
            Err((message, Some(f)))
        }
    }
}
