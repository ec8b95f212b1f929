//! Refresh intervals and request budgets, with defaults that can never hurt production. Read
//! from the `[refresh]` table of the config file; every field is optional.

use serde::{Deserialize, Serialize};

/// How often each part is refreshed, and how many requests each service may get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Listing active deployments.
    pub discovery_secs: u32,
    /// Deployment details and targets while active.
    pub details_secs: u32,
    /// Deployments finished in the last 24 hours.
    pub recent_secs: u32,
    /// The alias between predicted steps (it is also read just after each predicted step).
    pub alias_idle_secs: u32,
    /// Seconds after a predicted step at which the alias is read again.
    pub alias_after_step_secs: Vec<u32>,
    /// Group alarms.
    pub alarms_secs: u32,
    /// Per-version metrics (1-minute data: fetched once a minute, after the minute closes).
    pub metrics_secs: u32,
    /// Lambda control plane (GetAlias): sustained requests per second, and burst.
    pub lambda_per_sec: u32,
    pub lambda_burst: u32,
    /// CodeDeploy and CloudWatch sustained requests per second.
    pub codedeploy_per_sec: u32,
    pub cloudwatch_per_sec: u32,
    /// Timeout of every call.
    pub call_timeout_secs: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            discovery_secs: 15,
            details_secs: 5,
            recent_secs: 60,
            alias_idle_secs: 30,
            alias_after_step_secs: vec![1, 3, 10],
            alarms_secs: 10,
            metrics_secs: 60,
            lambda_per_sec: 1,
            lambda_burst: 10,
            codedeploy_per_sec: 5,
            cloudwatch_per_sec: 5,
            call_timeout_secs: 10,
        }
    }
}
