//! The views: pure functions `render(frame, area, &Model)`, one file per screen region, no IO.
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────────────────────┐
//! │ rollwatch │ profile · account │ regions │ READ-ONLY │ refreshed 3s ago │ STALE      │ header
//! │ ⚠ warnings that matter on call (split alias, no alarms, alias changed by hand)      │ warnings
//! ├ Deployments ─────────────────────────────────────────────────────────────────────────┤
//! │ ◌ d-…  app/group  fn:alias  41→42  Linear 10%/1m  ████░░ 40%  0:42  ▲ ALARM  0.1→9% │ table
//! │ ✔ d-…  (finished in the last 24 h: outcome, rollback it caused)                      │
//! ├ d-… fn:alias ───────────────────────────────────── deployment 2s · alias 4s ago ─────┤
//! │ Traffic v41 ██████████████░░░░░░ v42 30% │ Steps ✔ ▶ · ETA │ Hooks ✔ ◌ ·             │ summary
//! ├ Alarms ───────────────────────┬ Metrics (15 min) ────────────────────────────────────┤
//! │ ▲ errors ALARM since 12:03:10 │ invocations / errors / rate / throttles / avg p50 p99│
//! ├ Error rate % ─────────────────┴ p99 duration ms ─────────────────────────────────────┤
//! │ old ─── new ───               │ old ─── new ───                                      │ charts
//! ├ Events ──────────────────────────────────────────────────────────────────────────────┤
//! │ 12:03:10 weight 20% → 30%              (or the logs pane, `l`)                       │ events
//! » d-…: rolled back: … alias at 100% v41                                              message
//! └ j/k move  enter detail  / filter  t window  ctrl-r refresh  ? help  q quit ──────────┘ footer
//! ```
//!
//! Enter zooms the detail to the whole body; `?` draws the help over everything; an operator
//! action's confirmation ([`super::overlay`]) is drawn over all of it; below
//! [`layout::MIN_WIDTH`]×[`layout::MIN_HEIGHT`] only a "terminal too small" message is drawn.

pub mod alarms;
pub mod charts;
pub mod events;
pub mod fmt;
pub mod footer;
pub mod header;
pub mod layout;
pub mod logs;
pub mod metrics;
pub mod summary;
pub mod table;
pub mod warnings;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::model::Model;
use layout::{MIN_HEIGHT, MIN_WIDTH};

/// Draws the whole screen into `area`.
pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "terminal too small: need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{} (q quits)",
            area.width, area.height
        );
        let y = area.y + area.height / 2;
        let line = Rect::new(area.x, y, area.width, area.height - (y - area.y));
        frame.render_widget(
            Paragraph::new(Line::styled(text, model.theme.warning()))
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            line,
        );
        return;
    }
    let a = layout::areas(area, model);
    header::render(frame, a.header, model);
    if let Some(r) = a.warnings {
        warnings::render(frame, r, model);
    }
    if let Some(r) = a.table {
        table::render(frame, r, model);
    }
    if let Some(r) = a.summary {
        summary::render(frame, r, model);
    }
    if let Some(r) = a.alarms {
        alarms::render(frame, r, model);
    }
    if let Some(r) = a.metrics {
        metrics::render(frame, r, model);
    }
    if let Some(r) = a.charts {
        charts::render(frame, r, model);
    }
    if let Some(r) = a.events {
        match &model.logs {
            Some(pane) => logs::render(frame, r, model, pane),
            None => events::render(frame, r, model),
        }
    }
    if let Some(r) = a.message {
        header::render_message(frame, r, model);
    }
    footer::render(frame, a.footer, model);
    // The overlay is drawn last, over everything.
    super::overlay::draw(frame, area, model);
}
