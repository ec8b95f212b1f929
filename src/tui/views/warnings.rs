//! The warnings banner: first the guard's armed deployments (`--guard`), each with its
//! countdown and the key that cancels it, never folded away; then what matters on call (an
//! alias left split, a group that won't stop a bad release, an alias changed outside CodeDeploy...),
//! from each deployment's `warnings`, the selected deployment's first, at most three lines and a
//! count of the rest.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{age, fit, hms};
use crate::domain::guard::Armed;
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

/// How many warning lines there are.
pub fn count(model: &Model) -> usize {
    collect(model).len()
}

/// The first `limit` (who, warning) lines, the selected deployment's first.
pub fn collect_first(model: &Model, limit: usize) -> Vec<(String, String)> {
    let mut all = collect(model);
    all.truncate(limit);
    all
}

/// Every (who, warning) line, the selected deployment's first.
pub fn collect(model: &Model) -> Vec<(String, String)> {
    let Some(p) = &model.picture else {
        return Vec::new();
    };
    let views = || p.regions.iter().flat_map(|r| &r.deployments);
    let is_selected = |id: &str| model.selected_deployment() == Some(id);
    let ordered = views()
        .filter(|v| is_selected(&v.deployment.id))
        .chain(views().filter(|v| !is_selected(&v.deployment.id)));
    let splits = p.regions.iter().flat_map(|r| &r.splits).map(|s| {
        (
            s.id.clone(),
            format!(
                "split outside any deployment: {} (first seen {}; no release process owns it)",
                s.shares(),
                hms(s.first_seen, model.time_zone)
            ),
        )
    });
    ordered
        .flat_map(|v| {
            let who = v.deployment.subject();
            v.warnings.iter().map(move |w| (who.clone(), w.to_string()))
        })
        .chain(splits)
        .collect()
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
