//! The signal oracle: runs rollwatch's live engine against a sandbox run and classifies every
//! signal it raises — each warning (by its typed kind), STALE, a read failing, and the status
//! and weight events of the timeline — as true or false against the sandbox's ground truth
//! (its event log: weights with their source, statuses; its call log: when each read really
//! succeeded or failed), and every incident in that truth as signalled within its deadline or
//! missed. Deadlines and exclusions are the README's ("Signals and their deadlines"); this file
//! applies exactly those. Used by `tests/live/signals.rs` (short runs) and `benches/signals.rs`
//! (every scenario, `stack` and `stack-100` at speed 1, a fault run).
//!
//! Times are simulated seconds (the sandbox's clock, which the engine's pictures are stamped
//! with); a run at `speed` s shows in `sim_secs / speed` real seconds, with the request budgets
//! scaled by the same factor (the same budget per simulated second as at real time).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rollwatch::aws::{ConnectOptions, Limits, Rate, connect};
use rollwatch::domain::notify::{Notice, NotifyConfig, What, notices};
use rollwatch::domain::{Change, Picture, TimelineEvent, Warning, WarningKind, timeline_diff};
use rollwatch::engine::{EngineConfig, Rules, Update, spawn};
use rollwatch::sandbox::observe::{CallRecord, Event};
use rollwatch::sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

/// Every alarm some watched deployment's group names.
fn watched_alarms(seen: &[Seen]) -> HashSet<&str> {
    seen.iter()
        .flat_map(|s| s.alarms.iter().map(String::as_str))
        .collect()
}

/// The deadline of a status, alarm, hook, standing-warning or notice signal (simulated
/// seconds: the engine's intervals are paced by the run's speed, so a deadline is the one of a
/// run at real time).
const EVENT_DEADLINE_SECS: f64 = 30.0;

/// The deadline of a weight CodeDeploy set (its shifts are watched for at their predicted
/// times).
const WEIGHT_DEADLINE_SECS: f64 = 10.0;

/// How long after its cause a warning may stay up (the engine's hold), and how long a true
/// warning's cause may lie before it was proven (one alias round at `stack-100`).
const WARNING_LOOKBACK_SECS: f64 = 150.0;

/// One alias set by hand during the run: `share` of the traffic to the function's deployment
/// target version, `after_secs` into the run.
#[derive(Debug, Clone)]
pub struct HandChange {
    pub after_secs: f64,
    pub function: String,
    pub share: f64,
}

/// One run to judge.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub scenario: String,
    pub speed: f64,
    pub seed: u64,
    /// How long to watch, in simulated seconds.
    pub sim_secs: f64,
    /// Fault rules (`--faults` syntax) in force from `faults_from` to `faults_until` (sim s).
    pub faults: Option<(String, f64, f64)>,
    pub hand_changes: Vec<HandChange>,
    /// A hand change must be warned about within this many simulated seconds.
    pub record_deadline_secs: f64,
}

impl RunSpec {
    /// How the report names it.
    pub fn name(&self) -> String {
        let mut name = format!(
            "{} at speed {} for {:.0} s",
            self.scenario, self.speed, self.sim_secs
        );
        if self.faults.is_some() {
            name.push_str(", with faults");
        }
        if !self.hand_changes.is_empty() {
            let _ = write!(name, ", {} hand changes", self.hand_changes.len());
        }
        name
    }

    pub fn new(scenario: &str, speed: f64, sim_secs: f64) -> Self {
        Self {
            scenario: scenario.to_owned(),
            speed,
            seed: 11,
            sim_secs,
            faults: None,
            hand_changes: Vec::new(),
            record_deadline_secs: 60.0,
        }
    }
}

/// What was raised and missed for one kind of signal.
#[derive(Debug, Clone, Default)]
pub struct KindReport {
    pub raised: usize,
    /// Raised while the truth does not hold: each with what and when.
    pub false_signals: Vec<String>,
    pub incidents: usize,
    /// Incidents not signalled within their deadline.
    pub missed: Vec<String>,
    /// Seconds from each signalled incident to its first signal.
    pub delays: Vec<f64>,
    /// Whether the oracle judges this kind (else only counted).
    pub judged: bool,
}

impl KindReport {
    fn judged() -> Self {
        Self {
            judged: true,
            ..Self::default()
        }
    }

    fn delay_quantile(&self, q: f64) -> Option<f64> {
        let mut d = self.delays.clone();
        if d.is_empty() {
            return None;
        }
        d.sort_by(f64::total_cmp);
        let i = ((d.len() - 1) as f64 * q).round() as usize;
        Some(d[i])
    }
}

/// The oracle's verdict on one run.
#[derive(Debug, Default)]
pub struct Report {
    pub name: String,
    pub kinds: BTreeMap<String, KindReport>,
    /// The most warnings in one picture, counted over every deployment (not what fits on the
    /// banner), and when.
    pub most_warnings_at_once: (usize, f64),
    pub pictures: usize,
}

impl Report {
    pub fn kind(&self, name: &str) -> KindReport {
        self.kinds.get(name).cloned().unwrap_or_default()
    }

    /// Every false signal and every missed incident, of every judged kind.
    pub fn faults(&self) -> Vec<String> {
        self.kinds
            .iter()
            .filter(|(_, k)| k.judged)
            .flat_map(|(name, k)| {
                k.false_signals
                    .iter()
                    .map(move |f| format!("{name}: false: {f}"))
                    .chain(k.missed.iter().map(move |m| format!("{name}: missed: {m}")))
            })
            .collect()
    }

    /// The table the README shows: per kind, signals raised, false, incidents, missed, delay.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{} — {} pictures, at most {} warnings at once\n{:<38} {:>6} {:>6} {:>9} {:>6} {:>9} {:>9}\n",
            self.name,
            self.pictures,
            self.most_warnings_at_once.0,
            "kind",
            "raised",
            "false",
            "incidents",
            "missed",
            "delay p50",
            "delay max"
        );
        for (name, k) in &self.kinds {
            let secs = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |s| format!("{s:.0} s"));
            let judged = |n: usize| {
                if k.judged {
                    n.to_string()
                } else {
                    "n/j".to_owned()
                }
            };
            let _ = writeln!(
                out,
                "{name:<38} {:>6} {:>6} {:>9} {:>6} {:>9} {:>9}",
                k.raised,
                judged(k.false_signals.len()),
                judged(k.incidents),
                judged(k.missed.len()),
                secs(k.delay_quantile(0.5)),
                secs(k.delay_quantile(1.0)),
            );
        }
        out
    }
}

/// What one picture said about one deployment.
#[derive(Debug, Clone)]
struct Seen {
    at: f64,
    deployment: String,
    application: String,
    group: String,
    function: String,
    target_version: String,
    /// The alarms its group watches.
    alarms: Vec<String>,
    /// Whether its target (lifecycle events, CodeDeploy's record) has been read.
    target_read: bool,
    warnings: Vec<WarningKind>,
    /// Parts older than three intervals: (part, interval in simulated seconds).
    stale: Vec<(&'static str, u32)>,
    /// Parts whose latest read failed.
    failing: Vec<&'static str>,
}

impl Seen {
    /// What `picture` says of each deployment with a known function.
    fn of(picture: &Picture) -> Vec<Seen> {
        let at = secs(picture.taken_at);
        let mut out = Vec::new();
        for view in picture.regions.iter().flat_map(|r| &r.deployments) {
            let Some(target) = &view.deployment.target else {
                continue;
            };
            let parts = view.freshness.parts();
            out.push(Seen {
                at,
                deployment: view.deployment.id.clone(),
                application: view.deployment.application.clone(),
                group: view.deployment.group.clone(),
                function: target.function.clone(),
                target_version: target.target_version.clone(),
                alarms: view
                    .alarms
                    .value()
                    .into_iter()
                    .flatten()
                    .map(|a| a.alarm.name.clone())
                    .collect(),
                target_read: view.target.value().is_some(),
                warnings: view.warnings.iter().map(Warning::kind).collect(),
                stale: parts
                    .iter()
                    .filter(|(_, f)| f.is_stale(picture.taken_at))
                    .map(|(name, f)| (*name, f.interval_secs))
                    .collect(),
                failing: parts
                    .iter()
                    .filter(|(_, f)| f.last_error.is_some())
                    .map(|(name, _)| *name)
                    .collect(),
            });
        }
        out
    }
}

/// rollwatch's connection to `sandbox`, its request budgets scaled by `speed` and the clock
/// rate given (as the demo gives it).
fn options(sandbox: &Sandbox, speed: f64) -> ConnectOptions {
    let scaled = |rate: Rate| Rate {
        per_sec: (f64::from(rate.per_sec) * speed).round().max(1.0) as u32,
        burst: rate.burst,
    };
    let defaults = Limits::default();
    ConnectOptions {
        regions: vec![sandbox.region().to_owned()],
        endpoint_url: Some(sandbox.endpoint()),
        static_credentials: true,
        limits: Limits {
            codedeploy: scaled(defaults.codedeploy),
            lambda: scaled(defaults.lambda),
            cloudwatch: scaled(defaults.cloudwatch),
            ..defaults
        },
        clock_rate: Some(speed),
        ..ConnectOptions::default()
    }
}

/// The SDK configuration of a person at the console (their own access key): changing an
/// alias by hand, reading a group's settings for the truth.
async fn person(sandbox: &Sandbox) -> aws_config::SdkConfig {
    let credentials =
        aws_credential_types::Credentials::new("AKIAHANDCHANGE", "test", None, None, "static");
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(sandbox.endpoint())
        .region(aws_config::Region::new(sandbox.region().to_owned()))
        .credentials_provider(credentials)
        .load()
        .await
}

/// Each watched group's alarm settings as CodeDeploy has them: (watches alarms, ignores poll
/// failures).
async fn group_settings(
    sandbox: &Sandbox,
    seen: &[Seen],
) -> HashMap<(String, String), (bool, bool)> {
    let codedeploy = aws_sdk_codedeploy::Client::new(&person(sandbox).await);
    let mut groups: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for s in seen {
        groups.entry(&s.application).or_default().insert(&s.group);
    }
    let mut out = HashMap::new();
    for (application, names) in groups {
        let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
        for chunk in names.chunks(100) {
            let answer = codedeploy
                .batch_get_deployment_groups()
                .application_name(application)
                .set_deployment_group_names(Some(chunk.to_vec()))
                .send()
                .await
                .expect("BatchGetDeploymentGroups");
            for g in answer.deployment_groups_info() {
                let alarms = g.alarm_configuration();
                let watches = alarms.is_some_and(|a| a.enabled() && !a.alarms().is_empty());
                let ignores = alarms.is_some_and(
                    aws_sdk_codedeploy::types::AlarmConfiguration::ignore_poll_alarm_failure,
                );
                out.insert(
                    (
                        application.to_owned(),
                        g.deployment_group_name().unwrap_or_default().to_owned(),
                    ),
                    (watches, ignores),
                );
            }
        }
    }
    out
}

/// Runs `spec` and judges it.
pub async fn run(spec: &RunSpec) -> Report {
    let sandbox = Sandbox::start(
        SandboxConfig::loopback(&spec.scenario)
            .speed(spec.speed)
            .seed(spec.seed),
    )
    .await
    .expect("sandbox starts");
    let config = paced(spec.speed);
    let readers = connect(&options(&sandbox, spec.speed))
        .await
        .expect("connect");
    let mut engine = spawn(readers, config.clone(), Rules::default());
    let lambda = aws_sdk_lambda::Client::new(&person(&sandbox).await);
    let start = sandbox.now();
    let until = Instant::now() + Duration::from_secs_f64(spec.sim_secs / spec.speed);
    let mut pending_changes: Vec<&HandChange> = spec.hand_changes.iter().collect();
    let mut faults_on = false;
    let mut seen: Vec<Seen> = Vec::new();
    let mut timeline = Vec::new();
    let mut said = Vec::new();
    let mut most = (0, 0.0);
    let mut pictures = 0;
    let mut last: Option<Picture> = None;
    while Instant::now() < until {
        let elapsed = sandbox.now() - start;
        if let Some((rules, from, to)) = &spec.faults {
            if !faults_on && elapsed >= *from && elapsed < *to {
                set_faults(&sandbox, Some(rules)).await;
                faults_on = true;
            } else if faults_on && elapsed >= *to {
                set_faults(&sandbox, None).await;
                faults_on = false;
            }
        }
        if let Some(i) = pending_changes.iter().position(|c| elapsed >= c.after_secs) {
            let change = pending_changes.remove(i);
            hand_change(&lambda, change).await;
        }
        let Ok(Some(Update::Picture { picture, .. })) =
            tokio::time::timeout(Duration::from_millis(200), engine.updates.recv()).await
        else {
            continue;
        };
        pictures += 1;
        let at = secs(picture.taken_at);
        let warnings: usize = picture
            .regions
            .iter()
            .flat_map(|r| &r.deployments)
            .map(|v| v.warnings.len())
            .sum();
        if warnings > most.0 {
            most = (warnings, at - start);
        }
        seen.extend(Seen::of(&picture));
        let events = timeline_diff(last.as_ref(), &picture);
        let notify = NotifyConfig::default();
        for notice in notices(last.as_ref(), &picture, &events, &notify) {
            said.push((secs(notice.at), notice));
        }
        for event in events {
            timeline.push((secs(event.at), event));
        }
        last = Some(*picture);
    }
    engine.shutdown().await;
    if faults_on {
        set_faults(&sandbox, None).await;
    }
    let mut truth = Truth::of(&sandbox.events(), &sandbox.calls());
    truth.groups = group_settings(&sandbox, &seen).await;
    sandbox.shutdown().await;
    let mut report = Report {
        name: spec.name(),
        most_warnings_at_once: most,
        pictures,
        ..Report::default()
    };
    let end = start + spec.sim_secs;
    judge_warnings(&seen, &truth, spec, start, end, &mut report);
    judge_stale(&seen, &truth, &config, spec, &mut report);
    judge_timeline(&timeline, &seen, &truth, spec, start, end, &mut report);
    judge_alarms_and_hooks(&timeline, &seen, &truth, spec, start, end, &mut report);
    judge_notices(&said, &seen, &truth, spec, start, end, &mut report);
    report
}

/// The engine's settings with every refresh interval (real seconds) divided by `speed`: the
/// same cadence per simulated second as at real time, so a run at speed 4 judges what a run at
/// speed 1 shows. At speed 1 they are the defaults.
fn paced(speed: f64) -> EngineConfig {
    let d = EngineConfig::default();
    let pace = |secs: u32| ((f64::from(secs) / speed.max(1.0)).round() as u32).max(1);
    EngineConfig {
        discovery_secs: pace(d.discovery_secs),
        details_secs: pace(d.details_secs),
        recent_secs: pace(d.recent_secs),
        targets_idle_secs: pace(d.targets_idle_secs),
        alias_idle_secs: pace(d.alias_idle_secs),
        alias_confirm_secs: pace(d.alias_confirm_secs),
        alarms_secs: pace(d.alarms_secs),
        metrics_secs: pace(d.metrics_secs),
        ..d
    }
}

/// Simulated epoch seconds of a picture time.
fn secs(at: chrono::DateTime<chrono::Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}

async fn set_faults(sandbox: &Sandbox, rules: Option<&str>) {
    let body = serde_json::json!({ "faults": rules }).to_string();
    let url = format!("{}/_sandbox/faults", sandbox.endpoint());
    assert!(post_json(&url, &body).await, "faults set");
}

/// POSTs `body` as JSON with a raw HTTP/1.1 request (no HTTP client crate in the tests).
async fn post_json(url: &str, body: &str) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(mut stream) = tokio::net::TcpStream::connect(host).await else {
        return false;
    };
    let request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    answer.starts_with("HTTP/1.1 200")
}

/// Sets the alias of `change.function` by hand: `share` on the target version (the one its
/// alias's routing or deployment names), the rest on the primary version.
async fn hand_change(lambda: &aws_sdk_lambda::Client, change: &HandChange) {
    let alias = lambda
        .get_alias()
        .function_name(&change.function)
        .name("live")
        .send()
        .await
        .expect("GetAlias");
    let primary = alias.function_version().unwrap_or_default().to_owned();
    let routed = alias
        .routing_config()
        .and_then(|r| r.additional_version_weights())
        .and_then(|w| w.keys().next().cloned());
    let target = routed.unwrap_or_else(|| {
        let n: u32 = primary.parse().unwrap_or(1);
        (n + 1).to_string()
    });
    let routing = aws_sdk_lambda::types::AliasRoutingConfiguration::builder()
        .additional_version_weights(target, change.share)
        .build();
    lambda
        .update_alias()
        .function_name(&change.function)
        .name("live")
        .function_version(primary)
        .routing_config(routing)
        .send()
        .await
        .expect("UpdateAlias by hand");
}

/// What the sandbox says happened.
struct Truth {
    /// Per function: (time, detail, source) of every alias change, in order.
    weights: HashMap<String, Vec<(f64, Value, String)>>,
    /// Per deployment: (time, status) in order.
    statuses: HashMap<String, Vec<(f64, String)>>,
    /// Per alarm: (time, new state) in order.
    alarms: HashMap<String, Vec<(f64, String)>>,
    /// Per deployment: (time, lifecycle event, status) in order.
    hooks: HashMap<String, Vec<(f64, String, String)>>,
    /// Per (application, group): (watches alarms, ignores alarm poll failures).
    groups: HashMap<(String, String), (bool, bool)>,
    /// Per deployment: when it is late — its config's planned end of `AllowTraffic` (the
    /// sandbox's own plan) and the seconds CodeDeploy may take to finish after it (the
    /// claim "past its predicted end" is made about that moment).
    late_from: HashMap<String, f64>,
    calls: Vec<CallRecord>,
    /// Per deployment: the function whose alias it shifted.
    functions: HashMap<String, String>,
}

impl Truth {
    /// Whether `function`'s alias was split at `at` by a change made outside CodeDeploy (the
    /// API: by hand, a script) while none of its deployments was in progress: what a "split
    /// outside any deployment" notice claims.
    fn split_outside_a_deployment(&self, function: &str, at: f64) -> bool {
        let Some(changes) = self.weights.get(function) else {
            return false;
        };
        let Some((_, detail, source)) = changes.iter().rev().find(|(t, ..)| *t <= at) else {
            return false;
        };
        let split = detail["additional_version_weights"]
            .as_object()
            .is_some_and(|w| !w.is_empty());
        let deploying = self
            .functions
            .iter()
            .any(|(d, f)| f == function && self.status_at(d, at) == Some("InProgress"));
        source != "codedeploy" && split && !deploying
    }

    fn of(events: &[Event], calls: &[CallRecord]) -> Self {
        let mut weights: HashMap<String, Vec<(f64, Value, String)>> = HashMap::new();
        let mut statuses: HashMap<String, Vec<(f64, String)>> = HashMap::new();
        let mut alarms: HashMap<String, Vec<(f64, String)>> = HashMap::new();
        let mut hooks: HashMap<String, Vec<(f64, String, String)>> = HashMap::new();
        let mut late_from: HashMap<String, f64> = HashMap::new();
        let mut functions: HashMap<String, String> = HashMap::new();
        for e in events {
            match e.kind {
                "traffic_plan" => {
                    if let (Some(d), Some(ends)) =
                        (&e.deployment_id, e.detail["allow_traffic_ends_at"].as_f64())
                    {
                        late_from.insert(
                            d.clone(),
                            ends + rollwatch::domain::PAST_END_GRACE_SECS as f64,
                        );
                    }
                }
                "weight" => {
                    if let (Some(d), Some(f)) = (&e.deployment_id, &e.function) {
                        functions.insert(d.clone(), f.clone());
                    }
                    if let Some(f) = &e.function {
                        let source = e.detail["source"].as_str().unwrap_or("").to_owned();
                        weights.entry(f.clone()).or_default().push((
                            e.sim_time,
                            e.detail.clone(),
                            source,
                        ));
                    }
                }
                "deployment_status" => {
                    if let (Some(d), Some(s)) = (&e.deployment_id, e.detail["status"].as_str()) {
                        statuses
                            .entry(d.clone())
                            .or_default()
                            .push((e.sim_time, s.to_owned()));
                    }
                }
                "alarm_state" => {
                    if let (Some(a), Some(to)) =
                        (e.detail["alarm"].as_str(), e.detail["to"].as_str())
                    {
                        alarms
                            .entry(a.to_owned())
                            .or_default()
                            .push((e.sim_time, to.to_owned()));
                    }
                }
                "lifecycle_event" => {
                    if let (Some(d), Some(name), Some(status)) = (
                        &e.deployment_id,
                        e.detail["event"].as_str(),
                        e.detail["status"].as_str(),
                    ) {
                        hooks.entry(d.clone()).or_default().push((
                            e.sim_time,
                            name.to_owned(),
                            status.to_owned(),
                        ));
                    }
                }
                _ => {}
            }
        }
        Self {
            weights,
            statuses,
            alarms,
            hooks,
            groups: HashMap::new(),
            late_from,
            calls: calls.to_vec(),
            functions,
        }
    }

    /// The share of `version` in an alias change's detail.
    fn share(detail: &Value, version: &str) -> f64 {
        let additional = detail["additional_version_weights"].as_object();
        if let Some(w) = additional
            .and_then(|a| a.get(version))
            .and_then(Value::as_f64)
        {
            return w;
        }
        if detail["function_version"].as_str() == Some(version) {
            1.0 - additional.map_or(0.0, |a| a.values().filter_map(Value::as_f64).sum())
        } else {
            0.0
        }
    }

    /// `version`'s share of `function`'s alias at every change in `[from, to]`, and the one in
    /// force at `from`.
    fn shares_between(&self, function: &str, version: &str, from: f64, to: f64) -> Vec<f64> {
        let changes = self
            .weights
            .get(function)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let before = changes
            .iter()
            .rev()
            .find(|(t, _, _)| *t <= from)
            .map(|(_, d, _)| Self::share(d, version));
        before
            .into_iter()
            .chain(
                changes
                    .iter()
                    .filter(|(t, _, _)| *t > from && *t <= to)
                    .map(|(_, d, _)| Self::share(d, version)),
            )
            .collect()
    }

    /// `alarm`'s state at `at`, and since when.
    fn alarm_at(&self, alarm: &str, at: f64) -> Option<(f64, &str)> {
        self.alarms
            .get(alarm)?
            .iter()
            .rev()
            .find(|(t, _)| *t <= at)
            .map(|(t, s)| (*t, s.as_str()))
    }

    /// When the deployment started shifting (its InProgress status).
    fn started(&self, deployment: &str) -> Option<f64> {
        self.statuses
            .get(deployment)?
            .iter()
            .find(|(_, s)| s == "InProgress")
            .map(|(t, _)| *t)
    }

    /// Whether `warning` is true of `s` (None: a kind the oracle does not judge): each with the
    /// rule the README states.
    fn warning_holds(&self, kind: WarningKind, s: &Seen, spec: &RunSpec) -> Option<bool> {
        let slack = clock_slack(spec.speed);
        match kind {
            // The alias was changed by hand since this deployment began, within the lookback
            // (a proof takes up to one alias round, the hold keeps it 20 s).
            WarningKind::RecordDisagrees => {
                let began = self.statuses.get(&s.deployment)?.first()?.0;
                Some(self.weights.get(&s.function).is_some_and(|changes| {
                    changes.iter().any(|(t, _, source)| {
                        is_hand(source)
                            && *t >= began
                            && *t <= s.at + slack
                            && s.at - *t <= WARNING_LOOKBACK_SECS + spec.record_deadline_secs
                    })
                }))
            }
            // The alias is split and the deployment is over.
            WarningKind::AliasLeftSplit => {
                let shares =
                    self.shares_between(&s.function, &s.target_version, s.at - 60.0, s.at + slack);
                let split = shares.iter().any(|w| *w > 0.0 && *w < 1.0);
                let over = self
                    .status_at(&s.deployment, s.at + slack)
                    .is_some_and(|st| st != "InProgress");
                Some(split && over)
            }
            WarningKind::GroupWatchesNoAlarms => self
                .groups
                .get(&(s.application.clone(), s.group.clone()))
                .map(|(watches, _)| !watches),
            WarningKind::GroupIgnoresAlarmFailures => self
                .groups
                .get(&(s.application.clone(), s.group.clone()))
                .map(|(watches, ignores)| *watches && *ignores),
            // One of its alarms is in ALARM since before the deployment started.
            WarningKind::AlarmFiringBefore => {
                let started = self.started(&s.deployment)?;
                Some(s.alarms.iter().any(|a| {
                    self.alarm_at(a, s.at + slack)
                        .is_some_and(|(since, state)| state == "ALARM" && since < started)
                }))
            }
            // Still in progress the grace past the end of traffic shifting its config plans.
            WarningKind::PastPredictedEnd => {
                let ends = *self.late_from.get(&s.deployment)?;
                Some(
                    s.at + slack >= ends
                        && self.status_at(&s.deployment, s.at - slack) == Some("InProgress"),
                )
            }
            // A FAIL verdict is judged by its statistical bound; what a canary can catch by
            // the power the verdict bench measures at the stated ratio.
            WarningKind::VerdictFail | WarningKind::CanaryTooShort => None,
        }
    }

    /// Whether a lifecycle hook of `deployment` was in progress at `at`.
    fn hook_running(&self, deployment: &str, at: f64) -> bool {
        self.hook_runs(deployment)
            .into_iter()
            .any(|(_, from, until)| from <= at && at < until)
    }

    /// Every run of a lifecycle hook of `deployment`: (hook, from, until — `f64::MAX` while it
    /// still runs).
    fn hook_runs(&self, deployment: &str) -> Vec<(&str, f64, f64)> {
        let changes = self
            .hooks
            .get(deployment)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut runs = Vec::new();
        for (i, (t, name, status)) in changes.iter().enumerate() {
            let is_hook = name == "BeforeAllowTraffic" || name == "AfterAllowTraffic";
            if !is_hook || status != "InProgress" {
                continue;
            }
            let until = changes[i + 1..]
                .iter()
                .find(|(_, n, _)| n == name)
                .map_or(f64::MAX, |(t, _, _)| *t);
            runs.push((name.as_str(), *t, until));
        }
        runs
    }

    /// The deployment's status at `at`.
    fn status_at(&self, deployment: &str, at: f64) -> Option<&str> {
        self.statuses
            .get(deployment)?
            .iter()
            .rev()
            .find(|(t, _)| *t <= at)
            .map(|(_, s)| s.as_str())
    }
}

/// How far a picture's time may lag the sandbox's: the engine's service clock follows `Date`
/// headers of one-second resolution (two seconds of real time, in simulated seconds).
fn clock_slack(speed: f64) -> f64 {
    2.0 * speed.max(1.0)
}

/// A hand change: an alias change through the API (not CodeDeploy's, not the scenario's).
fn is_hand(source: &str) -> bool {
    source == "api"
}

fn judge_warnings(
    seen: &[Seen],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    report: &mut Report,
) {
    // Raises: a kind absent from a deployment's previous picture and present in this one.
    let mut previous: HashMap<&str, &[WarningKind]> = HashMap::new();
    for s in seen {
        let before = previous
            .insert(&s.deployment, &s.warnings)
            .unwrap_or_default();
        for kind in &s.warnings {
            if before.contains(kind) {
                continue;
            }
            let holds = truth.warning_holds(*kind, s, spec);
            let entry = report
                .kinds
                .entry(format!("warning:{}", kind.name()))
                .or_default();
            entry.raised += 1;
            entry.judged |= holds.is_some();
            if holds == Some(false) {
                entry.false_signals.push(format!(
                    "{} ({}) at +{:.0}s",
                    s.function,
                    s.deployment,
                    s.at - start
                ));
            }
        }
    }
    judge_hand_changes(seen, truth, spec, start, end, report);
    judge_standing(seen, truth, spec, start, report);
}

/// Incidents: every hand change to a share CodeDeploy did not set, on a function whose
/// deployment is in progress, that held for its deadline.
fn judge_hand_changes(
    seen: &[Seen],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    report: &mut Report,
) {
    let entry = report
        .kinds
        .entry(format!("warning:{}", WarningKind::RecordDisagrees.name()))
        .or_insert_with(KindReport::judged);
    for (function, changes) in &truth.weights {
        for (i, (t, detail, source)) in changes.iter().enumerate() {
            if !is_hand(source) || *t < start || *t + spec.record_deadline_secs > end {
                continue;
            }
            let held_until = changes.get(i + 1).map_or(f64::MAX, |(next, _, _)| *next);
            // Exclusion: a change undone before its deadline may go unwarned.
            if held_until - t < spec.record_deadline_secs {
                continue;
            }
            let Some(s) = seen.iter().find(|s| &s.function == function && s.at >= *t) else {
                continue;
            };
            if truth.status_at(&s.deployment, *t) != Some("InProgress") {
                continue;
            }
            let share = Truth::share(detail, &s.target_version);
            let recorded = changes[..i]
                .iter()
                .rev()
                .find(|(_, _, src)| src == "codedeploy")
                .map(|(_, d, _)| Truth::share(d, &s.target_version));
            if recorded.is_some_and(|r| (r - share).abs() < 0.005) {
                continue;
            }
            entry.incidents += 1;
            let warned = seen.iter().find(|x| {
                &x.function == function
                    && x.at >= *t
                    && x.at <= t + spec.record_deadline_secs
                    && x.warnings.contains(&WarningKind::RecordDisagrees)
            });
            match warned {
                Some(x) => entry.delays.push(x.at - t),
                None => entry.missed.push(format!(
                    "{function} set to {share} by hand at +{:.0}s",
                    t - start
                )),
            }
        }
    }
}

/// Incidents of the warnings about a deployment's standing: a group that watches no alarms
/// or ignores poll failures, an alarm firing since before it began, its alias left split when
/// it ended — each signalled within its deadline of the first picture that shows the
/// deployment in that standing (or of the moment it ended split).
fn judge_standing(seen: &[Seen], truth: &Truth, spec: &RunSpec, start: f64, report: &mut Report) {
    let deadline = EVENT_DEADLINE_SECS;
    let mut first: Vec<&Seen> = Vec::new();
    for s in seen {
        if !first.iter().any(|f| f.deployment == s.deployment) {
            first.push(s);
        }
    }
    for kind in [
        WarningKind::GroupWatchesNoAlarms,
        WarningKind::GroupIgnoresAlarmFailures,
        WarningKind::AlarmFiringBefore,
        WarningKind::AliasLeftSplit,
        WarningKind::PastPredictedEnd,
    ] {
        let entry = report
            .kinds
            .entry(format!("warning:{}", kind.name()))
            .or_insert_with(KindReport::judged);
        entry.judged = true;
        for f in &first {
            // From when the standing holds: the first picture of an active deployment, or
            // the moment a deployment ended with its alias split.
            let since = if kind == WarningKind::PastPredictedEnd {
                match truth.late_from.get(&f.deployment) {
                    Some(ends) => ends.max(f.at),
                    None => continue,
                }
            } else if kind == WarningKind::AliasLeftSplit {
                let ended = truth.statuses.get(&f.deployment).and_then(|v| {
                    v.iter()
                        .find(|(_, st)| st == "Stopped" || st == "Failed")
                        .map(|(t, _)| *t)
                });
                match ended {
                    Some(t) => t.max(f.at),
                    None => continue,
                }
            } else {
                if truth.status_at(&f.deployment, f.at) != Some("InProgress") {
                    continue;
                }
                f.at
            };
            let probe = Seen {
                at: since,
                ..(*f).clone()
            };
            // Standing that holds over the whole deadline (an alarm back to OK, a split that
            // CodeDeploy's rollback undoes, is excluded; past the planned end, a hook running
            // is the hook-waiting notice's to say).
            let holds = |at: f64| {
                (kind != WarningKind::PastPredictedEnd || !truth.hook_running(&f.deployment, at))
                    && truth.warning_holds(
                        kind,
                        &Seen {
                            at,
                            ..probe.clone()
                        },
                        spec,
                    ) == Some(true)
            };
            if !holds(since)
                || !holds(since + deadline)
                || since + deadline > seen.last().map_or(0.0, |l| l.at)
            {
                continue;
            }
            entry.incidents += 1;
            let warned = seen.iter().find(|x| {
                x.deployment == f.deployment
                    && x.at >= since - clock_slack(spec.speed)
                    && x.at <= since + deadline
                    && x.warnings.contains(&kind)
            });
            match warned {
                Some(x) => entry.delays.push((x.at - since).max(0.0)),
                None => entry.missed.push(format!(
                    "{} ({}) from +{:.0}s",
                    f.function,
                    f.deployment,
                    since - start
                )),
            }
        }
    }
}

/// The calls that read a part of a deployment's picture.
fn operations_of(part: &str) -> &'static [&'static str] {
    match part {
        "record" => &["BatchGetDeployments", "GetDeployment"],
        "target" => &["BatchGetDeploymentTargets", "GetDeploymentTarget"],
        "alias" => &["GetAlias"],
        "alarms" => &["DescribeAlarms"],
        "metrics" => &["GetMetricData"],
        _ => &[],
    }
}

fn judge_stale(
    seen: &[Seen],
    truth: &Truth,
    config: &EngineConfig,
    spec: &RunSpec,
    report: &mut Report,
) {
    let stale = report
        .kinds
        .entry("stale".to_owned())
        .or_insert_with(KindReport::judged);
    // STALE is true when, within three intervals before it, the part's reads really failed
    // or did not succeed at all.
    let mut previous: HashMap<(&str, &str), bool> = HashMap::new();
    for s in seen {
        for part in PARTS {
            let now = s.stale.iter().any(|(p, _)| *p == part);
            let was = previous.insert((&s.deployment, part), now).unwrap_or(false);
            if !now || was {
                continue;
            }
            stale.raised += 1;
            let interval = s
                .stale
                .iter()
                .find(|(p, _)| *p == part)
                .map_or(0.0, |(_, i)| f64::from(*i));
            let window = (s.at - 3.0 * interval, s.at);
            let ops = operations_of(part);
            // The reads of this deployment's part: each call names what it read.
            let about: Vec<&str> = match part {
                "record" | "target" => vec![s.deployment.as_str()],
                "alias" | "metrics" => vec![s.function.as_str()],
                "alarms" => s.alarms.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            let calls = truth.calls.iter().filter(|c| {
                ops.contains(&c.operation.as_str())
                    && c.sim_time > window.0
                    && c.sim_time <= window.1
                    && c.resources.iter().any(|x| about.contains(&x.as_str()))
            });
            let (mut ok, mut failed) = (0, 0);
            for c in calls {
                if c.succeeded() {
                    ok += 1;
                } else {
                    failed += 1;
                }
            }
            if failed == 0 && ok > 0 {
                stale.false_signals.push(format!(
                    "{} {part} at {:.0} with {ok} good reads and none failing in its window",
                    s.function, s.at
                ));
            }
        }
    }
    // Incidents: a part's reads all failing for longer than three of its intervals.
    let failing = report
        .kinds
        .entry("read_failing".to_owned())
        .or_insert_with(KindReport::judged);
    for (part, base) in operations_parts_intervals(config) {
        let ops = operations_of(part);
        let calls: Vec<&CallRecord> = truth
            .calls
            .iter()
            .filter(|c| ops.contains(&c.operation.as_str()))
            .collect();
        let deadline = 3.0 * f64::from(base) * spec.speed.max(1.0);
        let mut run_start: Option<f64> = None;
        for (i, c) in calls.iter().enumerate() {
            if c.succeeded() {
                run_start = None;
                continue;
            }
            let from = *run_start.get_or_insert(c.sim_time);
            let next_ok = calls[i + 1..].iter().find(|n| n.succeeded());
            let ended = next_ok.map_or(f64::MAX, |n| n.sim_time);
            if ended - from < deadline || c.sim_time - from < deadline {
                continue;
            }
            // One incident per failing run, counted at the call that made it long.
            if calls[..i]
                .iter()
                .rev()
                .take_while(|p| !p.succeeded())
                .any(|p| p.sim_time - from >= deadline)
            {
                continue;
            }
            failing.incidents += 1;
            let signalled = seen.iter().find(|s| {
                s.at >= from
                    && s.at <= from + 2.0 * deadline
                    && (s.failing.contains(&part) || s.stale.iter().any(|(p, _)| *p == part))
            });
            match signalled {
                Some(s) => failing.delays.push(s.at - from),
                None => failing
                    .missed
                    .push(format!("{part} failing from {from:.0} unsignalled")),
            }
        }
    }
}

/// The parts of a deployment's picture, as [`rollwatch::domain::ViewFreshness::parts`] names them.
const PARTS: [&str; 5] = ["record", "target", "alias", "alarms", "metrics"];

fn operations_parts_intervals(config: &EngineConfig) -> [(&'static str, u32); 4] {
    [
        ("record", config.details_secs),
        ("alias", config.alias_idle_secs),
        ("alarms", config.alarms_secs),
        ("metrics", config.metrics_secs),
    ]
}

#[allow(clippy::too_many_lines)]
fn judge_timeline(
    timeline: &[(f64, rollwatch::domain::TimelineEvent)],
    seen: &[Seen],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    report: &mut Report,
) {
    let function_of: HashMap<&str, (&str, &str)> = seen
        .iter()
        .map(|s| {
            (
                s.deployment.as_str(),
                (s.function.as_str(), s.target_version.as_str()),
            )
        })
        .collect();
    let weight_deadline = WEIGHT_DEADLINE_SECS;
    let weights = report
        .kinds
        .entry("event:weight".to_owned())
        .or_insert_with(KindReport::judged);
    let mut shown: HashMap<&str, Vec<(f64, f64)>> = HashMap::new();
    for (at, event) in timeline {
        let weight = match &event.change {
            Change::Weight { to, .. } => Some(to.weight),
            Change::Appeared { weight, .. } => weight.map(|w| w.weight),
            _ => None,
        };
        let (Some(weight), Some((function, version))) =
            (weight, function_of.get(event.deployment_id.as_str()))
        else {
            continue;
        };
        weights.raised += 1;
        shown.entry(function).or_default().push((*at, weight));
        // True when the alias (or CodeDeploy's record of it) had that share in the last
        // alias round and a half.
        let shares = truth.shares_between(
            function,
            version,
            at - WARNING_LOOKBACK_SECS,
            at + clock_slack(spec.speed),
        );
        if !shares.iter().any(|w| (w - weight).abs() < 0.005) {
            weights.false_signals.push(format!(
                "{function} shown at {weight} at +{:.0}s, truth {shares:?}",
                at - start
            ));
        }
    }
    let watched: HashSet<&str> = function_of.values().map(|(f, _)| *f).collect();
    let versions: HashMap<&str, &str> = function_of.values().copied().collect();
    for (function, changes) in &truth.weights {
        if !watched.contains(function.as_str()) {
            continue;
        }
        let version = versions.get(function.as_str()).copied().unwrap_or_default();
        for (i, (t, detail, source)) in changes.iter().enumerate() {
            // A new deployment's first weights come with its discovery (listed every 10 s,
            // then read): the event deadline.
            let new_deployment = detail["deployment_id"]
                .as_str()
                .and_then(|d| truth.statuses.get(d)?.first())
                .is_some_and(|(created, _)| t - created < EVENT_DEADLINE_SECS);
            let deadline = if is_hand(source) {
                spec.record_deadline_secs
            } else if new_deployment {
                EVENT_DEADLINE_SECS
            } else {
                weight_deadline
            };
            let shown_by = t + stretched(spec, start, *t, deadline);
            if *t < start + 5.0 || shown_by > end {
                continue;
            }
            let held_until = changes.get(i + 1).map_or(f64::MAX, |(n, _, _)| *n);
            // Exclusion: a share that lasted less than its deadline may never be shown.
            if held_until - t < deadline {
                continue;
            }
            weights.incidents += 1;
            let share = Truth::share(detail, version);
            let first = shown.get(function.as_str()).and_then(|v| {
                v.iter()
                    .find(|(at, w)| *at >= *t - 1.0 && (w - share).abs() < 0.005)
            });
            // Or by the end of its deployment (a rollback's by the deployment it undoes), or
            // as its alias's reads failing.
            let by_other_means = || {
                detail["deployment_id"]
                    .as_str()
                    .into_iter()
                    .chain(
                        seen.iter()
                            .filter(|s| s.function == *function)
                            .map(|s| s.deployment.as_str()),
                    )
                    .find_map(|d| ended_shown(timeline, truth, d, *t, spec))
                    .or_else(|| unreadable_shown(seen, function, "alias", *t, shown_by - t))
            };
            match first.filter(|(at, _)| *at <= shown_by) {
                Some((at, _)) => weights.delays.push((at - t).max(0.0)),
                None => match by_other_means() {
                    Some(at) => weights.delays.push((at - t).max(0.0)),
                    None => weights.missed.push(format!(
                        "{function} {share} ({source}) at +{:.0}s, first shown {}",
                        t - start,
                        shown
                            .get(function.as_str())
                            .and_then(|v| v.iter().find(|(_, w)| (w - share).abs() < 0.005))
                            .map_or("never".to_owned(), |(at, _)| format!("+{:.0}s", at - start))
                    )),
                },
            }
        }
    }
    let status = report
        .kinds
        .entry("event:status".to_owned())
        .or_insert_with(KindReport::judged);
    let mut status_shown: HashMap<&str, Vec<(f64, String)>> = HashMap::new();
    for (at, event) in timeline {
        let (Change::Status { to, .. }
        | Change::Finished { to, .. }
        | Change::Appeared { status: to, .. }
        | Change::RanBetween { status: to, .. }) = &event.change
        else {
            continue;
        };
        status.raised += 1;
        let name = serde_json::to_value(to)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        status_shown
            .entry(&event.deployment_id)
            .or_default()
            .push((*at, name.clone()));
        let true_then = truth.statuses.get(&event.deployment_id).is_some_and(|v| {
            v.iter()
                .any(|(t, s)| *t <= at + clock_slack(spec.speed) && *s == name)
        });
        if !true_then {
            status.false_signals.push(format!(
                "{} {name} at +{:.0}s, truth {:?}",
                event.deployment_id,
                at - start,
                truth.statuses.get(&event.deployment_id)
            ));
        }
    }
    let status_deadline = EVENT_DEADLINE_SECS;
    for (deployment, changes) in &truth.statuses {
        if !function_of.contains_key(deployment.as_str()) {
            continue;
        }
        for (i, (t, name)) in changes.iter().enumerate() {
            let held_until = changes.get(i + 1).map_or(f64::MAX, |(n, _)| *n);
            // Exclusions: a status that lasted less than its deadline; one before the run.
            let shown_by = t + stretched(spec, start, *t, status_deadline);
            if *t < start + 5.0 || shown_by > end || held_until - t < status_deadline {
                continue;
            }
            if name == "Created" || name == "Queued" || name == "Ready" {
                continue;
            }
            status.incidents += 1;
            let first = status_shown
                .get(deployment.as_str())
                .and_then(|v| v.iter().find(|(at, s)| *at >= *t - 1.0 && s == name));
            match first {
                Some((at, _)) if *at <= shown_by => {
                    status.delays.push((at - t).max(0.0));
                }
                _ => status
                    .missed
                    .push(format!("{deployment} {name} at +{:.0}s", t - start)),
            }
        }
    }
}

/// How long after a fault storm rollwatch may take to be back at its normal pace: throttling
/// stretches a service's intervals up to 16×, and each answer and quiet minute halve the
/// stretch again (README, "Reliability"), in real seconds.
const FAULT_RECOVERY_SECS: f64 = 120.0;

/// `deadline` for an incident at `t` (a run that began at `start`), or — during a fault storm and its recovery — until the
/// recovery's end plus `deadline`: a change then is shown late, the failing reads and STALE
/// saying why.
fn stretched(spec: &RunSpec, start: f64, t: f64, deadline: f64) -> f64 {
    match &spec.faults {
        Some((_, from, until)) => {
            let recovered = start + until + FAULT_RECOVERY_SECS * spec.speed.max(1.0);
            if t >= start + from && t < recovered {
                recovered + deadline - t
            } else {
                deadline
            }
        }
        None => deadline,
    }
}

/// When the timeline said `deployment` ended, if it ended within the status deadline of `t`
/// and that was said within it: a last shift, a last hook or a rollback that comes with the end
/// of a deployment is signalled by its end ("Succeeded", "Failed: hook", "Stopped: alarm").
fn ended_shown(
    timeline: &[(f64, TimelineEvent)],
    truth: &Truth,
    deployment: &str,
    t: f64,
    spec: &RunSpec,
) -> Option<f64> {
    let slack = clock_slack(spec.speed);
    let deadline = EVENT_DEADLINE_SECS;
    let (ended_at, how) = truth.statuses.get(deployment)?.iter().find(|(at, st)| {
        *at >= t - slack
            && *at <= t + deadline
            && matches!(st.as_str(), "Succeeded" | "Failed" | "Stopped")
    })?;
    timeline
        .iter()
        .find(|(at, e)| {
            e.deployment_id == deployment
                && *at >= t - slack
                && *at <= ended_at + deadline
                && matches!(&e.change,
                    Change::Status { to, .. } | Change::Finished { to, .. }
                    | Change::RanBetween { status: to, .. } if to.as_str() == how)
        })
        .map(|(at, _)| *at)
}

/// When a picture showed `function`'s `part` failing or stale within `deadline` of `t`: a
/// change missed while its reads failed is signalled as unreadable.
fn unreadable_shown(
    seen: &[Seen],
    function: &str,
    part: &str,
    t: f64,
    deadline: f64,
) -> Option<f64> {
    seen.iter()
        .find(|s| {
            s.function == function
                && s.at >= t
                && s.at <= t + deadline
                && (s.failing.contains(&part) || s.stale.iter().any(|(p, _)| *p == part))
        })
        .map(|s| s.at)
}

/// Alarm and hook events of the timeline against the sandbox's alarm states and lifecycle
/// events: true when the truth had that state at or before the event; every change of a
/// watched alarm, and every lifecycle event status of a watched deployment, that held for its
/// deadline (three alarm reads; six target reads while a hook runs) shown within it.
fn judge_alarms_and_hooks(
    timeline: &[(f64, TimelineEvent)],
    seen: &[Seen],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    report: &mut Report,
) {
    let slack = clock_slack(spec.speed);
    let deadline = EVENT_DEADLINE_SECS;
    let mut alarm = KindReport::judged();
    let mut hook = KindReport::judged();
    for (at, event) in timeline {
        match &event.change {
            Change::Alarm {
                alarm: name, to, ..
            } => {
                alarm.raised += 1;
                let held = truth.alarm_at(name, at + slack).map(|(_, s)| s);
                let was = truth.alarm_at(name, at - deadline).map(|(_, s)| s);
                if held != Some(to.as_str()) && was != Some(to.as_str()) {
                    alarm.false_signals.push(format!(
                        "{name} {} at +{:.0}s",
                        to.as_str(),
                        at - start
                    ));
                }
            }
            Change::Hook {
                event: name, to, ..
            } => {
                hook.raised += 1;
                let to = format!("{to:?}");
                let true_then = truth.hooks.get(&event.deployment_id).is_some_and(|v| {
                    v.iter()
                        .any(|(t, e, st)| *t <= at + slack && e == name && *st == to)
                });
                if !true_then {
                    hook.false_signals.push(format!(
                        "{} {name} {to} at +{:.0}s",
                        event.deployment_id,
                        at - start
                    ));
                }
            }
            _ => {}
        }
    }
    alarm_incidents(timeline, seen, truth, spec, start, end, &mut alarm);
    hook_incidents(timeline, seen, truth, spec, start, end, &mut hook);
    report.kinds.insert("event:alarm".to_owned(), alarm);
    report.kinds.insert("event:hook".to_owned(), hook);
}

/// Every change of a watched alarm that held for its deadline, shown within it.
fn alarm_incidents(
    timeline: &[(f64, TimelineEvent)],
    seen: &[Seen],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    alarm: &mut KindReport,
) {
    let slack = clock_slack(spec.speed);
    let deadline = EVENT_DEADLINE_SECS;
    let watched = watched_alarms(seen);
    for (name, changes) in &truth.alarms {
        if !watched.contains(name.as_str()) {
            continue;
        }
        for (i, (t, to)) in changes.iter().enumerate() {
            let held_until = changes.get(i + 1).map_or(f64::MAX, |(n, _)| *n);
            // Exclusions: a state held for less than its deadline; one before the run; one
            // after every deployment watching it ended (a finished deployment's alarms are not
            // read).
            let watched_then = seen.iter().any(|s| {
                s.alarms.contains(name)
                    && truth
                        .status_at(&s.deployment, *t)
                        .is_some_and(|st| !matches!(st, "Succeeded" | "Failed" | "Stopped"))
            });
            if *t < start + 5.0 || *t + deadline > end || held_until - t < deadline || !watched_then
            {
                continue;
            }
            alarm.incidents += 1;
            let shown = timeline.iter().find(|(at, e)| {
                *at >= t - slack
                    && *at <= t + deadline
                    && matches!(&e.change, Change::Alarm { alarm: a, to: s, .. } if a == name && s.as_str() == to)
            });
            // An alarm that stopped its deployment before the next alarm read is signalled
            // by that deployment's end ("Stopped: alarm …").
            let ended = || {
                seen.iter()
                    .filter(|s| s.alarms.contains(name))
                    .find_map(|s| ended_shown(timeline, truth, &s.deployment, *t, spec))
            };
            match shown.map(|(at, _)| *at).or_else(ended) {
                Some(at) => alarm.delays.push((at - t).max(0.0)),
                None => alarm
                    .missed
                    .push(format!("{name} {to} at +{:.0}s", t - start)),
            }
        }
    }
}

/// Every lifecycle event status of a watched deployment that held for its deadline, shown
/// within it.
fn hook_incidents(
    timeline: &[(f64, TimelineEvent)],
    seen: &[Seen],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    hook: &mut KindReport,
) {
    let slack = clock_slack(spec.speed);
    let deadline = EVENT_DEADLINE_SECS;
    let mut first_seen: HashMap<&str, f64> = HashMap::new();
    for s in seen.iter().filter(|s| s.target_read) {
        first_seen.entry(s.deployment.as_str()).or_insert(s.at);
    }
    for (deployment, changes) in &truth.hooks {
        // Exclusion: what a deployment's hooks did before its target was first read is in
        // that first reading, not an event.
        let Some(first) = first_seen.get(deployment.as_str()) else {
            continue;
        };
        for (i, (t, name, status)) in changes.iter().enumerate() {
            let held_until = changes[i + 1..]
                .iter()
                .find(|(_, n, _)| n == name)
                .map_or(f64::MAX, |(n, _, _)| *n);
            if *t < first + slack
                || *t + deadline > end
                || held_until - t < deadline
                || status == "Pending"
            {
                continue;
            }
            hook.incidents += 1;
            let shown = timeline.iter().find(|(at, e)| {
                e.deployment_id == *deployment
                    && *at >= t - slack
                    && *at <= t + deadline
                    && matches!(&e.change, Change::Hook { event, to, .. } if event == name && format!("{to:?}") == *status)
            });
            let shown = shown
                .map(|(at, _)| *at)
                .or_else(|| ended_shown(timeline, truth, deployment, *t, spec));
            match shown {
                Some(at) => hook.delays.push((at - t).max(0.0)),
                None => hook.missed.push(format!(
                    "{deployment} {name} {status} at +{:.0}s",
                    t - start
                )),
            }
        }
    }
}

/// The notices a `[notify]` section would send (its defaults): an alarm notice is true when
/// the alarm went to ALARM; an "ended" notice when the deployment ended so. Every watched alarm
/// going to ALARM and every watched deployment ending Stopped or Failed during the run is
/// noticed within its deadline — except what `min_interval_secs` holds back (the same alarm
/// again within 5 minutes) and what was so at start-up. A hook-waiting notice is true when the
/// hook had been in progress for `hook_wait_secs`; every hook that waits that long (and on,
/// through the deadline) is noticed, unless it was already waiting at start-up. Verdict notices
/// are counted, not judged.
fn judge_notices(
    said: &[(f64, Notice)],
    seen: &[Seen],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    report: &mut Report,
) {
    let slack = clock_slack(spec.speed);
    let deadline = EVENT_DEADLINE_SECS;
    let mut alarm = KindReport::judged();
    let mut ended = KindReport::judged();
    let mut hook_waiting = KindReport::judged();
    let mut split = KindReport::judged();
    let wait = f64::from(NotifyConfig::default().hook_wait_secs);
    let mut other: BTreeMap<&str, KindReport> = BTreeMap::new();
    for (at, notice) in said {
        match &notice.what {
            What::Alarm { alarm: name, .. } => {
                alarm.raised += 1;
                let fired = truth.alarms.get(name).is_some_and(|v| {
                    v.iter()
                        .any(|(t, s)| s == "ALARM" && *t <= at + slack && at - t <= 2.0 * deadline)
                });
                if !fired {
                    alarm
                        .false_signals
                        .push(format!("{name} at +{:.0}s", at - start));
                }
            }
            What::Ended { status, .. } => {
                ended.raised += 1;
                let name = status.as_str();
                let so = notice
                    .deployment_ids
                    .iter()
                    .all(|d| truth.status_at(d, at + slack) == Some(name));
                if !so {
                    ended.false_signals.push(format!(
                        "{:?} {name} at +{:.0}s",
                        notice.deployment_ids,
                        at - start
                    ));
                }
            }
            What::Verdict { .. } => other.entry("notice:verdict").or_default().raised += 1,
            What::HookWaiting { hook, .. } => {
                hook_waiting.raised += 1;
                let waited = notice.deployment_ids.iter().any(|d| {
                    truth.hook_runs(d).into_iter().any(|(name, from, until)| {
                        name == hook
                            && until - from >= wait - slack
                            && from + wait - slack <= *at
                            && *at <= until + deadline
                    })
                });
                if !waited {
                    hook_waiting.false_signals.push(format!(
                        "{:?} {hook} at +{:.0}s",
                        notice.deployment_ids,
                        at - start
                    ));
                }
            }
            What::GuardCountdown { .. } => {
                other.entry("notice:guard_countdown").or_default().raised += 1;
            }
            What::SplitSeen { .. } => {
                split.raised += 1;
                let function = notice.subjects[0].split(':').next().unwrap_or_default();
                if !truth.split_outside_a_deployment(function, at + slack) {
                    split.false_signals.push(format!(
                        "{:?} at +{:.0}s",
                        notice.subjects,
                        at - start
                    ));
                }
            }
            What::SplitEnded => {
                other.entry("notice:split_ended").or_default().raised += 1;
            }
        }
    }
    report.kinds.insert("notice:split".to_owned(), split);
    notice_incidents(
        said,
        seen,
        truth,
        spec,
        start,
        end,
        [&mut alarm, &mut ended],
    );
    report.kinds.insert("notice:alarm".to_owned(), alarm);
    report.kinds.insert("notice:ended".to_owned(), ended);
    hook_waiting_incidents(said, truth, spec, start, end, wait, &mut hook_waiting);
    report
        .kinds
        .insert("notice:hook_waiting".to_owned(), hook_waiting);
    report
        .kinds
        .extend(other.into_iter().map(|(k, v)| (k.to_owned(), v)));
}

/// Every hook that has waited `wait` seconds, and waits on through the deadline, noticed
/// within it — except a hook already waiting that long at start-up (no notice is news then).
fn hook_waiting_incidents(
    said: &[(f64, Notice)],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    wait: f64,
    report: &mut KindReport,
) {
    let slack = clock_slack(spec.speed);
    let deadline = EVENT_DEADLINE_SECS;
    for deployment in truth.hooks.keys() {
        for (name, from, until) in truth.hook_runs(deployment) {
            let due = from + wait;
            if due < start + slack || due + deadline > end || until < due + deadline {
                continue;
            }
            report.incidents += 1;
            let noticed = said.iter().find(|(at, n)| {
                *at >= due - slack
                    && *at <= due + deadline
                    && n.deployment_ids.contains(deployment)
                    && matches!(&n.what, What::HookWaiting { hook, .. } if hook == name)
            });
            match noticed {
                Some((at, _)) => report.delays.push((at - due).max(0.0)),
                None => report
                    .missed
                    .push(format!("{deployment} {name} from +{:.0}s", due - start)),
            }
        }
    }
}

/// Every watched alarm going to ALARM and every watched deployment ending Stopped or Failed,
/// noticed within its deadline (`[alarm, ended]`).
fn notice_incidents(
    said: &[(f64, Notice)],
    seen: &[Seen],
    truth: &Truth,
    spec: &RunSpec,
    start: f64,
    end: f64,
    [alarm, ended]: [&mut KindReport; 2],
) {
    let slack = clock_slack(spec.speed);
    let deadline = EVENT_DEADLINE_SECS;
    let watched = watched_alarms(seen);
    for (name, changes) in &truth.alarms {
        if !watched.contains(name.as_str()) {
            continue;
        }
        let mut last_noticed = f64::MIN;
        for (t, to) in changes {
            if to != "ALARM" || *t < start + 5.0 || *t + deadline > end {
                continue;
            }
            // Exclusion: held back by min_interval_secs after the last notice of this alarm.
            if t - last_noticed < 300.0 * spec.speed.max(1.0) {
                continue;
            }
            alarm.incidents += 1;
            let shown = said.iter().find(|(at, n)| {
                *at >= t - slack
                    && *at <= t + deadline
                    && matches!(&n.what, What::Alarm { alarm: a, .. } if a == name)
            });
            // An alarm that stopped its deployment before the next alarm read is noticed as
            // that deployment's end ("Stopped: … alarm …").
            let watchers: Vec<&str> = seen
                .iter()
                .filter(|s| s.alarms.contains(name))
                .map(|s| s.deployment.as_str())
                .collect();
            let shown = shown.or_else(|| {
                said.iter().find(|(at, n)| {
                    *at >= t - slack
                        && *at <= t + deadline
                        && matches!(n.what, What::Ended { .. })
                        && n.deployment_ids
                            .iter()
                            .any(|d| watchers.contains(&d.as_str()))
                })
            });
            match shown {
                Some((at, _)) => {
                    alarm.delays.push((at - t).max(0.0));
                    last_noticed = *at;
                }
                None => alarm
                    .missed
                    .push(format!("{name} ALARM at +{:.0}s", t - start)),
            }
        }
    }
    let deployments: HashSet<&str> = seen.iter().map(|s| s.deployment.as_str()).collect();
    for (deployment, changes) in &truth.statuses {
        if !deployments.contains(deployment.as_str()) {
            continue;
        }
        for (t, status) in changes {
            if !(status == "Stopped" || status == "Failed")
                || *t < start + 5.0
                || *t + deadline > end
            {
                continue;
            }
            ended.incidents += 1;
            let shown = said.iter().find(|(at, n)| {
                *at >= t - slack
                    && *at <= t + deadline
                    && n.deployment_ids.contains(deployment)
                    && matches!(&n.what, What::Ended { .. })
            });
            match shown {
                Some((at, _)) => ended.delays.push((at - t).max(0.0)),
                None => ended
                    .missed
                    .push(format!("{deployment} {status} at +{:.0}s", t - start)),
            }
        }
    }
}
