//! Operator actions as pure values: roll back, stop, continue (with its variants: ContinueDeployment
//! for a deployment in Ready, a verdict on a waiting BeforeAllowTraffic/AfterAllowTraffic hook, or
//! "promote now") and the two resolutions of an alias left split by a stop without rollback.
//! [`options`] says which of them apply to a deployment in its current state and, for those that
//! don't, why; [`continue_variant`] picks what "continue" means; [`confirm`] builds the blast
//! radius and the confirmation text shown before anything is sent.

mod confirm;
mod refusal;
#[cfg(test)]
mod tests;

use serde::Serialize;

use super::{AppSpec, DeploymentStatus, DeploymentView, EventStatus, Source};

pub use confirm::{BlastRadius, Confirmation, appspec_content, blast_radius, confirmation};
pub use refusal::Refusal;

/// The deployment config promote-now redeploys with.
pub const ALL_AT_ONCE: &str = "CodeDeployDefault.LambdaAllAtOnce";

/// Where a stop without rollback left the alias, and where to put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitResolution {
    /// Alias back to the old (current) version with 100%.
    BackToOld,
    /// Alias forward to the new (target) version with 100%.
    ForwardToNew,
}

/// One concrete thing rollwatch can do to a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// StopDeployment(autoRollbackEnabled=true), then follow the rollback deployment.
    Rollback,
    /// StopDeployment(autoRollbackEnabled=false): the alias stays split.
    Stop,
    /// ContinueDeployment(READY_WAIT) on a deployment waiting in Ready.
    ContinueReady,
    /// PutLifecycleEventHookExecutionStatus on the running hook.
    HookVerdict {
        /// `BeforeAllowTraffic` or `AfterAllowTraffic`.
        event: String,
        execution_id: String,
        /// true: Succeeded (approve); false: Failed (reject).
        approve: bool,
    },
    /// Stop without rollback, alias back to old (RevisionId-guarded), redeploy the same AppSpec
    /// all at once, follow it.
    PromoteNow,
    /// UpdateAlias after a stop without rollback (RevisionId-guarded).
    ResolveSplit { to: SplitResolution },
}

impl Action {
    /// The command a person asked for: `rollback`, `stop`, `continue` or `resolve`.
    pub fn command(&self) -> &'static str {
        match self {
            Self::Rollback => "rollback",
            Self::Stop => "stop",
            Self::ContinueReady | Self::HookVerdict { .. } | Self::PromoteNow => "continue",
            Self::ResolveSplit { .. } => "resolve",
        }
    }

    /// Which variant of the command runs (`None` for rollback and stop).
    pub fn variant(&self) -> Option<&'static str> {
        match self {
            Self::Rollback | Self::Stop => None,
            Self::ContinueReady => Some("continue-deployment"),
            Self::HookVerdict { approve: true, .. } => Some("approve-hook"),
            Self::HookVerdict { approve: false, .. } => Some("reject-hook"),
            Self::PromoteNow => Some("promote-now"),
            Self::ResolveSplit {
                to: SplitResolution::BackToOld,
            } => Some("back-to-old"),
            Self::ResolveSplit {
                to: SplitResolution::ForwardToNew,
            } => Some("forward-to-new"),
        }
    }

    /// A short label: `roll back`, `continue: promote now` ...
    pub fn label(&self) -> String {
        match self {
            Self::Rollback => "roll back".into(),
            Self::Stop => "stop (no rollback)".into(),
            Self::ContinueReady => "continue: ContinueDeployment".into(),
            Self::HookVerdict { event, approve, .. } => {
                let verdict = if *approve { "approve" } else { "reject" };
                format!("continue: {verdict} the {event} hook")
            }
            Self::PromoteNow => "continue: promote now (redeploy all at once)".into(),
            Self::ResolveSplit {
                to: SplitResolution::BackToOld,
            } => "resolve split: alias back to the old version".into(),
            Self::ResolveSplit {
                to: SplitResolution::ForwardToNew,
            } => "resolve split: alias forward to the new version".into(),
        }
    }
}

/// What a person asked "continue" to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContinueRequest {
    /// Whatever applies: Ready → ContinueDeployment; a waiting hook with a known execution id →
    /// approve; otherwise promote now.
    #[default]
    Auto,
    Approve,
    Reject,
    PromoteNow,
}

/// One entry of the action menu: enabled with its action, or disabled with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionOption {
    /// Suggested key (`R`, `S`, `C`, `O`, `N`).
    pub key: char,
    pub label: String,
    pub outcome: Result<Action, Refusal>,
}

/// Why an action does not apply to a deployment's state, or `None` when it may run.
fn finished_reason(view: &DeploymentView) -> Option<Refusal> {
    let d = &view.deployment;
    (!d.status.is_active()).then(|| Refusal::Finished {
        status: d.status.clone(),
        rolled_back_by: d.rollback.rollback_deployment_id.clone(),
    })
}

/// Whether a stop is already under way (a rollback was started for it).
fn stopping_reason(view: &DeploymentView) -> Option<Refusal> {
    view.deployment
        .rollback
        .rollback_deployment_id
        .as_ref()
        .map(|rb| Refusal::Stopping {
            rollback: rb.clone(),
        })
}

/// Whether `action` may run on the deployment as it is now.
pub fn check(view: &DeploymentView, action: &Action) -> Result<(), Refusal> {
    // A split nobody's release process owns: there is no deployment to stop, roll back or
    // continue, only the alias to put whole.
    if view.deployment.source == Source::Alias && !matches!(action, Action::ResolveSplit { .. }) {
        return Err(Refusal::NoDeployment);
    }
    match action {
        Action::Rollback => check_rollback(view),
        Action::Stop => check_stop(view),
        Action::ContinueReady => {
            check_stop(view)?;
            if view.deployment.status == DeploymentStatus::Ready {
                Ok(())
            } else {
                Err(Refusal::NeverReady)
            }
        }
        Action::HookVerdict { event, .. } => {
            check_stop(view)?;
            match running_hook(view) {
                Some(running) if running == *event => Ok(()),
                Some(running) => Err(Refusal::OtherHookWaiting {
                    running,
                    asked: event.clone(),
                }),
                None => Err(Refusal::NoHookWaiting),
            }
        }
        Action::PromoteNow => check_promote(view),
        Action::ResolveSplit { .. } => check_resolve(view),
    }
}

fn check_stop(view: &DeploymentView) -> Result<(), Refusal> {
    if let Some(why) = finished_reason(view) {
        return Err(why);
    }
    if let Some(why) = stopping_reason(view) {
        return Err(why);
    }
    Ok(())
}

fn check_rollback(view: &DeploymentView) -> Result<(), Refusal> {
    check_stop(view)?;
    if view.deployment.creator.is_rollback() {
        return Err(Refusal::IsRollback);
    }
    Ok(())
}

/// CloudFormation/SAM owns the deployment (creator, external id, or the SAM application name).
pub fn is_cloudformation_owned(view: &DeploymentView) -> bool {
    view.deployment.is_cloudformation()
        || view
            .deployment
            .application
            .contains("ServerlessDeploymentApplication")
}

fn check_promote(view: &DeploymentView) -> Result<(), Refusal> {
    check_rollback(view)?;
    if is_cloudformation_owned(view) {
        return Err(Refusal::CloudFormationOwned);
    }
    if view.deployment.status == DeploymentStatus::Ready {
        return Err(Refusal::WaitsInReady);
    }
    if view.deployment.config_name == ALL_AT_ONCE {
        return Err(Refusal::AlreadyAllAtOnce);
    }
    if view.appspec.value().is_none() {
        return Err(Refusal::NoAppSpec);
    }
    let target = view.deployment.target.as_ref();
    let all_new = view
        .alias
        .value()
        .zip(target)
        .filter(|(alias, t)| alias.weight_of(&t.target_version) >= 0.999_5)
        .map(|(_, t)| t);
    if let Some(t) = all_new {
        return Err(Refusal::AllTrafficOnNew {
            target: t.target_version.clone(),
            current: t.current_version.clone(),
        });
    }
    Ok(())
}

fn check_resolve(view: &DeploymentView) -> Result<(), Refusal> {
    let d = &view.deployment;
    if d.source == Source::CodeDeploy && d.status.is_active() {
        return Err(Refusal::StillActive);
    }
    let Some(alias) = view.alias.value() else {
        return Err(Refusal::AliasUnread);
    };
    if !alias.is_split() {
        return Err(Refusal::NotSplit {
            function: alias.function.clone(),
            alias: alias.alias.clone(),
            version: alias.primary_version.clone(),
        });
    }
    let Some(spec) = versions(view) else {
        return Err(Refusal::VersionsUnknown);
    };
    let involved = |v: &str| v == spec.0 || v == spec.1;
    if !involved(&alias.primary_version) || !alias.additional.iter().all(|(v, _)| involved(v)) {
        return Err(Refusal::ForeignSplit {
            primary: alias.primary_version.clone(),
            others: alias.additional.iter().map(|(v, _)| v.clone()).collect(),
        });
    }
    Ok(())
}

/// (current, target) versions from the target record or the AppSpec.
pub fn versions(view: &DeploymentView) -> Option<(String, String)> {
    if let Some(t) = &view.deployment.target {
        return Some((t.current_version.clone(), t.target_version.clone()));
    }
    view.appspec
        .value()
        .map(|a: &AppSpec| (a.current_version.clone(), a.target_version.clone()))
}

/// The hook event (`BeforeAllowTraffic`/`AfterAllowTraffic`) in progress, if any.
pub fn running_hook(view: &DeploymentView) -> Option<String> {
    let target = view.target.value()?;
    target
        .events
        .iter()
        .find(|e| e.is_hook() && e.status == EventStatus::InProgress)
        .map(|e| e.name.clone())
}

/// The hook function of a hook event, from the AppSpec.
pub fn hook_function(view: &DeploymentView, event: &str) -> Option<String> {
    let spec = view.appspec.value()?;
    match event {
        "BeforeAllowTraffic" => spec.before_allow_traffic.clone(),
        "AfterAllowTraffic" => spec.after_allow_traffic.clone(),
        _ => None,
    }
}

/// What "continue" does for this deployment, given a hook execution id if one was found in the
/// hook's logs or pasted.
pub fn continue_variant(
    view: &DeploymentView,
    request: ContinueRequest,
    execution_id: Option<&str>,
) -> Result<Action, Refusal> {
    check_stop(view)?;
    let hook = running_hook(view);
    let id = execution_id.map(str::trim).filter(|s| !s.is_empty());
    let verdict = |approve: bool| match (&hook, id) {
        (Some(event), Some(id)) => Ok(Action::HookVerdict {
            event: event.clone(),
            execution_id: id.to_string(),
            approve,
        }),
        (Some(event), None) => Err(Refusal::HookIdMissing {
            event: event.clone(),
            auto: false,
            search_failed: None,
        }),
        (None, _) => Err(Refusal::NoHookWaiting),
    };
    match request {
        ContinueRequest::Approve => verdict(true),
        ContinueRequest::Reject => verdict(false),
        ContinueRequest::PromoteNow => check_promote(view).map(|()| Action::PromoteNow),
        ContinueRequest::Auto => {
            if view.deployment.status == DeploymentStatus::Ready {
                return Ok(Action::ContinueReady);
            }
            if let Some(event) = &hook {
                if id.is_some() {
                    return verdict(true);
                }
                return Err(Refusal::HookIdMissing {
                    event: event.clone(),
                    auto: true,
                    search_failed: None,
                });
            }
            check_promote(view).map(|()| Action::PromoteNow)
        }
    }
}

/// The action menu for a deployment: every action with its key, enabled or disabled with the
/// reason. `execution_id` is the hook execution id found or pasted, if any.
pub fn options(view: &DeploymentView, execution_id: Option<&str>) -> Vec<ActionOption> {
    let entry = |key, action: Action| ActionOption {
        key,
        label: action.label(),
        outcome: check(view, &action).map(|()| action),
    };
    let cont = continue_variant(view, ContinueRequest::Auto, execution_id);
    let cont_label = cont
        .as_ref()
        .map_or_else(|_| "continue".to_string(), Action::label);
    vec![
        entry('R', Action::Rollback),
        entry('S', Action::Stop),
        ActionOption {
            key: 'C',
            label: cont_label,
            outcome: cont,
        },
        entry(
            'O',
            Action::ResolveSplit {
                to: SplitResolution::BackToOld,
            },
        ),
        entry(
            'N',
            Action::ResolveSplit {
                to: SplitResolution::ForwardToNew,
            },
        ),
    ]
}
