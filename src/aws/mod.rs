//! The only module that imports `aws-sdk-*`. [`DeploymentReader`] is the read side, returning
//! domain values and classified [`Failure`]s; [`AwsReader`] implements it with the SDK, one per
//! region, with per-service budgets, cached configs and groups, and the service's clock.

mod budget;
mod call;
mod clock;
mod codedeploy;
mod connect;
mod convert;
mod errors;
mod lambda_cw;
mod logs;
mod metrics;
mod reader;
mod write;

use std::future::Future;

pub use budget::{Budget, Budgets, Limits, Rate, Service};
pub use clock::ServiceClock;
pub use codedeploy::{BATCH_LIMIT, GROUPS_PER_CALL, Listing};
pub use connect::{
    AccountReaders, ConnectOptions, caller_identity, connect, connect_accounts, connect_logs,
    connect_writer,
};
pub use errors::kind_of_code;
pub use logs::LogsReader;
pub use metrics::metric_calls;
pub use reader::AwsReader;
pub use write::{
    AwsWriter, CallerIdentity, DeploymentWriter, HookSearch, Mode, NewDeployment, StopOutcome,
    extract_execution_id, hook_log_group,
};

use crate::domain::{
    Alarm, AliasWeights, AppSpec, ClockReading, Deployment, DeploymentConfig, Failure,
    GroupSettings, LambdaTarget, MetricWindow, MetricsRequest, Revision, VersionMetrics,
};

/// Everything rollwatch reads from AWS in one region.
pub trait DeploymentReader: Send + Sync + 'static {
    /// The region these reads go to.
    fn region(&self) -> &str;

    /// Whose credentials these reads use.
    fn owner(&self) -> crate::domain::Owner {
        crate::domain::Owner::default()
    }

    /// "Now" on the service's clock (or this machine's until a response has been seen).
    fn clock(&self) -> ClockReading;

    /// Deployment ids across all applications.
    fn list_deployments(
        &self,
        listing: Listing,
    ) -> impl Future<Output = Result<Vec<String>, Failure>> + Send;

    /// The Lambda deployments among `ids` (others are dropped).
    fn deployments(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<Deployment>, Failure>> + Send;

    /// The deployment's Lambda target (None until CodeDeploy has created it). `target_id`,
    /// when known or guessed (the AppSpec's function name), is asked for directly; otherwise,
    /// or when CodeDeploy refuses it, the targets are listed first.
    fn lambda_target(
        &self,
        deployment_id: &str,
        target_id: Option<&str>,
    ) -> impl Future<Output = Result<Option<LambdaTarget>, Failure>> + Send;

    /// The AppSpecs of `revisions` of one application, in order (batched; an AppSpec never
    /// changes, so each is read once per run).
    fn appspecs(
        &self,
        application: &str,
        revisions: &[Revision],
    ) -> impl Future<Output = Vec<Result<AppSpec, Failure>>> + Send;

    /// A deployment config (predefined ones need no call; custom ones are cached for good).
    fn deployment_config(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<DeploymentConfig, Failure>> + Send;

    /// The settings of `groups` of one application (batched, cached for a while); a group
    /// CodeDeploy does not know is missing from the answer.
    fn group_settings(
        &self,
        application: &str,
        groups: &[String],
    ) -> impl Future<Output = Result<Vec<(String, GroupSettings)>, Failure>> + Send;

    /// Takes up to `wanted` tokens of `service`'s budget without waiting, for requests about to
    /// be made; returns how many were granted.
    fn reserve(&self, service: Service, wanted: usize) -> usize;

    /// The sustained rate and burst of `service`'s budget.
    fn rate(&self, service: Service) -> Rate;

    /// The live alias.
    fn alias(
        &self,
        function: &str,
        alias: &str,
    ) -> impl Future<Output = Result<AliasWeights, Failure>> + Send;

    /// The named alarms, metric and composite.
    fn alarms(&self, names: &[String]) -> impl Future<Output = Result<Vec<Alarm>, Failure>> + Send;

    /// One page of the account's function names (ListFunctions), from `marker`: the names and
    /// the next page's marker, if any.
    fn function_names(
        &self,
        marker: Option<String>,
    ) -> impl Future<Output = Result<(Vec<String>, Option<String>), Failure>> + Send;

    /// Every alias of `function` with its weights (ListAliases, every page).
    fn function_aliases(
        &self,
        function: &str,
    ) -> impl Future<Output = Result<Vec<AliasWeights>, Failure>> + Send;

    /// Per-version series for each request, in order.
    fn version_metrics(
        &self,
        requests: &[MetricsRequest],
        window: MetricWindow,
    ) -> impl Future<Output = Result<Vec<Vec<VersionMetrics>>, Failure>> + Send;
}

/// A shared reader reads like the reader it shares (tests keep a handle on the one the engine
/// owns).
impl<T: DeploymentReader> DeploymentReader for std::sync::Arc<T> {
    fn region(&self) -> &str {
        T::region(self)
    }
    fn owner(&self) -> crate::domain::Owner {
        T::owner(self)
    }
    fn clock(&self) -> ClockReading {
        T::clock(self)
    }
    fn list_deployments(
        &self,
        listing: Listing,
    ) -> impl Future<Output = Result<Vec<String>, Failure>> + Send {
        T::list_deployments(self, listing)
    }
    fn deployments(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<Deployment>, Failure>> + Send {
        T::deployments(self, ids)
    }
    fn lambda_target(
        &self,
        deployment_id: &str,
        target_id: Option<&str>,
    ) -> impl Future<Output = Result<Option<LambdaTarget>, Failure>> + Send {
        T::lambda_target(self, deployment_id, target_id)
    }
    fn appspecs(
        &self,
        application: &str,
        revisions: &[Revision],
    ) -> impl Future<Output = Vec<Result<AppSpec, Failure>>> + Send {
        T::appspecs(self, application, revisions)
    }
    fn deployment_config(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<DeploymentConfig, Failure>> + Send {
        T::deployment_config(self, name)
    }
    fn group_settings(
        &self,
        application: &str,
        groups: &[String],
    ) -> impl Future<Output = Result<Vec<(String, GroupSettings)>, Failure>> + Send {
        T::group_settings(self, application, groups)
    }
    fn reserve(&self, service: Service, wanted: usize) -> usize {
        T::reserve(self, service, wanted)
    }
    fn rate(&self, service: Service) -> Rate {
        T::rate(self, service)
    }
    fn alias(
        &self,
        function: &str,
        alias: &str,
    ) -> impl Future<Output = Result<AliasWeights, Failure>> + Send {
        T::alias(self, function, alias)
    }
    fn alarms(&self, names: &[String]) -> impl Future<Output = Result<Vec<Alarm>, Failure>> + Send {
        T::alarms(self, names)
    }
    fn function_names(
        &self,
        marker: Option<String>,
    ) -> impl Future<Output = Result<(Vec<String>, Option<String>), Failure>> + Send {
        T::function_names(self, marker)
    }
    fn function_aliases(
        &self,
        function: &str,
    ) -> impl Future<Output = Result<Vec<AliasWeights>, Failure>> + Send {
        T::function_aliases(self, function)
    }
    fn version_metrics(
        &self,
        requests: &[MetricsRequest],
        window: MetricWindow,
    ) -> impl Future<Output = Result<Vec<Vec<VersionMetrics>>, Failure>> + Send {
        T::version_metrics(self, requests, window)
    }
}
