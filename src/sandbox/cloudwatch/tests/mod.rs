//! Unit tests of the simulated `CloudWatch`: wire codecs and errors ([`wire`]), statistics,
//! dimension exactness, retention and metric math ([`metrics`]), alarms and history
//! ([`alarms`]), the limits that keep a request from knocking the sandbox over ([`limits`]).
//! Helpers here call the API like a client would, in either codec.

mod alarms;
mod composite;
mod limits;
mod metrics;
mod robustness;
mod wire;

use ciborium::Value as Cbor;
use serde_json::Value;

use super::{AlarmSpec, CloudWatch, Codec, Observation};
use crate::sandbox::wire::Reply;

/// 2026-01-01T00:00:00Z.
pub const T0: f64 = 1_767_225_600.0;

/// Calls `operation` over awsJson1.0 and returns the status and the parsed body (`Null` if
/// the body is empty).
pub fn json(cw: &mut CloudWatch, operation: &str, body: &Value, now: f64) -> (u16, Value) {
    let reply = cw.handle(operation, Codec::Json, body.to_string().as_bytes(), now);
    let parsed = if reply.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&reply.body).expect("JSON reply")
    };
    (reply.status, parsed)
}

/// Calls `operation` over CBOR with raw request bytes.
pub fn cbor(cw: &mut CloudWatch, operation: &str, body: &[u8], now: f64) -> Reply {
    cw.handle(operation, Codec::Cbor, body, now)
}

/// Parses a CBOR reply body, asserting there is exactly one item.
pub fn parse_cbor(body: &[u8]) -> Cbor {
    let mut rest = body;
    let value: Cbor = ciborium::from_reader(&mut rest).expect("CBOR reply");
    assert!(rest.is_empty(), "trailing bytes in the reply");
    value
}

/// Looks a key up in a CBOR map.
pub fn get<'a>(map: &'a Cbor, key: &str) -> &'a Cbor {
    map.as_map()
        .and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some(key)))
        .map_or_else(|| panic!("no key {key} in {map:?}"), |(_, v)| v)
}

/// Header value of a reply.
pub fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Records one observation holding `samples`.
pub fn record(cw: &mut CloudWatch, metric: &str, dims: &[(&str, &str)], t: f64, samples: &[f64]) {
    let sum = samples.iter().sum();
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let o = Observation {
        sample_count: samples.len() as f64,
        sum,
        min,
        max,
        samples,
    };
    cw.record("AWS/Lambda", metric, dims, t, o);
}

/// Records a single-value datapoint (count 1).
pub fn point(cw: &mut CloudWatch, metric: &str, dims: &[(&str, &str)], t: f64, v: f64) {
    record(cw, metric, dims, t, &[v]);
}

/// An alarm on `AWS/Lambda Errors {FunctionName=f}`, Sum over 60 s.
pub fn spec(name: &str, n: u32, m: u32, treat: &str) -> AlarmSpec {
    AlarmSpec {
        name: name.to_owned(),
        namespace: "AWS/Lambda".to_owned(),
        metric_name: "Errors".to_owned(),
        dimensions: vec![("FunctionName".to_owned(), "f".to_owned())],
        statistic: "Sum".to_owned(),
        period_secs: 60,
        evaluation_periods: n,
        datapoints_to_alarm: m,
        threshold: 1.0,
        comparison: "GreaterThanThreshold".to_owned(),
        treat_missing_data: treat.to_owned(),
    }
}

/// A `GetMetricData` JSON request for one `MetricStat` query plus extra queries.
pub fn metric_query(
    id: &str,
    metric: &str,
    dims: &[(&str, &str)],
    stat: &str,
    period: u32,
) -> Value {
    let dims: Vec<Value> = dims
        .iter()
        .map(|(n, v)| serde_json::json!({"Name": n, "Value": v}))
        .collect();
    serde_json::json!({
        "Id": id,
        "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dims}, "Period": period, "Stat": stat},
    })
}

/// `(timestamps, values)` of result `id` in a JSON `GetMetricData` reply.
pub fn series(reply: &Value, id: &str) -> (Vec<f64>, Vec<f64>) {
    let results = reply["MetricDataResults"].as_array().expect("results");
    let r = results
        .iter()
        .find(|r| r["Id"] == id)
        .unwrap_or_else(|| panic!("no result {id}: {reply}"));
    let nums = |k: &str| {
        r[k].as_array()
            .expect("array")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect()
    };
    (nums("Timestamps"), nums("Values"))
}
