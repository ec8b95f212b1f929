//! [`AwsWriter`]: the SDK implementation of [`DeploymentWriter`] for one region. Constructed only
//! by [`crate::aws::connect_writer`], which refuses in read-only mode.

use std::collections::HashMap;

use aws_sdk_codedeploy::types as cd;
use sha2::{Digest, Sha256};

use super::errors::write_failure;
use super::hooks::{extract_execution_id, hook_log_group};
use super::{CallerIdentity, DeploymentWriter, HookSearch, NewDeployment, StopOutcome};
use crate::aws::convert;
use crate::domain::Profile;
use crate::domain::{AliasWeights, Deployment, Failure, FailureKind};

/// Pages of FilterLogEvents read while looking for a hook's execution id.
const LOG_PAGES: usize = 5;

/// SDK clients of one region, for operator actions.
pub struct AwsWriter {
    region: String,
    profile: Profile,
    codedeploy: aws_sdk_codedeploy::Client,
    lambda: aws_sdk_lambda::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    sts: aws_sdk_sts::Client,
}

impl AwsWriter {
    /// A writer over ready-made clients (see [`crate::aws::connect_writer`]).
    pub(in crate::aws) fn new(
        region: String,
        profile: Profile,
        codedeploy: aws_sdk_codedeploy::Client,
        lambda: aws_sdk_lambda::Client,
        logs: aws_sdk_cloudwatchlogs::Client,
        sts: aws_sdk_sts::Client,
    ) -> Self {
        Self {
            region,
            profile,
            codedeploy,
            lambda,
            logs,
            sts,
        }
    }

    fn p(&self) -> Option<&str> {
        self.profile.name()
    }
}

fn unreadable(service: &str, operation: &str, what: &str) -> Failure {
    Failure::new(
        FailureKind::Unreadable,
        service,
        operation,
        format!("the response has no {what}"),
        None,
    )
}

impl DeploymentWriter for AwsWriter {
    fn region(&self) -> &str {
        &self.region
    }

    fn profile(&self) -> &Profile {
        &self.profile
    }

    async fn caller_identity(&self) -> Result<CallerIdentity, Failure> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| write_failure(&e, "sts", "GetCallerIdentity", self.p()))?;
        Ok(CallerIdentity {
            arn: out.arn().unwrap_or_default().to_string(),
            account: out.account().unwrap_or_default().to_string(),
            user_id: out.user_id().unwrap_or_default().to_string(),
        })
    }

    async fn deployment(&self, id: &str) -> Result<Deployment, Failure> {
        let out = self
            .codedeploy
            .get_deployment()
            .deployment_id(id)
            .send()
            .await
            .map_err(|e| write_failure(&e, "codedeploy", "GetDeployment", self.p()))?;
        out.deployment_info()
            .map(convert::deployment)
            .ok_or_else(|| unreadable("codedeploy", "GetDeployment", "deploymentInfo"))
    }

    async fn stop(&self, id: &str, auto_rollback: bool) -> Result<StopOutcome, Failure> {
        let out = self
            .codedeploy
            .stop_deployment()
            .deployment_id(id)
            .auto_rollback_enabled(auto_rollback)
            .send()
            .await
            .map_err(|e| write_failure(&e, "codedeploy", "StopDeployment", self.p()))?;
        Ok(StopOutcome {
            status: out.status().map_or("", |s| s.as_str()).to_string(),
            message: out.status_message().map(str::to_string),
        })
    }

    async fn continue_deployment(&self, id: &str) -> Result<(), Failure> {
        self.codedeploy
            .continue_deployment()
            .deployment_id(id)
            .deployment_wait_type(cd::DeploymentWaitType::ReadyWait)
            .send()
            .await
            .map_err(|e| write_failure(&e, "codedeploy", "ContinueDeployment", self.p()))?;
        Ok(())
    }

    async fn put_hook_status(
        &self,
        id: &str,
        execution_id: &str,
        approve: bool,
    ) -> Result<(), Failure> {
        let status = if approve {
            cd::LifecycleEventStatus::Succeeded
        } else {
            cd::LifecycleEventStatus::Failed
        };
        self.codedeploy
            .put_lifecycle_event_hook_execution_status()
            .deployment_id(id)
            .lifecycle_event_hook_execution_id(execution_id)
            .status(status)
            .send()
            .await
            .map_err(|e| {
                write_failure(
                    &e,
                    "codedeploy",
                    "PutLifecycleEventHookExecutionStatus",
                    self.p(),
                )
            })?;
        Ok(())
    }

    async fn alias(&self, function: &str, alias: &str) -> Result<AliasWeights, Failure> {
        let out = self
            .lambda
            .get_alias()
            .function_name(function)
            .name(alias)
            .send()
            .await
            .map_err(|e| write_failure(&e, "lambda", "GetAlias", self.p()))?;
        Ok(convert::alias_weights(function, alias, &out))
    }

    async fn set_alias(
        &self,
        function: &str,
        alias: &str,
        version: &str,
        revision_id: &str,
    ) -> Result<AliasWeights, Failure> {
        let routing = aws_sdk_lambda::types::AliasRoutingConfiguration::builder()
            .set_additional_version_weights(Some(HashMap::new()))
            .build();
        let out = self
            .lambda
            .update_alias()
            .function_name(function)
            .name(alias)
            .function_version(version)
            .routing_config(routing)
            .revision_id(revision_id)
            .send()
            .await
            .map_err(|e| write_failure(&e, "lambda", "UpdateAlias", self.p()))?;
        Ok(convert::routing_weights(
            function,
            alias,
            out.function_version(),
            out.routing_config(),
            out.revision_id(),
        ))
    }

    async fn create_deployment(&self, new: &NewDeployment) -> Result<String, Failure> {
        let sha = hex::encode(Sha256::digest(new.appspec.as_bytes()));
        let revision = cd::RevisionLocation::builder()
            .revision_type(cd::RevisionLocationType::AppSpecContent)
            .app_spec_content(
                cd::AppSpecContent::builder()
                    .content(&new.appspec)
                    .sha256(sha)
                    .build(),
            )
            .build();
        let out = self
            .codedeploy
            .create_deployment()
            .application_name(&new.application)
            .deployment_group_name(&new.group)
            .revision(revision)
            .deployment_config_name(&new.config_name)
            .description(&new.description)
            .send()
            .await
            .map_err(|e| write_failure(&e, "codedeploy", "CreateDeployment", self.p()))?;
        out.deployment_id()
            .map(str::to_string)
            .ok_or_else(|| unreadable("codedeploy", "CreateDeployment", "deploymentId"))
    }

    async fn find_hook_execution(
        &self,
        hook_function: &str,
        deployment_id: &str,
    ) -> Result<HookSearch, Failure> {
        let config = self
            .lambda
            .get_function_configuration()
            .function_name(hook_function)
            .send()
            .await
            .map_err(|e| write_failure(&e, "lambda", "GetFunctionConfiguration", self.p()))?;
        let log_group = hook_log_group(
            hook_function,
            config.logging_config().and_then(|l| l.log_group()),
        );
        let mut newest: Option<(i64, String)> = None;
        let mut matches = 0;
        let mut token: Option<String> = None;
        for _ in 0..LOG_PAGES {
            let out = self
                .logs
                .filter_log_events()
                .log_group_name(&log_group)
                .filter_pattern(format!("\"{deployment_id}\""))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| write_failure(&e, "logs", "FilterLogEvents", self.p()))?;
            for event in out.events() {
                let Some(message) = event.message() else {
                    continue;
                };
                if let Some(id) = extract_execution_id(message, deployment_id) {
                    matches += 1;
                    let ts = event.timestamp().unwrap_or_default();
                    if newest.as_ref().is_none_or(|(t, _)| ts >= *t) {
                        newest = Some((ts, id));
                    }
                }
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(HookSearch {
            hook_function: hook_function.to_string(),
            log_group,
            execution_id: newest.map(|(_, id)| id),
            matches,
        })
    }
}
