//! The event log of the selected deployment, newest first: every transition seen (weight
//! changes, alarm flips, status and hook changes) with its time on the service's clock.
//! Tab focuses it; j/k then scroll.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fmt::hms;
use crate::domain::{AlarmState, Change, TimelineKind};
use crate::tui::model::{Model, Pane};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let focused = model.focus == Pane::EventLog;
    let Some(id) = model.selected_deployment() else {
        return;
    };
    let total = model.events_of(id).count();
    let title = if model.log_scroll > 0 {
        format!(" Events ({total}, {} newer above) ", model.log_scroll)
    } else {
        format!(" Events ({total}) ")
    };
    let block = Block::bordered()
        .title(Span::styled(title, t.title()))
        .border_style(if focused { t.accent() } else { t.muted() });
    let lines: Vec<Line> = model
        .events_of(id)
        .skip(model.log_scroll)
        .take(usize::from(area.height))
        .map(|e| {
            let style = match (&e.change, e.kind()) {
                (Change::Alarm { to, .. }, _) if *to == AlarmState::Alarm => t.error(),
                (_, TimelineKind::Alarm | TimelineKind::Hook) => t.warning(),
                (_, TimelineKind::Weight) => t.new_version(),
                (_, TimelineKind::Status | TimelineKind::Appeared) => t.accent(),
            };
            Line::from(vec![
                Span::styled(format!("{} ", hms(e.at, model.time_zone)), t.muted()),
                Span::styled(e.text(), style),
            ])
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::styled("no transitions seen yet", t.muted())]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
