//! CodeDeploy reads: listing deployments (paginated), batch gets (≤ 25 ids per call, calls in
//! parallel), the Lambda deployment target, the AppSpec, configs and groups.

use aws_sdk_codedeploy::Client;
use aws_sdk_codedeploy::operation::list_deployment_targets::ListDeploymentTargetsError;
use aws_sdk_codedeploy::types::{ComputePlatform, DeploymentStatus as SdkStatus, TimeRange};
use chrono::{DateTime, Utc};
use futures::future::try_join_all;

use super::budget::Budget;
use super::convert::{self, smithy_time};
use super::errors::{CallSite, classify};
use crate::domain::{
    AppSpec, Deployment, DeploymentConfig, DeploymentStatus, Failure, FailureKind, GroupSettings,
    LambdaTarget, Revision, parse_appspec,
};

/// BatchGetDeployments and BatchGetDeploymentTargets take at most 25 ids.
pub const BATCH_LIMIT: usize = 25;

/// Which deployments to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Created, Queued, InProgress, Baking, Ready.
    Active,
    /// Succeeded, Failed, Stopped, created since then.
    FinishedSince(DateTime<Utc>),
}

/// The CodeDeploy client with its budget and the profile for hints.
pub struct CodeDeploy<'a> {
    pub client: &'a Client,
    pub budget: &'a Budget,
    pub profile: Option<&'a str>,
}

impl CodeDeploy<'_> {
    fn site(&self, operation: &'static str) -> CallSite<'_> {
        CallSite {
            service: "codedeploy",
            operation,
            profile: self.profile,
        }
    }

    /// Deployment ids across all applications, every page.
    pub async fn list(&self, listing: Listing) -> Result<Vec<String>, Failure> {
        let (statuses, range): (&[&str], _) = match listing {
            Listing::Active => (&DeploymentStatus::ACTIVE, None),
            Listing::FinishedSince(since) => (
                &DeploymentStatus::FINISHED,
                Some(TimeRange::builder().start(smithy_time(since)).build()),
            ),
        };
        let statuses: Vec<SdkStatus> = statuses.iter().map(|s| SdkStatus::from(*s)).collect();
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            self.budget.wait().await;
            let page = self
                .client
                .list_deployments()
                .set_include_only_statuses(Some(statuses.clone()))
                .set_create_time_range(range.clone())
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| classify(&e, self.site("ListDeployments")))?;
            ids.extend(page.deployments().iter().cloned());
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                return Ok(ids);
            }
        }
    }

    /// Lambda deployments among `ids`, fetched 25 at a time, the calls in parallel.
    pub async fn get(&self, ids: &[String]) -> Result<Vec<Deployment>, Failure> {
        let calls = ids.chunks(BATCH_LIMIT).map(|chunk| async move {
            self.budget.wait().await;
            let out = self
                .client
                .batch_get_deployments()
                .set_deployment_ids(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| classify(&e, self.site("BatchGetDeployments")))?;
            Ok::<_, Failure>(
                out.deployments_info()
                    .iter()
                    .filter(|d| d.compute_platform() == Some(&ComputePlatform::Lambda))
                    .map(convert::deployment)
                    .collect::<Vec<_>>(),
            )
        });
        Ok(try_join_all(calls).await?.into_iter().flatten().collect())
    }

    /// The deployment's target ids (empty before CodeDeploy has started it).
    pub async fn target_ids(&self, deployment_id: &str) -> Result<Vec<String>, Failure> {
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            self.budget.wait().await;
            let listed = self
                .client
                .list_deployment_targets()
                .deployment_id(deployment_id)
                .set_next_token(token.clone())
                .send()
                .await;
            let out = match listed {
                Ok(out) => out,
                Err(e)
                    if e.as_service_error().is_some_and(
                        ListDeploymentTargetsError::is_deployment_not_started_exception,
                    ) =>
                {
                    return Ok(Vec::new());
                }
                Err(e) => return Err(classify(&e, self.site("ListDeploymentTargets"))),
            };
            ids.extend(out.target_ids().iter().cloned());
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                return Ok(ids);
            }
        }
    }

    /// The Lambda target among `target_ids` (a Lambda deployment has one).
    pub async fn lambda_target(
        &self,
        deployment_id: &str,
        target_ids: &[String],
    ) -> Result<Option<LambdaTarget>, Failure> {
        if target_ids.is_empty() {
            return Ok(None);
        }
        self.budget.wait().await;
        let out = self
            .client
            .batch_get_deployment_targets()
            .deployment_id(deployment_id)
            .set_target_ids(Some(target_ids.iter().take(BATCH_LIMIT).cloned().collect()))
            .send()
            .await
            .map_err(|e| classify(&e, self.site("BatchGetDeploymentTargets")))?;
        Ok(out
            .deployment_targets()
            .iter()
            .find_map(convert::lambda_target))
    }

    /// The AppSpec of a deployment whose revision is AppSpec content: from the deployment when
    /// it carries the content, else from GetApplicationRevision.
    pub async fn appspec(
        &self,
        application: &str,
        revision: &Revision,
    ) -> Result<AppSpec, Failure> {
        let unreadable = |e: crate::domain::AppSpecError| {
            Failure::new(
                FailureKind::Unreadable,
                "codedeploy",
                "GetApplicationRevision",
                e.to_string(),
                self.profile,
            )
        };
        if let Some(content) = revision.content.as_deref().filter(|c| !c.is_empty()) {
            return parse_appspec(content).map_err(unreadable);
        }
        let Some(location) = convert::revision_location(revision) else {
            return Err(Failure::new(
                FailureKind::Unreadable,
                "codedeploy",
                "GetApplicationRevision",
                format!("revision type {} carries no AppSpec content", revision.kind),
                self.profile,
            ));
        };
        self.budget.wait().await;
        let out = self
            .client
            .get_application_revision()
            .application_name(application)
            .revision(location)
            .send()
            .await
            .map_err(|e| classify(&e, self.site("GetApplicationRevision")))?;
        let rev = out.revision();
        let content = rev
            .and_then(|r| r.app_spec_content().and_then(|a| a.content()))
            .or_else(|| rev.and_then(|r| r.string().and_then(|s| s.content())))
            .unwrap_or_default();
        parse_appspec(content).map_err(unreadable)
    }

    /// A custom deployment config (predefined ones never reach here).
    pub async fn config(&self, name: &str) -> Result<DeploymentConfig, Failure> {
        self.budget.wait().await;
        let out = self
            .client
            .get_deployment_config()
            .deployment_config_name(name)
            .send()
            .await
            .map_err(|e| classify(&e, self.site("GetDeploymentConfig")))?;
        Ok(convert::deployment_config(
            name,
            out.deployment_config_info(),
        ))
    }

    /// A deployment group's alarm and rollback settings.
    pub async fn group(&self, application: &str, group: &str) -> Result<GroupSettings, Failure> {
        self.budget.wait().await;
        let out = self
            .client
            .get_deployment_group()
            .application_name(application)
            .deployment_group_name(group)
            .send()
            .await
            .map_err(|e| classify(&e, self.site("GetDeploymentGroup")))?;
        Ok(out
            .deployment_group_info()
            .map(convert::group_settings)
            .unwrap_or_default())
    }
}
