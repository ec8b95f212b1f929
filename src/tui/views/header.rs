//! The header line: who and where (profile, account, regions), the READ-ONLY and GUARD badges, the age of
//! the last refresh on the service's clock, and a red STALE badge when any panel is older than
//! three times its refresh interval. Also the message line above the footer: the last operator
//! action's progress or result (red when it failed, was refused or actions are disabled).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{age, zone_label};
use crate::domain::ClockSource;
use crate::tui::model::Level;
use crate::tui::model::Model;

/// Whether any panel of the picture is stale at the model's "now".
pub fn any_stale(model: &Model) -> bool {
    let (Some(p), Some(now)) = (&model.picture, model.now) else {
        return false;
    };
    p.is_stale(now)
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let sep = || Span::styled(" │ ", t.muted());
    let mut spans = vec![Span::styled(" rollwatch", t.title())];
    let owners = model.owners();
    let who = if owners.len() > 1 {
        let labels: Vec<String> = owners.iter().map(|o| o.label()).collect();
        labels.join(" · ")
    } else {
        match (model.profile.name(), &model.account) {
            (Some(p), Some(a)) => format!("{p} ({a})"),
            (Some(p), None) => p.to_owned(),
            (None, Some(a)) => format!("default credentials ({a})"),
            (None, None) => "default credentials".to_string(),
        }
    };
    spans.extend([sep(), Span::raw(who)]);
    if let Some(p) = &model.picture {
        let mut regions: Vec<&str> = p.regions.iter().map(|r| r.region.as_str()).collect();
        regions.sort_unstable();
        regions.dedup();
        spans.extend([sep(), Span::styled(regions.join(", "), t.accent())]);
    }
    if model.read_only {
        spans.extend([sep(), Span::styled(" READ-ONLY ", t.badge(t.warning()))]);
    }
    if let Some(g) = &model.guard {
        let c = g.config();
        spans.extend([
            sep(),
            Span::styled(
                format!(" GUARD {}s+{}s ", c.fail_for_secs, c.countdown_secs),
                t.badge(t.accent()),
            ),
        ]);
    }
    spans.push(sep());
    match (&model.picture, model.now) {
        (Some(p), Some(now)) => {
            spans.push(Span::raw(format!(
                "refreshed {} ago",
                age((now - p.taken_at).num_seconds())
            )));
            if p.clock == ClockSource::Local {
                spans.push(Span::styled(" (local clock)", t.muted()));
            }
            spans.push(Span::styled(
                format!(" · times {}", zone_label(model.time_zone)),
                t.muted(),
            ));
        }
        _ if model.fatal.is_some() => spans.push(Span::styled("not watching", t.error())),
        _ => spans.push(Span::styled("loading…", t.muted())),
    }
    if any_stale(model) {
        spans.extend([Span::raw(" "), Span::styled(" STALE ", t.badge(t.error()))]);
    }
    if let (Some(fatal), Some(_)) = (&model.fatal, &model.picture) {
        spans.extend([sep(), Span::styled(format!("✖ {fatal}"), t.error())]);
    }
    if let Some(flash) = &model.flash {
        spans.extend([sep(), Span::styled(flash.clone(), t.accent())]);
    }

    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The message line: the last operator action's progress or result, wrapped to its line.
pub fn render_message(frame: &mut Frame, area: Rect, model: &Model) {
    let t = &model.theme;
    let Some((text, level)) = &model.actions.message else {
        return;
    };
    let style = match level {
        Level::Info => t.accent(),
        Level::Done => t.ok(),
        Level::Error => t.error(),
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" » ", t.muted()),
            Span::styled(text.clone(), style),
        ])),
        area,
    );
}
