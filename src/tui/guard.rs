//! The guard in the TUI (`--guard`), pure like the rest of `update`: each picture and each tick
//! goes through [`crate::domain::Guard`]; what it says lands in the event log and the message
//! line, and the banner (see `views::warnings`) shows every armed deployment with its countdown.
//! When a countdown runs out the guard asks for the same prepare → run path as a person's `R`,
//! as the guard (audited with its rule), and confirms it itself: no modal, because nobody is
//! asked. The cancel key stands it down for every armed deployment; ctrl-x works even while
//! typing in a field or reading the help.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, KeyModifiers};

use super::effect::Effect;
use super::model::{Level, Model, log, say};
use crate::actions::{Prepared, Request};
use crate::domain::notify::{Notice, What};
use crate::domain::{ClockReading, GuardEvent, Place};
use crate::keymap::KeyAction;

/// A new picture (already in the model): the guard sees the verdicts.
pub fn on_picture(model: &mut Model, clock: ClockReading) -> Vec<Effect> {
    let visible = !model.too_small();
    let (Some(guard), Some(picture)) = (model.guard.as_mut(), model.picture.as_ref()) else {
        return Vec::new();
    };
    guard.set_visible(visible);
    let events = guard.observe(picture, clock.now, clock.rate);
    on_events(model, events)
}

/// A tick: countdowns start and run out (not while the terminal is too small to show them).
pub fn on_tick(model: &mut Model, now: DateTime<Utc>) -> Vec<Effect> {
    let visible = !model.too_small();
    let Some(guard) = model.guard.as_mut() else {
        return Vec::new();
    };
    guard.set_visible(visible);
    let events = guard.tick(now);
    on_events(model, events)
}

/// Whether `key` is the cancel key and should cancel now: ctrl-x always; plain `x` unless the
/// person is typing (filter, hook id, typed confirmation).
pub fn is_cancel(model: &Model, key: &KeyEvent) -> bool {
    if model.guard.is_none() || model.keymap.action_for(key) != Some(KeyAction::CancelGuard) {
        return false;
    }
    key.modifiers.contains(KeyModifiers::CONTROL) || !model.typing()
}

/// The cancel key.
pub fn cancel(model: &mut Model) -> Vec<Effect> {
    model.dirty = true;
    let Some(guard) = model.guard.as_mut() else {
        say(
            model,
            "the guard is off (start rollwatch with --guard)",
            Level::Info,
        );
        return Vec::new();
    };
    let events = guard.cancel_all();
    if events.is_empty() {
        say(model, "the guard has nothing armed to cancel", Level::Info);
        return Vec::new();
    }
    on_events(model, events)
}

fn on_events(model: &mut Model, events: Vec<GuardEvent>) -> Vec<Effect> {
    let mut commands = Vec::new();
    for event in events {
        model.dirty = true;
        match event {
            GuardEvent::Armed { id, reason } => {
                let secs = model.guard.as_ref().map_or(0, |g| g.config().fail_for_secs);
                log(
                    model,
                    &id,
                    format!("guard armed: {reason}; countdown if still failing in {secs}s"),
                );
            }
            GuardEvent::CountdownStarted { id, secs } => {
                let text = format!("guard: rolling back {id} in {secs}s — press x to cancel");
                log(model, &id, text.clone());
                say(model, text, Level::Error);
                commands.extend(countdown_notice(model, id, secs));
            }
            GuardEvent::Disarmed { id, why } => {
                log(model, &id, format!("guard disarmed: {why}"));
            }
            GuardEvent::Cancelled { id } => {
                let text = format!("guard cancelled for {id}: nothing will be sent");
                log(model, &id, text.clone());
                say(model, text, Level::Info);
            }
            GuardEvent::Held { id, why } => {
                log(
                    model,
                    &id,
                    format!("guard holds: {why}; no rollback until it is fresh"),
                );
            }
            GuardEvent::Fire { id, region, rule } => {
                commands.extend(fire(model, &id, &region, rule));
            }
        }
    }
    commands
}

/// The guard's countdown, as a notice (rung even when nobody is looking at the screen).
fn countdown_notice(model: &Model, id: String, secs: u32) -> Option<Effect> {
    let picture = model.picture.as_ref()?;
    let (region, view) = picture.regions.iter().find_map(|r| {
        r.deployments
            .iter()
            .find(|v| v.deployment.id == id)
            .map(|v| (r, v))
    })?;
    Some(Effect::Notify(vec![Notice {
        at: picture.taken_at,
        region: region.region.clone(),
        owner: region.owner.clone(),
        subjects: vec![view.deployment.subject()],
        deployment_ids: vec![id],
        what: What::GuardCountdown { secs },
    }]))
}

/// The countdown ran out: prepare the rollback as the guard, unless a person is acting on it.
fn fire(model: &mut Model, id: &str, region: &str, rule: String) -> Vec<Effect> {
    if model.actions.busy.contains(id) {
        let text =
            format!("guard: a person's action on {id} is in progress: the guard stands down");
        log(model, id, text.clone());
        say(model, text, Level::Info);
        return Vec::new();
    }
    let found = model.picture.as_ref().and_then(|p| {
        p.regions
            .iter()
            .filter(|r| r.region == region)
            .find_map(|r| {
                let view = r.deployments.iter().find(|v| v.deployment.id == id)?;
                Some((Place::new(r.owner.profile.clone(), region), view.clone()))
            })
    });
    let Some((place, view)) = found else {
        log(
            model,
            id,
            "guard: the deployment is gone: nothing sent".into(),
        );
        return Vec::new();
    };
    model.actions.busy.insert(id.to_string());
    let text = format!("guard: rolling back {id} now (reading the alias)…");
    log(model, id, text.clone());
    say(model, text, Level::Error);
    vec![Effect::Prepare {
        view: Box::new(view),
        place,
        request: Request::Rollback,
        guard_rule: Some(rule),
    }]
}

/// The guard's prepared rollback: run it (the guard confirms its own), or record the refusal.
pub fn on_prepared(model: &mut Model, prepared: Box<Prepared>) -> Vec<Effect> {
    model.dirty = true;
    let id = prepared.deployment_id().to_string();
    if let Some(why) = prepared.refusal() {
        let text = format!("{id}: the guard's rollback was refused: {why}");
        model.actions.busy.remove(&id);
        log(model, &id, text.clone());
        say(model, text, Level::Error);
        return vec![Effect::Decline(prepared)];
    }
    match prepared.confirm_by_guard() {
        Ok(confirmed) => {
            log(model, &id, "guard: rollback sent".into());
            vec![Effect::Run(Box::new(confirmed))]
        }
        Err(prepared) => {
            model.actions.busy.remove(&id);
            log(model, &id, "guard: not a rollback: nothing sent".into());
            vec![Effect::Decline(prepared)]
        }
    }
}
