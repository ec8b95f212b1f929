//! Headless operator actions for runbooks and chat-ops: `rollwatch rollback | stop | continue |
//! resolve <deployment-id>` and `rollwatch audit`. Each action shows the blast radius and asks
//! for confirmation on a terminal (`y`, or `function:alias` on a protected profile), requires
//! `--yes` when stdin is not a terminal, follows the action to its end state printing each call,
//! and writes the same audit line as the TUI.
//!
//! Exit codes: 0 done; 1 refused or not applicable (including read-only); 2 usage or
//! configuration (no `--yes` without a terminal, unreadable config); 3 an AWS call failed or the
//! end state was not reached; 4 cancelled at the confirmation; 5 done, but the audit line could
//! not be written.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::accounts::Reach;
use crate::actions::{
    AuditLog, Context, Executor, Follow, Initiator, Outcome, Prepared, Report, Request, Sleep,
    paired, prepare, readable, settings,
};
use crate::aws::{AwsReader, DeploymentReader, Mode, connect_writer};
use crate::config::Config;
use crate::domain::{
    AliasSplit, Confirmation, DeploymentView, FailureKind, Owner, Part, ViewFreshness, alias_id,
};
use crate::engine::{PictureOptions, collect_picture};
use crate::exit::{ActExit, ToolExit};

/// Poll interval while following (`ROLLWATCH_FOLLOW_POLL_MS` for tests; default 3 s).
fn follow() -> Follow {
    let ms = std::env::var("ROLLWATCH_FOLLOW_POLL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(3000)
        .max(10);
    Follow {
        pause: std::sync::Arc::new(Sleep(Duration::from_millis(ms))),
        max_polls: u32::try_from((75 * 60 * 1000) / ms).unwrap_or(u32::MAX),
        cancel: tokio_util::sync::CancellationToken::new(),
    }
}

fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Which deployment an action command is for, and how it is confirmed.
#[derive(Debug, Clone, Default)]
pub struct ActTarget {
    pub deployment_id: String,
    /// Confirm without asking (`--yes`).
    pub yes: bool,
    /// The `function:alias` a protected profile needs typed (`--confirm`).
    pub confirm: Option<String>,
}

/// `rollwatch rollback | stop | continue | resolve`.
pub async fn run_action(
    reach: &Reach,
    request: Request,
    act: &ActTarget,
    config: &Config,
) -> ExitCode {
    Box::pin(act_on(reach, request, act, config)).await
}

/// The person's answer to `confirmation`: `--yes` (with `--confirm` typed on a protected
/// profile) or a line read from the terminal. Neither: nothing is sent, the refusal is
/// recorded and the exit is a usage error.
fn answer(
    act: &ActTarget,
    confirmation: &Confirmation,
    executor: &Executor,
    prepared: &Prepared,
) -> Result<String, ExitCode> {
    let answer = if act.yes {
        match (&confirmation.typed, &act.confirm) {
            (Some(_), Some(typed)) => typed.clone(),
            (Some(t), None) => {
                say(&format!(
                    "rollwatch: protected profile: pass --confirm {t} together with --yes"
                ));
                executor.record_unconfirmed(prepared);
                return Err(ActExit::Usage.into());
            }
            (None, _) => "y".to_string(),
        }
    } else if std::io::stdin().is_terminal() {
        eprint!("{}", confirmation.prompt());
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).is_err() {
            line.clear();
        }
        line
    } else {
        say("rollwatch: stdin is not a terminal: pass --yes to confirm (nothing was sent)");
        executor.record_unconfirmed(prepared);
        return Err(ActExit::Usage.into());
    };
    Ok(answer)
}

async fn act_on(reach: &Reach, request: Request, act: &ActTarget, config: &Config) -> ExitCode {
    let audit = match AuditLog::default_location().and_then(|a| a.check_writable().map(|()| a)) {
        Ok(a) => a,
        Err(e) => {
            say(&format!(
                "rollwatch: refusing to act without an audit log: {e}"
            ));
            return ActExit::AuditNotWritten.into();
        }
    };
    let follow = follow();
    let cancel = follow.cancel.clone();
    let executor = Executor::new(audit, follow);
    // With several profiles, the deployment is looked for in each; the action goes through
    // the one that owns it, with that profile's guards.
    let readers = match crate::accounts::connect_all(reach, false).await {
        Ok(connected) => {
            connected.say("rollwatch");
            connected.readers
        }
        Err(f) => {
            say(&format!("rollwatch: {}", f.one_line()));
            return ActExit::AwsError.into();
        }
    };
    let (view, region, owner) = match Box::pin(find_view(readers, &act.deployment_id, config)).await
    {
        Ok(found) => found,
        Err(message) => {
            say(&format!("rollwatch: {message}"));
            return ActExit::AwsError.into();
        }
    };
    let profile = &owner.profile;
    let profile_settings = config.profile(profile);
    let mode = settings::mode(reach.read_only, profile_settings, profile);
    let opts = reach.of(profile);
    let context = Context {
        profile: owner.profile.clone(),
        region: region.clone(),
        protected: profile_settings.protected,
        initiator: Initiator::person("cli"),
    };
    let writer = match connect_writer(&opts, &region, &mode).await {
        Ok(w) => w,
        Err(f) => {
            let why = match &mode {
                Mode::ReadOnly(why) => format!("read-only mode ({why}): nothing was sent"),
                Mode::Operator => f.one_line(),
            };
            let report =
                executor.record_unconfirmed(&Prepared::refused(&view, &request, context, why));
            return finish(&report);
        }
    };
    let prepared = Box::pin(prepare(&writer, &view, &request, context)).await;
    let Some(confirmation) = prepared
        .confirmation
        .clone()
        .filter(|_| prepared.action.is_ok())
    else {
        return finish(&executor.record_unconfirmed(&prepared));
    };
    for line in confirmation.lines() {
        say(&line);
    }
    let answer = match answer(act, &confirmation, &executor, &prepared) {
        Ok(answer) => answer,
        Err(code) => return code,
    };
    let confirmed = match prepared.confirm(&answer) {
        Ok(c) => c,
        Err(prepared) => return finish(&executor.record_unconfirmed(&prepared)),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let printer = tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            say(&format!("  · {line}"));
        }
    });
    // Ctrl-C, SIGTERM or SIGHUP while following stops the follow (not the action in AWS); the
    // outcome line is written.
    let mut shutdown = match crate::signals::Shutdown::new() {
        Ok(s) => s,
        Err(e) => {
            say(&format!(
                "rollwatch: cannot listen for signals ({e}): nothing was sent"
            ));
            executor.record_unconfirmed(confirmed.prepared());
            return ActExit::AwsError.into();
        }
    };
    let interrupt = tokio::spawn(async move {
        let signal = shutdown.recv().await;
        say(&format!(
            "rollwatch: {signal}: stopped following; what was sent carries on in AWS"
        ));
        cancel.cancel();
    });
    let report = Box::pin(executor.run(&writer, confirmed, Some(tx))).await;
    interrupt.abort();
    let _ = printer.await;
    finish(&report)
}

/// Prints the outcome (stdout), the failure's hint and any audit error (stderr); the exit code.
fn finish(report: &Report) -> ExitCode {
    println!("{}", report.message);
    if let Some(f) = &report.failure {
        say(&format!("what to do: {}", f.hint));
    }
    let code = match report.outcome {
        Outcome::Done => ActExit::Done,
        Outcome::Failed | Outcome::Attempted | Outcome::Unknown => ActExit::AwsError,
        Outcome::Refused | Outcome::Busy => ActExit::Refused,
        Outcome::Cancelled => ActExit::Cancelled,
    };
    if let Some(e) = &report.audit_error {
        say(&format!("rollwatch: {e}"));
        if code == ActExit::Done {
            return ActExit::AuditNotWritten.into();
        }
    }
    code.into()
}

/// The picture's view of the deployment (with alarms and metrics for the blast radius), or a
/// bare view when the picture does not show it (finished and superseded).
async fn find_view(
    readers: Vec<AwsReader>,
    id: &str,
    config: &Config,
) -> Result<(DeploymentView, String, Owner), String> {
    let readers: Vec<Arc<AwsReader>> = readers.into_iter().map(Arc::new).collect();
    let options = PictureOptions {
        rules: config.rules(),
        // An action needs its deployment's view, not the account's other aliases.
        scan_aliases: false,
        ..PictureOptions::default()
    };
    let picture = collect_picture(&readers, options).await;
    for region in &picture.regions {
        if let Some(v) = region.deployments.iter().find(|v| v.deployment.id == id) {
            return Ok((v.clone(), region.region.clone(), region.owner.clone()));
        }
    }
    if let Some((function, alias)) = alias_id(id) {
        // A deployment that moves this alias owns its split: act on the deployment.
        let subject = format!("{function}:{alias}");
        let owner = picture
            .regions
            .iter()
            .flat_map(|r| &r.deployments)
            .find(|v| v.deployment.subject() == subject);
        if let Some(v) = owner {
            return Err(format!(
                "deployment {} moves {subject}: act on it (rollwatch resolve {} …)",
                v.deployment.id, v.deployment.id
            ));
        }
        return split_view(&readers, function, alias).await;
    }
    let mut errors = Vec::new();
    for reader in &readers {
        match reader.deployments(&[id.to_string()]).await {
            Ok(found) => {
                if let Some(d) = found.into_iter().next() {
                    return Ok((bare_view(d), reader.region().to_string(), reader.owner()));
                }
            }
            Err(f) => errors.push(f.one_line()),
        }
    }
    Err(not_found(
        &format!("Lambda deployment {id}"),
        &readers,
        &errors,
    ))
}

/// Why nothing was found: the reads that failed, else that `what` is in none of the regions.
fn not_found(what: &str, readers: &[Arc<AwsReader>], errors: &[String]) -> String {
    if errors.is_empty() {
        let regions: Vec<&str> = readers.iter().map(DeploymentReader::region).collect();
        format!("no {what} in {}", regions.join(", "))
    } else {
        errors.join("; ")
    }
}

/// The view of the alias `function:alias` split outside any deployment, read now, from the
/// first region that has the function.
async fn split_view(
    readers: &[Arc<AwsReader>],
    function: &str,
    alias: &str,
) -> Result<(DeploymentView, String, Owner), String> {
    let mut errors = Vec::new();
    for reader in readers {
        match reader.alias(function, alias).await {
            Ok(weights) => {
                let primary = weights.primary_version.clone();
                let now = reader.clock().now;
                return match AliasSplit::of(weights, now) {
                    Some(split) => Ok((
                        DeploymentView::of_split(&split),
                        reader.region().to_string(),
                        reader.owner(),
                    )),
                    None => Err(format!(
                        "{function}:{alias} is not split: it sends all traffic to version {primary}"
                    )),
                };
            }
            Err(f) if f.kind == FailureKind::NotFound => {}
            Err(f) => errors.push(f.one_line()),
        }
    }
    Err(not_found(
        &format!("alias {function}:{alias}"),
        readers,
        &errors,
    ))
}

fn bare_view(deployment: crate::domain::Deployment) -> DeploymentView {
    let skipped = || "not shown: the deployment is not being watched";
    DeploymentView {
        deployment,
        config: Part::skipped(skipped()),
        target: Part::skipped(skipped()),
        appspec: Part::skipped(skipped()),
        group: Part::skipped(skipped()),
        alias: Part::skipped(skipped()),
        weight: None,
        plan: None,
        schedule: None,
        alarms: Part::skipped(skipped()),
        metrics: Part::skipped(skipped()),
        alias_disagrees: None,
        warnings: Vec::new(),
        freshness: ViewFreshness::default(),
        verdict: None,
    }
}

/// `rollwatch audit`: readable, or the raw lines with `--json`.
pub fn run_audit(json: bool) -> ExitCode {
    let log = match AuditLog::default_location() {
        Ok(l) => l,
        Err(e) => {
            say(&format!("rollwatch: {e}"));
            return ToolExit::Usage.into();
        }
    };
    let lines = match log.read() {
        Ok(r) => r,
        Err(e) => {
            say(&format!("rollwatch: {e}"));
            return ToolExit::Unreadable.into();
        }
    };
    // One record per attempt: its outcome, or "outcome unknown" when only the attempt line
    // was written. An unreadable line is shown as it is, in place.
    let (records, unreadable): (Vec<_>, Vec<_>) = lines.into_iter().partition(Result::is_ok);
    let records = paired(records.into_iter().filter_map(Result::ok).collect());
    for e in unreadable.into_iter().filter_map(Result::err) {
        say(&format!("rollwatch: {}: {e}", log.path().display()));
    }
    if json {
        for r in &records {
            match serde_json::to_string(r) {
                Ok(line) => println!("{line}"),
                Err(e) => say(&format!("rollwatch: {e}")),
            }
        }
        return ExitCode::SUCCESS;
    }
    if records.is_empty() {
        println!("no operator actions recorded in {}", log.path().display());
    }
    for r in &records {
        for line in readable(r) {
            println!("{line}");
        }
    }
    ExitCode::SUCCESS
}
