//! The refresh plan of one region: which tasks are due now. Real-time intervals (stretched by
//! each service's AIMD pace) for listing, details, recent, alarms and metrics; the service's
//! clock for alias reads, which follow the deployment's predicted steps.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::assemble::plan_for;
use super::config::EngineConfig;
use super::live::{Command, MetricSpan};
use super::pace::{Pace, next_alias_read};
use super::state::{RegionState, Tracked};
use super::tasks::Task;
use crate::domain::{Deployment, MetricWindow, MetricsRequest, ScheduleModel};

/// Kinds of task; one of each may be in flight per region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Discover,
    Details,
    Recent,
    Adopt,
    Aliases,
    Alarms,
    Metrics,
}

/// The pace of each service of a region.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaceFactors {
    pub codedeploy: Pace,
    pub lambda: Pace,
    pub cloudwatch: Pace,
}

/// Metrics are fetched after each service minute closes, but never more often than this.
const METRICS_MIN_GAP: Duration = Duration::from_secs(5);

/// A region's refresh plan.
#[derive(Debug)]
pub struct Planner {
    next: HashMap<Kind, Instant>,
    in_flight: HashSet<Kind>,
    pending_adopt: Vec<Deployment>,
    focus: Option<String>,
    span: MetricSpan,
    metrics_end: Option<DateTime<Utc>>,
    metrics_at: Option<Instant>,
    force_aliases: bool,
}

impl Planner {
    /// A plan with everything due at `now`.
    pub fn new(now: Instant) -> Self {
        let next = [Kind::Discover, Kind::Details, Kind::Recent, Kind::Alarms]
            .into_iter()
            .map(|k| (k, now))
            .collect();
        Self {
            next,
            in_flight: HashSet::new(),
            pending_adopt: Vec::new(),
            focus: None,
            span: MetricSpan::default(),
            metrics_end: None,
            metrics_at: None,
            force_aliases: true,
        }
    }

    /// A front-end command.
    pub fn command(&mut self, command: &Command, now: Instant) {
        match command {
            Command::RefreshNow => {
                for due in self.next.values_mut() {
                    *due = now;
                }
                self.metrics_end = None;
                self.force_aliases = true;
            }
            Command::Focus(id) => self.focus.clone_from(id),
            Command::MetricWindow(span) => {
                self.span = *span;
                self.metrics_end = None;
            }
        }
    }

    /// Refresh the finished list at the next opportunity (a deployment just finished).
    pub fn refresh_recent_now(&mut self, now: Instant) {
        self.next.insert(Kind::Recent, now);
    }

    /// A task of `kind` ended.
    pub fn finished(&mut self, kind: Kind) {
        self.in_flight.remove(&kind);
    }

    /// Finished deployments to adopt at the next opportunity.
    pub fn adopt(&mut self, deployments: Vec<Deployment>) {
        self.pending_adopt = deployments;
    }

    /// Metrics up to `end` were fetched.
    pub fn metrics_fetched(&mut self, end: DateTime<Utc>) {
        self.metrics_end = Some(end);
    }

    fn take(&mut self, kind: Kind, now: Instant, every: Duration) -> bool {
        let due = self.next.get(&kind).is_none_or(|t| *t <= now);
        if !due || self.in_flight.contains(&kind) {
            return false;
        }
        self.next.insert(kind, now + every);
        self.in_flight.insert(kind);
        true
    }

    /// The tasks due at `now` (real) / `service_now` (the service's clock).
    pub fn due(
        &mut self,
        now: Instant,
        service_now: DateTime<Utc>,
        region: &RegionState,
        config: &EngineConfig,
        pace: PaceFactors,
        model: ScheduleModel,
    ) -> Vec<(Kind, Task)> {
        let mut out = Vec::new();
        if self.take(
            Kind::Discover,
            now,
            pace.codedeploy.interval(config.discovery_secs),
        ) {
            out.push((
                Kind::Discover,
                Task::Discover {
                    known: region.tracked.keys().cloned().collect(),
                },
            ));
        }
        if !region.tracked.is_empty()
            && self.take(
                Kind::Details,
                now,
                pace.codedeploy.interval(config.details_secs),
            )
        {
            let targets = region
                .tracked
                .values()
                .filter(|t| t.adopted.deployment.status.is_active() || t.target.is_none())
                .map(|t| {
                    (
                        t.adopted.deployment.id.clone(),
                        t.adopted.target_ids.clone().unwrap_or_default(),
                    )
                })
                .collect();
            out.push((
                Kind::Details,
                Task::Details {
                    ids: region.tracked.keys().cloned().collect(),
                    targets,
                },
            ));
        }
        if self.take(
            Kind::Recent,
            now,
            pace.codedeploy.interval(config.recent_secs),
        ) {
            out.push((
                Kind::Recent,
                Task::Recent {
                    since: service_now - chrono::Duration::hours(24),
                },
            ));
        }
        if !self.pending_adopt.is_empty() && !self.in_flight.contains(&Kind::Adopt) {
            self.in_flight.insert(Kind::Adopt);
            out.push((
                Kind::Adopt,
                Task::Adopt(std::mem::take(&mut self.pending_adopt)),
            ));
        }
        let names: Vec<String> = alarm_names(region);
        if !names.is_empty()
            && self.take(
                Kind::Alarms,
                now,
                pace.cloudwatch.interval(config.alarms_secs),
            )
        {
            out.push((Kind::Alarms, Task::Alarms(names)));
        }
        if let Some(task) = self.metrics(now, service_now, region, config, pace) {
            out.push((Kind::Metrics, task));
        }
        if !self.in_flight.contains(&Kind::Aliases) {
            let idle = pace.lambda.interval(config.alias_idle_secs).as_secs() as u32;
            let due = self.due_aliases(service_now, region, config, idle, model);
            if !due.is_empty() {
                self.in_flight.insert(Kind::Aliases);
                self.force_aliases = false;
                out.push((Kind::Aliases, Task::Aliases(due)));
            }
        }
        out
    }

    fn metrics(
        &mut self,
        now: Instant,
        service_now: DateTime<Utc>,
        region: &RegionState,
        config: &EngineConfig,
        pace: PaceFactors,
    ) -> Option<Task> {
        if self.in_flight.contains(&Kind::Metrics) {
            return None;
        }
        let requests: Vec<(String, MetricsRequest)> = region
            .tracked
            .iter()
            .filter_map(|(id, t)| {
                let (function, alias, current, target) = t.subject()?;
                Some((
                    id.clone(),
                    MetricsRequest {
                        function,
                        alias,
                        versions: vec![current, target],
                    },
                ))
            })
            .collect();
        if requests.is_empty() {
            return None;
        }
        let window = MetricWindow::last_minutes(service_now, self.span.minutes());
        let since_last = self.metrics_at.map(|t| now.saturating_duration_since(t));
        let minute_closed = self.metrics_end.is_none_or(|end| window.end > end);
        let due = match since_last {
            None => true,
            Some(gap) => {
                self.metrics_end.is_none()
                    || (minute_closed && gap >= METRICS_MIN_GAP)
                    || gap >= pace.cloudwatch.interval(config.metrics_secs)
            }
        };
        if !due {
            return None;
        }
        self.metrics_at = Some(now);
        self.in_flight.insert(Kind::Metrics);
        Some(Task::Metrics { requests, window })
    }

    /// Aliases to read now, by priority: the focused deployment, active ones (a predicted step
    /// just passed, or the idle interval ran out), then stopped ones (split check).
    fn due_aliases(
        &self,
        service_now: DateTime<Utc>,
        region: &RegionState,
        config: &EngineConfig,
        idle_secs: u32,
        model: ScheduleModel,
    ) -> Vec<(String, String, String)> {
        let mut due: Vec<(u8, &String, &Tracked)> = region
            .tracked
            .iter()
            .filter(|(_, t)| t.subject().is_some())
            .filter(|(_, t)| {
                let Some(last) = t.alias_read_at else {
                    return true;
                };
                if self.force_aliases {
                    return true;
                }
                let d = &t.adopted.deployment;
                let next = if d.status.is_active() {
                    let plan = plan_for(d, &t.adopted.config, t.last_target(), model);
                    next_alias_read(
                        plan.as_ref(),
                        last,
                        &config.alias_after_step_secs,
                        idle_secs,
                    )
                } else {
                    last + chrono::Duration::seconds(i64::from(idle_secs.max(30) * 2))
                };
                next <= service_now
            })
            .map(|(id, t)| {
                let rank = if self.focus.as_ref() == Some(id) {
                    0
                } else if t.adopted.deployment.status.is_active() {
                    1
                } else {
                    2
                };
                (rank, id, t)
            })
            .collect();
        due.sort_by_key(|(rank, id, _)| (*rank, (*id).clone()));
        due.into_iter()
            .filter_map(|(_, id, t)| t.subject().map(|(f, a, _, _)| (id.clone(), f, a)))
            .collect()
    }
}

fn alarm_names(region: &RegionState) -> Vec<String> {
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
