//! The headless commands as a runbook runs them: the binary against a running sandbox, stdin
//! not a terminal. Exit codes: 0 done, 1 refused (read-only too), 2 usage (no `--yes`), 3 AWS
//! error, 4 cancelled. Read-only sends zero mutating requests whatever is attempted.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use rollwatch::sandbox::Sandbox;
use serde_json::Value;

use crate::support::actions::{options, sandbox_config};
use crate::support::assert_says;
use crate::support::http::{mutating, stats_of};

struct Cli {
    sandbox: Arc<Sandbox>,
    dir: tempfile::TempDir,
}

impl Cli {
    async fn start(scenario: &str, speed: f64, faults: Option<&str>) -> Self {
        let mut config = sandbox_config(scenario, faults);
        config.speed = speed;
        let cli = Self {
            sandbox: Arc::new(Sandbox::start(config).await.unwrap()),
            dir: tempfile::tempdir().unwrap(),
        };
        // ROLLWATCH_CONFIG names this file: it must exist (an empty file is all defaults).
        cli.config("");
        cli
    }

    fn config(&self, toml: &str) {
        std::fs::write(self.dir.path().join("config.toml"), toml).unwrap();
    }

    /// Runs `rollwatch ARGS` (stdin is not a terminal).
    async fn run(&self, args: &[&str]) -> Output {
        let endpoint = self.sandbox.endpoint();
        let dir = self.dir.path().to_path_buf();
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        tokio::task::spawn_blocking(move || command(&dir, &endpoint, &args))
            .await
            .unwrap()
    }

    async fn deployment_of(&self, function: &str) -> String {
        let readers: Vec<_> = rollwatch::aws::connect(&options(&self.sandbox))
            .await
            .unwrap()
            .into_iter()
            .map(std::sync::Arc::new)
            .collect();
        let picture = rollwatch::engine::collect_picture(
            &readers,
            rollwatch::engine::PictureOptions::default(),
        )
        .await;
        picture
            .regions
            .iter()
            .flat_map(|r| &r.deployments)
            .find(|v| v.deployment.subject() == format!("{function}:live"))
            .map(|v| v.deployment.id.clone())
            .unwrap()
    }

    async fn mutating(&self) -> u64 {
        mutating(&stats_of(&self.sandbox).await)
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("state/audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn command(dir: &Path, endpoint: &str, args: &[String]) -> Output {
    rollwatch(dir, endpoint, args).output().unwrap()
}

/// `rollwatch ARGS` against `endpoint`, its state and config in `dir`, stdin not a terminal.
fn rollwatch(dir: &Path, endpoint: &str, args: &[String]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollwatch"));
    cmd.args(args)
        .args(["--region", "us-east-1", "--endpoint-url", endpoint])
        .env_clear()
        .env("HOME", dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("aws-credentials"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("ROLLWATCH_STATE_DIR", dir.join("state"))
        .env("ROLLWATCH_CONFIG", dir.join("config.toml"))
        .env("ROLLWATCH_FOLLOW_POLL_MS", "50")
        .stdin(std::process::Stdio::null());
    cmd
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_needs_yes_without_a_terminal_then_stops_and_is_audited() {
    let cli = Cli::start("calm", 30.0, None).await;
    let id = cli.deployment_of("search-api").await;
    let before = cli.mutating().await;
    let out = cli.run(&["stop", &id]).await;
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_says(
        &err,
        &[
            "pass --yes",
            "STOP search-api:live WITHOUT ROLLBACK?",
            "later deployments of search-api WILL FAIL",
        ],
    );
    assert_eq!(cli.mutating().await, before, "nothing sent without --yes");

    let out = cli.run(&["stop", &id, "--yes"]).await;
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{err}");
    assert_says(&stdout, &["the alias stays split"]);
    assert_says(&err, &["codedeploy:StopDeployment ok"]);

    let again = cli.run(&["stop", &id, "--yes"]).await;
    let (stdout, _) = text(&again);
    assert_eq!(again.status.code(), Some(1), "{stdout}");
    assert_says(
        &stdout,
        &["refused: the deployment has already been stopped"],
    );

    let audit = cli.audit();
    let outcomes: Vec<&str> = audit
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    // Audit first: the attempt line was on disk before StopDeployment was sent.
    assert_eq!(outcomes, ["cancelled", "attempted", "done", "refused"]);
    assert_eq!(audit[1]["attempt_id"], audit[2]["attempt_id"]);
    assert!(
        audit[1]["calls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["call"] != "codedeploy:StopDeployment")
    );
    assert_eq!(audit[2]["initiator"]["via"], "cli");
    let shown = cli.run(&["audit"]).await;
    let (stdout, _) = text(&shown);
    assert!(
        stdout.contains(&format!("DONE      {id} search-api:live  stop")),
        "{stdout}"
    );
    let raw = cli.run(&["audit", "--json"]).await;
    assert_eq!(text(&raw).0.lines().count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sends_zero_mutating_requests_whatever_is_attempted() {
    let cli = Cli::start("hook-failure", 0.0, None).await;
    let id = cli.deployment_of("billing").await;
    let attempts: [&[&str]; 6] = [
        &["rollback", &id, "--yes"],
        &["stop", &id, "--yes"],
        &["continue", &id, "--yes"],
        &[
            "continue",
            &id,
            "--approve",
            "--hook-execution-id",
            "x",
            "--yes",
        ],
        &["continue", &id, "--promote", "--yes"],
        &["resolve", &id, "--to", "old", "--yes"],
    ];
    for args in attempts {
        let mut with_flag = vec!["--read-only"];
        with_flag.extend_from_slice(args);
        let out = cli.run(&with_flag).await;
        let (stdout, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}{err}");
        assert_says(&stdout, &["read-only mode (--read-only)"]);
    }
    cli.config("[profiles.default]\nread_only = true\n");
    let out = cli.run(&["rollback", &id, "--yes"]).await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_says(&stdout, &["read_only = true in [profiles.default]"]);
    let stats = stats_of(&cli.sandbox).await;
    assert_eq!(mutating(&stats), 0, "{stats}");
    assert_eq!(cli.audit().len(), 7, "every attempt is audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_profiles_need_the_typed_name_and_access_denied_exits_3() {
    let cli = Cli::start("failing-canary", 0.0, Some("deny=StopDeployment")).await;
    cli.sandbox.advance(60.0);
    let id = cli.deployment_of("checkout").await;
    cli.config("[profiles.default]\nprotected = true\n");
    let out = cli.run(&["rollback", &id, "--yes"]).await;
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_says(&err, &["--confirm checkout:live"]);
    let out = cli
        .run(&["rollback", &id, "--yes", "--confirm", "checkout"])
        .await;
    assert_eq!(out.status.code(), Some(4), "a wrong name cancels");
    assert_eq!(cli.mutating().await, 0);
    let out = cli
        .run(&["rollback", &id, "--yes", "--confirm", "checkout:live"])
        .await;
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}{err}");
    assert_says(&stdout, &["access denied"]);
    assert_says(&err, &["what to do: grant `codedeploy:StopDeployment`"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let cli = Cli::start("calm", 0.0, None).await;
    let out = cli.run(&["continue", "d-X", "--approve", "--reject"]).await;
    assert_eq!(out.status.code(), Some(2));
    cli.config("[profiles.default]\nprotected = \"yes\"\n");
    let out = cli.run(&["stop", "d-X", "--yes"]).await;
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    // The file, the line and the field are named.
    assert_says(&err, &["config.toml:2:", "profiles.default.protected"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_approves_the_waiting_hook_and_resolve_clears_a_split() {
    let cli = Cli::start("hook-failure", 0.0, None).await;
    cli.sandbox.advance(5.0);
    let id = cli.deployment_of("billing").await;
    let out = cli.run(&["continue", &id, "--yes"]).await;
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{err}");
    assert_says(
        &err,
        &["APPROVE the BeforeAllowTraffic hook of billing:live?"],
    );
    assert_says(
        &stdout,
        &["BeforeAllowTraffic hook of", "reported Succeeded"],
    );

    let split = Cli::start("stuck-split", 0.0, None).await;
    let id = split.deployment_of("ledger").await;
    let out = split.run(&["resolve", &id, "--to", "old", "--yes"]).await;
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{err}");
    assert_eq!(stdout.trim(), "ledger:live now at v2 100%");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_state_directory_sends_nothing() {
    let cli = Cli::start("failing-canary", 0.0, None).await;
    cli.sandbox.advance(60.0);
    let id = cli.deployment_of("checkout").await;
    // The state directory is a file: no audit line can be written.
    std::fs::write(cli.dir.path().join("state"), "not a directory").unwrap();
    let out = cli.run(&["rollback", &id, "--yes"]).await;
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(5), "{stdout}{err}");
    assert_says(&err, &["refusing to act without an audit log"]);
    assert!(err.contains("ROLLWATCH_STATE_DIR"), "how to fix it: {err}");
    assert_eq!(cli.mutating().await, 0, "nothing sent");
}

/// Starts `rollwatch rollback ID --yes` and waits for its attempt line.
async fn rollback_in_flight(cli: &Cli, id: &str) -> std::process::Child {
    let args: Vec<String> = ["rollback", id, "--yes"].map(str::to_owned).to_vec();
    let mut child = rollwatch(cli.dir.path(), &cli.sandbox.endpoint(), &args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if cli.audit().iter().any(|r| r["outcome"] == "attempted") && cli.mutating().await > 0 {
            return child;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("no attempt line and no StopDeployment");
}

fn signal(child: &std::process::Child, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_ended_by_sigterm_or_sigkill_mid_follow_is_still_on_record() {
    // Every GetDeployment takes 2 s: the rollback is still being followed when the signal
    // comes.
    let slow = Some("latency@GetDeployment=2s");
    let cli = Cli::start("failing-canary", 0.0, slow).await;
    cli.sandbox.advance(60.0);
    let id = cli.deployment_of("checkout").await;
    let mut child = rollback_in_flight(&cli, &id).await;
    signal(&child, "TERM");
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.code().is_some(),
        "exited on its own, not killed: {status:?}"
    );
    let audit = cli.audit();
    let outcome = audit.last().unwrap();
    assert_eq!(outcome["outcome"], "failed", "{outcome}");
    assert!(
        outcome["message"]
            .as_str()
            .unwrap()
            .contains("stopped following"),
        "{outcome}"
    );
    assert_eq!(audit[audit.len() - 2]["attempt_id"], outcome["attempt_id"]);

    // SIGKILL cannot be handled: the attempt line alone tells the story.
    let other = Cli::start("failing-canary", 0.0, slow).await;
    other.sandbox.advance(60.0);
    let id = other.deployment_of("checkout").await;
    let mut child = rollback_in_flight(&other, &id).await;
    signal(&child, "KILL");
    let _ = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap();
    let shown = other.run(&["audit"]).await;
    let (stdout, _) = text(&shown);
    assert_says(&stdout, &["UNKNOWN", "outcome unknown", "CloudTrail"]);
    let raw = other.run(&["audit", "--json"]).await;
    let line: Value = serde_json::from_str(text(&raw).0.lines().last().unwrap()).unwrap();
    assert_eq!(line["outcome"], "unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_split_by_hand_is_resolved_by_its_function_alias_and_never_rolled_back() {
    let cli = Cli::start("calm", 0.0, None).await;
    crate::support::sdk::split_by_hand(&crate::support::sdk::lambda(&cli.sandbox).await).await;
    let before = cli.mutating().await;

    // No deployment owns it: nothing to roll back, and nothing is sent.
    let out = cli.run(&["rollback", "reports:live", "--yes"]).await;
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "refused: {stdout}{err}");
    assert_says(&stdout, &["no deployment owns this split", "resolve"]);
    assert_eq!(cli.mutating().await, before, "nothing sent");

    let out = cli
        .run(&["resolve", "reports:live", "--to", "new", "--yes"])
        .await;
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{err}");
    assert_eq!(stdout.trim(), "reports:live now at v2 100%");
    let alias = crate::support::sdk::lambda(&cli.sandbox)
        .await
        .get_alias()
        .function_name("reports")
        .name("live")
        .send()
        .await
        .expect("alias");
    assert_eq!(alias.function_version(), Some("2"));
    let weights = alias
        .routing_config()
        .map(|r| r.additional_version_weights().cloned().unwrap_or_default())
        .unwrap_or_default();
    assert!(weights.is_empty(), "whole: {weights:?}");
    let done: Vec<Value> = cli
        .audit()
        .into_iter()
        .filter(|r| r["deployment_id"] == "reports:live" && r["outcome"] == "done")
        .collect();
    assert_eq!(done.len(), 1, "audited: {:?}", cli.audit());

    // Whole now: nothing left to resolve.
    let out = cli
        .run(&["resolve", "reports:live", "--to", "old", "--yes"])
        .await;
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}{err}");
    assert_says(&err, &["reports:live is not split"]);
}
