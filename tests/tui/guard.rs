//! The guard in the TUI (`--guard`), through `update` only (pure): a Fail verdict arms it, the
//! countdown shows in the banner and the header, and when it runs out the guard asks to prepare
//! a rollback as itself and confirms its own prepared rollback without a modal. `x` (or ctrl-x
//! while typing) stands it down for good; a person's action in progress makes it stand down;
//! without `--guard` the key says how to turn it on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::assert_says;
use crate::support::tui as fx;
use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rollwatch::actions::{Initiator, Prepared, Request};
use rollwatch::domain::{Action as Act, Guard, GuardConfig};
use rollwatch::keymap::KeyAction;
use rollwatch::tui::{Effect, Model, Msg, update, views};

const CANARY: &str = "d-CANARY002";

/// The fixtures' picture (d-CANARY002's verdict is Fail) with the guard on: 60 s, then 10 s.
fn guarded() -> Model {
    let mut m = fx::model(None, (140, 45));
    m.guard = Some(Guard::new(GuardConfig {
        fail_for_secs: 60,
        countdown_secs: 10,
    }));
    let cmds = picture(&mut m);
    assert!(prepares(&cmds).is_none());
    m
}

fn picture(m: &mut Model) -> Vec<Effect> {
    fx::arrives(m, fx::picture())
}

fn tick(m: &mut Model, secs: i64) -> Vec<Effect> {
    update(m, Msg::Tick(fx::now() + Duration::seconds(secs)))
}

fn press(m: &mut Model, c: char, modifiers: KeyModifiers) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(KeyCode::Char(c), modifiers)))
}

fn prepares(cmds: &[Effect]) -> Option<(&str, &Request, &Option<String>)> {
    cmds.iter().find_map(|c| match c {
        Effect::Prepare {
            view,
            request,
            guard_rule,
            ..
        } => Some((view.deployment.id.as_str(), request, guard_rule)),
        _ => None,
    })
}

fn screen(m: &Model) -> String {
    let mut t = Terminal::new(TestBackend::new(140, 45)).unwrap();
    t.draw(|f| views::render(f, f.area(), m)).unwrap();
    t.backend().to_string()
}

fn logged(m: &Model, needle: &str) -> bool {
    m.events_of(CANARY).any(|e| e.text().contains(needle))
}

/// What the write side gives back for the guard's rollback request.
fn guards_prepared(m: &Model) -> Prepared {
    let view = m
        .picture
        .as_ref()
        .unwrap()
        .regions
        .iter()
        .flat_map(|r| &r.deployments)
        .find(|v| v.deployment.id == CANARY)
        .unwrap()
        .clone();
    let guard = Initiator::Guard {
        rule: "verdict FAIL".into(),
    };
    fx::prepared(&view, &Act::Rollback, true, guard)
}

#[test]
fn a_failing_verdict_counts_down_visibly_then_the_guard_runs_its_own_rollback() {
    let mut m = guarded();
    assert!(logged(&m, "guard armed"), "the event log says it is armed");
    let s = screen(&m);
    assert_says(&s, &["GUARD 60s+10s", "guard armed on d-CANARY002"]);
    assert!(prepares(&tick(&mut m, 59)).is_none());
    assert!(prepares(&tick(&mut m, 60)).is_none());
    assert_says(&fx::message(&m), &["rolling back d-CANARY002 in 10s"]);
    let s = screen(&m);
    assert_says(
        &s,
        &[
            "GUARD rolls back d-CANARY002 payments-fn:live in 10s",
            "x cancels",
        ],
    );
    let footer = s.lines().last().unwrap_or_default();
    assert!(
        footer.contains("x/ctrl-x cancel the guard"),
        "first in the footer: {footer}"
    );
    tick(&mut m, 64);
    assert!(screen(&m).contains("in 6s"), "the countdown counts down");
    assert!(prepares(&tick(&mut m, 69)).is_none());
    let cmds = tick(&mut m, 70);
    let (id, request, rule) = prepares(&cmds).expect("the guard prepares its rollback");
    assert_eq!((id, request), (CANARY, &Request::Rollback));
    let rule = rule.as_deref().unwrap_or_default();
    assert_says(rule, &["verdict FAIL for 60s"]);
    // A person pressing R now finds the deployment busy: one action at a time.
    update(&mut m, Msg::Action(KeyAction::Down));
    assert!(update(&mut m, Msg::Action(KeyAction::Rollback)).is_empty());
    // The guard confirms its own prepared rollback: no modal, the run starts.
    let prepared = guards_prepared(&m);
    let cmds = update(&mut m, Msg::Prepared(Box::new(prepared)));
    assert!(matches!(cmds.as_slice(), [Effect::Run(_)]), "{cmds:?}");
    assert!(m.modal().is_none());
    // It fires once.
    assert!(prepares(&tick(&mut m, 500)).is_none());
    assert!(prepares(&picture(&mut m)).is_none());
}

#[test]
fn x_stands_the_guard_down_and_nothing_is_ever_prepared() {
    let mut m = guarded();
    tick(&mut m, 60);
    assert!(press(&mut m, 'x', KeyModifiers::NONE).is_empty());
    assert_says(&fx::message(&m), &["guard cancelled for d-CANARY002"]);
    assert!(logged(&m, "nothing will be sent"));
    assert!(!screen(&m).contains("GUARD rolls back"));
    for secs in [70, 80, 1000] {
        assert!(prepares(&tick(&mut m, secs)).is_none());
    }
    assert!(prepares(&picture(&mut m)).is_none(), "never re-armed");
    assert!(!screen(&m).contains("guard armed on"), "not in the banner");
}

#[test]
fn ctrl_x_cancels_while_typing_and_plain_x_is_typed() {
    let mut m = guarded();
    update(&mut m, Msg::Action(KeyAction::Filter));
    press(&mut m, 'x', KeyModifiers::NONE);
    assert_eq!(m.filter, "x", "x goes into the filter");
    assert!(screen(&m).contains("guard armed"));
    press(&mut m, 'x', KeyModifiers::CONTROL);
    assert_says(&fx::message(&m), &["guard cancelled"]);
    assert!(prepares(&tick(&mut m, 1000)).is_none());
}

#[test]
fn a_persons_action_in_progress_makes_the_guard_stand_down() {
    let mut m = guarded();
    assert_eq!(
        m.selected_deployment(),
        Some(CANARY),
        "the most urgent first"
    );
    assert!(prepares(&update(&mut m, Msg::Action(KeyAction::Stop))).is_some());
    tick(&mut m, 60);
    assert!(prepares(&tick(&mut m, 70)).is_none());
    assert_says(&fx::message(&m), &["the guard stands down"]);
}

#[test]
fn a_refused_guard_rollback_is_recorded_not_run() {
    let mut m = guarded();
    tick(&mut m, 60);
    assert!(prepares(&tick(&mut m, 70)).is_some());
    let mut p = guards_prepared(&m);
    p.action = Err(rollwatch::domain::Refusal::Unavailable(
        "the deployment is no longer in progress".into(),
    ));
    let cmds = update(&mut m, Msg::Prepared(Box::new(p)));
    assert!(matches!(cmds.as_slice(), [Effect::Decline(_)]), "{cmds:?}");
    assert!(fx::message(&m).contains("refused"), "{}", fx::message(&m));
    assert!(!m.actions.busy.contains(CANARY));
}

#[test]
fn without_the_guard_x_says_how_to_turn_it_on() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    assert!(press(&mut m, 'x', KeyModifiers::NONE).is_empty());
    assert!(fx::message(&m).contains("--guard"), "{}", fx::message(&m));
    assert!(!screen(&m).contains("GUARD"));
}
