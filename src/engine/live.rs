//! The live engine: one task owns all AWS IO and the clock. It schedules the refresh plan —
//! discovery ~15 s, details and targets ~5 s, recently finished ~60 s, alarms ~10 s, metrics
//! once a minute after the minute closes, the alias just after each predicted step and rarely
//! in between — within per-service budgets with AIMD back-off, keeps the last good data on
//! failure, and sends owned [`Update`]s to the front end over a channel (no lock shared with
//! drawing). Front ends steer it with [`Command`]s.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::assemble::Rules;
use super::config::EngineConfig;
use super::pace::Pace;
use super::planner::{Kind, PaceFactors, Planner};
use super::state::{Intervals, RegionState, throttled};
use super::tasks::{Outcome, Task, run};
use crate::aws::DeploymentReader;
use crate::domain::{ClockReading, ClockSource, Picture};

/// The window of per-version metrics the front end shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricSpan {
    #[default]
    Last15Minutes,
    LastHour,
    /// Since the deployment's traffic started shifting (at most 24 h).
    SinceStart,
}

impl MetricSpan {
    /// Minutes of data to fetch (SinceStart fetches the most the engine keeps: 24 h).
    pub fn minutes(self) -> u32 {
        match self {
            Self::Last15Minutes => 15,
            Self::LastHour => 60,
            Self::SinceStart => 24 * 60,
        }
    }
}

/// What a front end asks the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Refresh everything now (ctrl-r).
    RefreshNow,
    /// The deployment the user is looking at gets the Lambda budget first.
    Focus(Option<String>),
    /// Change the metrics window (fetched at once).
    MetricWindow(MetricSpan),
}

/// What the engine tells a front end.
#[derive(Debug, Clone)]
pub enum Update {
    /// A new complete picture, owned, with the service's clock to count down from.
    Picture {
        picture: Box<Picture>,
        clock: ClockReading,
    },
}

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

/// How often the engine wakes to see what is due (fast enough for an accelerated sandbox).
const WAKE: Duration = Duration::from_millis(250);

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
    let engine = Engine::new(readers, config, rules);
    let task = tokio::spawn(engine.run(update_tx, command_rx, cancel.clone()));
    EngineHandle {
        updates,
        commands,
        cancel,
        task,
    }
}

/// Per-service pacing of one region.
#[derive(Debug, Default, Clone, Copy)]
struct Paces {
    codedeploy: Pace,
    lambda: Pace,
    cloudwatch: Pace,
}

struct Engine<R> {
    readers: Vec<Arc<R>>,
    regions: Vec<RegionState>,
    planners: Vec<Planner>,
    paces: Vec<Paces>,
    config: EngineConfig,
    tasks: JoinSet<(usize, Kind, Outcome)>,
    rules: Rules,
}

impl<R: DeploymentReader> Engine<R> {
    fn new(readers: Vec<R>, config: EngineConfig, rules: Rules) -> Self {
        let intervals = Intervals {
            discovery: config.discovery_secs,
            details: config.details_secs,
            alias: config.alias_idle_secs,
            alarms: config.alarms_secs,
            metrics: config.metrics_secs,
        };
        let regions = readers
            .iter()
            .map(|r| RegionState::new(r.region(), intervals))
            .collect();
        let planners = readers
            .iter()
            .map(|_| Planner::new(Instant::now()))
            .collect();
        let paces = vec![Paces::default(); readers.len()];
        Self {
            readers: readers.into_iter().map(Arc::new).collect(),
            regions,
            planners,
            paces,
            config,
            tasks: JoinSet::new(),
            rules,
        }
    }

    async fn run(
        mut self,
        updates: mpsc::Sender<Update>,
        mut commands: mpsc::Receiver<Command>,
        cancel: CancellationToken,
    ) {
        let mut dirty = true;
        loop {
            self.schedule();
            if dirty {
                match updates.try_send(self.update()) {
                    Ok(()) => dirty = false,
                    Err(mpsc::error::TrySendError::Closed(_)) => return,
                    Err(mpsc::error::TrySendError::Full(_)) => {}
                }
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                command = commands.recv() => match command {
                    None => return,
                    Some(command) => self.command(&command),
                },
                Some(joined) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    if let Ok((region, kind, outcome)) = joined {
                        self.apply(region, kind, outcome);
                        dirty = true;
                    }
                },
                () = tokio::time::sleep(WAKE) => {}
            }
        }
    }

    fn clock(&self) -> ClockReading {
        super::collect::service_clock(self.readers.iter().map(DeploymentReader::clock))
    }

    fn update(&self) -> Update {
        let clock = self.clock();
        let mut regions: Vec<_> = self
            .regions
            .iter()
            .map(|r| r.picture(clock.now, &self.rules))
            .collect();
        // Intervals are real seconds; freshness is judged on the service's clock, which runs
        // faster against an accelerated sandbox.
        for region in &mut regions {
            scale_intervals(region, clock.rate);
        }
        let picture = Picture {
            schema_version: 1,
            taken_at: clock.now,
            clock: clock.source,
            regions,
        };
        Update::Picture {
            picture: Box::new(picture),
            clock,
        }
    }

    fn command(&mut self, command: &Command) {
        for planner in &mut self.planners {
            planner.command(command, Instant::now());
        }
    }

    /// Starts every task that is due.
    fn schedule(&mut self) {
        let now = Instant::now();
        for i in 0..self.readers.len() {
            let clock = self.readers[i].clock();
            let service_now = if clock.source == ClockSource::Service {
                clock.now
            } else {
                chrono::Utc::now()
            };
            let due = self.planners[i].due(
                now,
                service_now,
                &self.regions[i],
                &self.config,
                self.paces[i].into(),
                self.rules.schedule,
            );
            for (kind, task) in due {
                let reader = Arc::clone(&self.readers[i]);
                let task = match task {
                    Task::Aliases(list) => {
                        let granted = self.readers[i].lambda_permits(list.len());
                        if granted == 0 {
                            self.planners[i].finished(kind);
                            continue;
                        }
                        Task::Aliases(list.into_iter().take(granted).collect())
                    }
                    other => other,
                };
                self.tasks
                    .spawn(async move { (i, kind, run(reader, task).await) });
            }
        }
    }

    fn apply(&mut self, i: usize, kind: Kind, outcome: Outcome) {
        self.planners[i].finished(kind);
        let now = self.readers[i].clock().now;
        let region = &mut self.regions[i];
        let pace = &mut self.paces[i];
        match outcome {
            Outcome::Discovered { active, adopted } => {
                let failures: Vec<_> = active
                    .as_ref()
                    .err()
                    .into_iter()
                    .chain(adopted.as_ref().err())
                    .cloned()
                    .collect();
                pace_after(&mut pace.codedeploy, failures.iter());
                match (active, adopted) {
                    (Ok(ids), Ok(adopted)) => region.discovered(&ids, adopted, now),
                    (Ok(ids), Err(_)) => region.discovered(&ids, Vec::new(), now),
                    (Err(failure), _) => region.listing_failed(failure),
                }
            }
            Outcome::Details {
                deployments,
                targets,
            } => {
                let failures: Vec<_> = deployments
                    .as_ref()
                    .err()
                    .into_iter()
                    .cloned()
                    .chain(
                        targets
                            .iter()
                            .filter_map(|(_, t)| t.as_ref().err().cloned()),
                    )
                    .collect();
                pace_after(&mut pace.codedeploy, failures.iter());
                region.details(deployments, targets, now);
                if region.take_finished() {
                    self.planners[i].refresh_recent_now(Instant::now());
                }
            }
            Outcome::Recent(result) => {
                pace_after(&mut pace.codedeploy, result.as_ref().err().into_iter());
                region.recent(result);
                let adopt = region.to_adopt();
                if !adopt.is_empty() {
                    self.planners[i].adopt(adopt);
                }
            }
            Outcome::Adopted(adopted) => region.discovered_extra(adopted, now),
            Outcome::Aliases(results) => {
                pace_after(
                    &mut pace.lambda,
                    results.iter().filter_map(|(_, r)| r.as_ref().err()),
                );
                region.aliases(results, now);
            }
            Outcome::Alarms(result) => {
                pace_after(&mut pace.cloudwatch, result.as_ref().err().into_iter());
                region.alarms(result, now);
            }
            Outcome::Metrics { window, result } => {
                pace_after(&mut pace.cloudwatch, result.as_ref().err().into_iter());
                if result.is_ok() {
                    self.planners[i].metrics_fetched(window.end);
                }
                region.metrics(result, now);
            }
        }
    }
}

fn scale_intervals(region: &mut crate::domain::RegionPicture, rate: f64) {
    let scale = |f: &mut crate::domain::Freshness| {
        f.interval_secs = (f64::from(f.interval_secs) * rate.max(1.0)).round() as u32;
    };
    scale(&mut region.listing_freshness);
    for view in &mut region.deployments {
        let f = &mut view.freshness;
        for part in [
            &mut f.deployment,
            &mut f.alias,
            &mut f.alarms,
            &mut f.metrics,
        ] {
            scale(part);
        }
    }
}

fn pace_after<'a>(pace: &mut Pace, failures: impl Iterator<Item = &'a crate::domain::Failure>) {
    if throttled(failures) {
        pace.throttled();
    } else {
        pace.succeeded();
    }
}

impl From<Paces> for PaceFactors {
    fn from(p: Paces) -> Self {
        Self {
            codedeploy: p.codedeploy,
            lambda: p.lambda,
            cloudwatch: p.cloudwatch,
        }
    }
}
