//! The running TUI: loads the config, starts file logging, opens the terminal (raw mode,
//! alternate screen, mouse) behind a guard that restores it on quit, error, panic and
//! SIGTERM/SIGINT, and runs the loop — one `select!` over terminal input, engine updates, a 1 s
//! tick and the next frame — feeding [`update`] and drawing only when the model is dirty (at
//! most one frame per 16 ms). Every effect `update` returns goes to the one [`Effects`]
//! performer the entry built (`crate::app`), whose results come back through the same
//! `select!`. It never connects to AWS or starts the sandbox itself.

use std::io::stdout;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream};
use crossterm::execute;
use futures::StreamExt as _;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::MissedTickBehavior;

use super::effect::Effects;
use super::model::Model;
use super::theme::Theme;
use super::update::{Msg, update};
use super::views;
use crate::config::Config;
use crate::domain::ClockReading;
use crate::engine::{EngineHandle, Update};
use crate::keymap::Keymap;

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
pub fn initial_model(config: &Config, profile: crate::domain::Profile) -> Model {
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

/// "Now" on the service's clock: the last reading advanced by local time × its rate.
fn service_now(reading: &(ClockReading, Instant)) -> DateTime<Utc> {
    let (clock, at) = reading;
    let elapsed = at.elapsed().as_secs_f64() * clock.rate;
    clock.now + chrono::Duration::milliseconds((elapsed * 1000.0) as i64)
}

/// Runs the TUI until the user quits or a signal arrives; the terminal is restored whatever
/// happens (the panic hook restores it, then runs the previous hook). `effects` performs every
/// effect `update` returns; what comes of them later arrives on `results`.
pub async fn run<E: Effects>(
    mut engine: EngineHandle,
    mut model: Model,
    mut effects: E,
    results: UnboundedReceiver<Msg>,
) -> std::io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let _guard = TerminalGuard;
    execute!(stdout(), EnableMouseCapture)?;
    let result = event_loop(
        &mut terminal,
        &mut engine,
        &mut model,
        &mut effects,
        results,
    )
    .await;
    effects.finish().await;
    engine.shutdown().await;
    tracing::info!("quit");
    result
}

async fn event_loop<E: Effects>(
    terminal: &mut ratatui::DefaultTerminal,
    engine: &mut EngineHandle,
    model: &mut Model,
    effects: &mut E,
    mut results: UnboundedReceiver<Msg>,
) -> std::io::Result<()> {
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
            Some(msg) = results.recv() => msg,
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
        modal_opened = match (model.modal().is_some(), modal_opened) {
            (true, None) => Some(Instant::now()),
            (true, opened) => opened,
            (false, _) => None,
        };
        for command in commands {
            effects.perform(command, terminal.backend_mut());
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
