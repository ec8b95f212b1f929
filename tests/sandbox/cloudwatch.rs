//! The simulated `CloudWatch` (Smithy RPC v2 CBOR) and `CloudWatch` Logs (`awsJson1.1`) through
//! the real Rust SDK clients over HTTP: every reply must decode in the SDK, with the values a user
//! would see. Scenario `failing-canary`, clock frozen (speed 0) and advanced by hand.

use aws_sdk_cloudwatch::operation::set_alarm_state::SetAlarmStateError;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, HistoryItemType, Metric, MetricDataQuery,
    MetricDatum, ScanBy, StateValue, StatisticSet,
};
use aws_smithy_types::DateTime;

use crate::support::sdk::{cloudwatch, logs, service_error, start, stat_query};

fn dim(name: &str, value: &str) -> Dimension {
    Dimension::builder().name(name).value(value).build()
}

fn metric(namespace: &str, name: &str, dims: Vec<Dimension>) -> Metric {
    Metric::builder()
        .namespace(namespace)
        .metric_name(name)
        .set_dimensions(Some(dims))
        .build()
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "each kind of query the SDK decodes, on the same minutes of data"
)]
async fn metrics_and_math_decode_in_the_rust_sdk() {
    let sandbox = start("failing-canary").await;
    let cw = cloudwatch(&sandbox).await;
    let minute = (sandbox.now() / 60.0).floor() * 60.0 - 300.0;
    let api = vec![dim("Api", "get")];
    cw.put_metric_data()
        .namespace("Custom/App")
        .metric_data(
            MetricDatum::builder()
                .metric_name("Hits")
                .set_dimensions(Some(api.clone()))
                .timestamp(DateTime::from_secs(minute as i64))
                .value(2.0)
                .build(),
        )
        .metric_data(
            MetricDatum::builder()
                .metric_name("Hits")
                .set_dimensions(Some(api.clone()))
                .timestamp(DateTime::from_secs(minute as i64 + 60))
                .statistic_values(
                    StatisticSet::builder()
                        .sample_count(2.0)
                        .sum(6.0)
                        .minimum(1.0)
                        .maximum(5.0)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = cw
        .get_metric_data()
        .metric_data_queries(stat_query(
            "hits",
            metric("Custom/App", "Hits", api.clone()),
            "Sum",
            60,
        ))
        .metric_data_queries(
            MetricDataQuery::builder()
                .id("double")
                .expression("hits * 2")
                .label("twice")
                .build(),
        )
        .start_time(DateTime::from_secs(minute as i64))
        .end_time(DateTime::from_secs(minute as i64 + 120))
        .send()
        .await
        .unwrap();
    let results = out.metric_data_results();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].values(), &[6.0, 2.0]);
    assert_eq!(
        results[0].timestamps(),
        &[
            DateTime::from_secs(minute as i64 + 60),
            DateTime::from_secs(minute as i64)
        ]
    );
    assert_eq!(results[1].label(), Some("twice"));
    assert_eq!(results[1].values(), &[12.0, 4.0]);
    assert_eq!(
        results[0]
            .status_code()
            .map(aws_sdk_cloudwatch::types::StatusCode::as_str),
        Some("Complete")
    );

    // The scenario's own Lambda metrics, paginated 7 datapoints at a time.
    let now = sandbox.now();
    let invocations = metric(
        "AWS/Lambda",
        "Invocations",
        vec![dim("FunctionName", "checkout")],
    );
    let inv = stat_query("inv", invocations, "Sum", 60);
    let pages: Vec<_> = cw
        .get_metric_data()
        .metric_data_queries(inv)
        .start_time(DateTime::from_secs(now as i64 - 1800))
        .end_time(DateTime::from_secs(now as i64))
        .max_datapoints(7)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    let points: usize = pages
        .iter()
        .map(|p| p.metric_data_results()[0].values().len())
        .sum();
    assert!(
        pages.len() >= 2 && points >= 20,
        "{} pages, {points} points",
        pages.len()
    );

    let list = |namespace: &str| cw.list_metrics().namespace(namespace).send();
    let listed = list("Custom/App").await.unwrap();
    assert_eq!(listed.metrics().len(), 1);
    assert_eq!(listed.metrics()[0].dimensions(), api.as_slice());

    // 300 datums: over 10 KB, so the SDK gzips the body (Content-Encoding: gzip).
    let datums: Vec<MetricDatum> = (0..300)
        .map(|i| {
            MetricDatum::builder()
                .metric_name(format!("Bulk{i}"))
                .dimensions(dim("Api", "bulk"))
                .timestamp(DateTime::from_secs(minute as i64))
                .value(f64::from(i))
                .build()
        })
        .collect();
    cw.put_metric_data()
        .namespace("Custom/Bulk")
        .set_metric_data(Some(datums))
        .send()
        .await
        .expect("gzipped PutMetricData");
    let bulk = list("Custom/Bulk").await.expect("ListMetrics");
    assert_eq!(bulk.metrics().len(), 300);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn alarms_and_history_decode_in_the_rust_sdk() {
    let sandbox = start("failing-canary").await;
    let cw = cloudwatch(&sandbox).await;
    cw.put_metric_alarm()
        .alarm_name("catalog-p99")
        .namespace("AWS/Lambda")
        .metric_name("Duration")
        .dimensions(dim("FunctionName", "catalog"))
        .extended_statistic("p99")
        .period(60)
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .threshold(0.5)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    sandbox.advance(180.0);
    let out = cw
        .describe_alarms()
        .alarm_names("catalog-p99")
        .alarm_names("checkout-live-errors")
        .send()
        .await
        .unwrap();
    let alarms = out.metric_alarms();
    assert_eq!(alarms.len(), 2);
    let p99 = &alarms[0];
    assert_eq!(p99.alarm_name(), Some("catalog-p99"));
    assert_eq!(p99.state_value(), Some(&StateValue::Alarm));
    assert_eq!(p99.extended_statistic(), Some("p99"));
    assert_eq!(p99.threshold(), Some(0.5));
    assert_eq!(
        p99.alarm_arn(),
        Some("arn:aws:cloudwatch:us-east-1:123456789012:alarm:catalog-p99")
    );
    assert!(
        p99.state_reason()
            .unwrap()
            .starts_with("Threshold Crossed: 3 out of the last 3 datapoints")
    );
    assert!(p99.state_transitioned_timestamp().is_some());
    assert!(out.composite_alarms().is_empty());

    cw.put_composite_alarm()
        .alarm_name("storefront-any")
        .alarm_rule("ALARM(\"catalog-p99\") OR ALARM(checkout-live-errors)")
        .send()
        .await
        .expect("PutCompositeAlarm");
    let both = cw
        .describe_alarms()
        .alarm_types(AlarmType::MetricAlarm)
        .alarm_types(AlarmType::CompositeAlarm)
        .alarm_name_prefix("storefront")
        .send()
        .await
        .expect("DescribeAlarms");
    let composite = &both.composite_alarms()[0];
    assert_eq!(composite.state_value(), Some(&StateValue::Alarm));
    assert!(
        composite
            .state_reason()
            .unwrap_or("")
            .contains(":alarm:catalog-p99 transitioned to ALARM")
    );
    assert!(composite.state_transitioned_timestamp().is_some());

    let drill = |alarm: &str, state: StateValue| {
        let drill = cw.set_alarm_state().alarm_name(alarm).state_value(state);
        drill.state_reason("drill").send()
    };
    let err = service_error(drill("missing", StateValue::Alarm).await);
    assert!(
        matches!(err, SetAlarmStateError::ResourceNotFound(_)),
        "{err:?}"
    );
    drill("catalog-p99", StateValue::Ok).await.unwrap();
    let history = cw
        .describe_alarm_history()
        .alarm_name("catalog-p99")
        .history_item_type(HistoryItemType::StateUpdate)
        .scan_by(ScanBy::TimestampDescending)
        .send()
        .await
        .unwrap();
    let items = history.alarm_history_items();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(
        items[0].history_summary(),
        Some("Alarm updated from ALARM to OK")
    );
    assert!(
        items[1]
            .history_data()
            .unwrap()
            .contains("\"stateValue\":\"ALARM\"")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn filter_log_events_through_the_rust_sdk() {
    let sandbox = start("failing-canary").await;
    let logs = logs(&sandbox).await;
    let since_ms = (sandbox.now() as i64 - 300) * 1000;
    let pages = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/checkout")
        .start_time(since_ms)
        .filter_pattern("REPORT")
        .limit(4)
        .into_paginator()
        .send();
    let pages: Vec<_> = pages.collect::<Result<Vec<_>, _>>().await.unwrap();
    let events: Vec<_> = pages
        .iter()
        .flat_map(
            aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsOutput::events,
        )
        .collect();
    assert!(
        pages.len() > 1,
        "paginated: {} pages, {} events",
        pages.len(),
        events.len()
    );
    assert!(
        events
            .iter()
            .all(|e| e.message().unwrap().starts_with("REPORT RequestId:"))
    );
    assert!(
        events
            .windows(2)
            .all(|w| w[0].timestamp() <= w[1].timestamp())
    );
    let none = logs.filter_log_events().log_group_name("/aws/lambda/none");
    assert!(service_error(none.send().await).is_resource_not_found_exception());
    sandbox.shutdown().await;
}
