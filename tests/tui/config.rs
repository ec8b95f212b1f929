//! The config file as a user writes it: valid files override only what they set; invalid ones
//! (unknown key, bad key name, unknown action, bad color, not TOML, wrong type) are a clear
//! error naming the file, the line and the field — never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use crate::support::assert_says;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use rollwatch::config::{self, Config, Icons};
use rollwatch::engine::EngineConfig;
use rollwatch::keymap::{KeyAction, Keymap};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

fn load(name: &str) -> Result<Config, config::ConfigError> {
    config::load(Some(&fixture(name)))
}

#[test]
fn valid_file_overrides_only_what_it_sets() {
    let c = load("valid.toml").expect("valid");
    assert_eq!(c.ui.icons, Icons::Ascii);
    assert_eq!(c.colors.error.0, Color::Rgb(0xff, 0x55, 0x55));
    assert_eq!(c.colors.ok.0, Color::LightGreen);
    assert_eq!(
        c.colors.warning.0,
        Color::Yellow,
        "unset colors keep their default"
    );
    assert_eq!(c.refresh.details_secs, 10);
    assert_eq!(c.refresh.alarms_secs, EngineConfig::default().alarms_secs);
    let keys = Keymap::with_overrides(&c.keys);
    let press = |code, m| keys.action_for(&KeyEvent::new(code, m));
    assert_eq!(
        press(KeyCode::Char('n'), KeyModifiers::NONE),
        Some(KeyAction::Down)
    );
    assert_eq!(
        press(KeyCode::Char('j'), KeyModifiers::NONE),
        None,
        "replaced"
    );
    assert_eq!(
        press(KeyCode::Char('k'), KeyModifiers::NONE),
        Some(KeyAction::Up),
        "kept"
    );
    assert_eq!(
        press(KeyCode::Char('q'), KeyModifiers::CONTROL),
        Some(KeyAction::Quit)
    );
    assert_eq!(press(KeyCode::Char('q'), KeyModifiers::NONE), None);
}

fn expect_error(name: &str, line: usize, field: Option<&str>, message: &str) {
    let err = load(name).expect_err("must not load");
    let shown = err.to_string();
    assert!(shown.contains(name), "names the file: {shown}");
    assert_eq!(err.line, Some(line), "{shown}");
    assert!(shown.contains(&format!(":{line}:")), "{shown}");
    if let Some(field) = field {
        assert_eq!(err.field.as_deref(), Some(field), "{shown}");
        assert!(shown.contains(&format!("field `{field}`")), "{shown}");
    }
    assert!(shown.contains(message), "{shown}");
}

#[test]
fn unknown_key_names_file_line_and_field() {
    expect_error(
        "unknown_key.toml",
        6,
        Some("refresh.detail_secs"),
        "unknown field `detail_secs`",
    );
}

#[test]
fn bad_key_string() {
    expect_error("bad_key.toml", 3, Some("keys.down"), "unknown key `banana`");
}

#[test]
fn unknown_action() {
    expect_error(
        "unknown_action.toml",
        2,
        Some("keys.stop_everything"),
        "unknown variant `stop_everything`",
    );
}

#[test]
fn bad_color() {
    expect_error(
        "bad_color.toml",
        3,
        Some("colors.warning"),
        "unknown color `mauve-ish`",
    );
}

#[test]
fn wrong_type() {
    expect_error(
        "wrong_type.toml",
        2,
        Some("refresh.alarms_secs"),
        "invalid type",
    );
}

#[test]
fn not_toml() {
    let err = load("not_toml.toml").expect_err("must not load");
    assert_eq!(err.line, Some(1), "{err}");
    assert!(err.to_string().contains("not_toml.toml:1:"), "{err}");
}

#[test]
fn explicit_missing_file_is_an_error_the_default_location_is_not() {
    let err = config::load(Some(&fixture("absent.toml"))).expect_err("explicit file must exist");
    assert!(err.to_string().contains("absent.toml"), "{err}");
    assert!(err.to_string().contains("cannot read"), "{err}");
}

#[test]
fn print_default_is_the_embedded_file_and_parses() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollwatch"))
        .args(["config", "--print-default"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert_eq!(text, config::DEFAULT_CONFIG);
    assert!(config::parse(&text, Path::new("default")).is_ok());
}

#[test]
fn config_check_reports_the_error_and_exits_2() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollwatch"))
        .args(["config", "--config"])
        .arg(fixture("unknown_key.toml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_says(&err, &["unknown_key.toml:6:"]);
}

/// Runs the binary with `args` in an empty HOME; (exit code, stderr).
fn run(args: &[&str]) -> (Option<i32>, String) {
    let home = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollwatch"))
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("ROLLWATCH_STATE_DIR", home.path().join("state"))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_refuses_a_verdict_threshold_out_of_range_naming_line_and_field() {
    let path = fixture("verdict_out_of_range.toml");
    let path = path.to_str().expect("utf8 path");
    // Each in its family's code: `watch`'s 2 would read as a FAIL verdict to a pipeline.
    for (command, expected) in [("snapshot", 2), ("watch", 3), ("rollback", 2)] {
        let mut args = vec!["--config", path, command, "--region", "us-east-1"];
        if command == "rollback" {
            args.push("d-TEST12345");
        }
        let (code, err) = run(&args);
        assert_eq!(code, Some(expected), "{command}: {err}");
        assert_says(
            &err,
            &[
                "verdict_out_of_range.toml:7:",
                "verdict.functions.checkout.tolerance",
                "must be 0 or more",
            ],
        );
    }
}

#[test]
fn the_guard_is_refused_in_read_only_mode_and_outside_the_tui() {
    let (code, err) = run(&["--guard", "snapshot"]);
    assert_eq!(code, Some(2), "{err}");
    assert_says(&err, &["--guard runs with the TUI"]);
    // Read-only: refused before the terminal is touched, saying why.
    let (code, err) = run(&["--read-only", "--guard", "demo"]);
    assert_eq!(code, Some(2), "{err}");
    assert_says(&err, &["--guard cannot run", "read-only"]);
}
