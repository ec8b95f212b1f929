//! The summary of the selected deployment: title with per-panel freshness, the old-vs-new
//! weight gauge (live alias; CodeDeploy's record where it disagrees or the alias is not fresh),
//! the step timeline (done / current / next with times, countdown, ETA), the lifecycle hooks
//! with elapsed time against the 1 h limit, and the status, error and rollback links. For a
//! finished deployment: its outcome.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::fmt::{age, bar, countdown, freshness, hms, pct};
use crate::config::TimeZoneChoice;
use crate::domain::triage::GroupSummary;
use crate::domain::{
    Deployment, DeploymentView, EventStatus, HOOK_TIME_LIMIT, Judgement, LambdaTarget,
    MetricVerdict, Part, Source, Verdict, WeightSource,
};
use crate::tui::model::{Model, Row};
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let Some(row) = model.selected_row() else {
        return;
    };
    let Some(d) = row.deployment() else {
        group_summary(frame, area, model, row);
        return;
    };
    let (icon, style) = t.status(&d.status);
    let mut title = vec![
        Span::styled(format!(" {icon} "), style),
        Span::styled(format!("{} ", d.id), t.title()),
        Span::raw(format!("{} ", d.subject())),
        Span::styled(format!("{} ", d.status.as_str()), style),
        Span::styled(format!("{} ", row.region()), t.muted()),
    ];
    let mut lines = Vec::new();
    match row {
        Row::Active { view, .. } => {
            let f = &view.freshness;
            let mut right = vec![Span::raw(" ")];
            for (i, (name, fr)) in [
                ("deployment", &f.deployment),
                ("hooks", &f.target),
                ("alias", &f.alias),
            ]
            .into_iter()
            .enumerate()
            {
                if i > 0 {
                    right.push(Span::styled(" · ", t.muted()));
                }
                right.push(freshness(name, fr, model.now, model.time_zone, t));
            }
            right.push(Span::raw(" "));
            let block = Block::bordered()
                .title(Line::from(std::mem::take(&mut title)))
                .title(Line::from(right).right_aligned())
                .border_style(t.muted());
            active_lines(
                &mut lines,
                view,
                model.now,
                model.time_zone,
                model.zoomed,
                t,
            );
            frame.render_widget(
                Paragraph::new(lines)
                    .block(block)
                    .wrap(Wrap { trim: false }),
                area,
            );
        }
        Row::Group { .. } => {}
        Row::Recent { .. } => {
            finished_lines(&mut lines, d, model.now, model.time_zone, t);
            let block = Block::bordered()
                .title(Line::from(title))
                .border_style(t.muted());
            frame.render_widget(
                Paragraph::new(lines)
                    .block(block)
                    .wrap(Wrap { trim: false }),
                area,
            );
        }
    }
}

/// A group row's detail: what its deployments add up to.
fn group_summary(frame: &mut Frame, area: Rect, model: &Model, row: Row<'_>) {
    let t = &model.theme;
    let Row::Group {
        owner,
        region,
        application,
        collapsed,
        ..
    } = row
    else {
        return;
    };
    let members = model.members(owner, region, application);
    let summary = GroupSummary::of(members.iter().copied());
    let title = vec![
        Span::styled(format!(" {application} "), t.title()),
        Span::raw(format!("{} active deployments ", summary.deployments)),
        Span::styled(format!("{region} "), t.muted()),
    ];
    let attention = summary.attention_text();
    let eta = match (summary.slowest_eta, model.now) {
        (Some(eta), Some(now)) if eta > now => format!(
            "{} (in {})",
            hms(eta, model.time_zone),
            countdown(eta - now)
        ),
        (Some(eta), _) => hms(eta, model.time_zone),
        (None, _) => "unknown".to_string(),
    };
    let lines = vec![
        Line::from(vec![label("Weights", t), Span::raw(summary.weights_text())]),
        Line::from(vec![
            label("Urgent", t),
            if attention.is_empty() {
                Span::styled("nothing in ALARM, FAIL or waiting", t.muted())
            } else {
                Span::styled(attention, t.error())
            },
        ]),
        Line::from(vec![label("Last ETA", t), Span::raw(eta)]),
        Line::styled(
            if collapsed {
                "enter shows its deployments"
            } else {
                "enter folds its deployments into this line"
            },
            t.muted(),
        ),
    ];
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(t.muted());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn label(text: &str, t: &Theme) -> Span<'static> {
    Span::styled(format!("{text:<9}"), t.muted())
}

fn active_lines(
    lines: &mut Vec<Line<'static>>,
    v: &DeploymentView,
    now: Option<DateTime<Utc>>,
    zone: TimeZoneChoice,
    zoomed: bool,
    t: &Theme,
) {
    lines.push(weight_line(v, t));
    lines.push(steps_line(v, now, zone, t));
    match &v.target {
        Part::Ok { value } => lines.push(hooks_line(value, now, t)),
        Part::Failed { failure } => lines.push(Line::from(vec![
            label("Hooks", t),
            Span::styled(failure.one_line(), t.error()),
        ])),
        Part::Skipped { reason } => lines.push(Line::from(vec![
            label("Hooks", t),
            Span::styled(reason.clone(), t.muted()),
        ])),
    }
    lines.push(status_line(&v.deployment, now, zone, t));
    if let Some(verdict) = &v.verdict {
        lines.push(verdict_line(verdict, !zoomed, t));
        if let Some(catch) = verdict.can_catch().filter(|_| zoomed) {
            lines.push(Line::from(vec![
                label("Catches", t),
                Span::styled(catch, catch_style(verdict, t)),
            ]));
        }
        if zoomed {
            lines.extend(verdict.metrics.iter().map(|m| metric_line(m, t)));
        }
    }
    for w in &v.warnings {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", t.warning_icon()), t.warning()),
            Span::styled(w.to_string(), t.warning()),
        ]));
    }
    if let Some(f) = v.alias.failure() {
        lines.push(Line::styled(format!("alias: {}", f.one_line()), t.error()));
    }
}

/// One metric of the verdict with its reason, for the zoomed detail.
fn metric_line(m: &MetricVerdict, t: &Theme) -> Line<'static> {
    let style = match m.judgement {
        Judgement::Fail if m.critical => t.error(),
        Judgement::Fail | Judgement::Marginal => t.warning(),
        Judgement::Pass => t.ok(),
        Judgement::NotEnoughData => t.muted(),
    };
    let info = if m.critical { "" } else { " (info)" };
    Line::from(vec![
        Span::raw("         "),
        Span::styled(format!("{:<10}", m.label()), t.muted()),
        Span::styled(
            format!("{:<12}", format!("{}{info}", m.judgement.label())),
            style,
        ),
        Span::raw(" "),
        Span::raw(m.reason.clone()),
    ])
}

/// The canary verdict: the deciding metric's reason first, then (unless each metric gets its own
/// line) every metric's judgement.
fn verdict_line(verdict: &Verdict, with_others: bool, t: &Theme) -> Line<'static> {
    let style = match verdict.overall {
        Judgement::Pass => t.ok(),
        Judgement::Marginal => t.warning(),
        Judgement::Fail => t.error(),
        Judgement::NotEnoughData => t.muted(),
    };
    let others: Vec<String> = verdict
        .metrics
        .iter()
        .map(|m| format!("{} {}", m.label(), m.judgement.label()))
        .collect();
    // Its own window, said beside it: the metrics table next to it is over the chosen window.
    let mut spans = vec![
        label("Verdict", t),
        Span::styled(verdict.headline(), style),
        Span::styled(format!("  [{}]", verdict.window()), t.muted()),
    ];
    // What this canary can catch before its full shift (in full on its own line when zoomed).
    if let Some(catch) = verdict.can_catch_short().filter(|_| with_others) {
        spans.push(Span::styled(format!("  {catch}"), catch_style(verdict, t)));
    }
    if with_others {
        spans.push(Span::styled(
            format!("  ({})", others.join(" · ")),
            t.muted(),
        ));
    }
    Line::from(spans)
}

/// A canary too short (or too quiet) to catch a doubled error rate is said in the warning colour.
fn catch_style(verdict: &Verdict, t: &Theme) -> ratatui::style::Style {
    if verdict.misses_doubled_errors() {
        t.warning()
    } else {
        t.muted()
    }
}

fn weight_line(v: &DeploymentView, t: &Theme) -> Line<'static> {
    let target = v.deployment.target.as_ref();
    let (old, new) = target.map_or(("old".to_string(), "new".to_string()), |x| {
        (
            format!("v{}", x.current_version),
            format!("v{}", x.target_version),
        )
    });
    let mut spans = vec![label("Traffic", t)];
    let Some(w) = v.weight else {
        spans.push(Span::styled(
            "weight unknown (alias not read, no CodeDeploy record)",
            t.warning(),
        ));
        return Line::from(spans);
    };
    let (full, empty) = bar(w.weight, 30, t);
    spans.extend([
        Span::styled(format!("{old} {} ", pct(1.0 - w.weight)), t.old_version()),
        Span::styled(empty, t.old_version()),
        Span::styled(full, t.new_version()),
        Span::styled(format!(" {} {new}", pct(w.weight)), t.new_version()),
    ]);
    let recorded = v.target.value().map(|x| x.recorded_weight);
    match w.source {
        WeightSource::LiveAlias => {
            spans.push(Span::styled("  live alias", t.muted()));
            if let Some(r) = recorded.filter(|r| (r - w.weight).abs() > 0.011) {
                spans.push(Span::styled(
                    format!("  CodeDeploy records {}", pct(r)),
                    t.warning(),
                ));
            }
        }
        WeightSource::CodeDeployRecord => spans.push(Span::styled(
            format!(
                "  {} CodeDeploy's record (alias not read fresh)",
                t.recorded_mark()
            ),
            t.warning(),
        )),
    }
    Line::from(spans)
}

fn steps_line(
    v: &DeploymentView,
    now: Option<DateTime<Utc>>,
    zone: TimeZoneChoice,
    t: &Theme,
) -> Line<'static> {
    let mut spans = vec![label("Steps", t)];
    let (Some(plan), Some(now)) = (&v.plan, now) else {
        let why = if v.deployment.status.is_active() {
            "traffic shifting has not started (or the config is unknown)"
        } else {
            "—"
        };
        spans.push(Span::styled(why, t.muted()));
        return Line::from(spans);
    };
    let (done, cur, next) = t.step_marks();
    let current = plan.current_step(now);
    let done_count = current.unwrap_or(0);
    if done_count > 1 {
        spans.push(Span::styled(format!("{done} {done_count} done  "), t.ok()));
    }
    let first_shown = done_count.saturating_sub(1).min(done_count);
    for (i, step) in plan.steps.iter().enumerate().skip(first_shown).take(4) {
        let text = if Some(i) == current {
            Span::styled(
                format!("{cur} {} since {}  ", pct(step.weight), hms(step.at, zone)),
                t.active(),
            )
        } else if current.is_some_and(|c| i < c) {
            Span::styled(
                format!("{done} {} {}  ", pct(step.weight), hms(step.at, zone)),
                t.ok(),
            )
        } else if plan.next_shift(now).is_some_and(|n| n.at == step.at) {
            Span::styled(
                format!(
                    "{next} {} in {} ({})  ",
                    pct(step.weight),
                    countdown(step.at - now),
                    hms(step.at, zone)
                ),
                t.accent(),
            )
        } else {
            Span::styled(
                format!("{next} {} {}  ", pct(step.weight), hms(step.at, zone)),
                t.muted(),
            )
        };
        spans.push(text);
    }
    let remaining = plan.steps.len().saturating_sub(first_shown + 4);
    if remaining > 0 {
        spans.push(Span::styled(format!("+{remaining} more  "), t.muted()));
    }
    let eta = plan.shifting_ends;
    let eta_text = if eta > now {
        format!("ETA {} (in {})", hms(eta, zone), countdown(eta - now))
    } else {
        format!("shifting due to end {}", hms(eta, zone))
    };
    spans.push(Span::styled(eta_text, t.accent()));
    Line::from(spans)
}

fn hooks_line(target: &LambdaTarget, now: Option<DateTime<Utc>>, t: &Theme) -> Line<'static> {
    let mut spans = vec![label("Hooks", t)];
    if target.events.is_empty() {
        spans.push(Span::styled("no lifecycle events yet", t.muted()));
    }
    for e in &target.events {
        let (icon, style) = t.event(&e.status);
        spans.push(Span::styled(format!("{icon} {}", e.name), style));
        if let Some(elapsed) = now.and_then(|n| e.elapsed(n)) {
            let secs = elapsed.num_seconds();
            if e.is_hook() && e.status == EventStatus::InProgress {
                let limit = HOOK_TIME_LIMIT.num_seconds();
                let style = if secs * 4 >= limit * 3 {
                    t.error()
                } else {
                    t.muted()
                };
                spans.push(Span::styled(
                    format!(" {} of {} limit", age(secs), age(limit)),
                    style,
                ));
            } else {
                spans.push(Span::styled(format!(" {}", age(secs)), t.muted()));
            }
        }
        if let Some(diag) = &e.diagnostics {
            spans.push(Span::styled(format!(" ({diag})"), t.error()));
        }
        spans.push(Span::raw("   "));
    }
    Line::from(spans)
}

fn status_line(
    d: &Deployment,
    now: Option<DateTime<Utc>>,
    zone: TimeZoneChoice,
    t: &Theme,
) -> Line<'static> {
    let mut spans = vec![label("Status", t)];
    if let Some(start) = d.start_time.or(d.create_time) {
        let ago = now.map_or_else(String::new, |n| {
            format!(" ({} ago)", age((n - start).num_seconds()))
        });
        // rollwatch cannot know when a split outside any deployment began: it says so.
        let since = match d.source {
            Source::Alias => "split first seen",
            Source::CodeDeploy => "started",
        };
        spans.push(Span::raw(format!("{since} {}{ago}", hms(start, zone))));
        if d.source == Source::Alias {
            spans.push(Span::styled(
                " (not when it was split: rollwatch cannot know) · its verdict counts from then",
                t.muted(),
            ));
        }
    }
    let by = if d.creator.is_rollback() {
        " · a rollback".to_string()
    } else if d.is_cloudformation() {
        " · by CloudFormation".to_string()
    } else {
        String::new()
    };
    spans.push(Span::styled(by, t.muted()));
    spans.push(Span::styled(format!(" · {}", d.config_name), t.muted()));
    if let Some(e) = &d.error {
        spans.push(Span::styled(
            format!(" · {}: {}", e.code, e.message),
            t.error(),
        ));
    }
    if let Some(id) = &d.rollback.rollback_deployment_id {
        spans.push(Span::styled(format!(" · rolled back by {id}"), t.warning()));
    }
    if let Some(id) = &d.rollback.triggered_by_deployment_id {
        spans.push(Span::styled(format!(" · rollback of {id}"), t.warning()));
    }
    Line::from(spans)
}

fn finished_lines(
    lines: &mut Vec<Line<'static>>,
    d: &Deployment,
    now: Option<DateTime<Utc>>,
    zone: TimeZoneChoice,
    t: &Theme,
) {
    let (_, style) = t.status(&d.status);
    let when = match (d.complete_time, now) {
        (Some(at), Some(now)) => format!(
            " at {} ({} ago)",
            hms(at, zone),
            age((now - at).num_seconds())
        ),
        _ => String::new(),
    };
    lines.push(Line::from(vec![
        label("Outcome", t),
        Span::styled(format!("{}{when}", d.status.as_str()), style),
    ]));
    if let Some(target) = &d.target {
        lines.push(Line::from(vec![
            label("Versions", t),
            Span::raw(format!(
                "v{} {} v{}",
                target.current_version,
                t.arrow(),
                target.target_version
            )),
        ]));
    }
    lines.push(status_line(d, now, zone, t));
    for m in &d.status_messages {
        lines.push(Line::styled(format!("         {m}"), t.muted()));
    }
}
