//! The program's wiring, at the entry: the front ends receive values, never build them. For
//! the TUI (`rollwatch`, `rollwatch demo`) this module connects every watched profile
//! ([`crate::accounts`]) or starts the built-in sandbox, looks up the account, builds the write
//! side of each profile with its guards ([`runtime`]), the logs readers and the engine, arms
//! `--guard`, and hands the TUI its engine, model and the one [`perform::Performer`] that
//! carries out its effects. The TUI itself cannot tell the sandbox from AWS and never calls either.

pub mod perform;
pub mod runtime;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::accounts::Reach;
use crate::aws::{AwsReader, ConnectOptions, DeploymentReader as _, connect, connect_logs};
use crate::cli::DemoArgs;
use crate::config::Config;
use crate::domain::{Place, Profile};
use crate::engine::{self, EngineHandle};
use crate::exit::TuiExit;
use crate::notify::Notifier;
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::tui::app::{initial_model, run};
use crate::tui::model::{Level, Model};
use perform::{LogsReaders, Performer};
use runtime::Setup;

/// `rollwatch`: the TUI on real AWS — every watched profile (`--profile a,b`) in one table.
pub async fn run_live(reach: &Reach, config: &Config, guard: bool) -> ExitCode {
    let log = crate::tui::logging::init();
    let connected = match crate::accounts::connect_all(reach, true).await {
        Ok(connected) => connected,
        Err(failure) => {
            eprintln!("rollwatch: {}", failure.one_line());
            return TuiExit::CannotConnect.into();
        }
    };
    if connected.readers.is_empty() {
        connected.say("rollwatch");
        return TuiExit::CannotConnect.into();
    }
    let crate::accounts::Connected {
        readers,
        unreachable,
        notes,
    } = connected;
    let base = reach.base();
    let actions = action_setup(&base, &readers, reach.read_only, config).await;
    let mut model = initial_model(config, base.profile.clone());
    model.account = readers.first().and_then(|r| r.owner().account);
    model.unreachable = unreachable;
    // On the message line, which stays until the next message (the flash line is cleared by
    // the first picture).
    if !notes.is_empty() {
        model.actions.message = Some((notes.join("; "), Level::Info));
    }
    if let Err(code) = arm_guard(&mut model, guard, &actions, config) {
        return code;
    }
    let logs = logs_readers(&base, &readers).await;
    let engine = engine::spawn(readers, config.engine(), config.rules());
    finish(
        launch(engine, model, actions, logs).await,
        log.as_ref().map(|(_, p)| p.as_path()),
    )
}

/// The logs pane's readers, one per profile and region `readers` watch.
async fn logs_readers(base: &ConnectOptions, readers: &[AwsReader]) -> LogsReaders {
    let mut out = LogsReaders::new();
    for reader in readers {
        let region = reader.region().to_string();
        let profile = reader.profile().clone();
        let options = ConnectOptions {
            profile: profile.clone(),
            ..base.clone()
        };
        out.insert(
            Place::new(profile, region.clone()),
            Arc::new(connect_logs(&options, &region).await),
        );
    }
    out
}

/// The action guards and write side of every profile `readers` watch, each with its own
/// `[profiles.NAME]` settings.
async fn action_setup(
    base: &ConnectOptions,
    readers: &[AwsReader],
    read_only: bool,
    config: &Config,
) -> Setup {
    let mut profiles: Vec<runtime::ProfileActions> = Vec::new();
    for reader in readers {
        let profile = reader.profile().clone();
        let region = reader.region().to_string();
        match profiles.iter_mut().find(|p| p.options.profile == profile) {
            Some(p) => p.regions.push(region),
            None => profiles.push(runtime::ProfileActions {
                settings: config.profile(&profile),
                options: ConnectOptions {
                    profile,
                    ..base.clone()
                },
                regions: vec![region],
            }),
        }
    }
    runtime::setup(profiles, read_only).await
}

/// `--guard`: arms the guard, or refuses to start when the write side is missing (read-only
/// mode, no audit log) — the person asked for a guard and must not believe one is running.
fn arm_guard(
    model: &mut Model,
    guard: bool,
    actions: &Setup,
    config: &Config,
) -> Result<(), ExitCode> {
    if !guard {
        return Ok(());
    }
    if let Some(why) = &actions.disabled {
        eprintln!("rollwatch: --guard cannot run: {why}");
        return Err(TuiExit::Usage.into());
    }
    // The guard watches every row; it must be able to roll back every one it may fire on.
    let cannot = actions.profiles_that_cannot_act();
    if !cannot.is_empty() {
        eprintln!(
            "rollwatch: --guard cannot run: it could not roll back every account it watches ({}); \
             leave those profiles out of --profile or run without --guard",
            cannot.join("; ")
        );
        return Err(TuiExit::Usage.into());
    }
    model.guard = Some(crate::domain::Guard::new(config.guard));
    Ok(())
}

/// `rollwatch demo`: the built-in sandbox, and the TUI on it (`--read-only` honoured).
pub async fn run_demo(args: &DemoArgs, config: &Config, read_only: bool, guard: bool) -> ExitCode {
    let log = crate::tui::logging::init();
    let sandbox_config = SandboxConfig::loopback(&args.scenario).speed(args.speed);
    let sandbox = match Sandbox::start(sandbox_config).await {
        Ok(s) => s,
        Err(err) => {
            eprintln!("rollwatch demo: cannot start the sandbox: {err}");
            return TuiExit::CannotConnect.into();
        }
    };
    let options = ConnectOptions {
        regions: vec![sandbox.region().to_string()],
        endpoint_url: Some(sandbox.endpoint()),
        static_credentials: true,
        own_credentials: false,
        limits: config.refresh.limits(),
        clock_rate: Some(args.speed),
        ..ConnectOptions::default()
    };
    let mut readers = match connect(&options).await {
        Ok(r) => r,
        Err(failure) => {
            eprintln!("rollwatch demo: {}", failure.one_line());
            sandbox.shutdown().await;
            return TuiExit::CannotConnect.into();
        }
    };
    let account = match readers.first() {
        Some(r) => crate::aws::caller_identity(&options, r.region())
            .await
            .ok()
            .map(|identity| identity.account),
        None => None,
    };
    for r in &mut readers {
        r.set_account(account.clone());
    }
    let actions = action_setup(&options, &readers, read_only, config).await;
    let mut model = initial_model(config, Profile::named(format!("demo ({})", args.scenario)));
    model.account = account;
    if let Err(code) = arm_guard(&mut model, guard, &actions, config) {
        sandbox.shutdown().await;
        return code;
    }
    let logs = logs_readers(&options, &readers).await;
    let engine = engine::spawn(readers, config.engine(), config.rules());
    let result = launch(engine, model, actions, logs).await;
    sandbox.shutdown().await;
    finish(result, log.as_ref().map(|(_, p)| p.as_path()))
}

/// Runs the TUI with the effects performer built from `actions` and `logs`.
async fn launch(
    engine: EngineHandle,
    mut model: Model,
    actions: Setup,
    logs: LogsReaders,
) -> std::io::Result<()> {
    model.read_only = actions.read_only;
    model.actions.disabled.clone_from(&actions.disabled);
    let notifier = Notifier::new(model.notify.clone());
    let (performer, results) = Performer::new(engine.commands.clone(), notifier, actions, logs);
    run(engine, model, performer, results).await
}

fn finish(result: std::io::Result<()>, log: Option<&Path>) -> ExitCode {
    match result {
        Ok(()) => TuiExit::Quit.into(),
        Err(err) => {
            eprintln!("rollwatch: terminal error: {err}");
            if let Some(p) = log {
                eprintln!("rollwatch: see the log: {}", p.display());
            }
            TuiExit::TerminalError.into()
        }
    }
}
