//! What the simulation publishes: per-version AWS/Lambda metrics (read back over CBOR by the
//! Rust SDK), alarm states, function logs in Lambda's stream naming, and hook log lines.

use std::collections::HashMap;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, StateValue};
use aws_smithy_types::DateTime;

use crate::support::sdk::{cloudwatch, codedeploy, deployments_of, logs, start, stat_query};

fn dim(name: &str, value: &str) -> Dimension {
    Dimension::builder().name(name).value(value).build()
}

/// A query of `stat` of `function`'s `metric` through its `live` alias (one version's, when
/// `version` is some).
fn query(
    id: &str,
    function: &str,
    metric: &str,
    version: Option<&str>,
    stat: &str,
    period: i32,
) -> MetricDataQuery {
    let mut dims = vec![
        dim("FunctionName", function),
        dim("Resource", &format!("{function}:live")),
    ];
    dims.extend(version.map(|v| dim("ExecutedVersion", v)));
    let metric = Metric::builder()
        .namespace("AWS/Lambda")
        .metric_name(metric)
        .set_dimensions(Some(dims))
        .build();
    stat_query(id, metric, stat, period)
}

/// `GetMetricData` of `queries` from `from` to `to` (simulated seconds): each query's values,
/// by its id.
async fn metric_data(
    cw: &aws_sdk_cloudwatch::Client,
    queries: Vec<MetricDataQuery>,
    from: f64,
    to: f64,
) -> HashMap<String, Vec<f64>> {
    let out = cw
        .get_metric_data()
        .set_metric_data_queries(Some(queries))
        .start_time(DateTime::from_secs_f64(from))
        .end_time(DateTime::from_secs_f64(to))
        .send()
        .await
        .unwrap();
    let results = out.metric_data_results().iter();
    results
        .map(|r| (r.id().unwrap_or_default().to_owned(), r.values().to_vec()))
        .collect()
}

/// The sum of query `id`'s values (0 when it has none).
fn sum(data: &HashMap<String, Vec<f64>>, id: &str) -> f64 {
    data.get(id).map_or(0.0, |values| values.iter().sum())
}

/// The state of alarm `name`.
async fn alarm_state(cw: &aws_sdk_cloudwatch::Client, name: &str) -> Option<StateValue> {
    let alarms = cw.describe_alarms().alarm_names(name).send().await.unwrap();
    alarms.metric_alarms()[0].state_value().cloned()
}

#[tokio::test]
async fn per_version_metrics_follow_the_alias_weights() {
    let sandbox = start("failing-canary").await;
    let base = sandbox.now();
    sandbox.advance(5.0 * 60.0);
    let cw = cloudwatch(&sandbox).await;
    let now = base + 120.0; // the alarm stops the canary in minute 3
    let invocations =
        |id: &str, version: Option<&str>| query(id, "checkout", "Invocations", version, "Sum", 60);
    let errors_of_2 = query("e2", "checkout", "Errors", Some("2"), "Sum", 60);
    let queries = vec![
        invocations("v1", Some("1")),
        invocations("v2", Some("2")),
        invocations("all", None),
        errors_of_2.clone(),
    ];
    let data = metric_data(&cw, queries, base, now).await;
    let (v1, v2, all) = (sum(&data, "v1"), sum(&data, "v2"), sum(&data, "all"));
    assert!(all > 1000.0, "about 600 rpm over 2 minutes: {all}");
    assert!(
        (v1 + v2 - all).abs() < 1e-6,
        "versions add up to the alias: {v1} + {v2} != {all}"
    );
    let share = v2 / all;
    assert!(
        (0.06..0.14).contains(&share),
        "the canary version gets ~10%: {share}"
    );
    assert!(
        sum(&data, "e2") < 0.05 * v2,
        "version 2 is healthy for its first 2 minutes"
    );
    let queries = vec![invocations("v2", Some("2")), errors_of_2];
    let later = metric_data(&cw, queries, base + 120.0, base + 180.0).await;
    let (v2, e2) = (sum(&later, "v2"), sum(&later, "e2"));
    assert!(e2 > 0.15 * v2, "then its errors climb: {e2} of {v2}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn slow_canary_doubles_only_the_new_versions_p99() {
    let sandbox = start("slow-canary").await;
    // One 5-minute bucket, aligned as CloudWatch aligns periods, after the change (minute 1)
    // and before the canary's full shift (minute 15).
    let from = ((sandbox.now() + 60.0) / 300.0).ceil() * 300.0;
    sandbox.advance(12.0 * 60.0);
    let cw = cloudwatch(&sandbox).await;
    let duration = |id: &str, version: &str, stat: &str| {
        query(id, "profile-api", "Duration", Some(version), stat, 300)
    };
    let queries = vec![
        duration("p1", "1", "p99"),
        duration("p2", "2", "p99"),
        duration("m1", "1", "p50"),
        duration("m2", "2", "p50"),
    ];
    let data = metric_data(&cw, queries, from, from + 300.0).await;
    let first = |id: &str| {
        let values = data.get(id).and_then(|v| v.first());
        values.copied().unwrap_or(f64::NAN)
    };
    let (p1, p2, m1, m2) = (first("p1"), first("p2"), first("m1"), first("m2"));
    assert!(
        p2 > 1.4 * p1,
        "p99 of version 2 ({p2}) about doubles version 1's ({p1})"
    );
    assert!(
        (m2 / m1 - 1.0).abs() < 0.25,
        "p50 stays the same: {m1} vs {m2}"
    );
    assert_ne!(
        alarm_state(&cw, "profile-api-live-errors").await,
        Some(StateValue::Alarm),
        "no alarm watches latency"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn function_and_hook_logs_are_where_lambda_puts_them() {
    let sandbox = start("hook-failure").await;
    sandbox.advance(120.0);
    let billing = deployments_of(&codedeploy(&sandbox).await, "backoffice", "billing-live").await;
    let id = billing[0].deployment_id().unwrap().to_owned();
    let logs = logs(&sandbox).await;
    let group = |name: &str| logs.filter_log_events().log_group_name(name);
    let hook = group("/aws/lambda/CodeDeployHook_billing_preTraffic");
    let found = hook
        .filter_pattern(format!("\"{id}\""))
        .send()
        .await
        .unwrap();
    let line = found
        .events()
        .iter()
        .filter_map(|e| e.message())
        .find(|m| m.contains(&id))
        .expect("the hook logged its event");
    let json = line.split('\t').next_back().unwrap().trim();
    let event: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(event["DeploymentId"], id.as_str());
    assert!(
        event["LifecycleEventHookExecutionId"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let function = group("/aws/lambda/billing").send().await.unwrap();
    let streams: Vec<&str> = function
        .events()
        .iter()
        .filter_map(|e| e.log_stream_name())
        .collect();
    assert!(!streams.is_empty());
    let pattern = regex_like_stream;
    assert!(
        streams.iter().all(|s| pattern(s)),
        "streams are YYYY/MM/DD/[version]id: {streams:?}"
    );
    assert!(
        function
            .events()
            .iter()
            .filter_map(|e| e.message())
            .any(|m| m.starts_with("REPORT RequestId: "))
    );
    sandbox.shutdown().await;
}

/// `YYYY/MM/DD/[<version>]<32 hex>`.
fn regex_like_stream(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(4, '/').collect();
    let [y, m, d, rest] = parts.as_slice() else {
        return false;
    };
    let digits = |t: &str, n: usize| t.len() == n && t.chars().all(|c| c.is_ascii_digit());
    let Some((version, guid)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) else {
        return false;
    };
    digits(y, 4)
        && digits(m, 2)
        && digits(d, 2)
        && (version == "$LATEST" || version.parse::<u32>().is_ok())
        && guid.len() == 32
}

#[tokio::test]
async fn the_group_alarm_fires_then_recovers_after_the_rollback() {
    let sandbox = start("failing-canary").await;
    sandbox.advance(3.0 * 60.0 + 10.0);
    let cw = cloudwatch(&sandbox).await;
    let state = || alarm_state(&cw, "checkout-live-errors");
    assert_eq!(state().await, Some(StateValue::Alarm));
    sandbox.advance(5.0 * 60.0);
    assert_eq!(
        state().await,
        Some(StateValue::Ok),
        "back to OK once the rollback removed the failing version"
    );
    let history = cw
        .describe_alarm_history()
        .alarm_name("checkout-live-errors")
        .send()
        .await
        .expect("DescribeAlarmHistory");
    let summaries: Vec<&str> = history
        .alarm_history_items()
        .iter()
        .filter_map(|h| h.history_summary())
        .collect();
    assert!(
        summaries.iter().any(|s| s.contains("to ALARM")),
        "{summaries:?}"
    );
    sandbox.shutdown().await;
}
