//! Where each region of the screen goes, as a pure function of the terminal size and the
//! model: used by the views to draw and by `update` for mouse hit-tests and page sizes.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::tui::model::Model;

pub use crate::tui::model::{MIN_HEIGHT, MIN_WIDTH};

/// The regions of the main screen (None when hidden).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub warnings: Option<Rect>,
    pub table: Option<Rect>,
    /// Weight gauge, step timeline and hooks.
    pub summary: Option<Rect>,
    pub alarms: Option<Rect>,
    pub metrics: Option<Rect>,
    pub charts: Option<Rect>,
    pub events: Option<Rect>,
    /// The message line (last operator action's progress or result), above the footer.
    pub message: Option<Rect>,
    pub footer: Rect,
}

/// Lines the warnings banner needs: one per deployment the guard has armed (at most three),
/// then one per warning, at most three and a "more" line.
pub fn warning_lines(model: &Model) -> u16 {
    let guard = super::warnings::armed(model).len().min(3) as u16;
    let n = super::warnings::count(model);
    guard
        + match n {
            0 => 0,
            1..=3 => n as u16,
            _ => 4,
        }
}

/// The layout of `area` for `model`.
pub fn areas(area: Rect, model: &Model) -> Areas {
    let warn = warning_lines(model);
    let msg = u16::from(model.actions.message.is_some());
    let [header, warnings, body, message, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(warn),
        Constraint::Min(0),
        Constraint::Length(msg),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut out = Areas {
        header,
        warnings: (warn > 0).then_some(warnings),
        message: (msg > 0).then_some(message),
        footer,
        ..Areas::default()
    };
    let has_detail = model.selected.is_some();
    let (table, detail) = if model.zoomed && has_detail {
        (None, Some(body))
    } else if has_detail {
        let rows = model.rows().len() as u16;
        // The table takes what its rows need, up to 40% of the body (at least 6 lines).
        let want = (rows + 3).clamp(6, (body.height * 2 / 5).max(6));
        let [t, d] = Layout::vertical([Constraint::Length(want), Constraint::Min(0)]).areas(body);
        (Some(t), Some(d))
    } else {
        (Some(body), None)
    };
    out.table = table;
    if let Some(detail) = detail {
        let extra = match model.selected_row() {
            Some(crate::tui::model::Row::Active { view, .. }) => {
                let verdict = match &view.verdict {
                    Some(v) if model.zoomed => v.metrics.len() as u16,
                    _ => 0,
                };
                (view.warnings.len() as u16 * 2).min(4) + verdict
            }
            _ => 0,
        };
        detail_areas(detail, extra, &mut out);
    }
    out
}

fn detail_areas(detail: Rect, extra: u16, out: &mut Areas) {
    let h = detail.height;
    let summary_h = (6 + extra).min(h);
    let rest = h - summary_h;
    let middle_h = match rest {
        20.. => 11,
        9.. => 9,
        _ => rest,
    };
    let rest = rest - middle_h;
    let charts_h = if rest >= 12 { 8 } else { 0 };
    let events_h = rest - charts_h;
    let [summary, middle, charts, events] = Layout::vertical([
        Constraint::Length(summary_h),
        Constraint::Length(middle_h),
        Constraint::Length(charts_h),
        Constraint::Length(events_h),
    ])
    .areas(detail);
    out.summary = (summary.height > 0).then_some(summary);
    if middle.height > 0 {
        let [alarms, metrics] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(middle);
        out.alarms = Some(alarms);
        out.metrics = Some(metrics);
    }
    out.charts = (charts.height > 0).then_some(charts);
    out.events = (events.height >= 3).then_some(events);
}
