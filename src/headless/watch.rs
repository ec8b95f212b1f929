//! `rollwatch watch <deployment-id> | --all [--json] [--fail-on-verdict]`: follows deployments
//! until they end, sharing the live engine with the TUI, and prints each transition — status,
//! weight, hook, alarm and verdict changes — as a line for people or, with `--json`, one NDJSON
//! event per line with the time rollwatch observed it and the service's time. For CI pipelines
//! (`sam deploy` then `rollwatch watch --fail-on-verdict`) and chat or log feeds. The
//! `[notify] command` runs for the watched deployments' notices, as in the TUI.
//!
//! Exit codes: 0 every watched deployment Succeeded; 1 one Failed, was Stopped or rolled back;
//! 2 the canary verdict is Fail (with `--fail-on-verdict`, as soon as it is); 3 could not watch
//! (credentials, permissions, endpoint, deployment not found).

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::accounts::Reach;
use crate::config::Config;
use crate::domain::{
    Change, Deployment, DeploymentStatus, Judgement, Picture, RolloutKey, Source, TimelineEvent,
    notify, timeline_diff,
};
use crate::engine::{Update, spawn};
use crate::exit::WatchExit;
use crate::notify::Notifier;

/// The version of `watch --json`'s lines (docs/watch-ndjson.md): 2 added `change`, the
/// event's fields, beside its `text`.
const NDJSON_SCHEMA: u32 = 3;

/// What `rollwatch watch` was asked for.
#[derive(Debug, Clone, Default)]
pub struct WatchRequest {
    /// The deployment to follow; `None` with `all`: every active one.
    pub deployment_id: Option<String>,
    pub all: bool,
    pub json: bool,
    /// Exit 2 as soon as the verdict reads FAIL.
    pub fail_on_verdict: bool,
}

/// `rollwatch watch`.
pub async fn run_watch(reach: &Reach, args: &WatchRequest, config: &Config) -> ExitCode {
    if args.deployment_id.is_none() && !args.all {
        eprintln!("rollwatch watch: name a deployment id, or --all");
        return WatchExit::CannotWatch.into();
    }
    let connected = match crate::accounts::connect_all(reach, false).await {
        Ok(connected) => connected,
        Err(failure) => {
            eprintln!("rollwatch watch: {}", failure.one_line());
            return WatchExit::CannotWatch.into();
        }
    };
    connected.say("rollwatch watch");
    let readers = connected.readers;
    if readers.is_empty() {
        return WatchExit::CannotWatch.into();
    }
    // `watch` follows deployments and reports nothing of split aliases: no scan of the account.
    let engine_config = crate::engine::EngineConfig {
        alias_scan_secs: 0,
        ..config.engine()
    };
    let mut engine = spawn(readers, engine_config, config.rules());
    let mut notifier = Notifier::new(config.notify.clone());
    let code = follow(&mut engine.updates, args, &mut notifier).await;
    engine.shutdown().await;
    notifier.finish().await;
    code.into()
}

async fn follow(
    updates: &mut tokio::sync::mpsc::Receiver<Update>,
    args: &WatchRequest,
    notifier: &mut Notifier,
) -> WatchExit {
    let Ok(mut shutdown) = crate::signals::Shutdown::new() else {
        eprintln!("rollwatch watch: cannot listen for signals");
        return WatchExit::CannotWatch;
    };
    let mut previous: Option<Picture> = None;
    let mut verdicts: HashMap<String, Judgement> = HashMap::new();
    let mut seen_any = false;
    // What this watch covers: deployments seen active, and any that finished after its first
    // picture (started and ended between two polls). Not those that ended before it began.
    let mut watched: HashSet<String> = HashSet::new();
    let mut began: Option<DateTime<Utc>> = None;
    loop {
        let picture = tokio::select! {
            signal = shutdown.recv() => {
                eprintln!("rollwatch watch: {signal}: stopped watching");
                return WatchExit::CannotWatch;
            }
            update = updates.recv() => match update {
                Some(Update::Picture { picture, .. }) => *picture,
                None => return WatchExit::CannotWatch,
            },
        };
        let began = *began.get_or_insert(picture.taken_at);
        if let Some(failure) = picture.regions.iter().find_map(|r| r.listing.failure()) {
            if picture
                .regions
                .iter()
                .all(|r| r.listing.failure().is_some())
            {
                eprintln!("rollwatch watch: {}", failure.one_line());
                return WatchExit::CannotWatch;
            }
        }
        let wanted = |id: &str| args.deployment_id.as_deref().is_none_or(|w| w == id);
        let timeline = timeline_diff(previous.as_ref(), &picture);
        for event in &timeline {
            if wanted(&event.deployment_id) {
                print_event(args.json, &picture, event);
            }
        }
        // `[notify] command` runs for the watched deployments (no bell: this is not a screen).
        let notices = notify::notices(previous.as_ref(), &picture, &timeline, notifier.config())
            .into_iter()
            .filter(|n| n.deployment_ids.iter().any(|id| wanted(id)))
            .collect();
        notifier.deliver(notices, None);
        for view in picture.regions.iter().flat_map(|r| &r.deployments) {
            let id = &view.deployment.id;
            let Some(verdict) = view.verdict.as_ref().filter(|_| wanted(id)) else {
                continue;
            };
            if verdicts.insert(id.clone(), verdict.overall) != Some(verdict.overall) {
                let event = TimelineEvent {
                    at: picture.taken_at,
                    deployment_id: id.clone(),
                    change: Change::Verdict {
                        judgement: verdict.overall,
                        headline: verdict.headline(),
                    },
                };
                print_verdict(args.json, &picture, &event, verdict.overall);
            }
            if args.fail_on_verdict && verdict.overall == Judgement::Fail {
                return WatchExit::VerdictFail;
            }
        }
        let listed = picture.regions.iter().all(|r| r.listing.value().is_some());
        let recent_listed = picture.regions.iter().all(|r| r.recent.value().is_some());
        let active: Vec<&Deployment> = picture
            .regions
            .iter()
            .flat_map(|r| &r.deployments)
            .map(|v| &v.deployment)
            .filter(|d| d.status.is_active() && wanted(&d.id))
            .collect();
        seen_any |= !active.is_empty();
        watched.extend(active.iter().map(|d| d.id.clone()));
        if listed && recent_listed && active.is_empty() {
            let during = |d: &Deployment| {
                watched.contains(&d.id) || d.complete_time.is_some_and(|t| t >= began)
            };
            let outcome = outcome(&picture, args.deployment_id.as_deref(), during);
            match outcome {
                Some(code) => return code,
                None if args.deployment_id.is_some() => {
                    eprintln!("rollwatch watch: deployment not found among active or recent ones");
                    return WatchExit::CannotWatch;
                }
                None if seen_any || previous.is_some() => return WatchExit::Succeeded,
                None => {}
            }
        }
        previous = Some(picture);
    }
}

/// The exit code once nothing watched is active: from the finished deployment's status, or
/// with `--all` the worst of those that ended `during` the watch (None: none did).
fn outcome(
    picture: &Picture,
    id: Option<&str>,
    during: impl Fn(&Deployment) -> bool,
) -> Option<WatchExit> {
    let finished: Vec<&Deployment> = picture
        .regions
        .iter()
        .flat_map(|r| {
            r.deployments
                .iter()
                .map(|v| &v.deployment)
                .chain(r.recent.value().into_iter().flatten())
        })
        .filter(|d| !d.status.is_active())
        .collect();
    match id {
        Some(id) => finished.iter().find(|d| d.id == id).map(|d| code_of(d)),
        None => finished
            .iter()
            .filter(|d| during(d))
            .map(|d| code_of(d))
            .max(),
    }
}

fn code_of(d: &Deployment) -> WatchExit {
    let rolled_back = d.rollback.rollback_deployment_id.is_some();
    if d.status == DeploymentStatus::Succeeded && !rolled_back {
        WatchExit::Succeeded
    } else {
        WatchExit::Failed
    }
}

fn print_event(json: bool, picture: &Picture, event: &TimelineEvent) {
    let line = if json {
        let mut line = json!({
            "schema_version": NDJSON_SCHEMA,
            "observed_at": Utc::now(),
            "service_time": picture.taken_at,
            "deployment_id": event.deployment_id,
            "kind": event.kind(),
            "change": event.change,
            "text": event.text(),
        });
        if let Some(weight) = event.weight() {
            line["weight"] = json!(weight);
        }
        if let Some(status) = event.status() {
            line["status"] = json!(status);
        }
        with_owner(&mut line, picture, &event.deployment_id);
        with_key(&mut line, picture, &event.deployment_id);
        line.to_string()
    } else {
        format!(
            "{} {} {:?}: {}",
            super::hms(event.at),
            event.deployment_id,
            event.kind(),
            event.text()
        )
    };
    emit(&line);
}

/// The `source`, `id` and `function` of the rollout an event is about (`watch` follows
/// CodeDeploy deployments: their source is `codedeploy`, their id the deployment's).
fn with_key(line: &mut serde_json::Value, picture: &Picture, id: &str) {
    let region = picture.regions.iter();
    let found = region
        .flat_map(|r| {
            let finished = r.recent.value().into_iter().flatten();
            r.deployments.iter().map(|v| &v.deployment).chain(finished)
        })
        .find(|d| d.id == id);
    let key = found.map_or_else(
        || RolloutKey {
            source: Source::CodeDeploy,
            id: id.to_string(),
            function: None,
        },
        Deployment::key,
    );
    super::with_rollout_key(line, &key);
}

/// The `profile` and `account` of the region that shows deployment `id`, on an event.
fn with_owner(line: &mut serde_json::Value, picture: &Picture, id: &str) {
    let owner = picture
        .regions
        .iter()
        .find(|r| r.deployments.iter().any(|v| v.deployment.id == id))
        .map(|r| &r.owner);
    if let Some(owner) = owner {
        if let Some(profile) = owner.profile.name() {
            line["profile"] = json!(profile);
        }
        if let Some(account) = &owner.account {
            line["account"] = json!(account);
        }
    }
}

fn print_verdict(json: bool, picture: &Picture, event: &TimelineEvent, judgement: Judgement) {
    let line = if json {
        let mut line = json!({
            "observed_at": Utc::now(),
            "service_time": picture.taken_at,
            "deployment_id": event.deployment_id,
            "schema_version": NDJSON_SCHEMA,
            "kind": "verdict",
            "verdict": judgement,
            "change": event.change,
            "text": event.text(),
        });
        with_owner(&mut line, picture, &event.deployment_id);
        with_key(&mut line, picture, &event.deployment_id);
        line.to_string()
    } else {
        format!(
            "{} {} verdict: {}",
            super::hms(event.at),
            event.deployment_id,
            event.text()
        )
    };
    emit(&line);
}

fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
