//! What the simulation publishes: per-version AWS/Lambda metrics (read back over CBOR by the
//! Rust SDK), alarm states, function logs in Lambda's stream naming, and hook log lines.

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, StateValue};
use aws_smithy_types::DateTime;

use crate::support::sdk::{codedeploy, deployments_of, sdk, start};

fn query(
    id: &str,
    function: &str,
    metric: &str,
    version: Option<&str>,
    stat: &str,
    period: i32,
) -> MetricDataQuery {
    let mut dims = vec![
        Dimension::builder()
            .name("FunctionName")
            .value(function)
            .build(),
        Dimension::builder()
            .name("Resource")
            .value(format!("{function}:live"))
            .build(),
    ];
    if let Some(v) = version {
        dims.push(
            Dimension::builder()
                .name("ExecutedVersion")
                .value(v)
                .build(),
        );
    }
    let metric = Metric::builder()
        .namespace("AWS/Lambda")
        .metric_name(metric)
        .set_dimensions(Some(dims))
        .build();
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(period)
                .stat(stat)
                .build(),
        )
        .build()
}

fn total(values: &[f64]) -> f64 {
    values.iter().sum()
}

#[tokio::test]
async fn per_version_metrics_follow_the_alias_weights() {
    let sandbox = start("failing-canary").await;
    let base = sandbox.now();
    sandbox.advance(5.0 * 60.0);
    let cw = aws_sdk_cloudwatch::Client::new(&sdk(&sandbox).await);
    let now = base + 120.0; // the alarm stops the canary in minute 3
    let out = cw
        .get_metric_data()
        .metric_data_queries(query("v1", "checkout", "Invocations", Some("1"), "Sum", 60))
        .metric_data_queries(query("v2", "checkout", "Invocations", Some("2"), "Sum", 60))
        .metric_data_queries(query("all", "checkout", "Invocations", None, "Sum", 60))
        .metric_data_queries(query("e2", "checkout", "Errors", Some("2"), "Sum", 60))
        .start_time(DateTime::from_secs_f64(base))
        .end_time(DateTime::from_secs_f64(now))
        .send()
        .await
        .unwrap();
    let results = out.metric_data_results();
    let values = |id: &str| {
        results
            .iter()
            .find(|r| r.id() == Some(id))
            .map(|r| r.values().to_vec())
            .unwrap_or_default()
    };
    let (v1, v2, all) = (
        total(&values("v1")),
        total(&values("v2")),
        total(&values("all")),
    );
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
        total(&values("e2")) < 0.05 * v2,
        "version 2 is healthy for its first 2 minutes"
    );
    let later = cw
        .get_metric_data()
        .metric_data_queries(query("v2", "checkout", "Invocations", Some("2"), "Sum", 60))
        .metric_data_queries(query("e2", "checkout", "Errors", Some("2"), "Sum", 60))
        .start_time(DateTime::from_secs_f64(base + 120.0))
        .end_time(DateTime::from_secs_f64(base + 180.0))
        .send()
        .await
        .unwrap();
    let sum = |id: &str| {
        later
            .metric_data_results()
            .iter()
            .find(|r| r.id() == Some(id))
            .map_or(0.0, |r| total(r.values()))
    };
    assert!(
        sum("e2") > 0.15 * sum("v2"),
        "then its errors climb: {} of {}",
        sum("e2"),
        sum("v2")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn slow_canary_doubles_only_the_new_versions_p99() {
    let sandbox = start("slow-canary").await;
    let base = sandbox.now();
    sandbox.advance(12.0 * 60.0);
    let cw = aws_sdk_cloudwatch::Client::new(&sdk(&sandbox).await);
    // One 5-minute bucket, aligned as CloudWatch aligns periods, after the change (minute 1)
    // and before the canary's full shift (minute 15).
    let from = ((base + 60.0) / 300.0).ceil() * 300.0;
    let now = from + 300.0;
    let out = cw
        .get_metric_data()
        .metric_data_queries(query(
            "p1",
            "profile-api",
            "Duration",
            Some("1"),
            "p99",
            300,
        ))
        .metric_data_queries(query(
            "p2",
            "profile-api",
            "Duration",
            Some("2"),
            "p99",
            300,
        ))
        .metric_data_queries(query(
            "m1",
            "profile-api",
            "Duration",
            Some("1"),
            "p50",
            300,
        ))
        .metric_data_queries(query(
            "m2",
            "profile-api",
            "Duration",
            Some("2"),
            "p50",
            300,
        ))
        .start_time(DateTime::from_secs_f64(from))
        .end_time(DateTime::from_secs_f64(now))
        .send()
        .await
        .unwrap();
    let results = out.metric_data_results();
    let first = |id: &str| {
        results
            .iter()
            .find(|r| r.id() == Some(id))
            .and_then(|r| r.values().first().copied())
            .unwrap_or(f64::NAN)
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
    let alarms = cw
        .describe_alarms()
        .alarm_names("profile-api-live-errors")
        .send()
        .await
        .unwrap();
    assert_ne!(
        alarms.metric_alarms()[0].state_value(),
        Some(&StateValue::Alarm),
        "no alarm watches latency"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn function_and_hook_logs_are_where_lambda_puts_them() {
    let sandbox = start("hook-failure").await;
    sandbox.advance(120.0);
    let cd = codedeploy(&sandbox).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk(&sandbox).await);
    let id = deployments_of(&cd, "backoffice", "billing-live").await[0]
        .deployment_id()
        .unwrap()
        .to_owned();
    let found = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/CodeDeployHook_billing_preTraffic")
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
    let function = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/billing")
        .send()
        .await
        .unwrap();
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
    let cw = aws_sdk_cloudwatch::Client::new(&sdk(&sandbox).await);
    let alarms = cw
        .describe_alarms()
        .alarm_names("checkout-live-errors")
        .send()
        .await
        .unwrap();
    assert_eq!(
        alarms.metric_alarms()[0].state_value(),
        Some(&StateValue::Alarm)
    );
    sandbox.advance(5.0 * 60.0);
    let alarms = cw
        .describe_alarms()
        .alarm_names("checkout-live-errors")
        .send()
        .await
        .unwrap();
    assert_eq!(
        alarms.metric_alarms()[0].state_value(),
        Some(&StateValue::Ok),
        "back to OK once the rollback removed the failing version"
    );
    let history = cw
        .describe_alarm_history()
        .alarm_name("checkout-live-errors")
        .send()
        .await
        .unwrap();
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
