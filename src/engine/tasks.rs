//! The units of work the live engine schedules: each runs as its own task, makes its calls
//! (concurrently where they are independent, batched across deployments where the API allows)
//! and returns an [`Outcome`] for the engine's state.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::join_all;

use super::scan::{ScanRead, ScanStep};
use crate::aws::{DeploymentReader, Listing};
use crate::domain::{
    Alarm, AliasWeights, AppSpec, Deployment, DeploymentConfig, DeploymentStatus, Failure,
    FunctionTarget, GroupSettings, LambdaTarget, MetricWindow, MetricsRequest, Part,
    VersionMetrics,
};

/// What one task fetches.
#[derive(Debug, Clone)]
pub enum Task {
    /// List active deployments, and any created `since` (the last listing), whatever their
    /// status; get and adopt the new ones.
    Discover {
        known: Vec<String>,
        since: Option<DateTime<Utc>>,
    },
    /// Read these deployment records (one BatchGetDeployments call of ≤ 25).
    Records(Vec<String>),
    /// Read a deployment's target, asking for `target_id` directly when known; `status` is
    /// the deployment's status when the read was sent.
    Target {
        id: String,
        target_id: Option<String>,
        status: DeploymentStatus,
    },
    /// Deployments finished since then (`known` ones are not read again, nor `others`: those
    /// of other compute platforms).
    Recent {
        since: DateTime<Utc>,
        known: Vec<Deployment>,
        others: Vec<String>,
    },
    /// Read an alias: (deployment id, function, alias).
    Alias {
        id: String,
        function: String,
        alias: String,
    },
    /// The named alarms.
    Alarms(Vec<String>),
    /// The next call of the scan for split aliases.
    Scan(ScanStep),
    /// An alias `[watch]` names.
    Watched { function: String, alias: String },
    /// Follow these finished deployments (stopped with their alias split).
    Adopt(Vec<Deployment>),
    /// Per-version metrics: (deployment id, request).
    Metrics {
        requests: Vec<(String, MetricsRequest)>,
        window: MetricWindow,
    },
}

/// Everything known about a deployment once adopted: its record and what never changes (its
/// AppSpec, config, and its group's settings as of adoption).
#[derive(Debug, Clone)]
pub struct Adopted {
    pub deployment: Deployment,
    pub appspec: Part<AppSpec>,
    pub config: Part<DeploymentConfig>,
    pub group: Part<GroupSettings>,
}

impl Adopted {
    /// The function, alias and versions from the AppSpec.
    pub fn function_target(&self) -> Option<FunctionTarget> {
        self.appspec.value().map(AppSpec::function_target)
    }
}

/// What a task brought back.
#[derive(Debug, Clone)]
pub enum Outcome {
    Discovered {
        active: Result<Vec<String>, Failure>,
        adopted: Result<Vec<Adopted>, Failure>,
        /// New ids that are not Lambda deployments (not read again).
        others: Vec<String>,
    },
    Records {
        ids: Vec<String>,
        result: Result<Vec<Deployment>, Failure>,
    },
    Target {
        id: String,
        status: DeploymentStatus,
        result: Result<Option<LambdaTarget>, Failure>,
    },
    Recent {
        result: Result<Vec<Deployment>, Failure>,
        /// Listed ids that are not Lambda deployments (not read again).
        others: Vec<String>,
    },
    Adopted(Vec<Adopted>),
    Alias {
        id: String,
        result: Result<AliasWeights, Failure>,
    },
    Alarms(Result<Vec<Alarm>, Failure>),
    Scan {
        step: ScanStep,
        result: Result<ScanRead, Failure>,
    },
    Watched(Result<AliasWeights, Failure>),
    Metrics {
        window: MetricWindow,
        result: Result<Vec<(String, Vec<VersionMetrics>)>, Failure>,
    },
}

impl Outcome {
    /// The failures in this outcome (for the service's back-off).
    pub fn failures(&self) -> Vec<&Failure> {
        match self {
            Self::Discovered {
                active, adopted, ..
            } => active
                .as_ref()
                .err()
                .into_iter()
                .chain(adopted.as_ref().err())
                .collect(),
            Self::Records { result, .. } | Self::Recent { result, .. } => {
                result.as_ref().err().into_iter().collect()
            }
            Self::Target { result, .. } => result.as_ref().err().into_iter().collect(),
            Self::Alias { result, .. } | Self::Watched(result) => {
                result.as_ref().err().into_iter().collect()
            }
            Self::Alarms(result) => result.as_ref().err().into_iter().collect(),
            Self::Scan { result, .. } => result.as_ref().err().into_iter().collect(),
            Self::Metrics { result, .. } => result.as_ref().err().into_iter().collect(),
            Self::Adopted(_) => Vec::new(),
        }
    }
}

/// Runs `task` against `reader`.
pub async fn run<R: DeploymentReader>(reader: Arc<R>, task: Task) -> Outcome {
    let reader = reader.as_ref();
    match task {
        Task::Discover { known, since } => discover(reader, &known, since).await,
        Task::Records(ids) => {
            let result = reader.deployments(&ids).await;
            Outcome::Records { ids, result }
        }
        Task::Target {
            id,
            target_id,
            status,
        } => {
            let result = reader.lambda_target(&id, target_id.as_deref()).await;
            Outcome::Target { id, status, result }
        }
        Task::Recent {
            since,
            known,
            others,
        } => match recent(reader, since, known, &others).await {
            Ok((deployments, others)) => Outcome::Recent {
                result: Ok(deployments),
                others,
            },
            Err(failure) => Outcome::Recent {
                result: Err(failure),
                others,
            },
        },
        Task::Adopt(deployments) => Outcome::Adopted(adopt(reader, deployments).await),
        Task::Alias {
            id,
            function,
            alias,
        } => {
            let result = reader.alias(&function, &alias).await;
            Outcome::Alias { id, result }
        }
        Task::Alarms(names) => Outcome::Alarms(reader.alarms(&names).await),
        Task::Watched { function, alias } => {
            Outcome::Watched(reader.alias(&function, &alias).await)
        }
        Task::Scan(step) => Outcome::Scan {
            result: scan(reader, &step).await,
            step,
        },
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

/// Deployments finished since `since`: the listing, then only the records not `known` yet
/// (a finished deployment's record no longer changes) and not of another compute platform,
/// with their function and versions from their AppSpecs. Also the listed ids of other
/// platforms (those still listed, and the new ones).
async fn recent<R: DeploymentReader>(
    reader: &R,
    since: DateTime<Utc>,
    known: Vec<Deployment>,
    others: &[String],
) -> Result<(Vec<Deployment>, Vec<String>), Failure> {
    let ids = reader
        .list_deployments(Listing::FinishedSince(since))
        .await?;
    let mut known: HashMap<String, Deployment> =
        known.into_iter().map(|d| (d.id.clone(), d)).collect();
    let mut still_others: Vec<String> = ids
        .iter()
        .filter(|id| others.contains(id))
        .cloned()
        .collect();
    let new: Vec<String> = ids
        .iter()
        .filter(|id| !known.contains_key(*id) && !others.contains(id))
        .cloned()
        .collect();
    if !new.is_empty() {
        let mut fetched = reader.deployments(&new).await?;
        still_others.extend(not_among(&new, &fetched));
        with_function_targets(reader, &mut fetched).await;
        known.extend(fetched.into_iter().map(|d| (d.id.clone(), d)));
    }
    let deployments = ids.iter().filter_map(|id| known.remove(id)).collect();
    Ok((deployments, still_others))
}

/// The ids asked for that the answer does not hold (BatchGetDeployments answers for Lambda
/// deployments only: the others are of another compute platform).
fn not_among(asked: &[String], answer: &[Deployment]) -> Vec<String> {
    asked
        .iter()
        .filter(|id| !answer.iter().any(|d| d.id == **id))
        .cloned()
        .collect()
}

/// Fills the function, alias and versions of finished deployments from their AppSpecs (one
/// Lists active deployments (and those created since the last listing) and adopts the new ones.
async fn discover<R: DeploymentReader>(
    reader: &R,
    known: &[String],
    since: Option<DateTime<Utc>>,
) -> Outcome {
    let created = async {
        match since {
            Some(t) => reader.list_deployments(Listing::CreatedSince(t)).await,
            None => Ok(Vec::new()),
        }
    };
    let (active, created) = futures::join!(reader.list_deployments(Listing::Active), created);
    let created = created.unwrap_or_else(|failure| {
        // The active listing still works; a quick deployment may be caught a minute
        // later by the finished list.
        tracing::warn!(failure = %failure.one_line(), "listing deployments created since the last listing failed");
        Vec::new()
    });
    let adopted = match &active {
        Ok(ids) => {
            let mut new: Vec<String> = ids
                .iter()
                .filter(|id| !known.contains(id))
                .cloned()
                .collect();
            // Started and finished since the last listing: adopted too, so the front
            // ends hear of them (they move straight to the finished list).
            for id in created {
                if !known.contains(&id) && !new.contains(&id) {
                    new.push(id);
                }
            }
            if new.is_empty() {
                Ok((Vec::new(), Vec::new()))
            } else {
                match reader.deployments(&new).await {
                    Ok(deployments) => {
                        let others = not_among(&new, &deployments);
                        Ok((adopt(reader, deployments).await, others))
                    }
                    Err(failure) => Err(failure),
                }
            }
        }
        Err(failure) => Err(failure.clone()),
    };
    let (adopted, others) = match adopted {
        Ok((adopted, others)) => (Ok(adopted), others),
        Err(failure) => (Err(failure), Vec::new()),
    };
    Outcome::Discovered {
        active,
        adopted,
        others,
    }
}

/// One call of the scan for split aliases.
pub async fn scan<R: DeploymentReader>(reader: &R, step: &ScanStep) -> Result<ScanRead, Failure> {
    match step {
        ScanStep::Functions(marker) => reader
            .function_names(marker.clone())
            .await
            .map(|(names, next)| ScanRead::Functions { names, next }),
        ScanStep::Aliases(function) => {
            reader
                .function_aliases(function)
                .await
                .map(|aliases| ScanRead::Aliases {
                    function: function.clone(),
                    aliases,
                })
        }
    }
}

/// batched read per application; AppSpecs are read once per run).
pub async fn with_function_targets<R: DeploymentReader>(
    reader: &R,
    deployments: &mut [Deployment],
) {
    let specs = appspecs(reader, deployments).await;
    for (d, spec) in deployments.iter_mut().zip(specs) {
        if d.target.is_none() {
            d.target = spec.value().map(AppSpec::function_target);
        }
    }
}

/// The AppSpec of each deployment, in order: batched per application.
async fn appspecs<R: DeploymentReader>(
    reader: &R,
    deployments: &[Deployment],
) -> Vec<Part<AppSpec>> {
    let mut out: Vec<Part<AppSpec>> = deployments.iter().map(without_appspec).collect();
    let mut by_app: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in deployments.iter().enumerate() {
        if out[i].value().is_none() && carries_appspec(d) {
            by_app.entry(d.application.as_str()).or_default().push(i);
        }
    }
    let reads = join_all(by_app.iter().map(|(app, indices)| async move {
        let revisions: Vec<_> = indices
            .iter()
            .filter_map(|i| deployments[*i].revision.clone())
            .collect();
        reader.appspecs(app, &revisions).await
    }))
    .await;
    for (indices, specs) in by_app.values().zip(reads) {
        for (i, spec) in indices.iter().zip(specs) {
            out[*i] = Part::from_result(spec);
        }
    }
    out
}

/// Whether the deployment's revision is AppSpec content rollwatch can read.
fn carries_appspec(d: &Deployment) -> bool {
    d.revision
        .as_ref()
        .is_some_and(|r| r.kind == "AppSpecContent" || r.kind == "String")
}

/// Why a deployment has no readable AppSpec (or "not fetched" when it has one to read).
fn without_appspec(d: &Deployment) -> Part<AppSpec> {
    match &d.revision {
        Some(_) if carries_appspec(d) => Part::skipped("not fetched"),
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

/// What never changes about newly seen deployments: AppSpecs (batched per application), each
/// deployment group's settings (batched per application) and each custom config once, all in
/// parallel.
pub async fn adopt<R: DeploymentReader>(reader: &R, deployments: Vec<Deployment>) -> Vec<Adopted> {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for d in &deployments {
        groups
            .entry(d.application.clone())
            .or_default()
            .insert(d.group.clone());
    }
    let config_names: BTreeSet<String> =
        deployments.iter().map(|d| d.config_name.clone()).collect();
    let (specs, group_reads, configs) = futures::join!(
        appspecs(reader, &deployments),
        join_all(groups.iter().map(|(app, names)| async move {
            let names: Vec<String> = names.iter().cloned().collect();
            (app.clone(), reader.group_settings(app, &names).await)
        })),
        join_all(
            config_names
                .iter()
                .map(|name| async move { (name.clone(), reader.deployment_config(name).await) })
        )
    );
    let configs: HashMap<String, Result<DeploymentConfig, Failure>> = configs.into_iter().collect();
    let group_reads: HashMap<String, Result<Vec<(String, GroupSettings)>, Failure>> =
        group_reads.into_iter().collect();
    deployments
        .into_iter()
        .zip(specs)
        .map(|(deployment, appspec)| {
            let group = match group_reads.get(&deployment.application) {
                Some(Ok(found)) => found
                    .iter()
                    .find(|(name, _)| *name == deployment.group)
                    .map_or_else(
                        || Part::skipped("CodeDeploy did not return the deployment group"),
                        |(_, settings)| Part::Ok {
                            value: settings.clone(),
                        },
                    ),
                Some(Err(failure)) => Part::Failed {
                    failure: failure.clone(),
                },
                None => Part::skipped("not fetched"),
            };
            let config = configs
                .get(&deployment.config_name)
                .cloned()
                .map_or_else(|| Part::skipped("not fetched"), Part::from_result);
            Adopted {
                deployment,
                appspec,
                config,
                group,
            }
        })
        .collect()
}
