//! `o` in the full-screen detail asks which console page to open (the message line says the
//! choice): the next key opens the deployment, the alias or the alarms page, any other opens
//! nothing.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::effect::Effect;
use crate::tui::links;
use crate::tui::model::Model;

/// The key after `o` in the detail view.
pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    model.overlay = None;
    model.dirty = true;
    if let KeyCode::Char(c @ ('d' | 'a' | 'm')) = key.code {
        return links::open_page(model, c);
    }
    model.flash = None;
    Vec::new()
}
