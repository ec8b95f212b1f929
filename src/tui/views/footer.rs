//! The footer: the guard's cancel key first while it has something armed, the operator actions
//! for the selected deployment (enabled ones bright, the others dimmed and struck through — `?`
//! says why; "actions disabled" in read-only mode), then the keys valid here, generated from the
//! keymap (or the filter being typed, or the modal's keys).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::engine::MetricSpan;
use crate::keymap::{KeyAction, Scope};
use crate::tui::actions;
use crate::tui::model::{Model, Pane};
use crate::tui::overlay;

/// The metrics window as people say it.
pub fn window_label(span: MetricSpan) -> String {
    match span {
        MetricSpan::LAST_HOUR => "last hour".to_string(),
        MetricSpan::Last(minutes) => format!("last {minutes} min"),
        MetricSpan::SinceStart => "since start".to_string(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let key = |k: String| Span::styled(k, t.accent());
    let mut spans = Vec::new();
    // The overlay on top says its own keys.
    if let Some(line) = overlay::footer(model) {
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if !model.filter.is_empty() {
        spans.extend([
            Span::styled(format!(" filter: {} ", model.filter), t.warning()),
            Span::raw(" "),
        ]);
    }
    let in_log = model.focus == Pane::EventLog;
    // An armed guard's cancel key comes first: it is the one that matters now.
    let guard_armed = !super::warnings::armed(model).is_empty();
    if guard_armed {
        spans.push(Span::styled(
            format!(
                " {} cancel the guard ",
                model.keymap.label(KeyAction::CancelGuard)
            ),
            t.badge(t.error()),
        ));
        spans.push(Span::raw(" "));
    }
    action_keys(model, &mut spans);
    for (action, _, desc, scope) in KeyAction::ALL {
        if action.operator() {
            continue;
        }
        let show = match action {
            // The header names the time zone; `?` lists the key.
            KeyAction::Top
            | KeyAction::Bottom
            | KeyAction::PageUp
            | KeyAction::PageDown
            | KeyAction::Up
            | KeyAction::TimeZone
            | KeyAction::Sort
            | KeyAction::OpenConsole
            | KeyAction::CopyCommand => false,
            KeyAction::LogsVersion => model.logs.is_some(),
            KeyAction::Open => !model.zoomed && model.selected.is_some() && !in_log,
            KeyAction::Back => model.zoomed || in_log || !model.filter.is_empty(),
            KeyAction::Filter => !in_log,
            KeyAction::CancelGuard => model.guard.is_some() && !guard_armed,
            _ => scope == Scope::Everywhere || scope == Scope::Lists,
        };
        let label = if action == KeyAction::Down {
            // Up and down share one entry: "j/k".
            let first = |a| model.keymap.keys(a).first().map(ToString::to_string);
            [first(KeyAction::Down), first(KeyAction::Up)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("/")
        } else {
            model.keymap.label(action)
        };
        if !show || label.is_empty() {
            continue;
        }
        let desc = match action {
            KeyAction::MetricsWindow => format!("window ({})", window_label(model.window)),
            KeyAction::Down if in_log => "scroll".to_string(),
            KeyAction::Down => "move".to_string(),
            KeyAction::NextPane if in_log => "to deployments".to_string(),
            KeyAction::NextPane => "to events".to_string(),
            _ => desc.to_string(),
        };
        spans.extend([
            key(format!(" {label}")),
            Span::styled(format!(" {desc} "), t.muted()),
        ]);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The operator keys of the selected deployment, or why there are none.
fn action_keys(model: &Model, spans: &mut Vec<Span<'static>>) {
    let t = &model.theme;
    if model.actions.disabled.is_some() {
        let what = if model.read_only {
            " R/S/C actions disabled (read-only) "
        } else {
            " R/S/C actions disabled (see ?) "
        };
        spans.push(Span::styled(what, t.warning()));
        return;
    }
    let Some(menu) = actions::menu(model) else {
        return;
    };
    if model
        .selected_deployment()
        .is_some_and(|id| model.actions.busy.contains(id))
    {
        spans.push(Span::styled(" action running… ", t.warning()));
        return;
    }
    for option in menu {
        let Some(action) = KeyAction::for_menu_key(option.key) else {
            continue;
        };
        let label = model.keymap.label(action);
        if label.is_empty() {
            continue;
        }
        let (key_style, desc_style) = if option.outcome.is_ok() {
            (t.error(), t.muted())
        } else {
            let off = t.muted().add_modifier(Modifier::CROSSED_OUT);
            (off, off)
        };
        spans.extend([
            Span::styled(format!(" {label}"), key_style),
            Span::styled(format!(" {} ", short(option.key)), desc_style),
        ]);
    }
    spans.push(Span::styled("│", t.muted()));
}

/// The footer's short name of a menu key (the help overlay has the long label and the reason).
fn short(key: char) -> &'static str {
    match key {
        'R' => "roll back",
        'S' => "stop",
        'C' => "continue",
        'O' => "alias→old",
        'N' => "alias→new",
        _ => "",
    }
}
