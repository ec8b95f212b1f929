//! The pure domain: deployments, deployment configs and the traffic plan they imply, alias
//! weights, lifecycle events, alarms, per-version metrics, AppSpec parsing, classified failures,
//! warnings and the complete picture. No tokio, no ratatui, no aws-sdk: plain values and
//! functions, tested on their own.

mod action;
mod alarm;
mod appspec;
mod deployment;
mod failure;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod guard;
mod lifecycle;
pub mod links;
pub mod logs;
mod metrics;
pub mod notify;
mod picture;
mod plan;
mod rollout;
mod splits;
mod timeline;
pub mod triage;
pub mod verdict;
mod warning;
mod warnings;
mod weights;

pub use action::{
    ALL_AT_ONCE, Action, ActionOption, BlastRadius, Confirmation, ContinueRequest, Refusal,
    SplitResolution, appspec_content, blast_radius, check as check_action, confirmation,
    continue_variant, hook_function, is_cloudformation_owned, options as action_options,
    running_hook, versions as deployment_versions,
};
pub use alarm::{Alarm, AlarmKind, AlarmMeasure, AlarmState, DeploymentAlarm, worst_state};
pub use appspec::{AppSpec, AppSpecError, parse_appspec};
pub use deployment::{
    Creator, Deployment, DeploymentError, DeploymentStatus, FunctionTarget, Revision,
    RollbackLinks, Source,
};
pub use failure::{Failure, FailureKind};
pub use guard::{Guard, GuardConfig, GuardEvent};
pub use lifecycle::{EventStatus, HOOK_TIME_LIMIT, LambdaTarget, LifecycleEvent};
pub use metrics::{
    LOW_TRAFFIC_INVOCATIONS, MetricTotals, MetricWindow, MetricsRequest, MinutePoint,
    VersionMetrics,
};
pub use picture::{
    ClockReading, ClockSource, Completeness, DeploymentView, Freshness, GroupSettings, Owner,
    PICTURE_SCHEMA, Part, Picture, Place, Profile, RegionPicture, ScheduleStatus, ViewFreshness,
};
pub use plan::{DeploymentConfig, ScheduleModel, Step, TrafficPlan, TrafficRouting};
pub use rollout::{RolloutKey, alias_id, function_name};
pub use splits::{AliasScan, AliasSplit};
pub use timeline::{Change, TimelineEvent, TimelineKind, timeline_diff};
pub use verdict::{
    Judgement, MetricKind, MetricVerdict, TestKind, Verdict, VerdictConfig, VerdictThresholds,
    judge_view, slow_threshold, verdict_minutes,
};
pub use warning::{Warning, WarningKind};
pub use warnings::{PAST_END_GRACE_SECS, WarningHold, fold_canary_warnings, warnings_for};
pub use weights::{
    AliasWeights, Disagreement, ShareRead, TargetWeight, WeightSource, WeightWitnesses,
    normalize_recorded_weight,
};

/// A 0.0–1.0 share as a percentage for people: `10%`, `33.3%`.
pub fn normalize_pct(share: f64) -> String {
    let pct = share * 100.0;
    if (pct - pct.round()).abs() < 0.05 {
        format!("{}%", pct.round())
    } else {
        format!("{pct:.1}%")
    }
}
