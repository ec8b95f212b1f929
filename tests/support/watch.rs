//! `rollwatch watch --all --json` run as a child process against the sandbox, its stdout read
//! line by line as it comes (so a test can move the sandbox's clock while it watches), each line
//! checked to be one JSON event.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::run::{FAKE_CREDS, command};

/// Longest a watch may run before the test gives up (and kills it).
const WATCH_LIMIT: Duration = Duration::from_secs(60);

/// `rollwatch watch --all --json` running against the sandbox, its stdout read as it comes.
pub struct Watch {
    child: Child,
    lines: Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    pub events: Vec<Value>,
    started: Instant,
    _home: tempfile::TempDir,
}

impl Watch {
    pub fn start(endpoint: &str) -> Self {
        Self::start_with_config(endpoint, None)
    }

    /// The same with `config` as the config file at the standard location under its HOME.
    pub fn start_with_config(endpoint: &str, config: Option<&str>) -> Self {
        let home = tempfile::tempdir().expect("tempdir");
        if let Some(config) = config {
            let dir = home.path().join(".config/rollwatch");
            std::fs::create_dir_all(&dir).expect("config dir");
            std::fs::write(dir.join("config.toml"), config).expect("config file");
        }
        let args = [
            "--region",
            "us-east-1",
            "--endpoint-url",
            endpoint,
            "watch",
            "--all",
            "--json",
        ];
        let mut child = command(&args, &FAKE_CREDS, home.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rollwatch watch");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Self {
            child,
            lines,
            stderr,
            events: Vec::new(),
            started: Instant::now(),
            _home: home,
        }
    }

    /// Every line is one JSON object with the documented fields.
    fn record(&mut self, line: &str) {
        let event: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        for field in [
            "kind",
            "deployment_id",
            "text",
            "observed_at",
            "service_time",
        ] {
            assert!(event[field].is_string(), "no {field}: {line}");
        }
        assert_eq!(event["schema_version"], 3, "{line}");
        // Each event names its rollout as the commands know it.
        assert_eq!(event["source"], "codedeploy", "{line}");
        assert_eq!(event["id"], event["deployment_id"], "{line}");
        assert!(event["change"]["type"].is_string(), "no change: {line}");
        self.events.push(event);
    }

    /// Reads events until those so far satisfy `done`.
    pub fn until(&mut self, what: &str, done: impl Fn(&[Value]) -> bool) {
        while !done(&self.events) {
            let left = WATCH_LIMIT.saturating_sub(self.started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.record(&line);
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("no {what} within {WATCH_LIMIT:?}: {:#?}", self.events);
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("watch ended before {what}: {:#?}", self.events);
                }
            }
        }
    }

    /// Waits for the exit: (exit code, every event, stderr).
    pub fn finish(mut self) -> (Option<i32>, Vec<Value>, String) {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if self.started.elapsed() > WATCH_LIMIT {
                let _ = self.child.kill();
                panic!(
                    "watch still running after {WATCH_LIMIT:?}: {:#?}",
                    self.events
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(line) = self.lines.recv() {
            self.record(&line);
        }
        let stderr = self.stderr.join().expect("stderr reader");
        (status.code(), self.events, stderr)
    }
}

pub fn of_kind<'a>(events: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> {
    events.iter().filter(move |e| e["kind"] == kind)
}

/// The id of the deployment that appeared as `subject` ("function:alias", or with its status:
/// "function:alias Created"; a prefix is enough), read from the event's fields.
pub fn appeared(events: &[Value], subject: &str) -> Option<String> {
    of_kind(events, "appeared")
        .find(|e| {
            let change = &e["change"];
            let seen = format!(
                "{} {}",
                change["subject"].as_str().unwrap_or_default(),
                change["status"].as_str().unwrap_or_default()
            );
            seen.starts_with(subject)
        })
        .and_then(|e| e["deployment_id"].as_str().map(str::to_string))
}

/// How deployment `id` finished: its `change` (`from`, `to`, `rolled_back_by`).
pub fn finished<'a>(events: &'a [Value], id: &str) -> Option<&'a Value> {
    of_kind(events, "status")
        .filter(|e| e["deployment_id"] == id)
        .map(|e| &e["change"])
        .find(|c| c["type"] == "finished")
}

/// Whether `finished` ended in `status`, rolled back (by a `d-` deployment) or not.
pub fn ended(finished: Option<&Value>, status: &str, rolled_back: bool) -> bool {
    finished.is_some_and(|c| {
        c["to"] == status
            && c["rolled_back_by"]
                .as_str()
                .is_some_and(|by| by.starts_with("d-"))
                == rolled_back
    })
}
