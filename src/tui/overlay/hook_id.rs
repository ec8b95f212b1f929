//! The hook execution id being typed (`I`) for the selected deployment: a small input box;
//! Enter keeps the id for `C` (approve) and `X` (reject), Esc drops it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::centred;
use crate::tui::effect::Effect;
use crate::tui::model::{Level, Model, Overlay, say};

/// A key while a hook execution id is being typed (`I`): text, Enter keeps it, Esc drops it.
pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    model.dirty = true;
    let Some(Overlay::HookId(input)) = model.overlay.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => model.overlay = None,
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Enter => {
            let id = input.trim().to_string();
            model.overlay = None;
            if let (Some(dep), false) = (
                model.selected_deployment().map(str::to_owned),
                id.is_empty(),
            ) {
                model.actions.hook_ids.insert(dep.clone(), id.clone());
                say(
                    model,
                    format!("hook execution id {id} set for {dep}: C approves, X rejects"),
                    Level::Info,
                );
            }
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => input.push(c),
        _ => {}
    }
    Vec::new()
}

/// The input box, with `text` typed so far.
pub fn draw(frame: &mut Frame, area: Rect, model: &Model, text: &str) {
    let t = &model.theme;
    let lines = vec![
        Line::raw("execution id of the waiting hook (from its logs or the console):"),
        Line::from(vec![
            Span::styled("> ", t.accent()),
            Span::raw(text.to_string()),
            Span::styled("▏", t.accent()),
        ]),
        Line::styled("enter keep · esc cancel", t.muted()),
    ];
    let popup = centred(area, area.width.saturating_sub(4).min(80), 5);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(Span::styled(" Hook execution id ", t.title()))
                .border_style(t.accent()),
        ),
        popup,
    );
}
