//! Property tests: whatever bytes or structure a request carries, the sandbox's decoders (the
//! awsJson bodies of `CodeDeploy` and Logs, `CloudWatch`'s CBOR and JSON, the STS Query form, the
//! Lambda REST path router and query strings, gzip, the `Host` check) answer with a reply in
//! the service's error shape, never a panic. A few hundred cases each, against one shared world
//! built from the `calm` scenario (so requests reach real functions, deployments and alarms).

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use ciborium::Value as Cbor;
use proptest::prelude::*;
use serde_json::Value;

use crate::sandbox::router::{self, Classified, Target};
use crate::sandbox::world::World;
use crate::sandbox::{SandboxConfig, build_world, cloudwatch, codedeploy, guard, logs, sts};

const CASES: u32 = 256;

fn world() -> MutexGuard<'static, World> {
    static WORLD: OnceLock<Mutex<World>> = OnceLock::new();
    WORLD
        .get_or_init(|| {
            let config = SandboxConfig {
                listen: "127.0.0.1:0".parse().expect("address"),
                scenario: "calm".to_owned(),
                speed: 0.0,
                faults: None,
                seed: 7,
                allow_remote: false,
                accounts: 1,
                starts_at: None,
            };
            Mutex::new(build_world(&config).expect("calm scenario"))
        })
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Member names of every service's inputs, so structured bodies reach the handlers' logic.
const MEMBERS: &[&str] = &[
    "applicationName",
    "deploymentGroupName",
    "deploymentId",
    "deploymentIds",
    "nextToken",
    "includeOnlyStatuses",
    "createTimeRange",
    "start",
    "end",
    "revision",
    "revisionType",
    "appSpecContent",
    "string",
    "content",
    "sha256",
    "deploymentConfigName",
    "trafficRoutingConfig",
    "type",
    "timeBasedCanary",
    "canaryPercentage",
    "canaryInterval",
    "targetIds",
    "lifecycleEventHookExecutionId",
    "status",
    "externalId",
    "logGroupName",
    "logGroupIdentifier",
    "logStreamNames",
    "logStreamNamePrefix",
    "filterPattern",
    "startTime",
    "endTime",
    "limit",
    "startFromHead",
    "MetricDataQueries",
    "Id",
    "Expression",
    "MetricStat",
    "Metric",
    "Namespace",
    "MetricName",
    "Dimensions",
    "Name",
    "Value",
    "Period",
    "Stat",
    "StartTime",
    "EndTime",
    "NextToken",
    "MaxDatapoints",
    "ScanBy",
    "ReturnData",
    "MetricData",
    "Values",
    "Counts",
    "Timestamp",
    "StatisticValues",
    "SampleCount",
    "Sum",
    "Minimum",
    "Maximum",
    "AlarmName",
    "AlarmNames",
    "AlarmRule",
    "Threshold",
    "ComparisonOperator",
    "EvaluationPeriods",
    "Statistic",
    "StateValue",
    "StateReason",
    "MaxRecords",
    "FunctionName",
    "FunctionVersion",
    "RoutingConfig",
    "AdditionalVersionWeights",
    "RevisionId",
    "Code",
    "ZipFile",
    "Publish",
];

/// String values that mean something to some handler.
const VALUES: &[&str] = &[
    "",
    "orders-api",
    "live",
    "1",
    "2",
    "$LATEST",
    "calm-app",
    "AWS/Lambda",
    "Errors",
    "Sum",
    "p99",
    "m1",
    "e1",
    "e1 + m1",
    "FILL(m1, REPEAT)",
    "IF(m1 > 0, m1, 0)",
    "TimeBasedCanary",
    "AppSpecContent",
    "ALARM",
    "ALARM(a) OR NOT OK(b)",
    "nt-18446744073709551615",
    "nt-18446744073709551616",
    "gmd-99999999999999999999",
    "fle1_a_9223372036854775807_18446744073709551615",
    "TimestampAscending",
    "GreaterThanThreshold",
    "{\"Resources\":[{\"f\":{\"Properties\":{\"Name\":\"orders-api\"}}}]}",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(VALUES).prop_map(str::to_owned),
        1 => "\\PC{0,16}",
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (0u32..200).prop_map(Value::from),
        Just(Value::from(1.0e15)),
    ]
}

/// Arbitrary JSON built from the services' member names and meaningful values.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(MEMBERS), inner), 0..8).prop_map(
                |entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                    )
                }
            ),
        ]
    })
}

/// Arbitrary CBOR built the same way (tag-1 timestamps, floats, integers, byte strings).
fn cbor_value() -> impl Strategy<Value = Cbor> {
    let leaf = prop_oneof![
        Just(Cbor::Null),
        any::<bool>().prop_map(Cbor::Bool),
        any::<i64>().prop_map(|n| Cbor::Integer(n.into())),
        any::<f64>().prop_map(Cbor::Float),
        any::<f64>().prop_map(|t| Cbor::Tag(1, Box::new(Cbor::Float(t)))),
        any::<u64>().prop_map(|t| Cbor::Tag(any_tag(t), Box::new(Cbor::Integer(t.into())))),
        text().prop_map(Cbor::Text),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Cbor::Bytes),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Cbor::Array),
            proptest::collection::vec((proptest::sample::select(MEMBERS), inner), 0..8).prop_map(
                |entries| {
                    Cbor::Map(
                        entries
                            .into_iter()
                            .map(|(k, v)| (Cbor::Text(k.to_owned()), v))
                            .collect(),
                    )
                }
            ),
        ]
    })
}

fn any_tag(t: u64) -> u64 {
    t % 4
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..256)
}

/// A JSON body: structured, its text cut short or corrupted, or plain bytes.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => (json_value(), any::<usize>()).prop_map(|(v, cut)| {
            let mut b = v.to_string().into_bytes();
            b.truncate(cut % (b.len() + 1));
            b
        }),
        1 => bytes(),
    ]
}

/// A CBOR body: structured, cut short, or plain bytes.
fn cbor_body() -> impl Strategy<Value = Vec<u8>> {
    let encode = |v: Cbor| {
        let mut out = Vec::new();
        ciborium::into_writer(&v, &mut out)
            .map(|()| out)
            .unwrap_or_default()
    };
    prop_oneof![
        4 => cbor_value().prop_map(encode),
        1 => (cbor_value(), any::<usize>()).prop_map(move |(v, cut)| {
            let mut b = encode(v);
            b.truncate(cut % (b.len() + 1));
            b
        }),
        1 => bytes(),
    ]
}

/// What every reply must look like: a real status, and an error body for a 4xx/5xx.
fn check(reply: &crate::sandbox::wire::Reply) -> Result<(), TestCaseError> {
    prop_assert!(
        (200..600).contains(&reply.status),
        "status {}",
        reply.status
    );
    if reply.status >= 400 {
        prop_assert!(!reply.body.is_empty(), "an error reply has a body");
    }
    Ok(())
}

fn run(
    target: Target,
    service: &'static str,
    operation: &str,
    query: &str,
    body: &[u8],
) -> crate::sandbox::wire::Reply {
    let c = Classified {
        service,
        operation: operation.to_owned(),
        target,
    };
    let mut world = world();
    router::dispatch(&mut world, &c, query, body)
}

fn header<'a>(reply: &'a crate::sandbox::wire::Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

const SEGMENTS: &[&str] = &[
    "orders-api",
    "aliases",
    "versions",
    "configuration",
    "live",
    "%41",
    "%",
    "%ff%fe",
    "%00",
    "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aorders-api%3Alive",
    "a:b:c:d",
    "orders-api:99999999999999999999999",
];
const SUFFIXES: &[&str] = &["", "/versions", "/aliases", "/configuration", "/aliases/"];
const QUERY_KEYS: &[&str] = &[
    "Marker",
    "Marker",
    "Marker",
    "MaxItems",
    "MaxItems",
    "Qualifier",
    "FunctionVersion",
];
const PREFIXES: &[&str] = &[
    "CodeDeploy_20141006",
    "Logs_20140328",
    "GraniteServiceVersion20100801",
    "Nope",
];
const FORM_KEYS: &[&str] = &["Action", "Version", "%41ction", ""];

/// Lambda paths: real routes (mostly) with real, odd, percent-encoded or ARN labels, or
/// anything below `/2015-03-31/`.
fn lambda_path() -> impl Strategy<Value = String> {
    let label = || {
        prop_oneof![
            2 => Just("orders-api".to_owned()),
            3 => proptest::sample::select(SEGMENTS).prop_map(str::to_owned),
            1 => "\\PC{0,10}",
        ]
    };
    let route = (proptest::sample::select(SUFFIXES), label(), label()).prop_map(
        |(suffix, function, alias)| {
            let tail = if suffix == "/aliases/" {
                format!("{suffix}{alias}")
            } else {
                suffix.to_owned()
            };
            format!("/2015-03-31/functions/{function}{tail}")
        },
    );
    prop_oneof![
        4 => route,
        2 => Just("/2015-03-31/functions".to_owned()),
        1 => proptest::collection::vec(label(), 0..5)
            .prop_map(|segs| format!("/2015-03-31/functions/{}", segs.join("/"))),
        1 => "/2015-03-31/\\PC{0,30}",
    ]
}

fn query_string() -> impl Strategy<Value = String> {
    let pair = prop_oneof![
        4 => (
            proptest::sample::select(QUERY_KEYS),
            prop_oneof![
                // usize::MAX and past it: a marker's arithmetic must not overflow.
                2 => Just("18446744073709551615".to_owned()),
                1 => Just("18446744073709551616".to_owned()),
                1 => Just("-1".to_owned()),
                1 => Just("%ff".to_owned()),
                1 => any::<u64>().prop_map(|n| n.to_string()),
                2 => (0u32..20).prop_map(|n| n.to_string()),
                1 => "\\PC{0,8}",
            ]
        )
            .prop_map(|(k, v)| format!("{k}={v}")),
        1 => "\\PC{0,12}",
    ];
    proptest::collection::vec(pair, 0..4).prop_map(|p| p.join("&"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Any method, path, `X-Amz-Target` and STS action classify (or are refused) and dispatch
    /// without a panic.
    #[test]
    fn classify_and_dispatch_never_panic(
        method in "GET|POST|PUT|DELETE|PATCH|[A-Z]{1,7}",
        path in prop_oneof![
            lambda_path(),
            "/service/GraniteServiceVersion20100801/operation/\\PC{0,20}",
            "\\PC{0,40}",
        ],
        target in proptest::option::of(prop_oneof![
            (
                proptest::sample::select(PREFIXES),
                prop_oneof![
                    proptest::sample::select(codedeploy::ops::OPERATIONS).prop_map(str::to_owned),
                    proptest::sample::select(cloudwatch::OPERATIONS).prop_map(str::to_owned),
                    "\\PC{0,12}",
                ],
            ).prop_map(|(p, o)| format!("{p}.{o}")),
            "\\PC{0,20}",
        ]),
        action in proptest::option::of("\\PC{0,20}"),
        query in query_string(),
        body in prop_oneof![json_body(), cbor_body()],
    ) {
        match router::classify(&method, &path, target.as_deref(), action.as_deref()) {
            Ok(c) => {
                let _ = c.stats_operation();
                let reply = {
                    let mut world = world();
                    router::dispatch(&mut world, &c, &query, &body)
                };
                check(&reply)?;
            }
            Err(reply) => check(&reply)?,
        }
    }

    /// `CodeDeploy`'s awsJson1.1 bodies: every operation, any body.
    #[test]
    fn codedeploy_bodies_never_panic(
        op in proptest::sample::select(codedeploy::ops::OPERATIONS),
        body in json_body(),
    ) {
        let reply = run(Target::CodeDeploy, "codedeploy", op, "", &body);
        check(&reply)?;
        if reply.status >= 400 {
            let parsed: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
            prop_assert!(parsed["__type"].is_string(), "{parsed}");
        }
    }

    /// Logs' awsJson1.1 bodies.
    #[test]
    fn logs_bodies_never_panic(
        op in prop_oneof![proptest::sample::select(logs::OPERATIONS).prop_map(str::to_owned), "\\PC{0,10}"],
        body in json_body(),
    ) {
        let reply = run(Target::Logs, "logs", &op, "", &body);
        check(&reply)?;
        if reply.status >= 400 {
            let parsed: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
            prop_assert!(parsed["__type"].is_string(), "{parsed}");
        }
    }

    /// `CloudWatch`'s two codecs: every operation, CBOR and JSON bodies in either codec.
    #[test]
    fn cloudwatch_bodies_never_panic(
        op in proptest::sample::select(cloudwatch::OPERATIONS),
        cbor in any::<bool>(),
        body in prop_oneof![json_body(), cbor_body()],
    ) {
        let codec = if cbor { cloudwatch::Codec::Cbor } else { cloudwatch::Codec::Json };
        let reply = run(Target::CloudWatch(codec), "cloudwatch", op, "", &body);
        check(&reply)?;
        if reply.status >= 400 {
            prop_assert!(header(&reply, "x-amzn-query-error").is_some());
        }
    }

    /// STS's Query form: any body, and forms of real and odd keys.
    #[test]
    fn sts_forms_never_panic(
        body in prop_oneof![
            bytes(),
            proptest::collection::vec(
                (proptest::sample::select(FORM_KEYS), "\\PC{0,20}"),
                0..5,
            ).prop_map(|p| p.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").into_bytes()),
        ],
    ) {
        if let Some(action) = sts::form_action(&body) {
            let reply = sts::handle(&action, sts::ACCOUNT);
            check(&reply)?;
        }
        let reply = run(Target::Sts, "sts", "GetCallerIdentity", "", &body);
        check(&reply)?;
    }

    /// Lambda's REST router and query strings: any path below `/2015-03-31/`, any query, any
    /// body, every method.
    #[test]
    fn lambda_paths_and_queries_never_panic(
        method in "GET|GET|POST|PUT|DELETE",
        path in lambda_path(),
        query in query_string(),
        body in json_body(),
    ) {
        let _ = crate::sandbox::lambda::ops::query_map(&query);
        if let Some(route) = crate::sandbox::lambda::ops::route(&method, &path) {
            let op = route.op;
            let reply = run(Target::Lambda(route), "lambda", op, &query, &body);
            check(&reply)?;
            if reply.status >= 400 {
                prop_assert!(header(&reply, "X-Amzn-ErrorType").is_some());
            }
        }
    }

    /// Every page token the sandbox parses, with numbers at and past the integer limits:
    /// refused with the service's invalid-token error or served, never overflowed.
    #[test]
    fn page_tokens_never_overflow(
        which in 0usize..7,
        number in prop_oneof![
            Just("18446744073709551615".to_owned()),
            Just("18446744073709551614".to_owned()),
            Just("9223372036854775807".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("-1".to_owned()),
            any::<u64>().prop_map(|n| n.to_string()),
            (0u32..200).prop_map(|n| n.to_string()),
        ],
        second in any::<u64>(),
    ) {
        let json_token = |op: &str, key: &str, prefix: &str| (op.to_owned(), key.to_owned(), format!("{prefix}{number}"));
        let reply = match which {
            0 => {
                let body = serde_json::json!({"nextToken": format!("nt-{number}")}).to_string();
                run(Target::CodeDeploy, "codedeploy", "ListDeployments", "", body.as_bytes())
            }
            1 => {
                let body = serde_json::json!({"logGroupName": "/aws/lambda/orders-api", "nextToken": format!("fle1_a_{number}_{second}")}).to_string();
                run(Target::Logs, "logs", "FilterLogEvents", "", body.as_bytes())
            }
            2..=5 => {
                let (op, key, token) = [
                    json_token("ListMetrics", "NextToken", "lm-"),
                    json_token("DescribeAlarms", "NextToken", "da-"),
                    json_token("DescribeAlarmHistory", "NextToken", "dah-"),
                    json_token("GetMetricData", "NextToken", "gmd-"),
                ][which - 2].clone();
                let mut body = serde_json::json!({key: token});
                if op == "GetMetricData" {
                    body["MetricDataQueries"] = serde_json::json!([{"Id": "e", "Expression": "1"}]);
                    body["StartTime"] = serde_json::json!(1.7e9);
                    body["EndTime"] = serde_json::json!(1.7e9 + 600.0);
                }
                run(Target::CloudWatch(cloudwatch::Codec::Json), "cloudwatch", &op, "", body.to_string().as_bytes())
            }
            _ => {
                let path = ["/2015-03-31/functions", "/2015-03-31/functions/orders-api/aliases", "/2015-03-31/functions/orders-api/versions"][usize::try_from(second % 3).unwrap_or(0)];
                let route = crate::sandbox::lambda::ops::route("GET", path).expect("a list route");
                let op = route.op;
                run(Target::Lambda(route), "lambda", op, &format!("Marker={number}"), b"")
            }
        };
        check(&reply)?;
    }

    /// Raw query strings, percent escapes and all.
    #[test]
    fn query_map_never_panics(query in "(\\PC|%[0-9a-fA-F]{0,2}|[&=+]){0,60}") {
        let _ = crate::sandbox::lambda::ops::query_map(&query);
    }

    /// A `Content-Encoding: gzip` body that is not gzip is refused, not a panic.
    #[test]
    fn gunzip_never_panics(body in prop_oneof![
        bytes(),
        bytes().prop_map(|b| [vec![0x1f, 0x8b, 0x08, 0x00], b].concat()),
    ]) {
        let _ = router::gunzip(&body);
    }

    /// Any `Host` value is judged, never a panic.
    #[test]
    fn host_check_never_panics(host in "(\\PC|\\[|\\]|:){0,30}") {
        let _ = guard::loopback_host(&host);
    }
}

#[test]
fn unknown_operations_are_counted_under_one_name_per_service() {
    for (target, service) in [
        ("CodeDeploy_20141006.LaunchRocket", "codedeploy"),
        ("Logs_20140328.PutLogEvents", "logs"),
        ("GraniteServiceVersion20100801.PutDashboard", "cloudwatch"),
    ] {
        let c = router::classify("POST", "/", Some(target), None).expect("classified");
        assert_eq!((c.service, c.stats_operation()), (service, "unknown"));
    }
    let c = router::classify(
        "POST",
        "/service/GraniteServiceVersion20100801/operation/GetMetricData",
        None,
        None,
    )
    .expect("cw");
    assert_eq!(c.stats_operation(), "GetMetricData");
    let c = router::classify("POST", "/", None, Some("AssumeRole")).expect("sts");
    assert_eq!(c.stats_operation(), "unknown");
}

/// Every operation a service lists as known is one its handler implements (an empty body
/// never answers "unknown operation").
#[test]
fn the_known_operation_lists_match_the_handlers() {
    let unknown = |r: &crate::sandbox::wire::Reply| {
        let text = String::from_utf8_lossy(&r.body).into_owned();
        text.contains("UnknownOperation") || text.contains("InvalidAction")
    };
    for op in codedeploy::ops::OPERATIONS {
        let r = run(Target::CodeDeploy, "codedeploy", op, "", b"{}");
        assert!(!unknown(&r), "codedeploy {op}");
    }
    for op in cloudwatch::OPERATIONS {
        let r = run(
            Target::CloudWatch(cloudwatch::Codec::Json),
            "cloudwatch",
            op,
            "",
            b"{}",
        );
        assert!(!unknown(&r), "cloudwatch {op}");
    }
    for op in logs::OPERATIONS {
        let r = run(Target::Logs, "logs", op, "", b"{}");
        assert!(!unknown(&r), "logs {op}");
    }
    for op in sts::OPERATIONS {
        assert!(!unknown(&sts::handle(op, sts::ACCOUNT)), "sts {op}");
    }
    let r = run(Target::CodeDeploy, "codedeploy", "LaunchRocket", "", b"{}");
    assert!(unknown(&r));
}
