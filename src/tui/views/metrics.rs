//! Per-version metrics side by side over the chosen window: invocations, errors, error rate,
//! throttles, duration avg / p50 / p99, and the minutes with traffic they stand on. No traffic
//! is shown as "no traffic", never as 0%. The last column is the canary verdict of each judged
//! metric (over the minutes since traffic started shifting, whatever the window) with its ratio
//! and p-value; metrics that do not decide the overall verdict are marked "info". The full
//! reasons are listed in the zoomed detail (Enter).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row as TableRow, Table, Wrap};

use super::fmt::{freshness, rate};
use super::footer::window_label;
use crate::domain::{
    DeploymentView, Judgement, MetricKind, MetricTotals, Part, Verdict, VersionMetrics,
};
use crate::tui::model::{Model, Row};
use crate::tui::theme::Theme;

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
    let block = block(title, view, model);
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
    let header = header(&totals, view.verdict.is_some(), t);
    let row = |name: &'static str, f: &dyn Fn(&MetricTotals) -> (String, Style)| {
        let judged = match name {
            "error rate" => Some(MetricKind::ErrorRate),
            "throttles" => Some(MetricKind::Throttles),
            "duration p50" => Some(MetricKind::DurationP50),
            "duration p99" => Some(MetricKind::DurationP99),
            _ => None,
        };
        let cells = std::iter::once(Cell::from(name).style(t.muted()))
            .chain(totals.iter().map(|(_, tot)| {
                let (text, style) = f(tot);
                Cell::from(Line::from(text).right_aligned()).style(style)
            }))
            .chain(view.verdict.as_ref().map(|v| verdict_cell(v, judged, t)))
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
        .chain(view.verdict.as_ref().map(|_| Constraint::Min(10)))
        .collect();
    frame.render_widget(
        Table::new(rows, widths)
            .header(TableRow::new(header))
            .block(block),
        area,
    );
}

/// The pane's frame: its title and, on the right, how fresh the metrics are.
fn block<'a>(title: Span<'a>, view: &DeploymentView, model: &Model) -> Block<'a> {
    let t = &model.theme;
    Block::bordered()
        .title(title)
        .title(
            Line::from(vec![
                freshness(
                    "metrics",
                    &view.freshness.metrics,
                    model.now,
                    model.time_zone,
                    t,
                ),
                Span::raw(" "),
            ])
            .right_aligned(),
        )
        .border_style(t.muted())
}

/// The header: a cell per version (old, then new), and the verdict's column when `judged`.
fn header(
    totals: &[(&VersionMetrics, MetricTotals)],
    judged: bool,
    t: &Theme,
) -> Vec<Cell<'static>> {
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
    if judged {
        header
            .into_iter()
            .chain([Cell::from("  verdict · since shift").style(t.muted())])
            .collect()
    } else {
        header
    }
}

/// The verdict of `metric` (none for rows that are not judged): judgement, then the reason.
fn verdict_cell(verdict: &Verdict, metric: Option<MetricKind>, t: &Theme) -> Cell<'static> {
    let Some(m) = metric.and_then(|k| verdict.metrics.iter().find(|m| m.metric == k)) else {
        return Cell::from("");
    };
    let style = match m.judgement {
        Judgement::Fail if m.critical => t.error(),
        Judgement::Fail | Judgement::Marginal => t.warning(),
        Judgement::Pass => t.ok(),
        Judgement::NotEnoughData => t.muted(),
    };
    let label = if m.critical {
        m.judgement.label().to_string()
    } else {
        format!("{} (info)", m.judgement.label())
    };
    let mut numbers = Vec::new();
    if m.judgement != Judgement::NotEnoughData {
        if let Some(r) = m.numbers.ratio {
            numbers.push(if r < 10.0 {
                format!("×{r:.2}")
            } else {
                format!("×{r:.0}")
            });
        }
        if let Some(p) = m.numbers.p_value {
            numbers.push(if p < 0.001 {
                "p < 0.001".to_string()
            } else {
                format!("p = {p:.3}")
            });
        }
    }
    Cell::from(Line::from(vec![
        Span::styled(format!("  {label} "), style),
        Span::styled(numbers.join(" · "), t.muted()),
    ]))
}
