//! [`AwsReader`]: the SDK implementation of [`DeploymentReader`] for one region, with its
//! budgets and caches (deployment configs for good, deployment groups for a few minutes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::budget::Budgets;

use super::DeploymentReader;
use super::clock::ServiceClock as Clock;
use super::codedeploy::{CodeDeploy, Listing};
use super::lambda_cw::{CloudWatch, get_alias};
use crate::domain::{
    Alarm, AliasWeights, AppSpec, ClockReading, ClockSource, Deployment, DeploymentConfig, Failure,
    GroupSettings, LambdaTarget, MetricWindow, MetricsRequest, Revision, VersionMetrics,
};

/// How long a deployment group's settings are trusted before they are read again.
const GROUP_TTL: Duration = Duration::from_secs(300);

/// SDK clients of one region.
pub struct AwsReader {
    region: String,
    profile: Option<String>,
    codedeploy: aws_sdk_codedeploy::Client,
    lambda: aws_sdk_lambda::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    clock: Clock,
    budgets: Budgets,
    configs: Mutex<HashMap<String, DeploymentConfig>>,
    groups: Mutex<HashMap<(String, String), (Instant, GroupSettings)>>,
}

impl AwsReader {
    /// A reader over ready-made clients (see [`super::connect`]).
    pub(super) fn new(
        region: String,
        profile: Option<String>,
        codedeploy: aws_sdk_codedeploy::Client,
        lambda: aws_sdk_lambda::Client,
        cloudwatch: aws_sdk_cloudwatch::Client,
        clock: Clock,
        budgets: Budgets,
    ) -> Self {
        Self {
            region,
            profile,
            codedeploy,
            lambda,
            cloudwatch,
            clock,
            budgets,
            configs: Mutex::default(),
            groups: Mutex::default(),
        }
    }

    fn cd(&self) -> CodeDeploy<'_> {
        CodeDeploy {
            client: &self.codedeploy,
            budget: &self.budgets.codedeploy,
            profile: self.profile.as_deref(),
        }
    }

    fn cw(&self) -> CloudWatch<'_> {
        CloudWatch {
            client: &self.cloudwatch,
            budget: &self.budgets.cloudwatch,
            profile: self.profile.as_deref(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl DeploymentReader for AwsReader {
    fn region(&self) -> &str {
        &self.region
    }

    fn clock(&self) -> ClockReading {
        let source = if self.clock.is_known() {
            ClockSource::Service
        } else {
            ClockSource::Local
        };
        ClockReading {
            now: self.clock.now(),
            rate: self.clock.rate(),
            source,
        }
    }

    async fn list_deployments(&self, listing: Listing) -> Result<Vec<String>, Failure> {
        self.cd().list(listing).await
    }

    async fn deployments(&self, ids: &[String]) -> Result<Vec<Deployment>, Failure> {
        self.cd().get(ids).await
    }

    async fn target_ids(&self, deployment_id: &str) -> Result<Vec<String>, Failure> {
        self.cd().target_ids(deployment_id).await
    }

    async fn lambda_target(
        &self,
        deployment_id: &str,
        target_ids: &[String],
    ) -> Result<Option<LambdaTarget>, Failure> {
        self.cd().lambda_target(deployment_id, target_ids).await
    }

    async fn appspec(&self, application: &str, revision: &Revision) -> Result<AppSpec, Failure> {
        self.cd().appspec(application, revision).await
    }

    async fn deployment_config(&self, name: &str) -> Result<DeploymentConfig, Failure> {
        if let Some(config) = DeploymentConfig::predefined(name) {
            return Ok(config);
        }
        if let Some(config) = lock(&self.configs).get(name).cloned() {
            return Ok(config);
        }
        let config = self.cd().config(name).await?;
        lock(&self.configs).insert(name.to_string(), config.clone());
        Ok(config)
    }

    async fn group_settings(
        &self,
        application: &str,
        group: &str,
    ) -> Result<GroupSettings, Failure> {
        let key = (application.to_string(), group.to_string());
        if let Some((at, settings)) = lock(&self.groups).get(&key) {
            if at.elapsed() < GROUP_TTL {
                return Ok(settings.clone());
            }
        }
        let settings = self.cd().group(application, group).await?;
        lock(&self.groups).insert(key, (Instant::now(), settings.clone()));
        Ok(settings)
    }

    fn lambda_permits(&self, wanted: usize) -> usize {
        self.budgets.lambda.try_take(wanted)
    }

    async fn alias(&self, function: &str, alias: &str) -> Result<AliasWeights, Failure> {
        get_alias(&self.lambda, function, alias, self.profile.as_deref()).await
    }

    async fn alarms(&self, names: &[String]) -> Result<Vec<Alarm>, Failure> {
        self.cw().alarms(names).await
    }

    async fn version_metrics(
        &self,
        requests: &[MetricsRequest],
        window: MetricWindow,
    ) -> Result<Vec<Vec<VersionMetrics>>, Failure> {
        self.cw().version_metrics(requests, window).await
    }
}
