//! The filter being typed (`/`): its text is the model's filter, applied as it is typed; the
//! selection stays on its deployment when the rows it narrows change.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::{Line, Span};

use crate::tui::effect::Effect;
use crate::tui::model::Model;
use crate::tui::selection::reselect;

/// A key while the filter is typed: text; Enter keeps it, Esc clears it.
pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    model.dirty = true;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => model.quit = true,
        KeyCode::Esc => {
            model.filter.clear();
            model.overlay = None;
        }
        KeyCode::Enter => model.overlay = None,
        KeyCode::Backspace => {
            model.filter.pop();
        }
        KeyCode::Char(c) if !ctrl => model.filter.push(c),
        _ => return Vec::new(),
    }
    reselect(model)
}

/// The footer while typing: the text so far and what the keys do.
pub fn footer(model: &Model) -> Line<'static> {
    let t = &model.theme;
    Line::from(vec![
        Span::styled(" /", t.accent()),
        Span::raw(model.filter.clone()),
        Span::styled("▏", t.accent()),
        Span::styled("  enter apply · esc clear · !text excludes", t.muted()),
    ])
}
