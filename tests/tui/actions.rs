//! The operator actions in the TUI, through `update` only (pure): which key asks to prepare what,
//! the confirmation modal (cancel has the focus; `y`, `n`/Esc, typed `function:alias` on
//! protected profiles), read-only, "already running", and the report in the message line and the
//! event log. Plus snapshots of the stop confirmation and of the read-only header and footer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::assert_says;
use crate::support::tui::{self as fx, Asked};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rollwatch::actions::{Context, Initiator, Outcome, Prepared, Report, Request};
use rollwatch::domain::{Action as Act, DeploymentView, Failure, FailureKind};
use rollwatch::keymap::KeyAction;
use rollwatch::tui::{Effect, Model, Msg, update, views};

const READ_ONLY: &str = "read-only mode (--read-only): operator actions are disabled";

fn press(m: &mut Model, c: char) -> Vec<Effect> {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    update(m, Msg::Key(KeyEvent::new(KeyCode::Char(c), modifiers)))
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The model with the failing canary (d-CANARY002, payments-fn:live) selected: the most
/// urgent deployment (verdict FAIL, alarm in ALARM) is first.
fn on_canary() -> Model {
    let m = fx::model(Some(fx::picture()), (140, 45));
    assert_eq!(m.selected_deployment(), Some("d-CANARY002"));
    m
}

fn view_of(m: &Model, id: &str) -> DeploymentView {
    m.picture
        .as_ref()
        .unwrap()
        .regions
        .iter()
        .flat_map(|r| &r.deployments)
        .find(|v| v.deployment.id == id)
        .unwrap()
        .clone()
}

/// What `prepare` gives back for `action` when a person asks.
fn prepared(view: &DeploymentView, action: &Act, protected: bool) -> Prepared {
    fx::prepared(view, action, protected, Initiator::person("test"))
}

fn screen(m: &Model, w: u16, h: u16) -> (String, Terminal<TestBackend>) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(f, f.area(), m)).unwrap();
    (t.backend().to_string(), t)
}

/// Opens the confirmation of `action` on the failing canary, as after `key` and the prepare.
fn modal(action: &Act, protected: bool, letter: char) -> Model {
    let mut m = on_canary();
    let cmds = press(&mut m, letter);
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    let p = prepared(&view_of(&m, "d-CANARY002"), action, protected);
    assert!(update(&mut m, Msg::Prepared(Box::new(p))).is_empty());
    assert!(m.modal().is_some());
    m
}

#[test]
fn action_keys_ask_to_prepare_off_the_ui_thread() {
    let mut m = on_canary();
    let cmds = press(&mut m, 'R');
    assert_eq!(
        fx::asked(&cmds),
        vec![Asked::Prepare {
            deployment: "d-CANARY002".into(),
            region: "us-east-1".into(),
            request: Request::Rollback,
            by_guard: false,
            profile: None,
        }]
    );
    assert_says(&fx::message(&m), &["preparing rollback"]);
    // A second press while it is being prepared (or confirmed, or run) does nothing.
    assert!(press(&mut m, 'R').is_empty());
    assert!(press(&mut m, 'S').is_empty());
    assert_says(&fx::message(&m), &["already running"]);

    let mut m = on_canary();
    assert!(matches!(
        press(&mut m, 'S').as_slice(),
        [Effect::Prepare {
            request: Request::Stop,
            ..
        }]
    ));
}

#[test]
fn keys_that_do_not_apply_say_why_and_send_nothing() {
    let mut m = on_canary();
    assert!(press(&mut m, 'O').is_empty());
    assert_says(&fx::message(&m), &["stop it first"]);
    assert!(press(&mut m, 'X').is_empty());
    assert!(fx::message(&m).contains("no BeforeAllowTraffic/AfterAllowTraffic hook is waiting"));
    assert!(m.actions.busy.is_empty());
    // Lower case is not an action.
    assert!(press(&mut m, 'r').is_empty());
    assert!(m.actions.busy.is_empty());
}

#[test]
fn read_only_explains_and_sends_nothing() {
    let mut m = on_canary();
    m.read_only = true;
    m.actions.disabled = Some(READ_ONLY.into());
    for c in ['R', 'S', 'C', 'X', 'I', 'O', 'N'] {
        assert!(press(&mut m, c).is_empty(), "{c}");
        assert_eq!(fx::message(&m), format!("actions disabled: {READ_ONLY}"));
    }
    assert!(m.modal().is_none() && m.actions.busy.is_empty());
}

#[test]
fn confirmation_opens_with_cancel_focused_and_n_or_esc_send_nothing() {
    for cancel in [KeyCode::Char('n'), KeyCode::Esc, KeyCode::Enter] {
        let mut m = modal(&Act::Stop, false, 'S');
        // Stray keys neither confirm nor close.
        assert!(press(&mut m, 'j').is_empty());
        assert!(press(&mut m, 'R').is_empty());
        assert!(m.modal().is_some());
        let cmds = key(&mut m, cancel);
        assert_eq!(cmds.len(), 1);
        assert!(matches!(&cmds[0], Effect::Decline(p) if p.action == Ok(Act::Stop)));
        assert!(!cmds.iter().any(|c| matches!(c, Effect::Run(_))));
        assert!(m.modal().is_none());
        assert!(m.actions.busy.is_empty(), "a new action may be started");
        assert_says(&fx::message(&m), &["cancelled: nothing sent"]);
    }
}

#[test]
fn y_confirms_and_returns_the_run_command() {
    let mut m = modal(&Act::Rollback, false, 'R');
    let cmds = press(&mut m, 'y');
    assert_eq!(cmds.len(), 1);
    let Effect::Run(confirmed) = &cmds[0] else {
        panic!("{cmds:?}")
    };
    assert_eq!(confirmed.prepared().action, Ok(Act::Rollback));
    assert_eq!(confirmed.prepared().deployment_id(), "d-CANARY002");
    assert!(m.modal().is_none());
    assert!(m.actions.busy.contains("d-CANARY002"), "still in flight");
    assert!(press(&mut m, 'R').is_empty(), "no second rollback");
    assert!(fx::message(&m).contains("already running"));
}

#[test]
fn protected_profiles_type_function_alias() {
    let mut m = modal(&Act::Rollback, true, 'R');
    assert!(press(&mut m, 'y').is_empty(), "y alone does not confirm");
    assert!(m.modal().is_some());
    let (text, _) = screen(&m, 140, 45);
    assert_says(&text, &["type payments-fn:live then Enter"]);
    key(&mut m, KeyCode::Backspace);
    for c in "payments-fn:live".chars() {
        assert!(press(&mut m, c).is_empty());
    }
    let cmds = key(&mut m, KeyCode::Enter);
    assert!(matches!(cmds.as_slice(), [Effect::Run(_)]), "{cmds:?}");

    let mut m = modal(&Act::Rollback, true, 'R');
    for c in "payments-fn:lve".chars() {
        press(&mut m, c);
    }
    let cmds = key(&mut m, KeyCode::Enter);
    assert!(matches!(cmds.as_slice(), [Effect::Decline(_)]), "{cmds:?}");
    assert_says(&fx::message(&m), &["did not match"]);
}

#[test]
fn a_refusal_is_shown_and_recorded() {
    let mut m = on_canary();
    press(&mut m, 'C');
    let view = view_of(&m, "d-CANARY002");
    let context = Context {
        profile: rollwatch::domain::Profile::default(),
        region: "us-east-1".into(),
        protected: false,
        initiator: Initiator::person("test"),
    };
    let p = Prepared::refused(&view, &Request::Stop, context, "already stopping".into());
    let cmds = update(&mut m, Msg::Prepared(Box::new(p)));
    assert!(matches!(cmds.as_slice(), [Effect::Decline(_)]));
    assert!(m.modal().is_none() && m.actions.busy.is_empty());
    assert_says(&fx::message(&m), &["refused: already stopping"]);
}

#[test]
fn progress_and_report_reach_the_message_line_and_event_log() {
    let mut m = modal(&Act::Rollback, false, 'R');
    press(&mut m, 'y');
    update(
        &mut m,
        Msg::ActionProgress {
            deployment_id: "d-CANARY002".into(),
            line: "rollback d-RB1 at 40%".into(),
        },
    );
    assert!(fx::message(&m).contains("rollback d-RB1 at 40%"));
    let report = Report {
        outcome: Outcome::Done,
        message: "rolled back: payments-fn:live is at 100% on v7".into(),
        failure: None,
        record: None,
        audit_error: Some("cannot append to audit.jsonl: disk full".into()),
    };
    let cmds = update(
        &mut m,
        Msg::ActionDone {
            deployment_id: "d-CANARY002".into(),
            report: Box::new(report),
        },
    );
    assert_eq!(
        fx::asked(&cmds),
        vec![Asked::RefreshNow],
        "the engine refreshes at once"
    );
    assert!(m.actions.busy.is_empty());
    assert!(fx::message(&m).contains("100% on v7"));
    assert!(
        fx::message(&m).contains("AUDIT LOG NOT WRITTEN"),
        "never ignored"
    );
    let (text, _) = screen(&m, 140, 45);
    assert!(text.contains("rollback d-RB1 at 40%"), "event log: {text}");
    assert_says(&text, &["rolled back: payments-fn:live"]);

    let failure = Failure::new(
        FailureKind::AccessDenied,
        "codedeploy",
        "StopDeployment",
        "not authorized to perform codedeploy:StopDeployment",
        Some("prod"),
    );
    let hint = failure.hint.clone();
    let cmds = update(
        &mut m,
        Msg::ActionDone {
            deployment_id: "d-CANARY002".into(),
            report: Box::new(Report {
                outcome: Outcome::Failed,
                message: "StopDeployment failed: AccessDenied".into(),
                failure: Some(failure),
                record: None,
                audit_error: None,
            }),
        },
    );
    assert_eq!(fx::asked(&cmds), vec![Asked::RefreshNow]);
    assert!(fx::message(&m).contains(&hint), "{}", fx::message(&m));
}

#[test]
fn stop_confirmation_modal() {
    let m = modal(&Act::Stop, false, 'S');
    let (text, t) = screen(&m, 120, 40);
    insta::assert_snapshot!("confirm_stop", t.backend());
    assert_says(
        &text,
        &[
            "STOP payments-fn:live WITHOUT ROLLBACK?",
            "the alias STAYS SPLIT",
            "WILL FAIL until the split is resolved",
        ],
    );
    assert_says(
        &text,
        &["StopDeployment d-CANARY002 with autoRollbackEnabled=false"],
    );
    assert_says(
        &text,
        &[
            "account 123456789012 · region us-east-1",
            "FIRING: payments-errors",
        ],
    );
    assert!(
        text.contains("[ Cancel ]") && text.contains("y  confirm"),
        "{text}"
    );
}

#[test]
fn read_only_header_and_footer() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    m.read_only = true;
    m.actions.disabled = Some(READ_ONLY.into());
    let (text, t) = screen(&m, 140, 45);
    insta::assert_snapshot!("read_only", t.backend());
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("READ-ONLY"), "{}", lines[0]);
    let footer = lines[lines.len() - 1];
    assert_says(footer, &["actions disabled (read-only)"]);
    assert!(!footer.contains("roll back"), "{footer}");
    press(&mut m, 'R');
    let (text, _) = screen(&m, 140, 45);
    assert_says(&text, &["actions disabled: read-only mode (--read-only)"]);
    update(&mut m, Msg::Action(KeyAction::Help));
    let (text, _) = screen(&m, 140, 45);
    assert_says(&text, &["actions disabled: read-only mode"]);
}

#[test]
fn a_confirmation_closes_the_filter_being_typed_so_its_keys_cannot_answer_it() {
    let mut m = on_canary();
    let cmds = press(&mut m, 'R');
    assert_eq!(cmds.len(), 1);
    // While the rollback is being prepared, the person starts typing a filter.
    update(&mut m, Msg::Action(KeyAction::Filter));
    press(&mut m, 'p');
    assert!(m.filter_editing());
    let p = prepared(&view_of(&m, "d-CANARY002"), &Act::Rollback, false);
    update(&mut m, Msg::Prepared(Box::new(p)));
    assert!(m.modal().is_some());
    assert!(
        !m.filter_editing(),
        "one overlay at a time: the filter field is closed"
    );
    assert_eq!(m.filter, "p", "what was typed is kept");
}

#[test]
fn a_terminal_too_small_to_show_the_confirmation_cancels_it_and_keys_do_nothing() {
    let mut m = modal(&Act::Rollback, false, 'R');
    let cmds = update(&mut m, Msg::Resize(60, 20));
    assert!(m.modal().is_none());
    assert!(
        matches!(cmds.as_slice(), [Effect::Decline(_)]),
        "recorded as cancelled, nothing sent: {cmds:?}"
    );
    assert!(press(&mut m, 'R').is_empty(), "no action below 80×24");
    assert!(press(&mut m, 'y').is_empty());
    press(&mut m, 'q');
    assert!(m.quit, "quitting still works");
    // A confirmation arriving while too small is not shown at all.
    let mut m = on_canary();
    press(&mut m, 'R');
    update(&mut m, Msg::Resize(60, 20));
    let p = prepared(&view_of(&m, "d-CANARY002"), &Act::Rollback, false);
    let cmds = update(&mut m, Msg::Prepared(Box::new(p)));
    assert!(m.modal().is_none());
    assert!(matches!(cmds.as_slice(), [Effect::Decline(_)]));
}

/// The confirmation's keys come from the keymap (`[keys] confirm`, `decline`) like every other
/// key; Esc and Enter cancel even when also bound to confirm (cancel has the focus).
#[test]
fn the_confirmation_keys_come_from_the_keymap_and_cancel_still_wins() {
    let keys = |confirm: &str| {
        let spec: rollwatch::keymap::KeySpec = confirm.parse().unwrap();
        let overrides = std::collections::BTreeMap::from([(KeyAction::Confirm, vec![spec])]);
        rollwatch::keymap::Keymap::with_overrides(&overrides)
    };
    let mut m = modal(&Act::Stop, false, 'S');
    m.keymap = keys("a");
    assert!(press(&mut m, 'y').is_empty(), "y is no longer confirm");
    assert!(m.modal().is_some());
    let cmds = press(&mut m, 'a');
    assert!(matches!(cmds.as_slice(), [Effect::Run(_)]), "{cmds:?}");
    // Outside a confirmation the key keeps its ordinary meaning (none for `a`, `y`).
    assert!(press(&mut m, 'y').is_empty());
    let mut m = modal(&Act::Stop, false, 'S');
    m.keymap = keys("enter");
    let cmds = key(&mut m, KeyCode::Enter);
    assert!(matches!(cmds.as_slice(), [Effect::Decline(_)]), "{cmds:?}");
}

#[test]
fn a_split_outside_any_deployment_is_a_row_that_o_and_n_resolve_and_r_refuses() {
    let mut picture = fx::picture();
    picture.regions[0].deployments.push(fx::split_row(0.25));
    let mut m = fx::model(Some(picture), (160, 45));
    for _ in 0..10 {
        if m.selected_deployment() == Some("reports:live") {
            break;
        }
        press(&mut m, 'j');
    }
    assert_eq!(m.selected_deployment(), Some("reports:live"));
    let (screen, _) = screen(&m, 160, 45);
    assert_says(
        &screen,
        &[
            "split",
            "reports:live",
            "1→2",
            "hand split",
            "25%",
            "3 active · 1 split outside any deployment",
        ],
    );
    // No deployment to stop or roll back: said, nothing asked.
    for c in ['R', 'S'] {
        assert!(press(&mut m, c).is_empty(), "{c}");
        assert_says(&fx::message(&m), &["no deployment owns this split"]);
    }
    assert!(matches!(
        press(&mut m, 'O').as_slice(),
        [Effect::Prepare {
            request: Request::Resolve(rollwatch::domain::SplitResolution::BackToOld),
            ..
        }]
    ));
}
