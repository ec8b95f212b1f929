//! The verdict of one deployment's view: its series, its function's thresholds, and only the
//! minutes since traffic started shifting. Above the verdict's vocabulary (`mod.rs`), which the
//! view itself (`picture.rs`) carries.

use super::{Verdict, VerdictConfig, judge_canary};
use crate::domain::DeploymentView;

/// The verdict of a deployment from what the engine already fetched: its per-version metrics
/// (current first, then target), the thresholds of its function (`deployment.target.function`)
/// and the minutes since traffic started shifting (the plan's `traffic_start`, else the
/// target's AllowTraffic start, which also covers deployments that have ended); the config's
/// routing (from the plan, else the config read) aims the tests at what this canary can
/// catch. `None` while the metrics or the traffic start are not known: before the shift only
/// the pre-traffic hook invokes the new version, and those invocations are no canary.
pub fn judge_view(view: &DeploymentView, config: &VerdictConfig) -> Option<Verdict> {
    if !config.enabled {
        return None;
    }
    let series = view.metrics.value()?;
    let (old, new) = (series.first()?, series.get(1)?);
    let since = view.traffic_start()?;
    let function = view
        .deployment
        .target
        .as_ref()
        .map_or("", |t| t.function.as_str());
    let routing = view
        .plan
        .as_ref()
        .map(|p| p.routing)
        .or_else(|| view.config.value().map(|c| c.routing));
    Some(judge_canary(
        old,
        new,
        Some(since),
        routing,
        &config.for_function(function),
    ))
}

#[cfg(test)]
pub(crate) mod tests;
