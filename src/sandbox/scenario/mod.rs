//! Scenarios: TOML files (built in from assets/scenarios, or a path) describing functions,
//! traffic, alarms, applications, groups and deployments (past ones replay as history). A file
//! that does not parse or is inconsistent is rejected with its file, line and field.
//!
//! Format (every table is optional; minute 0 is when the sandbox starts, negative minutes are
//! history replayed at start-up, so dashboards have data and past deployments):
//!
//! ```toml
//! description = "what this scenario shows"
//! history_minutes = 60                 # simulated minutes replayed before minute 0 (≤ 10080)
//! [settings]
//! alarm_poll_secs = 60                 # CodeDeploy's alarm poll period (also polled before each shift)
//! hold_at_100_for_one_interval = false # linear: wait one more interval after the flip ("10 waits")
//! hook_timeout_secs = 3600             # a hook that never reports fails after this
//!
//! [[function]]                         # versions 1..=versions are published
//! name = "checkout"
//! alias = "live"                       # functions without an alias get no traffic (e.g. hooks)
//! versions = 2
//! alias_version = 1                    # default: the last version
//! alias_weights = { "2" = 0.1 }        # a split alias at start (0..=1)
//! rpm = 600                            # requests per minute through the alias
//! error_rate = 0.002                   # per version unless changed below
//! p50_ms = 60
//! p99_ms = 240                         # lognormal latency with these percentiles
//! burstiness = 0.3                     # minute-to-minute spread of the traffic (coefficient of
//!                                      # variation of each minute's rate; 0: Poisson only)
//! drift_per_hour = 0.2                 # every version's error rate and latency grow 20% an hour
//! warmup_invocations = 10              # each new execution environment's first 10 invocations
//! warmup_factor = 3                    # ...take 3 times as long (0: no warm-up, the default)
//! hook = "succeed"                     # when invoked as a hook: succeed | fail | wait
//! hook_delay_secs = 3                  # ...after this long (wait: never, until PutLifecycle...)
//! log_group = "/custom/group"          # LoggingConfig.LogGroup (default /aws/lambda/<name>)
//! [[function.change]]                  # from minute 2 on, version 2 fails 30% of requests
//! at_min = 2
//! version = "2"                        # omit: every version
//! error_rate = 0.3                     # and/or p50_ms, p99_ms
//!
//! [[alarm]]                            # a CloudWatch metric alarm
//! name = "checkout-live-errors"
//! metric = "Errors"                    # namespace defaults to AWS/Lambda
//! dimensions = { FunctionName = "checkout", Resource = "checkout:live" }
//! statistic = "Sum"                    # or Average, Maximum, p99, ...
//! period_secs = 60
//! evaluation_periods = 1
//! datapoints_to_alarm = 1
//! threshold = 10
//! comparison = "GreaterThanThreshold"
//! treat_missing_data = "notBreaching"
//!
//! [[application]]
//! name = "storefront"
//! [[group]]
//! application = "storefront"
//! name = "checkout-live"
//! config = "CodeDeployDefault.LambdaCanary10Percent10Minutes"
//! alarms = ["checkout-live-errors"]
//! auto_rollback = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
//!
//! [[deployment]]
//! application = "storefront"
//! group = "checkout-live"
//! function = "checkout"                # alias: the function's
//! current = 1
//! target = 2
//! at_min = 0
//! config = "..."                       # default: the group's
//! creator = "user"                     # or CloudFormation (gets an externalId), CodeDeploy
//! before_hook = "CodeDeployHook_pre"   # hook functions, declared as [[function]]
//! after_hook = "CodeDeployHook_post"
//! stop_at_min = 3                      # someone calls StopDeployment then...
//! stop_rollback = false                # ...with autoRollbackEnabled = this
//! ```

pub mod apply;
pub mod validate;

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// Built-in scenarios: (name, TOML).
pub const BUILT_IN: [(&str, &str); 10] = [
    ("demo", include_str!("../../../assets/scenarios/demo.toml")),
    ("calm", include_str!("../../../assets/scenarios/calm.toml")),
    (
        "failing-canary",
        include_str!("../../../assets/scenarios/failing-canary.toml"),
    ),
    (
        "slow-canary",
        include_str!("../../../assets/scenarios/slow-canary.toml"),
    ),
    (
        "business-canary",
        include_str!("../../../assets/scenarios/business-canary.toml"),
    ),
    (
        "hook-failure",
        include_str!("../../../assets/scenarios/hook-failure.toml"),
    ),
    (
        "stuck-split",
        include_str!("../../../assets/scenarios/stuck-split.toml"),
    ),
    (
        "fleet",
        include_str!("../../../assets/scenarios/fleet.toml"),
    ),
    // The design case for scale: one `sam deploy` of a 40-function stack (and of 100).
    (
        "stack",
        include_str!("../../../assets/scenarios/stack.toml"),
    ),
    (
        "stack-100",
        include_str!("../../../assets/scenarios/stack-100.toml"),
    ),
];

/// Why a scenario was rejected: where, which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// Simulation tunables.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsSpec {
    pub alarm_poll_secs: Option<f64>,
    pub hold_at_100_for_one_interval: Option<bool>,
    pub hook_timeout_secs: Option<f64>,
}

/// A traffic change from minute `at_min` on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSpec {
    pub at_min: f64,
    pub version: Option<Spanned<String>>,
    pub error_rate: Option<Spanned<f64>>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub business_rate: Option<f64>,
}

/// A business metric the function publishes per version (`Sum`, dimensions `FunctionName`
/// and `Version`), `business_rate` events per invocation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessMetricSpec {
    pub namespace: String,
    pub name: String,
}

/// A function, its versions, alias and traffic.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    pub name: Spanned<String>,
    pub alias: Option<String>,
    #[serde(default = "one")]
    pub versions: u64,
    pub alias_version: Option<Spanned<u64>>,
    #[serde(default)]
    pub alias_weights: BTreeMap<String, Spanned<f64>>,
    #[serde(default)]
    pub rpm: f64,
    #[serde(default = "default_error_rate")]
    pub error_rate: Spanned<f64>,
    #[serde(default = "default_p50")]
    pub p50_ms: f64,
    #[serde(default = "default_p99")]
    pub p99_ms: f64,
    /// Coefficient of variation of each minute's request rate (bursts): 0 is Poisson traffic
    /// at `rpm`; 0.3 makes a minute's rate vary by about 30% around it.
    #[serde(default = "zero")]
    pub burstiness: Spanned<f64>,
    /// Relative growth per simulated hour of every version's error rate and latency (both
    /// versions alike: the traffic's mix drifting over a long canary).
    #[serde(default = "zero")]
    pub drift_per_hour: Spanned<f64>,
    /// Invocations of each new execution environment that are slower (its warm-up): a version
    /// scaling up — its first shift, a larger share — starts environments. 0: none.
    #[serde(default = "zero")]
    pub warmup_invocations: Spanned<f64>,
    /// How many times longer a warm-up invocation takes.
    #[serde(default = "default_warmup_factor")]
    pub warmup_factor: Spanned<f64>,
    /// `succeed`, `fail` or `wait`: what the function does when `CodeDeploy` invokes it as a hook.
    pub hook: Option<Spanned<String>>,
    #[serde(default = "default_hook_delay")]
    pub hook_delay_secs: f64,
    pub log_group: Option<String>,
    /// A business metric published per version (see [`BusinessMetricSpec`]).
    pub business_metric: Option<BusinessMetricSpec>,
    #[serde(default)]
    pub business_rate: f64,
    #[serde(default)]
    pub change: Vec<ChangeSpec>,
}

/// A `CloudWatch` metric alarm.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmSpecToml {
    pub name: Spanned<String>,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    pub metric: String,
    #[serde(default)]
    pub dimensions: BTreeMap<String, Spanned<String>>,
    #[serde(default = "default_statistic")]
    pub statistic: String,
    #[serde(default = "sixty")]
    pub period_secs: u32,
    #[serde(default = "one32")]
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: Option<u32>,
    pub threshold: f64,
    #[serde(default = "default_comparison")]
    pub comparison: Spanned<String>,
    #[serde(default = "default_missing")]
    pub treat_missing_data: String,
}

/// A `CodeDeploy` application.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSpec {
    pub name: Spanned<String>,
}

/// A deployment group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub application: Spanned<String>,
    pub name: Spanned<String>,
    pub config: Option<Spanned<String>>,
    #[serde(default)]
    pub alarms: Vec<Spanned<String>>,
    #[serde(default)]
    pub auto_rollback: Vec<Spanned<String>>,
}

/// A deployment (negative `at_min`: in the past, replayed as history).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    pub application: Spanned<String>,
    pub group: Spanned<String>,
    pub function: Spanned<String>,
    pub alias: Option<String>,
    pub current: u64,
    pub target: Spanned<u64>,
    pub at_min: Spanned<f64>,
    pub config: Option<Spanned<String>>,
    #[serde(default = "default_creator")]
    pub creator: Spanned<String>,
    pub description: Option<String>,
    pub before_hook: Option<Spanned<String>>,
    pub after_hook: Option<Spanned<String>>,
    pub stop_at_min: Option<Spanned<f64>>,
    #[serde(default)]
    pub stop_rollback: bool,
}

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub description: String,
    /// Simulated minutes replayed before "now" (history for dashboards).
    #[serde(default = "default_history")]
    pub history_minutes: f64,
    #[serde(default)]
    pub settings: SettingsSpec,
    #[serde(default)]
    pub function: Vec<FunctionSpec>,
    #[serde(default)]
    pub alarm: Vec<AlarmSpecToml>,
    #[serde(default)]
    pub application: Vec<ApplicationSpec>,
    #[serde(default)]
    pub group: Vec<GroupSpec>,
    #[serde(default)]
    pub deployment: Vec<DeploymentSpec>,
}

fn one() -> u64 {
    1
}
fn one32() -> u32 {
    1
}
fn sixty() -> u32 {
    60
}
fn zero() -> Spanned<f64> {
    Spanned::new(0..0, 0.0)
}
fn default_warmup_factor() -> Spanned<f64> {
    Spanned::new(0..0, 3.0)
}
fn default_error_rate() -> Spanned<f64> {
    Spanned::new(0..0, 0.001)
}
fn default_p50() -> f64 {
    45.0
}
fn default_p99() -> f64 {
    180.0
}
fn default_hook_delay() -> f64 {
    3.0
}
fn default_namespace() -> String {
    "AWS/Lambda".into()
}
fn default_statistic() -> String {
    "Sum".into()
}
fn default_comparison() -> Spanned<String> {
    Spanned::new(0..0, "GreaterThanThreshold".into())
}
fn default_missing() -> String {
    "notBreaching".into()
}
fn default_creator() -> Spanned<String> {
    Spanned::new(0..0, "user".into())
}
fn default_history() -> f64 {
    60.0
}

/// A parsed scenario and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub source: String,
    pub scenario: Scenario,
}

/// 1-based line of a byte offset.
pub fn line_of(source: &str, offset: usize) -> usize {
    source
        .get(..offset.min(source.len()))
        .map_or(1, |s| s.matches('\n').count() + 1)
}

/// Loads a built-in scenario by name, or a TOML file by path, and validates it.
pub fn load(name_or_path: &str) -> Result<Loaded, ScenarioError> {
    let (file, source) = match BUILT_IN.iter().find(|(n, _)| *n == name_or_path) {
        Some((name, toml)) => (format!("assets/scenarios/{name}.toml"), (*toml).to_owned()),
        None => match std::fs::read_to_string(name_or_path) {
            Ok(text) => (name_or_path.to_owned(), text),
            Err(e) => {
                let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
                return Err(ScenarioError {
                    file: name_or_path.to_owned(),
                    line: 0,
                    field: "scenario".into(),
                    message: format!(
                        "not a built-in scenario ({}) nor a readable file: {e}",
                        names.join(", ")
                    ),
                });
            }
        },
    };
    parse(&file, &source)
}

/// Parses and validates scenario text.
pub fn parse(file: &str, source: &str) -> Result<Loaded, ScenarioError> {
    let scenario: Scenario = toml::from_str(source).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let line = line_of(source, offset);
        let text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let field = text
            .split_once('=')
            .map_or(text, |(k, _)| k)
            .trim()
            .to_owned();
        let message = e.message().trim().to_owned();
        ScenarioError {
            file: file.to_owned(),
            line,
            field: if field.is_empty() {
                "(document)".into()
            } else {
                field
            },
            message,
        }
    })?;
    validate::validate(file, source, &scenario)?;
    Ok(Loaded {
        file: file.to_owned(),
        source: source.to_owned(),
        scenario,
    })
}
