//! The tmux driver of the end-to-end tests: the real binary in a detached tmux session (keys
//! in, screen out), run against a [`Shell`]'s sandbox, and what the tests read off the screen.

use std::process::Command;

use super::run::Shell;
use std::time::{Duration, Instant};

pub struct Tmux {
    session: String,
}

impl Tmux {
    pub fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    pub fn start(command: &str) -> Self {
        static SESSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let session = format!("rw-e2e-{}-{n}", std::process::id());
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

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Copies everything the program writes to the terminal (escape sequences included) to
    /// `path`, from now on.
    pub fn pipe_output(&self, path: &std::path::Path) {
        let status = Command::new("tmux")
            .args([
                "pipe-pane",
                "-O",
                "-t",
                &self.session,
                &format!("cat >> {}", path.display()),
            ])
            .status()
            .expect("tmux pipe-pane");
        assert!(status.success());
    }

    pub fn keys(&self, keys: &str) {
        let _ = Command::new("tmux")
            .args(["send-keys", "-t", &self.session, keys])
            .status();
    }

    /// rollwatch against `shell`'s sandbox with `args`, `env` (`NAME=value …`) before it.
    pub fn against(shell: &Shell, env: &str, args: &str) -> Self {
        let command = against(shell.home.path(), &shell.endpoint(), args);
        Self::start(&format!("env {env} {command}"))
    }

    /// `q`, and rollwatch exits with 0.
    pub fn quit(&self) {
        self.keys("q");
        self.wait_for("exit", Duration::from_secs(15), |s| s.contains("EXITED 0"));
    }

    /// Types a confirmation's key `key` as a person does: after reading it (keys in its first
    /// 300 ms are ignored).
    pub fn confirm(&self, key: &str) {
        std::thread::sleep(Duration::from_millis(400));
        self.keys(key);
    }

    /// `R` on the selected row, `y` once the confirmation to roll `subject` back shows, and the
    /// rollback followed to its end: the confirmation's screen.
    pub fn roll_back(&self, subject: &str) -> String {
        self.keys("R");
        let title = format!("ROLL BACK {subject}?");
        let modal = self.wait_for("the rollback confirmation", Duration::from_secs(20), |s| {
            s.contains(&title)
        });
        self.confirm("y");
        // The report, not its last progress line, which comes before it with the same words:
        // only the report records what was sent (`Y` copies that). Both are said in the message
        // line ("» d-…: rolled back: …"); in the event log the progress line is "· rolled
        // back: …" and the report "d-…: rolled back: …".
        self.wait_for("the rollback's report", Duration::from_secs(60), |s| {
            s.lines()
                .any(|l| l.contains(" d-") && l.contains(": rolled back:") && !l.contains('»'))
        });
        modal
    }

    /// `/`, `text`, Enter: the list filtered to `text`.
    pub fn filter(&self, text: &str) {
        self.keys("/");
        self.keys(text);
        self.keys("Enter");
    }

    /// Polls the screen until `found` says yes, or panics with the last screen.
    pub fn wait_for(&self, what: &str, timeout: Duration, found: impl Fn(&str) -> bool) -> String {
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
pub fn row_weight(screen: &str, subject: &str) -> Option<u32> {
    let line = screen
        .lines()
        .find(|l| l.contains(subject) && l.contains('%'))?;
    line.split_whitespace()
        .find_map(|w| w.strip_suffix('%')?.parse().ok())
}

/// Mutating calls the sandbox has received so far.
pub fn mutating_calls(endpoint: &str) -> u64 {
    super::http::mutating(&super::http::stats(endpoint))
}

/// Whether tmux can run here; on CI it must (scripts/test installs it).
pub fn tmux_or_skip() -> bool {
    if Tmux::available() {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "tmux is required on CI (scripts/test installs it)"
    );
    eprintln!("skipped: tmux is not installed");
    false
}

/// A [`Shell`] on `scenario` at `speed` (seed 5) when tmux can run here; `None` skips the test
/// (never on CI).
pub fn shell(scenario: &str, speed: f64) -> Option<Shell> {
    tmux_or_skip().then(|| Shell::seeded(scenario, speed, 5))
}

/// The command line that runs rollwatch against `endpoint` in tmux with its own HOME, state and
/// `args`, then prints its exit code and waits (so the screen can still be read).
pub fn against(home: &std::path::Path, endpoint: &str, args: &str) -> String {
    format!(
        "env HOME={home} ROLLWATCH_STATE_DIR={home}/state ROLLWATCH_FOLLOW_POLL_MS=300 \
         AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test TERM=xterm-256color {bin} \
         --region us-east-1 --endpoint-url {endpoint} {args}; echo EXITED $?; sleep 30",
        home = home.display(),
        bin = env!("CARGO_BIN_EXE_rollwatch"),
    )
}
