//! Robustness: random garbage bodies and extreme numbers get error replies, never a panic, and
//! refused input leaves the stored data alone.

use ciborium::Value as Cbor;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::wire::sdk_get_metric_data_request;
use super::{T0, cbor, header, json, point};
use crate::sandbox::cloudwatch::{CloudWatch, Codec};

#[test]
fn garbage_never_panics() {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    let mut cw = CloudWatch::new(86_400);
    let ops = [
        "PutMetricData",
        "GetMetricData",
        "PutMetricAlarm",
        "DescribeAlarms",
        "SetAlarmState",
        "DescribeAlarmHistory",
        "ListMetrics",
        "DeleteAlarms",
    ];
    let seed = sdk_get_metric_data_request();
    for i in 0..3000 {
        let mut body = seed.clone();
        for _ in 0..rng.random_range(1..6) {
            let at = rng.random_range(0..body.len());
            body[at] = rng.random();
        }
        if i % 3 == 0 {
            body.truncate(rng.random_range(0..body.len()));
        }
        let op = ops[i % ops.len()];
        for codec in [Codec::Cbor, Codec::Json] {
            let r = cw.handle(op, codec, &body, T0);
            assert!(
                r.status == 200 || r.status == 400 || r.status == 404,
                "{op}: {}",
                r.status
            );
            if r.status != 200 {
                assert!(header(&r, "x-amzn-query-error").is_some());
            }
        }
    }
}

/// CBOR map with text keys.
fn cbor_map(entries: Vec<(&str, Cbor)>) -> Vec<u8> {
    let map = Cbor::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Cbor::Text(k.to_owned()), v))
            .collect(),
    );
    let mut out = Vec::new();
    ciborium::into_writer(&map, &mut out).expect("encode");
    out
}

fn tag1(t: f64) -> Cbor {
    Cbor::Tag(1, Box::new(Cbor::Float(t)))
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one extreme input after another, each with the answer it must get"
)]
fn extreme_numbers_are_refused_not_overflowed() {
    let mut cw = CloudWatch::new(86_400);
    point(&mut cw, "Errors", &[("FunctionName", "f")], T0, 1.0);
    let query = Cbor::Map(vec![
        (Cbor::Text("Id".into()), Cbor::Text("m".into())),
        (Cbor::Text("Expression".into()), Cbor::Text("1".into())),
    ]);
    for (start, end) in [
        (9.2e18, 9.3e18),
        (-1e300, 1e300),
        (f64::NAN, T0),
        (T0, f64::INFINITY),
    ] {
        let body = cbor_map(vec![
            ("MetricDataQueries", Cbor::Array(vec![query.clone()])),
            ("StartTime", tag1(start)),
            ("EndTime", tag1(end)),
        ]);
        assert_eq!(
            cbor(&mut cw, "GetMetricData", &body, T0).status,
            400,
            "{start}..{end}"
        );
    }
    let huge_period = json!({"MetricDataQueries": [super::metric_query("m", "Errors", &[("FunctionName", "f")], "Sum", 60)], "StartTime": T0, "EndTime": T0 + 60.0});
    let mut body = huge_period.clone();
    body["MetricDataQueries"][0]["MetricStat"]["Period"] =
        json!(9_000_000_000_000_000_000_u64 / 60 * 60);
    assert_eq!(json(&mut cw, "GetMetricData", &body, T0).0, 400);
    let long = json!({"MetricDataQueries": [{"Id": "e", "Expression": "1+".repeat(5000) + "1"}], "StartTime": T0, "EndTime": T0 + 60.0});
    assert_eq!(json(&mut cw, "GetMetricData", &long, T0).0, 400);
    // Non-finite values and far-off timestamps in PutMetricData.
    let datum = |value: f64, t: f64| {
        cbor_map(vec![
            ("Namespace", Cbor::Text("Custom/App".into())),
            (
                "MetricData",
                Cbor::Array(vec![Cbor::Map(vec![
                    (Cbor::Text("MetricName".into()), Cbor::Text("X".into())),
                    (Cbor::Text("Value".into()), Cbor::Float(value)),
                    (Cbor::Text("Timestamp".into()), tag1(t)),
                ])]),
            ),
        ])
    };
    for (value, t) in [
        (f64::NAN, T0),
        (f64::INFINITY, T0),
        (1.0, 1e300),
        (1.0, T0 - 30.0 * 86_400.0),
    ] {
        let r = cbor(&mut cw, "PutMetricData", &datum(value, t), T0);
        assert_eq!(
            (r.status, header(&r, "x-amzn-query-error")),
            (400, Some("InvalidParameterValue;Sender")),
            "{value} at {t}"
        );
    }
    assert_eq!(
        cbor(&mut cw, "PutMetricData", &datum(1.0, T0), T0).status,
        200
    );
    assert_eq!(
        cw.metric_point_count(),
        2,
        "nothing was wiped by the refused datapoints"
    );
    // Alarms whose window would overflow, or with a non-finite threshold.
    let alarm = |period: i64, periods: i64, threshold: f64| {
        cbor_map(vec![
            ("AlarmName", Cbor::Text("a".into())),
            ("Namespace", Cbor::Text("AWS/Lambda".into())),
            ("MetricName", Cbor::Text("Errors".into())),
            ("Statistic", Cbor::Text("Sum".into())),
            ("Period", Cbor::Integer(period.into())),
            ("EvaluationPeriods", Cbor::Integer(periods.into())),
            ("Threshold", Cbor::Float(threshold)),
            (
                "ComparisonOperator",
                Cbor::Text("GreaterThanThreshold".into()),
            ),
        ])
    };
    assert_eq!(
        cbor(
            &mut cw,
            "PutMetricAlarm",
            &alarm(4_294_967_280, 4_294_967_295, 1.0),
            T0
        )
        .status,
        400
    );
    assert_eq!(
        cbor(&mut cw, "PutMetricAlarm", &alarm(60, 1, f64::NAN), T0).status,
        400
    );
    assert_eq!(
        cbor(&mut cw, "PutMetricAlarm", &alarm(60, 5, 1.0), T0).status,
        200
    );
    assert_eq!(
        cbor(&mut cw, "DescribeAlarms", &[0xbf, 0xff], T0).status,
        200
    );
}
