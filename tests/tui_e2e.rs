//! The real binary in tmux, as a person runs it: `rollwatch demo` at high speed. The linear
//! deployment's weight moves with its steps, the failing canary's alarm fires and CodeDeploy's
//! rollback shows; `q` exits with 0 and leaves the terminal as it was.

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    session: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn start(command: &str) -> Self {
        let session = format!("rw-e2e-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                "160",
                "-y",
                "48",
                command,
            ])
            .status()
            .expect("tmux new-session");
        assert!(status.success());
        Self { session }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        let _ = Command::new("tmux")
            .args(["send-keys", "-t", &self.session, keys])
            .status();
    }

    /// Polls the screen until `found` says yes, or panics with the last screen.
    fn wait_for(&self, what: &str, timeout: Duration, found: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if found(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

/// The weight shown on the row of `subject` (e.g. `30%`), if that row is on screen.
fn row_weight(screen: &str, subject: &str) -> Option<u32> {
    let line = screen
        .lines()
        .find(|l| l.contains(subject) && l.contains('%'))?;
    line.split_whitespace()
        .find_map(|w| w.strip_suffix('%')?.parse().ok())
}

#[test]
fn demo_shows_shifts_the_alarm_and_the_rollback_then_quits_cleanly() {
    if !Tmux::available() {
        assert!(
            std::env::var("CI").is_err(),
            "tmux is required on CI (scripts/test installs it)"
        );
        eprintln!("skipped: tmux is not installed");
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
    assert!(done.contains("EXITED 0"), "{done}");
    assert!(
        !done.contains("Deployments"),
        "the alternate screen was left:\n{done}"
    );
}
