//! The write side: [`DeploymentWriter`] is everything rollwatch's operator actions send to AWS
//! (StopDeployment with an explicit autoRollbackEnabled, ContinueDeployment,
//! PutLifecycleEventHookExecutionStatus, UpdateAlias guarded by a RevisionId, CreateDeployment of
//! an AppSpec) plus the few reads an action needs while it runs (GetDeployment to follow it,
//! GetAlias for the RevisionId read just before an update, the hook's logs for its execution id,
//! STS GetCallerIdentity for the audit). [`AwsWriter`] implements it with the SDK.
//!
//! In read-only mode no writer is constructed at all: [`super::connect_writer`] refuses, so no
//! code path can reach a mutating call.

mod errors;
mod hooks;
mod sdk;

use std::future::Future;

use serde::Serialize;

pub use hooks::{extract_execution_id, hook_log_group};
pub use sdk::AwsWriter;

use crate::domain::{AliasWeights, Deployment, Failure};

/// Whether the write side may be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Operator actions allowed (each still needs a confirmation).
    Operator,
    /// No writer is constructed; the reason says where read-only came from.
    ReadOnly(String),
}

/// StopDeployment's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopOutcome {
    /// `Pending` (lifecycle work still winding down) or `Succeeded`.
    pub status: String,
    pub message: Option<String>,
}

/// Who is calling (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerIdentity {
    pub arn: String,
    pub account: String,
    pub user_id: String,
}

/// What CreateDeployment gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDeployment {
    pub application: String,
    pub group: String,
    /// AppSpec content (JSON or YAML).
    pub appspec: String,
    pub config_name: String,
    pub description: String,
}

/// Where a hook's execution id was looked for, and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookSearch {
    pub hook_function: String,
    pub log_group: String,
    /// The newest `LifecycleEventHookExecutionId` logged with the deployment id.
    pub execution_id: Option<String>,
    /// Log events that mentioned the deployment id.
    pub matches: usize,
}

/// Everything an operator action sends to AWS in one region.
pub trait DeploymentWriter: Send + Sync + 'static {
    /// The region these calls go to.
    fn region(&self) -> &str;

    /// The profile the calls are made with.
    fn profile(&self) -> &crate::domain::Profile;

    /// STS GetCallerIdentity.
    fn caller_identity(&self) -> impl Future<Output = Result<CallerIdentity, Failure>> + Send;

    /// CodeDeploy GetDeployment (any compute platform).
    fn deployment(&self, id: &str) -> impl Future<Output = Result<Deployment, Failure>> + Send;

    /// StopDeployment with autoRollbackEnabled always sent explicitly.
    fn stop(
        &self,
        id: &str,
        auto_rollback: bool,
    ) -> impl Future<Output = Result<StopOutcome, Failure>> + Send;

    /// ContinueDeployment(READY_WAIT).
    fn continue_deployment(&self, id: &str) -> impl Future<Output = Result<(), Failure>> + Send;

    /// PutLifecycleEventHookExecutionStatus: Succeeded (`approve`) or Failed.
    fn put_hook_status(
        &self,
        id: &str,
        execution_id: &str,
        approve: bool,
    ) -> impl Future<Output = Result<(), Failure>> + Send;

    /// Lambda GetAlias (with its RevisionId).
    fn alias(
        &self,
        function: &str,
        alias: &str,
    ) -> impl Future<Output = Result<AliasWeights, Failure>> + Send;

    /// UpdateAlias to 100% on `version` (no additional weights), only if the alias still has
    /// `revision_id`: a concurrent change fails with PreconditionFailed and is never overwritten.
    fn set_alias(
        &self,
        function: &str,
        alias: &str,
        version: &str,
        revision_id: &str,
    ) -> impl Future<Output = Result<AliasWeights, Failure>> + Send;

    /// CreateDeployment; returns the new deployment id.
    fn create_deployment(
        &self,
        new: &NewDeployment,
    ) -> impl Future<Output = Result<String, Failure>> + Send;

    /// Looks for the hook's `LifecycleEventHookExecutionId` in its log group (GetFunctionConfiguration
    /// for `LoggingConfig.LogGroup`, then FilterLogEvents for `"<deploymentId>"`).
    fn find_hook_execution(
        &self,
        hook_function: &str,
        deployment_id: &str,
    ) -> impl Future<Output = Result<HookSearch, Failure>> + Send;
}
