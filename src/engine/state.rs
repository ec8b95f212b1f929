//! The live engine's memory of one region: every tracked deployment with the last good value of
//! each part and its freshness. Outcomes of tasks are applied here (a failure keeps the last
//! good data and records the error), and the picture is rebuilt from it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::assemble::watched;
use super::tasks::Adopted;
use crate::domain::{
    Alarm, AliasWeights, Deployment, Failure, FailureKind, Freshness, LambdaTarget, VersionMetrics,
    ViewFreshness,
};

/// A deployment the engine follows, with the last good value of each part.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub adopted: Adopted,
    pub target: Option<Result<Option<LambdaTarget>, Failure>>,
    pub alias: Option<AliasWeights>,
    pub alias_error: Option<Failure>,
    /// When the alias was last read (service clock).
    pub alias_read_at: Option<DateTime<Utc>>,
    pub metrics: Option<Vec<VersionMetrics>>,
    pub metrics_error: Option<Failure>,
    pub freshness: ViewFreshness,
}

impl Tracked {
    fn new(adopted: Adopted, now: DateTime<Utc>, intervals: &Intervals) -> Self {
        Self {
            adopted,
            target: None,
            alias: None,
            alias_error: None,
            alias_read_at: None,
            metrics: None,
            metrics_error: None,
            freshness: ViewFreshness {
                deployment: Freshness::fetched(now, intervals.details),
                alias: Freshness {
                    interval_secs: intervals.alias,
                    ..Freshness::default()
                },
                alarms: Freshness {
                    interval_secs: intervals.alarms,
                    ..Freshness::default()
                },
                metrics: Freshness {
                    interval_secs: intervals.metrics,
                    ..Freshness::default()
                },
            },
        }
    }

    /// The last good deployment target.
    pub fn last_target(&self) -> Option<&LambdaTarget> {
        self.target
            .as_ref()
            .and_then(|t| t.as_ref().ok())
            .and_then(Option::as_ref)
    }

    /// The function and alias this deployment moves, once known.
    pub fn subject(&self) -> Option<(String, String, String, String)> {
        let from_target = self
            .target
            .as_ref()
            .and_then(|t| t.as_ref().ok())
            .and_then(Option::as_ref);
        if let Some(t) = from_target {
            let f = &t.function;
            return Some((
                f.function.clone(),
                f.alias.clone(),
                f.current_version.clone(),
                f.target_version.clone(),
            ));
        }
        self.adopted.appspec.value().map(|a| {
            (
                a.function.clone(),
                a.alias.clone(),
                a.current_version.clone(),
                a.target_version.clone(),
            )
        })
    }
}

/// The intervals each part is held to (for staleness).
#[derive(Debug, Clone, Copy, Default)]
pub struct Intervals {
    pub discovery: u32,
    pub details: u32,
    pub alias: u32,
    pub alarms: u32,
    pub metrics: u32,
}

/// One region's state.
#[derive(Debug, Default)]
pub struct RegionState {
    pub name: String,
    pub listing: Option<Result<usize, Failure>>,
    pub listing_freshness: Freshness,
    pub recent: Option<Result<Vec<Deployment>, Failure>>,
    pub tracked: BTreeMap<String, Tracked>,
    pub alarms: Option<Vec<Alarm>>,
    pub alarms_error: Option<Failure>,
    pub alarms_fetched: Option<DateTime<Utc>>,
    pub intervals: Intervals,
    finished_since_recent: bool,
}

fn note(freshness: &mut Freshness, now: DateTime<Utc>, error: Option<&Failure>) {
    match error {
        None => {
            freshness.fetched_at = Some(now);
            freshness.last_error = None;
        }
        Some(f) => freshness.last_error = Some(f.clone()),
    }
}

impl RegionState {
    /// A new region's state.
    pub fn new(name: &str, intervals: Intervals) -> Self {
        Self {
            name: name.to_string(),
            intervals,
            ..Self::default()
        }
    }

    /// Deployments listed active; `adopted` are the new ones with their round-3 parts.
    pub fn discovered(&mut self, active: &[String], adopted: Vec<Adopted>, now: DateTime<Utc>) {
        self.listing = Some(Ok(active.len()));
        note(&mut self.listing_freshness, now, None);
        self.listing_freshness.interval_secs = self.intervals.discovery;
        for a in adopted {
            let id = a.deployment.id.clone();
            let tracked = Tracked::new(a, now, &self.intervals);
            self.tracked.entry(id).or_insert(tracked);
        }
    }

    /// Finished deployments adopted after the fact (stopped with a split alias).
    pub fn discovered_extra(&mut self, adopted: Vec<Adopted>, now: DateTime<Utc>) {
        for a in adopted {
            let id = a.deployment.id.clone();
            let tracked = Tracked::new(a, now, &self.intervals);
            self.tracked.entry(id).or_insert(tracked);
        }
    }

    /// Listing failed: keep what is known, record the error.
    pub fn listing_failed(&mut self, failure: Failure) {
        self.listing_freshness.last_error = Some(failure.clone());
        if self.listing.is_none() {
            self.listing = Some(Err(failure));
        }
    }

    /// Fresh deployment records and targets.
    pub fn details(
        &mut self,
        deployments: Result<Vec<Deployment>, Failure>,
        targets: Vec<(String, Result<Option<LambdaTarget>, Failure>)>,
        now: DateTime<Utc>,
    ) {
        let error = deployments.as_ref().err().cloned();
        for d in deployments.unwrap_or_default() {
            if let Some(t) = self.tracked.get_mut(&d.id) {
                t.adopted.deployment = d;
            }
        }
        for (id, target) in targets {
            if let Some(t) = self.tracked.get_mut(&id) {
                let failed = target.as_ref().err().cloned();
                match (&t.target, &target) {
                    // Keep the last good target when a refresh fails.
                    (Some(Ok(_)), Err(_)) => {}
                    _ => t.target = Some(target),
                }
                note(
                    &mut t.freshness.deployment,
                    now,
                    error.as_ref().or(failed.as_ref()),
                );
            }
        }
        if let Some(e) = &error {
            for t in self.tracked.values_mut() {
                t.freshness.deployment.last_error = Some(e.clone());
            }
        }
        self.retire();
    }

    /// Finished deployments of the last 24 h; stopped ones left split get adopted by the caller.
    pub fn recent(&mut self, result: Result<Vec<Deployment>, Failure>) {
        match result {
            Ok(list) => self.recent = Some(Ok(list)),
            Err(failure) => {
                if !matches!(self.recent, Some(Ok(_))) {
                    self.recent = Some(Err(failure));
                }
            }
        }
        self.retire();
    }

    /// Finished deployments the engine should adopt (stopped, split, not superseded).
    pub fn to_adopt(&self) -> Vec<Deployment> {
        let Some(Ok(recent)) = &self.recent else {
            return Vec::new();
        };
        let mut all: Vec<Deployment> = recent.clone();
        all.extend(self.tracked.values().map(|t| t.adopted.deployment.clone()));
        watched(&all)
            .into_iter()
            .filter(|d| !self.tracked.contains_key(&d.id))
            .collect()
    }

    /// Stops following finished deployments that no longer need a full view.
    fn retire(&mut self) {
        let mut all: Vec<Deployment> = self
            .tracked
            .values()
            .map(|t| t.adopted.deployment.clone())
            .collect();
        if let Some(Ok(recent)) = &self.recent {
            all.extend(
                recent
                    .iter()
                    .filter(|d| !self.tracked.contains_key(&d.id))
                    .cloned(),
            );
        }
        let keep: Vec<String> = watched(&all).into_iter().map(|d| d.id).collect();
        let retired: Vec<Deployment> = self
            .tracked
            .values()
            .filter(|t| !keep.contains(&t.adopted.deployment.id))
            .map(|t| t.adopted.deployment.clone())
            .collect();
        self.tracked.retain(|id, _| keep.contains(id));
        // A deployment that just finished moves to the finished list at once (the list itself
        // is refreshed less often), so it never vanishes from the screen.
        if let Some(Ok(recent)) = &mut self.recent {
            for d in &retired {
                recent.retain(|r| r.id != d.id);
                recent.push(d.clone());
            }
        }
        self.finished_since_recent |= !retired.is_empty();
    }

    /// Whether a tracked deployment finished since the last call (the finished list should be
    /// refreshed now, to show the rollback it caused).
    pub fn take_finished(&mut self) -> bool {
        std::mem::take(&mut self.finished_since_recent)
    }

    /// Live alias reads.
    pub fn aliases(
        &mut self,
        results: Vec<(String, Result<AliasWeights, Failure>)>,
        now: DateTime<Utc>,
    ) {
        for (id, result) in results {
            let Some(t) = self.tracked.get_mut(&id) else {
                continue;
            };
            t.alias_read_at = Some(now);
            match result {
                Ok(alias) => {
                    t.alias = Some(alias);
                    t.alias_error = None;
                    note(&mut t.freshness.alias, now, None);
                }
                Err(failure) => {
                    note(&mut t.freshness.alias, now, Some(&failure));
                    t.alias_error = Some(failure);
                }
            }
        }
    }

    /// Group alarms.
    pub fn alarms(&mut self, result: Result<Vec<Alarm>, Failure>, now: DateTime<Utc>) {
        let error = result.as_ref().err().cloned();
        match result {
            Ok(alarms) => {
                self.alarms = Some(alarms);
                self.alarms_error = None;
                self.alarms_fetched = Some(now);
            }
            Err(failure) => self.alarms_error = Some(failure),
        }
        for t in self.tracked.values_mut() {
            note(&mut t.freshness.alarms, now, error.as_ref());
        }
    }

    /// Per-version metrics.
    pub fn metrics(
        &mut self,
        result: Result<Vec<(String, Vec<VersionMetrics>)>, Failure>,
        now: DateTime<Utc>,
    ) {
        match result {
            Ok(series) => {
                for (id, metrics) in series {
                    if let Some(t) = self.tracked.get_mut(&id) {
                        t.metrics = Some(metrics);
                        t.metrics_error = None;
                        note(&mut t.freshness.metrics, now, None);
                    }
                }
            }
            Err(failure) => {
                for t in self.tracked.values_mut() {
                    note(&mut t.freshness.metrics, now, Some(&failure));
                    t.metrics_error = Some(failure.clone());
                }
            }
        }
    }
}

/// Whether any failure in `results` is AWS throttling.
pub fn throttled<'a>(mut failures: impl Iterator<Item = &'a Failure>) -> bool {
    failures.any(|f| f.kind == FailureKind::Throttled)
}
