//! Every screen of the TUI drawn on ratatui's TestBackend from fixed models (insta snapshots),
//! plus assertions on what a user must see, and degenerate sizes that must never panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::assert_says;
use crate::support::tui as fx;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use rollwatch::keymap::KeyAction;
use rollwatch::tui::{Model, Msg, update, views};

fn draw(model: &Model, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| views::render(f, f.area(), model))
        .unwrap();
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

/// Draws `model` on a `w`×`h` terminal, checks it against the snapshot `name` and gives the
/// screen's text.
fn snapshot(name: &str, model: &Model, w: u16, h: u16) -> String {
    let t = draw(model, w, h);
    insta::assert_snapshot!(name, t.backend());
    text(&t)
}

#[test]
fn normal() {
    let m = fx::model(Some(fx::picture()), (140, 45));
    let screen = snapshot("normal", &m, 140, 45);
    // Header: who, where, age.
    assert_says(
        &screen,
        &["prod (123456789012)", "us-east-1", "refreshed 0s ago"],
    );
    assert!(!screen.contains("STALE"));
    // Table: active first, with configs and weights, then the finished ones and the rollback.
    assert_says(
        &screen,
        &["Linear 10%/1m", "Canary 10%/5m", "rollback: d-ROLLBK005"],
    );
    let linear = screen.find("d-LINEAR001").unwrap();
    let failed = screen.find("d-FAILED004").unwrap();
    assert!(linear < failed, "active deployments come first");
    // Split alias warning.
    assert_says(&screen, &["left split"]);
    // Detail of the first (selected) deployment, the most urgent: steps, ETA, hooks, metrics
    // side by side.
    assert_says(&screen, &["ETA", "BeforeAllowTraffic"]);
    assert!(
        screen.contains("v7 (old)") && screen.contains("v8 (new)"),
        "{screen}"
    );
}

#[test]
fn failing_canary_detail() {
    // The most urgent deployment is first, and selected.
    let m = fx::model(Some(fx::picture()), (140, 45));
    let screen = snapshot("failing_canary", &m, 140, 45);
    assert_says(&screen, &["ALARM payments-errors"]);
    assert!(
        screen.contains("0.33%→12.7%"),
        "old vs new error rate in the table"
    );
    assert!(
        screen.contains("in 2:00"),
        "countdown to the next shift: {screen}"
    );
}

#[test]
fn zoomed_detail_shows_charts_and_events() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    update(&mut m, Msg::Action(KeyAction::Down));
    update(&mut m, Msg::Action(KeyAction::Open));
    let screen = snapshot("zoomed", &m, 140, 45);
    assert_says(&screen, &["Error rate %", "p99 duration ms", "Events (1)"]);
}

#[test]
fn finished_deployment_detail() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    update(&mut m, Msg::Action(KeyAction::Bottom));
    update(&mut m, Msg::Action(KeyAction::Up));
    assert_eq!(m.selected_deployment(), Some("d-ROLLBK005"));
    let screen = text(&draw(&m, 140, 45));
    assert_says(&screen, &["rollback of d-FAILED004", "Outcome"]);
}

#[test]
fn loading() {
    let m = fx::model(None, (100, 30));
    let t = draw(&m, 100, 30);
    insta::assert_snapshot!("loading", t.backend());
    assert!(text(&t).contains("waiting for the first picture"));
}

#[test]
fn listing_failed() {
    let m = fx::model(Some(fx::failed_picture()), (120, 30));
    let screen = snapshot("error", &m, 120, 30);
    assert_says(&screen, &["cannot list deployments"]);
    assert!(
        screen.contains("codedeploy:ListDeployments"),
        "says what to grant: {screen}"
    );
}

#[test]
fn stale() {
    let m = fx::model(Some(fx::stale_picture()), (140, 45));
    let screen = snapshot("stale", &m, 140, 45);
    assert_says(
        &screen,
        &["STALE", "metrics stale since 02:25:00 — throttled"],
    );
}

#[test]
fn empty() {
    let m = fx::model(
        Some(fx::picture_of(vec![fx::region(vec![], vec![])])),
        (100, 30),
    );
    let t = draw(&m, 100, 30);
    insta::assert_snapshot!("empty", t.backend());
    assert!(text(&t).contains("no active Lambda deployments"));
}

#[test]
fn help_overlay() {
    let mut m = fx::model(Some(fx::picture()), (120, 40));
    update(&mut m, Msg::Action(KeyAction::Bottom));
    update(&mut m, Msg::Action(KeyAction::Top));
    update(&mut m, Msg::Action(KeyAction::Down));
    update(&mut m, Msg::Action(KeyAction::Down));
    update(&mut m, Msg::Action(KeyAction::Help));
    let screen = snapshot("help", &m, 120, 40);
    assert!(screen.contains("ctrl-r") && screen.contains("refresh now"));
    // The operator actions of the selected deployment, enabled or with the reason.
    assert_says(
        &screen,
        &[
            "actions on d-LINEAR001:",
            "roll back",
            "resolve split: alias back to the old version — unavailable",
        ],
    );
}

#[test]
fn ascii_and_no_color() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    m.theme = rollwatch::tui::theme::Theme::new(
        rollwatch::config::Colors::default(),
        rollwatch::config::Icons::Ascii,
        false,
    );
    let t = draw(&m, 140, 45);
    let screen = text(&t);
    insta::assert_snapshot!("ascii", t.backend());
    for glyph in ["◌", "✔", "✖", "█", "▲", "⚠"] {
        assert!(!screen.contains(glyph), "{glyph} in ASCII mode");
    }
    let buffer = t.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset),
        "NO_COLOR: no foreground colors"
    );
}

#[test]
fn tiny_terminal() {
    let m = fx::model(Some(fx::picture()), (60, 15));
    let t = draw(&m, 60, 15);
    insta::assert_snapshot!("tiny", t.backend());
    assert!(text(&t).contains("terminal too small: need 80×24"));
}

#[test]
fn degenerate_sizes_never_panic() {
    let mut m = fx::model(Some(fx::picture()), (1, 1));
    for (w, h) in [
        (1, 1),
        (0, 0),
        (0, 10),
        (10, 0),
        (80, 24),
        (80, 1),
        (300, 24),
        (80, 200),
    ] {
        update(&mut m, Msg::Resize(w, h));
        for zoom in [false, true] {
            m.zoomed = zoom;
            if zoom {
                m.overlay = Some(rollwatch::tui::model::Overlay::Help);
            }
            let mut terminal = Terminal::new(TestBackend::new(w.max(1), h.max(1))).unwrap();
            terminal
                .draw(|f| views::render(f, Rect::new(0, 0, w, h), &m))
                .unwrap();
        }
    }
}

#[test]
fn long_lists_scroll_with_the_selection() {
    let mut m = fx::model(Some(fx::big_picture(60)), (120, 40));
    // Two applications of 30 each, under their group rows; the failing canaries first.
    let first = text(&draw(&m, 120, 40));
    assert_says(&first, &["30 deploys", "d-000000001"]);
    assert!(!first.contains("d-000000058"));
    update(&mut m, Msg::Action(KeyAction::Bottom));
    let screen = text(&draw(&m, 120, 40));
    assert!(
        screen.contains("d-FAILED004"),
        "the last row is visible: {screen}"
    );
    assert!(
        !screen.contains("d-000000001 "),
        "the first rows scrolled away"
    );
    update(&mut m, Msg::Action(KeyAction::Top));
    assert!(text(&draw(&m, 120, 40)).contains("d-000000001"));
}

#[test]
fn engine_failure_is_shown_not_hidden() {
    let mut m = fx::model(None, (100, 30));
    update(
        &mut m,
        Msg::Fatal("the refresh engine stopped; see the log file".into()),
    );
    let screen = text(&draw(&m, 100, 30));
    assert_says(&screen, &["✖ the refresh engine stopped", "not watching"]);
    // With a picture already on screen, the failure goes to the header and the data stays.
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    update(&mut m, Msg::Fatal("the refresh engine stopped".into()));
    let screen = text(&draw(&m, 140, 45));
    assert_says(&screen, &["✖ the refresh engine stopped", "d-CANARY002"]);
}
