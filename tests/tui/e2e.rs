//! The real binary in tmux, as a person runs it. `rollwatch demo` at high speed: the linear
//! deployment's weight moves with its steps, the failing canary's alarm fires and CodeDeploy's
//! rollback shows; `q` exits with 0 and leaves the terminal as it was. Against the sandbox's
//! `failing-canary`: `S` + `n` sends nothing, `R` + `y` returns the alias to the old version.
//! With `--guard` on `slow-canary`: the countdown shows, runs out and the guard's rollback is
//! audited as the guard's; or `x` cancels it and nothing is sent.

use std::time::Duration;

use crate::support::assert_says;
use crate::support::run::{Shell, failing_quietly, notices, notify_config};
use crate::support::tmux::{self, Tmux, mutating_calls, row_weight};
use crate::support::watch::of_kind;
use crate::support::{alias, sdk};

#[test]
fn demo_shows_shifts_the_alarm_and_the_rollback_then_quits_cleanly() {
    if !tmux::tmux_or_skip() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let command = format!(
        "env HOME={home} ROLLWATCH_STATE_DIR={home}/state TERM=xterm-256color {bin} demo \
         --speed 20; echo EXITED $?; sleep 30",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_rollwatch"),
    );
    let tmux = Tmux::start(&command);
    // The deployments appear, with live weights.
    let first = tmux.wait_for("the deployments", Duration::from_secs(30), |s| {
        row_weight(s, "orders-api:live").is_some() && s.contains("checkout:live")
    });
    let start_weight = row_weight(&first, "orders-api:live").unwrap_or_default();
    // The linear deployment's weight moves with its steps.
    tmux.wait_for("the next linear step", Duration::from_secs(40), |s| {
        row_weight(s, "orders-api:live").is_some_and(|w| w > start_weight)
    });
    // The canary's alarm fires, CodeDeploy stops it and its rollback shows.
    let after = tmux.wait_for("the rollback", Duration::from_secs(60), |s| {
        s.lines()
            .any(|l| l.contains("shop/checkout-live") && l.contains("rollback: d-"))
    });
    assert!(
        after.contains("ALARM"),
        "the stop names the alarm:\n{after}"
    );
    assert!(
        after.contains("undoes d-"),
        "the rollback deployment is listed:\n{after}"
    );
    // `q` quits with 0 and the terminal is restored (the TUI's screen is gone).
    tmux.keys("q");
    let done = tmux.wait_for("exit", Duration::from_secs(10), |s| s.contains("EXITED"));
    assert_says(&done, &["EXITED 0"]);
    assert!(
        !done.contains("Deployments"),
        "the alternate screen was left:\n{done}"
    );
}

/// The demo tells the TUI its clock rate: from its first picture on, nothing is marked STALE
/// while nothing is late (before, the first seconds aged pictures at a guessed rate of 1).
#[test]
fn the_demo_never_shows_stale_while_nothing_is_late() {
    if !tmux::tmux_or_skip() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let command = format!(
        "env HOME={home} ROLLWATCH_STATE_DIR={home}/state TERM=xterm-256color {bin} demo \
         --scenario stuck-split; sleep 30",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_rollwatch"),
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for("the first picture", Duration::from_secs(30), |s| {
        s.contains("refreshed")
    });
    let until = std::time::Instant::now() + Duration::from_secs(20);
    let mut looks = 0;
    while std::time::Instant::now() < until {
        let screen = tmux.screen();
        assert!(!screen.contains("STALE"), "look {looks}:\n{screen}");
        looks += 1;
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(looks > 40, "{looks}");
    tmux.keys("q");
}

#[test]
fn stop_then_cancel_sends_nothing_and_roll_back_returns_the_alias_to_the_old_version() {
    let Some(shell) = tmux::shell("failing-canary", 2.0) else {
        return;
    };
    let endpoint = shell.endpoint();
    let tmux = Tmux::against(&shell, "", "");
    let first = tmux.wait_for("the canary", Duration::from_secs(30), |s| {
        s.contains("checkout:live InProgress") && row_weight(s, "checkout:live").is_some()
    });
    // The header names the account (STS GetCallerIdentity against the sandbox).
    assert!(
        first
            .lines()
            .next()
            .is_some_and(|l| l.contains("(123456789012)")),
        "{first}"
    );
    let before = mutating_calls(&endpoint);
    // S then n: the confirmation says what a stop without rollback leaves, and nothing is sent.
    tmux.keys("S");
    let modal = tmux.wait_for("the stop confirmation", Duration::from_secs(20), |s| {
        s.contains("STOP checkout:live WITHOUT ROLLBACK?")
    });
    assert_says(&modal, &["STAYS SPLIT"]);
    tmux.confirm("n");
    tmux.wait_for("the cancellation", Duration::from_secs(10), |s| {
        s.contains("cancelled")
    });
    assert_eq!(
        mutating_calls(&endpoint),
        before,
        "S + n sent a mutating call"
    );
    // R then y: rolled back, and the alias is back at 100% on the old version.
    tmux.roll_back("checkout:live");
    let alias = shell
        .rt
        .block_on(async { alias::live(&sdk::lambda(shell.sandbox()).await, "checkout").await });
    assert_eq!(alias.primary, "1");
    assert!(alias.is_whole(), "{alias:?}");
    tmux.quit();
}

/// `slow-canary` (p99 doubles, no alarm watches latency) with `--guard`, the guard's times cut
/// short in the config file; the screen once the guard's countdown shows.
fn guarded_slow_canary() -> Option<(Shell, Tmux)> {
    let shell = tmux::shell("slow-canary", 20.0)?;
    let config = shell.home.path().join("config.toml");
    std::fs::write(&config, "[guard]\nfail_for_secs = 60\ncountdown_secs = 8\n").expect("config");
    let tmux = Tmux::against(
        &shell,
        "",
        &format!("--guard --config {}", config.display()),
    );
    let armed = tmux.wait_for("the guard's countdown", Duration::from_secs(90), |s| {
        s.contains("GUARD rolls back d-")
    });
    // The header says the guard is on.
    assert_says(&armed, &["GUARD 60s+8s", "profile-api:live", "x cancels"]);
    Some((shell, tmux))
}

#[test]
fn the_guard_rolls_back_a_failing_canary_after_its_countdown_and_audits_it() {
    let Some((shell, tmux)) = guarded_slow_canary() else {
        return;
    };
    let endpoint = shell.endpoint();
    let before = mutating_calls(&endpoint);
    tmux.wait_for("the guard's rollback", Duration::from_secs(60), |s| {
        s.contains("rolled back:")
    });
    assert!(mutating_calls(&endpoint) > before, "the rollback was sent");
    tmux.quit();
    // The audit line names the guard and its rule, like a person's rollback names the person.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollwatch"))
        .args(["audit", "--json"])
        .env("HOME", shell.home.path())
        .env("ROLLWATCH_STATE_DIR", shell.home.path().join("state"))
        .output()
        .expect("rollwatch audit");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let [record] = records.as_slice() else {
        panic!("one audit line expected:\n{stdout}");
    };
    assert_eq!(record["action"], "rollback", "{record}");
    assert_eq!(record["outcome"], "done", "{record}");
    assert_eq!(record["initiator"]["kind"], "guard", "{record}");
    let rule = record["initiator"]["rule"].as_str().unwrap_or_default();
    assert_says(rule, &["verdict FAIL for 60s", "p99"]);
}

#[test]
fn cancelling_the_guards_countdown_sends_nothing() {
    let Some((shell, tmux)) = guarded_slow_canary() else {
        return;
    };
    let endpoint = shell.endpoint();
    let before = mutating_calls(&endpoint);
    tmux.keys("x");
    let cancelled = tmux.wait_for("the cancellation", Duration::from_secs(10), |s| {
        s.contains("guard cancelled for d-")
    });
    assert!(!cancelled.contains("GUARD rolls back"), "{cancelled}");
    // Well past the countdown: nothing was sent, and the banner stays gone.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(
        mutating_calls(&endpoint),
        before,
        "a cancelled guard sent a call"
    );
    let later = tmux.screen();
    assert!(!later.contains("GUARD rolls back"), "{later}");
    assert!(!later.contains("rolled back:"), "{later}");
    tmux.quit();
}

#[test]
fn an_alarm_and_the_rollback_it_causes_ring_the_terminal_and_run_the_command_once_each() {
    let Some(shell) = tmux::shell("failing-canary", 20.0) else {
        return;
    };
    let home = shell.home.path();
    let received = home.join("notices.jsonl");
    let config = home.join("config.toml");
    std::fs::write(&config, notify_config(&received)).expect("config");
    let tmux = Tmux::against(&shell, "", &format!("--config {}", config.display()));
    // What rollwatch writes to its terminal, bytes as sent (escape sequences included).
    let raw = home.join("terminal.raw");
    tmux.pipe_output(&raw);
    tmux.wait_for("the rollback", Duration::from_secs(90), |s| {
        s.contains("rollback: d-")
    });
    // Let later pictures come: a notice must not repeat.
    std::thread::sleep(Duration::from_secs(5));
    tmux.quit();
    let notices = notices(&received);
    let [alarm] = of_kind(&notices, "alarm").collect::<Vec<_>>()[..] else {
        panic!("one notice for the alarm: {notices:#?}");
    };
    assert_eq!(
        of_kind(&notices, "ended").count(),
        1,
        "one for the stopped canary: {notices:#?}"
    );
    assert_eq!(alarm["subjects"][0], "checkout:live", "{alarm}");
    assert_eq!(alarm["region"], "us-east-1", "{alarm}");
    // Whose account it is, as STS told the header.
    assert_eq!(alarm["account"], "123456789012", "{alarm}");
    let bytes = std::fs::read(&raw).expect("terminal output");
    let output = String::from_utf8_lossy(&bytes);
    assert!(
        output.contains("]9;rollwatch: ALARM "),
        "OSC 9 desktop notification written"
    );
    assert!(
        output.contains("]777;notify;rollwatch;ALARM "),
        "OSC 777 desktop notification written"
    );
    assert!(output.contains('\x07'), "the bell rang");
}

/// The `started HH:MM:SS` time of the selected deployment, as seconds of the day.
fn started_at(screen: &str) -> Option<i64> {
    let after = screen.split("started ").nth(1)?;
    let hms: Vec<i64> = after
        .get(..8)?
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    Some(hms[0] * 3600 + hms[1] * 60 + hms[2])
}

#[test]
fn z_shows_every_time_in_the_local_time_zone_and_back() {
    let Some(shell) = tmux::shell("calm", 1.0) else {
        return;
    };
    // Tokyo has no daylight saving time: always UTC+09:00.
    let tmux = Tmux::against(&shell, "TZ=Asia/Tokyo", "");
    tmux.wait_for("the first picture", Duration::from_secs(30), |s| {
        s.contains("times UTC") && s.contains("shop")
    });
    // The first row is the group of `shop`'s deployments: select the first deployment.
    tmux.keys("j");
    let utc = tmux.wait_for("a deployment's start time", Duration::from_secs(30), |s| {
        s.contains("times UTC") && started_at(s).is_some()
    });
    let started_utc = started_at(&utc).expect("start time");
    tmux.keys("z");
    let local = tmux.wait_for("local times", Duration::from_secs(10), |s| {
        s.contains("times local (UTC+09:00)")
    });
    let started_local = started_at(&local).expect("start time");
    assert_eq!(
        (started_local - started_utc).rem_euclid(86_400),
        9 * 3600,
        "UTC:\n{utc}\nlocal:\n{local}"
    );
    tmux.keys("z");
    tmux.wait_for("UTC again", Duration::from_secs(10), |s| {
        s.contains("times UTC") && started_at(s) == Some(started_utc)
    });
    tmux.quit();
}

/// Whether the terminal output in `raw` put `text` on the clipboard (OSC 52).
fn copied(raw: &std::path::Path, text: &str) -> bool {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let bytes = std::fs::read(raw).unwrap_or_default();
    String::from_utf8_lossy(&bytes).contains(&format!("]52;c;{encoded}\x07"))
}

/// A "browser" that writes down each address it is asked to open: the `BROWSER=…` setting that
/// runs it, and the file it writes to (both in `dir`).
fn recording_browser(dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let opened = dir.join("opened.txt");
    let browser = dir.join("browser.sh");
    let script = format!("#!/bin/sh\necho \"$1\" >> {}\n", opened.display());
    std::fs::write(&browser, script).expect("browser script");
    std::process::Command::new("chmod")
        .args(["+x", &browser.to_string_lossy()])
        .status()
        .expect("chmod");
    (format!("BROWSER={}", browser.display()), opened)
}

#[test]
fn o_opens_the_console_and_y_copies_the_command_then_what_a_rollback_sent() {
    let Some(shell) = tmux::shell("failing-canary", 2.0) else {
        return;
    };
    let (browser, opened) = recording_browser(shell.home.path());
    let tmux = Tmux::against(&shell, &browser, "");
    let raw = shell.home.path().join("terminal.raw");
    tmux.pipe_output(&raw);
    tmux.wait_for("the canary", Duration::from_secs(30), |s| {
        s.contains("checkout:live InProgress")
    });
    tmux.filter("checkout");
    tmux.keys("o");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let url = loop {
        let text = std::fs::read_to_string(&opened).unwrap_or_default();
        if let Some(line) = text.lines().next() {
            break line.to_string();
        }
        assert!(std::time::Instant::now() < deadline, "nothing was opened");
        std::thread::sleep(Duration::from_millis(200));
    };
    let prefix = "https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/";
    assert!(url.starts_with(prefix), "{url}");
    assert!(url.ends_with("?region=us-east-1"), "{url}");
    let id = url[prefix.len()..url.len() - "?region=us-east-1".len()].to_string();
    assert!(id.starts_with("d-"), "{url}");
    // Y: the command that shows it, on the clipboard.
    tmux.keys("Y");
    let show = format!("aws deploy get-deployment --deployment-id {id} --region us-east-1");
    tmux.wait_for("the copy", Duration::from_secs(10), |s| {
        s.contains("copied the command that shows it") && copied(&raw, &show)
    });
    // After a rollback, Y copies what it sent.
    tmux.roll_back("checkout:live");
    tmux.keys("Y");
    let sent = format!(
        "aws deploy stop-deployment --region us-east-1 --cli-input-json \
         '{{\"autoRollbackEnabled\":true,\"deploymentId\":\"{id}\"}}'"
    );
    tmux.wait_for("the sent command copied", Duration::from_secs(10), |s| {
        s.contains("copied the 1 command(s) sent") && copied(&raw, &sent)
    });
    tmux.quit();
}

#[test]
fn l_shows_the_new_versions_log_lines_with_its_errors_and_v_the_old_ones() {
    // failing-canary with an alarm that never fires: the canary stays in flight, failing —
    // for 10 simulated minutes, a minute at 10x (at 20x a loaded machine saw it succeed first).
    let scenario = failing_quietly();
    let Some(shell) = tmux::shell(&scenario.path().to_string_lossy(), 10.0) else {
        return;
    };
    let tmux = Tmux::against(&shell, "", "");
    tmux.wait_for("the canary", Duration::from_secs(30), |s| {
        s.contains("checkout:live InProgress")
    });
    tmux.filter("checkout");
    tmux.keys("l");
    let new = tmux.wait_for("v2's error lines", Duration::from_secs(30), |s| {
        s.contains("Logs checkout:v2 (new)") && s.contains("\"errorMessage\":\"simulated failure")
    });
    assert!(!new.contains(" 0 errors"), "the errors are counted:\n{new}");
    assert_says(&new, &["Version: 2"]);
    assert!(
        !new.contains("Version: 1"),
        "none of the old version's lines:\n{new}"
    );
    tmux.keys("v");
    let old = tmux.wait_for("v1's lines", Duration::from_secs(30), |s| {
        s.contains("Logs checkout:v1 (old)") && s.contains("Version: 1")
    });
    assert!(
        !old.contains("Version: 2"),
        "none of the new version's lines:\n{old}"
    );
    tmux.keys("l");
    tmux.wait_for("the event log again", Duration::from_secs(10), |s| {
        s.contains("Events (") && !s.contains("Logs checkout")
    });
    tmux.quit();
}
