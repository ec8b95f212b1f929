//! Refresh intervals and request budgets, with defaults that can never hurt production. Read
//! from the `[refresh]` table of the config file; every field is optional.

use serde::{Deserialize, Serialize};

use crate::aws::{Limits, Rate};

/// How often each part is refreshed, and how many requests each service may get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Listing active deployments (new ones appear within this).
    pub discovery_secs: u32,
    /// Deployment records (status) while active; targets while a hook runs.
    pub details_secs: u32,
    /// Deployments finished in the last 24 hours.
    pub recent_secs: u32,
    /// A deployment's target (hooks, CodeDeploy's recorded weight) when nothing is expected to
    /// change (it is also read when the status changes and around each predicted shift).
    pub targets_idle_secs: u32,
    /// The alias when nothing is expected to change.
    pub alias_idle_secs: u32,
    /// The scan for aliases split outside any deployment: at most one call this often (0:
    /// off), and only while no rollout's alias waits for the Lambda budget. `snapshot` scans
    /// whatever this says.
    pub alias_scan_secs: u32,
    /// Seconds after a predicted shift at which the target (and, from the second, the alias)
    /// is read again until the shift is seen.
    pub alias_after_step_secs: Vec<u32>,
    /// How soon the live alias confirms a shift CodeDeploy's record shows.
    pub alias_confirm_secs: u32,
    /// Group alarms.
    pub alarms_secs: u32,
    /// Per-version metrics (1-minute data: fetched once a minute, after the minute closes).
    pub metrics_secs: u32,
    /// Lambda control plane (GetAlias): sustained requests per second, and burst.
    pub lambda_per_sec: u32,
    pub lambda_burst: u32,
    /// CodeDeploy: sustained requests per second, and burst.
    pub codedeploy_per_sec: u32,
    pub codedeploy_burst: u32,
    /// CloudWatch: sustained requests per second, and burst.
    pub cloudwatch_per_sec: u32,
    pub cloudwatch_burst: u32,
    /// Timeout of every request.
    pub call_timeout_secs: u32,
    /// (function, alias) pairs followed at the alias idle pace (from `[watch] aliases`).
    #[serde(skip)]
    pub watched_aliases: Vec<(String, String)>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        let limits = Limits::default();
        Self {
            discovery_secs: 10,
            details_secs: 5,
            recent_secs: 60,
            targets_idle_secs: 120,
            alias_idle_secs: 45,
            alias_scan_secs: 2,
            alias_after_step_secs: vec![1, 3, 10],
            alias_confirm_secs: 10,
            alarms_secs: 10,
            metrics_secs: 60,
            lambda_per_sec: limits.lambda.per_sec,
            lambda_burst: limits.lambda.burst,
            codedeploy_per_sec: limits.codedeploy.per_sec,
            codedeploy_burst: limits.codedeploy.burst,
            cloudwatch_per_sec: limits.cloudwatch.per_sec,
            cloudwatch_burst: limits.cloudwatch.burst,
            call_timeout_secs: limits.call_timeout_secs,
            watched_aliases: Vec::new(),
        }
    }
}

impl EngineConfig {
    /// The request budgets and timeout these settings give.
    pub fn limits(&self) -> Limits {
        Limits {
            codedeploy: Rate {
                per_sec: self.codedeploy_per_sec,
                burst: self.codedeploy_burst,
            },
            lambda: Rate {
                per_sec: self.lambda_per_sec,
                burst: self.lambda_burst,
            },
            cloudwatch: Rate {
                per_sec: self.cloudwatch_per_sec,
                burst: self.cloudwatch_burst,
            },
            call_timeout_secs: self.call_timeout_secs,
        }
    }
}
