//! The warnings banner: first the guard's armed deployments (`--guard`), each with its
//! countdown and the key that cancels it, never folded away; then what matters on call (an
//! alias left split, a group that won't stop a bad release, too little traffic to judge...),
//! from each deployment's `warnings`, the selected deployment's first, at most three lines and a
//! count of the rest.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{age, fit};
use crate::domain::guard::Armed;
use crate::domain::{is_low_traffic, low_traffic_folded};
use crate::tui::model::Model;

/// The guard's armed deployments at the model's "now", counting down first.
pub fn armed(model: &Model) -> Vec<Armed> {
    match (&model.guard, model.now) {
        (Some(g), Some(now)) => g.armed(now),
        _ => Vec::new(),
    }
}

fn guard_line(a: &Armed, width: usize, model: &Model) -> Line<'static> {
    let t = &model.theme;
    let (head, style) = match (a.fires_in, &a.held) {
        (_, Some(why)) => (
            format!(" GUARD HOLDS {} {}: {why} — x cancels ", a.id, a.subject),
            t.warning(),
        ),
        (Some(secs), None) => (
            format!(
                " GUARD rolls back {} {} in {} — x cancels ",
                a.id,
                a.subject,
                age(secs as i64)
            ),
            t.badge(t.error()),
        ),
        (None, None) => (
            format!(
                " guard armed on {} {}: countdown in {} if still failing — x cancels ",
                a.id,
                a.subject,
                age(a.countdown_starts_in.unwrap_or(0) as i64)
            ),
            t.warning(),
        ),
    };
    let room = width.saturating_sub(head.chars().count() + 1);
    Line::from(vec![
        Span::styled(head, style),
        Span::raw(" "),
        Span::raw(fit(&a.reason, room, t)),
    ])
}

/// How many warning lines there are (low-traffic warnings folded per application).
pub fn count(model: &Model) -> usize {
    collect(model).len()
}

/// The first `limit` (who, warning) lines, the selected deployment's first.
pub fn collect_first(model: &Model, limit: usize) -> Vec<(String, String)> {
    let mut all = collect(model);
    all.truncate(limit);
    all
}

/// Every (who, warning) line, the selected deployment's first. "Too little traffic" of two or
/// more deployments of one application (a stack deploying at once) is one line for them all.
pub fn collect(model: &Model) -> Vec<(String, String)> {
    let Some(p) = &model.picture else {
        return Vec::new();
    };
    let views = || p.regions.iter().flat_map(|r| &r.deployments);
    let is_selected = |id: &str| model.selected.as_deref() == Some(id);
    let ordered: Vec<_> = views()
        .filter(|v| is_selected(&v.deployment.id))
        .chain(views().filter(|v| !is_selected(&v.deployment.id)))
        .collect();
    // Deployments with too little traffic, per application (counted once, not per line).
    let mut low: HashMap<&str, usize> = HashMap::new();
    for v in &ordered {
        if v.warnings.iter().any(|w| is_low_traffic(w)) {
            *low.entry(v.deployment.application.as_str()).or_default() += 1;
        }
    }
    let low_traffic = |app: &str| low.get(app).copied().unwrap_or(0);
    let mut out = Vec::new();
    let mut folded: Vec<&str> = Vec::new();
    for v in &ordered {
        let app = v.deployment.application.as_str();
        for w in &v.warnings {
            if !is_low_traffic(w) || low_traffic(app) < 2 {
                out.push((v.deployment.subject(), w.clone()));
            } else if !folded.contains(&app) {
                folded.push(app);
                out.push((app.to_string(), low_traffic_folded(low_traffic(app))));
            }
        }
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let width = usize::from(area.width);
    let mut lines: Vec<Line> = armed(model)
        .iter()
        .take(usize::from(area.height))
        .map(|a| guard_line(a, width, model))
        .collect();
    let height = usize::from(area.height).saturating_sub(lines.len());
    let total = count(model);
    let shown = if total > height {
        height.saturating_sub(1)
    } else {
        total
    };
    let all = collect_first(model, shown);
    lines.extend(all.iter().take(shown).map(|(subject, text)| {
        let head = format!(" {} {subject}: ", t.warning_icon());
        let room = width.saturating_sub(head.chars().count());
        Line::from(vec![
            Span::styled(head, t.warning()),
            Span::raw(fit(text, room, t)),
        ])
    }));
    if total > shown && height > 0 {
        lines.push(Line::styled(
            format!("   … and {} more warnings", total - shown),
            t.muted(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
