//! The complete picture: every active Lambda deployment of every region with everything known
//! about it, each part either present, failed (with the classified failure) or not fetched
//! (with the reason). This is what front ends render and `snapshot --json` prints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Alarm, AliasScan, AliasSplit, AliasWeights, AppSpec, Deployment, DeploymentAlarm,
    DeploymentConfig, Disagreement, Failure, LambdaTarget, TargetWeight, TrafficPlan, Verdict,
    VersionMetrics, Warning,
};

/// One part of the picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Part<T> {
    /// Fetched.
    Ok { value: T },
    /// The call failed; the failure says what to do.
    Failed { failure: Failure },
    /// Deliberately not fetched (e.g. over the Lambda budget, or nothing to fetch).
    Skipped { reason: String },
}

impl<T> Part<T> {
    /// The value, if fetched.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Ok { value } => Some(value),
            _ => None,
        }
    }

    /// The failure, if the call failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Failed { failure } => Some(failure),
            _ => None,
        }
    }

    /// A part from a call's result.
    pub fn from_result(result: Result<T, Failure>) -> Self {
        match result {
            Ok(value) => Self::Ok { value },
            Err(failure) => Self::Failed { failure },
        }
    }

    /// A part that was not fetched, and why.
    pub fn skipped(reason: impl Into<String>) -> Self {
        Self::Skipped {
            reason: reason.into(),
        }
    }
}

/// Deployment-group settings that decide what CodeDeploy does on its own.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GroupSettings {
    pub alarms_enabled: bool,
    pub alarm_names: Vec<String>,
    /// CodeDeploy continues when it cannot read the alarms.
    pub ignore_poll_alarm_failure: bool,
    pub auto_rollback_enabled: bool,
    /// `DEPLOYMENT_FAILURE`, `DEPLOYMENT_STOP_ON_ALARM`, `DEPLOYMENT_STOP_ON_REQUEST`.
    pub auto_rollback_events: Vec<String>,
}

/// Where the deployment is in its plan at the picture's time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleStatus {
    /// 1-based number of the last step taken (0 before the first shift).
    pub step: usize,
    pub steps_total: usize,
    /// The target's share the plan predicts now (0.0–1.0).
    pub expected_weight: f64,
    pub next_shift_at: Option<DateTime<Utc>>,
    pub next_shift_weight: Option<f64>,
    /// When traffic shifting is expected to complete.
    pub eta: DateTime<Utc>,
}

impl ScheduleStatus {
    /// The status of `plan` at `now`.
    pub fn of(plan: &TrafficPlan, now: DateTime<Utc>) -> Self {
        let next = plan.next_shift(now);
        Self {
            step: plan.current_step(now).map_or(0, |i| i + 1),
            steps_total: plan.steps.len(),
            expected_weight: plan.expected_weight(now),
            next_shift_at: next.map(|s| s.at),
            next_shift_weight: next.map(|s| s.weight),
            eta: plan.shifting_ends,
        }
    }
}

/// Everything known about one deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentView {
    pub deployment: Deployment,
    pub config: Part<DeploymentConfig>,
    pub target: Part<LambdaTarget>,
    pub appspec: Part<AppSpec>,
    pub group: Part<GroupSettings>,
    pub alias: Part<AliasWeights>,
    /// The target version's share as shown, labelled with its source.
    pub weight: Option<TargetWeight>,
    /// Set when traffic shifting has started and the config is known.
    pub plan: Option<TrafficPlan>,
    pub schedule: Option<ScheduleStatus>,
    pub alarms: Part<Vec<DeploymentAlarm>>,
    /// Current version first, then the target version.
    pub metrics: Part<Vec<VersionMetrics>>,
    /// When reads of the live alias and of CodeDeploy's record prove they disagree (the live
    /// engine only: one snapshot's reads cannot tell it from a shift between them).
    #[serde(skip)]
    pub alias_disagrees: Option<Disagreement>,
    pub warnings: Vec<Warning>,
    pub freshness: ViewFreshness,
    /// The canary verdict from the per-version metrics (default thresholds); None until the
    /// metrics and the traffic start are known.
    pub verdict: Option<Verdict>,
}

impl DeploymentView {
    /// When traffic started shifting: the plan's start, else the target's AllowTraffic start
    /// (which also covers deployments that have ended).
    pub fn traffic_start(&self) -> Option<DateTime<Utc>> {
        self.plan
            .as_ref()
            .map(|p| p.traffic_start)
            .or_else(|| self.target.value().and_then(LambdaTarget::traffic_start))
            // A split outside any deployment: from when rollwatch first saw it.
            .or_else(|| {
                (self.deployment.source == super::Source::Alias)
                    .then_some(self.deployment.start_time)
                    .flatten()
            })
    }

    /// The alarms, if fetched, as plain alarms.
    pub fn alarm_list(&self) -> impl Iterator<Item = &Alarm> {
        self.alarms.value().into_iter().flatten().map(|a| &a.alarm)
    }
}

/// The AWS profile whose credentials reach something: a named profile of the shared config
/// files (`--profile`, `AWS_PROFILE`, `[ui] profiles`), or the default credential chain. In
/// JSON, the name or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Profile(Option<String>);

impl Profile {
    /// The named profile `name`.
    pub fn named(name: impl Into<String>) -> Self {
        Self(Some(name.into()))
    }

    /// The profile's name; none for the default credential chain.
    pub fn name(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Whether this is the default credential chain.
    pub fn is_default_chain(&self) -> bool {
        self.0.is_none()
    }

    /// The name, or "default" (how the config and messages call the default chain).
    pub fn label(&self) -> &str {
        self.name().unwrap_or("default")
    }
}

impl From<Option<String>> for Profile {
    fn from(name: Option<String>) -> Self {
        Self(name)
    }
}

/// Where a deployment lives, as rollwatch reaches it: the account (through the profile whose
/// credentials reach it) and the region. Writers, log readers, group rows and the effects
/// that act or read are keyed by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub profile: Profile,
    pub region: String,
}

impl Place {
    pub fn new(profile: Profile, region: impl Into<String>) -> Self {
        Self {
            profile,
            region: region.into(),
        }
    }
}

/// Whose credentials read a region: the profile and, when STS said, the account id. With
/// `--profile a,b`, each region of the picture belongs to one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Owner {
    #[serde(skip_serializing_if = "Profile::is_default_chain")]
    pub profile: Profile,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl Owner {
    /// "prod (123456789012)", "prod", "123456789012", or "default credentials".
    pub fn label(&self) -> String {
        match (self.profile.name(), &self.account) {
            (Some(p), Some(a)) => format!("{p} ({a})"),
            (Some(p), None) => p.to_owned(),
            (None, Some(a)) => a.clone(),
            (None, None) => "default credentials".to_string(),
        }
    }
}

/// Everything known in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionPicture {
    pub region: String,
    /// The profile and account that read it (`profile`, `account` in the JSON).
    #[serde(flatten)]
    pub owner: Owner,
    /// Active deployments; empty when `listing` failed.
    pub deployments: Vec<DeploymentView>,
    /// Whether listing active deployments worked at all.
    pub listing: Part<usize>,
    /// Deployments finished in the last 24 hours, newest first.
    pub recent: Part<Vec<Deployment>>,
    /// Freshness of the list of deployments.
    pub listing_freshness: Freshness,
    /// Aliases split between versions that no deployment of this picture owns.
    pub splits: Vec<AliasSplit>,
    /// How much of the account the scan for those splits has read.
    pub alias_scan: AliasScan,
}

impl RegionPicture {
    /// Whether `other` is the same region read by the same account: two profiles may watch
    /// regions of the same name in different accounts.
    pub fn same_place(&self, other: &RegionPicture) -> bool {
        self.region == other.region && self.owner == other.owner
    }
}

/// How much of the picture could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    Complete,
    Partial,
    Nothing,
}

/// The shape of a picture in JSON (`snapshot --json`): 2 added each rollout's `source`, `id`
/// and `function`.
pub const PICTURE_SCHEMA: u32 = 2;

/// The complete picture across regions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Picture {
    /// Version of this document's shape: [`PICTURE_SCHEMA`].
    pub schema_version: u32,
    /// "Now", on the service's clock when a response carried one.
    pub taken_at: DateTime<Utc>,
    /// Whether `taken_at` is the service's clock (`Date` headers) or this machine's.
    pub clock: ClockSource,
    pub regions: Vec<RegionPicture>,
}

/// Where "now" came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockSource {
    Service,
    Local,
}

/// A reading of the service's clock: front ends extrapolate "now" between pictures with it
/// (`now + elapsed local time × rate`; the rate is 1 against AWS, higher against an
/// accelerated sandbox).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClockReading {
    pub now: DateTime<Utc>,
    pub rate: f64,
    /// Whether `rate` is known (given by whoever started the service, or learnt from its
    /// responses) rather than assumed to be 1: until it is, nothing is judged stale.
    pub rate_known: bool,
    pub source: ClockSource,
}

/// How fresh one part of the picture is: when it was last fetched successfully (service
/// clock), how often it should be, and the last failure if the latest attempt failed.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Freshness {
    pub fetched_at: Option<DateTime<Utc>>,
    /// The refresh interval this part is held to, on the service's clock (0: not held to one —
    /// fetched once, as by `snapshot`, or the service clock's rate is not known yet).
    pub interval_secs: u32,
    /// Set while the latest attempt failed (the last good data is kept).
    pub last_error: Option<Failure>,
}

impl Freshness {
    /// Fetched at `at`, due every `interval_secs`.
    pub fn fetched(at: DateTime<Utc>, interval_secs: u32) -> Self {
        Self {
            fetched_at: Some(at),
            interval_secs,
            last_error: None,
        }
    }

    /// Seconds since the last successful fetch.
    pub fn age_secs(&self, now: DateTime<Utc>) -> Option<i64> {
        self.fetched_at.map(|at| (now - at).num_seconds().max(0))
    }

    /// Older than three intervals (never for parts fetched once), or never fetched because
    /// every attempt failed. A part not fetched yet and not failing is waiting for its turn in
    /// the budget: the panel says "not fetched", and it is not stale.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        self.interval_secs > 0
            && match self.age_secs(now) {
                Some(age) => age > 3 * i64::from(self.interval_secs),
                None => self.last_error.is_some(),
            }
    }
}

/// Freshness of each panel of a deployment.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ViewFreshness {
    /// The deployment record (status).
    pub deployment: Freshness,
    /// The deployment target (hooks, CodeDeploy's recorded weight).
    pub target: Freshness,
    pub alias: Freshness,
    pub alarms: Freshness,
    pub metrics: Freshness,
}

impl ViewFreshness {
    /// Each panel's freshness, named as the bench and the logs name them.
    pub fn parts(&self) -> [(&'static str, &Freshness); 5] {
        [
            ("record", &self.deployment),
            ("target", &self.target),
            ("alias", &self.alias),
            ("alarms", &self.alarms),
            ("metrics", &self.metrics),
        ]
    }
}

impl Picture {
    /// The active deployment `id`, if listed.
    pub fn view(&self, id: &str) -> Option<&DeploymentView> {
        self.regions
            .iter()
            .flat_map(|r| &r.deployments)
            .find(|v| v.deployment.id == id)
    }

    /// Whether any panel is stale at `now` (the header's STALE badge).
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        self.regions.iter().any(|r| {
            r.listing_freshness.is_stale(now)
                || r.deployments
                    .iter()
                    .any(|v| v.freshness.parts().iter().any(|(_, f)| f.is_stale(now)))
        })
    }

    /// Whole and fresh at `taken_at`: every deployment's record, target, alias, alarms and
    /// metrics read, no part stale and no latest read failing (the fault run's recovery).
    pub fn is_whole_and_fresh(&self) -> bool {
        !self.is_stale(self.taken_at)
            && self.failing_reads() == 0
            && self.regions.iter().flat_map(|r| &r.deployments).all(|v| {
                v.freshness
                    .parts()
                    .iter()
                    .all(|(_, f)| f.fetched_at.is_some())
            })
    }

    /// How many panels' latest read failed (their last good data is shown with the error).
    pub fn failing_reads(&self) -> usize {
        self.regions
            .iter()
            .map(|r| {
                usize::from(r.listing_freshness.last_error.is_some())
                    + r.deployments
                        .iter()
                        .flat_map(|v| v.freshness.parts())
                        .filter(|(_, f)| f.last_error.is_some())
                        .count()
            })
            .sum()
    }

    /// Complete when every call worked; nothing when no region could list deployments.
    pub fn completeness(&self) -> Completeness {
        if self.regions.iter().all(|r| r.listing.failure().is_some()) {
            return Completeness::Nothing;
        }
        let region_ok = |r: &RegionPicture| {
            r.listing.failure().is_none()
                && r.recent.failure().is_none()
                && r.deployments.iter().all(view_complete)
        };
        if self.regions.iter().all(region_ok) {
            Completeness::Complete
        } else {
            Completeness::Partial
        }
    }

    /// Every failure in the picture, for a summary on stderr.
    pub fn failures(&self) -> Vec<&Failure> {
        let mut out = Vec::new();
        for region in &self.regions {
            out.extend(region.listing.failure());
            out.extend(region.recent.failure());
            for v in &region.deployments {
                out.extend(v.config.failure());
                out.extend(v.target.failure());
                out.extend(v.appspec.failure());
                out.extend(v.group.failure());
                out.extend(v.alias.failure());
                out.extend(v.alarms.failure());
                out.extend(v.metrics.failure());
            }
        }
        out
    }
}

fn view_complete(v: &DeploymentView) -> bool {
    v.config.failure().is_none()
        && v.target.failure().is_none()
        && v.appspec.failure().is_none()
        && v.group.failure().is_none()
        && v.alias.failure().is_none()
        && v.alarms.failure().is_none()
        && v.metrics.failure().is_none()
}
