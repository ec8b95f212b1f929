//! The deployment state machine, stepped once per simulated second: start and AppSpec
//! validation, hooks (succeed / fail / wait, 1 h timeout), shifts per the config's schedule,
//! alarm polling (periodic and before each shift), stops and rollback deployments.

use std::collections::BTreeMap;

use serde_json::json;
use sha2::Digest;

use super::appspec::{self, AppSpec};
use super::config::schedule;
use super::{CodeDeploy, Deployment, HookBehavior, HookRun, Lifecycle, Phase, Revision, Status};
use crate::sandbox::cloudwatch::{AlarmState, CloudWatch};
use crate::sandbox::lambda::Lambda;
use crate::sandbox::logs::Logs;
use crate::sandbox::observe::Observer;

/// What the CodeDeploy simulation touches outside CodeDeploy.
pub struct SimCtx<'a> {
    pub now: f64,
    pub lambda: &'a mut Lambda,
    pub cloudwatch: &'a CloudWatch,
    pub logs: &'a mut Logs,
    pub obs: &'a mut Observer,
}

/// The three Lambda lifecycle events, all Pending.
pub fn fresh_lifecycle() -> Vec<Lifecycle> {
    ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]
        .into_iter()
        .map(|name| Lifecycle {
            name,
            status: "Pending",
            start: None,
            end: None,
        })
        .collect()
}

/// Hex SHA-256 of AppSpec content.
pub fn sha256_hex(content: &str) -> String {
    hex::encode(sha2::Sha256::digest(content.as_bytes()))
}

/// Steps every active deployment to `ctx.now`.
pub fn step_all(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>) {
    let ids = cd.active.clone();
    for id in ids {
        with_deployment(cd, ctx, &id, |cd, ctx, d| {
            for _ in 0..8 {
                if !step(cd, ctx, d) {
                    break;
                }
            }
        });
    }
    let deployments = &cd.deployments;
    cd.active
        .retain(|id| deployments.get(id).is_some_and(Deployment::is_active));
}

/// Runs `f` on a deployment detached from the map (so `f` may also change `cd`).
pub fn with_deployment<R>(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    id: &str,
    f: impl FnOnce(&mut CodeDeploy, &mut SimCtx<'_>, &mut Deployment) -> R,
) -> Option<R> {
    let mut d = cd.deployments.remove(id)?;
    let out = f(cd, ctx, &mut d);
    cd.deployments.insert(id.to_owned(), d);
    Some(out)
}

fn status_event(ctx: &mut SimCtx<'_>, d: &Deployment) {
    let detail = json!({
        "status": d.status.as_str(),
        "error": d.error.as_ref().map(|(c, m)| json!({"code": c, "message": m})),
        "application": d.application, "group": d.group, "creator": d.creator,
    });
    ctx.obs.event(
        ctx.now,
        "deployment_status",
        Some(&d.id),
        Some(&d.appspec.function),
        detail,
    );
}

fn lifecycle(ctx: &mut SimCtx<'_>, d: &mut Deployment, idx: usize, status: &'static str) {
    let now = ctx.now;
    let Some(e) = d.lifecycle.get_mut(idx) else {
        return;
    };
    e.status = status;
    if status == "InProgress" {
        e.start = Some(now);
    } else {
        e.start.get_or_insert(now);
        e.end = Some(now);
    }
    d.target_updated = now;
    let detail = json!({"event": e.name, "status": status});
    ctx.obs.event(
        now,
        "lifecycle_event",
        Some(&d.id),
        Some(&d.appspec.function),
        detail,
    );
}

/// One transition if one is due; returns whether something happened.
fn step(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment) -> bool {
    let now = ctx.now;
    if !d.is_active() {
        return false;
    }
    if let Some((at, rollback)) = d.planned_stop {
        if now >= at {
            d.planned_stop = None;
            stop(
                cd,
                ctx,
                d,
                "MANUAL_STOP",
                "The deployment was stopped by a user request.",
                rollback,
            );
            return true;
        }
    }
    if d.status == Status::InProgress && d.phase != Phase::Finishing && now >= d.next_poll {
        d.next_poll += cd.settings.alarm_poll_secs.max(1.0);
        if stop_if_alarm(cd, ctx, d) {
            return true;
        }
    }
    match d.phase {
        Phase::Pending if now >= d.phase_at => {
            start(cd, ctx, d);
            true
        }
        Phase::BeforeHook | Phase::AfterHook => step_hook(cd, ctx, d),
        Phase::Shifting => step_shift(cd, ctx, d),
        Phase::Finishing if now >= d.phase_at => {
            finish(cd, ctx, d, Status::Succeeded, None);
            true
        }
        _ => false,
    }
}

fn fail_start(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    d: &mut Deployment,
    code: &str,
    message: String,
) {
    lifecycle(ctx, d, 0, "Failed");
    finish(cd, ctx, d, Status::Failed, Some((code.to_owned(), message)));
}

fn start(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment) {
    let now = ctx.now;
    d.status = Status::InProgress;
    d.start_time = Some(now);
    d.target_status = "InProgress";
    d.target_updated = now;
    if let Some(g) = cd.groups.get_mut(&(d.application.clone(), d.group.clone())) {
        g.last_attempted = Some(d.id.clone());
    }
    status_event(ctx, d);
    let spec = &d.appspec;
    let invalid = "INVALID_LAMBDA_CONFIGURATION";
    let Some(f) = ctx.lambda.functions.get(&spec.function) else {
        let msg = format!("The Lambda function {} does not exist.", spec.function);
        return fail_start(cd, ctx, d, "INVALID_LAMBDA_FUNCTION", msg);
    };
    let Some(alias) = f.aliases.get(&spec.alias) else {
        let msg = format!("The Lambda function alias {} does not exist.", spec.alias);
        return fail_start(cd, ctx, d, invalid, msg);
    };
    let exists = |v: &str| v.parse::<u64>().is_ok_and(|n| f.versions.contains_key(&n));
    let problem = if alias.function_version != spec.current {
        Some(
            "The Lambda function alias version does not match the current version in AppSpec file."
                .to_owned(),
        )
    } else if !alias.weights.is_empty() {
        Some(format!(
            "The Lambda function alias {} already routes traffic to more than one version (AdditionalVersionWeights is not empty).",
            spec.alias
        ))
    } else if !exists(&spec.target) || spec.target == spec.current {
        Some(format!(
            "The target version {} is not a published version different from the current version.",
            spec.target
        ))
    } else {
        None
    };
    if let Some(msg) = problem {
        return fail_start(cd, ctx, d, invalid, msg);
    }
    let Some(config) = cd.configs.get(&d.config_name) else {
        let msg = format!(
            "The deployment configuration {} does not exist.",
            d.config_name
        );
        return fail_start(cd, ctx, d, "INTERNAL_ERROR", msg);
    };
    let (plan, allow_end) = schedule(config.routing, cd.settings.hold_at_100_for_one_interval);
    d.schedule = plan;
    d.allow_end = allow_end;
    d.next_poll = now + cd.settings.alarm_poll_secs.max(1.0);
    if stop_if_alarm(cd, ctx, d) {
        return;
    }
    d.phase = Phase::BeforeHook;
    d.phase_at = now;
    begin_hook(cd, ctx, d, 0);
}

fn begin_hook(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment, idx: usize) {
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
/// PutLifecycleEventHookExecutionStatus).
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

fn step_hook(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment) -> bool {
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

fn step_shift(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment) -> bool {
    let now = ctx.now;
    let Some(t0) = d.t0 else { return false };
    if now < t0 {
        return false;
    }
    if d.lifecycle.get(1).is_some_and(|e| e.status == "Pending") {
        lifecycle(ctx, d, 1, "InProgress");
    }
    if let Some(&(offset, pct)) = d.schedule.get(d.next_step) {
        if now < t0 + offset {
            return false;
        }
        if stop_if_alarm(cd, ctx, d) {
            return true;
        }
        let spec = d.appspec.clone();
        let (version, weights) = if pct >= 100.0 {
            (spec.target.clone(), BTreeMap::new())
        } else {
            (
                spec.current.clone(),
                BTreeMap::from([(spec.target.clone(), pct / 100.0)]),
            )
        };
        ctx.lambda.set_routing(
            ctx.obs,
            now,
            &spec.function,
            &spec.alias,
            &version,
            weights,
            "codedeploy",
            Some(&d.id),
        );
        d.weight_pct = pct;
        d.target_updated = now;
        d.next_step += 1;
        return true;
    }
    if now >= t0 + d.allow_end {
        lifecycle(ctx, d, 1, "Succeeded");
        d.phase = Phase::AfterHook;
        d.phase_at = now + 1.0;
        return true;
    }
    false
}

/// The first group alarm in ALARM, if the group watches alarms.
fn firing_alarm(cd: &CodeDeploy, cw: &CloudWatch, d: &Deployment) -> Option<String> {
    let group = cd.groups.get(&(d.application.clone(), d.group.clone()))?;
    if !group.alarms_enabled {
        return None;
    }
    group
        .alarms
        .iter()
        .find(|a| cw.alarm_state(a) == Some(AlarmState::Alarm))
        .cloned()
}

fn stop_if_alarm(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment) -> bool {
    let Some(alarm) = firing_alarm(cd, ctx.cloudwatch, d) else {
        return false;
    };
    let msg = format!(
        "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <{alarm}>"
    );
    let rollback = rollback_on(cd, d, "DEPLOYMENT_STOP_ON_ALARM");
    stop(cd, ctx, d, "ALARM_ACTIVE", &msg, rollback);
    true
}

/// Whether the deployment's (or its group's) auto-rollback covers `event`.
pub fn rollback_on(cd: &CodeDeploy, d: &Deployment, event: &str) -> bool {
    let group = cd.groups.get(&(d.application.clone(), d.group.clone()));
    d.auto_rollback_override
        .as_ref()
        .or(group.and_then(|g| g.auto_rollback.as_ref()))
        .is_some_and(|events| events.iter().any(|e| e == event))
}

/// Stops a deployment (alias left as it is), then rolls back if asked.
pub fn stop(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    d: &mut Deployment,
    code: &str,
    message: &str,
    rollback: bool,
) {
    if let Some(idx) = d.lifecycle.iter().position(|e| e.status == "InProgress") {
        lifecycle(ctx, d, idx, "Failed");
    }
    d.hook = None;
    finish(
        cd,
        ctx,
        d,
        Status::Stopped,
        Some((code.to_owned(), message.to_owned())),
    );
    if rollback {
        create_rollback(cd, ctx, d);
    }
}

fn finish(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    d: &mut Deployment,
    status: Status,
    error: Option<(String, String)>,
) {
    let now = ctx.now;
    d.status = status;
    d.error = error;
    d.complete_time = Some(now);
    d.phase = Phase::Done;
    d.target_status = if status == Status::Succeeded {
        "Succeeded"
    } else {
        "Failed"
    };
    d.target_updated = now;
    for e in &mut d.lifecycle {
        if e.status == "Pending" {
            e.status = "Skipped";
        }
    }
    if let Some(g) = cd.groups.get_mut(&(d.application.clone(), d.group.clone())) {
        if status == Status::Succeeded {
            g.last_successful = Some(d.id.clone());
        }
    }
    status_event(ctx, d);
    let hook_failed = d
        .error
        .as_ref()
        .is_some_and(|e| e.0 == "HOOK_EXECUTION_FAILURE");
    if status == Status::Failed && hook_failed && rollback_on(cd, d, "DEPLOYMENT_FAILURE") {
        create_rollback(cd, ctx, d);
    }
}

/// Creates the rollback deployment of `d`: the alias returns to 100% of the current version at
/// once, and the new deployment (creator codeDeployRollback) succeeds a second later.
fn create_rollback(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment) {
    let now = ctx.now;
    let id = cd.new_deployment_id();
    let spec = AppSpec {
        current: d.appspec.target.clone(),
        target: d.appspec.current.clone(),
        before_hook: None,
        after_hook: None,
        ..d.appspec.clone()
    };
    let original = d.appspec.clone();
    ctx.lambda.set_routing(
        ctx.obs,
        now,
        &original.function,
        &original.alias,
        &original.current,
        BTreeMap::new(),
        "codedeploy-rollback",
        Some(&id),
    );
    let content = appspec::render(&spec);
    let creator = if d.creator.starts_with("CloudFormation") {
        "CloudFormationRollback"
    } else {
        "codeDeployRollback"
    };
    let mut lifecycle = fresh_lifecycle();
    for e in &mut lifecycle {
        e.status = "Succeeded";
        e.start = Some(now);
        e.end = Some(now);
    }
    let rb = Deployment {
        id: id.clone(),
        creator: creator.to_owned(),
        description: Some(format!("Rollback of {}", d.id)),
        external_id: None,
        status: Status::InProgress,
        create_time: now,
        start_time: Some(now),
        complete_time: None,
        revision: Revision {
            kind: d.revision.kind.clone(),
            sha256: sha256_hex(&content),
            content,
        },
        appspec: spec,
        error: None,
        rollback_deployment_id: None,
        rollback_triggering_id: Some(d.id.clone()),
        rollback_message: Some(format!("Rollback deployment of {}", d.id)),
        auto_rollback_override: None,
        lifecycle,
        target_status: "InProgress",
        target_updated: now,
        weight_pct: 100.0,
        phase: Phase::Finishing,
        phase_at: now + 1.0,
        t0: Some(now),
        next_step: 0,
        schedule: Vec::new(),
        allow_end: 0.0,
        next_poll: f64::INFINITY,
        hook: None,
        planned_stop: None,
        ..d.clone()
    };
    d.rollback_deployment_id = Some(id.clone());
    d.rollback_message = Some(format!("Rolled back by deployment {id}"));
    ctx.obs.event(
        now,
        "rollback_created",
        Some(&d.id),
        Some(&original.function),
        json!({"rollback_deployment_id": id}),
    );
    status_event(ctx, &rb);
    cd.order.push(id.clone());
    cd.active.push(id.clone());
    cd.deployments.insert(id, rb);
}
