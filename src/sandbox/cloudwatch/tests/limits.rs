//! The limits that keep one request from knocking the sandbox over: `GetMetricData`'s query
//! count and expression references (cycles, depth; deep nesting never overflows the stack),
//! `PutMetricData`'s item, value, dimension and count limits (a huge count is a weight, not an
//! allocation), and offset page tokens that cannot overflow.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{T0, header, json, point};
use crate::sandbox::cloudwatch::metric_api::MAX_COUNT;
use crate::sandbox::cloudwatch::query::MAX_REFERENCE_DEPTH;
use crate::sandbox::cloudwatch::store::{Agg, Stat};
use crate::sandbox::cloudwatch::{CloudWatch, Codec, math};

fn gmd(queries: &[Value]) -> Value {
    json!({"MetricDataQueries": queries, "StartTime": T0 - 600.0, "EndTime": T0})
}

fn stat(id: &str) -> Value {
    super::metric_query(id, "Errors", &[("FunctionName", "f")], "Sum", 60)
}

fn expr(id: &str, expression: &str, returned: bool) -> Value {
    json!({"Id": id, "Expression": expression, "ReturnData": returned})
}

/// `e1 = m1 + 1`, `e2 = e1 + 1`, ... `eN`: a chain `n` expressions deep.
fn chain(n: usize) -> Vec<Value> {
    let mut queries = vec![stat("m1")];
    queries[0]["ReturnData"] = json!(false);
    for i in 1..=n {
        let prev = if i == 1 {
            "m1".to_owned()
        } else {
            format!("e{}", i - 1)
        };
        queries.push(expr(&format!("e{i}"), &format!("{prev} + 1"), i == n));
    }
    queries
}

fn validation_error(cw: &mut CloudWatch, body: &Value) -> String {
    let r = cw.handle(
        "GetMetricData",
        Codec::Json,
        body.to_string().as_bytes(),
        T0,
    );
    assert_eq!(
        (r.status, header(&r, "x-amzn-query-error")),
        (400, Some("ValidationError;Sender")),
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let parsed: Value = serde_json::from_slice(&r.body).expect("JSON error");
    parsed["message"].as_str().unwrap_or_default().to_owned()
}

fn filled() -> CloudWatch {
    let mut cw = CloudWatch::new(86_400);
    for k in 1..10 {
        point(
            &mut cw,
            "Errors",
            &[("FunctionName", "f")],
            T0 - 60.0 * f64::from(k),
            1.0,
        );
    }
    cw
}

#[test]
fn a_reference_chain_within_the_bound_is_evaluated() {
    let mut cw = filled();
    let (status, reply) = json(
        &mut cw,
        "GetMetricData",
        &gmd(&chain(MAX_REFERENCE_DEPTH)),
        T0,
    );
    assert_eq!(status, 200, "{reply}");
    let (_, values) = super::series(&reply, &format!("e{MAX_REFERENCE_DEPTH}"));
    assert!(!values.is_empty());
    assert!(
        values
            .iter()
            .all(|v| (*v - (1.0 + MAX_REFERENCE_DEPTH as f64)).abs() < 1e-9),
        "{values:?}"
    );
}

#[test]
fn deep_chains_cycles_and_self_references_are_validation_errors() {
    let mut cw = filled();
    let message = validation_error(&mut cw, &gmd(&chain(MAX_REFERENCE_DEPTH + 1)));
    assert!(message.contains("levels deep"), "{message}");
    // 500 queries (the most a request may hold), 499 of them one chain.
    let message = validation_error(&mut cw, &gmd(&chain(499)));
    assert!(message.contains("levels deep"), "{message}");
    // 2,000 queries: over the 500-query limit, refused before anything is parsed.
    let message = validation_error(&mut cw, &gmd(&chain(2000)));
    assert!(message.contains("less than or equal to 500"), "{message}");
    let cycle = gmd(&[
        stat("m1"),
        expr("a", "b + m1", true),
        expr("b", "c * 2", false),
        expr("c", "a - 1", false),
    ]);
    let message = validation_error(&mut cw, &cycle);
    assert!(message.contains("circular reference"), "{message}");
    assert!(message.contains("a -> b -> c -> a"), "{message}");
    let selfish = gmd(&[stat("m1"), expr("e1", "e1 + m1", true)]);
    let message = validation_error(&mut cw, &selfish);
    assert!(message.contains("e1 -> e1"), "{message}");
    // A cycle among expressions nobody returns is refused all the same.
    let hidden = gmd(&[stat("m1"), expr("x", "y", false), expr("y", "x", false)]);
    validation_error(&mut cw, &hidden);
    // ... and the store still answers afterwards.
    let (status, _) = json(&mut cw, "GetMetricData", &gmd(&chain(3)), T0);
    assert_eq!(status, 200);
}

#[test]
fn long_operator_runs_fold_without_recursion_and_deep_nesting_is_refused() {
    let mut cw = filled();
    // 681 additions in one expression (2,045 characters): one chain, folded in a loop.
    let long = format!("m1{}", " +1".repeat(681));
    assert!(long.len() <= 2048);
    let (status, reply) = json(
        &mut cw,
        "GetMetricData",
        &gmd(&[stat("m1"), expr("e", &long, true)]),
        T0,
    );
    assert_eq!(status, 200, "{reply}");
    let (_, values) = super::series(&reply, "e");
    assert!(
        values.iter().all(|v| (*v - 682.0).abs() < 1e-9),
        "{values:?}"
    );
    for deep in [
        format!("{}1{}", "(".repeat(1000), ")".repeat(1000)),
        format!("{}1", "-".repeat(2000)),
        format!("{}1{}", "ABS(".repeat(400), ")".repeat(400)),
    ] {
        let message = validation_error(&mut cw, &gmd(&[stat("m1"), expr("e", &deep, true)]));
        assert!(message.contains("nested too deeply"), "{message}");
    }
}

/// The worst expressions the parser accepts, on a thread with a small stack: parsing,
/// evaluating and dropping them must fit.
#[test]
fn the_deepest_accepted_expressions_fit_a_small_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let mut cw = filled();
            let nest = math::MAX_NESTING;
            let mut queries = vec![stat("m1")];
            // Every nesting level opens all six precedence levels before the next parenthesis.
            let level = "m1||m1&&m1>m1+m1*m1^(";
            let worst = format!("{}m1{}", level.repeat(nest - 1), ")".repeat(nest - 1));
            assert!(math::parse(&worst).is_ok());
            queries.push(expr("w", &worst, true));
            let minus = format!("{}m1", "-".repeat(nest - 1));
            queries.push(expr("n", &minus, true));
            let mut chained = chain(MAX_REFERENCE_DEPTH);
            chained.remove(0);
            queries.extend(chained);
            let body = gmd(&queries);
            let r = cw.handle(
                "GetMetricData",
                Codec::Json,
                body.to_string().as_bytes(),
                T0,
            );
            (r.status, String::from_utf8_lossy(&r.body).into_owned())
        })
        .expect("thread");
    let (status, body) = worker.join().expect("no stack overflow");
    assert_eq!(status, 200, "{body}");
}

fn put(cw: &mut CloudWatch, datum: &Value) -> (u16, String) {
    let body = json!({"Namespace": "Custom/App", "MetricData": [datum]});
    let (status, reply) = json(cw, "PutMetricData", &body, T0);
    (
        status,
        reply["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn put_metric_data_enforces_the_documented_limits() {
    let mut cw = CloudWatch::new(86_400);
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"MetricName": format!("M{i}"), "Value": 1}))
        .collect();
    let (status, reply) = json(
        &mut cw,
        "PutMetricData",
        &json!({"Namespace": "Custom/App", "MetricData": many}),
        T0,
    );
    assert_eq!(status, 400);
    assert_eq!(
        reply["message"],
        "The collection MetricData must not have a size greater than 1000."
    );
    let values: Vec<f64> = (0..151).map(f64::from).collect();
    let (status, message) = put(&mut cw, &json!({"MetricName": "X", "Values": values}));
    assert_eq!(status, 400);
    assert!(
        message.contains("Values must not have a size greater than 150"),
        "{message}"
    );
    let dims: Vec<Value> = (0..31)
        .map(|i| json!({"Name": format!("D{i}"), "Value": "v"}))
        .collect();
    let (status, message) = put(
        &mut cw,
        &json!({"MetricName": "X", "Value": 1, "Dimensions": dims}),
    );
    assert_eq!(status, 400);
    assert!(
        message.contains("Dimensions must not have a size greater than 30"),
        "{message}"
    );
    for counts in [json!([0]), json!([-1]), json!([MAX_COUNT * 2.0])] {
        let (status, message) = put(
            &mut cw,
            &json!({"MetricName": "X", "Values": [1], "Counts": counts}),
        );
        assert_eq!(status, 400, "{counts}");
        assert!(
            message.contains("Counts must be greater than 0"),
            "{message}"
        );
    }
    let (status, message) = put(&mut cw, &json!({"MetricName": "X", "Value": 1e109}));
    assert_eq!(status, 400);
    assert!(message.contains("-2^360 to 2^360"), "{message}");
    assert_eq!(cw.metric_point_count(), 0, "nothing refused was stored");
    let values: Vec<f64> = (0..150).map(f64::from).collect();
    let (status, _) = put(&mut cw, &json!({"MetricName": "X", "Values": values}));
    assert_eq!(status, 200, "150 values are fine");
}

#[test]
fn a_huge_count_is_a_weight_not_an_allocation() {
    let mut cw = CloudWatch::new(86_400);
    let started = std::time::Instant::now();
    for _ in 0..20 {
        let (status, message) = put(
            &mut cw,
            &json!({"MetricName": "Latency", "Values": [5.0, 900.0], "Counts": [1e15, 1], "Timestamp": T0}),
        );
        assert_eq!(status, 200, "{message}");
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let point = cw.store.aggregates().next().expect("stored");
    assert_eq!(point.values.buckets(), 2, "two values, two buckets");
    assert!((point.count - 20.0 * (1e15 + 1.0)).abs() < 1e3);
    assert_eq!(point.stat(&Stat::Percentile(50.0)), Some(5.0));
    let body = json!({"MetricDataQueries": [{"Id": "p", "MetricStat": {"Metric": {"Namespace": "Custom/App", "MetricName": "Latency"}, "Period": 60, "Stat": "SampleCount"}}], "StartTime": T0 - 60.0, "EndTime": T0 + 60.0});
    let (status, reply) = json(&mut cw, "GetMetricData", &body, T0);
    assert_eq!(status, 200, "{reply}");
}

#[test]
fn offset_tokens_past_the_end_or_past_usize_are_refused() {
    let mut cw = filled();
    for token in [
        "gmd-18446744073709551615",
        "gmd-18446744073709551616",
        "gmd-999",
    ] {
        let mut body = gmd(&[stat("m1")]);
        body["NextToken"] = json!(token);
        let r = cw.handle(
            "GetMetricData",
            Codec::Json,
            body.to_string().as_bytes(),
            T0,
        );
        assert_eq!(
            (r.status, header(&r, "x-amzn-query-error")),
            (400, Some("InvalidNextToken;Sender")),
            "{token}"
        );
    }
    for token in ["lm-18446744073709551615", "lm-99"] {
        let (status, _) = json(&mut cw, "ListMetrics", &json!({"NextToken": token}), T0);
        assert_eq!(status, 400, "{token}");
    }
    for token in ["da-18446744073709551615", "dah-18446744073709551615"] {
        let op = if token.starts_with("da-") {
            "DescribeAlarms"
        } else {
            "DescribeAlarmHistory"
        };
        let (status, _) = json(&mut cw, op, &json!({"NextToken": token}), T0);
        assert_eq!(status, 400, "{token}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Taking a value `n` times at once gives the percentiles `n` single arrivals give.
    #[test]
    fn add_repeated_matches_single_arrivals(
        runs in proptest::collection::vec((-1e3f64..1e3, 1u64..1500), 1..8),
    ) {
        let (mut once, mut single) = (Agg::default(), Agg::default());
        for (v, n) in &runs {
            once.add_repeated(*v, *n);
            for _ in 0..*n {
                single.add(0.0, 0.0, 0.0, 0.0, &[*v]);
            }
        }
        prop_assert_eq!(once.values.buckets(), single.values.buckets());
        for p in [0.0, 1.0, 25.0, 50.0, 75.0, 99.0, 100.0] {
            let (a, b) = (
                once.stat(&Stat::Percentile(p)).unwrap_or(f64::NAN),
                single.stat(&Stat::Percentile(p)).unwrap_or(f64::NAN),
            );
            prop_assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "p{}: {} vs {}", p, a, b);
        }
    }

    /// Any expression text parses or is refused; what parses evaluates without a panic.
    #[test]
    fn math_parses_or_refuses_anything(src in "([a-z0-9_ .,()+*/^<>=!&|-]|IF|FILL|ABS|SUM|AVG|MIN|MAX|REPEAT|AND|OR){0,80}") {
        let mut cw = filled();
        let body = gmd(&[stat("m1"), expr("e", &src, true)]);
        let r = cw.handle("GetMetricData", Codec::Json, body.to_string().as_bytes(), T0);
        prop_assert!(r.status == 200 || r.status == 400, "{}", r.status);
    }
}
