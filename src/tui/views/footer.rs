//! The footer: the keys valid here, generated from the keymap (or the filter being typed).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::engine::MetricSpan;
use crate::tui::keymap::{Action, Scope};
use crate::tui::model::{Model, Pane};

/// The metrics window as people say it.
pub fn window_label(span: MetricSpan) -> &'static str {
    match span {
        MetricSpan::Last15Minutes => "last 15 min",
        MetricSpan::LastHour => "last hour",
        MetricSpan::SinceStart => "since start",
    }
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let key = |k: String| Span::styled(k, t.accent());
    let mut spans = Vec::new();
    if model.filter_editing {
        spans.extend([
            Span::styled(" /", t.accent()),
            Span::raw(model.filter.clone()),
            Span::styled("▏", t.accent()),
            Span::styled("  enter apply · esc clear · !text excludes", t.muted()),
        ]);
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    if model.help {
        spans.extend([
            key(format!(" {}", model.keymap.label(Action::Back))),
            Span::raw(" close help"),
        ]);
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    if !model.filter.is_empty() {
        spans.extend([
            Span::styled(format!(" filter: {} ", model.filter), t.warning()),
            Span::raw(" "),
        ]);
    }
    let in_log = model.focus == Pane::EventLog;
    for (action, _, desc, scope) in Action::ALL {
        let show = match action {
            Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => false,
            Action::Open => !model.zoomed && model.selected.is_some() && !in_log,
            Action::Back => model.zoomed || in_log || !model.filter.is_empty(),
            Action::Filter => !in_log,
            _ => scope == Scope::Everywhere || scope == Scope::Lists,
        };
        let label = model.keymap.label(action);
        if !show || label.is_empty() {
            continue;
        }
        let desc = match action {
            Action::MetricsWindow => format!("window ({})", window_label(model.window)),
            Action::Up | Action::Down if in_log => format!(
                "scroll {}",
                if action == Action::Up { "up" } else { "down" }
            ),
            Action::NextPane if in_log => "to deployments".to_string(),
            Action::NextPane => "to events".to_string(),
            _ => desc.to_string(),
        };
        spans.extend([
            key(format!(" {label}")),
            Span::styled(format!(" {desc} "), t.muted()),
        ]);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
