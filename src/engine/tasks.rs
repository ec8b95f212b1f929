//! The units of work the live engine schedules: each runs as its own task, makes its calls
//! (concurrently where they are independent) and returns an [`Outcome`] for the engine's state.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::join_all;

use crate::aws::{DeploymentReader, Listing};
use crate::domain::{
    Alarm, AliasWeights, AppSpec, Deployment, DeploymentConfig, Failure, GroupSettings,
    LambdaTarget, MetricWindow, MetricsRequest, Part, VersionMetrics,
};

/// What one task fetches.
#[derive(Debug, Clone)]
pub enum Task {
    /// List active deployments; get and adopt the new ones.
    Discover { known: Vec<String> },
    /// Refresh tracked deployments and their targets.
    Details {
        ids: Vec<String>,
        targets: Vec<(String, Vec<String>)>,
    },
    /// Deployments finished since then.
    Recent { since: DateTime<Utc> },
    /// Read these aliases: (deployment id, function, alias).
    Aliases(Vec<(String, String, String)>),
    /// The named alarms.
    Alarms(Vec<String>),
    /// Follow these finished deployments (stopped with their alias split).
    Adopt(Vec<Deployment>),
    /// Per-version metrics: (deployment id, request).
    Metrics {
        requests: Vec<(String, MetricsRequest)>,
        window: MetricWindow,
    },
}

/// Everything known about a deployment once adopted (rounds 2 and 3 of a picture).
#[derive(Debug, Clone)]
pub struct Adopted {
    pub deployment: Deployment,
    pub target_ids: Result<Vec<String>, Failure>,
    pub appspec: Part<AppSpec>,
    pub config: Part<DeploymentConfig>,
    pub group: Part<GroupSettings>,
}

/// What a task brought back.
#[derive(Debug, Clone)]
pub enum Outcome {
    Discovered {
        active: Result<Vec<String>, Failure>,
        adopted: Result<Vec<Adopted>, Failure>,
    },
    Details {
        deployments: Result<Vec<Deployment>, Failure>,
        targets: Vec<(String, Result<Option<LambdaTarget>, Failure>)>,
    },
    Recent(Result<Vec<Deployment>, Failure>),
    Adopted(Vec<Adopted>),
    Aliases(Vec<(String, Result<AliasWeights, Failure>)>),
    Alarms(Result<Vec<Alarm>, Failure>),
    Metrics {
        window: MetricWindow,
        result: Result<Vec<(String, Vec<VersionMetrics>)>, Failure>,
    },
}

/// Runs `task` against `reader`.
pub async fn run<R: DeploymentReader>(reader: Arc<R>, task: Task) -> Outcome {
    let reader = reader.as_ref();
    match task {
        Task::Discover { known } => {
            let active = reader.list_deployments(Listing::Active).await;
            let adopted = match &active {
                Ok(ids) => {
                    let new: Vec<String> = ids
                        .iter()
                        .filter(|id| !known.contains(id))
                        .cloned()
                        .collect();
                    match reader.deployments(&new).await {
                        Ok(deployments) => Ok(adopt(reader, deployments).await),
                        Err(failure) => Err(failure),
                    }
                }
                Err(failure) => Err(failure.clone()),
            };
            Outcome::Discovered { active, adopted }
        }
        Task::Details { ids, targets } => {
            let (deployments, targets) = futures::join!(
                reader.deployments(&ids),
                join_all(targets.into_iter().map(|(id, target_ids)| async move {
                    let result = if target_ids.is_empty() {
                        match reader.target_ids(&id).await {
                            Ok(fresh) => reader.lambda_target(&id, &fresh).await,
                            Err(failure) => Err(failure),
                        }
                    } else {
                        reader.lambda_target(&id, &target_ids).await
                    };
                    (id, result)
                }))
            );
            Outcome::Details {
                deployments,
                targets,
            }
        }
        Task::Recent { since } => {
            let result = match reader.list_deployments(Listing::FinishedSince(since)).await {
                Ok(ids) => reader.deployments(&ids).await,
                Err(failure) => Err(failure),
            };
            Outcome::Recent(result)
        }
        Task::Adopt(deployments) => Outcome::Adopted(adopt(reader, deployments).await),
        Task::Aliases(list) => Outcome::Aliases(
            join_all(list.into_iter().map(|(id, function, alias)| async move {
                (id, reader.alias(&function, &alias).await)
            }))
            .await,
        ),
        Task::Alarms(names) => Outcome::Alarms(reader.alarms(&names).await),
        Task::Metrics { requests, window } => {
            let (ids, reqs): (Vec<String>, Vec<MetricsRequest>) = requests.into_iter().unzip();
            let result = reader
                .version_metrics(&reqs, window)
                .await
                .map(|series| ids.into_iter().zip(series).collect());
            Outcome::Metrics { window, result }
        }
    }
}

/// Round 3 for newly seen deployments: target ids, AppSpec and config per deployment, and each
/// deployment group once, all in parallel.
pub async fn adopt<R: DeploymentReader>(reader: &R, deployments: Vec<Deployment>) -> Vec<Adopted> {
    let groups: BTreeSet<(String, String)> = deployments
        .iter()
        .map(|d| (d.application.clone(), d.group.clone()))
        .collect();
    let (per_deployment, group_results) = futures::join!(
        join_all(deployments.iter().map(|d| async move {
            futures::join!(
                reader.target_ids(&d.id),
                appspec(reader, d),
                reader.deployment_config(&d.config_name)
            )
        })),
        join_all(
            groups
                .iter()
                .map(|(app, group)| reader.group_settings(app, group))
        )
    );
    let groups: HashMap<(String, String), Result<GroupSettings, Failure>> =
        groups.into_iter().zip(group_results).collect();
    deployments
        .into_iter()
        .zip(per_deployment)
        .map(|(deployment, (target_ids, appspec, config))| {
            let group = groups
                .get(&(deployment.application.clone(), deployment.group.clone()))
                .cloned()
                .map_or_else(|| Part::skipped("not fetched"), Part::from_result);
            Adopted {
                deployment,
                target_ids,
                appspec,
                config: Part::from_result(config),
                group,
            }
        })
        .collect()
}

/// The AppSpec of a deployment, when its revision carries one.
async fn appspec<R: DeploymentReader>(reader: &R, deployment: &Deployment) -> Part<AppSpec> {
    match &deployment.revision {
        Some(rev) if rev.kind == "AppSpecContent" || rev.kind == "String" => {
            Part::from_result(reader.appspec(&deployment.application, rev).await)
        }
        Some(rev) => Part::skipped(format!(
            "AppSpec is a {} revision{}; its hooks are not shown",
            rev.kind,
            rev.location
                .as_deref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default()
        )),
        None => Part::skipped("the deployment has no revision"),
    }
}
