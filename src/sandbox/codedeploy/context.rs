//! The `CodeDeploy` simulation's context and the records every part of it writes: what it
//! touches outside `CodeDeploy` ([`SimCtx`]), fresh lifecycle events, status and lifecycle
//! events for the observer, and a deployment detached from the map while it is stepped. The
//! bottom layer of the simulation (`sim`, `hooks`, `outcome` and the operations use it).

use serde_json::json;
use sha2::Digest;

use super::{CodeDeploy, Deployment, Lifecycle};
use crate::sandbox::cloudwatch::CloudWatch;
use crate::sandbox::lambda::Lambda;
use crate::sandbox::logs::Logs;
use crate::sandbox::observe::Observer;

/// What the `CodeDeploy` simulation touches outside `CodeDeploy`.
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

/// Hex SHA-256 of `AppSpec` content.
pub fn sha256_hex(content: &str) -> String {
    hex::encode(sha2::Sha256::digest(content.as_bytes()))
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

/// Records the deployment's status as an observed event.
pub(super) fn status_event(ctx: &mut SimCtx<'_>, d: &Deployment) {
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

/// Sets lifecycle event `idx` to `status` (with its start and end), observed.
pub(super) fn lifecycle(
    ctx: &mut SimCtx<'_>,
    d: &mut Deployment,
    idx: usize,
    status: &'static str,
) {
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
    let name = e.name;
    lifecycle_event(ctx, d, name, status);
}

/// Records that `d`'s lifecycle event `name` is now `status`, as an observed event.
pub(super) fn lifecycle_event(ctx: &mut SimCtx<'_>, d: &Deployment, name: &str, status: &str) {
    let detail = json!({"event": name, "status": status});
    ctx.obs.event(
        ctx.now,
        "lifecycle_event",
        Some(&d.id),
        Some(&d.appspec.function),
        detail,
    );
}
