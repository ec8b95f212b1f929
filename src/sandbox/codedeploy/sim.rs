//! The deployment state machine, stepped once per simulated second: start and `AppSpec`
//! validation, hooks (succeed / fail / wait, 1 h timeout), shifts per the config's schedule,
//! alarm polling (periodic and before each shift), stops and rollback deployments.

use serde_json::json;
use std::collections::BTreeMap;

use super::config::schedule;
use super::context::{SimCtx, lifecycle, status_event, with_deployment};
use super::hooks::{begin_hook, step_hook};
use super::outcome::{finish, rollback_on, stop};
use super::{CodeDeploy, Deployment, Phase, Status};
use crate::sandbox::cloudwatch::{AlarmState, CloudWatch};

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

fn step_shift(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, d: &mut Deployment) -> bool {
    let now = ctx.now;
    let Some(t0) = d.t0 else { return false };
    if now < t0 {
        return false;
    }
    if d.lifecycle.get(1).is_some_and(|e| e.status == "Pending") {
        lifecycle(ctx, d, 1, "InProgress");
        // Ground truth for "past its predicted end": when this deployment plans to finish
        // shifting, from its own config (not rollwatch's timing model).
        let detail = json!({
            "steps": d.schedule.iter().map(|(offset, pct)| json!([t0 + offset, pct])).collect::<Vec<_>>(),
            "allow_traffic_ends_at": t0 + d.allow_end,
        });
        ctx.obs.event(
            now,
            "traffic_plan",
            Some(&d.id),
            Some(&d.appspec.function),
            detail,
        );
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
