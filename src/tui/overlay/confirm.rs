//! The confirmation modal of an operator action, drawn with `Clear` over a centred rectangle:
//! the title (red for destructive actions), the blast radius (account/region, function:alias,
//! versions, current weight, the new version's invocations per minute, firing alarms), the calls
//! that will be made and what they leave behind. Cancel has the focus: `y` confirms, `n`/Esc
//! cancels; on a protected profile `function:alias` is typed, then Enter. Its keys (cancel has
//! the focus), its footer line and its drawing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::centred;
use crate::domain::Action;
use crate::keymap::KeyAction;
use crate::tui::effect::Effect;
use crate::tui::model::{Level, Modal, Model, Overlay, log, say};

/// Whether `action` takes traffic away or leaves the alias in a state that needs attention.
fn destructive(action: &Action) -> bool {
    matches!(
        action,
        Action::Rollback
            | Action::Stop
            | Action::PromoteNow
            | Action::HookVerdict { approve: false, .. }
    )
}

/// Rows `lines` take when wrapped into `width` columns (a rough count, for sizing).
fn rows(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| u16::try_from(l.width().max(1).div_ceil(width)).unwrap_or(u16::MAX))
        .sum()
}

/// The confirmation, over everything.
pub fn draw(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let Some(modal) = model.modal() else {
        return;
    };
    let Some(c) = &modal.prepared.confirmation else {
        return;
    };
    let danger = modal.prepared.action.as_ref().is_ok_and(destructive);
    let title_style = if danger { t.error() } else { t.warning() };
    let mut lines = vec![Line::styled(c.title.clone(), title_style), Line::raw("")];
    lines.extend(
        c.blast
            .lines()
            .into_iter()
            .map(|l| Line::raw(format!("  {l}"))),
    );
    lines.push(Line::raw(""));
    lines.push(Line::styled("will:", t.title()));
    lines.extend(
        c.steps
            .iter()
            .enumerate()
            .map(|(i, s)| Line::raw(format!("  {}. {s}", i + 1))),
    );
    if !c.consequences.is_empty() {
        lines.push(Line::styled("note:", t.title()));
        lines.extend(
            c.consequences
                .iter()
                .map(|s| Line::styled(format!("  ! {s}"), t.warning())),
        );
    }
    lines.push(Line::raw(""));
    match &c.typed {
        Some(expected) => {
            lines.push(Line::styled(
                format!("protected profile: type {expected} then Enter (Esc cancels)"),
                t.warning(),
            ));
            lines.push(Line::from(vec![
                Span::styled("> ", t.accent()),
                Span::raw(modal.typed.clone()),
                Span::styled("▏", t.accent()),
            ]));
        }
        None => lines.push(Line::from(vec![
            Span::styled(" [ Cancel ] ", t.selected()),
            Span::styled(" n / Esc      ", t.muted()),
            Span::styled(" y ", t.badge(title_style)),
            Span::raw(" confirm"),
        ])),
    }
    let width = area.width.saturating_sub(4).min(100);
    let height = rows(&lines, width.saturating_sub(2)) + 2;
    let popup = centred(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(Span::styled(" Confirm action ", title_style))
                .border_style(title_style),
        ),
        popup,
    );
}

/// A key while the confirmation is open. Cancel has the focus: the keymap's `decline` keys,
/// Esc and Enter cancel; only its `confirm` keys send (or, on a protected profile, Enter after
/// typing `function:alias`). Ctrl-C cancels and quits.
pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    model.dirty = true;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let Some(modal) = model.modal() else {
        return Vec::new();
    };
    let typed = modal
        .prepared
        .confirmation
        .as_ref()
        .and_then(|c| c.typed.clone());
    let keymap = &model.keymap;
    let back = keymap.means(KeyAction::Back, &key) || keymap.means(KeyAction::Open, &key);
    if ctrl && key.code == KeyCode::Char('c') {
        model.quit = true;
        return cancel(model, "cancelled: nothing sent");
    }
    if typed.is_none() {
        // Cancelling wins: a confirm key also bound to Esc or Enter still cancels.
        if back || keymap.means(KeyAction::Decline, &key) {
            return cancel(model, "cancelled: nothing sent");
        }
        if keymap.means(KeyAction::Confirm, &key) {
            return confirm(model, "y");
        }
        return Vec::new();
    }
    let Some(Overlay::Confirm(modal)) = model.overlay.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => cancel(model, "cancelled: nothing sent"),
        KeyCode::Enter => {
            let answer = modal.typed.clone();
            confirm(model, &answer)
        }
        KeyCode::Backspace => {
            modal.typed.pop();
            Vec::new()
        }
        KeyCode::Char(c) if !ctrl => {
            modal.typed.push(c);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The terminal became too small to show the confirmation: it is cancelled, nothing is sent.
pub fn cancel_unseen(model: &mut Model) -> Vec<Effect> {
    cancel(
        model,
        "cancelled: the terminal became too small to show the confirmation; nothing sent",
    )
}

/// Takes the confirmation off the screen.
fn take_modal(model: &mut Model) -> Option<Modal> {
    match model.overlay.take() {
        Some(Overlay::Confirm(modal)) => Some(modal),
        other => {
            model.overlay = other;
            None
        }
    }
}

fn cancel(model: &mut Model, why: &str) -> Vec<Effect> {
    let Some(modal) = take_modal(model) else {
        return Vec::new();
    };
    let id = modal.prepared.deployment_id().to_string();
    model.actions.busy.remove(&id);
    say(model, format!("{id}: {why}"), Level::Info);
    log(model, &id, format!("action {why}"));
    vec![Effect::Decline(modal.prepared)]
}

fn confirm(model: &mut Model, answer: &str) -> Vec<Effect> {
    let Some(modal) = take_modal(model) else {
        return Vec::new();
    };
    let label = modal
        .prepared
        .action
        .as_ref()
        .map_or_else(|_| "action".to_string(), crate::domain::Action::label);
    match modal.prepared.confirm(answer) {
        Ok(confirmed) => {
            let id = confirmed.prepared().deployment_id().to_string();
            say(model, format!("{id}: {label}: running…"), Level::Info);
            log(model, &id, format!("action confirmed: {label}"));
            vec![Effect::Run(Box::new(confirmed))]
        }
        Err(prepared) => {
            model.overlay = Some(Overlay::Confirm(Modal {
                prepared,
                typed: String::new(),
            }));
            cancel(
                model,
                "the typed text did not match function:alias: cancelled, nothing sent",
            )
        }
    }
}

/// The footer while the confirmation is open: what confirms and what cancels.
pub fn footer(model: &Model, modal: &Modal) -> Line<'static> {
    let t = &model.theme;
    let typed = modal
        .prepared
        .confirmation
        .as_ref()
        .and_then(|c| c.typed.as_ref());
    let first = |action| {
        model
            .keymap
            .keys(action)
            .first()
            .map_or_else(String::new, ToString::to_string)
    };
    let text = if let Some(t) = typed {
        format!(" type {t} then enter to confirm · esc cancel")
    } else {
        let (yes, no) = (first(KeyAction::Confirm), first(KeyAction::Decline));
        format!(" {yes} confirm · {no}/esc cancel (nothing is sent until {yes})")
    };
    Line::styled(text, t.warning())
}
