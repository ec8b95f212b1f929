//! Deployment configurations and the traffic plan they imply: when CodeDeploy shifts the alias,
//! to which weight, and when traffic shifting completes.
//!
//! The model follows `docs/codedeploy-timing.md`: the first shift happens when AllowTraffic starts
//! (t0), equal steps follow every interval, the last step is capped at 100%, and nothing happens
//! after the last shift — unless [`ScheduleModel::hold_at_100_for_one_interval`] is set, the
//! tunable for the one point no public measurement settles (SAM's "100 minutes" reading).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// How a deployment configuration shifts traffic (`trafficRoutingConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum TrafficRouting {
    AllAtOnce,
    /// `percent` at t0, the rest `interval_minutes` later.
    TimeBasedCanary {
        percent: u32,
        interval_minutes: u32,
    },
    /// `percent` more every `interval_minutes`, starting at t0, until 100%.
    TimeBasedLinear {
        percent: u32,
        interval_minutes: u32,
    },
}

/// A named deployment configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentConfig {
    pub name: String,
    pub routing: TrafficRouting,
}

/// The nine predefined Lambda configurations: AWS constants that need no API call.
const PREDEFINED: [(&str, TrafficRouting); 9] = [
    (
        "CodeDeployDefault.LambdaAllAtOnce",
        TrafficRouting::AllAtOnce,
    ),
    (
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        canary(10, 5),
    ),
    (
        "CodeDeployDefault.LambdaCanary10Percent10Minutes",
        canary(10, 10),
    ),
    (
        "CodeDeployDefault.LambdaCanary10Percent15Minutes",
        canary(10, 15),
    ),
    (
        "CodeDeployDefault.LambdaCanary10Percent30Minutes",
        canary(10, 30),
    ),
    (
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        linear(10, 1),
    ),
    (
        "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
        linear(10, 2),
    ),
    (
        "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
        linear(10, 3),
    ),
    (
        "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
        linear(10, 10),
    ),
];

const fn canary(percent: u32, interval_minutes: u32) -> TrafficRouting {
    TrafficRouting::TimeBasedCanary {
        percent,
        interval_minutes,
    }
}

const fn linear(percent: u32, interval_minutes: u32) -> TrafficRouting {
    TrafficRouting::TimeBasedLinear {
        percent,
        interval_minutes,
    }
}

impl DeploymentConfig {
    /// The predefined configuration of that name, if it is one.
    pub fn predefined(name: &str) -> Option<Self> {
        PREDEFINED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, routing)| Self {
                name: (*n).to_string(),
                routing: *routing,
            })
    }

    /// Names of all predefined Lambda configurations.
    pub fn predefined_names() -> impl Iterator<Item = &'static str> {
        PREDEFINED.iter().map(|(n, _)| *n)
    }

    /// A short label for tables: `Canary 10%/5m`, `Linear 10%/1m`, `AllAtOnce`.
    pub fn short_label(&self) -> String {
        match self.routing {
            TrafficRouting::AllAtOnce => "AllAtOnce".to_string(),
            TrafficRouting::TimeBasedCanary {
                percent,
                interval_minutes,
            } => {
                format!("Canary {percent}%/{interval_minutes}m")
            }
            TrafficRouting::TimeBasedLinear {
                percent,
                interval_minutes,
            } => {
                format!("Linear {percent}%/{interval_minutes}m")
            }
        }
    }
}

/// The tunable points of the timing model (the `[schedule]` section of the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleModel {
    /// Linear/canary: CodeDeploy waits one more interval at 100% before AllowTraffic ends.
    pub hold_at_100_for_one_interval: bool,
    /// The longest CodeDeploy is taken to need between moving the alias and recording the new
    /// weight (`targetVersionWeight`): a record read sooner than this after an alias read may
    /// not show a shift the alias already made, so it proves no disagreement. Unmeasured on
    /// AWS (the sandbox records both at once).
    pub record_lag_secs: u32,
}

impl Default for ScheduleModel {
    fn default() -> Self {
        Self {
            hold_at_100_for_one_interval: false,
            record_lag_secs: 5,
        }
    }
}

impl ScheduleModel {
    /// [`Self::record_lag_secs`] as a duration on the service's clock.
    pub fn record_lag(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::from(self.record_lag_secs))
    }
}

/// One predicted shift: at `at`, the target version gets `weight` (0.0–1.0) of the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub weight: f64,
}

/// The predicted schedule of a deployment, anchored at the start of AllowTraffic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficPlan {
    pub routing: TrafficRouting,
    pub traffic_start: DateTime<Utc>,
    pub steps: Vec<Step>,
    /// When AllowTraffic is expected to end (the last shift, or one interval later when holding).
    pub shifting_ends: DateTime<Utc>,
}

impl TrafficPlan {
    /// The plan for `routing` when AllowTraffic started at `traffic_start`.
    pub fn new(
        routing: TrafficRouting,
        traffic_start: DateTime<Utc>,
        model: ScheduleModel,
    ) -> Self {
        let (percent, interval, count) = match routing {
            TrafficRouting::AllAtOnce => (100, 0, 1),
            TrafficRouting::TimeBasedCanary {
                percent,
                interval_minutes,
            } => (percent.clamp(1, 100), interval_minutes, 2),
            TrafficRouting::TimeBasedLinear {
                percent,
                interval_minutes,
            } => {
                let p = percent.clamp(1, 100);
                (p, interval_minutes, 100_u32.div_ceil(p))
            }
        };
        let interval = Duration::minutes(i64::from(interval));
        let steps: Vec<Step> = (0..count)
            .map(|k| {
                let percent_now = match routing {
                    TrafficRouting::TimeBasedCanary { .. } if k > 0 => 100,
                    _ => ((k + 1) * percent).min(100),
                };
                Step {
                    at: traffic_start + interval * k as i32,
                    weight: f64::from(percent_now) / 100.0,
                }
            })
            .collect();
        let last = steps.last().map_or(traffic_start, |s| s.at);
        let hold = model.hold_at_100_for_one_interval && routing != TrafficRouting::AllAtOnce;
        let shifting_ends = if hold { last + interval } else { last };
        Self {
            routing,
            traffic_start,
            steps,
            shifting_ends,
        }
    }

    /// The target version's expected share of traffic at `at` (0 before the first shift).
    pub fn expected_weight(&self, at: DateTime<Utc>) -> f64 {
        self.steps
            .iter()
            .take_while(|s| s.at <= at)
            .last()
            .map_or(0.0, |s| s.weight)
    }

    /// Index of the last step that has happened by `now`, if any.
    pub fn current_step(&self, now: DateTime<Utc>) -> Option<usize> {
        self.steps.iter().rposition(|s| s.at <= now)
    }

    /// The next shift after `now`, if any remain.
    pub fn next_shift(&self, now: DateTime<Utc>) -> Option<Step> {
        self.steps.iter().find(|s| s.at > now).copied()
    }

    /// Re-anchors the plan on an observed shift: CodeDeploy schedules steps on its own loop, so
    /// once the alias is seen at a step's weight (first seen at `seen_at`), that step and all
    /// later ones move by the observed drift. Weights that match no step change nothing.
    #[must_use]
    pub fn reanchored(&self, observed_weight: f64, seen_at: DateTime<Utc>) -> Self {
        let Some(index) = self
            .steps
            .iter()
            .position(|s| (s.weight - observed_weight).abs() < 0.005)
        else {
            return self.clone();
        };
        let drift = seen_at - self.steps[index].at;
        if drift <= Duration::zero() {
            return self.clone();
        }
        let mut plan = self.clone();
        for step in &mut plan.steps[index..] {
            step.at += drift;
        }
        plan.shifting_ends += drift;
        plan
    }
}

#[cfg(test)]
mod tests;
