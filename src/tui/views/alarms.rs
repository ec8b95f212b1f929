//! The alarms of the selected deployment's group: state, since when, why, what they measure,
//! and "already firing before this deployment"; "no alarms configured" for a group that watches
//! none (nothing to fetch, never stale). A failed alarm read shows its error here while the
//! other panels keep updating.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::fmt::{age, freshness, hms};
use crate::domain::Part;
use crate::tui::model::{Model, Row};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let row = model.selected_row();
    let Some(Row::Active { view, .. }) = row else {
        let block = Block::bordered().title(" Alarms ").border_style(t.muted());
        let text = if matches!(row, Some(Row::Group { .. })) {
            "a group: select one of its deployments (j/k) for its alarms"
        } else {
            "finished: no longer watched"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.muted())).block(block),
            area,
        );
        return;
    };
    let group_alarms = view.group.value().map(|g| g.alarm_names.as_slice());
    let watches_none = group_alarms.is_some_and(<[String]>::is_empty);
    let block = Block::bordered()
        .title(Span::styled(" Alarms ", t.title()))
        .title(
            Line::from(vec![
                if watches_none {
                    Span::styled("no alarms configured", t.muted())
                } else {
                    freshness(
                        "alarms",
                        &view.freshness.alarms,
                        model.now,
                        model.time_zone,
                        t,
                    )
                },
                Span::raw(" "),
            ])
            .right_aligned(),
        )
        .border_style(t.muted());
    let mut lines: Vec<Line> = Vec::new();
    match &view.alarms {
        Part::Ok { value } if value.is_empty() && watches_none => {
            lines.push(Line::styled(
                "no alarms configured: the group watches none, so nothing stops a bad release",
                t.warning(),
            ));
        }
        Part::Ok { value } if value.is_empty() => {
            lines.push(Line::styled(
                format!(
                    "none of the group's alarms exist in CloudWatch: {}",
                    group_alarms.unwrap_or_default().join(", ")
                ),
                t.warning(),
            ));
        }
        Part::Ok { value } => {
            let mut sorted: Vec<_> = value.iter().collect();
            sorted.sort_by(|a, b| b.alarm.state.cmp(&a.alarm.state));
            for a in sorted {
                let (icon, style) = t.alarm(&a.alarm.state);
                let mut spans = vec![
                    Span::styled(format!("{icon} {} ", a.alarm.state.as_str()), style),
                    Span::raw(a.alarm.name.clone()),
                ];
                if let Some(since) = a.alarm.since {
                    let ago = model.now.map_or_else(String::new, |n| {
                        format!(" ({} ago)", age((n - since).num_seconds()))
                    });
                    spans.push(Span::styled(
                        format!(" since {}{ago}", hms(since, model.time_zone)),
                        t.muted(),
                    ));
                }
                lines.push(Line::from(spans));
                if a.firing_before_deployment {
                    lines.push(Line::styled(
                        "  already firing before this deployment",
                        t.warning(),
                    ));
                }
                if let Some(m) = &a.alarm.measure {
                    lines.push(Line::styled(format!("  {}", m.summary()), t.muted()));
                } else if let Some(rule) = &a.alarm.rule {
                    lines.push(Line::styled(format!("  composite: {rule}"), t.muted()));
                }
                if !a.alarm.reason.is_empty() && a.alarm.state != crate::domain::AlarmState::Ok {
                    lines.push(Line::styled(format!("  {}", a.alarm.reason), t.muted()));
                }
            }
        }
        Part::Failed { failure } => lines.push(Line::styled(failure.one_line(), t.error())),
        Part::Skipped { reason } => lines.push(Line::styled(reason.clone(), t.muted())),
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
