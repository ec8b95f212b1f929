//! The help overlay (`?`): every binding of the keymap with its description, the reserved
//! action keys, and what the symbols mean — generated, so it is never out of date.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::tui::model::Model;

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let mut lines: Vec<Line> = Vec::new();
    for (action, keys) in model.keymap.bindings() {
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
    lines.push(Line::styled(
        " S, R, C: reserved for stop, roll back, continue",
        t.muted(),
    ));
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
    let width = 60.min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(Span::styled(" Help ", t.title()))
                .border_style(t.accent()),
        ),
        popup,
    );
}
