//! Aliases split outside any deployment, as `snapshot` finds them with the binary against the
//! sandbox: on `calm` (its canaries split their own aliases) nothing is listed; an alias split by
//! hand on a function no deployment touches is listed with its weights, the scan says it read
//! the whole (small) account, and the text output says it.

use serde_json::Value;

use crate::support::assert_says;
use crate::support::run::{FAKE_CREDS, rollwatch, stderr, stdout};

/// `rollwatch snapshot [--json]` against `endpoint`: exit code and output.
async fn snapshot(endpoint: &str, home: &std::path::Path, json: bool) -> (Option<i32>, String) {
    let (endpoint, home) = (endpoint.to_string(), home.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let mut args = vec![
            "--region",
            "us-east-1",
            "--endpoint-url",
            &endpoint,
            "snapshot",
        ];
        if json {
            args.push("--json");
        }
        let out = rollwatch(&args, &FAKE_CREDS, &home);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "snapshot failed: {}",
            stderr(&out)
        );
        (out.status.code(), stdout(&out))
    })
    .await
    .expect("snapshot runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_split_by_hand_is_listed_and_a_deployments_own_split_is_not() {
    let sandbox = crate::support::run::sandbox("calm", 0.0).await;
    sandbox.advance(120.0); // calm's canary has shifted: its alias is split, by CodeDeploy
    let home = tempfile::tempdir().expect("home");
    let endpoint = sandbox.endpoint();

    let (_, json) = snapshot(&endpoint, home.path(), true).await;
    let doc: Value = serde_json::from_str(&json).expect("JSON");
    let region = &doc["regions"][0];
    assert!(
        region["deployments"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        "calm has its deployments: {json}"
    );
    assert_eq!(
        region["splits"],
        serde_json::json!([]),
        "{}",
        region["splits"]
    );
    let scan = &region["alias_scan"];
    assert_eq!(scan["listed_all"], true, "{scan}");
    assert_eq!(scan["functions_read"], scan["functions_listed"], "{scan}");

    crate::support::sdk::split_by_hand(&crate::support::sdk::lambda(&sandbox).await).await;
    let (_, json) = snapshot(&endpoint, home.path(), true).await;
    let doc: Value = serde_json::from_str(&json).expect("JSON");
    let splits = doc["regions"][0]["splits"].as_array().expect("splits");
    assert_eq!(splits.len(), 1, "{splits:?}");
    assert_eq!(splits[0]["id"], "reports:live");
    assert_eq!(splits[0]["source"], "alias", "{splits:?}");
    assert_eq!(splits[0]["function"], "reports", "{splits:?}");
    assert_eq!(splits[0]["weights"]["primary_version"], "1");
    assert_eq!(splits[0]["weights"]["additional"][0][0], "2");
    assert_eq!(splits[0]["weights"]["additional"][0][1], 0.25);
    assert!(splits[0]["first_seen"].is_string());

    let (_, text) = snapshot(&endpoint, home.path(), false).await;
    assert_says(
        &text,
        &[
            "Aliases split outside any deployment",
            "scanned every function's aliases",
            "reports:live",
            "v1 75% · v2 25%",
            "cannot know when it was split",
        ],
    );
    sandbox.shutdown().await;
}
