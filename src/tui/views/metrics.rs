//! Per-version metrics side by side over the chosen window: invocations, errors, error rate,
//! throttles, duration avg / p50 / p99, and the minutes with traffic they stand on. No traffic
//! is shown as "no traffic", never as 0%.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row as TableRow, Table, Wrap};

use super::fmt::{freshness, rate};
use super::footer::window_label;
use crate::domain::{MetricTotals, Part, VersionMetrics};
use crate::tui::model::{Model, Row};

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.0} ms"))
}

fn count(v: f64) -> String {
    format!("{v:.0}")
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let title = Span::styled(
        format!(" Metrics · {} ", window_label(model.window)),
        t.title(),
    );
    let Some(Row::Active { view, .. }) = model.selected_row() else {
        frame.render_widget(Block::bordered().title(title).border_style(t.muted()), area);
        return;
    };
    let block = Block::bordered()
        .title(title)
        .title(
            Line::from(vec![
                freshness("metrics", &view.freshness.metrics, model.now, t),
                Span::raw(" "),
            ])
            .right_aligned(),
        )
        .border_style(t.muted());
    let versions = match &view.metrics {
        Part::Ok { value } => value,
        Part::Failed { failure } => {
            frame.render_widget(
                Paragraph::new(Line::styled(failure.one_line(), t.error()))
                    .block(block)
                    .wrap(Wrap { trim: false }),
                area,
            );
            return;
        }
        Part::Skipped { reason } => {
            frame.render_widget(
                Paragraph::new(Line::styled(reason.clone(), t.muted())).block(block),
                area,
            );
            return;
        }
    };
    let totals: Vec<(&VersionMetrics, MetricTotals)> =
        versions.iter().map(|m| (m, m.totals())).collect();
    let header = std::iter::once(Cell::from(""))
        .chain(totals.iter().enumerate().map(|(i, (m, _))| {
            let (role, style) = if i == 0 {
                ("old", t.old_version())
            } else {
                ("new", t.new_version())
            };
            Cell::from(format!("v{} ({role})", m.version)).style(style)
        }))
        .collect::<Vec<_>>();
    let row = |name: &'static str, f: &dyn Fn(&MetricTotals) -> (String, Style)| {
        let cells = std::iter::once(Cell::from(name).style(t.muted()))
            .chain(totals.iter().map(|(_, tot)| {
                let (text, style) = f(tot);
                Cell::from(Line::from(text).right_aligned()).style(style)
            }))
            .collect::<Vec<_>>();
        TableRow::new(cells)
    };
    let old_rate = totals.first().and_then(|(_, x)| x.error_rate);
    let plain = Style::new();
    let rows = vec![
        row("invocations", &|x| (count(x.invocations), plain)),
        row("errors", &|x| (count(x.errors), plain)),
        row("error rate", &|x| match x.error_rate {
            None => ("no traffic".to_string(), t.muted()),
            Some(r) => {
                let bad = r > 1.0 && old_rate.is_none_or(|o| r > o + 1.0);
                (rate(r), if bad { t.error() } else { plain })
            }
        }),
        row("throttles", &|x| {
            (
                count(x.throttles),
                if x.throttles > 0.0 {
                    t.warning()
                } else {
                    plain
                },
            )
        }),
        row("duration avg", &|x| (ms(x.duration_avg_ms), plain)),
        row("duration p50", &|x| (ms(x.duration_p50_ms), plain)),
        row("duration p99", &|x| (ms(x.duration_p99_ms), plain)),
        row("minutes w/ traffic", &|x| {
            (x.minutes_with_traffic.to_string(), t.muted())
        }),
    ];
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(18))
        .chain(totals.iter().map(|_| Constraint::Length(14)))
        .collect();
    frame.render_widget(
        Table::new(rows, widths)
            .header(TableRow::new(header))
            .block(block),
        area,
    );
}
