//! `update(&mut Model, Msg) -> Vec<Effect>`: the only place the model changes. Pure — no IO,
//! no clock reads (time arrives in [`Msg::Tick`] and with each picture); the commands it
//! returns are for the engine (refresh now, focus a deployment, change the metrics window) and
//! for the operator actions (prepare, run, decline: see [`super::actions`]).

use chrono::{DateTime, Utc};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::actions;
use super::effect::Effect;
use super::guard;
use super::links;
use super::logs;
use super::model::{FLASH_SECS, LOG_CAPACITY, Model, Overlay, Pane, RowKey};
use super::overlay;
use super::selection::{keep_selection_visible, layout, reselect, select, table_rows};
use super::views::fmt::zone_label;
use crate::actions::{Prepared, Report};
use crate::domain::logs::LogLine;
use crate::domain::{ClockReading, Failure, Picture, notify, timeline_diff};
use crate::engine::MetricSpan;
use crate::keymap::KeyAction;

/// What happened, as the model understands it.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The 1 s tick, with "now" on the service's clock.
    Tick(DateTime<Utc>),
    /// A new picture from the engine.
    Picture {
        picture: Box<Picture>,
        clock: ClockReading,
    },
    /// A resolved action (keys resolve to these through the keymap).
    Action(KeyAction),
    /// The engine is gone or could not start: shown instead of the picture.
    Fatal(String),
    /// An action was prepared (from [`Effect::Prepare`]): confirm it, or its refusal.
    Prepared(Box<Prepared>),
    /// A progress line of a running action.
    ActionProgress {
        deployment_id: String,
        line: String,
    },
    /// An action ended (or a declined one was recorded).
    ActionDone {
        deployment_id: String,
        report: Box<Report>,
    },
    /// Log lines read for the logs pane (from [`Effect::FetchLogs`]).
    Logs {
        deployment_id: String,
        version: String,
        result: Result<Vec<LogLine>, Failure>,
    },
    /// Something to say in the message line: a hand-off that failed (no browser to open).
    Flash(String),
}

/// Applies `msg`; returns the commands for the engine.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Mouse(mouse) => on_mouse(model, mouse),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            keep_selection_visible(model);
            model.dirty = true;
            if model.too_small() {
                if matches!(model.overlay, Some(Overlay::Filter | Overlay::HookId(_))) {
                    model.overlay = None;
                }
                return overlay::confirm::cancel_unseen(model);
            }
            Vec::new()
        }
        Msg::Tick(now) => {
            model.now = Some(now);
            model.dirty = true;
            let mut commands = guard::on_tick(model, now);
            commands.extend(logs::on_tick(model));
            commands
        }
        Msg::Picture { picture, clock } => on_picture(model, *picture, clock),
        Msg::Action(action) => on_action(model, action),
        Msg::Fatal(text) => {
            model.fatal = Some(text);
            model.dirty = true;
            Vec::new()
        }
        Msg::Prepared(prepared) => actions::on_prepared(model, prepared),
        Msg::ActionProgress {
            deployment_id,
            line,
        } => {
            actions::on_progress(model, &deployment_id, &line);
            Vec::new()
        }
        Msg::ActionDone {
            deployment_id,
            report,
        } => actions::on_report(model, &deployment_id, &report),
        Msg::Logs {
            deployment_id,
            version,
            result,
        } => {
            logs::on_read(model, &deployment_id, &version, result);
            Vec::new()
        }
        Msg::Flash(text) => {
            model.flash = Some(text);
            model.dirty = true;
            Vec::new()
        }
    }
}

/// Clears the message once it has stood [`FLASH_SECS`] since a picture first found it: a
/// picture arriving right after a key must not take its message away before it is drawn.
fn age_flash(model: &mut Model, clock: &ClockReading) {
    let Some(text) = &model.flash else {
        model.flash_seen = None;
        return;
    };
    match &model.flash_seen {
        Some((seen, at)) if seen == text => {
            let stood = (clock.now - *at).num_milliseconds() as f64 / 1000.0 / clock.rate.max(1e-9);
            if stood >= FLASH_SECS {
                model.flash = None;
                model.flash_seen = None;
            }
        }
        _ => model.flash_seen = Some((text.clone(), clock.now)),
    }
}

fn on_picture(model: &mut Model, mut picture: Picture, clock: ClockReading) -> Vec<Effect> {
    picture.regions.extend(model.unreachable.iter().cloned());
    let events = timeline_diff(model.picture.as_ref(), &picture);
    let notices = notify::notices(model.picture.as_ref(), &picture, &events, &model.notify);
    let added = events.len();
    model.log.extend(events);
    while model.log.len() > LOG_CAPACITY {
        model.log.pop_front();
    }
    if model.log_scroll > 0 {
        // Keep the lines the user is reading in place.
        model.log_scroll += added;
    }
    model.picture = Some(picture);
    model.now = Some(clock.now);
    model.fatal = None;
    age_flash(model, &clock);
    model.dirty = true;
    let mut commands = guard::on_picture(model, clock);
    commands.extend(reselect(model));
    if !notices.is_empty() {
        commands.push(Effect::Notify(notices));
    }
    commands
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if guard::is_cancel(model, &key) {
        return guard::cancel(model);
    }
    if model.too_small() {
        // Nothing on screen to act on: only quitting works.
        let quit = model.keymap.action_for(&key) == Some(KeyAction::Quit)
            || (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL));
        model.quit |= quit;
        return Vec::new();
    }
    // The overlay on top takes the key first (the help screen only through the keymap).
    if let Some(effects) = overlay::on_key(model, key) {
        return effects;
    }
    match model.keymap.action_for(&key) {
        Some(action) => on_action(model, action),
        None => Vec::new(),
    }
}

fn on_action(model: &mut Model, action: KeyAction) -> Vec<Effect> {
    model.dirty = true;
    if let Some(effects) = overlay::on_action(model, action) {
        return effects;
    }
    match action {
        KeyAction::Quit => model.quit = true,
        KeyAction::Help => model.overlay = Some(Overlay::Help),
        KeyAction::Filter => {
            model.overlay = Some(Overlay::Filter);
            model.focus = Pane::Deployments;
        }
        KeyAction::Back => {
            if model.zoomed {
                model.zoomed = false;
            } else if model.focus == Pane::EventLog {
                model.focus = Pane::Deployments;
            } else if !model.filter.is_empty() {
                model.filter.clear();
                return reselect(model);
            }
        }
        KeyAction::Open => {
            if let Some(key @ RowKey::Group { .. }) = model.selected.clone() {
                // A group row folds or unfolds its deployments.
                if !model.collapsed.remove(&key) {
                    model.collapsed.insert(key);
                }
                return reselect(model);
            }
            model.zoomed = model.selected.is_some();
        }
        KeyAction::Sort => {
            model.sort = model.sort.next();
            model.flash = Some(format!("deployments sorted {}", model.sort.label()));
            return reselect(model);
        }
        KeyAction::NextPane => {
            model.focus = match model.focus {
                Pane::Deployments => Pane::EventLog,
                Pane::EventLog => Pane::Deployments,
            };
        }
        KeyAction::Refresh => {
            model.flash = Some("refresh requested".to_string());
            return vec![Effect::RefreshNow];
        }
        KeyAction::Logs => return logs::toggle(model),
        KeyAction::LogsVersion => return logs::switch_version(model),
        KeyAction::OpenConsole => return links::open(model),
        KeyAction::CopyCommand => return links::copy(model),
        KeyAction::TimeZone => {
            model.time_zone = model.time_zone.toggled();
            model.flash = Some(format!("times shown in {}", zone_label(model.time_zone)));
            return Vec::new();
        }
        KeyAction::MetricsWindow => {
            model.window = match model.window {
                MetricSpan::LAST_HOUR => MetricSpan::SinceStart,
                MetricSpan::Last(_) => MetricSpan::LAST_HOUR,
                MetricSpan::SinceStart => MetricSpan::LAST_15_MINUTES,
            };
            return vec![Effect::MetricWindow(model.window)];
        }
        KeyAction::Up => return step(model, -1),
        KeyAction::Down => return step(model, 1),
        KeyAction::PageUp => return step(model, -page(model)),
        KeyAction::PageDown => return step(model, page(model)),
        KeyAction::Top => return step(model, isize::MIN / 2),
        KeyAction::Bottom => return step(model, isize::MAX / 2),
        KeyAction::Rollback
        | KeyAction::Stop
        | KeyAction::Continue
        | KeyAction::RejectHook
        | KeyAction::HookId
        | KeyAction::BackToOld
        | KeyAction::ForwardToNew => return actions::on_action(model, action),
        KeyAction::CancelGuard => return guard::cancel(model),
        // Keys of the confirmation: `overlay::confirm::on_key` reads them while it is open.
        KeyAction::Confirm | KeyAction::Decline => {}
    }
    Vec::new()
}

fn page(model: &Model) -> isize {
    match model.focus {
        Pane::Deployments => table_rows(model) as isize,
        Pane::EventLog => layout(model)
            .events
            .map_or(10, |e| (e.height.saturating_sub(2) as isize).max(1)),
    }
}

/// Moves the selection (or scrolls the event log) by `delta`.
fn step(model: &mut Model, delta: isize) -> Vec<Effect> {
    if model.focus == Pane::EventLog {
        let max = model
            .selected_deployment()
            .map_or(0, |id| model.events_of(id).count().saturating_sub(1));
        // Newest first: down (positive) goes to older events.
        let scrolled = (model.log_scroll as isize).saturating_add(delta);
        model.log_scroll = scrolled.clamp(0, max as isize) as usize;
        return Vec::new();
    }
    let rows = model.rows();
    if rows.is_empty() {
        return Vec::new();
    }
    let current = model.selected_index(&rows).unwrap_or(0) as isize;
    let next = current
        .saturating_add(delta)
        .clamp(0, rows.len() as isize - 1) as usize;
    let key = rows[next].key();
    drop(rows);
    select(model, next, key)
}

/// The engine's focus: the selected deployment (none on a group row).
fn on_mouse(model: &mut Model, mouse: MouseEvent) -> Vec<Effect> {
    let areas = layout(model);
    let inside = |r: Option<Rect>| {
        r.is_some_and(|r| {
            mouse.column >= r.x
                && mouse.column < r.x + r.width
                && mouse.row >= r.y
                && mouse.row < r.y + r.height
        })
    };
    let over_log = inside(areas.events);
    match mouse.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta = if mouse.kind == MouseEventKind::ScrollDown {
                1
            } else {
                -1
            };
            let saved = model.focus;
            model.focus = if over_log {
                Pane::EventLog
            } else {
                Pane::Deployments
            };
            let out = step(model, delta);
            model.focus = saved;
            model.dirty = true;
            out
        }
        MouseEventKind::Down(MouseButton::Left) => {
            model.dirty = true;
            if over_log {
                model.focus = Pane::EventLog;
                return Vec::new();
            }
            let Some(table) = areas.table.filter(|_| inside(areas.table)) else {
                return Vec::new();
            };
            model.focus = Pane::Deployments;
            // Border, then the header row.
            let notices = super::views::table::notice_lines(model, table.width.saturating_sub(2));
            let Some(line) = mouse.row.checked_sub(table.y + 2 + notices) else {
                return Vec::new();
            };
            let index = model.table_offset + usize::from(line);
            let rows = model.rows();
            let Some(row) = rows.get(index) else {
                return Vec::new();
            };
            let key = row.key();
            drop(rows);
            select(model, index, key)
        }
        _ => Vec::new(),
    }
}
