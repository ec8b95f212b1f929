//! The live engine: one task owns all AWS IO and the clock. Every wake it asks each region's
//! [`Schedule`] what is due, orders it earliest deadline first (fair across deployments), and
//! starts as many reads as each service's budget grants now — records batched 25 to a call,
//! one target or alias read per deployment, alarms and metrics batched for the whole region.
//! The rest waits for the next wake, in order, so a budget that cannot serve everything serves
//! it in turn and the picture degrades evenly. Failures keep the last good data; throttling
//! backs the service off (AIMD). Owned [`Update`]s go to the front end over a channel (no lock
//! shared with drawing); front ends steer it with [`Command`]s.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::join_all;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::assemble::{Rules, split_view};
use super::config::EngineConfig;
use super::messages::{Command, MetricSpan, Update};
use super::schedule::{
    Datum, Due, Now, Paces, Schedule, alarm_names, alias_interval, order, target_interval,
};
use super::state::{Intervals, RegionState, Tracked, throttled};
use super::tasks::{Outcome, Task, run, scan};
use crate::aws::{DeploymentReader, Service, metric_calls};
use crate::domain::{
    ClockReading, ClockSource, Failure, FailureKind, MetricWindow, MetricsRequest, Picture,
    WarningHold, fold_canary_warnings, verdict_minutes,
};

/// The running engine: its updates, its command inbox, and how to stop it.
pub struct EngineHandle {
    pub updates: mpsc::Receiver<Update>,
    pub commands: mpsc::Sender<Command>,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl EngineHandle {
    /// Stops the engine (in-flight calls are dropped) and waits for it.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        let _ = self.task.await;
    }
}

/// Real seconds a warning stays up after its cause is gone (only clearing waits, never
/// raising): a cause that comes and goes does not make the banner flap.
pub const WARNING_HOLD_SECS: f64 = 20.0;

/// How often the engine wakes to see what is due (fast enough for an accelerated sandbox).
const WAKE: Duration = Duration::from_millis(250);

/// At most one picture per this long: many reads ending together make one picture.
const PICTURE_GAP: Duration = Duration::from_millis(100);

/// BatchGetDeployments: ids per call.
const RECORDS_PER_CALL: usize = crate::aws::BATCH_LIMIT;

/// DescribeAlarms: names per call.
const ALARMS_PER_CALL: usize = 100;

/// Starts the engine over `readers` (one per region).
/// Views are assembled and judged with `rules`.
pub fn spawn<R: DeploymentReader>(
    readers: Vec<R>,
    config: EngineConfig,
    rules: Rules,
) -> EngineHandle {
    let (update_tx, updates) = mpsc::channel(4);
    let (commands, command_rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let readers = readers.into_iter().map(Arc::new).collect();
    let engine = Engine::new(readers, config, rules, Reads::Live);
    let task = tokio::spawn(engine.run(update_tx, command_rx, cancel.clone()));
    EngineHandle {
        updates,
        commands,
        cancel,
        task,
    }
}

/// Everything on screen read once across `readers` (one per region), with the live engine's
/// reads and rounds: one complete picture for `snapshot` and `act`. Each datum is read once
/// (the metrics twice when the first read decides the verdict's latency threshold).
/// CodeDeploy's and CloudWatch's calls wait for their budgets; aliases the Lambda budget does
/// not grant during the pass are left unread and say so. The picture's refresh intervals are
/// 0: nothing refreshes it.
pub async fn read_once<R: DeploymentReader>(
    readers: &[Arc<R>],
    config: EngineConfig,
    rules: Rules,
    span: MetricSpan,
    scan_aliases: bool,
) -> Picture {
    let mut engine = Engine::new(readers.to_vec(), config, rules, Reads::Once);
    for region in &mut engine.regions {
        let (now, _) = region.now();
        region.schedule.command(&Command::MetricWindow(span), now);
    }
    loop {
        for i in 0..engine.regions.len() {
            engine.dispatch(i);
        }
        match engine.tasks.join_next_with_id().await {
            Some(joined) => engine.joined(joined),
            None => break,
        }
    }
    if scan_aliases {
        join_all(engine.regions.iter_mut().map(Region::scan_once)).await;
    }
    let clock = engine.clock();
    engine.picture(&clock)
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

/// How the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    /// On and on, each datum when due, each service within its budget now.
    Live,
    /// Each datum once (see [`read_once`]).
    Once,
}

/// One region: its reader, what is known, what is due, and each service's back-off.
struct Region<R> {
    reader: Arc<R>,
    state: RegionState,
    schedule: Schedule,
    paces: Paces,
    /// The datums sent so far, when each is read once ([`Reads::Once`]).
    sent: Option<HashSet<Datum>>,
    /// The schedule's times are this machine's clock's: no response has carried the service's.
    on_local_clock: bool,
}

impl<R: DeploymentReader> Region<R> {
    /// The scan for split aliases with what the Lambda budget holds now, without waiting for
    /// more: a small account entirely, a larger one as far as the budget goes (the picture's
    /// `alias_scan` says how far).
    async fn scan_once(&mut self) {
        while !self.state.scan.pass_done() && self.reader.reserve(Service::Lambda, 1) == 1 {
            let step = self.state.scan.next_step();
            let result = scan(self.reader.as_ref(), &step).await;
            let now = self.reader.clock().now;
            self.state.scan.read(&step, result, now);
        }
    }

    /// Moves the times the schedule took from this machine's clock onto the service's, once a
    /// response has carried it. Left on the local clock they hold the next reads back (or
    /// hurry them) by the skew: against the `calm` sandbox, 47 s behind, the listing stayed
    /// STALE for its first minute.
    fn onto_service_clock(&mut self) {
        let clock = self.reader.clock();
        let local = clock.source == ClockSource::Local;
        if self.on_local_clock && !local {
            self.schedule.shift(clock.now - Utc::now());
        }
        self.on_local_clock = local;
    }

    /// "Now" on the service's clock (this machine's until a response carried the service's).
    fn now(&self) -> (DateTime<Utc>, f64) {
        let clock = self.reader.clock();
        let at = if clock.source == ClockSource::Service {
            clock.now
        } else {
            Utc::now()
        };
        (at, clock.rate)
    }
}

/// A read to start: the datums it refreshes, the task, and the tokens it needs.
struct Call {
    datums: Vec<Datum>,
    task: Task,
    tokens: usize,
}

/// What a read task returns: its region, the datums it read, and the outcome.
type Read = (usize, Vec<Datum>, Outcome);

struct Engine<R> {
    regions: Vec<Region<R>>,
    config: EngineConfig,
    tasks: JoinSet<Read>,
    /// What each running task reads, so a task that panics frees its datums.
    running: HashMap<tokio::task::Id, (usize, Vec<Datum>)>,
    rules: Rules,
    /// Warnings stay up a little after their cause is gone (the banner does not flap).
    hold: WarningHold,
}

impl<R: DeploymentReader> Engine<R> {
    fn new(readers: Vec<Arc<R>>, config: EngineConfig, rules: Rules, reads: Reads) -> Self {
        let intervals = Intervals {
            discovery: config.discovery_secs,
            details: config.details_secs,
            recent: config.recent_secs,
            alias: config.alias_idle_secs,
            alarms: config.alarms_secs,
            metrics: config.metrics_secs,
        };
        let regions = readers
            .into_iter()
            .map(|reader| Region {
                state: RegionState::new(reader.region(), intervals),
                reader,
                schedule: Schedule::default(),
                paces: Paces::default(),
                sent: (reads == Reads::Once).then(HashSet::new),
                on_local_clock: false,
            })
            .collect();
        Self {
            regions,
            config,
            tasks: JoinSet::new(),
            running: HashMap::new(),
            rules,
            hold: WarningHold::default(),
        }
    }

    async fn run(
        mut self,
        updates: mpsc::Sender<Update>,
        mut commands: mpsc::Receiver<Command>,
        cancel: CancellationToken,
    ) {
        let mut dirty = true;
        let mut sent_at: Option<Instant> = None;
        loop {
            for i in 0..self.regions.len() {
                self.dispatch(i);
            }
            let gap_over = sent_at.is_none_or(|at| at.elapsed() >= PICTURE_GAP);
            if dirty && gap_over {
                match updates.try_send(self.update()) {
                    Ok(()) => {
                        dirty = self.pictured();
                        sent_at = Some(Instant::now());
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return,
                    Err(mpsc::error::TrySendError::Full(_)) => {}
                }
            }
            let wake = if dirty { PICTURE_GAP } else { WAKE };
            tokio::select! {
                () = cancel.cancelled() => return,
                command = commands.recv() => match command {
                    None => return,
                    Some(command) => self.command(&command),
                },
                Some(joined) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                    self.joined(joined);
                    dirty = true;
                },
                () = tokio::time::sleep(wake) => {}
            }
        }
    }

    /// A read task ended: apply its outcome, or free its datums if it panicked (they are read
    /// again at their next turn, never left "in flight" for good).
    fn joined(&mut self, joined: Result<(tokio::task::Id, Read), tokio::task::JoinError>) {
        match joined {
            Ok((id, (region, datums, outcome))) => {
                self.running.remove(&id);
                self.apply(region, &datums, outcome);
            }
            Err(error) => {
                if let Some((region, datums)) = self.running.remove(&error.id()) {
                    tracing::error!(?datums, %error, "a read task failed; its data is read again at its next turn");
                    let region = &mut self.regions[region];
                    region.schedule.finished(&datums);
                    let failure = Failure::new(
                        FailureKind::Other,
                        "rollwatch",
                        "engine",
                        format!("this read failed inside rollwatch ({error}); it is retried"),
                        None,
                    );
                    let now = region.reader.clock().now;
                    for datum in &datums {
                        region.state.read_failed(datum, &failure, now);
                    }
                }
            }
        }
    }

    /// A picture was delivered: deployments held for it move on. Returns whether the state
    /// changed (another picture is due).
    fn pictured(&mut self) -> bool {
        let mut changed = false;
        for region in &mut self.regions {
            if region.state.pictured() {
                changed = true;
                if region.state.take_finished() {
                    region.schedule.refresh_recent_now();
                }
            }
        }
        changed
    }

    fn clock(&self) -> ClockReading {
        service_clock(self.regions.iter().map(|r| r.reader.clock()))
    }

    fn update(&mut self) -> Update {
        let clock = self.clock();
        let picture = self.picture(&clock);
        Update::Picture {
            picture: Box::new(picture),
            clock,
        }
    }

    /// The picture now: each region's state assembled, its warnings held (live) and folded.
    fn picture(&mut self, clock: &ClockReading) -> Picture {
        let once = self.regions.iter().any(|r| r.sent.is_some());
        let mut regions: Vec<_> = self
            .regions
            .iter()
            .map(|r| {
                let shown = r.schedule.span().shown();
                let mut picture = r.state.picture(clock.now, &self.rules, shown);
                picture.owner = r.reader.owner();
                picture
            })
            .collect();
        // Intervals are real seconds; freshness is judged on the service's clock, which runs
        // faster against an accelerated sandbox. Until that rate is known nothing is judged
        // stale: a guessed rate would mark fresh reads STALE.
        // A picture read once is never refreshed: its intervals are 0.
        let rate = (clock.rate_known && !once).then_some(clock.rate);
        for (region, of) in regions.iter_mut().zip(&self.regions) {
            scale_intervals(region, rate);
            if !once {
                confirmed_splits_only(region);
                // Each split no deployment owns is a row of its own beside the deployments,
                // with its weights, per-version metrics and verdict, its timeline and O/N.
                let shown = of.schedule.span().shown();
                let rows: Vec<_> = region
                    .splits
                    .iter()
                    .map(|s| {
                        let metrics = of.state.split_metrics.get(&s.id).cloned();
                        split_view(s, metrics, &self.rules, shown, clock.now)
                    })
                    .collect();
                region.deployments.extend(rows);
            }
        }
        if !once {
            let hold = chrono::Duration::milliseconds(
                (WARNING_HOLD_SECS * clock.rate.max(1.0) * 1000.0) as i64,
            );
            self.hold.apply(
                regions.iter_mut().flat_map(|r| &mut r.deployments),
                clock.now,
                hold,
            );
        }
        // Folded after the hold, so that a held warning of a canary past its first minutes
        // joins the one line instead of standing beside it.
        fold_canary_warnings(regions.iter_mut().flat_map(|r| &mut r.deployments));
        Picture {
            schema_version: crate::domain::PICTURE_SCHEMA,
            taken_at: clock.now,
            clock: clock.source,
            regions,
        }
    }

    fn command(&mut self, command: &Command) {
        for region in &mut self.regions {
            let (now, _) = region.now();
            region.schedule.command(command, now);
        }
    }

    /// Starts, in order, every due read of region `i` its budgets grant now.
    fn dispatch(&mut self, i: usize) {
        let region = &mut self.regions[i];
        region.onto_service_clock();
        let (at, rate) = region.now();
        let now = Now {
            at,
            rate,
            config: &self.config,
            paces: region.paces,
            model: self.rules.schedule,
            alias_round_secs: alias_round_secs(region),
        };
        let mut due = match &region.sent {
            None => region.schedule.due(&region.state, &now),
            // Read once: everything there is to read, now, except what was sent (records
            // come with the listings).
            Some(sent) => {
                let mut all = region.schedule.readable(&region.state, &now);
                all.retain(|d| !sent.contains(&d.datum) && !matches!(d.datum, Datum::Record(_)));
                all
            }
        };
        if due.is_empty() {
            return;
        }
        order(&mut due, &region.schedule);
        for service in [Service::CodeDeploy, Service::Lambda, Service::CloudWatch] {
            let of_service: Vec<&Due> = due
                .iter()
                .filter(|d| d.datum.service() == service)
                .collect();
            if of_service.is_empty() {
                continue;
            }
            for mut call in calls(region, &of_service, at, &self.rules.verdict) {
                // Read once, only the Lambda budget (shared with CodeDeploy's own alias
                // updates) is asked first; the other calls wait for theirs.
                let asks = region.sent.is_none() || service == Service::Lambda;
                if asks && region.reader.reserve(service, call.tokens) == 0 {
                    break; // the rest waits for the budget, in order
                }
                if let Some(sent) = &mut region.sent {
                    sent.extend(call.datums.iter().cloned());
                }
                if let Task::Adopt(list) = &mut call.task {
                    // Taken only once the call can go (else they wait for the next turn).
                    *list = region.schedule.take_adopt();
                }
                tracing::trace!(datums = ?call.datums, %at, "dispatched");
                region.schedule.dispatched(&call.datums, at);
                let reader = Arc::clone(&region.reader);
                let datums = call.datums.clone();
                let handle = self
                    .tasks
                    .spawn(async move { (i, datums, run(reader, call.task).await) });
                self.running.insert(handle.id(), (i, call.datums));
            }
        }
    }

    fn apply(&mut self, i: usize, datums: &[Datum], outcome: Outcome) {
        let region = &mut self.regions[i];
        tracing::trace!(?datums, "answered");
        region.schedule.finished(datums);
        let now = region.reader.clock().now;
        if let Some(service) = datums.first().map(Datum::service) {
            let pace = region.paces.of(service);
            if throttled(outcome.failures().into_iter()) {
                pace.throttled(now);
            } else {
                pace.answered(now);
            }
        }
        let alias_held = alias_interval(&self.config, alias_round_secs(region));
        let state = &mut region.state;
        match outcome {
            Outcome::Discovered {
                active,
                adopted,
                others,
            } => match (active, adopted) {
                (Ok(ids), Ok(adopted)) => state.discovered(&ids, adopted, others, now),
                (Ok(ids), Err(_)) => state.discovered(&ids, Vec::new(), others, now),
                (Err(failure), _) => state.listing_failed(failure),
            },
            Outcome::Records { ids, result } => {
                state.records(&ids, result, now);
                if state.take_ended() {
                    region.schedule.read_alarms_now();
                }
                if state.take_finished() {
                    region.schedule.refresh_recent_now();
                }
            }
            Outcome::Target { id, status, result } => {
                state.target(&id, &status, result, now);
                // The interval it is held to now depends on what was just read (a hook running,
                // traffic started).
                if let Some(t) = state.tracked.get_mut(&id) {
                    t.freshness.target.interval_secs =
                        target_interval(t, &self.config, self.rules.schedule);
                }
            }
            Outcome::Recent { result, others } => {
                state.recent(result, others);
                let adopt = state.to_adopt();
                if !adopt.is_empty() {
                    region.schedule.adopt(adopt);
                }
            }
            Outcome::Adopted(adopted) => state.adopt(adopted, now),
            Outcome::Alias { id, result } => state.alias(&id, result, now, alias_held),
            Outcome::Alarms(result) => state.alarms(result, now),
            Outcome::Scan { step, result } => state.scan.read(&step, result, now),
            Outcome::Watched(result) => state.scan.read_watched(result, now),
            Outcome::Metrics { window, result } => {
                region
                    .schedule
                    .metrics_fetched(result.is_ok().then_some(window.end));
                if state.metrics(result, now, self.rules.verdict.enabled) {
                    region.schedule.metrics_read_again();
                    if let Some(sent) = &mut region.sent {
                        sent.remove(&Datum::Metrics);
                    }
                }
            }
        }
        region.schedule.retain(&region.state);
    }
}

/// Real seconds the region's Lambda budget needs to read every tracked alias once.
fn alias_round_secs<R: DeploymentReader>(region: &Region<R>) -> f64 {
    let aliases = region
        .state
        .tracked
        .values()
        .filter(|t| t.subject().is_some())
        .count();
    aliases as f64 / f64::from(region.reader.rate(Service::Lambda).per_sec.max(1))
}

/// The calls that serve `due` (all of one service, in priority order): records batched 25 to
/// a call (topped up with the records read longest ago, which costs nothing more), one call
/// per target or alias, one task for the listing, the finished list, alarms and metrics.
fn calls<R: DeploymentReader>(
    region: &mut Region<R>,
    due: &[&Due],
    now: DateTime<Utc>,
    verdict: &crate::domain::VerdictConfig,
) -> Vec<Call> {
    let state = &region.state;
    let mut out = Vec::new();
    let mut records_batched = false;
    for item in due {
        let call =
            match &item.datum {
                Datum::Listing => Some(Call {
                    datums: vec![Datum::Listing],
                    task: Task::Discover {
                        known: state
                            .tracked
                            .keys()
                            .cloned()
                            .chain(state.known_finished().into_iter().map(|d| d.id))
                            .chain(state.others_active.iter().cloned())
                            .chain(state.others_finished.iter().cloned())
                            .collect(),
                        // A margin over the last listing's time: the two clocks may differ a little.
                        since: state
                            .listing_freshness
                            .fetched_at
                            .map(|t| t - chrono::Duration::seconds(60)),
                    },
                    tokens: 1,
                }),
                Datum::Recent => Some(Call {
                    datums: vec![Datum::Recent],
                    task: Task::Recent {
                        since: now - chrono::Duration::hours(24),
                        known: state.known_finished(),
                        others: state.others_finished.clone(),
                    },
                    tokens: 1,
                }),
                Datum::Adopt => Some(Call {
                    datums: vec![Datum::Adopt],
                    task: Task::Adopt(Vec::new()),
                    tokens: 1,
                }),
                Datum::Record(_) if records_batched => None,
                Datum::Record(_) => {
                    records_batched = true;
                    out.extend(record_calls(region, due));
                    None
                }
                Datum::Target(id) => state.tracked.get(id).map(|t| Call {
                    datums: vec![item.datum.clone()],
                    task: Task::Target {
                        id: id.clone(),
                        target_id: t.target_id(),
                        status: t.deployment().status.clone(),
                    },
                    tokens: 1,
                }),
                Datum::Alias(id) => state.tracked.get(id).and_then(Tracked::subject).map(
                    |(function, alias, _, _)| Call {
                        datums: vec![item.datum.clone()],
                        task: Task::Alias {
                            id: id.clone(),
                            function,
                            alias,
                        },
                        tokens: 1,
                    },
                ),
                Datum::Watched(id) => id.split_once(':').map(|(function, alias)| Call {
                    datums: vec![item.datum.clone()],
                    task: Task::Watched {
                        function: function.to_string(),
                        alias: alias.to_string(),
                    },
                    tokens: 1,
                }),
                Datum::Scan => Some(Call {
                    datums: vec![Datum::Scan],
                    task: Task::Scan(state.scan.next_step()),
                    tokens: 1,
                }),
                Datum::Alarms => {
                    let names = alarm_names(state);
                    Some(Call {
                        datums: vec![Datum::Alarms],
                        tokens: names.len().div_ceil(ALARMS_PER_CALL).max(1),
                        task: Task::Alarms(names),
                    })
                }
                Datum::Metrics => {
                    let requests = metric_requests(state, verdict);
                    let window = metrics_window(state, &region.schedule, verdict, now);
                    let minutes = window.minutes().count();
                    let calls = metric_calls(requests.iter().map(|(_, r)| r), minutes);
                    Some(Call {
                        datums: vec![Datum::Metrics],
                        tokens: calls.max(1),
                        task: Task::Metrics { window, requests },
                    })
                }
            };
        out.extend(call);
    }
    out
}

/// BatchGetDeployments calls for every due record, in order, each topped up to 25 ids with
/// other tracked records not in flight (read longest ago first).
fn record_calls<R: DeploymentReader>(region: &Region<R>, due: &[&Due]) -> Vec<Call> {
    let mut wanted: Vec<String> = due
        .iter()
        .filter_map(|d| match &d.datum {
            Datum::Record(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let mut riders: Vec<(Option<DateTime<Utc>>, String)> = region
        .state
        .tracked
        .keys()
        .filter(|id| !wanted.contains(id))
        .map(|id| Datum::Record(id.clone()))
        .filter(|d| !region.schedule.in_flight(d))
        .map(|d| {
            let at = region.schedule.last(&d);
            (at, d.deployment().unwrap_or_default().to_string())
        })
        .collect();
    riders.sort();
    let riders = riders.into_iter().map(|(_, id)| id);
    let room = wanted.len().div_ceil(RECORDS_PER_CALL) * RECORDS_PER_CALL - wanted.len();
    wanted.extend(riders.into_iter().take(room));
    wanted
        .chunks(RECORDS_PER_CALL)
        .map(|ids| Call {
            datums: ids.iter().cloned().map(Datum::Record).collect(),
            task: Task::Records(ids.to_vec()),
            tokens: 1,
        })
        .collect()
}

/// The minutes of per-version metrics to fetch: the window shown, and while the verdict is on
/// every minute of every tracked deployment (see [`verdict_minutes`]).
fn metrics_window(
    state: &RegionState,
    schedule: &Schedule,
    verdict: &crate::domain::VerdictConfig,
    now: DateTime<Utc>,
) -> MetricWindow {
    let shown = schedule.span().minutes();
    let minutes = if verdict.enabled {
        let watched = state
            .tracked
            .values()
            .filter(|t| t.subject().is_some())
            .map(Tracked::deployment);
        verdict_minutes(shown, watched, now)
    } else {
        shown
    };
    MetricWindow::last_minutes(now, minutes)
}

/// A metrics request for every tracked deployment whose versions are known, with the
/// business metrics of its function and the latency threshold while the verdict is on.
fn metric_requests(
    state: &RegionState,
    verdict: &crate::domain::VerdictConfig,
) -> Vec<(String, MetricsRequest)> {
    let business = |function: &str| {
        if verdict.enabled {
            verdict.business_for(function)
        } else {
            Vec::new()
        }
    };
    let deployments = state.tracked.iter().filter_map(|(id, t)| {
        let (function, alias, current, target) = t.subject()?;
        Some((
            id.clone(),
            MetricsRequest {
                business: business(&function),
                function,
                alias,
                versions: vec![current, target],
                slow_above_ms: t.slow_threshold.ms().filter(|_| verdict.enabled),
            },
        ))
    });
    // Each split outside any deployment, its primary version against the one taking part of
    // the traffic (p99 by the rank test: no threshold is decided for it).
    let splits = state.unowned_splits().into_iter().map(|split| {
        let w = &split.weights;
        let request = MetricsRequest {
            business: business(&w.function),
            function: w.function.clone(),
            alias: w.alias.clone(),
            versions: vec![w.primary_version.clone(), split.new_version().0.to_string()],
            slow_above_ms: None,
        };
        (split.id, request)
    });
    deployments.chain(splits).collect()
}

/// Keeps the splits a listing of deployments taken after their first sighting has not
/// claimed: a deployment that just started splits its alias before rollwatch lists and adopts
/// it, and the scan may read that alias first. Read once, the listing came first and
/// every deployment it found is adopted: nothing to wait for.
fn confirmed_splits_only(region: &mut crate::domain::RegionPicture) {
    let listed_at = region.listing_freshness.fetched_at;
    region
        .splits
        .retain(|s| listed_at.is_some_and(|listed| listed > s.first_seen));
}

/// Turns `region`'s refresh intervals from real seconds into the service clock's (`rate`), or
/// holds its parts to none while the rate is unknown.
fn scale_intervals(region: &mut crate::domain::RegionPicture, rate: Option<f64>) {
    let scale = |f: &mut crate::domain::Freshness| {
        f.interval_secs = match rate {
            Some(rate) => (f64::from(f.interval_secs) * rate.max(1.0)).round() as u32,
            None => 0,
        };
    };
    scale(&mut region.listing_freshness);
    for view in &mut region.deployments {
        let f = &mut view.freshness;
        for part in [
            &mut f.deployment,
            &mut f.target,
            &mut f.alias,
            &mut f.alarms,
            &mut f.metrics,
        ] {
            scale(part);
        }
    }
}

#[cfg(test)]
mod tests;
