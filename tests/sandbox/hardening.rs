//! A sandbox that can't be knocked over: AWS's limits with AWS's error shapes (metric math that
//! nests or loops, huge counts, overflowing page tokens), cross-site safety on loopback (a
//! foreign `Host`, simple-request writes), bounded statistics, and faults changed at run time
//! through `POST /_sandbox/faults`, as the SDK and a raw client meet them.

use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::types::builders::MetricDatumBuilder;
use aws_sdk_cloudwatch::types::{Metric, MetricDataQuery, MetricDatum};
use aws_smithy_types::DateTime;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;

use crate::support::alias;
use crate::support::http::{header, post_faults, raw, stats_of};
use crate::support::sdk::{cloudwatch, codedeploy, config, lambda, logs, sdk, start};
use rollwatch::sandbox::Sandbox;

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A client that does not retry (a fault answers on the first try).
async fn lambda_once(sandbox: &Sandbox) -> aws_sdk_lambda::Client {
    let conf = aws_sdk_lambda::config::Builder::from(&sdk(sandbox).await)
        .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_lambda::Client::from_conf(conf)
}

/// The per-minute sum of `orders-api`'s invocations, as a source for expressions (not
/// returned).
fn stat_query(id: &str) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace("AWS/Lambda")
        .metric_name("Invocations")
        .dimensions(
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("FunctionName")
                .value("orders-api")
                .build(),
        )
        .build();
    let mut query = crate::support::sdk::stat_query(id, metric, "Sum", 60);
    query.return_data = Some(false);
    query
}

fn expr_query(id: &str, expression: &str, returned: bool) -> MetricDataQuery {
    MetricDataQuery::builder()
        .id(id)
        .expression(expression)
        .return_data(returned)
        .build()
}

/// `e1 = m1 + 1` ... `eN = e(N-1) + 1`, the last one returned.
fn chain(n: usize) -> Vec<MetricDataQuery> {
    let mut queries = vec![stat_query("m1")];
    for i in 1..=n {
        let prev = if i == 1 {
            "m1".to_owned()
        } else {
            format!("e{}", i - 1)
        };
        queries.push(expr_query(&format!("e{i}"), &format!("{prev} + 1"), i == n));
    }
    queries
}

async fn get_metric_data(
    cw: &aws_sdk_cloudwatch::Client,
    now: f64,
    queries: Vec<MetricDataQuery>,
) -> Result<aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput, String> {
    cw.get_metric_data()
        .set_metric_data_queries(Some(queries))
        .start_time(DateTime::from_secs(now as i64 - 3600))
        .end_time(DateTime::from_secs(now as i64))
        .send()
        .await
        .map_err(|e| {
            format!(
                "{}: {}",
                e.code().unwrap_or("?"),
                e.message().unwrap_or_default()
            )
        })
}

#[tokio::test]
async fn metric_math_that_nests_or_loops_is_a_validation_error_and_the_server_stays_up() {
    let sandbox = start("calm").await;
    let cw = cloudwatch(&sandbox).await;
    let now = sandbox.now();
    let started = Instant::now();
    for (what, queries) in [
        ("2,000-deep chain", chain(2000)),
        ("499-deep chain", chain(499)),
        (
            "cycle",
            vec![
                stat_query("m1"),
                expr_query("a", "b + m1", true),
                expr_query("b", "a * 2", false),
            ],
        ),
        (
            "self-reference",
            vec![stat_query("m1"), expr_query("e1", "e1 + 1", true)],
        ),
        (
            "2,000 nested parentheses",
            vec![
                stat_query("m1"),
                expr_query(
                    "e1",
                    &format!("{}m1{}", "(".repeat(1000), ")".repeat(1000)),
                    true,
                ),
            ],
        ),
    ] {
        let err = get_metric_data(&cw, now, queries).await.expect_err(what);
        assert!(err.starts_with("ValidationError: "), "{what}: {err}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "refused quickly: {:?}",
        started.elapsed()
    );
    // Still answering, and a modest chain works.
    let out = get_metric_data(&cw, now, chain(5)).await.unwrap();
    assert_eq!(out.metric_data_results().len(), 1);
    assert!(!out.metric_data_results()[0].values().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_huge_count_is_stored_as_a_weight_and_answers_fast() {
    let sandbox = start("calm").await;
    let cw = cloudwatch(&sandbox).await;
    let now = sandbox.now();
    let datum = |value: f64, count: f64| {
        let datum = MetricDatum::builder().metric_name("Latency");
        datum.values(value).counts(count)
    };
    let put = |datum: MetricDatumBuilder| {
        let put = cw.put_metric_data().namespace("Custom/Load");
        put.metric_data(datum.build()).send()
    };
    let started = Instant::now();
    for _ in 0..10 {
        let datum = datum(12.0, 1e15).timestamp(DateTime::from_secs(now as i64 - 30));
        put(datum).await.unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let metric = Metric::builder()
        .namespace("Custom/Load")
        .metric_name("Latency")
        .build();
    let query =
        |id: &str, stat: &str| crate::support::sdk::stat_query(id, metric.clone(), stat, 60);
    let out = get_metric_data(&cw, now, vec![query("n", "SampleCount"), query("p", "p99")])
        .await
        .unwrap();
    let results = out.metric_data_results();
    assert_eq!(results[0].values(), [1e16]);
    assert_eq!(results[1].values(), [12.0]);
    // Counts that are not positive, or past 2^53, are refused in CloudWatch's shape.
    for count in [0.0, -5.0, 1e17] {
        let err = put(datum(1.0, count)).await.expect_err("refused");
        assert_eq!(err.code(), Some("InvalidParameterValue"), "{count}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn overflowing_page_tokens_are_refused_with_each_services_error() {
    let sandbox = start("calm").await;
    let cd = codedeploy(&sandbox).await;
    for token in [
        "nt-18446744073709551615",
        "nt-99999999999999999999999",
        "nt-5000",
    ] {
        let err = cd
            .list_deployments()
            .next_token(token)
            .send()
            .await
            .expect_err(token);
        assert_eq!(err.code(), Some("InvalidNextTokenException"), "{token}");
    }
    let l = lambda(&sandbox).await;
    for marker in ["18446744073709551615", "18446744073709551616", "5000", "-1"] {
        let functions = l.list_functions().marker(marker).send().await;
        let aliases = l.list_aliases().function_name("orders-api").marker(marker);
        let aliases = aliases.send().await;
        assert_eq!(
            (
                functions.expect_err(marker).code(),
                aliases.expect_err(marker).code()
            ),
            (
                Some("InvalidParameterValueException"),
                Some("InvalidParameterValueException")
            ),
            "{marker}: (ListFunctions, ListAliases)"
        );
    }
    // The last page's own marker still works.
    let all = l.list_functions().max_items(1).send().await.unwrap();
    let next = all.next_marker().unwrap().to_owned();
    assert!(l.list_functions().marker(next).send().await.is_ok());
    let cw = cloudwatch(&sandbox).await;
    let err = cw
        .get_metric_data()
        .metric_data_queries(expr_query("e1", "m1 * 2", true))
        .metric_data_queries(stat_query("m1"))
        .start_time(DateTime::from_secs(sandbox.now() as i64 - 600))
        .end_time(DateTime::from_secs(sandbox.now() as i64))
        .next_token("gmd-18446744073709551615")
        .send()
        .await
        .expect_err("bad token");
    assert_eq!(err.code(), Some("InvalidNextToken"));
    let err = logs(&sandbox)
        .await
        .filter_log_events()
        .log_group_name("/aws/lambda/orders-api")
        .next_token("fle1_a_99999999999999999999999_1")
        .send()
        .await
        .expect_err("bad token");
    assert_eq!(err.code(), Some("InvalidParameterException"));
    sandbox.shutdown().await;
}

async fn versions(sandbox: &Sandbox) -> usize {
    let path = "/2015-03-31/functions/orders-api/versions";
    let (status, _, body) = raw(sandbox, "GET", path, &[], b"").await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["Versions"].as_array().unwrap().len()
}

/// `POST /_sandbox/clock` with `headers`, moving the clock an hour: (status, body).
async fn advance_an_hour(sandbox: &Sandbox, headers: &[(&str, &str)]) -> (u16, String) {
    let hour = br#"{"advance_secs":3600}"#;
    let (status, _, body) = raw(sandbox, "POST", "/_sandbox/clock", headers, hour).await;
    (status, body)
}

#[tokio::test]
async fn simple_cross_site_requests_cannot_write() {
    let sandbox = start("calm").await;
    let before = versions(&sandbox).await;
    let clock_before = sandbox.now();
    for (method, path, content_type, body) in [
        (
            "POST",
            "/2015-03-31/functions/orders-api/versions",
            Some("text/plain"),
            &b"{}"[..],
        ),
        (
            "POST",
            "/2015-03-31/functions/orders-api/versions",
            None,
            &b""[..],
        ),
        (
            "POST",
            "/2015-03-31/functions/orders-api/aliases",
            Some("application/x-www-form-urlencoded"),
            &br#"{"Name":"evil","FunctionVersion":"1"}"#[..],
        ),
        (
            "PUT",
            "/2015-03-31/functions/orders-api/aliases/live",
            Some("text/plain;charset=UTF-8"),
            &br#"{"FunctionVersion":"1"}"#[..],
        ),
        (
            "POST",
            "/2015-03-31/functions",
            Some("multipart/form-data; boundary=x"),
            &br#"{"FunctionName":"evil"}"#[..],
        ),
    ] {
        let headers: Vec<(&str, &str)> = content_type
            .map(|t| ("Content-Type", t))
            .into_iter()
            .collect();
        let (status, h, reply) = raw(&sandbox, method, path, &headers, body).await;
        assert_eq!(status, 415, "{method} {path}: {reply}");
        assert_eq!(
            header(&h, "x-amzn-errortype"),
            Some("UnsupportedMediaTypeException")
        );
        assert!(reply.contains("Content-Type: application/json"), "{reply}");
    }
    // {"AlarmNames": []} in CBOR, as the SDK would send it but for the content type.
    let no_alarms = [
        0xa1, 0x6a, b'A', b'l', b'a', b'r', b'm', b'N', b'a', b'm', b'e', b's', 0x80,
    ];
    let delete_alarms = "/service/GraniteServiceVersion20100801/operation/DeleteAlarms";
    let text = [("Content-Type", "text/plain")];
    let (status, _, reply) = raw(&sandbox, "POST", delete_alarms, &text, &no_alarms).await;
    assert_eq!(status, 415, "{reply}");
    let (status, reply) = advance_an_hour(&sandbox, &text).await;
    assert_eq!(status, 415, "{reply}");
    assert!(reply.contains("x-rollwatch-sandbox"), "{reply}");
    let (status, reply) = advance_an_hour(&sandbox, &[]).await;
    assert_eq!(status, 415, "no Content-Type: {reply}");
    assert_eq!(versions(&sandbox).await, before, "no version was published");
    assert!(
        (sandbox.now() - clock_before).abs() < 1.0,
        "the clock did not move"
    );
    let l = lambda(&sandbox).await;
    assert!(
        alias::get(&l, "orders-api", "evil").await.is_err(),
        "no alias was created"
    );
    // The same writes with their JSON content type (what the CLI and the SDK send) go through.
    let path = "/2015-03-31/functions/orders-api/versions";
    let (status, _, reply) = raw(&sandbox, "POST", path, &[JSON], b"{}").await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(versions(&sandbox).await, before + 1);
    let publish = l.publish_version().function_name("orders-api");
    let published = publish.send().await.unwrap();
    assert!(
        published.version().is_some(),
        "the SDK's empty-bodied write works"
    );
    let (status, reply) = advance_an_hour(&sandbox, &[("x-rollwatch-sandbox", "1")]).await;
    assert_eq!(status, 200, "{reply}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_foreign_host_is_refused_and_loopback_names_are_not() {
    let sandbox = start("calm").await;
    let port = sandbox.endpoint().rsplit(':').next().unwrap().to_owned();
    for (path, target) in [
        ("/2015-03-31/functions/orders-api/aliases/live", None),
        ("/_sandbox/stats", None),
        ("/", Some("CodeDeploy_20141006.ListApplications")),
        ("/nowhere", None),
    ] {
        let mut headers = vec![("Host", "evil.example")];
        if let Some(t) = target {
            headers.push(("X-Amz-Target", t));
            headers.push(("Content-Type", "application/x-amz-json-1.1"));
        }
        let method = if target.is_some() { "POST" } else { "GET" };
        let (status, _, body) = raw(&sandbox, method, path, &headers, b"{}").await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(
            body.contains("evil.example") && body.contains("loopback"),
            "{body}"
        );
    }
    let evil_with_port = format!("evil.example:{port}");
    let (status, body) = advance_an_hour(&sandbox, &[("Host", &evil_with_port), JSON]).await;
    assert_eq!(status, 403, "{body}");
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_owned(),
    ] {
        let headers = [("Host", host.as_str())];
        let (status, _, body) = raw(&sandbox, "GET", "/_sandbox/stats", &headers, b"").await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    let stats = stats_of(&sandbox).await;
    assert_eq!(
        stats["calls"], 0,
        "refused requests are not counted: {stats}"
    );
    sandbox.shutdown().await;
    // With --allow-remote any name is accepted.
    let mut open = config("calm");
    open.allow_remote = true;
    let sandbox = Sandbox::start(open).await.unwrap();
    let evil = [("Host", "evil.example")];
    let (status, _, body) = raw(&sandbox, "GET", "/_sandbox/stats", &evil, b"").await;
    assert_eq!(status, 200, "{body}");
    sandbox.shutdown().await;
}

/// `GET /_sandbox/faults`: the faults in force.
async fn faults(sandbox: &Sandbox) -> Value {
    let (_, _, body) = raw(sandbox, "GET", "/_sandbox/faults", &[], b"").await;
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn faults_set_and_cleared_at_run_time_take_effect_on_the_next_request() {
    let sandbox = start("calm").await;
    let l = lambda_once(&sandbox).await;
    let get_alias = || alias::get(&l, "orders-api", "live");
    assert!(get_alias().await.is_ok());
    let spec = br#"{"faults": "deny=lambda:GetAlias,throttle@codedeploy=1"}"#;
    let (status, body) = post_faults(&sandbox, spec).await;
    assert_eq!(status, 200, "{body}");
    let shown: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        shown["faults"],
        "deny=lambda:GetAlias,throttle@codedeploy=1"
    );
    assert_eq!(shown["rules"][0]["kind"], "deny");
    let err = get_alias().await.expect_err("denied");
    assert_eq!(err.code(), Some("AccessDeniedException"));
    let function = l.get_function().function_name("orders-api").send().await;
    assert!(function.is_ok(), "other operations are untouched");
    // A bad spec is refused with --faults' message and the rules in force stay.
    let (status, body) = post_faults(&sandbox, br#"{"faults": "throttle=2"}"#).await;
    assert_eq!(status, 400);
    assert!(body.contains("fault `throttle=2`"), "{body}");
    let shown = faults(&sandbox).await;
    assert_eq!(shown["rules"].as_array().unwrap().len(), 2, "{shown}");
    assert!(get_alias().await.is_err());
    for clear in [&br#"{"faults": null}"#[..], br#"{"faults": ""}"#] {
        let (status, body) = post_faults(&sandbox, clear).await;
        assert_eq!(status, 200, "{body}");
        assert!(get_alias().await.is_ok(), "cleared");
    }
    assert_eq!(
        faults(&sandbox).await,
        serde_json::json!({"faults": null, "rules": []})
    );
    for bad in [&b"{}"[..], b"[]", b"not json", br#"{"faults": 1}"#] {
        let (status, body) = post_faults(&sandbox, bad).await;
        assert_eq!(status, 400, "{}: {body}", String::from_utf8_lossy(bad));
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_operations_do_not_grow_the_statistics() {
    let sandbox = start("calm").await;
    for i in 0..200 {
        let target = format!("CodeDeploy_20141006.Invented{i}");
        let (status, _, _) = raw(
            &sandbox,
            "POST",
            "/",
            &[
                ("X-Amz-Target", &target),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            b"{}",
        )
        .await;
        assert_eq!(status, 400);
        let path = format!("/service/GraniteServiceVersion20100801/operation/Invented{i}");
        let (status, _, _) = raw(
            &sandbox,
            "POST",
            &path,
            &[("Content-Type", "application/cbor")],
            &[0xbf, 0xff],
        )
        .await;
        assert_eq!(status, 400);
    }
    let stats = stats_of(&sandbox).await;
    for service in ["codedeploy", "cloudwatch"] {
        let ops = stats["services"][service]["operations"]
            .as_object()
            .unwrap();
        assert_eq!(ops.len(), 1, "{service}: {stats}");
        assert_eq!(ops["unknown"]["calls"], 200);
    }
    sandbox.shutdown().await;
}
