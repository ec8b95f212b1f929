//! [`AwsReader`]: the SDK implementation of [`DeploymentReader`] for one region, with its
//! budgets and caches (AppSpecs and deployment configs for good, deployment groups for a few
//! minutes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::budget::{Budgets, Rate, Service};
use crate::domain::Profile;

use super::DeploymentReader;
use super::clock::ServiceClock as Clock;
use super::codedeploy::{CodeDeploy, Listing};
use super::lambda_cw::{CloudWatch, get_alias, list_aliases, list_function_names};
use crate::domain::{
    Alarm, AliasWeights, AppSpec, ClockReading, ClockSource, Deployment, DeploymentConfig, Failure,
    GroupSettings, LambdaTarget, MetricWindow, MetricsRequest, Revision, VersionMetrics,
};

/// How long a deployment group's settings are trusted before they are read again.
const GROUP_TTL: Duration = Duration::from_secs(300);

/// SDK clients of one region.
pub struct AwsReader {
    region: String,
    profile: Profile,
    /// The account of the credentials, once STS said (see [`AwsReader::set_account`]).
    account: Option<String>,
    codedeploy: aws_sdk_codedeploy::Client,
    lambda: aws_sdk_lambda::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    clock: Clock,
    budgets: Budgets,
    configs: Mutex<HashMap<String, DeploymentConfig>>,
    /// AppSpecs by (application, sha256): a revision's content never changes.
    appspecs: Mutex<HashMap<(String, String), AppSpec>>,
    groups: Mutex<HashMap<(String, String), (Instant, GroupSettings)>>,
}

impl AwsReader {
    /// A reader over ready-made clients (see [`super::connect`]).
    pub(super) fn new(
        region: String,
        profile: Profile,
        codedeploy: aws_sdk_codedeploy::Client,
        lambda: aws_sdk_lambda::Client,
        cloudwatch: aws_sdk_cloudwatch::Client,
        clock: Clock,
        budgets: Budgets,
    ) -> Self {
        Self {
            region,
            profile,
            account: None,
            codedeploy,
            lambda,
            cloudwatch,
            clock,
            budgets,
            configs: Mutex::default(),
            appspecs: Mutex::default(),
            groups: Mutex::default(),
        }
    }

    /// Records the account these credentials belong to (STS GetCallerIdentity).
    pub fn set_account(&mut self, account: Option<String>) {
        self.account = account;
    }

    /// The profile these clients were built from.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    fn cd(&self) -> CodeDeploy<'_> {
        CodeDeploy {
            client: &self.codedeploy,
            budget: &self.budgets.codedeploy,
            profile: self.profile.name(),
        }
    }

    fn cw(&self) -> CloudWatch<'_> {
        CloudWatch {
            client: &self.cloudwatch,
            budget: &self.budgets.cloudwatch,
            profile: self.profile.name(),
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

    fn owner(&self) -> crate::domain::Owner {
        crate::domain::Owner {
            profile: self.profile.clone(),
            account: self.account.clone(),
        }
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
            rate_known: self.clock.rate_known(),
            source,
        }
    }

    async fn list_deployments(&self, listing: Listing) -> Result<Vec<String>, Failure> {
        self.cd().list(listing).await
    }

    async fn deployments(&self, ids: &[String]) -> Result<Vec<Deployment>, Failure> {
        self.cd().get(ids).await
    }

    async fn lambda_target(
        &self,
        deployment_id: &str,
        target_id: Option<&str>,
    ) -> Result<Option<LambdaTarget>, Failure> {
        self.cd().lambda_target(deployment_id, target_id).await
    }

    async fn appspecs(
        &self,
        application: &str,
        revisions: &[Revision],
    ) -> Vec<Result<AppSpec, Failure>> {
        let key = |r: &Revision| {
            r.sha256
                .as_ref()
                .filter(|s| !s.is_empty())
                .map(|sha| (application.to_string(), sha.clone()))
        };
        let mut out: Vec<Option<Result<AppSpec, Failure>>> = {
            let cache = lock(&self.appspecs);
            revisions
                .iter()
                .map(|r| key(r).and_then(|k| cache.get(&k).cloned()).map(Ok))
                .collect()
        };
        let missing: Vec<usize> = (0..revisions.len()).filter(|i| out[*i].is_none()).collect();
        if !missing.is_empty() {
            let wanted: Vec<Revision> = missing.iter().map(|i| revisions[*i].clone()).collect();
            let read = self.cd().appspecs(application, &wanted).await;
            let mut cache = lock(&self.appspecs);
            for (i, spec) in missing.into_iter().zip(read) {
                if let (Ok(spec), Some(k)) = (&spec, key(&revisions[i])) {
                    cache.insert(k, spec.clone());
                }
                out[i] = Some(spec);
            }
        }
        out.into_iter().flatten().collect()
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
        groups: &[String],
    ) -> Result<Vec<(String, GroupSettings)>, Failure> {
        let mut out = Vec::new();
        let mut missing = Vec::new();
        {
            let cache = lock(&self.groups);
            for group in groups {
                match cache.get(&(application.to_string(), group.clone())) {
                    Some((at, settings)) if at.elapsed() < GROUP_TTL => {
                        out.push((group.clone(), settings.clone()));
                    }
                    _ => missing.push(group.clone()),
                }
            }
        }
        if !missing.is_empty() {
            let read = self.cd().groups(application, &missing).await?;
            let mut cache = lock(&self.groups);
            for (group, settings) in read {
                cache.insert(
                    (application.to_string(), group.clone()),
                    (Instant::now(), settings.clone()),
                );
                out.push((group, settings));
            }
        }
        Ok(out)
    }

    fn reserve(&self, service: Service, wanted: usize) -> usize {
        self.budgets.of(service).reserve(wanted)
    }

    fn rate(&self, service: Service) -> Rate {
        self.budgets.of(service).rate()
    }

    async fn alias(&self, function: &str, alias: &str) -> Result<AliasWeights, Failure> {
        get_alias(
            &self.lambda,
            &self.budgets.lambda,
            function,
            alias,
            self.profile.name(),
        )
        .await
    }
    async fn alarms(&self, names: &[String]) -> Result<Vec<Alarm>, Failure> {
        self.cw().alarms(names).await
    }
    async fn function_names(
        &self,
        marker: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), Failure> {
        list_function_names(
            &self.lambda,
            &self.budgets.lambda,
            marker,
            self.profile.name(),
        )
        .await
    }
    async fn function_aliases(&self, function: &str) -> Result<Vec<AliasWeights>, Failure> {
        list_aliases(
            &self.lambda,
            &self.budgets.lambda,
            function,
            self.profile.name(),
        )
        .await
    }

    async fn version_metrics(
        &self,
        requests: &[MetricsRequest],
        window: MetricWindow,
    ) -> Result<Vec<Vec<VersionMetrics>>, Failure> {
        self.cw().version_metrics(requests, window).await
    }
}
