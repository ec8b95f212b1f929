//! The logs pane, in place of the event log: the latest lines of one version of the selected
//! deployment's function, newest at the bottom, error lines in red, the read's age and any
//! failure in the title.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fmt::{age, hms};
use crate::tui::model::LogsPane;
use crate::tui::model::Model;

pub fn render(frame: &mut Frame, area: Rect, model: &Model, pane: &LogsPane) {
    let t = &model.theme;
    let side = if pane.showing_new { "new" } else { "old" };
    let errors = pane.lines.iter().filter(|l| l.error).count();
    let title = vec![
        Span::styled(
            format!(" Logs {}:v{} ({side}) ", pane.function, pane.version()),
            t.title(),
        ),
        Span::styled(
            format!(
                "{} lines, {errors} errors · v switches · l closes ",
                pane.lines.len()
            ),
            t.muted(),
        ),
    ];
    let status = match (&pane.error, pane.read_at, model.now) {
        (Some(f), _, _) => Span::styled(format!(" {} ", f.one_line()), t.error()),
        (None, Some(at), Some(now)) => Span::styled(
            format!(" read {} ago ", age((now - at).num_seconds())),
            t.muted(),
        ),
        _ => Span::styled(" reading… ", t.muted()),
    };
    let block = Block::bordered()
        .title(Line::from(title))
        .title(Line::from(status).right_aligned())
        .border_style(t.accent());
    let room = usize::from(area.height.saturating_sub(2));
    let skip = pane.lines.len().saturating_sub(room);
    let lines: Vec<Line> = if pane.lines.is_empty() && pane.read_at.is_some() {
        vec![Line::styled(
            "no lines of this version in the last 15 minutes",
            t.muted(),
        )]
    } else {
        pane.lines
            .iter()
            .skip(skip)
            .map(|l| {
                let text = l.message.replace('\t', "  ");
                Line::from(vec![
                    Span::styled(format!("{} ", hms(l.at, model.time_zone)), t.muted()),
                    if l.error {
                        Span::styled(text, t.error())
                    } else {
                        Span::raw(text)
                    },
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
