//! What is on top of the screen: the [`Overlay`] the model holds (its state), and here, one
//! file per overlay with its keys, its footer line and its drawing. This file hands each to the
//! overlay on top, in exhaustive matches (a new overlay does not compile until every one says
//! what it does).
//!
//! To add an overlay: its variant in [`Overlay`] (`model.rs`, with its state), its file here
//! (`on_key`, `footer`, `draw`, as it needs), one arm in each match below, and the key that
//! opens it (`keymap.rs`, and `update.rs` or the flow that opens it).

pub mod confirm;
pub mod filter;
pub mod help;
pub mod hook_id;
pub mod open_choice;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::effect::Effect;
use super::model::{Model, Overlay};
use crate::keymap::KeyAction;

/// The overlay on top takes the key; `None` when there is none, or when the keymap gives the
/// key its meaning (the help screen: see [`on_action`]).
pub fn on_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    match &model.overlay {
        Some(Overlay::Confirm(_)) => Some(confirm::on_key(model, key)),
        Some(Overlay::HookId(_)) => Some(hook_id::on_key(model, key)),
        Some(Overlay::Filter) => Some(filter::on_key(model, key)),
        Some(Overlay::OpenChoice) => Some(open_choice::on_key(model, key)),
        Some(Overlay::Help) | None => None,
    }
}

/// The overlay on top takes the keymap's action; `None` lets it have its ordinary meaning.
pub fn on_action(model: &mut Model, action: KeyAction) -> Option<Vec<Effect>> {
    match &model.overlay {
        Some(Overlay::Help) => help::on_action(model, action),
        Some(Overlay::Confirm(_) | Overlay::HookId(_) | Overlay::Filter | Overlay::OpenChoice)
        | None => None,
    }
}

/// The footer line of the overlay on top, which says its own keys; `None` when the footer
/// lists the screen's keys.
pub fn footer(model: &Model) -> Option<Line<'static>> {
    match &model.overlay {
        Some(Overlay::Filter) => Some(filter::footer(model)),
        Some(Overlay::Help) => Some(help::footer(model)),
        Some(Overlay::Confirm(modal)) => Some(confirm::footer(model, modal)),
        Some(Overlay::HookId(_) | Overlay::OpenChoice) | None => None,
    }
}

/// Draws the overlay on top, over everything else (the filter and the console choice live in
/// the footer and the message line).
pub fn draw(frame: &mut Frame, area: Rect, model: &Model) {
    match &model.overlay {
        Some(Overlay::Help) => help::draw(frame, area, model),
        Some(Overlay::HookId(text)) => hook_id::draw(frame, area, model, text),
        Some(Overlay::Confirm(_)) => confirm::draw(frame, area, model),
        Some(Overlay::Filter | Overlay::OpenChoice) | None => {}
    }
}

/// A rectangle of `width`×`height` centred in `area` (clamped to it).
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
