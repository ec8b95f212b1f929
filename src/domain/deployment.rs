//! A CodeDeploy deployment as rollwatch sees it: identity, status, who created it, its times,
//! the function and versions it moves, and how it links to rollbacks.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// CodeDeploy's deployment status (all eight values of the API, plus anything newer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub enum DeploymentStatus {
    Created,
    Queued,
    InProgress,
    Baking,
    Ready,
    Succeeded,
    Failed,
    Stopped,
    /// A status this version of rollwatch does not know, kept verbatim.
    Unknown(String),
}

impl DeploymentStatus {
    /// Parses the API's spelling; unknown values are kept, never dropped.
    pub fn parse(s: &str) -> Self {
        match s {
            "Created" => Self::Created,
            "Queued" => Self::Queued,
            "InProgress" => Self::InProgress,
            "Baking" => Self::Baking,
            "Ready" => Self::Ready,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Stopped" => Self::Stopped,
            other => Self::Unknown(other.to_string()),
        }
    }

    /// The statuses CodeDeploy reports while a deployment is still running.
    pub const ACTIVE: [&'static str; 5] = ["Created", "Queued", "InProgress", "Baking", "Ready"];
    /// The terminal statuses.
    pub const FINISHED: [&'static str; 3] = ["Succeeded", "Failed", "Stopped"];

    /// Whether the deployment may still change (unknown statuses count as active: never hide them).
    pub fn is_active(&self) -> bool {
        !matches!(self, Self::Succeeded | Self::Failed | Self::Stopped)
    }

    /// The API spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "Created",
            Self::Queued => "Queued",
            Self::InProgress => "InProgress",
            Self::Baking => "Baking",
            Self::Ready => "Ready",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Stopped => "Stopped",
            Self::Unknown(s) => s,
        }
    }
}

/// Who created the deployment (CodeDeploy's `creator`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Creator {
    User,
    Autoscaling,
    CodeDeployRollback,
    CodeDeploy,
    CodeDeployAutoUpdate,
    CloudFormation,
    CloudFormationRollback,
    AutoscalingTermination,
    Unknown(String),
}

impl Creator {
    /// Parses the API's spelling.
    pub fn parse(s: &str) -> Self {
        match s {
            "user" => Self::User,
            "autoscaling" => Self::Autoscaling,
            "codeDeployRollback" => Self::CodeDeployRollback,
            "CodeDeploy" => Self::CodeDeploy,
            "CodeDeployAutoUpdate" => Self::CodeDeployAutoUpdate,
            "CloudFormation" => Self::CloudFormation,
            "CloudFormationRollback" => Self::CloudFormationRollback,
            "autoscalingTermination" => Self::AutoscalingTermination,
            other => Self::Unknown(other.to_string()),
        }
    }

    /// Whether this deployment is itself a rollback.
    pub fn is_rollback(&self) -> bool {
        matches!(
            self,
            Self::CodeDeployRollback | Self::CloudFormationRollback
        )
    }

    /// Whether CloudFormation (or SAM) owns the deployment: stopping it fails the stack update.
    pub fn is_cloudformation(&self) -> bool {
        matches!(self, Self::CloudFormation | Self::CloudFormationRollback)
    }
}

/// `errorInformation` of a failed or stopped deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentError {
    /// e.g. `ALARM_ACTIVE`, `HOOK_EXECUTION_FAILURE`, `MANUAL_STOP`.
    pub code: String,
    pub message: String,
}

/// Links between a deployment and its rollback (both directions, as `rollbackInfo` carries them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RollbackLinks {
    /// The rollback deployment this one caused.
    pub rollback_deployment_id: Option<String>,
    /// The deployment this rollback undoes.
    pub triggered_by_deployment_id: Option<String>,
    pub message: Option<String>,
}

/// What the deployment moves: a function's alias from one version to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionTarget {
    pub function: String,
    pub alias: String,
    pub current_version: String,
    pub target_version: String,
}

/// Who shifts a rollout's alias.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A CodeDeploy deployment.
    #[default]
    CodeDeploy,
    /// An alias split that no deployment rollwatch sees owns: by hand, a script, a shifter.
    Alias,
}

/// One CodeDeploy deployment on the Lambda compute platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    pub id: String,
    pub application: String,
    pub group: String,
    pub status: DeploymentStatus,
    pub creator: Creator,
    pub config_name: String,
    pub create_time: Option<DateTime<Utc>>,
    pub start_time: Option<DateTime<Utc>>,
    pub complete_time: Option<DateTime<Utc>>,
    /// Known once the deployment target or the AppSpec has been read.
    pub target: Option<FunctionTarget>,
    pub rollback: RollbackLinks,
    pub error: Option<DeploymentError>,
    pub status_messages: Vec<String>,
    /// e.g. the CloudFormation stack that created it.
    pub external_id: Option<String>,
    pub description: Option<String>,
    /// Where the AppSpec lives (CodeDeploy's `revision`).
    pub revision: Option<Revision>,
    /// Who shifts the alias: CodeDeploy, or nobody rollwatch knows (an alias split by hand,
    /// shown as a deployment of its own). In JSON beside the deployment, as `source`.
    #[serde(skip)]
    pub source: Source,
}

/// A deployment's revision location. For Lambda it is AppSpec content (`AppSpecContent` or
/// `String`), whose content GetDeployment never returns, or an AppSpec file in S3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// `AppSpecContent`, `String`, `S3`, `GitHub`.
    pub kind: String,
    /// The content, when the API returned it (real CodeDeploy does not, in GetDeployment).
    pub content: Option<String>,
    pub sha256: Option<String>,
    /// `s3://bucket/key` for S3 revisions.
    pub location: Option<String>,
}

impl Deployment {
    /// Whether a CloudFormation stack (SAM) drives this deployment, by creator or external id.
    pub fn is_cloudformation(&self) -> bool {
        self.creator.is_cloudformation()
            || self
                .external_id
                .as_deref()
                .is_some_and(|id| id.starts_with("arn:aws:cloudformation"))
    }

    /// Whether it may have left its alias split: stopped without a rollback (and not itself a
    /// rollback). It stays watched until resolved or superseded.
    pub fn left_split(&self) -> bool {
        self.status == DeploymentStatus::Stopped
            && self.rollback.rollback_deployment_id.is_none()
            && !self.creator.is_rollback()
    }

    /// A short "function:alias" label, or the application/group when the target is unknown.
    pub fn subject(&self) -> String {
        match &self.target {
            Some(t) => format!("{}:{}", t.function, t.alias),
            None => format!("{}/{}", self.application, self.group),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_unknown_is_kept() {
        for s in DeploymentStatus::ACTIVE
            .iter()
            .chain(DeploymentStatus::FINISHED.iter())
        {
            assert_eq!(DeploymentStatus::parse(s).as_str(), *s);
        }
        let odd = DeploymentStatus::parse("Paused");
        assert_eq!(odd, DeploymentStatus::Unknown("Paused".into()));
        assert!(
            odd.is_active(),
            "an unknown status must never be hidden as finished"
        );
        assert!(!DeploymentStatus::Stopped.is_active());
        assert!(DeploymentStatus::Baking.is_active());
    }

    #[test]
    fn creators() {
        assert!(Creator::parse("codeDeployRollback").is_rollback());
        assert!(Creator::parse("CloudFormation").is_cloudformation());
        assert!(!Creator::parse("user").is_cloudformation());
        assert_eq!(Creator::parse("robot"), Creator::Unknown("robot".into()));
    }
}
