//! CodeDeploy reads: listing deployments (paginated), batch gets (≤ 25 ids per call, calls in
//! parallel), the Lambda deployment target (asked for by its id, listed only when the id is not
//! known or is refused), AppSpecs (BatchGetApplicationRevisions, ≤ 25 per call, per
//! application), deployment groups (BatchGetDeploymentGroups, ≤ 100 per call) and configs.
//! Every request goes through [`call::read`]: a token from the CodeDeploy budget per attempt.

use aws_sdk_codedeploy::Client;
use aws_sdk_codedeploy::operation::batch_get_deployment_targets::BatchGetDeploymentTargetsError;
use aws_sdk_codedeploy::operation::list_deployment_targets::ListDeploymentTargetsError;
use aws_sdk_codedeploy::types::{
    ComputePlatform, DeploymentStatus as SdkStatus, RevisionLocation, TimeRange,
};
use chrono::{DateTime, Utc};
use futures::future::try_join_all;

use super::budget::Budget;
use super::call;
use super::convert::{self, smithy_time};
use super::errors::{CallSite, classify};
use crate::domain::{
    AppSpec, Deployment, DeploymentConfig, DeploymentStatus, Failure, FailureKind, GroupSettings,
    LambdaTarget, Revision, parse_appspec,
};

/// BatchGetDeployments, BatchGetDeploymentTargets and BatchGetApplicationRevisions take at
/// most 25 ids.
pub const BATCH_LIMIT: usize = 25;

/// BatchGetDeploymentGroups: names per call.
pub const GROUPS_PER_CALL: usize = 100;

/// Which deployments to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Created, Queued, InProgress, Baking, Ready.
    Active,
    /// Succeeded, Failed, Stopped, created since then.
    FinishedSince(DateTime<Utc>),
    /// Any status, created since then (catches a deployment that started and finished between
    /// two listings of the active ones).
    CreatedSince(DateTime<Utc>),
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

    fn unreadable(&self, operation: &str, message: String) -> Failure {
        Failure::new(
            FailureKind::Unreadable,
            "codedeploy",
            operation,
            message,
            self.profile,
        )
    }

    /// Deployment ids across all applications, every page.
    pub async fn list(&self, listing: Listing) -> Result<Vec<String>, Failure> {
        let since = |t| Some(TimeRange::builder().start(smithy_time(t)).build());
        let (statuses, range): (&[&str], _) = match listing {
            Listing::Active => (&DeploymentStatus::ACTIVE, None),
            Listing::FinishedSince(t) => (&DeploymentStatus::FINISHED, since(t)),
            Listing::CreatedSince(t) => (&[], since(t)),
        };
        let statuses: Option<Vec<SdkStatus>> =
            (!statuses.is_empty()).then(|| statuses.iter().map(|s| SdkStatus::from(*s)).collect());
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = call::read(self.budget, || {
                self.client
                    .list_deployments()
                    .set_include_only_statuses(statuses.clone())
                    .set_create_time_range(range.clone())
                    .set_next_token(token.clone())
                    .send()
            })
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
            let out = call::read(self.budget, || {
                self.client
                    .batch_get_deployments()
                    .set_deployment_ids(Some(chunk.to_vec()))
                    .send()
            })
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

    /// The deployment's Lambda target. `target_id` is asked for directly (a Lambda target's id
    /// is its function's name, per the API model); without one, or when CodeDeploy refuses it,
    /// the deployment's targets are listed first. None before CodeDeploy has created it.
    pub async fn lambda_target(
        &self,
        deployment_id: &str,
        target_id: Option<&str>,
    ) -> Result<Option<LambdaTarget>, Failure> {
        if let Some(id) = target_id {
            match self.targets(deployment_id, &[id.to_string()]).await {
                Ok(Some(found)) => return Ok(Some(found)),
                Ok(None) | Err(TargetsError::Refused) => {}
                Err(TargetsError::NotStarted) => return Ok(None),
                Err(TargetsError::Failed(failure)) => return Err(failure),
            }
        }
        let listed = self.target_ids(deployment_id).await?;
        if listed.is_empty() {
            return Ok(None);
        }
        match self.targets(deployment_id, &listed).await {
            Ok(found) => Ok(found),
            Err(TargetsError::NotStarted) => Ok(None),
            Err(TargetsError::Refused) => Err(self.unreadable(
                "BatchGetDeploymentTargets",
                format!("CodeDeploy refused the target ids it listed for {deployment_id}"),
            )),
            Err(TargetsError::Failed(failure)) => Err(failure),
        }
    }

    /// The deployment's target ids (empty before CodeDeploy has started it).
    async fn target_ids(&self, deployment_id: &str) -> Result<Vec<String>, Failure> {
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let listed = call::read(self.budget, || {
                self.client
                    .list_deployment_targets()
                    .deployment_id(deployment_id)
                    .set_next_token(token.clone())
                    .send()
            })
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

    /// The Lambda target among `ids`.
    async fn targets(
        &self,
        deployment_id: &str,
        ids: &[String],
    ) -> Result<Option<LambdaTarget>, TargetsError> {
        let answer = call::read(self.budget, || {
            self.client
                .batch_get_deployment_targets()
                .deployment_id(deployment_id)
                .set_target_ids(Some(ids.iter().take(BATCH_LIMIT).cloned().collect()))
                .send()
        })
        .await;
        match answer {
            Ok(out) => Ok(out
                .deployment_targets()
                .iter()
                .find_map(convert::lambda_target)),
            Err(e) => match e.as_service_error() {
                Some(err) if err.is_deployment_not_started_exception() => {
                    Err(TargetsError::NotStarted)
                }
                Some(
                    BatchGetDeploymentTargetsError::DeploymentTargetDoesNotExistException(_)
                    | BatchGetDeploymentTargetsError::InvalidDeploymentTargetIdException(_),
                ) => Err(TargetsError::Refused),
                _ => Err(TargetsError::Failed(classify(
                    &e,
                    self.site("BatchGetDeploymentTargets"),
                ))),
            },
        }
    }

    /// The AppSpecs of `revisions` (all of `application`), in order: parsed from the revision
    /// when it carries its content, else read 25 per BatchGetApplicationRevisions call and
    /// matched back by sha256; a revision the batch answer does not match is read on its own.
    pub async fn appspecs(
        &self,
        application: &str,
        revisions: &[Revision],
    ) -> Vec<Result<AppSpec, Failure>> {
        let parse = |content: &str, op: &str| {
            parse_appspec(content).map_err(|e| self.unreadable(op, e.to_string()))
        };
        let mut out: Vec<Option<Result<AppSpec, Failure>>> = revisions
            .iter()
            .map(|r| {
                r.content
                    .as_deref()
                    .filter(|c| !c.is_empty())
                    .map(|c| parse(c, "BatchGetDeployments"))
            })
            .collect();
        let wanted: Vec<(usize, RevisionLocation)> = revisions
            .iter()
            .enumerate()
            .filter(|(i, _)| out[*i].is_none())
            .filter_map(|(i, r)| convert::revision_location(r).map(|l| (i, l)))
            .collect();
        let calls = wanted.chunks(BATCH_LIMIT).map(|chunk| async move {
            let locations: Vec<RevisionLocation> = chunk.iter().map(|(_, l)| l.clone()).collect();
            let answer = call::read(self.budget, || {
                self.client
                    .batch_get_application_revisions()
                    .application_name(application)
                    .set_revisions(Some(locations.clone()))
                    .send()
            })
            .await
            .map_err(|e| classify(&e, self.site("BatchGetApplicationRevisions")));
            (chunk, answer)
        });
        for (chunk, answer) in futures::future::join_all(calls).await {
            match answer {
                Ok(answer) => {
                    let contents: Vec<(Option<String>, String)> = answer
                        .revisions()
                        .iter()
                        .filter_map(|info| info.revision_location())
                        .filter_map(convert::revision_content)
                        .collect();
                    for (i, _) in chunk {
                        let sha = revisions[*i].sha256.as_deref();
                        let found = contents
                            .iter()
                            .find(|(s, _)| s.is_some() && s.as_deref() == sha)
                            .map(|(_, content)| parse(content, "BatchGetApplicationRevisions"));
                        out[*i] = found;
                    }
                }
                // A refused batch (an endpoint without it, or a policy that grants only the
                // single read) falls back to one read per revision below; throttling and
                // credentials would refuse those too.
                Err(failure) if falls_back(&failure) => {}
                Err(failure) => {
                    for (i, _) in chunk {
                        out[*i] = Some(Err(failure.clone()));
                    }
                }
            }
        }
        let mut result = Vec::with_capacity(revisions.len());
        for (revision, spec) in revisions.iter().zip(out) {
            result.push(match spec {
                Some(spec) => spec,
                None => self.appspec(application, revision).await,
            });
        }
        result
    }

    /// One AppSpec from GetApplicationRevision (a revision the batch answer did not match).
    async fn appspec(&self, application: &str, revision: &Revision) -> Result<AppSpec, Failure> {
        let Some(location) = convert::revision_location(revision) else {
            return Err(self.unreadable(
                "GetApplicationRevision",
                format!("revision type {} carries no AppSpec content", revision.kind),
            ));
        };
        let out = call::read(self.budget, || {
            self.client
                .get_application_revision()
                .application_name(application)
                .revision(location.clone())
                .send()
        })
        .await
        .map_err(|e| classify(&e, self.site("GetApplicationRevision")))?;
        let content = out
            .revision()
            .and_then(convert::revision_content)
            .map(|(_, content)| content)
            .unwrap_or_default();
        parse_appspec(&content)
            .map_err(|e| self.unreadable("GetApplicationRevision", e.to_string()))
    }

    /// A custom deployment config (predefined ones never reach here).
    pub async fn config(&self, name: &str) -> Result<DeploymentConfig, Failure> {
        let out = call::read(self.budget, || {
            self.client
                .get_deployment_config()
                .deployment_config_name(name)
                .send()
        })
        .await
        .map_err(|e| classify(&e, self.site("GetDeploymentConfig")))?;
        Ok(convert::deployment_config(
            name,
            out.deployment_config_info(),
        ))
    }

    /// The alarm and rollback settings of `groups` of `application`, 100 per call; a group
    /// CodeDeploy does not return is missing from the answer. An endpoint that refuses the
    /// batch call (an emulator without it) is asked group by group.
    pub async fn groups(
        &self,
        application: &str,
        groups: &[String],
    ) -> Result<Vec<(String, GroupSettings)>, Failure> {
        let calls = groups.chunks(GROUPS_PER_CALL).map(|chunk| async move {
            let batch = call::read(self.budget, || {
                self.client
                    .batch_get_deployment_groups()
                    .application_name(application)
                    .set_deployment_group_names(Some(chunk.to_vec()))
                    .send()
            })
            .await
            .map_err(|e| classify(&e, self.site("BatchGetDeploymentGroups")));
            match batch {
                Ok(out) => Ok(out
                    .deployment_groups_info()
                    .iter()
                    .map(|g| {
                        (
                            g.deployment_group_name().unwrap_or_default().to_string(),
                            convert::group_settings(g),
                        )
                    })
                    .collect::<Vec<_>>()),
                Err(failure) if falls_back(&failure) => {
                    try_join_all(chunk.iter().map(|g| async move {
                        Ok::<_, Failure>((g.clone(), self.group(application, g).await?))
                    }))
                    .await
                }
                Err(failure) => Err(failure),
            }
        });
        Ok(try_join_all(calls).await?.into_iter().flatten().collect())
    }

    /// One deployment group's settings (GetDeploymentGroup).
    async fn group(&self, application: &str, group: &str) -> Result<GroupSettings, Failure> {
        let out = call::read(self.budget, || {
            self.client
                .get_deployment_group()
                .application_name(application)
                .deployment_group_name(group)
                .send()
        })
        .await
        .map_err(|e| classify(&e, self.site("GetDeploymentGroup")))?;
        Ok(out
            .deployment_group_info()
            .map(convert::group_settings)
            .unwrap_or_default())
    }
}

/// Whether a refused batch read is worth asking item by item: an endpoint that does not
/// implement it, or an IAM policy written before rollwatch used it (it grants the single read).
fn falls_back(failure: &Failure) -> bool {
    matches!(failure.kind, FailureKind::Other | FailureKind::AccessDenied)
}

/// Why a BatchGetDeploymentTargets call gave no target.
enum TargetsError {
    /// CodeDeploy has not started the deployment (no targets yet).
    NotStarted,
    /// The target id does not exist or is not valid for this deployment.
    Refused,
    Failed(Failure),
}
