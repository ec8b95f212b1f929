//! The running TUI: loads the config, starts file logging, opens the terminal (raw mode,
//! alternate screen, mouse) behind a guard that restores it on quit, error, panic and
//! SIGTERM/SIGINT, and runs the loop — one `select!` over terminal input, engine updates, a 1 s
//! tick and the next frame — feeding [`update`] and drawing only when the model is dirty (at
//! most one frame per 16 ms). Operator-action effects returned by `update` are performed by
//! [`super::runtime`] in spawned tasks whose results come back through the same `select!`.
//! Also the two entry points: `rollwatch` (real AWS) and `rollwatch demo` (the built-in
//! sandbox), both honouring `--read-only` and the profile's guards.

use std::collections::HashMap;
use std::io::stdout;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream};
use crossterm::execute;
use futures::StreamExt as _;
use tokio::time::MissedTickBehavior;

use super::command::Command;
use super::handoff;
use super::keymap::Keymap;
use super::model::Model;
use super::runtime::{self, Runtime, Setup};
use super::theme::Theme;
use super::update::{Msg, update};
use super::views;
use crate::aws::{
    AwsReader, ConnectOptions, DeploymentReader as _, LogsReader, connect, connect_logs,
};
use crate::cli::{AwsArgs, DemoArgs};
use crate::config::Config;
use crate::domain::ClockReading;
use crate::engine::{self, EngineHandle, Update};
use crate::notify::Notifier;
use crate::sandbox::{Sandbox, SandboxConfig};

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);

/// Restores the terminal when dropped (quit, error, early return).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// The model for `config`, honouring NO_COLOR.
pub fn initial_model(config: &Config, profile: Option<String>) -> Model {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut model = Model::new(
        Keymap::with_overrides(&config.keys),
        Theme::new(config.colors, config.ui.icons, !no_color),
    );
    model.profile = profile;
    model.notify = config.notify.clone();
    model.time_zone = config.ui.time;
    model
}

/// `rollwatch`: the TUI on real AWS — every watched profile (`--profile a,b`) in one table.
pub async fn run_live(aws: &AwsArgs, config: &Config, guard: bool) -> ExitCode {
    let log = super::logging::init();
    let connected = match crate::accounts::connect_all(aws, config, true).await {
        Ok(connected) => connected,
        Err(failure) => {
            eprintln!("rollwatch: {}", failure.one_line());
            return ExitCode::from(4);
        }
    };
    if connected.readers.is_empty() {
        connected.say("rollwatch");
        return ExitCode::from(4);
    }
    let crate::accounts::Connected {
        readers,
        unreachable,
        notes,
    } = connected;
    let base = aws.connect_options(&config.refresh, &config.ui.profiles);
    let actions = action_setup(&base, &readers, aws.read_only, config).await;
    let mut model = initial_model(config, base.profile.clone());
    model.account = readers.first().and_then(|r| r.owner().account);
    model.unreachable = unreachable;
    model.flash = (!notes.is_empty()).then(|| notes.join("; "));
    if let Err(code) = arm_guard(&mut model, guard, &actions, config) {
        return code;
    }
    let logs = logs_readers(&base, &readers).await;
    let engine = engine::spawn(readers, config.refresh.clone(), config.rules());
    finish(
        run(engine, model, actions, logs).await,
        log.as_ref().map(|(_, p)| p.as_path()),
    )
}

/// The logs pane's readers, one per profile and region `readers` watch.
async fn logs_readers(base: &ConnectOptions, readers: &[AwsReader]) -> LogsReaders {
    let mut out = LogsReaders::new();
    for reader in readers {
        let region = reader.region().to_string();
        let profile = reader.profile().map(str::to_string);
        let options = ConnectOptions {
            profile: profile.clone(),
            ..base.clone()
        };
        out.insert(
            (profile, region.clone()),
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
        let profile = reader.profile().map(str::to_string);
        let region = reader.region().to_string();
        match profiles.iter_mut().find(|p| p.options.profile == profile) {
            Some(p) => p.regions.push(region),
            None => profiles.push(runtime::ProfileActions {
                settings: config.profile(profile.as_deref()),
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
        return Err(ExitCode::from(2));
    }
    // The guard watches every row; it must be able to roll back every one it may fire on.
    let cannot = actions.profiles_that_cannot_act();
    if !cannot.is_empty() {
        eprintln!(
            "rollwatch: --guard cannot run: it could not roll back every account it watches ({}); \
             leave those profiles out of --profile or run without --guard",
            cannot.join("; ")
        );
        return Err(ExitCode::from(2));
    }
    model.guard = Some(crate::domain::Guard::new(config.guard));
    Ok(())
}

/// `rollwatch demo`: the built-in sandbox, and the TUI on it (`--read-only` honoured).
pub async fn run_demo(args: &DemoArgs, config: &Config, read_only: bool, guard: bool) -> ExitCode {
    let log = super::logging::init();
    let sandbox_config = SandboxConfig {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        scenario: args.scenario.clone(),
        speed: args.speed,
        faults: None,
        seed: 1,
        allow_remote: false,
        accounts: 1,
    };
    let sandbox = match Sandbox::start(sandbox_config).await {
        Ok(s) => s,
        Err(err) => {
            eprintln!("rollwatch demo: cannot start the sandbox: {err}");
            return ExitCode::from(4);
        }
    };
    let options = ConnectOptions {
        regions: vec![sandbox.region().to_string()],
        endpoint_url: Some(sandbox.endpoint()),
        static_credentials: true,
        own_credentials: false,
        limits: config.refresh.limits(),
        ..ConnectOptions::default()
    };
    let mut readers = match connect(&options).await {
        Ok(r) => r,
        Err(failure) => {
            eprintln!("rollwatch demo: {}", failure.one_line());
            sandbox.shutdown().await;
            return ExitCode::from(4);
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
    let mut model = initial_model(config, Some(format!("demo ({})", args.scenario)));
    model.account = account;
    if let Err(code) = arm_guard(&mut model, guard, &actions, config) {
        sandbox.shutdown().await;
        return code;
    }
    let logs = logs_readers(&options, &readers).await;
    let engine = engine::spawn(readers, config.refresh.clone(), config.rules());
    let result = run(engine, model, actions, logs).await;
    sandbox.shutdown().await;
    finish(result, log.as_ref().map(|(_, p)| p.as_path()))
}

/// The logs pane's readers by profile and region.
pub type LogsReaders = HashMap<(Option<String>, String), Arc<LogsReader>>;

/// Reads the log lines the pane asked for in a task; the result comes back as `Msg::Logs`.
fn read_logs(
    logs: &LogsReaders,
    tx: &tokio::sync::mpsc::UnboundedSender<Msg>,
    deployment_id: String,
    place: &(Option<String>, String),
    function: String,
    version: String,
    now: DateTime<Utc>,
) {
    let Some(reader) = logs.get(place).cloned() else {
        tracing::warn!("no logs reader for {place:?}");
        return;
    };
    let tx = tx.clone();
    tokio::spawn(async move {
        let result = reader
            .recent(&function, &version, now, super::logs::LOGS_LIMIT)
            .await;
        let _ = tx.send(Msg::Logs {
            deployment_id,
            version,
            result,
        });
    });
}

/// How long after a confirmation opens keys are ignored (they were typed before it showed).
const MODAL_GRACE: Duration = Duration::from_millis(300);

/// Whether `key` arrives too soon after the confirmation opened to be meant for it (ctrl-c
/// always quits).
fn swallowed(
    key: &crossterm::event::KeyEvent,
    modal_opened: Option<Instant>,
    now: Instant,
) -> bool {
    let quit = key.code == crossterm::event::KeyCode::Char('c')
        && key
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL);
    !quit && modal_opened.is_some_and(|at| now.saturating_duration_since(at) < MODAL_GRACE)
}

fn finish(result: std::io::Result<()>, log: Option<&Path>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rollwatch: terminal error: {err}");
            if let Some(p) = log {
                eprintln!("rollwatch: see the log: {}", p.display());
            }
            ExitCode::from(1)
        }
    }
}

/// "Now" on the service's clock: the last reading advanced by local time × its rate.
fn service_now(reading: &(ClockReading, Instant)) -> DateTime<Utc> {
    let (clock, at) = reading;
    let elapsed = at.elapsed().as_secs_f64() * clock.rate;
    clock.now + chrono::Duration::milliseconds((elapsed * 1000.0) as i64)
}

/// Runs the TUI until the user quits or a signal arrives; the terminal is restored whatever
/// happens (the panic hook restores it, then runs the previous hook).
pub async fn run(
    mut engine: EngineHandle,
    mut model: Model,
    actions: Setup,
    logs: LogsReaders,
) -> std::io::Result<()> {
    model.read_only = actions.read_only;
    model.actions.disabled.clone_from(&actions.disabled);
    let mut terminal = ratatui::try_init()?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let _guard = TerminalGuard;
    execute!(stdout(), EnableMouseCapture)?;
    let Setup {
        runtime: action_runtime,
        rx: action_results,
        ..
    } = actions;
    let result = event_loop(
        &mut terminal,
        &mut engine,
        &mut model,
        action_runtime.as_ref(),
        action_results,
        &logs,
    )
    .await;
    if let Some(runtime) = action_runtime {
        runtime.finish().await;
    }
    engine.shutdown().await;
    tracing::info!("quit");
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    engine: &mut EngineHandle,
    model: &mut Model,
    action_runtime: Option<&Runtime>,
    mut action_results: tokio::sync::mpsc::UnboundedReceiver<Msg>,
    logs: &LogsReaders,
) -> std::io::Result<()> {
    let (logs_tx, mut logs_rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut shutdown = crate::signals::Shutdown::new()?;
    let size = terminal.size()?;
    update(model, Msg::Resize(size.width, size.height));
    let mut clock: Option<(ClockReading, Instant)> = None;
    let mut engine_alive = true;
    let mut last_draw: Option<Instant> = None;
    let mut modal_opened: Option<Instant> = None;
    let mut notifier = Notifier::new(model.notify.clone());
    loop {
        if model.dirty {
            let due = last_draw.map_or(Duration::ZERO, |at| FRAME.saturating_sub(at.elapsed()));
            if due.is_zero() {
                terminal.draw(|f| views::render(f, f.area(), model))?;
                model.dirty = false;
                last_draw = Some(Instant::now());
            }
        }
        let frame_due = last_draw.map_or(Duration::ZERO, |at| FRAME.saturating_sub(at.elapsed()));
        let msg = tokio::select! {
            signal = shutdown.recv() => {
                tracing::info!(signal, "ending on a signal");
                break;
            }
            event = input.next() => match event {
                Some(Ok(TermEvent::Key(key))) => Msg::Key(key),
                Some(Ok(TermEvent::Mouse(mouse))) => Msg::Mouse(mouse),
                Some(Ok(TermEvent::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(err)) => return Err(err),
                None => break,
            },
            update = engine.updates.recv(), if engine_alive => match update {
                Some(Update::Picture { picture, clock: reading }) => {
                    clock = Some((reading, Instant::now()));
                    Msg::Picture { picture, clock: reading }
                }
                None => {
                    engine_alive = false;
                    Msg::Fatal("the refresh engine stopped; see the log file".to_string())
                }
            },
            _ = tick.tick() => match &clock {
                Some(reading) => Msg::Tick(service_now(reading)),
                None => continue,
            },
            Some(msg) = action_results.recv() => msg,
            Some(msg) = logs_rx.recv() => msg,
            () = tokio::time::sleep(frame_due), if model.dirty => continue,
        };
        if let Msg::Key(key) = &msg {
            if swallowed(key, modal_opened, Instant::now()) {
                tracing::info!(
                    ?key,
                    "key ignored: the confirmation opened less than 300 ms ago"
                );
                continue;
            }
        }
        let commands = update(model, msg);
        // When a confirmation opens, keys already on their way (typed for something else)
        // must not answer it.
        modal_opened = match (model.actions.modal.is_some(), modal_opened) {
            (true, None) => Some(Instant::now()),
            (true, opened) => opened,
            (false, _) => None,
        };
        for command in commands {
            if let Command::Notify(notices) = command {
                notifier.deliver(
                    notices,
                    Some(terminal.backend_mut() as &mut dyn std::io::Write),
                );
            } else if let Command::FetchLogs {
                deployment_id,
                profile,
                region,
                function,
                version,
                now,
            } = command
            {
                read_logs(
                    logs,
                    &logs_tx,
                    deployment_id,
                    &(profile, region),
                    function,
                    version,
                    now,
                );
            } else if let Command::Copy(text) = &command {
                handoff::copy(text, terminal.backend_mut());
            } else if let Command::OpenUrl(url) = &command {
                if let Err(why) = handoff::open(url) {
                    model.flash = Some(format!("{url} — {why}"));
                    model.dirty = true;
                }
            } else if let Some(command) = command.engine() {
                if engine.commands.try_send(command).is_err() {
                    tracing::warn!("engine command queue full or closed");
                }
            } else if let Some(rt) = action_runtime {
                rt.perform(command);
            } else {
                tracing::warn!("action effect without a write side: {command:?}");
            }
        }
        if model.quit {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    #[test]
    fn keys_in_the_first_300_ms_of_a_confirmation_are_ignored_but_ctrl_c() {
        let opened = Instant::now();
        let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(swallowed(
            &y,
            Some(opened),
            opened + Duration::from_millis(299)
        ));
        assert!(!swallowed(
            &y,
            Some(opened),
            opened + Duration::from_millis(300)
        ));
        assert!(!swallowed(&ctrl_c, Some(opened), opened));
        assert!(!swallowed(&y, None, opened), "no confirmation open");
    }
}
