//! The `rollwatch` binary as a user runs it: `snapshot --json` and the guarded UpdateAlias against
//! moto's server (a real third-party AWS emulator, started on a free loopback port), `watch` and
//! the verdict warning against the sandbox, and the clear errors a user gets with no
//! credentials, an unknown profile or an endpoint that refuses connections.

#[path = "cli/robustness.rs"]
mod robustness;
#[path = "cli/splits.rs"]
mod splits;
mod support;

use rollwatch::sandbox::SandboxConfig;
use serde_json::Value;
use support::assert_says;
use support::moto::Moto;
use support::run::{
    FAKE_CREDS, Shell, failing_quietly, failing_quietly_for, ndjson, rollwatch, stderr, stdout,
};

/// `rollwatch snapshot args… --region us-east-1 --endpoint-url <a closed port>` with `env`:
/// its exit code and stderr.
fn snapshot_unreachable(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let endpoint = format!("http://127.0.0.1:{port}");
    let home = tempfile::tempdir().expect("tempdir");
    let mut all = vec!["snapshot"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--region", "us-east-1", "--endpoint-url", &endpoint]);
    let out = rollwatch(&all, env, home.path());
    assert!(out.stdout.is_empty(), "said once, on stderr");
    (out.status.code(), stderr(&out))
}

#[test]
fn unreachable_endpoint_is_one_clear_line_and_exit_4() {
    let (code, stderr) = snapshot_unreachable(&[], &FAKE_CREDS);
    assert_eq!(code, Some(4), "stderr: {stderr}");
    // Says what to check.
    assert_says(
        &stderr,
        &[
            "endpoint unreachable",
            "--endpoint-url",
            "connection refused",
        ],
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    one_short_line(&stderr);
}

#[test]
fn with_v_the_sdks_whole_error_chain_is_on_stderr_too() {
    let (code, stderr) = snapshot_unreachable(&["-v"], &FAKE_CREDS);
    assert_eq!(code, Some(4), "stderr: {stderr}");
    // The SDK's chain.
    assert_says(
        &stderr,
        &["call failed before AWS answered", "tcp connect error"],
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("rollwatch: ") && l.contains("connection refused")),
        "and the one line: {stderr}"
    );
}

/// A failure a tired person can read: one line, at most 200 characters, no SDK debug chain.
fn one_short_line(stderr: &str) {
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.trim_end().chars().count() <= 200,
        "{} chars: {stderr}",
        stderr.len()
    );
    assert!(!stderr.contains("DispatchFailure"), "{stderr}");
}

#[test]
fn a_name_that_is_not_a_region_is_refused_with_the_nearest_ones() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = rollwatch(
        &["snapshot", "--region", "us-east1"],
        &FAKE_CREDS,
        home.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "stderr: {stderr}");
    one_short_line(&stderr);
    assert_says(
        &stderr,
        &[
            "`us-east1` is not an AWS region name",
            "did you mean us-east-1",
        ],
    );
}

#[test]
fn missing_credentials_say_how_to_log_in() {
    let (code, stderr) = snapshot_unreachable(&[], &[]);
    assert_eq!(code, Some(4), "stderr: {stderr}");
    assert_says(&stderr, &["no valid credentials", "aws sso login"]);
    one_short_line(&stderr);
}

#[test]
fn unknown_profile_names_the_profile() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = rollwatch(&["snapshot", "--profile", "nope"], &[], home.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "stderr: {stderr}");
    assert_says(&stderr, &["profile nope", "--region"]);
}

#[test]
fn snapshot_json_against_moto_shows_the_deployment_and_marks_cloudwatch_failed() {
    let Some(moto) = Moto::start() else { return };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let deployment_id = rt.block_on(support::moto::seed_canary(&moto.endpoint));
    let home = tempfile::tempdir().expect("tempdir");
    let out = rollwatch(
        &[
            "snapshot",
            "--json",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &moto.endpoint,
        ],
        &FAKE_CREDS,
        home.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "partial picture; stderr: {stderr}\n{stdout}"
    );
    let doc: Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(doc["schema_version"], 2);
    let region = &doc["regions"][0];
    assert_eq!(region["region"], "us-east-1");
    let view = region["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .find(|v| v["deployment"]["id"] == deployment_id.as_str())
        .unwrap_or_else(|| panic!("deployment {deployment_id} missing: {stdout}"));
    // The rollout as the commands know it.
    assert_eq!(view["source"], "codedeploy", "{view}");
    assert_eq!(view["id"], deployment_id.as_str(), "{view}");
    assert_eq!(view["function"], "orders", "{view}");
    let target = &view["deployment"]["target"];
    assert_eq!(target["function"], "orders");
    assert_eq!(target["alias"], "live");
    assert_eq!(target["current_version"], "1");
    assert_eq!(target["target_version"], "2");
    // The live alias, read from moto's Lambda.
    assert_eq!(view["alias"]["state"], "ok", "{view}");
    assert_eq!(view["alias"]["value"]["primary_version"], "1");
    assert_eq!(view["alias"]["value"]["additional"][0][0], "2");
    assert_eq!(view["alias"]["value"]["additional"][0][1], 0.1);
    assert_eq!(view["weight"]["source"], "live_alias");
    assert_eq!(view["weight"]["weight"], 0.1);
    assert_eq!(
        view["config"]["value"]["routing"]["type"],
        "TimeBasedCanary"
    );
    // moto has no CloudWatch over CBOR: the metrics are marked failed, with the reason.
    assert_eq!(view["metrics"]["state"], "failed", "{view}");
    assert_eq!(view["metrics"]["failure"]["service"], "cloudwatch");
    assert_eq!(view["metrics"]["failure"]["operation"], "GetMetricData");
    let message = view["metrics"]["failure"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("HTTP 404"), "{view}");
    // moto leaves the deployment Created: its target is not read (CodeDeploy creates it when
    // the deployment starts), and the part says so.
    assert_eq!(view["deployment"]["status"], "Created");
    assert_eq!(view["target"]["state"], "skipped", "{view}");
    assert_says(
        &view["target"]["reason"].to_string(),
        &["not started", "creates the target"],
    );
    // moto's GetDeploymentGroup drops the alarm configuration, so no alarm is watched, and
    // rollwatch says what that means.
    assert_eq!(view["alarms"]["state"], "ok");
    let warnings = view["warnings"].to_string();
    assert_says(&warnings, &["watches no alarms"]);
    assert!(
        stderr.contains("cloudwatch:GetMetricData"),
        "summarized on stderr: {stderr}"
    );
}

#[test]
fn watch_follows_a_failing_canary_to_its_rollback_and_exits_1_with_ndjson() {
    let shell = Shell::start("failing-canary", 30.0);
    let out = shell.rollwatch(&["watch", "--all", "--json"]);
    let stdout = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "rolled back; {stdout}");
    let events = ndjson(&out);
    assert!(
        events
            .iter()
            .all(|e| e["observed_at"].is_string() && e["service_time"].is_string())
    );
    assert!(events.iter().any(|e| e["kind"] == "appeared"), "{stdout}");
    let finished = events
        .iter()
        .find(|e| e["change"]["type"] == "finished" && e["change"]["rolled_back_by"].is_string())
        .unwrap_or_else(|| panic!("no rollback event: {stdout}"));
    assert_eq!(finished["change"]["to"], "Stopped", "{finished}");
    // The fields and the words say the same.
    assert!(
        finished["text"]
            .as_str()
            .is_some_and(|t| t.contains("Stopped") && t.contains("rolled back by")),
        "{finished}"
    );
}

#[test]
fn watch_of_an_unknown_deployment_exits_3() {
    let shell = Shell::start("calm", 0.0);
    let out = shell.rollwatch(&["watch", "d-NOSUCHONE"]);
    let stderr = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_says(&stderr, &["not found"]);
}

#[test]
fn snapshot_warns_when_the_verdict_fails_and_no_alarm_catches_it() {
    let shell = Shell::start("slow-canary", 0.0);
    // Twelve minutes into the canary: p99 doubled a minute in, no alarm watches latency.
    shell.sandbox().advance(12.0 * 60.0);
    let doc = shell.snapshot(&[]);
    let warnings: Vec<String> = doc["regions"][0]["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .flat_map(|v| v["warnings"].as_array().cloned().unwrap_or_default())
        .filter_map(|w| w.as_str().map(str::to_string))
        .collect();
    let verdict = warnings
        .iter()
        .find(|w| w.starts_with("canary verdict FAIL p99"))
        .unwrap_or_else(|| panic!("no verdict warning: {warnings:?}"));
    assert_says(verdict, &["CodeDeploy's alarms are not catching this"]);
}

#[test]
fn update_alias_against_moto_moves_the_alias_to_one_version() {
    use rollwatch::aws::{ConnectOptions, DeploymentWriter, Mode, connect_writer};
    let Some(moto) = Moto::start() else { return };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        support::moto::seed_canary(&moto.endpoint).await;
        let options = ConnectOptions {
            regions: vec!["us-east-1".into()],
            endpoint_url: Some(moto.endpoint.clone()),
            static_credentials: true,
            own_credentials: false,
            ..ConnectOptions::default()
        };
        let writer = connect_writer(&options, "us-east-1", &Mode::Operator)
            .await
            .expect("writer");
        let before = writer.alias("orders", "live").await.expect("GetAlias");
        assert_eq!(before.primary_version, "1");
        assert_eq!(before.additional, vec![("2".to_string(), 0.1)]);
        let revision = before
            .revision_id
            .clone()
            .expect("moto returns a RevisionId");
        // moto ignores RevisionId (its docs say so); the race is tested against the sandbox
        // (tests/actions/guards.rs). With the RevisionId just read, the alias moves to v2.
        let after = writer
            .set_alias("orders", "live", "2", &revision)
            .await
            .expect("UpdateAlias");
        assert_eq!(after.primary_version, "2");
        assert!(after.additional.is_empty(), "{after:?}");
    });
}

#[test]
fn watch_with_fail_on_verdict_exits_2_on_a_slow_canary_no_alarm_catches() {
    let shell = Shell::start("slow-canary", 30.0);
    let out = shell.rollwatch(&["watch", "--all", "--json", "--fail-on-verdict"]);
    let stdout = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "verdict Fail; {stdout}");
    let last = ndjson(&out).pop().expect("events");
    assert_eq!(last["kind"], "verdict", "{stdout}");
    assert_eq!(last["verdict"], "fail");
    assert!(
        last["text"].as_str().unwrap_or_default().contains("p99"),
        "{stdout}"
    );
}

/// `business-canary`: failed orders quadruple on v2 while errors and latency stay flat.
#[test]
fn watch_with_fail_on_verdict_fails_on_a_business_metric_while_errors_and_latency_are_flat() {
    let live = Shell::start("business-canary", 30.0);
    let config = live.home.path().join("config.toml");
    std::fs::write(
        &config,
        r#"
[[verdict.metric]]
name = "failed orders"
namespace = "Storefront"
metric_name = "OrdersFailed"
dimensions = { FunctionName = "{function}", Version = "{version}" }
kind = "count"
"#,
    )
    .expect("config");
    let config = config.to_string_lossy();
    let out = live.rollwatch(&[
        "--config",
        &config,
        "watch",
        "--all",
        "--json",
        "--fail-on-verdict",
    ]);
    let stdout = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "verdict Fail; {stdout}");
    let last = ndjson(&out).pop().expect("events");
    assert_eq!(last["kind"], "verdict", "{stdout}");
    assert_eq!(last["verdict"], "fail");
    let text = last["text"].as_str().unwrap_or_default();
    assert!(text.contains("failed orders"), "{stdout}");
    assert!(
        !text.contains("errors") && !text.contains("p99"),
        "{stdout}"
    );
    // Without the entry the same canary never fails: nothing else is worse.
    let plain = Shell::start("business-canary", 0.0);
    plain.sandbox().advance(12.0 * 60.0);
    let doc = plain.snapshot(&[]);
    let verdict = &doc["regions"][0]["deployments"][0]["verdict"];
    assert_ne!(verdict["overall"], "fail", "{verdict}");
}

#[test]
fn snapshot_logs_n_adds_the_new_versions_last_error_lines() {
    let scenario = failing_quietly();
    let shell = Shell::start(&scenario.path().to_string_lossy(), 0.0);
    shell.sandbox().advance(300.0);
    assert_three_error_lines_of_v2(&shell);
}

/// Lambda names a log stream by the day its execution environment started, and an environment
/// started before midnight UTC keeps logging into it after: a canary from 23:50 read at 00:15
/// still shows its new version's error lines (none were found before the reader looked at
/// yesterday's streams as well as today's).
#[test]
fn snapshot_logs_n_finds_the_lines_of_a_stream_started_before_midnight() {
    let scenario = failing_quietly_for(30);
    let ten_to_midnight = 1_795_909_800.0; // 2026-11-28T23:50:00Z
    let shell = Shell::with(
        SandboxConfig::loopback(&scenario.path().to_string_lossy())
            .speed(0.0)
            .seed(3)
            .starting_at(ten_to_midnight),
    );
    shell.sandbox().advance(25.0 * 60.0);
    assert_three_error_lines_of_v2(&shell);
}

/// `snapshot --json --logs 3` shows the canary of `checkout` with v2's last three error lines.
fn assert_three_error_lines_of_v2(shell: &Shell) {
    let picture = shell.snapshot(&["--logs", "3"]);
    let canary = picture["regions"][0]["deployments"]
        .as_array()
        .and_then(|d| {
            d.iter()
                .find(|v| v["deployment"]["target"]["function"] == "checkout")
        })
        .expect("the canary")
        .clone();
    let lines = canary["new_version_errors"]["lines"]
        .as_array()
        .expect("lines")
        .clone();
    assert_eq!(lines.len(), 3, "the last three: {canary}");
    for line in &lines {
        assert_eq!(line["error"], true, "{line}");
        let message = line["message"].as_str().unwrap_or_default();
        assert_says(message, &["simulated failure in version 2"]);
    }
}

#[test]
fn bash_completion_is_installed_by_sourcing_it_and_completes_subcommands() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = rollwatch(&["completions", "bash"], &[], home.path());
    assert_eq!(out.status.code(), Some(0));
    let script = home.path().join("rollwatch.bash");
    std::fs::write(&script, &out.stdout).expect("script");
    let check = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; complete -p rollwatch; COMP_WORDS=(rollwatch sn); COMP_CWORD=1; \
             COMP_LINE='rollwatch sn'; COMP_POINT=12; _rollwatch rollwatch sn rollwatch; \
             echo \"words: ${{COMPREPLY[*]}}\"",
            script.display()
        ))
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains("complete") && stdout.contains(" rollwatch\n"),
        "{stdout}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_says(&stdout, &["words: snapshot"]);
}

#[test]
fn the_man_page_is_generated_from_the_command_line_definitions() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = rollwatch(&["man"], &[], home.path());
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert_says(&page, &[".TH rollwatch 1"]);
    for sub in ["snapshot", "rollback", "watch", "completions"] {
        assert!(page.contains(sub), "{sub} is in the man page");
    }
}
