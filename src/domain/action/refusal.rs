//! Why an action does not apply, as data: the TUI and the headless commands branch on the
//! variant (a missing hook execution id offers `I`), and the words are written once, in
//! [`Display`](std::fmt::Display), where a person reads them.

use std::fmt;

use serde::Serialize;

use crate::domain::DeploymentStatus;

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Refusal {
    /// The deployment has ended (and perhaps was rolled back).
    Finished {
        status: DeploymentStatus,
        rolled_back_by: Option<String>,
    },
    /// A rollback of it is already under way.
    Stopping { rollback: String },
    /// It is itself a rollback: only a stop without rollback applies.
    IsRollback,
    /// ContinueDeployment on a Lambda deployment, which never waits in Ready.
    NeverReady,
    /// A verdict for a hook other than the one waiting.
    OtherHookWaiting { running: String, asked: String },
    /// No BeforeAllowTraffic/AfterAllowTraffic hook is waiting.
    NoHookWaiting,
    /// A hook waits, but its execution id was not found in its logs: it must be pasted.
    /// `auto`: "continue" without saying approve or reject; `search_failed`: why the logs
    /// could not be searched, if they could not.
    HookIdMissing {
        event: String,
        auto: bool,
        search_failed: Option<String>,
    },
    /// Promote now on a deployment CloudFormation/SAM owns.
    CloudFormationOwned,
    /// Promote now while it waits in Ready.
    WaitsInReady,
    /// Promote now on an all-at-once deployment.
    AlreadyAllAtOnce,
    /// Promote now without a readable AppSpec.
    NoAppSpec,
    /// Promote now when the alias already sends everything to the new version.
    AllTrafficOnNew { target: String, current: String },
    /// Resolving a split while the deployment is still active.
    StillActive,
    /// Resolving a split without having read the alias.
    AliasUnread,
    /// Resolving an alias that is not split.
    NotSplit {
        function: String,
        alias: String,
        version: String,
    },
    /// The deployment's versions are unknown (no readable AppSpec).
    VersionsUnknown,
    /// The alias is split between versions this deployment did not touch.
    ForeignSplit {
        primary: String,
        others: Vec<String>,
    },
    /// Stop, roll back or continue on an alias split that no deployment owns.
    NoDeployment,
    /// The front end cannot act right now (read-only, no writer, no audit log…), in its words.
    Unavailable(String),
}

impl fmt::Display for Refusal {
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per refusal: the words a person reads, side by side"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Finished {
                status,
                rolled_back_by,
            } => {
                let past = match status {
                    DeploymentStatus::Succeeded => "succeeded".to_string(),
                    DeploymentStatus::Failed => "failed".to_string(),
                    DeploymentStatus::Stopped => "been stopped".to_string(),
                    other => format!("ended ({})", other.as_str()),
                };
                write!(f, "the deployment has already {past}")?;
                if let Some(rb) = rolled_back_by {
                    write!(f, " and was rolled back by {rb}")?;
                }
                Ok(())
            }
            Self::Stopping { rollback } => write!(
                f,
                "the deployment is already stopping: rollback {rollback} is under way"
            ),
            Self::IsRollback => f.write_str(
                "this deployment is itself a rollback: stop it without rollback if you must",
            ),
            Self::NeverReady => f.write_str(
                "ContinueDeployment only moves a blue/green deployment out of Ready; a Lambda \
                 deployment never waits in Ready, and CodeDeploy cannot skip a canary's wait",
            ),
            Self::OtherHookWaiting { running, asked } => {
                write!(f, "the {running} hook is the one waiting, not {asked}")
            }
            Self::NoHookWaiting => {
                f.write_str("no BeforeAllowTraffic/AfterAllowTraffic hook is waiting")
            }
            Self::HookIdMissing {
                event,
                auto,
                search_failed,
            } => {
                if *auto {
                    write!(
                        f,
                        "the {event} hook is waiting for a verdict and its execution id was not \
                         found in the hook's logs: paste it to approve or reject (promote now \
                         would run the hook again)"
                    )?;
                } else {
                    write!(
                        f,
                        "the {event} hook is waiting, but its execution id was not found in the \
                         hook's logs: paste it (--hook-execution-id)"
                    )?;
                }
                if let Some(why) = search_failed {
                    write!(f, " (the log search failed: {why})")?;
                }
                Ok(())
            }
            Self::CloudFormationOwned => f.write_str(
                "promote now is refused for deployments created by CloudFormation/SAM: stopping \
                 one fails the stack update and CloudFormation's rollback then owns the alias. \
                 Instead, redeploy the stack with an all-at-once preference (SAM \
                 DeploymentPreference Type: AllAtOnce)",
            ),
            Self::WaitsInReady => {
                f.write_str("the deployment waits in Ready: use ContinueDeployment")
            }
            Self::AlreadyAllAtOnce => {
                f.write_str("the deployment already shifts all at once: there is no wait to skip")
            }
            Self::NoAppSpec => f.write_str(
                "the AppSpec could not be read, so the deployment cannot be recreated all at once",
            ),
            Self::AllTrafficOnNew { target, current } => write!(
                f,
                "the alias already sends all traffic to v{target}: there is nothing to promote \
                 (promoting now would first move it back to v{current}). Wait for \
                 AfterAllowTraffic to finish, or approve its hook (C)"
            ),
            Self::StillActive => f.write_str(
                "the deployment is still active: stop it first (never change an alias CodeDeploy \
                 is shifting)",
            ),
            Self::AliasUnread => f.write_str("the alias could not be read: refresh first"),
            Self::NotSplit {
                function,
                alias,
                version,
            } => write!(
                f,
                "alias {function}:{alias} is not split (100% on v{version}): nothing to resolve"
            ),
            Self::NoDeployment => f.write_str(
                "no deployment owns this split (made by hand or by a script): there is nothing \
                 to stop or roll back; put the alias whole on the old or the new version (O/N, \
                 rollwatch resolve ID --to old|new)",
            ),
            Self::VersionsUnknown => {
                f.write_str("the deployment's versions are unknown (no readable AppSpec)")
            }
            Self::ForeignSplit { primary, others } => {
                let others: Vec<String> = others.iter().map(|v| format!("v{v}")).collect();
                write!(
                    f,
                    "the alias is split between versions this deployment did not touch (v{primary} \
                     and {}): resolve it by hand",
                    others.join(", ")
                )
            }
            Self::Unavailable(why) => f.write_str(why),
        }
    }
}

impl From<Refusal> for String {
    fn from(refusal: Refusal) -> Self {
        refusal.to_string()
    }
}
