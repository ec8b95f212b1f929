//! The confirmation modal of an operator action, drawn with `Clear` over a centred rectangle:
//! the title (red for destructive actions), the blast radius (account/region, function:alias,
//! versions, current weight, the new version's invocations per minute, firing alarms), the calls
//! that will be made and what they leave behind. Cancel has the focus: `y` confirms, `n`/Esc
//! cancels; on a protected profile `function:alias` is typed, then Enter. Also the small input
//! box for pasting a hook execution id (`I`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::domain::Action;
use crate::tui::model::{Model, Overlay};

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

/// Rows `lines` take when wrapped into `width` columns (a rough count, for sizing).
fn rows(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| u16::try_from(l.width().max(1).div_ceil(width)).unwrap_or(u16::MAX))
        .sum()
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
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

/// The hook execution id input (`I`).
pub fn render_input(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let Some(Overlay::HookId(text)) = &model.overlay else {
        return;
    };
    let lines = vec![
        Line::raw("execution id of the waiting hook (from its logs or the console):"),
        Line::from(vec![
            Span::styled("> ", t.accent()),
            Span::raw(text.clone()),
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
