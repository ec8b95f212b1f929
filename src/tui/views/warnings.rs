//! The warnings banner: what matters on call (an alias left split, a group that won't stop a bad
//! release, too little traffic to judge...), from each deployment's `warnings`, the selected
//! deployment's first, at most three lines and a count of the rest.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::fit;
use crate::tui::model::Model;

/// (deployment subject, warning) pairs, the selected deployment's first.
pub fn collect(model: &Model) -> Vec<(String, String)> {
    let Some(p) = &model.picture else {
        return Vec::new();
    };
    let mut out: Vec<(bool, String, String)> = p
        .regions
        .iter()
        .flat_map(|r| &r.deployments)
        .flat_map(|v| {
            let selected = model.selected.as_deref() == Some(v.deployment.id.as_str());
            let subject = v.deployment.subject();
            v.warnings
                .iter()
                .map(move |w| (selected, subject.clone(), w.clone()))
        })
        .collect();
    out.sort_by_key(|(selected, ..)| !*selected);
    out.into_iter().map(|(_, s, w)| (s, w)).collect()
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let all = collect(model);
    let shown = if all.len() > usize::from(area.height) {
        usize::from(area.height.saturating_sub(1))
    } else {
        all.len()
    };
    let width = usize::from(area.width);
    let mut lines: Vec<Line> = all
        .iter()
        .take(shown)
        .map(|(subject, text)| {
            let head = format!(" {} {subject}: ", t.warning_icon());
            let room = width.saturating_sub(head.chars().count());
            Line::from(vec![
                Span::styled(head, t.warning()),
                Span::raw(fit(text, room, t)),
            ])
        })
        .collect();
    if all.len() > shown {
        lines.push(Line::styled(
            format!("   … and {} more warnings", all.len() - shown),
            t.muted(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
