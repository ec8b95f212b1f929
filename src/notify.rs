//! Delivering notices (see [`crate::domain::notify`]): the terminal bell and desktop
//! notifications by escape sequence (OSC 9, understood by iTerm2, WezTerm, kitty, foot and
//! Windows Terminal; OSC 777, by VTE terminals and urxvt), wrapped in tmux's passthrough when
//! running inside tmux, and the `[notify] command`, run once per notice with the notice as JSON
//! on stdin and in `ROLLWATCH_NOTICE_*` environment variables, one notice at a time in the
//! order they were raised (an alarm's notice is delivered before the stop it caused). A
//! command that fails or hangs is logged and killed after 10 s; it never holds up the screen.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use tokio::io::AsyncWriteExt;

use crate::domain::notify::{Notice, NotifyConfig, Quiet};

/// How long a notify command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers notices as `[notify]` says, at most once per minimum interval each.
#[derive(Debug)]
pub struct Notifier {
    config: NotifyConfig,
    quiet: Quiet,
    in_tmux: bool,
    /// The notices waiting for the command, and the task that runs it for each in turn
    /// (started with the first notice).
    commands: Option<(
        tokio::sync::mpsc::UnboundedSender<Notice>,
        tokio::task::JoinHandle<()>,
    )>,
}

impl Notifier {
    pub fn new(config: NotifyConfig) -> Self {
        Self {
            config,
            quiet: Quiet::default(),
            in_tmux: std::env::var_os("TMUX").is_some(),
            commands: None,
        }
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// Waits for the commands still to run (each is killed after 10 s).
    pub async fn finish(self) {
        if let Some((queue, worker)) = self.commands {
            drop(queue);
            let _ = worker.await;
        }
    }

    /// Rings and notifies on `terminal` (bell and OSC, when enabled) and runs the command.
    pub fn deliver(&mut self, notices: Vec<Notice>, terminal: Option<&mut dyn Write>) {
        let notices = self.quiet.admit(notices, &self.config, Utc::now());
        if notices.is_empty() {
            return;
        }
        if let Some(out) = terminal {
            let mut bytes = String::new();
            for notice in &notices {
                tracing::info!(text = notice.text(), "notify");
                bytes.push_str(&escape_sequences(notice, &self.config, self.in_tmux));
            }
            if let Err(e) = out.write_all(bytes.as_bytes()).and_then(|()| out.flush()) {
                tracing::warn!("notify: cannot write to the terminal: {e}");
            }
        }
        if self.config.command.is_empty() {
            return;
        }
        let command = self.config.command.clone();
        let (queue, _) = self.commands.get_or_insert_with(|| {
            let (queue, mut waiting) = tokio::sync::mpsc::unbounded_channel::<Notice>();
            let worker = tokio::spawn(async move {
                while let Some(notice) = waiting.recv().await {
                    run_command(&command, &notice).await;
                }
            });
            (queue, worker)
        });
        for notice in notices {
            if queue.send(notice).is_err() {
                tracing::warn!("notify: the command runner has stopped; a notice was not sent");
            }
        }
    }
}

/// The bytes that ring the bell and raise a desktop notification for `notice`.
pub fn escape_sequences(notice: &Notice, config: &NotifyConfig, in_tmux: bool) -> String {
    let mut out = String::new();
    if config.osc {
        let text = printable(&notice.text());
        for sequence in [
            format!("\x1b]9;rollwatch: {text}\x07"),
            format!("\x1b]777;notify;rollwatch;{text}\x07"),
        ] {
            out.push_str(&if in_tmux {
                passthrough(&sequence)
            } else {
                sequence
            });
        }
    }
    if config.bell {
        out.push('\x07');
    }
    out
}

/// `sequence` wrapped for tmux (`allow-passthrough on`): DCS tmux; with every ESC doubled.
fn passthrough(sequence: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"))
}

/// `text` without control characters (they would end or corrupt the escape sequence).
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Runs `command` for `notice` until it ends (at most 10 s): JSON on stdin, the main fields
/// in the environment.
async fn run_command(command: &[String], notice: &Notice) {
    let Some((program, args)) = command.split_first() else {
        return;
    };
    let json = match serde_json::to_vec(notice) {
        Ok(json) => json,
        Err(e) => {
            tracing::warn!("notify: cannot encode the notice: {e}");
            return;
        }
    };
    let kind = serde_json::to_value(&notice.what)
        .ok()
        .and_then(|v| v["kind"].as_str().map(str::to_string))
        .unwrap_or_default();
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env("ROLLWATCH_NOTICE_KIND", kind)
        .env("ROLLWATCH_NOTICE_TEXT", notice.text())
        .env("ROLLWATCH_NOTICE_REGION", &notice.region)
        .env(
            "ROLLWATCH_NOTICE_DEPLOYMENTS",
            notice.deployment_ids.join(" "),
        )
        .env("ROLLWATCH_NOTICE_SUBJECTS", notice.subjects.join(" "))
        .env(
            "ROLLWATCH_NOTICE_ACCOUNT",
            notice.owner.account.as_deref().unwrap_or_default(),
        )
        .env(
            "ROLLWATCH_NOTICE_PROFILE",
            notice.owner.profile.name().unwrap_or_default(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            tracing::warn!("notify: cannot run {program}: {e}");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        if let Err(e) = stdin.write_all(&json).await {
            tracing::warn!("notify: {program} did not take the notice: {e}");
        }
    }
    match tokio::time::timeout(COMMAND_TIMEOUT, child.wait()).await {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => tracing::warn!("notify: {program} exited with {status}"),
        Ok(Err(e)) => tracing::warn!("notify: {program}: {e}"),
        Err(_) => tracing::warn!("notify: {program} ran over 10 s and was killed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notify::What;

    fn notice() -> Notice {
        Notice {
            at: chrono::DateTime::UNIX_EPOCH,
            region: "us-east-1".into(),
            owner: crate::domain::Owner::default(),
            deployment_ids: vec!["d-1".into()],
            subjects: vec!["checkout:live".into()],
            what: What::Alarm {
                alarm: "checkout-errors".into(),
                reason: "Threshold Crossed\x1b]0;evil\x07".into(),
            },
        }
    }

    #[test]
    fn bell_and_both_osc_sequences_with_control_characters_removed() {
        let out = escape_sequences(&notice(), &NotifyConfig::default(), false);
        assert!(out.starts_with("\x1b]9;rollwatch: ALARM checkout-errors (checkout:live)"));
        assert!(out.contains("\x1b]777;notify;rollwatch;ALARM checkout-errors"));
        assert!(out.ends_with('\x07'));
        assert_eq!(
            out.matches('\x1b').count(),
            2,
            "only the two OSC openers: {out:?}"
        );
    }

    #[test]
    fn inside_tmux_the_osc_sequences_pass_through_and_the_bell_does_not_need_to() {
        let out = escape_sequences(&notice(), &NotifyConfig::default(), true);
        assert!(out.starts_with("\x1bPtmux;\x1b\x1b]9;rollwatch: ALARM"));
        assert!(out.contains("\x07\x1b\\\x1bPtmux;\x1b\x1b]777;"));
        assert!(out.ends_with("\x1b\\\x07"));
    }

    #[test]
    fn switched_off_nothing_is_written() {
        let config = NotifyConfig {
            bell: false,
            osc: false,
            ..NotifyConfig::default()
        };
        assert_eq!(escape_sequences(&notice(), &config, false), "");
    }

    #[tokio::test]
    async fn the_command_runs_for_each_notice_in_turn_in_the_order_raised() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("notices.jsonl");
        // The alarm's is slow on purpose: run side by side, the second would be written first.
        let script = format!(
            "[ \"$ROLLWATCH_NOTICE_KIND\" = alarm ] && sleep 0.5; cat >> '{0}'; echo >> '{0}'",
            file.display()
        );
        let config = NotifyConfig {
            command: vec!["sh".into(), "-c".into(), script],
            bell: false,
            osc: false,
            ..NotifyConfig::default()
        };
        let mut notifier = Notifier::new(config);
        let mut first = notice();
        first.subjects = vec!["first:live".into()];
        let mut second = notice();
        second.what = What::SplitEnded;
        second.subjects = vec!["second:live".into()];
        notifier.deliver(vec![first, second], None);
        notifier.finish().await;
        let written = std::fs::read_to_string(&file).expect("written");
        let subjects: Vec<String> = written
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("one notice a line"))
            .map(|n| n["subjects"][0].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(subjects, ["first:live", "second:live"]);
    }
}
