//! The deployments table (k9s-like): active deployments first — status icon, id, application/
//! group, function:alias, versions, short config, target weight bar (marked when it is
//! CodeDeploy's record rather than the live alias), next-shift countdown, worst alarm, old vs
//! new error rate — then deployments finished in the last 24 hours with their outcome and the
//! rollback they caused. A region whose listing failed says why above the rows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row as TableRow, Table, TableState, Wrap};

use super::fmt::{bar, coarse_age, countdown, fit, freshness, rate};
use crate::domain::triage::GroupSummary;
use crate::domain::{
    Deployment, DeploymentConfig, DeploymentView, Judgement, Owner, Part, Source, WeightSource,
    worst_state,
};
use crate::tui::model::{Model, Pane, Row};
use crate::tui::theme::Theme;

/// Lines of region failures shown above the rows in a table of `width` columns (inside the
/// border): each failure is hard-wrapped so the count is exact (mouse hit-tests rely on it).
pub fn notice_lines(model: &Model, width: u16) -> u16 {
    notice(model, width).len() as u16
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let rows = model.rows();
    let active = Model::active_count(&rows);
    let block = frame_block(model, &rows, rows.len() - active);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let notices = notice_lines(model, inner.width).min(inner.height);
    let [notice_area, table_area] =
        Layout::vertical([Constraint::Length(notices), Constraint::Min(0)]).areas(inner);
    if notices > 0 {
        frame.render_widget(Paragraph::new(notice(model, inner.width)), notice_area);
    }
    let Some(picture) = &model.picture else {
        let text = match &model.fatal {
            Some(err) => Line::styled(format!("✖ {err}"), t.error()),
            None => Line::styled("waiting for the first picture…", t.muted()),
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), table_area);
        return;
    };
    if rows.is_empty() {
        if picture
            .regions
            .iter()
            .all(|r| r.listing.failure().is_some())
        {
            return;
        }
        let text = if model.filter.is_empty() {
            let regions: Vec<&str> = picture.regions.iter().map(|r| r.region.as_str()).collect();
            format!(
                "no active Lambda deployments, none finished in the last 24 h ({})",
                regions.join(", ")
            )
        } else {
            format!("nothing matches /{} (esc clears the filter)", model.filter)
        };
        frame.render_widget(Paragraph::new(Line::styled(text, t.muted())), table_area);
        return;
    }
    let wide = table_area.width >= 130;
    let (titles, widths) = columns(wide, model.several_accounts());
    let header = TableRow::new(titles.iter().map(|h| Cell::from(*h).style(t.muted())));
    // Only the visible rows are built: a frame costs the same with 20 or 2,000 deployments.
    let visible = usize::from(table_area.height.saturating_sub(1)).max(1);
    let offset = model.table_offset.min(rows.len().saturating_sub(1));
    let body: Vec<TableRow> = rows
        .iter()
        .skip(offset)
        .take(visible)
        .map(|r| row(r, model, t, wide))
        .collect();
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(t.selected());
    let selected = model
        .selected_index(&rows)
        .and_then(|i| i.checked_sub(offset))
        .filter(|i| *i < visible);
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, table_area, &mut state);
}

fn notice(model: &Model, width: u16) -> Vec<Line<'static>> {
    let t = &model.theme;
    let Some(p) = &model.picture else {
        return Vec::new();
    };
    let width = usize::from(width.max(1));
    let mut out = Vec::new();
    for r in &p.regions {
        let (what, f) = match (r.listing.failure(), r.recent.failure()) {
            (Some(f), _) => ("cannot list deployments", f),
            (None, Some(f)) => ("cannot list finished deployments", f),
            (None, None) => continue,
        };
        let place = if model.several_accounts() {
            format!("{} {}", r.owner.label(), r.region)
        } else {
            r.region.clone()
        };
        let text: Vec<char> = format!("✖ {place}: {what}: {}", f.one_line())
            .chars()
            .collect();
        for chunk in text.chunks(width) {
            out.push(Line::styled(chunk.iter().collect::<String>(), t.error()));
        }
    }
    out
}

fn versions(d: &Deployment, arrow: &str) -> String {
    d.target.as_ref().map_or_else(
        || "?".to_string(),
        |t| format!("{}{arrow}{}", t.current_version, t.target_version),
    )
}

fn config_label(d: &Deployment, config: Option<&Part<DeploymentConfig>>) -> String {
    if d.source == Source::Alias {
        return "hand split".to_string();
    }
    if let Some(c) = config.and_then(Part::value) {
        return c.short_label();
    }
    DeploymentConfig::predefined(&d.config_name)
        .map_or_else(|| format!("custom {}", d.config_name), |c| c.short_label())
}

/// A group row: its application, how many deployments at which weights, what needs attention,
/// and when the last of them should finish.
fn group_row<'a>(
    owner: &Owner,
    region: &str,
    application: &'a str,
    collapsed: bool,
    model: &Model,
    t: &Theme,
    wide: bool,
) -> Vec<Cell<'a>> {
    let members = model.members(owner, region, application);
    let summary = GroupSummary::of(members.iter().copied());
    let icon = if collapsed { "▸" } else { "▾" };
    let weights = match (summary.weights.first(), summary.weights.last()) {
        (Some((lo, _)), Some((hi, _))) if lo == hi => format!("all {lo}%"),
        (Some((lo, _)), Some((hi, _))) => format!("{lo}–{hi}%"),
        _ => String::new(),
    };
    let eta = match (summary.slowest_eta, model.now) {
        (Some(eta), Some(now)) if eta > now => countdown(eta - now),
        _ => String::new(),
    };
    let attention = summary.attention_text();
    let style = if attention.is_empty() {
        t.title()
    } else {
        t.error()
    };
    let mut cells = vec![
        Cell::from(icon).style(t.accent()),
        Cell::from(format!("{} deploys", summary.deployments)).style(style),
    ];
    if wide {
        cells.push(Cell::from(fit(application, 40, t)).style(style));
    }
    cells.push(
        Cell::from(if wide {
            String::new()
        } else {
            application.to_string()
        })
        .style(style),
    );
    cells.push(Cell::from(""));
    cells.push(Cell::from(""));
    cells.push(Cell::from(weights));
    cells.push(Cell::from(eta));
    cells.push(Cell::from(fit(&attention, 40, t)).style(style));
    cells
}

/// Width of the ACCOUNT column ("staging (123456789012)").
const ACCOUNT_WIDTH: u16 = 22;

/// The ACCOUNT cell, when the table shows several accounts.
fn account_cell<'a>(r: &Row<'_>, model: &Model, t: &Theme) -> Option<Cell<'a>> {
    model
        .several_accounts()
        .then(|| Cell::from(fit(&r.owner().label(), usize::from(ACCOUNT_WIDTH), t)))
}

fn row<'a>(r: &Row<'a>, model: &Model, t: &Theme, wide: bool) -> TableRow<'a> {
    let Some(d) = r.deployment() else {
        let Row::Group {
            owner,
            region,
            application,
            collapsed,
            ..
        } = *r
        else {
            return TableRow::new(Vec::<Cell>::new());
        };
        let mut cells = group_row(owner, region, application, collapsed, model, t, wide);
        if let Some(cell) = account_cell(r, model, t) {
            cells.insert(2, cell);
        }
        return TableRow::new(cells);
    };
    let (icon, status_style) = t.status(&d.status);
    // A split no deployment owns: its function:alias is its id (the next column shows it).
    let (id, group) = match d.source {
        Source::Alias => ("split".to_string(), "no deployment owns it".to_string()),
        Source::CodeDeploy => (d.id.clone(), format!("{}/{}", d.application, d.group)),
    };
    let subject = d.target.as_ref().map_or_else(
        || "?".to_string(),
        |x| format!("{}:{}", x.function, x.alias),
    );
    let mut cells = vec![Cell::from(icon).style(status_style), Cell::from(id)];
    cells.extend(account_cell(r, model, t));
    if wide {
        cells.push(Cell::from(fit(&group, 40, t)));
    }
    cells.push(Cell::from(subject));
    cells.push(Cell::from(versions(d, t.arrow())));
    match r {
        Row::Active { view, .. } => {
            cells.push(Cell::from(config_label(d, Some(&view.config))));
            cells.extend(active_cells(view, model, t));
            TableRow::new(cells)
        }
        Row::Group { .. } => TableRow::new(cells),
        Row::Recent { .. } => {
            cells.push(Cell::from(config_label(d, None)));
            let outcome = match &d.error {
                Some(e) => format!("{} {}", d.status.as_str(), e.code),
                None => d.status.as_str().to_string(),
            };
            cells.push(Cell::from(fit(&outcome, 14, t)).style(status_style));
            let ago = match (d.complete_time, model.now) {
                (Some(at), Some(now)) => format!("{} ago", coarse_age((now - at).num_seconds())),
                _ => String::new(),
            };
            cells.push(Cell::from(fit(&ago, 7, t)).style(t.muted()));
            cells.push(Cell::from(""));
            cells.push(Cell::from(""));
            let link = if let Some(id) = &d.rollback.rollback_deployment_id {
                format!("rollback: {id}")
            } else if let Some(id) = &d.rollback.triggered_by_deployment_id {
                format!("undoes {id}")
            } else {
                String::new()
            };
            cells.push(Cell::from(link).style(t.warning()));
            TableRow::new(cells).style(t.muted())
        }
    }
}

fn active_cells<'a>(view: &DeploymentView, model: &Model, t: &Theme) -> Vec<Cell<'a>> {
    let mut cells = Vec::new();
    match view.weight {
        Some(w) => {
            let (full, empty) = bar(w.weight, 8, t);
            let mark = if w.source == WeightSource::CodeDeployRecord {
                t.recorded_mark()
            } else {
                " "
            };
            cells.push(Cell::from(Line::from(vec![
                Span::styled(full, t.new_version()),
                Span::styled(empty, t.old_version()),
                Span::raw(format!("{mark}{:>4}", super::fmt::pct(w.weight))),
            ])));
        }
        None => cells.push(Cell::from(Span::styled("unknown", t.muted()))),
    }
    let next = match (&view.schedule, model.now) {
        (Some(s), Some(now)) => s
            .next_shift_at
            .map_or_else(|| "—".to_string(), |at| countdown(at - now)),
        _ => "—".to_string(),
    };
    cells.push(Cell::from(next));
    cells.push(match &view.alarms {
        Part::Ok { value } if value.is_empty() => Cell::from("none").style(t.warning()),
        Part::Ok { .. } => match worst_state(view.alarm_list()) {
            Some(state) => {
                let (icon, style) = t.alarm(&state);
                let n = view.alarm_list().filter(|a| a.state == state).count();
                let label = match state {
                    crate::domain::AlarmState::InsufficientData => "NO DATA".to_string(),
                    other => other.as_str().to_string(),
                };
                Cell::from(format!("{icon} {n} {label}")).style(style)
            }
            None => Cell::from("none"),
        },
        Part::Failed { .. } => Cell::from("✖ failed").style(t.error()),
        Part::Skipped { .. } => Cell::from("—").style(t.muted()),
    });
    cells.push(verdict(view, t));
    cells.push(error_rates(view, t));
    cells
}

/// The canary verdict: PASS, FAIL, MARGINAL or NO DATA (— before traffic shifts).
fn verdict<'a>(view: &DeploymentView, t: &Theme) -> Cell<'a> {
    let Some(v) = &view.verdict else {
        return Cell::from("—").style(t.muted());
    };
    let (label, style) = match v.overall {
        Judgement::Pass => ("PASS", t.ok()),
        Judgement::Marginal => ("MARGINAL", t.warning()),
        Judgement::Fail => ("FAIL", t.error()),
        Judgement::NotEnoughData => ("NO DATA", t.muted()),
    };
    Cell::from(label).style(style)
}

fn error_rates<'a>(view: &DeploymentView, t: &Theme) -> Cell<'a> {
    let Some(versions) = view.metrics.value() else {
        return Cell::from(if view.metrics.failure().is_some() {
            "✖ failed"
        } else {
            "—"
        })
        .style(t.muted());
    };
    let rates: Vec<Option<f64>> = versions.iter().map(|m| m.totals().error_rate).collect();
    let show = |r: Option<&Option<f64>>| match r {
        Some(Some(x)) => rate(*x),
        _ => "—".to_string(),
    };
    let old = rates.first();
    let new = rates.get(1);
    let worse = matches!((old, new), (Some(Some(o)), Some(Some(n))) if *n > 1.0 && *n > o + 1.0)
        || matches!((old, new), (Some(None), Some(Some(n))) if *n > 1.0);
    let style = if worse { t.error() } else { Style::new() };
    Cell::from(format!("{}{}{}", show(old), t.arrow(), show(new))).style(style)
}

/// The table's frame: the count of active and finished deployments, the sort and the filter on
/// the left; each region's list freshness on the right; the accent border when focused.
fn frame_block<'a>(model: &'a Model, rows: &[Row], finished: usize) -> Block<'a> {
    let t = &model.theme;
    let mut title = vec![Span::styled(" Deployments ", t.title())];
    let is_split =
        |r: &&Row| matches!(r, Row::Active { view, .. } if view.deployment.source == Source::Alias);
    let splits = rows.iter().filter(is_split).count();
    let active = rows
        .iter()
        .filter(|r| matches!(r, Row::Active { .. }))
        .count()
        - splits
        + rows
            .iter()
            .filter_map(|r| match r {
                Row::Group {
                    members,
                    collapsed: true,
                    ..
                } => Some(*members),
                _ => None,
            })
            .sum::<usize>();
    let splits = match splits {
        0 => String::new(),
        1 => "1 split outside any deployment · ".to_string(),
        n => format!("{n} splits outside any deployment · "),
    };
    title.push(Span::styled(
        format!(
            "{active} active · {splits}{finished} finished in 24 h · {} ",
            model.sort.label()
        ),
        t.muted(),
    ));
    if !model.filter.is_empty() {
        title.push(Span::styled(format!("/{} ", model.filter), t.warning()));
    }
    let focused = model.focus == Pane::Deployments;
    let mut right = Vec::new();
    for region in model.picture.iter().flat_map(|p| &p.regions) {
        let name = if model.picture.as_ref().is_some_and(|p| p.regions.len() > 1) {
            format!("{} list", region.region)
        } else {
            "list".to_string()
        };
        right.push(freshness(
            &name,
            &region.listing_freshness,
            model.now,
            model.time_zone,
            t,
        ));
        right.push(Span::raw(" "));
    }
    Block::bordered()
        .title(Line::from(title))
        .title(Line::from(right).right_aligned())
        .border_style(if focused { t.accent() } else { t.muted() })
}

/// The columns' titles and widths: APP/GROUP only when `wide`, ACCOUNT only with several
/// `accounts`.
fn columns(wide: bool, accounts: bool) -> (Vec<&'static str>, Vec<Constraint>) {
    let titles = [
        "",
        "ID",
        "APP/GROUP",
        "FUNCTION:ALIAS",
        "VERSION",
        "CONFIG",
        "WEIGHT",
        "NEXT",
        "ALARMS",
        "VERDICT",
        "ERRORS OLD→NEW",
    ];
    let mut titles = titles.to_vec();
    if !wide {
        titles.remove(2);
    }
    if accounts {
        titles.insert(2, "ACCOUNT");
    }
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(12),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Length(14),
        Constraint::Length(14),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(21),
    ];
    if !wide {
        widths.remove(2);
    }
    if accounts {
        widths.insert(2, Constraint::Length(ACCOUNT_WIDTH));
    }
    (titles, widths)
}
