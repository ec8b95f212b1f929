//! Wire-level tests: the Rust SDK's exact CBOR request bytes, float and tag-1 encoding of the
//! reply, JSON (CLI) bodies, error replies with `x-amzn-query-error`, and garbage input.

use ciborium::Value as Cbor;
use serde_json::json;

use super::{T0, cbor, get, header, json, parse_cbor, point, series};
use crate::sandbox::cloudwatch::{CloudWatch, Codec, error};

fn text(out: &mut Vec<u8>, s: &str) {
    let len = s.len();
    if len < 24 {
        out.push(0x60 + len as u8);
    } else {
        out.extend([0x78, len as u8]);
    }
    out.extend(s.as_bytes());
}

fn tagged_time(out: &mut Vec<u8>, t: f64) {
    out.extend([0xc1, 0xfb]);
    out.extend(t.to_be_bytes());
}

/// The 234-byte `GetMetricData` request of docs/wire-protocols.md §3.4, byte for byte as the Rust
/// SDK encodes it (indefinite maps, definite arrays, `c1 fb` timestamps).
pub(super) fn sdk_get_metric_data_request() -> Vec<u8> {
    let mut b = vec![0xbf];
    text(&mut b, "MetricDataQueries");
    b.push(0x82);
    b.push(0xbf);
    text(&mut b, "Id");
    text(&mut b, "m1");
    text(&mut b, "MetricStat");
    b.push(0xbf);
    text(&mut b, "Metric");
    b.push(0xbf);
    for (k, v) in [("Namespace", "AWS/Lambda"), ("MetricName", "Errors")] {
        text(&mut b, k);
        text(&mut b, v);
    }
    text(&mut b, "Dimensions");
    b.extend([0x81, 0xbf]);
    for (k, v) in [("Name", "FunctionName"), ("Value", "f")] {
        text(&mut b, k);
        text(&mut b, v);
    }
    b.extend([0xff, 0xff]);
    text(&mut b, "Period");
    b.extend([0x18, 60]);
    text(&mut b, "Stat");
    text(&mut b, "Sum");
    b.push(0xff);
    text(&mut b, "ReturnData");
    b.extend([0xf5, 0xff, 0xbf]);
    for (k, v) in [("Id", "e1"), ("Expression", "m1*100"), ("Label", "pct")] {
        text(&mut b, k);
        text(&mut b, v);
    }
    b.push(0xff);
    text(&mut b, "StartTime");
    tagged_time(&mut b, 1_767_225_600.0);
    text(&mut b, "EndTime");
    tagged_time(&mut b, 1_767_229_200.25);
    b.push(0xff);
    b
}

#[test]
fn sdk_cbor_get_metric_data_reply_uses_floats_and_tag1_timestamps() {
    let body = sdk_get_metric_data_request();
    assert_eq!(
        body.len(),
        234,
        "the request must be the documented 234 bytes"
    );
    let mut cw = CloudWatch::new(86_400);
    point(&mut cw, "Errors", &[("FunctionName", "f")], T0 + 60.0, 2.0);
    point(&mut cw, "Errors", &[("FunctionName", "f")], T0 + 5.0, 0.0);
    let reply = cbor(&mut cw, "GetMetricData", &body, T0 + 3600.0);
    assert_eq!(reply.status, 200, "{:?}", parse_cbor(&reply.body));
    assert_eq!(header(&reply, "content-type"), Some("application/cbor"));
    assert_eq!(header(&reply, "smithy-protocol"), Some("rpc-v2-cbor"));
    let v = parse_cbor(&reply.body);
    let results = get(&v, "MetricDataResults").as_array().expect("array");
    assert_eq!(results.len(), 2);
    let m1 = &results[0];
    assert_eq!(get(m1, "Id").as_text(), Some("m1"));
    assert_eq!(get(m1, "Label").as_text(), Some("Errors"));
    assert_eq!(get(m1, "StatusCode").as_text(), Some("Complete"));
    let ts = get(m1, "Timestamps").as_array().expect("timestamps");
    let tagged: Vec<(u64, f64)> = ts
        .iter()
        .map(|t| match t {
            Cbor::Tag(tag, inner) => (*tag, inner.as_float().expect("timestamp must be a float")),
            other => panic!("timestamp not tagged: {other:?}"),
        })
        .collect();
    assert_eq!(tagged, vec![(1, T0 + 60.0), (1, T0)], "descending, tag 1");
    let values: Vec<&Cbor> = get(m1, "Values")
        .as_array()
        .expect("values")
        .iter()
        .collect();
    assert_eq!(
        values,
        vec![&Cbor::Float(2.0), &Cbor::Float(0.0)],
        "doubles must be CBOR floats, never ints"
    );
    let e1 = &results[1];
    assert_eq!(get(e1, "Label").as_text(), Some("pct"));
    assert_eq!(
        get(e1, "Values").as_array().expect("values"),
        &vec![Cbor::Float(200.0), Cbor::Float(0.0)]
    );
    assert_eq!(get(&v, "Messages").as_array().map(Vec::len), Some(0));
}

#[test]
fn cli_json_get_metric_data_round_trip() {
    let mut cw = CloudWatch::new(86_400);
    point(&mut cw, "Errors", &[("FunctionName", "f")], T0 + 61.0, 3.0);
    let body = json!({
        "MetricDataQueries": [super::metric_query("m1", "Errors", &[("FunctionName", "f")], "Sum", 60)],
        "StartTime": T0 as i64, "EndTime": (T0 + 600.0) as i64, "ScanBy": "TimestampAscending",
    });
    let (status, reply) = json(&mut cw, "GetMetricData", &body, T0 + 600.0);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(series(&reply, "m1"), (vec![T0 + 60.0], vec![3.0]));
    assert!(
        reply.get("NextToken").is_none(),
        "no token on the last page"
    );
    let raw = cw.handle(
        "GetMetricData",
        Codec::Json,
        body.to_string().as_bytes(),
        T0 + 600.0,
    );
    assert_eq!(
        header(&raw, "content-type"),
        Some("application/x-amz-json-1.0")
    );
    assert!(
        String::from_utf8_lossy(&raw.body).contains("\"Values\":[3.0]"),
        "JSON doubles keep a decimal point"
    );
}

#[test]
fn error_reply_matches_the_documented_bytes_and_header() {
    let mut cw = CloudWatch::new(86_400);
    // {_ "AlarmName": "missing", "StateValue": "ALARM", "StateReason": "test"}
    let mut body = vec![0xbf];
    for (k, v) in [
        ("AlarmName", "missing"),
        ("StateValue", "ALARM"),
        ("StateReason", "test"),
    ] {
        text(&mut body, k);
        text(&mut body, v);
    }
    body.push(0xff);
    let reply = cbor(&mut cw, "SetAlarmState", &body, T0);
    assert_eq!(reply.status, 404);
    assert_eq!(
        header(&reply, "x-amzn-query-error"),
        Some("ResourceNotFound;Sender")
    );
    let mut expected = vec![0xa2];
    text(&mut expected, "__type");
    text(&mut expected, "com.amazonaws.cloudwatch#ResourceNotFound");
    text(&mut expected, "message");
    text(&mut expected, "Alarm missing not found");
    assert_eq!(
        reply.body, expected,
        "docs/wire-protocols.md §3.3 example body"
    );
}

#[test]
fn json_errors_carry_type_message_and_query_header() {
    let r = error(Codec::Json, "Throttling", "Rate exceeded", 400);
    assert_eq!(r.status, 400);
    assert_eq!(header(&r, "x-amzn-query-error"), Some("Throttling;Sender"));
    assert_eq!(
        header(&r, "content-type"),
        Some("application/x-amz-json-1.0")
    );
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(
        v,
        json!({"__type": "com.amazonaws.cloudwatch#Throttling", "message": "Rate exceeded"})
    );
    let r = error(Codec::Cbor, "InternalServiceError", "boom", 500);
    assert_eq!(
        header(&r, "x-amzn-query-error"),
        Some("InternalServiceError;Receiver")
    );
    assert_eq!(
        get(&parse_cbor(&r.body), "__type").as_text(),
        Some("com.amazonaws.cloudwatch#InternalServiceFault")
    );
}

#[test]
fn malformed_bodies_unknown_operations_and_trailing_bytes_get_400s() {
    let mut cw = CloudWatch::new(86_400);
    let r = cbor(&mut cw, "DescribeAlarms", &[0xbf, 0xff, 0x00], T0);
    assert_eq!(
        (r.status, header(&r, "x-amzn-query-error")),
        (400, Some("SerializationException;Sender"))
    );
    let r = cw.handle("DescribeAlarms", Codec::Json, b"{not json", T0);
    assert_eq!(
        (r.status, header(&r, "x-amzn-query-error")),
        (400, Some("SerializationException;Sender"))
    );
    let r = cw.handle(
        "DescribeAlarms",
        Codec::Json,
        br#"{"MaxRecords": "ten"}"#,
        T0,
    );
    assert_eq!(r.status, 400);
    let r = cw.handle(
        "GetMetricData",
        Codec::Json,
        br#"{"MetricDataQueries": [null]}"#,
        T0,
    );
    assert_eq!(r.status, 400);
    let r = cw.handle("PutDashboard", Codec::Cbor, &[0xbf, 0xff], T0);
    assert_eq!(
        (r.status, header(&r, "x-amzn-query-error")),
        (400, Some("UnknownOperation;Sender"))
    );
    // An empty input (`bf ff` from the SDK, `{}` or nothing from the CLI) is valid.
    assert_eq!(
        cbor(&mut cw, "DescribeAlarms", &[0xbf, 0xff], T0).status,
        200
    );
    assert_eq!(
        cw.handle("DescribeAlarms", Codec::Json, b"", T0).status,
        200
    );
}

#[test]
fn output_less_operations_return_an_empty_200() {
    let mut cw = CloudWatch::new(86_400);
    let body =
        json!({"Namespace": "Custom/App", "MetricData": [{"MetricName": "Hits", "Value": 1}]});
    let r = cw.handle(
        "PutMetricData",
        Codec::Json,
        body.to_string().as_bytes(),
        T0,
    );
    assert_eq!((r.status, r.body.len()), (200, 0));
    let mut req = vec![0xbf];
    text(&mut req, "Namespace");
    text(&mut req, "Custom/App");
    req.push(0xff);
    let r = cbor(&mut cw, "PutMetricData", &req, T0);
    assert_eq!((r.status, r.body.len()), (200, 0));
    assert_eq!(header(&r, "smithy-protocol"), Some("rpc-v2-cbor"));
}
