//! Several accounts in one picture, against a sandbox serving two (`accounts: 2`): profiles
//! `alpha` (account 123456789012) and `beta` (222222222222) with their own access keys in the
//! shared credentials file. One snapshot has both accounts' deployments, each with its profile
//! and account; a rollback of a `beta` deployment is sent with `beta`'s credentials only (the
//! sandbox records each call's access key); a profile without credentials shows its error while
//! the other account stays whole. In the TUI (tmux): one table with an ACCOUNT column and
//! both accounts in the header, and `R` on beta's row rolls back through beta only.

use std::path::Path;
use std::time::Duration;

use crate::support::assert_says;
use crate::support::http::account_stats;
use crate::support::run::{rollwatch, sandbox_of_accounts};
use crate::support::tmux;
use serde_json::Value;

const ALPHA: &str = "123456789012";
const BETA: &str = "222222222222";
const ALPHA_KEY: &str = "AKIA123456789012";
const BETA_KEY: &str = "AKIA222222222222";
/// A second profile (another role) in alpha's account.
const ALPHA_ADMIN_KEY: &str = "ASIA123456789012";

/// `~/.aws/config` and `credentials` with profiles alpha and beta, alpha-admin (alpha's
/// account with another key) and `ghost` (a region, no credentials).
fn aws_files(home: &Path) {
    std::fs::write(
        home.join("config"),
        "[profile alpha]\nregion = us-east-1\n\n[profile beta]\nregion = us-east-1\n\n\
         [profile ghost]\nregion = us-east-1\n\n[profile alpha-admin]\nregion = us-east-1\n",
    )
    .expect("config");
    std::fs::write(
        home.join("credentials"),
        format!(
            "[alpha]\naws_access_key_id = {ALPHA_KEY}\naws_secret_access_key = alpha-secret\n\n\
             [beta]\naws_access_key_id = {BETA_KEY}\naws_secret_access_key = beta-secret\n\n\
             [alpha-admin]\naws_access_key_id = {ALPHA_ADMIN_KEY}\naws_secret_access_key = a-secret\n"
        ),
    )
    .expect("credentials");
}

/// A JSON command's exit code, document and stderr.
fn parsed(out: &std::process::Output) -> (Option<i32>, Value, String) {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A sandbox serving both accounts (`scenario` at `speed`) and a HOME with the AWS files.
async fn two_accounts(
    scenario: &str,
    speed: f64,
) -> (rollwatch::sandbox::Sandbox, tempfile::TempDir) {
    let sandbox = sandbox_of_accounts(scenario, speed, 2).await;
    let home = tempfile::tempdir().expect("tempdir");
    aws_files(home.path());
    (sandbox, home)
}

/// `rollwatch --profile profiles --endpoint-url <sandbox> snapshot --json`: its exit code,
/// document and stderr.
async fn snapshot_of(
    sandbox: &rollwatch::sandbox::Sandbox,
    profiles: &str,
    home: &Path,
) -> (Option<i32>, Value, String) {
    let out = as_profiles(sandbox, profiles, &["snapshot", "--json"], &[], home).await;
    parsed(&out)
}

/// `rollwatch --profile profiles --endpoint-url <sandbox> args…` with only `env`, off the
/// test's runtime (the sandbox answers on it).
async fn as_profiles(
    sandbox: &rollwatch::sandbox::Sandbox,
    profiles: &str,
    args: &[&str],
    env: &[(&'static str, &'static str)],
    home: &Path,
) -> std::process::Output {
    let endpoint = sandbox.endpoint();
    let mut all: Vec<String> = vec![
        "--profile".into(),
        profiles.into(),
        "--endpoint-url".into(),
        endpoint,
    ];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    let (env, home) = (env.to_vec(), home.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        rollwatch(&args, &env, &home)
    })
    .await
    .expect("rollwatch")
}

/// The region object of `profile` in a snapshot document.
fn region_of<'a>(doc: &'a Value, profile: &str) -> &'a Value {
    doc["regions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["profile"] == profile)
        .unwrap_or_else(|| panic!("no region of {profile}: {doc}"))
}

fn deployment_ids(region: &Value) -> Vec<String> {
    region["deployments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["deployment"]["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_snapshot_has_both_accounts_each_deployment_with_its_profile_and_account() {
    let (sandbox, home) = two_accounts("failing-canary", 0.0).await;
    sandbox.advance(60.0);
    let (code, doc, stderr) = snapshot_of(&sandbox, "alpha,beta", home.path()).await;
    assert_eq!(code, Some(0), "{stderr}");
    let (alpha, beta) = (region_of(&doc, "alpha"), region_of(&doc, "beta"));
    assert_eq!(alpha["account"], ALPHA, "{alpha}");
    assert_eq!(beta["account"], BETA, "{beta}");
    let (a, b) = (deployment_ids(alpha), deployment_ids(beta));
    assert!(!a.is_empty() && !b.is_empty(), "{doc}");
    assert!(a.iter().all(|id| !b.contains(id)), "{a:?} {b:?}");
    for d in beta["deployments"].as_array().into_iter().flatten() {
        assert_eq!(d["profile"], "beta", "{d}");
        assert_eq!(d["account"], BETA, "{d}");
    }
    // Each account was read with its own key only.
    let callers = |account: &str| account_stats(&sandbox.endpoint(), account)["callers"].clone();
    let (ca, cb) = (callers(ALPHA), callers(BETA));
    assert!(
        ca.get(ALPHA_KEY).is_some() && ca.get(BETA_KEY).is_none(),
        "{ca}"
    );
    assert!(
        cb.get(BETA_KEY).is_some() && cb.get(ALPHA_KEY).is_none(),
        "{cb}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_of_a_beta_deployment_is_sent_with_betas_credentials_only() {
    // Time runs (30×) so that the rollback the command follows comes to its end.
    let (sandbox, home) = two_accounts("slow-canary", 30.0).await;
    let (_, doc, stderr) = snapshot_of(&sandbox, "alpha,beta", home.path()).await;
    let beta_id = deployment_ids(region_of(&doc, "beta"))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("beta has a deployment: {doc} {stderr}"));
    let args = ["rollback", &beta_id, "--yes"];
    let out = as_profiles(&sandbox, "alpha,beta", &args, &[], home.path()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(BETA),
        "the confirmation names beta's account: {stderr}"
    );
    let stops = |account: &str, key: &str| {
        account_stats(&sandbox.endpoint(), account)["callers"][key]["StopDeployment"]
            .as_u64()
            .unwrap_or(0)
    };
    assert_eq!(
        stops(BETA, BETA_KEY),
        1,
        "beta's deployment stopped with beta's key"
    );
    assert_eq!(stops(ALPHA, ALPHA_KEY), 0, "nothing sent to alpha");
    assert_eq!(stops(ALPHA, BETA_KEY), 0);
    let alpha_mutating = account_stats(&sandbox.endpoint(), ALPHA)["mutating"].as_u64();
    assert_eq!(alpha_mutating, Some(0), "alpha received no mutating call");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_without_credentials_shows_its_error_and_the_other_account_stays_whole() {
    let (sandbox, home) = two_accounts("slow-canary", 0.0).await;
    sandbox.advance(60.0);
    let (code, doc, stderr) = snapshot_of(&sandbox, "beta,ghost", home.path()).await;
    assert_eq!(code, Some(3), "a partial picture: {stderr}");
    let beta = region_of(&doc, "beta");
    assert_eq!(beta["listing"]["state"], "ok", "{beta}");
    assert!(!deployment_ids(beta).is_empty(), "{beta}");
    let ghost = region_of(&doc, "ghost");
    assert_eq!(ghost["listing"]["state"], "failed", "{ghost}");
    let message = ghost["listing"]["failure"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.to_lowercase().contains("credential"), "{ghost}");
    assert_says(&stderr, &["ghost"]);
    sandbox.shutdown().await;
}

/// The TUI in tmux with `--profile profiles` on a two-account `slow-canary` at 2x: `None`
/// where tmux cannot run (never on CI). The runtime serves the sandbox.
fn tui_as(
    profiles: &str,
) -> Option<(
    tokio::runtime::Runtime,
    rollwatch::sandbox::Sandbox,
    tempfile::TempDir,
    tmux::Tmux,
)> {
    if !tmux::tmux_or_skip() {
        return None;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sandbox = rt.block_on(sandbox_of_accounts("slow-canary", 2.0, 2));
    let home = tempfile::tempdir().expect("tempdir");
    aws_files(home.path());
    let command = format!(
        "env HOME={home} ROLLWATCH_STATE_DIR={home}/state ROLLWATCH_FOLLOW_POLL_MS=300 \
         AWS_CONFIG_FILE={home}/config AWS_SHARED_CREDENTIALS_FILE={home}/credentials \
         TERM=xterm-256color {bin} --profile {profiles} --endpoint-url {endpoint}; \
         echo EXITED $?; sleep 30",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_rollwatch"),
        endpoint = sandbox.endpoint(),
    );
    let tmux = tmux::Tmux::start(&command);
    Some((rt, sandbox, home, tmux))
}

#[test]
fn the_tui_shows_both_accounts_and_rolls_back_a_beta_row_through_beta_only() {
    let Some((rt, sandbox, _home, tmux)) = tui_as("alpha,beta") else {
        return;
    };
    let endpoint = sandbox.endpoint();
    let screen = tmux.wait_for("both accounts' rows", Duration::from_secs(40), |s| {
        s.contains("ACCOUNT")
            && s.contains("alpha (123456789012)")
            && s.contains("beta (222222222222)")
            && s.matches("profile-api:live").count() >= 2
    });
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("alpha (123456789012)") && header.contains("beta (222222222222)"),
        "{screen}"
    );
    tmux.filter("beta");
    let modal = tmux.roll_back("profile-api:live");
    assert!(
        modal.contains(BETA),
        "the confirmation names beta's account: {modal}"
    );
    let stops = |account: &str, key: &str| {
        account_stats(&endpoint, account)["callers"][key]["StopDeployment"]
            .as_u64()
            .unwrap_or(0)
    };
    assert_eq!(
        stops(BETA, BETA_KEY),
        1,
        "beta's deployment stopped with beta's key"
    );
    assert_eq!(stops(ALPHA, ALPHA_KEY) + stops(ALPHA, BETA_KEY), 0);
    assert_eq!(
        account_stats(&endpoint, ALPHA)["mutating"].as_u64(),
        Some(0)
    );
    tmux.quit();
    rt.block_on(sandbox.shutdown());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_profiles_of_one_account_show_its_deployments_once_through_the_first() {
    let (sandbox, home) = two_accounts("failing-canary", 0.0).await;
    sandbox.advance(60.0);
    let (code, doc, stderr) = snapshot_of(&sandbox, "alpha,alpha-admin,beta", home.path()).await;
    assert_eq!(code, Some(0), "{stderr}");
    let profiles: Vec<_> = doc["regions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["profile"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(profiles, vec!["alpha", "beta"], "{doc}");
    let ids = deployment_ids(region_of(&doc, "alpha"));
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
    assert_says(
        &stderr,
        &["profile alpha-admin reaches account 123456789012 like profile alpha"],
    );
    sandbox.shutdown().await;
}

/// One profile alone keeps the SDK's default chain: a profile that only names a region works
/// with the environment's keys (CI jobs, `aws-vault exec`). With several profiles the
/// environment's keys are never lent to a profile without its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_keys_serve_one_profile_but_never_a_profile_of_several() {
    let (sandbox, home) = two_accounts("failing-canary", 0.0).await;
    sandbox.advance(60.0);
    let env = vec![
        ("AWS_ACCESS_KEY_ID", BETA_KEY),
        ("AWS_SECRET_ACCESS_KEY", "beta-secret"),
    ];
    let snapshot = |profiles| {
        as_profiles(
            &sandbox,
            profiles,
            &["snapshot", "--json"],
            &env,
            home.path(),
        )
    };
    let (code, doc, stderr) = parsed(&snapshot("ghost").await);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !deployment_ids(region_of(&doc, "ghost")).is_empty(),
        "{doc}"
    );
    let (code, doc, stderr) = parsed(&snapshot("alpha,ghost").await);
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(
        region_of(&doc, "ghost")["listing"]["state"],
        "failed",
        "{doc}"
    );
    sandbox.shutdown().await;
}

/// `--guard` must be able to roll back every row it watches: with beta read-only it refuses
/// to start, naming beta, before the terminal is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_refuses_to_watch_an_account_it_could_not_roll_back() {
    let (sandbox, home) = two_accounts("failing-canary", 0.0).await;
    let config = home.path().join("rollwatch.toml");
    std::fs::write(&config, "[profiles.beta]\nread_only = true\n").expect("config");
    let config = config.to_string_lossy().into_owned();
    let args = ["--config", &config, "--guard"];
    let out = as_profiles(&sandbox, "alpha,beta", &args, &[], home.path()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_says(&stderr, &["--guard cannot run", "profile beta:"]);
    assert!(!stderr.contains("profile alpha:"), "{stderr}");
    sandbox.shutdown().await;
}

#[test]
fn the_tui_says_which_profile_shows_an_account_two_profiles_reach_and_shows_it_once() {
    let Some((rt, sandbox, _home, tmux)) = tui_as("alpha,alpha-admin,beta") else {
        return;
    };
    let screen = tmux.wait_for(
        "the note on the message line",
        Duration::from_secs(40),
        |s| {
            s.contains("profile alpha-admin reaches account 123456789012 like profile alpha")
                && s.matches("profile-api:live").count() >= 2
        },
    );
    assert_eq!(
        screen.matches("profile-api:live").count(),
        2,
        "once per account, not once per profile:\n{screen}"
    );
    assert!(
        !screen.contains("alpha-admin ("),
        "no column of alpha-admin's:\n{screen}"
    );
    tmux.quit();
    rt.block_on(sandbox.shutdown());
}
