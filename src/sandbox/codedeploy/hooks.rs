//! Lifecycle hooks: `CodeDeploy` "invokes" the hook function asynchronously (its SAM-style log
//! line with `DeploymentId` and `LifecycleEventHookExecutionId` goes to the hook's log group), then
//! waits for a status: from the simulated function, `PutLifecycleEventHookExecutionStatus`, or
//! the 1-hour timeout.

use serde_json::json;

use super::context::{SimCtx, lifecycle};
use super::outcome::finish;
use super::{CodeDeploy, Deployment, HookBehavior, HookRun, Phase, Status};

pub(super) fn begin_hook(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    d: &mut Deployment,
    idx: usize,
) {
    let now = ctx.now;
    lifecycle(ctx, d, idx, "InProgress");
    let hook_fn = if idx == 0 {
        d.appspec.before_hook.clone()
    } else {
        d.appspec.after_hook.clone()
    };
    let Some(hook_fn) = hook_fn else {
        hook_done(cd, ctx, d, idx, true, None);
        return;
    };
    let execution_id = cd.ids.uuid();
    cd.hook_executions.insert(execution_id.clone());
    let payload =
        json!({"DeploymentId": d.id, "LifecycleEventHookExecutionId": execution_id}).to_string();
    let (group, stream) = ctx.lambda.log_stream(&hook_fn, "$LATEST", now);
    let request_id = ctx.lambda.ids.uuid();
    let ts = (now * 1000.0) as i64;
    let stamp = chrono::DateTime::from_timestamp_millis(ts)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default();
    ctx.logs.append(
        &group,
        &stream,
        ts,
        format!("START RequestId: {request_id} Version: $LATEST\n"),
    );
    ctx.logs.append(
        &group,
        &stream,
        ts,
        format!("{stamp}\t{request_id}\tINFO\t{payload}\n"),
    );
    ctx.logs.append(
        &group,
        &stream,
        ts + 40,
        format!("END RequestId: {request_id}\n"),
    );
    ctx.logs.append(&group, &stream, ts + 40, format!("REPORT RequestId: {request_id}\tDuration: 38.12 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n"));
    let detail = json!({"event": d.lifecycle.get(idx).map(|e| e.name), "hook_function": hook_fn, "execution_id": execution_id});
    ctx.obs
        .event(now, "hook_invoked", Some(&d.id), Some(&hook_fn), detail);
    let reports = match cd.hook_behavior(&hook_fn) {
        HookBehavior::Succeed { after_secs } => Some((now + after_secs.max(0.0), true)),
        HookBehavior::Fail { after_secs } => Some((now + after_secs.max(0.0), false)),
        HookBehavior::Wait => None,
    };
    d.hook = Some(HookRun {
        execution_id,
        event: idx,
        reports,
        deadline: now + cd.settings.hook_timeout_secs,
    });
}

/// Completes the running hook of `d` (from the simulated hook function, a timeout, or
/// `PutLifecycleEventHookExecutionStatus`).
pub fn hook_done(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    d: &mut Deployment,
    idx: usize,
    ok: bool,
    why: Option<&str>,
) {
    d.hook = None;
    if !ok {
        lifecycle(ctx, d, idx, "Failed");
        let msg = why.unwrap_or(
            "The deployment failed because a specified lifecycle event hook failed or timed out.",
        );
        let msg = msg.to_owned();
        finish(
            cd,
            ctx,
            d,
            Status::Failed,
            Some(("HOOK_EXECUTION_FAILURE".to_owned(), msg)),
        );
        return;
    }
    lifecycle(ctx, d, idx, "Succeeded");
    if idx == 0 {
        d.phase = Phase::Shifting;
        d.t0 = Some(ctx.now + 1.0);
    } else {
        d.phase = Phase::Finishing;
        d.phase_at = ctx.now + 1.0;
    }
}

pub(super) fn step_hook(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment) -> bool {
    let now = ctx.now;
    let idx = if d.phase == Phase::BeforeHook { 0 } else { 2 };
    match d.hook.clone() {
        None if now >= d.phase_at
            && d.lifecycle.get(idx).is_some_and(|e| e.status == "Pending") =>
        {
            begin_hook(cd, ctx, d, idx);
            true
        }
        None => false,
        Some(run) => match run.reports {
            Some((at, ok)) if now >= at => {
                hook_done(cd, ctx, d, idx, ok, None);
                true
            }
            _ if now >= run.deadline => {
                let why = "The lifecycle event hook did not report a status within 1 hour.";
                hook_done(cd, ctx, d, idx, false, Some(why));
                true
            }
            _ => false,
        },
    }
}
