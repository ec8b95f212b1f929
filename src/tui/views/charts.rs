//! Charts of error rate and p99 duration per version over the metrics window (old and new
//! version in their own colors). Minutes without traffic are gaps, not zeros.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};

use super::fmt::hm;
use crate::config::Icons;
use crate::domain::{MinutePoint, VersionMetrics};
use crate::tui::model::{Model, Row};

type Series = Vec<(f64, f64)>;

fn series(
    versions: &[VersionMetrics],
    pick: fn(&MinutePoint) -> Option<f64>,
) -> (Vec<Series>, f64, f64) {
    let start = versions
        .iter()
        .filter_map(|v| v.points.first())
        .map(|p| p.at)
        .min();
    let Some(start) = start else {
        return (Vec::new(), 1.0, 1.0);
    };
    let mut max_x: f64 = 1.0;
    let mut max_y: f64 = 0.0;
    let out = versions
        .iter()
        .map(|v| {
            v.points
                .iter()
                .filter(|p| p.invocations.is_some_and(|n| n > 0.0))
                .filter_map(|p| {
                    let x = (p.at - start).num_minutes() as f64;
                    let y = pick(p)?;
                    max_x = max_x.max(x);
                    max_y = max_y.max(y);
                    Some((x, y))
                })
                .collect()
        })
        .collect();
    (out, max_x, max_y)
}

fn axis_label(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let versions = match model.selected_row() {
        Some(Row::Active { view, .. }) => view.metrics.value().map(Vec::as_slice),
        _ => None,
    };
    one(frame, left, model, versions, "Error rate %", |p| {
        p.error_rate
    });
    one(frame, right, model, versions, "p99 duration ms", |p| {
        p.duration_p99_ms
    });
}

fn one(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    versions: Option<&[VersionMetrics]>,
    title: &'static str,
    pick: fn(&MinutePoint) -> Option<f64>,
) {
    let t = &model.theme;
    let block = Block::bordered()
        .title(Span::styled(format!(" {title} "), t.title()))
        .border_style(t.muted());
    let Some(versions) = versions.filter(|v| !v.is_empty()) else {
        frame.render_widget(
            Paragraph::new(Line::styled("no data", t.muted())).block(block),
            area,
        );
        return;
    };
    let (data, max_x, max_y) = series(versions, pick);
    if data.iter().all(Vec::is_empty) {
        frame.render_widget(
            Paragraph::new(Line::styled("no traffic in this window", t.muted())).block(block),
            area,
        );
        return;
    }
    let marker = match t.icons {
        Icons::Unicode => Marker::Braille,
        Icons::Ascii => Marker::Dot,
    };
    let datasets: Vec<Dataset> = data
        .iter()
        .zip(versions)
        .enumerate()
        .map(|(i, (points, v))| {
            let style = if i == 0 {
                t.old_version()
            } else {
                t.new_version()
            };
            Dataset::default()
                .name(format!("v{}", v.version))
                .marker(marker)
                .graph_type(GraphType::Line)
                .style(style)
                .data(points)
        })
        .collect();
    let first = versions
        .iter()
        .filter_map(|v| v.points.first())
        .map(|p| p.at)
        .min();
    let last = versions
        .iter()
        .filter_map(|v| v.points.last())
        .map(|p| p.at)
        .max();
    let x_labels = match (first, last) {
        (Some(a), Some(b)) => vec![
            Line::from(hm(a, model.time_zone)),
            Line::from(hm(b, model.time_zone)),
        ],
        _ => Vec::new(),
    };
    let top = if max_y > 0.0 { max_y * 1.1 } else { 1.0 };
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([0.0, max_x])
                .labels(x_labels)
                .style(t.muted()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels([Line::from("0"), Line::from(axis_label(top))])
                .style(t.muted()),
        );
    frame.render_widget(chart, area);
}
