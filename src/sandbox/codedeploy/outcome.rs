//! How deployments end: stops (manual or alarm), failures, success bookkeeping, and rollback
//! deployments (creator codeDeployRollback, linked both ways) that return the alias to 100% of
//! the old version at once.

use std::collections::BTreeMap;

use serde_json::json;

use super::appspec::{self, AppSpec};
use super::context::{
    SimCtx, fresh_lifecycle, lifecycle, lifecycle_event, sha256_hex, status_event,
};
use super::{CodeDeploy, Deployment, Phase, Revision, Status};

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

pub(super) fn finish(
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
    let mut skipped = Vec::new();
    for e in &mut d.lifecycle {
        if e.status == "Pending" {
            e.status = "Skipped";
            skipped.push(e.name);
        }
    }
    for name in skipped {
        lifecycle_event(ctx, d, name, "Skipped");
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
