//! The refresh schedule of one region: for every datum on screen — the listing, each
//! deployment's record, target and alias, the alarms, the metrics — when it is next due and by
//! when it must be read (its deadline). Calls follow what can have changed: a target is read
//! when the deployment is discovered, when its status changes, around each shift its plan
//! predicts (until the shift is seen), while a hook runs, and otherwise rarely; an alias is read
//! when CodeDeploy's record shows a shift the alias has not been seen to make, a few seconds
//! after a predicted shift nothing has shown yet, and otherwise rarely.
//!
//! [`Schedule::due`] lists what is due; [`order`] sorts it earliest deadline first, the focused
//! deployment first and, among equal deadlines, the deployment served longest ago first, so a
//! budget that cannot serve everything at once serves it in turn and nothing starves. Times are
//! on the service's clock; real-time intervals are stretched by each service's back-off and by
//! the clock's rate (an accelerated sandbox).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::assemble::plan_for;
use super::config::EngineConfig;
use super::messages::{Command, MetricSpan};
use super::pace::Pace;
use super::state::{RegionState, Tracked};
use crate::aws::Service;

pub use super::datum::Datum;
use crate::domain::{Deployment, DeploymentStatus, MetricWindow, ScheduleModel};

/// A datum that is due, and the time by which it should have been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub datum: Datum,
    pub deadline: DateTime<Utc>,
}

/// The back-off of each service of a region.
#[derive(Debug, Clone, Copy, Default)]
pub struct Paces {
    pub codedeploy: Pace,
    pub lambda: Pace,
    pub cloudwatch: Pace,
}

impl Paces {
    /// The pace of `service`.
    pub fn of(&mut self, service: Service) -> &mut Pace {
        match service {
            Service::CodeDeploy => &mut self.codedeploy,
            Service::Lambda => &mut self.lambda,
            Service::CloudWatch => &mut self.cloudwatch,
        }
    }
}

/// What the schedule needs to know about "now".
#[derive(Debug, Clone, Copy)]
pub struct Now<'a> {
    /// The service's clock.
    pub at: DateTime<Utc>,
    /// Service seconds per real second.
    pub rate: f64,
    pub config: &'a EngineConfig,
    pub paces: Paces,
    pub model: ScheduleModel,
    /// Real seconds the Lambda budget needs to read every tracked alias once: no alias is read
    /// more often than that, so the reads asked for never outgrow the budget and every alias
    /// gets its turn (at 100 deployments and 1 GetAlias/s, each alias about every 100 s).
    pub alias_round_secs: f64,
}

impl Now<'_> {
    /// `secs` real seconds on the service's clock, stretched by `pace`.
    fn every(&self, secs: u32, pace: Pace) -> Duration {
        let real = pace.interval(secs, self.at).as_secs_f64() * self.rate.max(1.0);
        Duration::milliseconds((real * 1000.0) as i64)
    }

    /// `secs` real seconds on the service's clock.
    fn secs(&self, secs: u32) -> Duration {
        self.every(secs, Pace::default())
    }

    /// One round of the Lambda budget on the service's clock.
    fn alias_round(&self) -> Duration {
        Duration::milliseconds((self.alias_round_secs * self.rate.max(1.0) * 1000.0) as i64)
    }
}

/// How long after a predicted shift that nothing has shown yet the target is still re-read
/// every `details_secs` (CodeDeploy's steps may drift by a few seconds).
const LATE_SHIFT_WINDOW_SECS: u32 = 60;

/// Metrics are fetched after each service minute closes, but never more often than this.
const METRICS_MIN_GAP_SECS: u32 = 5;

/// Weights closer than this are the same weight.
const SAME_WEIGHT: f64 = 0.000_5;

/// A region's schedule: what was read when, and what is in flight.
#[derive(Debug, Default)]
pub struct Schedule {
    /// When each datum was last dispatched (service clock), successful or not.
    dispatched: HashMap<Datum, DateTime<Utc>>,
    in_flight: HashSet<Datum>,
    /// When a read for each deployment was last dispatched (fairness).
    served: HashMap<(Service, String), DateTime<Utc>>,
    /// Everything read before this is due again (ctrl-r).
    forced_at: Option<DateTime<Utc>>,
    focus: Option<String>,
    span: MetricSpan,
    /// The end of the last metrics window fetched successfully.
    metrics_end: Option<DateTime<Utc>>,
    /// The last metrics read failed (retried at the metrics interval, not every minute close).
    metrics_failed: bool,
    recent_now: bool,
    /// A deployment just ended: read the alarms at once, while an alarm that stopped it is
    /// still in ALARM (at a fast sandbox it may be OK again before the next periodic read).
    alarms_now: bool,
    pending_adopt: Vec<Deployment>,
}

impl Schedule {
    /// A front-end command.
    pub fn command(&mut self, command: &Command, now: DateTime<Utc>) {
        match command {
            Command::RefreshNow => {
                self.forced_at = Some(now);
                self.metrics_end = None;
            }
            Command::Focus(id) => self.focus.clone_from(id),
            Command::MetricWindow(span) => {
                self.span = *span;
                self.metrics_end = None;
            }
        }
    }

    /// The metrics window shown.
    pub fn span(&self) -> MetricSpan {
        self.span
    }

    /// Refresh the finished list at the next opportunity (a deployment just finished: to
    /// show the rollback it caused).
    pub fn refresh_recent_now(&mut self) {
        self.recent_now = true;
    }

    /// Read the alarms at the next opportunity (a deployment just ended: to see the alarm
    /// that stopped it while it is still in ALARM).
    pub fn read_alarms_now(&mut self) {
        self.alarms_now = true;
    }

    /// Finished deployments to adopt at the next opportunity.
    pub fn adopt(&mut self, deployments: Vec<Deployment>) {
        self.pending_adopt = deployments;
    }

    /// Takes the deployments waiting to be adopted.
    pub fn take_adopt(&mut self) -> Vec<Deployment> {
        std::mem::take(&mut self.pending_adopt)
    }

    /// Metrics up to `end` were fetched (or, with None, the read failed).
    pub fn metrics_fetched(&mut self, end: Option<DateTime<Utc>>) {
        match end {
            Some(end) => {
                self.metrics_end = Some(end);
                self.metrics_failed = false;
            }
            None => self.metrics_failed = true,
        }
    }

    /// The metrics just read lack something only now known to be wanted (a latency
    /// threshold): read them again at the soonest.
    pub fn metrics_read_again(&mut self) {
        self.metrics_end = None;
    }

    /// Moves every time taken so far by `by` (they were taken on this machine's clock, and the
    /// service's is now known to differ by that much).
    pub fn shift(&mut self, by: Duration) {
        for at in self.dispatched.values_mut().chain(self.served.values_mut()) {
            *at += by;
        }
        for at in [&mut self.forced_at, &mut self.metrics_end]
            .into_iter()
            .flatten()
        {
            *at += by;
        }
    }

    /// `datums` were sent at `now`.
    pub fn dispatched(&mut self, datums: &[Datum], now: DateTime<Utc>) {
        for datum in datums {
            self.dispatched.insert(datum.clone(), now);
            self.in_flight.insert(datum.clone());
            if let Some(id) = datum.deployment() {
                self.served.insert((datum.service(), id.to_string()), now);
            }
            match datum {
                Datum::Recent => self.recent_now = false,
                Datum::Alarms => self.alarms_now = false,
                _ => {}
            }
        }
    }

    /// The reads of `datums` ended (whatever their outcome).
    pub fn finished(&mut self, datums: &[Datum]) {
        for datum in datums {
            self.in_flight.remove(datum);
        }
    }

    /// Whether `datum` is being read now.
    pub fn in_flight(&self, datum: &Datum) -> bool {
        self.in_flight.contains(datum)
    }

    /// Forgets deployments no longer tracked.
    pub fn retain(&mut self, region: &RegionState) {
        let keep = |d: &Datum| {
            d.deployment()
                .is_none_or(|id| region.tracked.contains_key(id))
        };
        self.dispatched.retain(|d, _| keep(d));
        self.served
            .retain(|(_, id), _| region.tracked.contains_key(id));
    }

    /// When `datum` was last dispatched, unless a refresh was forced since.
    pub fn last(&self, datum: &Datum) -> Option<DateTime<Utc>> {
        self.dispatched
            .get(datum)
            .copied()
            .filter(|at| self.forced_at.is_none_or(|forced| *at >= forced))
    }

    /// Every datum due at `now` that is not in flight.
    pub fn due(&self, region: &RegionState, now: &Now<'_>) -> Vec<Due> {
        self.due_by(region, now, now.at)
    }

    /// Every datum there is to read that is not in flight, due or not (read once).
    pub fn readable(&self, region: &RegionState, now: &Now<'_>) -> Vec<Due> {
        self.due_by(region, now, DateTime::<Utc>::MAX_UTC)
    }

    /// Every datum due by `horizon` that is not in flight.
    fn due_by(&self, region: &RegionState, now: &Now<'_>, horizon: DateTime<Utc>) -> Vec<Due> {
        let config = now.config;
        let mut out = Vec::new();
        let mut push = |datum: Datum, due: Option<(DateTime<Utc>, DateTime<Utc>)>| {
            if let Some((at, deadline)) = due {
                if at <= horizon && !self.in_flight.contains(&datum) {
                    out.push(Due { datum, deadline });
                }
            }
        };
        let cd = now.paces.codedeploy;
        push(
            Datum::Listing,
            Some(self.periodic(&Datum::Listing, now.every(config.discovery_secs, cd), now)),
        );
        let recent = if self.recent_now {
            Some((now.at, now.at))
        } else {
            Some(self.periodic(&Datum::Recent, now.every(config.recent_secs, cd), now))
        };
        push(Datum::Recent, recent);
        if !self.pending_adopt.is_empty() {
            push(Datum::Adopt, Some((now.at, now.at)));
        }
        for (id, t) in &region.tracked {
            let record = Datum::Record(id.clone());
            let every = if t.deployment().status.is_active() {
                now.every(config.details_secs, cd)
            } else {
                now.every(config.recent_secs, cd)
            };
            let adopted_at = t
                .freshness
                .deployment
                .fetched_at
                .filter(|at| self.forced_at.is_none_or(|forced| *at >= forced));
            let last = self.last(&record).or(adopted_at);
            let due = last.map_or((now.at, now.at), |l| (l + every, l + every));
            push(record, Some(due));
            push(
                Datum::Target(id.clone()),
                target_due(t, self.last(&Datum::Target(id.clone())), now),
            );
            push(
                Datum::Alias(id.clone()),
                alias_due(t, self.last(&Datum::Alias(id.clone())), now),
            );
        }
        if !alarm_names(region).is_empty() {
            let every = now.every(config.alarms_secs, now.paces.cloudwatch);
            let due = if self.alarms_now {
                (now.at, now.at)
            } else {
                self.periodic(&Datum::Alarms, every, now)
            };
            push(Datum::Alarms, Some(due));
        }
        let splits = region.scan.splits().next().is_some();
        if splits || region.tracked.values().any(|t| t.subject().is_some()) {
            push(Datum::Metrics, Some(self.metrics_due(now)));
        }
        for (function, alias) in &config.watched_aliases {
            let datum = Datum::Watched(format!("{function}:{alias}"));
            let every = now.every(config.alias_idle_secs, now.paces.lambda);
            let due = self.periodic(&datum, every, now);
            push(datum, Some(due));
        }
        // The scan for split aliases takes what the Lambda budget leaves: it is due only while
        // no rollout's alias is (nor in flight), and at most at half the rate the rollouts'
        // idle alias reads leave spare (never when they use it all, as at 100 deployments).
        let lambda_busy = out.iter().any(|d| d.datum.service() == Service::Lambda)
            || self.in_flight.iter().any(|d| matches!(d, Datum::Alias(_)));
        let used = now.alias_round_secs / f64::from(config.alias_idle_secs.max(1));
        let spare = f64::from(config.lambda_per_sec.max(1)) * (1.0 - used);
        if config.alias_scan_secs > 0 && !lambda_busy && spare > 0.0 {
            let secs = f64::from(config.alias_scan_secs).max(2.0 / spare).round() as u32;
            let every = now.every(secs, now.paces.lambda);
            let due = self.last(&Datum::Scan).map_or(now.at, |l| l + every);
            if due <= horizon && !self.in_flight.contains(&Datum::Scan) {
                out.push(Due {
                    datum: Datum::Scan,
                    deadline: due + every,
                });
            }
        }
        out
    }

    /// Due one `every` after the last read (now when never read).
    fn periodic(
        &self,
        datum: &Datum,
        every: Duration,
        now: &Now<'_>,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        self.last(datum)
            .map_or((now.at, now.at), |l| (l + every, l + every))
    }

    fn metrics_due(&self, now: &Now<'_>) -> (DateTime<Utc>, DateTime<Utc>) {
        let config = now.config;
        let Some(last) = self.last(&Datum::Metrics) else {
            return (now.at, now.at);
        };
        let window = MetricWindow::last_minutes(now.at, self.span.minutes());
        let minute_closed = self.metrics_end.is_none_or(|end| window.end > end);
        let soonest = last + now.every(METRICS_MIN_GAP_SECS, now.paces.cloudwatch);
        let latest = last + now.every(config.metrics_secs, now.paces.cloudwatch);
        if !self.metrics_failed && (self.metrics_end.is_none() || minute_closed) {
            (soonest, soonest)
        } else {
            (latest, latest)
        }
    }
}

/// When a deployment's target is due: at once when never read or when the deployment's
/// status changed since; every `details_secs` while a hook runs or traffic has not started;
/// `alias_after_step_secs` after each predicted shift not seen yet (then every
/// `details_secs` for a minute, as steps drift); otherwise every `targets_idle_secs`.
fn target_due(
    t: &Tracked,
    last: Option<DateTime<Utc>>,
    now: &Now<'_>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let config = now.config;
    let d = t.deployment();
    if matches!(
        d.status,
        DeploymentStatus::Created | DeploymentStatus::Queued
    ) {
        return None; // CodeDeploy creates the target when it starts the deployment.
    }
    let Some(last) = last else {
        return Some((now.at, now.at));
    };
    let details = now.every(config.details_secs, now.paces.codedeploy);
    let Some(read) = &t.target_read else {
        // Never read successfully: try again.
        return Some((last + details, last + details));
    };
    if read.status != d.status {
        // At once, unless a read since then failed: then at the normal retry pace.
        let at = if last <= read.at {
            now.at
        } else {
            last + details
        };
        return Some((at, at));
    }
    if !d.status.is_active() {
        return None; // A finished deployment's target no longer changes.
    }
    if let Some(alias_at) = t.witnesses.record_to_confirm() {
        // The alias contradicts the record read before it: read the record again, once
        // CodeDeploy has had time to record a shift, to tell a shift from a hand change.
        let retry = if last > alias_at {
            last + details
        } else {
            last
        };
        let at = (alias_at + now.model.record_lag()).max(retry);
        return Some((at, at + details));
    }
    let target = t.last_target();
    let hook_running = target.is_some_and(|t| t.running_hook().is_some());
    let plan = plan_for(d, &t.adopted.config, target, now.model);
    if hook_running || plan.is_none() {
        return Some((last + details, last + details));
    }
    let idle = now.every(config.targets_idle_secs, now.paces.codedeploy);
    let mut next = (last + idle, last + idle + idle);
    if let Some(plan) = &plan {
        // The record's own weight: after the last shift it also shows the hook that
        // follows, even when the alias was seen to move first.
        let observed = read.recorded_weight.unwrap_or(0.0);
        for step in plan
            .steps
            .iter()
            .filter(|s| s.weight > observed + SAME_WEIGHT)
        {
            let after = config
                .alias_after_step_secs
                .iter()
                .map(|s| step.at + now.secs(*s))
                .find(|at| *at > last);
            let late = (now.at < step.at + now.secs(LATE_SHIFT_WINDOW_SECS) && step.at <= last)
                .then_some(last + details);
            if let Some(at) = after.or(late).filter(|at| *at < next.0) {
                next = (at, at);
            }
        }
    }
    Some(next)
}

/// When a deployment's alias is due: at once when never read; when CodeDeploy's record,
/// read after the alias, shows another weight (deadline `alias_confirm_secs` later);
/// `alias_after_step_secs` after a predicted shift nothing has shown yet (from the second
/// offset on: the record is read first); otherwise every `alias_idle_secs` (twice that for
/// a finished deployment left split).
fn alias_due(
    t: &Tracked,
    last: Option<DateTime<Utc>>,
    now: &Now<'_>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let config = now.config;
    t.subject()?;
    let Some(last) = last else {
        return Some((now.at, now.at));
    };
    let lambda = now.paces.lambda;
    let turn = last + now.alias_round();
    let idle = now
        .every(config.alias_idle_secs, lambda)
        .max(now.alias_round());
    let d = t.deployment();
    if !d.status.is_active() {
        let every = idle + idle;
        return Some((last + every, last + every + every));
    }
    let mut next = (last + idle, last + idle + idle);
    if let Some(read) = t.target_read.as_ref().filter(|r| r.at > last) {
        let differs = match (read.recorded_weight, t.alias_weight()) {
            (Some(record), Some(alias)) => (record - alias).abs() > SAME_WEIGHT,
            (Some(_), None) => true,
            _ => false,
        };
        if differs {
            let at = read.at.max(turn);
            return Some((at, at + now.every(config.alias_confirm_secs, lambda)));
        }
    }
    if t.alias_error.is_some() {
        let retry = (last + now.every(config.details_secs, lambda)).max(turn);
        next = (retry, retry + idle);
    }
    let plan = plan_for(d, &t.adopted.config, t.last_target(), now.model);
    if let Some(plan) = &plan {
        let observed = t.observed_weight().unwrap_or(0.0);
        for step in plan
            .steps
            .iter()
            .filter(|s| s.weight > observed + SAME_WEIGHT)
        {
            let after = config
                .alias_after_step_secs
                .iter()
                .skip(1)
                .map(|s| step.at + now.secs(*s))
                .find(|at| *at > last)
                .map(|at| at.max(turn));
            if let Some(at) = after.filter(|at| *at < next.0) {
                next = (at, at);
            }
        }
    }
    Some(next)
}

/// The interval each alias is held to now: `alias_idle_secs`, or one round of the Lambda budget
/// when the fleet is too big for that (real seconds).
pub fn alias_interval(config: &EngineConfig, alias_round_secs: f64) -> u32 {
    config.alias_idle_secs.max(alias_round_secs.ceil() as u32)
}

/// How often a deployment's target is held to be read now (its freshness): every
/// `details_secs` while a hook runs or traffic has not started, else `targets_idle_secs`
/// (around each predicted shift it is read at once anyway).
pub fn target_interval(t: &Tracked, config: &EngineConfig, model: ScheduleModel) -> u32 {
    let target = t.last_target();
    let waiting = target.is_none_or(|t| t.running_hook().is_some())
        || plan_for(t.deployment(), &t.adopted.config, target, model).is_none();
    if !t.deployment().status.is_active() {
        0 // read once after it finished: it no longer changes
    } else if waiting {
        config.details_secs
    } else {
        config.targets_idle_secs
    }
}

/// Sorts `due` for a budget: the focused deployment first, then earliest deadline first, then
/// the deployment served longest ago first (fair turns when deadlines are equal).
pub fn order(due: &mut [Due], schedule: &Schedule) {
    let focus = schedule.focus.as_deref();
    due.sort_by(|a, b| {
        let key = |d: &Due| {
            let id = d.datum.deployment();
            (
                id.is_none_or(|id| Some(id) != focus),
                d.deadline,
                id.and_then(|id| {
                    schedule
                        .served
                        .get(&(d.datum.service(), id.to_string()))
                        .copied()
                }),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.datum.cmp(&b.datum))
    });
}

/// Every alarm name of every tracked deployment's group, sorted, once.
pub fn alarm_names(region: &RegionState) -> Vec<String> {
    let mut names: Vec<String> = region
        .tracked
        .values()
        .filter_map(|t| t.adopted.group.value())
        .flat_map(|g| g.alarm_names.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests;
