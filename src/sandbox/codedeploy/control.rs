//! `CodeDeploy` operations that steer a running deployment: `StopDeployment` (with or without
//! rollback; when `autoRollbackEnabled` is omitted the group's `DEPLOYMENT_STOP_ON_REQUEST`
//! event decides), `ContinueDeployment` (refused for Lambda: `DeploymentIsNotInReadyStateException`)
//! and `PutLifecycleEventHookExecutionStatus`.

use serde_json::{Value, json};

use super::context::{SimCtx, with_deployment};
use super::hooks::hook_done;
use super::outcome::{rollback_on, stop};
use super::request::{err, need_deployment, s};
use super::{CodeDeploy, Deployment};
use crate::sandbox::wire::Reply;

pub(super) fn stop_deployment(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    input: &Value,
) -> Result<Value, Reply> {
    let d = need_deployment(cd, input)?;
    if !d.is_active() {
        return Err(err(
            "DeploymentAlreadyCompletedException",
            &format!("The deployment {} has already completed.", d.id),
        ));
    }
    let id = d.id.clone();
    let rollback = match input.get("autoRollbackEnabled").and_then(Value::as_bool) {
        Some(explicit) => explicit,
        None => rollback_on(cd, d, "DEPLOYMENT_STOP_ON_REQUEST"),
    };
    with_deployment(cd, ctx, &id, |cd, ctx, d| {
        stop(
            cd,
            ctx,
            d,
            "MANUAL_STOP",
            "The deployment was stopped by a user request.",
            rollback,
        );
    });
    let deployments = &cd.deployments;
    cd.active
        .retain(|id| deployments.get(id).is_some_and(Deployment::is_active));
    Ok(json!({"status": "Succeeded", "statusMessage": format!("Deployment {id} stopped")}))
}

/// Lambda deployments never enter the Ready state, so `ContinueDeployment` is refused the way
/// `CodeDeploy` refuses it for a deployment that is not waiting: `DeploymentIsNotInReadyStateException`
/// (`DeploymentAlreadyCompletedException` once it has ended).
pub(super) fn continue_deployment(cd: &CodeDeploy, input: &Value) -> Result<Value, Reply> {
    let d = need_deployment(cd, input)?;
    if !d.is_active() {
        return Err(err(
            "DeploymentAlreadyCompletedException",
            &format!("The deployment {} has already completed.", d.id),
        ));
    }
    Err(err(
        "DeploymentIsNotInReadyStateException",
        &format!(
            "The deployment {} is not in the Ready state: Lambda deployments never wait for ContinueDeployment.",
            d.id
        ),
    ))
}

pub(super) fn put_hook_status(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    input: &Value,
) -> Result<Value, Reply> {
    let d = need_deployment(cd, input)?;
    let exec = s(input, "lifecycleEventHookExecutionId").ok_or_else(|| {
        err(
            "InvalidLifecycleEventHookExecutionIdException",
            "The lifecycle event hook execution ID was not specified.",
        )
    })?;
    let ok = match s(input, "status").as_deref() {
        Some("Succeeded") => true,
        Some("Failed") => false,
        _ => {
            return Err(err(
                "InvalidLifecycleEventHookExecutionStatusException",
                "The status must be Succeeded or Failed.",
            ));
        }
    };
    let Some(run) = d.hook.clone().filter(|h| h.execution_id == exec) else {
        let known = cd.hook_executions.contains(&exec);
        return Err(if known || !d.is_active() {
            err(
                "LifecycleEventAlreadyCompletedException",
                "The lifecycle event has already completed.",
            )
        } else {
            err(
                "InvalidLifecycleEventHookExecutionIdException",
                &format!(
                    "The lifecycle event hook execution ID {exec} is not valid for this deployment."
                ),
            )
        });
    };
    let id = d.id.clone();
    with_deployment(cd, ctx, &id, |cd, ctx, d| {
        let why = (!ok).then_some("The lifecycle event hook reported Failed.");
        hook_done(cd, ctx, d, run.event, ok, why);
    });
    let deployments = &cd.deployments;
    cd.active
        .retain(|id| deployments.get(id).is_some_and(Deployment::is_active));
    Ok(json!({"lifecycleEventHookExecutionId": exec}))
}
