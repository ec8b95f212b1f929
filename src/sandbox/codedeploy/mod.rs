//! Simulated `CodeDeploy` for the Lambda compute platform: applications, deployment groups,
//! configurations and deployments that really progress (hooks, shifts, alarms, rollbacks) on the
//! simulated clock. [`ops`] and [`ops_read`] are the awsJson1.1 API, [`sim`] the state machine.

pub mod appspec;
pub mod config;
pub mod context;
pub mod control;
pub mod hooks;
pub mod json;
pub mod ops;
pub mod ops_read;
pub mod outcome;
pub mod request;
pub mod sim;

use std::collections::{BTreeMap, BTreeSet};

use appspec::AppSpec;
use config::DeployConfig;

use crate::sandbox::ids::IdGen;

/// An application.
#[derive(Debug, Clone)]
pub struct Application {
    pub name: String,
    pub id: String,
    pub create_time: f64,
}

/// A deployment group.
#[derive(Debug, Clone)]
pub struct Group {
    pub application: String,
    pub name: String,
    pub id: String,
    pub config_name: String,
    pub service_role: String,
    pub alarms_enabled: bool,
    pub ignore_poll_alarm_failure: bool,
    pub alarms: Vec<String>,
    pub auto_rollback: Option<Vec<String>>,
    pub last_attempted: Option<String>,
    pub last_successful: Option<String>,
}

/// Deployment status as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Created,
    InProgress,
    Succeeded,
    Failed,
    Stopped,
}

impl Status {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::InProgress => "InProgress",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Stopped => "Stopped",
        }
    }

    /// Whether the deployment has ended.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Stopped)
    }
}

/// One lifecycle event of the Lambda target.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub name: &'static str,
    pub status: &'static str,
    pub start: Option<f64>,
    pub end: Option<f64>,
}

/// Where a deployment is in its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Created; starts at `phase_at`.
    Pending,
    /// Waiting for the `BeforeAllowTraffic` hook.
    BeforeHook,
    /// Shifting traffic (`AllowTraffic`).
    Shifting,
    /// Waiting for the `AfterAllowTraffic` hook.
    AfterHook,
    /// Succeeds at `phase_at`.
    Finishing,
    Done,
}

/// A hook function invocation waiting for its status.
#[derive(Debug, Clone)]
pub struct HookRun {
    pub execution_id: String,
    /// Index into `Deployment::lifecycle` (0 = `BeforeAllowTraffic`, 2 = `AfterAllowTraffic`).
    pub event: usize,
    /// When the simulated hook reports, and with which outcome (None: it never reports).
    pub reports: Option<(f64, bool)>,
    /// When the hook times out (1 h after invocation).
    pub deadline: f64,
}

/// A revision as submitted.
#[derive(Debug, Clone)]
pub struct Revision {
    /// `AppSpecContent` or `String`.
    pub kind: String,
    pub content: String,
    pub sha256: String,
}

/// A deployment and its simulation state.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub id: String,
    pub application: String,
    pub group: String,
    pub config_name: String,
    pub creator: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub status: Status,
    pub create_time: f64,
    pub start_time: Option<f64>,
    pub complete_time: Option<f64>,
    pub revision: Revision,
    pub appspec: AppSpec,
    pub error: Option<(String, String)>,
    pub rollback_deployment_id: Option<String>,
    pub rollback_triggering_id: Option<String>,
    pub rollback_message: Option<String>,
    pub auto_rollback_override: Option<Vec<String>>,
    pub lifecycle: Vec<Lifecycle>,
    pub target_status: &'static str,
    pub target_updated: f64,
    /// `CodeDeploy`'s own record of the target share, 0–100.
    pub weight_pct: f64,
    pub phase: Phase,
    pub phase_at: f64,
    pub t0: Option<f64>,
    pub next_step: usize,
    pub schedule: Vec<(f64, f64)>,
    pub allow_end: f64,
    pub next_poll: f64,
    pub hook: Option<HookRun>,
    /// Scenario-scripted `StopDeployment`: (when, autoRollbackEnabled).
    pub planned_stop: Option<(f64, bool)>,
}

impl Deployment {
    /// Whether the deployment is still running (Created or `InProgress`).
    pub fn is_active(&self) -> bool {
        !self.status.is_terminal()
    }
}

/// How a hook function behaves when `CodeDeploy` invokes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HookBehavior {
    Succeed {
        after_secs: f64,
    },
    Fail {
        after_secs: f64,
    },
    /// Never reports: someone must call `PutLifecycleEventHookExecutionStatus` (or it times out).
    Wait,
}

/// Tunables of the simulation (docs/codedeploy-timing.md's uncertain points).
#[derive(Debug, Clone)]
pub struct Settings {
    pub alarm_poll_secs: f64,
    pub hold_at_100_for_one_interval: bool,
    pub hook_timeout_secs: f64,
    /// Gap between `CreateDeployment` and the deployment starting.
    pub start_delay_secs: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            alarm_poll_secs: 60.0,
            hold_at_100_for_one_interval: false,
            hook_timeout_secs: 3600.0,
            start_delay_secs: 1.0,
        }
    }
}

/// All simulated `CodeDeploy` state.
#[derive(Debug)]
pub struct CodeDeploy {
    pub applications: BTreeMap<String, Application>,
    pub groups: BTreeMap<(String, String), Group>,
    pub configs: BTreeMap<String, DeployConfig>,
    pub deployments: BTreeMap<String, Deployment>,
    /// Deployment ids in creation order.
    pub order: Vec<String>,
    /// Ids of deployments not yet terminal.
    pub active: Vec<String>,
    pub hooks: BTreeMap<String, HookBehavior>,
    /// Every hook execution id ever issued.
    pub hook_executions: BTreeSet<String>,
    pub settings: Settings,
    pub ids: IdGen,
}

impl CodeDeploy {
    /// The predefined configs and nothing else.
    pub fn new(seed: u64, settings: Settings) -> Self {
        let configs = config::predefined()
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect();
        Self {
            applications: BTreeMap::new(),
            groups: BTreeMap::new(),
            configs,
            deployments: BTreeMap::new(),
            order: Vec::new(),
            active: Vec::new(),
            hooks: BTreeMap::new(),
            hook_executions: BTreeSet::new(),
            settings,
            ids: IdGen::new(seed ^ 0xc0de_de91),
        }
    }

    /// How a hook function behaves (default: succeeds after 2 s).
    pub fn hook_behavior(&self, function: &str) -> HookBehavior {
        self.hooks
            .get(function)
            .copied()
            .unwrap_or(HookBehavior::Succeed { after_secs: 2.0 })
    }

    /// The active deployment of a group, if any.
    pub fn active_in_group(&self, application: &str, group: &str) -> Option<&Deployment> {
        self.active
            .iter()
            .filter_map(|id| self.deployments.get(id))
            .find(|d| d.application == application && d.group == group)
    }

    /// A fresh deployment id (`d-` + 9 characters).
    pub fn new_deployment_id(&mut self) -> String {
        format!("d-{}", self.ids.alnum(9))
    }

    /// Creates an application (false if it exists).
    pub fn create_application(&mut self, name: &str, now: f64) -> bool {
        if self.applications.contains_key(name) {
            return false;
        }
        let id = self.ids.uuid();
        self.applications.insert(
            name.to_owned(),
            Application {
                name: name.to_owned(),
                id,
                create_time: now,
            },
        );
        true
    }
}
