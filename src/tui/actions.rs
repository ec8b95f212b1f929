//! The operator-action flow of the TUI, pure like the rest of `update`: an action key checks
//! what applies to the selected deployment ([`action_options`]) and either explains why nothing
//! happens (read-only, not applicable, already running) or asks the loop to prepare it; the
//! prepared action opens the confirmation (`super::overlay::confirm`: its keys turn it into
//! an [`Effect::Run`] or an [`Effect::Decline`], recorded, nothing sent). Progress lines and
//! the final report land in the message line and the event log, then the engine refreshes.

use super::effect::Effect;
use super::model::{Level, Modal, Model, Overlay, Row, log, say};
use crate::actions::{Outcome, Prepared, Report, Request};
use crate::domain::{
    ActionOption, ContinueRequest, DeploymentView, Refusal, SplitResolution, action_options,
    running_hook,
};
use crate::domain::{Place, links};
use crate::keymap::KeyAction;

/// The menu of the selected deployment (active deployments only).
pub fn menu(model: &Model) -> Option<Vec<ActionOption>> {
    match model.selected_row()? {
        Row::Active { view, .. } => Some(action_options(
            view,
            model
                .actions
                .hook_ids
                .get(&view.deployment.id)
                .map(String::as_str),
        )),
        Row::Recent { .. } | Row::Group { .. } => None,
    }
}

/// The selected deployment to act on, with where it lives; `None`, with why on the message
/// line, when the selection is nothing, a finished deployment or a group.
fn selected_for_action(model: &mut Model) -> Option<(Place, DeploymentView)> {
    let Some(row) = model.selected_row() else {
        say(model, "select a deployment first", Level::Info);
        return None;
    };
    match row {
        Row::Active {
            owner,
            region,
            view,
        } => Some((Place::new(owner.profile.clone(), region), view.clone())),
        Row::Recent { deployment, .. } => {
            let text = format!(
                "{} has finished ({}): no action applies",
                deployment.id,
                deployment.status.as_str()
            );
            say(model, text, Level::Info);
            None
        }
        Row::Group { application, .. } => {
            let text =
                format!("{application} is a group of deployments: select one of them to act on it");
            say(model, text, Level::Info);
            None
        }
    }
}

/// An operator key on the selected deployment.
pub fn on_action(model: &mut Model, key: KeyAction) -> Vec<Effect> {
    model.dirty = true;
    if let Some(why) = model.actions.disabled.clone() {
        say(model, format!("actions disabled: {why}"), Level::Error);
        return Vec::new();
    }
    let Some((place, view)) = selected_for_action(model) else {
        return Vec::new();
    };
    let id = view.deployment.id.clone();
    if model.actions.busy.contains(&id) {
        say(
            model,
            format!("{id}: an action is already running: nothing done"),
            Level::Info,
        );
        return Vec::new();
    }
    let hook = running_hook(&view);
    if key == KeyAction::HookId {
        match hook {
            Some(_) => model.overlay = Some(Overlay::HookId(String::new())),
            None => say(
                model,
                format!("{id}: no BeforeAllowTraffic/AfterAllowTraffic hook is waiting"),
                Level::Info,
            ),
        }
        return Vec::new();
    }
    let pasted = model.actions.hook_ids.get(&id).cloned();
    let options = action_options(&view, pasted.as_deref());
    let (letter, request) = match key {
        KeyAction::Rollback => ('R', Request::Rollback),
        KeyAction::Stop => ('S', Request::Stop),
        KeyAction::Continue | KeyAction::RejectHook => {
            let request = if key == KeyAction::Continue {
                ContinueRequest::Auto
            } else {
                ContinueRequest::Reject
            };
            (
                'C',
                Request::Continue {
                    request,
                    execution_id: pasted.clone(),
                },
            )
        }
        KeyAction::BackToOld => ('O', Request::Resolve(SplitResolution::BackToOld)),
        KeyAction::ForwardToNew => ('N', Request::Resolve(SplitResolution::ForwardToNew)),
        _ => return Vec::new(),
    };
    if key == KeyAction::RejectHook && hook.is_none() {
        say(
            model,
            format!("{id}: no BeforeAllowTraffic/AfterAllowTraffic hook is waiting"),
            Level::Error,
        );
        return Vec::new();
    }
    // A waiting hook's execution id is searched in its logs while preparing: let it try.
    let searchable = letter == 'C' && hook.is_some() && pasted.is_none();
    if let Some(option) = options.iter().find(|o| o.key == letter)
        && let Err(why) = &option.outcome
        && !searchable
    {
        say(
            model,
            format!("{letter} {}: not available: {why}", option.label),
            Level::Error,
        );
        return Vec::new();
    }
    model.actions.busy.insert(id.clone());
    say(
        model,
        format!("{id}: preparing {} (reading the alias)…", request.command()),
        Level::Info,
    );
    // Acting on a deployment picks it: the selection stays on it (and on what the action
    // sent) instead of following the first row as the table re-sorts.
    model.user_selected = true;
    vec![Effect::Prepare {
        view: Box::new(view),
        place,
        request,
        guard_rule: None,
    }]
}

/// A prepared action: the modal, or the refusal.
pub fn on_prepared(model: &mut Model, prepared: Box<Prepared>) -> Vec<Effect> {
    if prepared.by_guard() {
        return super::guard::on_prepared(model, prepared);
    }
    model.dirty = true;
    let id = prepared.deployment_id().to_string();
    if let Some(why) = prepared.refusal() {
        let mut text = format!("{id}: {} refused: {why}", prepared_command(&prepared));
        if matches!(why, Refusal::HookIdMissing { .. }) {
            text.push_str(" — press I to paste the execution id");
        }
        model.actions.busy.remove(&id);
        say(model, text.clone(), Level::Error);
        log(model, &id, text);
        return vec![Effect::Decline(prepared)];
    }
    if model.modal().is_some() || model.too_small() {
        model.actions.busy.remove(&id);
        if model.too_small() {
            let text = format!(
                "{id}: the terminal is too small to show the confirmation: cancelled, nothing sent"
            );
            say(model, text.clone(), Level::Error);
            log(model, &id, text);
        }
        return vec![Effect::Decline(prepared)];
    }
    // One overlay at a time: the confirmation replaces any text being typed (and the help),
    // so no key meant for a field can answer it.
    let title = prepared
        .confirmation
        .as_ref()
        .map_or_else(String::new, |c| c.title.clone());
    say(model, format!("confirm: {title}"), Level::Info);
    model.overlay = Some(Overlay::Confirm(Modal {
        prepared,
        typed: String::new(),
    }));
    Vec::new()
}

fn prepared_command(p: &Prepared) -> String {
    p.action.as_ref().map_or_else(
        |_| "the action was".to_string(),
        crate::domain::Action::label,
    )
}

/// A progress line of a running action.
pub fn on_progress(model: &mut Model, id: &str, line: &str) {
    say(model, format!("{id}: {line}"), Level::Info);
    log(model, id, format!("· {line}"));
}

/// The end of an action (or the record of a declined one): message line, event log, refresh.
pub fn on_report(model: &mut Model, id: &str, report: &Report) -> Vec<Effect> {
    model.actions.busy.remove(id);
    let level = match report.outcome {
        Outcome::Done => Level::Done,
        Outcome::Cancelled | Outcome::Busy => Level::Info,
        Outcome::Failed | Outcome::Refused | Outcome::Attempted | Outcome::Unknown => Level::Error,
    };
    let mut text = format!("{id}: {}", report.message);
    if let Some(f) = &report.failure {
        text = format!("{text} — what to do: {}", f.hint);
    }
    log(model, id, text.clone());
    let mut level = level;
    if let Some(e) = &report.audit_error {
        let audit = format!("AUDIT LOG NOT WRITTEN: {e}");
        log(model, id, audit.clone());
        text = format!("{text} · {audit}");
        level = Level::Error;
    }
    say(model, text, level);
    if let Some(record) = &report.record {
        let commands = links::sent_commands(
            &record.region,
            record.profile.name(),
            record.calls.iter().map(|c| (c.call.as_str(), &c.request)),
        );
        if !commands.is_empty() {
            model.actions.sent.insert(id.to_string(), commands);
        }
    }
    match report.outcome {
        Outcome::Done | Outcome::Failed => vec![Effect::RefreshNow],
        _ => Vec::new(),
    }
}
