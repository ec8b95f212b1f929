//! The real binary in tmux, as a person runs it. `rollwatch demo` at high speed: the linear
//! deployment's weight moves with its steps, the failing canary's alarm fires and CodeDeploy's
//! rollback shows; `q` exits with 0 and leaves the terminal as it was. Against the sandbox's
//! `failing-canary`: `S` + `n` sends nothing, `R` + `y` returns the alias to the old version.

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

/// Mutating calls the sandbox has received so far (`GET /_sandbox/stats`).
fn mutating_calls(endpoint: &str) -> u64 {
    use std::io::{Read as _, Write as _};
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let request =
        format!("GET /_sandbox/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let stats: serde_json::Value = serde_json::from_str(body).expect("stats JSON");
    stats["mutating"].as_u64().expect("mutating count")
}

#[test]
fn stop_then_cancel_sends_nothing_and_roll_back_returns_the_alias_to_the_old_version() {
    if !Tmux::available() {
        assert!(
            std::env::var("CI").is_err(),
            "tmux is required on CI (scripts/test installs it)"
        );
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sandbox = rt
        .block_on(rollwatch::sandbox::Sandbox::start(
            rollwatch::sandbox::SandboxConfig {
                listen: "127.0.0.1:0".parse().expect("addr"),
                scenario: "failing-canary".into(),
                speed: 2.0,
                faults: None,
                seed: 5,
                allow_remote: false,
            },
        ))
        .expect("sandbox");
    let endpoint = sandbox.endpoint();
    let home = tempfile::tempdir().expect("tempdir");
    let command = format!(
        "env HOME={home} ROLLWATCH_STATE_DIR={home}/state ROLLWATCH_FOLLOW_POLL_MS=300 \
         AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test TERM=xterm-256color {bin} \
         --region us-east-1 --endpoint-url {endpoint}; echo EXITED $?; sleep 30",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_rollwatch"),
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for("the canary", Duration::from_secs(30), |s| {
        s.contains("checkout:live InProgress") && row_weight(s, "checkout:live").is_some()
    });
    let before = mutating_calls(&endpoint);
    // S then n: the confirmation says what a stop without rollback leaves, and nothing is sent.
    tmux.keys("S");
    let modal = tmux.wait_for("the stop confirmation", Duration::from_secs(20), |s| {
        s.contains("STOP checkout:live WITHOUT ROLLBACK?")
    });
    assert!(modal.contains("STAYS SPLIT"), "{modal}");
    tmux.keys("n");
    tmux.wait_for("the cancellation", Duration::from_secs(10), |s| {
        s.contains("cancelled")
    });
    assert_eq!(
        mutating_calls(&endpoint),
        before,
        "S + n sent a mutating call"
    );
    // R then y: rolled back, and the alias is back at 100% on the old version.
    tmux.keys("R");
    tmux.wait_for("the rollback confirmation", Duration::from_secs(20), |s| {
        s.contains("ROLL BACK checkout:live?")
    });
    tmux.keys("y");
    tmux.wait_for("the rollback to finish", Duration::from_secs(60), |s| {
        s.contains("rolled back:")
    });
    let alias = rt.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_lambda::Client::new(&config)
            .get_alias()
            .function_name("checkout")
            .name("live")
            .send()
            .await
            .expect("GetAlias")
    });
    assert_eq!(alias.function_version(), Some("1"));
    let weights = alias
        .routing_config()
        .and_then(|r| r.additional_version_weights());
    assert!(
        weights.is_none_or(std::collections::HashMap::is_empty),
        "{weights:?}"
    );
    tmux.keys("q");
    tmux.wait_for("exit", Duration::from_secs(15), |s| s.contains("EXITED 0"));
    rt.block_on(sandbox.shutdown());
}
