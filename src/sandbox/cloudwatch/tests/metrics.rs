//! Metric store and `GetMetricData` tests: statistics, dimension-set exactness, retention,
//! period roll-up, metric math, validation and pagination, `PutMetricData` and `ListMetrics`.

use serde_json::{Value, json};

use super::{T0, json, metric_query, point, record, series};
use crate::sandbox::cloudwatch::CloudWatch;

const F: [(&str, &str); 1] = [("FunctionName", "f")];

fn gmd(cw: &mut CloudWatch, queries: &[Value], start: f64, end: f64) -> Value {
    let body = json!({"MetricDataQueries": queries, "StartTime": start, "EndTime": end});
    let (status, reply) = json(cw, "GetMetricData", &body, end);
    assert_eq!(status, 200, "{reply}");
    reply
}

fn one(cw: &mut CloudWatch, metric: &str, dims: &[(&str, &str)], stat: &str) -> Vec<f64> {
    let reply = gmd(
        cw,
        &[metric_query("m", metric, dims, stat, 60)],
        T0,
        T0 + 60.0,
    );
    series(&reply, "m").1
}

#[test]
fn statistics_over_recorded_observations() {
    let mut cw = CloudWatch::new(86_400);
    let samples: Vec<f64> = (1..=100).map(f64::from).collect();
    record(&mut cw, "Duration", &F, T0 + 1.0, &samples[..40]);
    record(&mut cw, "Duration", &F, T0 + 30.0, &samples[40..]);
    assert_eq!(one(&mut cw, "Duration", &F, "Sum"), vec![5050.0]);
    assert_eq!(one(&mut cw, "Duration", &F, "Average"), vec![50.5]);
    assert_eq!(one(&mut cw, "Duration", &F, "Minimum"), vec![1.0]);
    assert_eq!(one(&mut cw, "Duration", &F, "Maximum"), vec![100.0]);
    assert_eq!(one(&mut cw, "Duration", &F, "SampleCount"), vec![100.0]);
    assert_eq!(one(&mut cw, "Duration", &F, "p50"), vec![50.0]);
    assert_eq!(one(&mut cw, "Duration", &F, "p99"), vec![99.0]);
    assert_eq!(one(&mut cw, "Duration", &F, "p99.9"), vec![100.0]);
}

#[test]
fn percentiles_stay_close_past_the_sample_cap() {
    let mut cw = CloudWatch::new(86_400);
    let samples: Vec<f64> = (1..=10_000).map(f64::from).collect();
    record(&mut cw, "Duration", &F, T0, &samples);
    let p99 = one(&mut cw, "Duration", &F, "p99")[0];
    assert!((9_800.0..=10_000.0).contains(&p99), "p99 estimate {p99}");
    assert_eq!(
        one(&mut cw, "Duration", &F, "SampleCount"),
        vec![10_000.0],
        "counts stay exact"
    );
}

#[test]
fn dimension_sets_must_match_exactly() {
    let mut cw = CloudWatch::new(86_400);
    let full = [
        ("FunctionName", "f"),
        ("Resource", "f:live"),
        ("ExecutedVersion", "2"),
    ];
    point(&mut cw, "Errors", &full, T0, 4.0);
    assert_eq!(
        one(
            &mut cw,
            "Errors",
            &[("FunctionName", "f"), ("ExecutedVersion", "2")],
            "Sum"
        ),
        Vec::<f64>::new()
    );
    assert_eq!(one(&mut cw, "Errors", &F, "Sum"), Vec::<f64>::new());
    let reordered = [
        ("ExecutedVersion", "2"),
        ("Resource", "f:live"),
        ("FunctionName", "f"),
    ];
    assert_eq!(
        one(&mut cw, "Errors", &reordered, "Sum"),
        vec![4.0],
        "dimension order does not matter"
    );
}

#[test]
fn retention_prunes_old_points() {
    let mut cw = CloudWatch::new(3600);
    for minute in 0..300 {
        point(
            &mut cw,
            "Invocations",
            &F,
            T0 + f64::from(minute) * 60.0,
            1.0,
        );
    }
    assert_eq!(
        cw.metric_point_count(),
        61,
        "one hour of minutes kept (inclusive)"
    );
    cw.evaluate_alarms(T0 + 86_400.0);
    assert_eq!(cw.metric_point_count(), 0);
}

#[test]
fn periods_roll_up_and_start_is_inclusive_end_exclusive() {
    let mut cw = CloudWatch::new(86_400);
    for minute in 0..10 {
        point(
            &mut cw,
            "Invocations",
            &F,
            T0 + f64::from(minute) * 60.0,
            1.0,
        );
    }
    let q = vec![metric_query("m", "Invocations", &F, "Sum", 300)];
    let reply = gmd(&mut cw, &q, T0 + 20.0, T0 + 540.0);
    assert_eq!(
        series(&reply, "m"),
        (vec![T0 + 300.0, T0], vec![4.0, 5.0]),
        "StartTime aligned down, EndTime exclusive"
    );
}

#[test]
fn metric_math_error_rate_if_fill_and_division_by_zero() {
    let mut cw = CloudWatch::new(86_400);
    // Minute 0: 10 invocations, 1 error. Minute 1: no data at all. Minute 2: 0 invocations.
    point(&mut cw, "Invocations", &F, T0, 10.0);
    point(&mut cw, "Errors", &F, T0, 1.0);
    point(&mut cw, "Invocations", &F, T0 + 120.0, 0.0);
    point(&mut cw, "Errors", &F, T0 + 120.0, 0.0);
    let mut queries = vec![
        metric_query("err", "Errors", &F, "Sum", 60),
        metric_query("inv", "Invocations", &F, "Sum", 60),
    ];
    for q in &mut queries {
        q["ReturnData"] = json!(false);
    }
    queries.push(json!({"Id": "rate", "Expression": "100 * err / inv", "Label": "Error rate"}));
    queries.push(json!({"Id": "safe", "Expression": "IF(inv > 0, 100*err/inv, 0)"}));
    queries.push(json!({"Id": "filled", "Expression": "FILL(err, 0)"}));
    queries.push(json!({"Id": "sum", "Expression": "err + inv"}));
    let reply = gmd(&mut cw, &queries, T0, T0 + 180.0);
    let ids: Vec<&str> = reply["MetricDataResults"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["Id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        ["rate", "safe", "filled", "sum"],
        "ReturnData=false hides err and inv"
    );
    assert_eq!(reply["MetricDataResults"][0]["Label"], "Error rate");
    assert_eq!(
        series(&reply, "rate"),
        (vec![T0], vec![10.0]),
        "0/0 point dropped"
    );
    assert_eq!(
        series(&reply, "safe"),
        (vec![T0 + 120.0, T0], vec![0.0, 10.0])
    );
    assert_eq!(
        series(&reply, "filled"),
        (vec![T0 + 120.0, T0 + 60.0, T0], vec![0.0, 0.0, 1.0])
    );
    assert_eq!(
        series(&reply, "sum"),
        (vec![T0 + 120.0, T0], vec![0.0, 11.0])
    );
}

#[test]
fn missing_points_count_as_zero_between_series() {
    let mut cw = CloudWatch::new(86_400);
    point(&mut cw, "Invocations", &F, T0, 5.0);
    point(&mut cw, "Errors", &F, T0 + 60.0, 2.0);
    let queries = vec![
        metric_query("a", "Invocations", &F, "Sum", 60),
        metric_query("b", "Errors", &F, "Sum", 60),
        json!({"Id": "d", "Expression": "a - b"}),
    ];
    let reply = gmd(&mut cw, &queries, T0, T0 + 120.0);
    assert_eq!(series(&reply, "d"), (vec![T0 + 60.0, T0], vec![-2.0, 5.0]));
}

#[test]
fn query_validation() {
    let mut cw = CloudWatch::new(86_400);
    let bad = |cw: &mut CloudWatch, queries: Value| {
        let (status, reply) = json(
            cw,
            "GetMetricData",
            &json!({"MetricDataQueries": queries, "StartTime": T0, "EndTime": T0 + 60.0}),
            T0,
        );
        (status, reply["__type"].as_str().unwrap_or("").to_owned())
    };
    let upper = json!([metric_query("M1", "Errors", &F, "Sum", 60)]);
    assert_eq!(
        bad(&mut cw, upper),
        (
            400,
            "com.amazonaws.cloudwatch#ValidationException".to_owned()
        )
    );
    let many: Vec<Value> = (0..501)
        .map(|i| metric_query(&format!("m{i}"), "Errors", &F, "Sum", 60))
        .collect();
    assert_eq!(bad(&mut cw, json!(many)).0, 400);
    assert_eq!(
        bad(&mut cw, json!([{"Id": "e", "Expression": "m1 +"}])).0,
        400
    );
    assert_eq!(
        bad(&mut cw, json!([{"Id": "e", "Expression": "nope * 2"}])).0,
        400
    );
    assert_eq!(
        bad(
            &mut cw,
            json!([{"Id": "a", "Expression": "b"}, {"Id": "b", "Expression": "a"}])
        )
        .0,
        400,
        "cycle"
    );
    assert_eq!(
        bad(
            &mut cw,
            json!([metric_query("m", "Errors", &F, "p101", 60)])
        )
        .0,
        400
    );
    assert_eq!(
        bad(&mut cw, json!([metric_query("m", "Errors", &F, "Sum", 61)])).0,
        400
    );
    let max_ok: Vec<Value> = (0..500)
        .map(|i| metric_query(&format!("m{i}"), "Errors", &F, "Sum", 60))
        .collect();
    assert_eq!(bad(&mut cw, json!(max_ok)).0, 200);
}

#[test]
fn max_datapoints_paginates_with_next_token() {
    let mut cw = CloudWatch::new(86_400);
    for minute in 0..5 {
        point(
            &mut cw,
            "Invocations",
            &F,
            T0 + f64::from(minute) * 60.0,
            f64::from(minute),
        );
    }
    let mut body = json!({"MetricDataQueries": [metric_query("m", "Invocations", &F, "Sum", 60)], "StartTime": T0, "EndTime": T0 + 300.0, "MaxDatapoints": 2});
    let mut values = Vec::new();
    let mut pages = 0;
    loop {
        let (status, reply) = json(&mut cw, "GetMetricData", &body, T0 + 300.0);
        assert_eq!(status, 200);
        pages += 1;
        values.extend(series(&reply, "m").1);
        match reply.get("NextToken") {
            Some(t) => {
                assert_eq!(reply["MetricDataResults"][0]["StatusCode"], "PartialData");
                body["NextToken"] = t.clone();
            }
            None => break,
        }
    }
    assert_eq!((pages, values), (3, vec![4.0, 3.0, 2.0, 1.0, 0.0]));
    body["NextToken"] = json!("garbage");
    let (status, reply) = json(&mut cw, "GetMetricData", &body, T0);
    assert_eq!(
        (status, reply["__type"].as_str()),
        (400, Some("com.amazonaws.cloudwatch#InvalidNextToken"))
    );
}

#[test]
fn put_metric_data_then_list_and_query() {
    let mut cw = CloudWatch::new(86_400);
    let body = json!({"Namespace": "Custom/App", "MetricData": [
        {"MetricName": "Latency", "Dimensions": [{"Name": "Api", "Value": "get"}], "Timestamp": T0, "Values": [10, 20], "Counts": [1, 3]},
        {"MetricName": "Latency", "Dimensions": [{"Name": "Api", "Value": "get"}], "Timestamp": T0 + 1.0, "StatisticValues": {"SampleCount": 2, "Sum": 6, "Minimum": 1, "Maximum": 5}},
        {"MetricName": "Hits", "Value": 1.5, "Timestamp": T0},
    ]});
    assert_eq!(json(&mut cw, "PutMetricData", &body, T0).0, 200);
    let q = json!({"Id": "l", "MetricStat": {"Metric": {"Namespace": "Custom/App", "MetricName": "Latency", "Dimensions": [{"Name": "Api", "Value": "get"}]}, "Period": 60, "Stat": "Sum"}});
    let reply = gmd(&mut cw, std::slice::from_ref(&q), T0, T0 + 60.0);
    assert_eq!(series(&reply, "l").1, vec![76.0]);
    let mut q_min = q;
    q_min["MetricStat"]["Stat"] = json!("Minimum");
    assert_eq!(
        series(&gmd(&mut cw, &[q_min], T0, T0 + 60.0), "l").1,
        vec![1.0]
    );
    let (status, list) = json(
        &mut cw,
        "ListMetrics",
        &json!({"Namespace": "Custom/App", "Dimensions": [{"Name": "Api"}]}),
        T0,
    );
    assert_eq!(status, 200);
    assert_eq!(
        list["Metrics"],
        json!([{"Namespace": "Custom/App", "MetricName": "Latency", "Dimensions": [{"Name": "Api", "Value": "get"}]}])
    );
    let both = json!({"Namespace": "Custom/App", "MetricData": [{"MetricName": "X", "Value": 1, "Values": [1]}]});
    let (status, err) = json(&mut cw, "PutMetricData", &both, T0);
    assert_eq!(
        (status, err["__type"].as_str()),
        (
            400,
            Some("com.amazonaws.cloudwatch#InvalidParameterCombinationException")
        )
    );
}

#[test]
fn rollwatch_error_rate_expression() {
    let mut cw = CloudWatch::new(86_400);
    let dims = [
        ("FunctionName", "f"),
        ("Resource", "f:live"),
        ("ExecutedVersion", "2"),
    ];
    point(&mut cw, "Invocations", &dims, T0, 50.0);
    point(&mut cw, "Errors", &dims, T0, 5.0);
    point(&mut cw, "Invocations", &dims, T0 + 60.0, 40.0);
    point(&mut cw, "Invocations", &dims, T0 + 120.0, 0.0);
    let queries = vec![
        metric_query("r0v1_inv", "Invocations", &dims, "Sum", 60),
        metric_query("r0v1_err", "Errors", &dims, "Sum", 60),
        json!({"Id": "r0v1_rate", "Expression": "IF(r0v1_inv > 0, 100 * FILL(r0v1_err, 0) / r0v1_inv, 0)", "Label": "f v2 error rate %"}),
    ];
    let reply = gmd(&mut cw, &queries, T0, T0 + 180.0);
    assert_eq!(
        series(&reply, "r0v1_rate"),
        (vec![T0 + 120.0, T0 + 60.0, T0], vec![0.0, 0.0, 10.0])
    );
    assert_eq!(reply["MetricDataResults"][2]["Label"], "f v2 error rate %");
}
