//! One complete picture, region by region, in four dependent rounds of calls:
//!
//! 1. list active and recently finished deployment ids;
//! 2. batch-get them (25 per call, in parallel);
//! 3. in parallel: the AppSpecs of every deployment, watched and finished (25 per call, per
//!    application), the deployment groups (per application), custom configs (once each);
//! 4. in parallel: each watched deployment's target (asked for by its function's name), live
//!    aliases (within the Lambda budget, by priority), all group alarms, all per-version
//!    metrics.
//!
//! Nothing is fetched one deployment after another. A failing call marks its part; the rest of
//! the picture is still made.

use std::collections::BTreeSet;

use chrono::Duration;
use futures::future::join_all;

use super::assemble::{Fetched, Rules, ShownMinutes, assemble_view, watched};
use super::tasks::{adopt, with_function_targets};
use crate::aws::{DeploymentReader, Listing, Service};
use crate::domain::{
    ClockReading, ClockSource, Deployment, Failure, Freshness, MetricWindow, MetricsRequest, Owner,
    Part, Picture, RegionPicture, fold_canary_warnings, verdict_minutes,
};

/// What a picture covers.
#[derive(Debug, Clone)]
pub struct PictureOptions {
    /// Minutes of per-version metrics shown (the verdict reads every minute of its deployment).
    pub metric_minutes: u32,
    /// How far back "recently finished" goes.
    pub recent_hours: i64,
    pub rules: Rules,
    /// Count each version's slow invocations for the verdict's latency test: one more
    /// GetMetricData round, for the deployments whose series show the current version before
    /// the deployment (the threshold comes from those minutes). Off when the verdict is.
    pub latency_quantile: bool,
}

impl Default for PictureOptions {
    fn default() -> Self {
        Self {
            metric_minutes: 15,
            recent_hours: 24,
            rules: Rules::default(),
            latency_quantile: true,
        }
    }
}

/// The complete picture across `readers` (one per region), regions in parallel.
pub async fn collect_picture<R: DeploymentReader>(
    readers: &[R],
    options: PictureOptions,
) -> Picture {
    let mut regions = join_all(readers.iter().map(|r| collect_region(r, &options))).await;
    fold_canary_warnings(regions.iter_mut().flat_map(|r| &mut r.deployments));
    let reading = service_clock(readers.iter().map(DeploymentReader::clock));
    let (taken_at, clock) = (reading.now, reading.source);
    Picture {
        schema_version: 1,
        taken_at,
        clock,
        regions,
    }
}

/// The first reading taken from the service's clock, else this machine's clock.
pub fn service_clock(readings: impl IntoIterator<Item = ClockReading>) -> ClockReading {
    let mut first = None;
    for reading in readings {
        if reading.source == ClockSource::Service {
            return reading;
        }
        first.get_or_insert(reading);
    }
    first.unwrap_or_else(|| ClockReading {
        now: chrono::Utc::now(),
        rate: 1.0,
        rate_known: false,
        source: ClockSource::Local,
    })
}

async fn collect_region<R: DeploymentReader>(
    reader: &R,
    options: &PictureOptions,
) -> RegionPicture {
    let region = reader.region().to_string();
    // Round 1: the lists.
    let since = reader.clock().now - Duration::hours(options.recent_hours);
    let (active, finished) = futures::join!(
        reader.list_deployments(Listing::Active),
        reader.list_deployments(Listing::FinishedSince(since))
    );
    let active_ids = match active {
        Ok(ids) => ids,
        Err(failure) => {
            return unlisted(
                region,
                reader.owner(),
                failure,
                "listing active deployments failed",
            );
        }
    };
    // Round 2: every deployment, active and finished, in one set of batch calls.
    let mut all_ids = active_ids.clone();
    let finished_ids = finished.clone().unwrap_or_default();
    all_ids.extend(finished_ids.iter().cloned());
    let fetched = match reader.deployments(&all_ids).await {
        Ok(d) => d,
        Err(failure) => {
            return unlisted(
                region,
                reader.owner(),
                failure,
                "getting the deployments failed",
            );
        }
    };
    let watch = watched(&fetched);
    let mut recent: Vec<Deployment> = fetched
        .iter()
        .filter(|d| !d.status.is_active() && !watch.iter().any(|w| w.id == d.id))
        .cloned()
        .collect();
    recent.sort_by(|a, b| {
        b.complete_time
            .or(b.create_time)
            .cmp(&a.complete_time.or(a.create_time))
    });
    let (fetched, ()) = futures::join!(
        round_three_and_four(reader, &watch, options),
        with_function_targets(reader, &mut recent)
    );
    let recent = match finished {
        Ok(_) => Part::Ok { value: recent },
        Err(failure) => Part::Failed { failure },
    };
    let now = reader.clock().now;
    let deployments = watch
        .into_iter()
        .zip(fetched)
        .map(|(d, f)| {
            let shown = ShownMinutes::Last(options.metric_minutes);
            assemble_view(d, f, now, &options.rules, shown)
        })
        .collect();
    RegionPicture {
        region,
        owner: reader.owner(),
        deployments,
        listing: Part::Ok {
            value: active_ids.len(),
        },
        recent,
        listing_freshness: Freshness::fetched(now, 0),
    }
}

/// A region whose deployments could not be listed: the failure, and nothing else.
pub fn unlisted(region: String, owner: Owner, failure: Failure, why: &str) -> RegionPicture {
    RegionPicture {
        region,
        owner,
        deployments: Vec::new(),
        listing_freshness: Freshness {
            last_error: Some(failure.clone()),
            ..Freshness::default()
        },
        listing: Part::Failed { failure },
        recent: Part::skipped(why),
    }
}

/// Rounds 3 and 4 for the watched deployments, returned in the same order.
async fn round_three_and_four<R: DeploymentReader>(
    reader: &R,
    watch: &[Deployment],
    options: &PictureOptions,
) -> Vec<Fetched> {
    let mut fetched: Vec<Fetched> = adopt(reader, watch.to_vec())
        .await
        .into_iter()
        .map(|a| Fetched {
            appspec: a.appspec,
            config: a.config,
            group: a.group,
            ..Fetched::default()
        })
        .collect();
    round_four(reader, watch, &mut fetched, options).await;
    fetched
}

/// The alarms every fetched group watches, each once.
fn alarm_names(fetched: &[Fetched]) -> Vec<String> {
    fetched
        .iter()
        .filter_map(|f| f.group.value())
        .flat_map(|g| g.alarm_names.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// One metrics request per deployment whose subject is known (function, alias, current and
/// target version): both versions, and the business metrics when the verdict is on.
fn metrics_requests(
    subjects: &[Option<(String, String, String, String)>],
    options: &PictureOptions,
) -> Vec<MetricsRequest> {
    subjects
        .iter()
        .flatten()
        .map(|(function, alias, current, target)| MetricsRequest {
            function: function.clone(),
            alias: alias.clone(),
            versions: vec![current.clone(), target.clone()],
            slow_above_ms: None,
            business: if options.rules.verdict.enabled {
                options.rules.verdict.business_for(function)
            } else {
                Vec::new()
            },
        })
        .collect()
}

async fn round_four<R: DeploymentReader>(
    reader: &R,
    watch: &[Deployment],
    fetched: &mut [Fetched],
    options: &PictureOptions,
) {
    // Which function:alias each deployment moves, from its AppSpec (the target comes later).
    let subjects: Vec<Option<(String, String, String, String)>> = fetched
        .iter()
        .map(|f| {
            f.appspec.value().map(|a| {
                (
                    a.function.clone(),
                    a.alias.clone(),
                    a.current_version.clone(),
                    a.target_version.clone(),
                )
            })
        })
        .collect();
    // The Lambda budget, spent by priority: in progress first, then stopped (split check).
    let mut order: Vec<usize> = (0..watch.len())
        .filter(|i| subjects[*i].is_some())
        .collect();
    order.sort_by_key(|i| !watch[*i].status.is_active());
    let granted = reader.reserve(Service::Lambda, order.len());
    let alarm_names = alarm_names(fetched);
    let requests = metrics_requests(&subjects, options);
    // The verdict sees every minute of its deployment whatever the minutes shown (the same
    // minutes at every look: the latency threshold comes out the same on every run).
    let minutes = if options.rules.verdict.enabled {
        let measured = watch
            .iter()
            .zip(&subjects)
            .filter(|(_, s)| s.is_some())
            .map(|(d, _)| d);
        verdict_minutes(options.metric_minutes, measured, reader.clock().now)
    } else {
        options.metric_minutes
    };
    let window = MetricWindow::last_minutes(reader.clock().now, minutes);
    let (targets, aliases, alarms, metrics) = futures::join!(
        join_all(watch.iter().zip(&subjects).map(|(d, subject)| async move {
            let target_id = subject
                .as_ref()
                .map(|(function, ..)| super::state::function_name(function));
            Some(reader.lambda_target(&d.id, target_id).await)
        })),
        join_all(order.iter().take(granted).map(|i| {
            let (function, alias, _, _) = subjects[*i].clone().unwrap_or_default();
            async move { (*i, reader.alias(&function, &alias).await) }
        })),
        async {
            if alarm_names.is_empty() {
                Ok(Vec::new())
            } else {
                reader.alarms(&alarm_names).await
            }
        },
        async {
            if requests.is_empty() {
                Ok(Vec::new())
            } else {
                reader.version_metrics(&requests, window).await
            }
        }
    );
    for (f, target) in fetched.iter_mut().zip(targets) {
        f.target = target;
    }
    for (i, result) in aliases {
        fetched[i].alias = Some(Part::from_result(result));
    }
    for i in order.iter().skip(granted) {
        fetched[*i].alias = Some(Part::skipped(
            "over this refresh's Lambda budget (protects CodeDeploy's own alias updates); \
             showing CodeDeploy's recorded weight",
        ));
    }
    let metrics = match metrics {
        Ok(all) if options.latency_quantile => {
            Ok(with_slow_counts(reader, watch, &subjects, requests.clone(), all, window).await)
        }
        other => other,
    };
    let mut metrics_iter = match metrics {
        Ok(all) => all.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(failure) => vec![Err(failure); requests.len()],
    }
    .into_iter();
    for (f, subject) in fetched.iter_mut().zip(&subjects) {
        f.alarms = Some(alarms.clone());
        if subject.is_some() {
            f.metrics = metrics_iter.next().map(Part::from_result);
        }
    }
}

/// The verdict's slow-invocation counts: the deployments whose current version shows minutes
/// before the deployment get their series again with a latency threshold taken from those
/// minutes (one more call for all of them); the others keep what was read. A failed second
/// round keeps the first one's series.
async fn with_slow_counts<R: DeploymentReader>(
    reader: &R,
    watch: &[Deployment],
    subjects: &[Option<(String, String, String, String)>],
    mut requests: Vec<MetricsRequest>,
    mut metrics: Vec<Vec<crate::domain::VersionMetrics>>,
    window: MetricWindow,
) -> Vec<Vec<crate::domain::VersionMetrics>> {
    let created = watch
        .iter()
        .zip(subjects)
        .filter(|(_, s)| s.is_some())
        .map(|(d, _)| d.create_time);
    let mut again = Vec::new();
    for (i, (request, created)) in requests.iter_mut().zip(created).enumerate() {
        let threshold = created.and_then(|c| {
            crate::domain::slow_threshold(metrics.get(i).and_then(|m| m.first())?, c)
        });
        if let Some(ms) = threshold {
            request.slow_above_ms = Some(ms);
            again.push(i);
        }
    }
    if again.is_empty() {
        return metrics;
    }
    let second: Vec<MetricsRequest> = again.iter().map(|i| requests[*i].clone()).collect();
    if let Ok(series) = reader.version_metrics(&second, window).await {
        for (i, s) in again.into_iter().zip(series) {
            if let Some(slot) = metrics.get_mut(i) {
                *slot = s;
            }
        }
    }
    metrics
}
