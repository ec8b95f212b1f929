//! Unit tests of the simulated `CloudWatch` Logs: `FilterLogEvents` validation, stream
//! selection, time windows, filter patterns, pagination and retention.

use serde_json::{Value, json};

use super::Logs;
use super::filter::parse;

const T0_MS: i64 = 1_767_225_600_000;
const GROUP: &str = "/aws/lambda/f";
const OLD: &str = "2026/01/01/[1]aaaa";
const NEW: &str = "2026/01/01/[2]bbbb";

fn call(logs: &mut Logs, body: &Value) -> (u16, Value) {
    let reply = logs.handle("FilterLogEvents", body.to_string().as_bytes(), 0.0);
    let ct = reply
        .headers
        .iter()
        .find(|(k, _)| k == "Content-Type")
        .map(|(_, v)| v.as_str());
    assert_eq!(ct, Some("application/x-amz-json-1.1"));
    (
        reply.status,
        serde_json::from_slice(&reply.body).expect("JSON reply"),
    )
}

fn messages(reply: &Value) -> Vec<String> {
    reply["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["message"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn sample() -> Logs {
    let mut logs = Logs::new(86_400);
    let lines = [
        (OLD, "START RequestId: r1 Version: 1\n"),
        (OLD, "END RequestId: r1\n"),
        (NEW, "START RequestId: r2 Version: 2\n"),
        (
            NEW,
            "2026-01-01T00:00:03Z r2 ERROR Invoke Error {\"errorType\":\"Error\"}\n",
        ),
        (
            NEW,
            "2026-01-01T00:00:04Z r2 Task timed out after 3.00 seconds\n",
        ),
        (
            NEW,
            "{\"level\":\"ERROR\",\"latency\":250,\"msg\":\"db down\"}\n",
        ),
        (NEW, "{\"level\":\"INFO\",\"latency\":20,\"msg\":\"ok\"}\n"),
        (OLD, "ERROR Retrying connection\n"),
    ];
    for (i, (stream, msg)) in lines.iter().enumerate() {
        logs.append(GROUP, stream, T0_MS + i as i64 * 1000, (*msg).to_owned());
    }
    logs
}

#[test]
fn returns_events_with_the_documented_fields() {
    let mut logs = sample();
    let (status, reply) = call(&mut logs, &json!({"logGroupName": GROUP, "limit": 2}));
    assert_eq!(status, 200);
    let e = &reply["events"][0];
    assert_eq!(e["logStreamName"], OLD);
    assert_eq!(e["timestamp"], json!(T0_MS));
    assert_eq!(e["message"], "START RequestId: r1 Version: 1\n");
    assert!(e["ingestionTime"].as_i64().is_some() && e["eventId"].is_string());
    assert_eq!(
        reply["searchedLogStreams"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(reply["nextToken"].is_string());
}

#[test]
fn text_patterns() {
    let mut logs = sample();
    let grep = |logs: &mut Logs, p: &str| {
        messages(&call(logs, &json!({"logGroupName": GROUP, "filterPattern": p})).1).len()
    };
    assert_eq!(grep(&mut logs, ""), 8);
    assert_eq!(grep(&mut logs, "ERROR"), 3, "case-sensitive substring");
    assert_eq!(grep(&mut logs, "ERROR Invoke"), 1, "all terms must appear");
    assert_eq!(grep(&mut logs, "\"Task timed out\""), 1);
    assert_eq!(grep(&mut logs, "?ERROR ?\"Task timed out\""), 4);
    assert_eq!(grep(&mut logs, "ERROR -Retrying"), 2);
    assert_eq!(grep(&mut logs, "RequestId -END"), 2);
}

#[test]
fn json_patterns() {
    let mut logs = sample();
    let grep = |logs: &mut Logs, p: &str| {
        messages(&call(logs, &json!({"logGroupName": GROUP, "filterPattern": p})).1)
    };
    assert_eq!(
        grep(&mut logs, "{ $.level = \"ERROR\" }"),
        vec!["{\"level\":\"ERROR\",\"latency\":250,\"msg\":\"db down\"}\n"]
    );
    assert_eq!(grep(&mut logs, "{ $.latency > 100 }").len(), 1);
    assert_eq!(
        grep(&mut logs, "{ $.latency >= 20 && $.level != \"ERROR\" }").len(),
        1
    );
    assert_eq!(
        grep(&mut logs, "{ $.level = \"ERR*\" || $.msg = ok }").len(),
        2
    );
    assert_eq!(
        grep(&mut logs, "{$.errorType=\"Error\"}").len(),
        1,
        "JSON after a text prefix, no spaces"
    );
    assert!(parse("[ip, user]").is_err());
    assert!(parse("{ $.level = ").is_err());
}

#[test]
fn stream_selection_and_time_window() {
    let mut logs = sample();
    let (_, by_prefix) = call(
        &mut logs,
        &json!({"logGroupName": GROUP, "logStreamNamePrefix": "2026/01/01/[2]"}),
    );
    assert_eq!(messages(&by_prefix).len(), 5);
    assert_eq!(
        by_prefix["searchedLogStreams"],
        json!([{"logStreamName": NEW, "searchedCompletely": true}])
    );
    let (_, by_name) = call(
        &mut logs,
        &json!({"logGroupIdentifier": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*", "logStreamNames": [OLD]}),
    );
    assert_eq!(messages(&by_name).len(), 3);
    let (_, window) = call(
        &mut logs,
        &json!({"logGroupName": GROUP, "startTime": T0_MS + 2000, "endTime": T0_MS + 4000}),
    );
    assert_eq!(messages(&window).len(), 3, "both ends inclusive");
    let (_, newest) = call(
        &mut logs,
        &json!({"logGroupName": GROUP, "startFromHead": false, "limit": 1}),
    );
    assert_eq!(messages(&newest), vec!["ERROR Retrying connection\n"]);
}

#[test]
fn validation_errors() {
    let mut logs = sample();
    let code = |logs: &mut Logs, body: Value| {
        let (status, reply) = call(logs, &body);
        (status, reply["__type"].as_str().unwrap_or("").to_owned())
    };
    let invalid = (400, "InvalidParameterException".to_owned());
    assert_eq!(
        code(
            &mut logs,
            json!({"logGroupName": GROUP, "logStreamNames": [OLD], "logStreamNamePrefix": "2026"})
        ),
        invalid
    );
    assert_eq!(code(&mut logs, json!({})), invalid);
    assert_eq!(
        code(&mut logs, json!({"logGroupName": GROUP, "limit": 10_001})),
        invalid
    );
    assert_eq!(
        code(
            &mut logs,
            json!({"logGroupName": GROUP, "nextToken": "bogus"})
        ),
        invalid
    );
    assert_eq!(
        code(&mut logs, json!({"logGroupName": "/aws/lambda/nope"})),
        (400, "ResourceNotFoundException".to_owned())
    );
    let reply = logs.handle("FilterLogEvents", b"{oops", 0.0);
    assert_eq!(reply.status, 400);
    let reply = logs.handle("StartQuery", b"{}", 0.0);
    let body: Value = serde_json::from_slice(&reply.body).expect("json");
    assert_eq!(
        (reply.status, body["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );
}

#[test]
fn pagination_covers_everything_once_and_ends_without_a_token() {
    let mut logs = sample();
    let mut body = json!({"logGroupName": GROUP, "limit": 3});
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let (status, reply) = call(&mut logs, &body);
        assert_eq!(status, 200);
        pages += 1;
        all.extend(messages(&reply));
        match reply.get("nextToken") {
            Some(t) => body["nextToken"] = t.clone(),
            None => break,
        }
        // Events appended between pages do not disturb the walk.
        logs.append(
            GROUP,
            NEW,
            T0_MS + 100_000 + pages,
            format!("late {pages}\n"),
        );
    }
    assert_eq!(pages, 4);
    assert_eq!(all.len(), 11);
    assert_eq!(
        all.first().map(String::as_str),
        Some("START RequestId: r1 Version: 1\n")
    );
    assert_eq!(all.last().map(String::as_str), Some("late 3\n"));
}

#[test]
fn retention_prunes_old_events() {
    let mut logs = Logs::new(60);
    for i in 0..10_000 {
        logs.append(
            GROUP,
            &format!("2026/01/01/[1]{}", i % 7),
            T0_MS + i * 1000,
            "x".to_owned(),
        );
    }
    assert!(
        logs.event_count() <= 61 + 4096,
        "bounded: {}",
        logs.event_count()
    );
    logs.prune();
    assert_eq!(logs.event_count(), 61);
}

#[test]
fn garbage_bodies_and_patterns_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
    let mut logs = sample();
    logs.append(
        GROUP,
        NEW,
        T0_MS + 50_000,
        "{\"ü\":\"ß\",\"n\":[1,{\"x\":\"é\"}]} naïve 日本語\n".to_owned(),
    );
    let alphabet: Vec<char> = "{}[]()$.=!<>&|?-\"*\\ abcERRORü日 0123,:".chars().collect();
    for i in 0..3000 {
        let len = rng.random_range(0..24);
        let pattern: String = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        let (status, _) = call(
            &mut logs,
            &json!({"logGroupName": GROUP, "filterPattern": pattern}),
        );
        assert!(status == 200 || status == 400, "{pattern}");
        let mut body = json!({"logGroupName": GROUP, "limit": 2})
            .to_string()
            .into_bytes();
        let at = rng.random_range(0..body.len());
        body[at] = rng.random();
        if i % 2 == 0 {
            body.truncate(at);
        }
        let reply = logs.handle("FilterLogEvents", &body, 0.0);
        assert!(reply.status == 200 || reply.status == 400);
    }
}
