//! The one shared state of a sandbox: every simulated service, the clock, the traffic, the
//! ground truth and the faults. It advances one simulated second at a time: each minute
//! boundary generates traffic and evaluates alarms, every second steps the deployments.

use serde_json::json;

use crate::sandbox::clock::SimClock;
use crate::sandbox::cloudwatch::{AlarmState, CloudWatch};
use crate::sandbox::codedeploy::context::SimCtx;
use crate::sandbox::codedeploy::ops::{NewDeployment, new_deployment};
use crate::sandbox::codedeploy::sim::step_all;
use crate::sandbox::codedeploy::{CodeDeploy, Settings};
use crate::sandbox::faults::Faults;
use crate::sandbox::ids::IdGen;
use crate::sandbox::lambda::Lambda;
use crate::sandbox::logs::Logs;
use crate::sandbox::observe::Observer;
use crate::sandbox::traffic::Traffic;

/// Metric data kept (simulated seconds): 3 hours, enough for every dashboard window.
pub const METRIC_RETENTION_SECS: u64 = 3 * 3600;
/// Log events kept (simulated seconds).
pub const LOG_RETENTION_SECS: u64 = 3600;

/// Everything simulated, behind one mutex.
#[derive(Debug)]
pub struct World {
    /// The AWS account this world is (STS answers it).
    pub account: String,
    pub clock: SimClock,
    /// Simulated second processed so far.
    pub now: f64,
    pub lambda: Lambda,
    pub codedeploy: CodeDeploy,
    pub cloudwatch: CloudWatch,
    pub logs: Logs,
    pub traffic: Traffic,
    pub obs: Observer,
    pub faults: Faults,
    pub request_ids: IdGen,
    /// Scenario deployments not created yet: (when, what).
    pub scheduled: Vec<(f64, NewDeployment)>,
}

impl World {
    /// An empty world whose simulation starts at `start` (epoch seconds, whole).
    pub fn new(start: f64, clock: SimClock, seed: u64, settings: Settings, faults: Faults) -> Self {
        Self {
            account: crate::sandbox::sts::ACCOUNT.to_string(),
            clock,
            now: start.floor(),
            lambda: Lambda::new(seed),
            codedeploy: CodeDeploy::new(seed, settings),
            cloudwatch: CloudWatch::new(METRIC_RETENTION_SECS),
            logs: Logs::new(LOG_RETENTION_SECS),
            traffic: Traffic::new(seed),
            obs: Observer::default(),
            faults,
            request_ids: IdGen::new(seed ^ 0x4e9),
            scheduled: Vec::new(),
        }
    }

    /// Catches the simulation up with the clock.
    pub fn sync(&mut self) {
        let target = self.clock.now().floor();
        self.advance_to(target);
    }

    /// Processes every simulated second up to `target`.
    pub fn advance_to(&mut self, target: f64) {
        while self.now + 1.0 <= target {
            self.now += 1.0;
            self.tick();
        }
    }

    fn tick(&mut self) {
        let now = self.now;
        if (now as i64).rem_euclid(60) == 0 {
            self.traffic.minute(
                now - 60.0,
                &mut self.lambda,
                &mut self.cloudwatch,
                &mut self.logs,
            );
            for change in self.cloudwatch.evaluate_alarms(now) {
                let name = |s: AlarmState| match s {
                    AlarmState::Ok => "OK",
                    AlarmState::Alarm => "ALARM",
                    AlarmState::InsufficientData => "INSUFFICIENT_DATA",
                };
                let detail = json!({"alarm": change.name, "from": name(change.from), "to": name(change.to), "reason": change.reason});
                self.obs.event(now, "alarm_state", None, None, detail);
            }
        }
        self.create_scheduled();
        let mut ctx = SimCtx {
            now,
            lambda: &mut self.lambda,
            cloudwatch: &self.cloudwatch,
            logs: &mut self.logs,
            obs: &mut self.obs,
        };
        step_all(&mut self.codedeploy, &mut ctx);
    }

    fn create_scheduled(&mut self) {
        if !self.scheduled.iter().any(|(at, _)| *at <= self.now) {
            return;
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.scheduled)
            .into_iter()
            .partition(|(at, _)| *at <= self.now);
        self.scheduled = later;
        for (_, req) in due {
            let (app, group) = (req.application.clone(), req.group.clone());
            if let Err(reply) = new_deployment(&mut self.codedeploy, &mut self.obs, self.now, req) {
                let why = String::from_utf8_lossy(&reply.body).into_owned();
                self.obs.event(self.now, "scenario", None, None, json!({"error": "deployment not created", "application": app, "group": group, "reason": why}));
            }
        }
    }

    /// `GET /_sandbox/clock` and the reply of `POST /_sandbox/clock`.
    pub fn clock_json(&self) -> serde_json::Value {
        json!({"now": self.clock.now(), "processed": self.now, "paused": self.clock.paused(), "speed": self.clock.speed()})
    }
}
