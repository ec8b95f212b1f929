//! The live engine's memory of one region: every tracked deployment with the last good value of
//! each part, when it was read, and its freshness. Outcomes of reads are applied here (a
//! failure keeps the last good data and records the error); the schedule reads the times to
//! decide what is due, and the picture is rebuilt from it.

use super::scan::AliasScanState;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::assemble::watched;
use super::datum::Datum;
use super::tasks::Adopted;
use crate::domain::{
    Alarm, AliasWeights, Deployment, DeploymentStatus, Failure, FailureKind, Freshness,
    LambdaTarget, VersionMetrics, ViewFreshness, WeightWitnesses, function_name,
};

/// The last read of a deployment's target: when, what status the deployment had then, and the
/// target version's share CodeDeploy recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRead {
    pub at: DateTime<Utc>,
    pub status: DeploymentStatus,
    pub recorded_weight: Option<f64>,
}

/// A deployment the engine follows, with the last good value of each part.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub adopted: Adopted,
    pub target: Option<Result<Option<LambdaTarget>, Failure>>,
    /// The last successful target read.
    pub target_read: Option<TargetRead>,
    pub alias: Option<AliasWeights>,
    pub alias_error: Option<Failure>,
    /// When the alias was last read successfully (service clock).
    pub alias_read_at: Option<DateTime<Utc>>,
    pub metrics: Option<Vec<VersionMetrics>>,
    pub metrics_error: Option<Failure>,
    /// The verdict's latency threshold, decided once from the first series read (they reach
    /// back before the deployment) and kept for the deployment's life.
    pub slow_threshold: LatencyThreshold,
    pub freshness: ViewFreshness,
    /// The latest reads of the target's share by the live alias and by CodeDeploy's record,
    /// to prove (or not) that they disagree.
    pub witnesses: WeightWitnesses,
    /// How many alarm reads the region had answered when a record first said this deployment
    /// stopped or failed. It stays among the active ones until a picture has shown it with a later one
    /// (see [`RegionState::retire`]). Counted, not timed: the service clock is an estimate.
    pub ended_after_alarm_reads: Option<u64>,
}

/// The verdict's latency threshold for one deployment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LatencyThreshold {
    /// No series read yet.
    Undecided,
    /// Too little traffic before the deployment: p99 keeps the rank test at every look
    /// rather than switching tests half-way.
    None,
    /// Invocations slower than this many milliseconds are counted (the quantile test).
    AboveMs(f64),
}

impl LatencyThreshold {
    /// The threshold to count against, once decided.
    pub fn ms(self) -> Option<f64> {
        match self {
            Self::AboveMs(ms) => Some(ms),
            Self::Undecided | Self::None => None,
        }
    }
}

impl Tracked {
    fn new(adopted: Adopted, now: DateTime<Utc>, intervals: &Intervals) -> Self {
        let unread = |interval_secs| Freshness {
            interval_secs,
            ..Freshness::default()
        };
        // A record is read at the details pace while active, at the finished list's pace
        // once over (a stopped deployment that left its alias split stays tracked).
        let record_interval = if adopted.deployment.status.is_active() {
            intervals.details
        } else {
            intervals.recent
        };
        Self {
            adopted,
            target: None,
            target_read: None,
            alias: None,
            alias_error: None,
            alias_read_at: None,
            metrics: None,
            metrics_error: None,
            slow_threshold: LatencyThreshold::Undecided,
            witnesses: WeightWitnesses::default(),
            ended_after_alarm_reads: None,
            freshness: ViewFreshness {
                deployment: Freshness::fetched(now, record_interval),
                target: unread(intervals.details),
                alias: unread(intervals.alias),
                alarms: unread(intervals.alarms),
                metrics: unread(intervals.metrics),
            },
        }
    }

    /// The deployment as last read.
    pub fn deployment(&self) -> &Deployment {
        &self.adopted.deployment
    }

    /// The last good deployment target.
    pub fn last_target(&self) -> Option<&LambdaTarget> {
        self.target
            .as_ref()
            .and_then(|t| t.as_ref().ok())
            .and_then(Option::as_ref)
    }

    /// The id to ask BatchGetDeploymentTargets for: the one CodeDeploy answered with, else the
    /// AppSpec's function name (a Lambda target's id, per the API model).
    pub fn target_id(&self) -> Option<String> {
        self.last_target()
            .map(|t| t.target_id.clone())
            .filter(|id| !id.is_empty())
            .or_else(|| {
                self.adopted
                    .appspec
                    .value()
                    .map(|a| function_name(&a.function).to_string())
            })
    }

    /// The function and alias this deployment moves, and its versions, once known.
    pub fn subject(&self) -> Option<(String, String, String, String)> {
        if let Some(t) = self.last_target() {
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

    /// The target version's share on the live alias, when read.
    pub fn alias_weight(&self) -> Option<f64> {
        let (_, _, _, target) = self.subject()?;
        self.alias.as_ref().map(|a| a.weight_of(&target))
    }

    /// The newest observation of the target version's share, from the alias or CodeDeploy's
    /// record, whichever was read last.
    pub fn observed_weight(&self) -> Option<f64> {
        let record = self
            .target_read
            .as_ref()
            .and_then(|r| r.recorded_weight.map(|w| (r.at, w)));
        let alias = self.alias_read_at.zip(self.alias_weight());
        match (record, alias) {
            (Some((r_at, r)), Some((a_at, a))) => Some(if r_at > a_at { r } else { a }),
            (Some((_, w)), None) | (None, Some((_, w))) => Some(w),
            (None, None) => None,
        }
    }
}

/// The intervals each part is held to (for staleness), in real seconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Intervals {
    pub discovery: u32,
    pub details: u32,
    pub recent: u32,
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
    /// Finished deployments of the last 24 hours (their records no longer change).
    pub recent: Option<Result<Vec<Deployment>, Failure>>,
    pub tracked: BTreeMap<String, Tracked>,
    pub alarms: Option<Vec<Alarm>>,
    pub alarms_error: Option<Failure>,
    pub alarms_fetched: Option<DateTime<Utc>>,
    /// How many alarm reads have been answered, whatever their outcome.
    alarm_reads: u64,
    /// `alarm_reads` as of the last picture delivered.
    alarm_reads_pictured: u64,
    pub intervals: Intervals,
    finished_since_recent: bool,
    /// A tracked deployment's record said it stopped or failed since the last call: read the
    /// alarms now.
    ended_since: bool,
    /// Deployments moved to the finished list by this engine that no listing of finished
    /// deployments has shown yet (one taken before they finished must not drop them).
    retired_unlisted: HashSet<String>,
    /// Deployments of other compute platforms (EC2, ECS) seen in the listings: not read again.
    pub others_active: HashSet<String>,
    pub others_finished: Vec<String>,
    /// The scan for aliases split outside any deployment.
    pub scan: AliasScanState,
    /// The per-version metrics of each split outside any deployment, by its id.
    pub split_metrics: HashMap<String, Result<Vec<VersionMetrics>, Failure>>,
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

    /// Deployments listed active; `adopted` are the new ones with their specs (a new one that
    /// already finished goes straight to the finished list).
    pub fn discovered(
        &mut self,
        active: &[String],
        adopted: Vec<Adopted>,
        others: Vec<String>,
        now: DateTime<Utc>,
    ) {
        self.others_active.retain(|id| active.contains(id));
        self.others_active.extend(others);
        let lambda = active
            .iter()
            .filter(|id| !self.others_active.contains(*id))
            .count();
        self.listing = Some(Ok(lambda));
        note(&mut self.listing_freshness, now, None);
        self.listing_freshness.interval_secs = self.intervals.discovery;
        let finished = adopted.iter().any(|a| !a.deployment.status.is_active());
        self.adopt(adopted, now);
        if finished {
            self.retire();
        }
    }

    /// Start following `adopted` (new active ones, or finished ones left split).
    pub fn adopt(&mut self, adopted: Vec<Adopted>, now: DateTime<Utc>) {
        for a in adopted {
            let id = a.deployment.id.clone();
            let tracked = Tracked::new(a, now, &self.intervals);
            self.tracked.entry(id).or_insert(tracked);
        }
    }

    /// A read of `datum` ended without an outcome (its task failed inside rollwatch): the panel
    /// it feeds shows the failure until the next read, which is scheduled as usual.
    pub fn read_failed(&mut self, datum: &Datum, failure: &Failure, now: DateTime<Utc>) {
        match datum {
            Datum::Listing => self.listing_freshness.last_error = Some(failure.clone()),
            Datum::Alarms | Datum::Metrics => {
                for t in self.tracked.values_mut() {
                    let f = if *datum == Datum::Alarms {
                        &mut t.freshness.alarms
                    } else {
                        &mut t.freshness.metrics
                    };
                    note(f, now, Some(failure));
                }
            }
            Datum::Record(id) | Datum::Target(id) | Datum::Alias(id) => {
                if let Some(t) = self.tracked.get_mut(id) {
                    let f = match datum {
                        Datum::Record(_) => &mut t.freshness.deployment,
                        Datum::Target(_) => &mut t.freshness.target,
                        _ => &mut t.freshness.alias,
                    };
                    note(f, now, Some(failure));
                }
            }
            Datum::Scan => {
                let step = self.scan.next_step();
                self.scan.read(&step, Err(failure.clone()), now);
            }
            Datum::Recent | Datum::Adopt | Datum::Watched(_) => {}
        }
    }

    /// Listing failed: keep what is known, record the error.
    pub fn listing_failed(&mut self, failure: Failure) {
        self.listing_freshness.last_error = Some(failure.clone());
        if self.listing.is_none() {
            self.listing = Some(Err(failure));
        }
    }

    /// Fresh deployment records of `ids` (or the failure of reading them).
    pub fn records(
        &mut self,
        ids: &[String],
        result: Result<Vec<Deployment>, Failure>,
        now: DateTime<Utc>,
    ) {
        match result {
            Ok(deployments) => {
                for d in deployments {
                    if let Some(t) = self.tracked.get_mut(&d.id) {
                        // Stopped or failed: an alarm may have done it (a success it did not).
                        let stopped = matches!(
                            d.status,
                            DeploymentStatus::Stopped | DeploymentStatus::Failed
                        );
                        if t.adopted.deployment.status.is_active() && stopped {
                            t.ended_after_alarm_reads = Some(self.alarm_reads);
                            self.ended_since = true;
                        }
                        t.freshness.deployment.interval_secs = if d.status.is_active() {
                            self.intervals.details
                        } else {
                            self.intervals.recent
                        };
                        t.adopted.deployment = d;
                        note(&mut t.freshness.deployment, now, None);
                    }
                }
            }
            Err(failure) => {
                for id in ids {
                    if let Some(t) = self.tracked.get_mut(id) {
                        note(&mut t.freshness.deployment, now, Some(&failure));
                    }
                }
            }
        }
        self.retire();
    }

    /// A fresh target of `id` (or the failure of reading it).
    /// `status` is the deployment's status when the read was sent (a record that arrived
    /// meanwhile may already say more).
    pub fn target(
        &mut self,
        id: &str,
        status: &DeploymentStatus,
        result: Result<Option<LambdaTarget>, Failure>,
        now: DateTime<Utc>,
    ) {
        let Some(t) = self.tracked.get_mut(id) else {
            return;
        };
        match result {
            Ok(target) => {
                t.target_read = Some(TargetRead {
                    at: now,
                    status: status.clone(),
                    recorded_weight: target.as_ref().map(|t| t.recorded_weight),
                });
                if let Some(recorded) = target.as_ref().map(|t| t.recorded_weight) {
                    t.witnesses.record_read(now, recorded);
                }
                t.target = Some(Ok(target));
                note(&mut t.freshness.target, now, None);
            }
            Err(failure) => {
                note(&mut t.freshness.target, now, Some(&failure));
                // Keep the last good target when a refresh fails.
                if !matches!(t.target, Some(Ok(_))) {
                    t.target = Some(Err(failure));
                }
            }
        }
    }

    /// Finished deployments of the last 24 h (`new` were read now; the rest are known); stopped
    /// ones left split get adopted by the caller.
    pub fn recent(&mut self, result: Result<Vec<Deployment>, Failure>, others: Vec<String>) {
        if result.is_ok() {
            self.others_finished = others;
        }
        match result {
            Ok(mut list) => {
                self.retired_unlisted
                    .retain(|id| !list.iter().any(|d| d.id == *id));
                if let Some(Ok(known)) = &self.recent {
                    list.extend(
                        known
                            .iter()
                            .filter(|d| self.retired_unlisted.contains(&d.id))
                            .cloned(),
                    );
                }
                self.recent = Some(Ok(list));
            }
            Err(failure) => {
                if !matches!(self.recent, Some(Ok(_))) {
                    self.recent = Some(Err(failure));
                }
            }
        }
        self.retire();
    }

    /// The finished deployments already known (so their records are not read again).
    pub fn known_finished(&self) -> Vec<Deployment> {
        match &self.recent {
            Some(Ok(list)) => list.clone(),
            _ => Vec::new(),
        }
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
        let mut keep: Vec<String> = watched(&all).into_iter().map(|d| d.id).collect();
        // A deployment that just ended stays among the active ones until a picture has shown
        // it with the alarms read after its end: an alarm that stopped it (CodeDeploy polls
        // alarms more often than rollwatch reads them) is then seen on it, and notified.
        let pictured = self.alarm_reads_pictured;
        keep.extend(
            self.tracked
                .values()
                .filter(|t| {
                    t.ended_after_alarm_reads
                        .is_some_and(|reads| pictured <= reads)
                        && t.adopted
                            .group
                            .value()
                            .is_some_and(|g| !g.alarm_names.is_empty())
                })
                .map(|t| t.adopted.deployment.id.clone()),
        );
        let retired: Vec<Deployment> = self
            .tracked
            .values()
            .filter(|t| !keep.contains(&t.adopted.deployment.id))
            .map(|t| {
                let mut d = t.adopted.deployment.clone();
                if d.target.is_none() {
                    d.target = t.adopted.function_target();
                }
                d
            })
            .collect();
        self.tracked.retain(|id, _| keep.contains(id));
        // A deployment that just finished moves to the finished list at once (the list itself
        // is refreshed less often), so it never vanishes from the screen.
        if let Some(Ok(recent)) = &mut self.recent {
            for d in &retired {
                recent.retain(|r| r.id != d.id);
                recent.push(d.clone());
                self.retired_unlisted.insert(d.id.clone());
            }
        }
        self.finished_since_recent |= !retired.is_empty();
    }

    /// Whether a tracked deployment finished since the last call (the finished list should be
    /// refreshed now, to show the rollback it caused).
    pub fn take_finished(&mut self) -> bool {
        std::mem::take(&mut self.finished_since_recent)
    }

    /// Whether a tracked deployment's record said it stopped or failed since the last call (the
    /// alarms should be read now, to see an alarm that stopped it while it is still in ALARM).
    pub fn take_ended(&mut self) -> bool {
        std::mem::take(&mut self.ended_since)
    }

    /// A live alias read; `interval_secs` is how often it is held to be read now (it grows
    /// with the fleet when the Lambda budget cannot read every alias every `alias_idle_secs`).
    pub fn alias(
        &mut self,
        id: &str,
        result: Result<AliasWeights, Failure>,
        now: DateTime<Utc>,
        interval_secs: u32,
    ) {
        let Some(t) = self.tracked.get_mut(id) else {
            return;
        };
        t.freshness.alias.interval_secs = interval_secs;
        match result {
            Ok(alias) => {
                t.alias = Some(alias);
                t.alias_error = None;
                t.alias_read_at = Some(now);
                if let Some(weight) = t.alias_weight() {
                    t.witnesses.alias_read(now, weight);
                }
                note(&mut t.freshness.alias, now, None);
            }
            Err(failure) => {
                note(&mut t.freshness.alias, now, Some(&failure));
                t.alias_error = Some(failure);
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
        self.alarm_reads += 1;
        for t in self.tracked.values_mut() {
            note(&mut t.freshness.alarms, now, error.as_ref());
        }
    }

    /// A picture of this state was delivered: a deployment that ended and was held among the
    /// active ones until the alarms were read after its end has now been shown with them, and
    /// moves to the finished list. Returns whether one did.
    pub fn pictured(&mut self) -> bool {
        if self.alarm_reads_pictured == self.alarm_reads {
            return false;
        }
        self.alarm_reads_pictured = self.alarm_reads;
        let before = self.tracked.len();
        self.retire();
        self.tracked.len() != before
    }

    /// Per-version metrics. Returns whether they must be read again at once: a deployment's
    /// latency threshold was decided from these series, which lack its slow-invocation
    /// counts. Its series are held back until they have them, so that p99 is judged by one
    /// test from its first look on. `verdict`: whether the verdict (and its threshold) is on.
    pub fn metrics(
        &mut self,
        result: Result<Vec<(String, Vec<VersionMetrics>)>, Failure>,
        now: DateTime<Utc>,
        verdict: bool,
    ) -> bool {
        let mut read_again = false;
        match result {
            Ok(series) => {
                for (id, metrics) in series {
                    if !self.tracked.contains_key(&id) {
                        self.split_metrics.insert(id, Ok(metrics));
                        continue;
                    }
                    if let Some(t) = self.tracked.get_mut(&id) {
                        if verdict && t.slow_threshold == LatencyThreshold::Undecided {
                            let threshold = t
                                .deployment()
                                .create_time
                                .and_then(|c| crate::domain::slow_threshold(metrics.first()?, c));
                            t.slow_threshold =
                                threshold.map_or(LatencyThreshold::None, LatencyThreshold::AboveMs);
                            let counted = metrics.iter().all(|m| m.slow_above_ms.is_some());
                            if threshold.is_some() && !counted {
                                read_again = true;
                                t.metrics_error = None;
                                continue;
                            }
                        }
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
                for split in self.split_metrics.values_mut() {
                    *split = Err(failure.clone());
                }
            }
        }
        let splits: HashSet<String> = self.scan.splits().map(|s| s.id.clone()).collect();
        self.split_metrics.retain(|id, _| splits.contains(id));
        read_again
    }
}

/// Whether any failure in `results` is AWS throttling.
pub fn throttled<'a>(mut failures: impl Iterator<Item = &'a Failure>) -> bool {
    failures.any(|f| f.kind == FailureKind::Throttled)
}
