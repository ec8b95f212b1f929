//! The logs pane (`l`): the latest log lines of one version of the selected deployment's
//! function — the new version first, `v` switches to the old one — with errors highlighted,
//! read again every [`LOGS_EVERY_SECS`] of the service's clock while the pane is open (one read
//! at a time, in its own budget). Pure: returns [`Effect::FetchLogs`]; the loop reads.

use chrono::{DateTime, Duration, Utc};

use super::effect::Effect;
use super::model::{LOGS_EVERY_SECS, LogsPane, Model, Row};
use crate::domain::logs::LogLine;
use crate::domain::{Failure, Place};

/// `l`: opens the pane on the selected deployment's new version, or closes it.
pub fn toggle(model: &mut Model) -> Vec<Effect> {
    if model.logs.take().is_some() {
        return Vec::new();
    }
    let Some(Row::Active {
        owner,
        region,
        view,
    }) = model.selected_row()
    else {
        model.flash = Some("logs: select an active deployment".to_string());
        return Vec::new();
    };
    let Some(target) = &view.deployment.target else {
        model.flash = Some("logs: the function and its versions are unknown".to_string());
        return Vec::new();
    };
    let mut pane = LogsPane {
        deployment_id: view.deployment.id.clone(),
        place: Place::new(owner.profile.clone(), region),
        function: target.function.clone(),
        old_version: target.current_version.clone(),
        new_version: target.target_version.clone(),
        showing_new: true,
        lines: Vec::new(),
        read_at: None,
        error: None,
        reading: false,
    };
    let commands = fetch(&mut pane, model.now);
    model.logs = Some(pane);
    commands
}

/// `v`: the other version's lines.
pub fn switch_version(model: &mut Model) -> Vec<Effect> {
    let now = model.now;
    let Some(pane) = model.logs.as_mut() else {
        model.flash = Some("v switches versions in the logs pane (l opens it)".to_string());
        return Vec::new();
    };
    pane.showing_new = !pane.showing_new;
    pane.lines.clear();
    pane.read_at = None;
    pane.error = None;
    fetch(pane, now)
}

/// A tick: read again when due.
pub fn on_tick(model: &mut Model) -> Vec<Effect> {
    let now = model.now;
    let Some(pane) = model.logs.as_mut() else {
        return Vec::new();
    };
    let due = match (pane.read_at, now) {
        (Some(at), Some(now)) => now - at >= Duration::seconds(LOGS_EVERY_SECS),
        _ => pane.read_at.is_none(),
    };
    if pane.reading || !due {
        return Vec::new();
    }
    fetch(pane, now)
}

/// A read came back (ignored when the pane moved on to another deployment or version).
pub fn on_read(
    model: &mut Model,
    deployment_id: &str,
    version: &str,
    result: Result<Vec<LogLine>, Failure>,
) {
    let now = model.now;
    let Some(pane) = model.logs.as_mut() else {
        return;
    };
    if pane.deployment_id != deployment_id || pane.version() != version {
        return;
    }
    pane.reading = false;
    pane.read_at = now;
    match result {
        Ok(lines) => {
            pane.lines = lines;
            pane.error = None;
        }
        Err(failure) => pane.error = Some(failure),
    }
    model.dirty = true;
}

/// Asks the loop to read the pane's version now (`now`: the service's clock).
fn fetch(pane: &mut LogsPane, now: Option<DateTime<Utc>>) -> Vec<Effect> {
    let Some(now) = now else {
        return Vec::new();
    };
    pane.reading = true;
    vec![Effect::FetchLogs {
        deployment_id: pane.deployment_id.clone(),
        place: pane.place.clone(),
        function: pane.function.clone(),
        version: pane.version().to_string(),
        now,
    }]
}
