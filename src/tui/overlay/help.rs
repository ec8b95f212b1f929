//! The help overlay (`?`): every binding of the keymap with its description, the reserved
//! operator actions for the selected deployment (enabled, or disabled with the reason; read-only
//! says why), and what the symbols mean — generated, so it is never out of date. Its keys come
//! through the keymap: `?` or Esc closes it, `q` quits, the others do nothing under it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::keymap::{KeyAction, Scope};
use crate::tui::actions;
use crate::tui::effect::Effect;
use crate::tui::model::Model;

/// The help screen, over everything.
pub fn draw(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let mut lines: Vec<Line> = Vec::new();
    for (action, keys) in model
        .keymap
        .bindings()
        .filter(|(a, _)| !a.operator() && a.scope() != Scope::Confirmation)
    {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let keys = if keys.is_empty() {
            "(unbound)".to_string()
        } else {
            keys.join(", ")
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {keys:<16}"), t.accent()),
            Span::raw(action.describe()),
        ]));
    }
    lines.push(Line::raw(""));
    action_lines(model, &mut lines);
    lines.push(Line::raw(""));
    let (ok, _) = t.status(&crate::domain::DeploymentStatus::Succeeded);
    let (failed, _) = t.status(&crate::domain::DeploymentStatus::Failed);
    let (running, _) = t.status(&crate::domain::DeploymentStatus::InProgress);
    let (stopped, _) = t.status(&crate::domain::DeploymentStatus::Stopped);
    lines.push(Line::raw(format!(
        " {running} in progress  {ok} succeeded  {failed} failed  {stopped} stopped"
    )));
    lines.push(Line::raw(format!(
        " {} weight is CodeDeploy's record, not the live alias",
        t.recorded_mark()
    )));
    lines.push(Line::raw(" times are UTC on the service's clock"));
    let width = 90.min(area.width);
    let inner = usize::from(width.saturating_sub(2).max(1));
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(Span::styled(" Help ", t.title()))
                .border_style(t.accent()),
        ),
        popup,
    );
}

/// The operator actions of the selected deployment: enabled, or disabled with the reason.
fn action_lines(model: &Model, lines: &mut Vec<Line<'static>>) {
    let t = &model.theme;
    if let Some(why) = &model.actions.disabled {
        lines.push(Line::styled(
            format!(" actions disabled: {why}"),
            t.warning(),
        ));
        return;
    }
    let (Some(menu), Some(id)) = (actions::menu(model), model.selected_deployment()) else {
        lines.push(Line::styled(
            " actions: select an active deployment",
            t.muted(),
        ));
        return;
    };
    lines.push(Line::styled(format!(" actions on {id}:"), t.title()));
    for option in menu {
        let key = KeyAction::for_menu_key(option.key)
            .map(|a| model.keymap.label(a))
            .unwrap_or_default();
        let line = match &option.outcome {
            Ok(_) => Line::from(vec![
                Span::styled(format!(" {key:<3}"), t.error()),
                Span::raw(option.label),
            ]),
            Err(why) => Line::from(vec![
                Span::styled(format!(" {key:<3}"), t.muted()),
                Span::styled(format!("{} — unavailable: {why}", option.label), t.muted()),
            ]),
        };
        lines.push(line);
    }
    for action in [KeyAction::RejectHook, KeyAction::HookId] {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<3}", model.keymap.label(action)), t.accent()),
            Span::raw(action.describe()),
        ]));
    }
}

/// The keymap's `action` while help is open: `?` and Esc close it, quitting quits (`None`:
/// its ordinary meaning), anything else does nothing.
pub fn on_action(model: &mut Model, action: KeyAction) -> Option<Vec<Effect>> {
    match action {
        KeyAction::Quit => None,
        KeyAction::Help | KeyAction::Back => {
            model.overlay = None;
            Some(Vec::new())
        }
        _ => Some(Vec::new()),
    }
}

/// The footer while help is open.
pub fn footer(model: &Model) -> Line<'static> {
    let t = &model.theme;
    Line::from(vec![
        Span::styled(
            format!(" {}", model.keymap.label(KeyAction::Back)),
            t.accent(),
        ),
        Span::raw(" close help"),
    ])
}
