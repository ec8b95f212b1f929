//! The picture as readable text for a terminal: one block per deployment with its weight,
//! schedule, hooks, alarms and per-version metrics side by side, then recently finished ones.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use crate::domain::{
    ClockSource, DeploymentView, Part, Picture, RegionPicture, VersionMetrics, WeightSource,
    normalize_pct,
};

/// Renders the whole picture.
pub fn render(picture: &Picture) -> String {
    let mut out = String::new();
    let clock = match picture.clock {
        ClockSource::Service => "service clock",
        ClockSource::Local => "local clock",
    };
    let _ = writeln!(
        out,
        "rollwatch snapshot at {} ({clock})",
        hms(picture.taken_at)
    );
    let several = picture
        .regions
        .iter()
        .any(|r| r.owner != picture.regions[0].owner);
    for region in &picture.regions {
        render_region(&mut out, region, picture.taken_at, several);
    }
    out
}

fn render_region(out: &mut String, region: &RegionPicture, now: DateTime<Utc>, several: bool) {
    if several {
        let _ = writeln!(out, "\n== {} · {} ==", region.owner.label(), region.region);
    } else {
        let _ = writeln!(out, "\n== {} ==", region.region);
    }
    if let Some(f) = region.listing.failure() {
        let _ = writeln!(out, "  ✖ cannot list deployments: {}", f.one_line());
        return;
    }
    if region.deployments.is_empty() {
        let _ = writeln!(out, "  no active Lambda deployments");
    }
    for view in &region.deployments {
        render_view(out, view, now);
    }
    render_splits(out, region);
    match &region.recent {
        Part::Ok { value } if !value.is_empty() => {
            let _ = writeln!(out, "\n  Recently finished (24 h):");
            for d in value {
                let rollback = d
                    .rollback
                    .rollback_deployment_id
                    .as_deref()
                    .map(|id| format!("  → rolled back by {id}"))
                    .unwrap_or_default();
                let error = d
                    .error
                    .as_ref()
                    .map(|e| format!("  {}", e.code))
                    .unwrap_or_default();
                let versions = d
                    .target
                    .as_ref()
                    .map(|t| format!(" v{} → v{}", t.current_version, t.target_version))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {} {:<10} {}{versions}  {}{error}{rollback}",
                    d.id,
                    d.status.as_str(),
                    d.subject(),
                    d.complete_time.map(hms).unwrap_or_default(),
                );
            }
        }
        Part::Failed { failure } => {
            let _ = writeln!(
                out,
                "\n  ✖ recently finished unavailable: {}",
                failure.one_line()
            );
        }
        _ => {}
    }
}

/// The aliases split outside any deployment, and how much of the account was scanned for them.
fn render_splits(out: &mut String, region: &RegionPicture) {
    let scan = &region.alias_scan;
    let covered = scan.coverage();
    if region.splits.is_empty() {
        let _ = writeln!(
            out,
            "\n  No alias split outside a deployment (scanned {covered})."
        );
    } else {
        let _ = writeln!(
            out,
            "\n  Aliases split outside any deployment (scanned {covered}):"
        );
    }
    for split in &region.splits {
        let _ = writeln!(
            out,
            "  ⚠ {}  {}  first seen {} (rollwatch cannot know when it was split)",
            split.id,
            split.shares(),
            hms(split.first_seen)
        );
    }
    if !scan.listed_all || scan.functions_read < scan.functions_listed {
        let _ = writeln!(
            out,
            "  (the rest of the account was not scanned: the Lambda budget left after the \
             rollouts' reads ran out; the TUI scans on in the background)"
        );
    }
    if let Some(f) = &scan.last_error {
        let _ = writeln!(out, "  ✖ alias scan: {}", f.one_line());
    }
}

fn render_view(out: &mut String, v: &DeploymentView, now: DateTime<Utc>) {
    let d = &v.deployment;
    let versions = d.target.as_ref().map_or_else(
        || "versions unknown".to_string(),
        |t| format!("v{} → v{}", t.current_version, t.target_version),
    );
    let config = v.config.value().map_or_else(
        || d.config_name.clone(),
        crate::domain::DeploymentConfig::short_label,
    );
    let _ = writeln!(
        out,
        "\n● {}  {}  {}  {versions}  {config}  ({}/{}, by {:?})",
        d.id,
        d.status.as_str(),
        d.subject(),
        d.application,
        d.group,
        d.creator
    );
    if let Some(e) = &d.error {
        let _ = writeln!(out, "  error     {}: {}", e.code, e.message);
    }
    render_weight(out, v);
    if let Some(s) = &v.schedule {
        let next = match (s.next_shift_at, s.next_shift_weight) {
            (Some(at), Some(w)) => {
                format!(
                    " · next shift {} → {} (in {})",
                    hms(at),
                    normalize_pct(w),
                    span(at - now)
                )
            }
            _ => " · no shift left".to_string(),
        };
        let _ = writeln!(
            out,
            "  schedule  step {}/{}{next} · ETA {}",
            s.step,
            s.steps_total,
            hms(s.eta)
        );
    }
    render_events(out, v, now);
    render_alarms(out, v);
    match &v.metrics {
        Part::Ok { value } => render_metrics(out, value),
        Part::Failed { failure } => {
            let _ = writeln!(out, "  metrics   ✖ {}", failure.one_line());
        }
        Part::Skipped { reason } => {
            let _ = writeln!(out, "  metrics   ({reason})");
        }
    }
    for w in &v.warnings {
        let _ = writeln!(out, "  ⚠ {w}");
    }
}

/// The lifecycle events (hooks) with how long each took, or why they are not shown.
fn render_events(out: &mut String, v: &DeploymentView, now: DateTime<Utc>) {
    match &v.target {
        Part::Ok { value } => {
            let hooks: Vec<String> = value
                .events
                .iter()
                .map(|e| {
                    let took = e
                        .elapsed(now)
                        .map(|d| format!(" ({})", span(d)))
                        .unwrap_or_default();
                    format!("{} {:?}{took}", e.name, e.status)
                })
                .collect();
            let _ = writeln!(out, "  events    {}", hooks.join(" · "));
        }
        Part::Failed { failure } => {
            let _ = writeln!(out, "  events    ✖ {}", failure.one_line());
        }
        Part::Skipped { reason } => {
            let _ = writeln!(out, "  events    ({reason})");
        }
    }
}

/// Each alarm with its state, since when and whether it fired before the deployment.
fn render_alarms(out: &mut String, v: &DeploymentView) {
    match &v.alarms {
        Part::Ok { value } if value.is_empty() => {
            let _ = writeln!(out, "  alarms    none configured");
        }
        Part::Ok { value } => {
            for a in value {
                let since = a
                    .alarm
                    .since
                    .map(|s| format!(" since {}", hms(s)))
                    .unwrap_or_default();
                let before = if a.firing_before_deployment {
                    " (firing before this deployment)"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  alarm     {} {}{since}{before}",
                    a.alarm.name,
                    a.alarm.state.as_str()
                );
            }
        }
        Part::Failed { failure } => {
            let _ = writeln!(out, "  alarms    ✖ {}", failure.one_line());
        }
        Part::Skipped { reason } => {
            let _ = writeln!(out, "  alarms    ({reason})");
        }
    }
}

fn render_weight(out: &mut String, v: &DeploymentView) {
    let Some(w) = v.weight else { return };
    let version = v
        .deployment
        .target
        .as_ref()
        .map(|t| t.target_version.clone())
        .unwrap_or_default();
    let source = match w.source {
        WeightSource::LiveAlias => "live alias",
        WeightSource::CodeDeployRecord => "CodeDeploy's record, alias not read",
    };
    let record = v
        .target
        .value()
        .filter(|_| w.source == WeightSource::LiveAlias)
        .map(|t| {
            format!(
                " · CodeDeploy's record {}",
                normalize_pct(t.recorded_weight)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  weight    v{version} {} ({source}){record}",
        normalize_pct(w.weight)
    );
    if let Part::Failed { failure } = &v.alias {
        let _ = writeln!(out, "  alias     ✖ {}", failure.one_line());
    }
}

fn render_metrics(out: &mut String, versions: &[VersionMetrics]) {
    let minutes = versions.first().map_or(0, |v| v.points.len());
    let _ = writeln!(
        out,
        "  metrics   {:<6} {:>8} {:>7} {:>7} {:>6} {:>8} {:>8} {:>8}   (last {minutes} min)",
        "", "invoc", "errors", "err%", "thr", "avg ms", "p50 ms", "p99 ms"
    );
    for m in versions {
        let t = m.totals();
        let opt = |x: Option<f64>, digits: usize| {
            x.map_or_else(|| "–".to_string(), |x| format!("{x:.digits$}"))
        };
        let _ = writeln!(
            out,
            "            {:<6} {:>8} {:>7} {:>7} {:>6} {:>8} {:>8} {:>8}",
            format!("v{}", m.version),
            t.invocations,
            t.errors,
            opt(t.error_rate, 2),
            t.throttles,
            opt(t.duration_avg_ms, 0),
            opt(t.duration_p50_ms, 0),
            opt(t.duration_p99_ms, 0),
        );
    }
}

/// `HH:MM:SS` UTC.
pub fn hms(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%SZ").to_string()
}

/// `4m12s`, `1h03m`, `-5s`.
pub fn span(d: Duration) -> String {
    let secs = d.num_seconds();
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.abs();
    if s >= 3600 {
        format!("{sign}{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{sign}{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{sign}{s}s")
    }
}
