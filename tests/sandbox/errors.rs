//! Malformed requests, unknown operations, bad scenarios, faults, the sandbox endpoints, the
//! simulated `Date` header and the loopback rule: what a user sees when things go wrong.

use rollwatch::sandbox::{Sandbox, SandboxError, scenario};

use crate::support::alias;
use crate::support::http::{header, raw, stats_of};
use crate::support::sdk::{config, lambda, scenario_file, service_error, start, start_toml};

const CD: &str = "CodeDeploy_20141006";
const JSON: (&str, &str) = ("Content-Type", "application/json");

/// `GET path`: (status, headers, body).
async fn get(sandbox: &Sandbox, path: &str) -> (u16, Vec<(String, String)>, String) {
    raw(sandbox, "GET", path, &[], b"").await
}

/// `body` sent to CodeDeploy's `operation` in its JSON 1.1 protocol.
async fn codedeploy_call(
    sandbox: &Sandbox,
    operation: &str,
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    let target = format!("{CD}.{operation}");
    let json11 = ("Content-Type", "application/x-amz-json-1.1");
    raw(
        sandbox,
        "POST",
        "/",
        &[("X-Amz-Target", &target), json11],
        body,
    )
    .await
}

#[tokio::test]
async fn malformed_and_unknown_requests_get_protocol_errors_never_html() {
    let sandbox = start("calm").await;
    for (operation, body, error) in [
        ("GetDeployment", &b"{not json"[..], "SerializationException"),
        ("LaunchRocket", b"{}", "UnknownOperationException"),
        ("GetDeployment", b"[1,2]", "SerializationException"),
        (
            "BatchGetDeployments",
            br#"{"deploymentIds":[]}"#,
            "DeploymentIdRequiredException",
        ),
    ] {
        let case = format!("{operation} {}", String::from_utf8_lossy(body));
        let (status, headers, reply) = codedeploy_call(&sandbox, operation, body).await;
        assert_eq!(status, 400, "{case}: {reply}");
        let error = format!("\"__type\":\"{error}\"");
        assert!(reply.contains(&error), "{case}: no {error} in {reply}");
        assert!(header(&headers, "x-amzn-requestid").is_some(), "{case}");
    }
    let (status, headers, body) = get(&sandbox, "/index.html").await;
    assert_eq!(status, 404);
    assert!(
        body.starts_with('{') && body.contains("UnknownOperationException"),
        "{body}"
    );
    let content_type = header(&headers, "content-type").unwrap_or("");
    assert!(!content_type.contains("html"), "{content_type}");
    let live = "/2015-03-31/functions/orders-api/aliases/live";
    let (status, headers, body) = raw(&sandbox, "PUT", live, &[JSON], b"{oops").await;
    assert_eq!(
        (status, header(&headers, "x-amzn-errortype")),
        (400, Some("InvalidRequestContentException")),
        "{body}"
    );
    let (status, headers, _) = get(&sandbox, "/2015-03-31/functions/nope/aliases/live").await;
    assert_eq!(
        (status, header(&headers, "x-amzn-errortype")),
        (404, Some("ResourceNotFoundException"))
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn date_header_carries_the_simulated_clock() {
    let sandbox = start("calm").await;
    let day = br#"{"advance_secs":86400}"#;
    let (status, _, _) = raw(&sandbox, "POST", "/_sandbox/clock", &[JSON], day).await;
    assert_eq!(status, 200);
    let (_, headers, _) = get(&sandbox, "/2015-03-31/functions/orders-api/aliases/live").await;
    let date = httpdate::parse_http_date(header(&headers, "date").unwrap()).unwrap();
    let since_epoch = |t: std::time::SystemTime| {
        let since = t.duration_since(std::time::UNIX_EPOCH).unwrap();
        since.as_secs_f64()
    };
    let date = since_epoch(date);
    assert!((date - sandbox.now()).abs() < 1.5, "Date is simulated time");
    let wall = since_epoch(std::time::SystemTime::now());
    assert!(date - wall > 86000.0, "a day ahead of the wall clock");
    let ours = [("x-rollwatch-sandbox", "1")];
    let (status, _, body) = raw(&sandbox, "POST", "/_sandbox/clock", &ours, b"nonsense").await;
    assert_eq!(status, 400, "{body}");
    sandbox.shutdown().await;
}

fn rejected(toml: &str) -> scenario::ScenarioError {
    scenario::parse("bad.toml", toml).expect_err("scenario must be rejected")
}

const BASE: &str = r#"history_minutes = 0

[[function]]
name = "f"
alias = "live"
versions = 2
alias_version = 1

[[application]]
name = "app"

[[group]]
application = "app"
name = "g"
config = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
"#;

#[test]
fn bad_scenarios_name_the_file_line_and_field() {
    let e = rejected(&format!(
        "{BASE}\n[[deployment]]\napplication = \"app\"\ngroup = \"g\"\nfunction = \"ghost\"\ncurrent = 1\ntarget = 2\nat_min = 0\n"
    ));
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_str()),
        ("bad.toml", 20, "deployment[0].function"),
        "{e}"
    );
    assert!(e.message.contains("unknown function `ghost`"), "{e}");
    let e = rejected(&BASE.replace(
        "alias_version = 1",
        "alias_version = 1\nalias_weights = { \"2\" = 1.5 }",
    ));
    assert_eq!(
        (e.line, e.field.as_str()),
        (8, "function[0].alias_weights.2"),
        "{e}"
    );
    let dep = |at: i32| {
        format!(
            "\n[[deployment]]\napplication = \"app\"\ngroup = \"g\"\nfunction = \"f\"\ncurrent = 1\ntarget = 2\nat_min = {at}\n"
        )
    };
    let e = rejected(&format!("{BASE}{}{}", dep(0), dep(3)));
    assert_eq!(e.field, "deployment[1].at_min", "{e}");
    assert!(e.message.contains("overlaps deployment[0]"), "{e}");
    assert_eq!(e.line, 31, "{e}");
    let e = rejected(&BASE.replace("versions = 2", "versions = \"two\""));
    assert_eq!((e.line, e.field.as_str()), (6, "versions"), "{e}");
    let e = rejected(&BASE.replace("alias = \"live\"", "alias = \"live\"\ncolour = \"blue\""));
    assert!(e.message.contains("unknown field `colour`"), "{e}");
    assert_eq!(e.line, 6, "{e}");
    assert!(e.to_string().starts_with("bad.toml:6: colour:"), "{e}");
    let e = rejected(&BASE.replace("history_minutes = 0", "history_minutes = 1e9"));
    assert_eq!((e.line, e.field.as_str()), (1, "history_minutes"), "{e}");
    let e = rejected(&format!(
        "{BASE}\n[[alarm]]\nname = \"a\"\nmetric = \"Errors\"\nthreshold = 1\nperiod_secs = 45\n"
    ));
    assert_eq!(
        (e.line, e.field.as_str()),
        (18, "alarm[0].period_secs"),
        "{e}"
    );
    let e = rejected(&BASE.replace("alias_version = 1", "alias_version = 1\nburstiness = -0.3"));
    assert_eq!(
        (e.line, e.field.as_str()),
        (8, "function[0].burstiness"),
        "{e}"
    );
    assert!(e.message.contains("between 0 and 3"), "{e}");
    let e = rejected(&BASE.replace(
        "alias_version = 1",
        "alias_version = 1\nwarmup_factor = 0.5",
    ));
    assert_eq!(
        (e.line, e.field.as_str()),
        (8, "function[0].warmup_factor"),
        "{e}"
    );
    let e = rejected(&BASE.replace(
        "alias_version = 1",
        "alias_version = 1\nwarmup_invocations = 2.5",
    ));
    assert_eq!(
        (e.line, e.field.as_str()),
        (8, "function[0].warmup_invocations"),
        "{e}"
    );
}

#[tokio::test]
async fn every_built_in_scenario_loads_and_bad_files_fail_to_start() {
    for (name, _) in scenario::BUILT_IN {
        scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let file = scenario_file("[[function]]\nname = 1\n");
    let path = file.path().to_str().unwrap().to_owned();
    let Err(SandboxError::Scenario(e)) = Sandbox::start(config(&path)).await else {
        panic!("must fail")
    };
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_str()),
        (path.as_str(), 2, "name")
    );
    assert!(matches!(
        Sandbox::start(config("no-such-scenario")).await,
        Err(SandboxError::Scenario(_))
    ));
    let mut remote = config("calm");
    remote.listen = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(
        Sandbox::start(remote).await,
        Err(SandboxError::NotLoopback(_))
    ));
    let mut faults = config("calm");
    faults.faults = Some("throttle=lots".into());
    let refused = Sandbox::start(faults).await;
    assert!(
        matches!(refused, Err(SandboxError::Faults(_))),
        "throttle=lots"
    );
}

/// A `calm` sandbox with the faults of `spec` (`--faults`).
async fn with_faults(spec: &str) -> Sandbox {
    let mut cfg = config("calm");
    cfg.faults = Some(spec.into());
    Sandbox::start(cfg).await.unwrap()
}

#[tokio::test]
async fn faults_answer_in_each_services_real_error_shape() {
    let sandbox = with_faults(
        "throttle@lambda:GetAlias=1,deny=codedeploy:StopDeployment,error5xx@lambda:ListAliases=1",
    )
    .await;
    let (status, headers, _) = get(&sandbox, "/2015-03-31/functions/orders-api/aliases/live").await;
    assert_eq!(
        (
            status,
            header(&headers, "x-amzn-errortype"),
            header(&headers, "retry-after")
        ),
        (429, Some("TooManyRequestsException"), Some("1"))
    );
    let stop = br#"{"deploymentId":"d-X"}"#;
    let (status, _, body) = codedeploy_call(&sandbox, "StopDeployment", stop).await;
    assert_eq!(status, 403);
    assert!(
        body.contains("\"__type\":\"AccessDeniedException\""),
        "{body}"
    );
    let (status, _, _) = get(&sandbox, "/2015-03-31/functions/orders-api/aliases").await;
    assert_eq!(status, 500, "ListAliases answers 5xx");
    let (status, _, _) = get(&sandbox, "/2015-03-31/functions/orders-api/configuration").await;
    assert_eq!(status, 200, "other operations are untouched");
    let l = lambda(&sandbox).await;
    let err = service_error(alias::get(&l, "orders-api", "live").await);
    assert!(
        err.is_too_many_requests_exception(),
        "the SDK sees a modeled throttling error after its retries"
    );
    let stats = stats_of(&sandbox).await;
    let get_alias = &stats["services"]["lambda"]["operations"]["GetAlias"];
    assert!(get_alias["calls"].as_u64().unwrap() >= 2, "{stats}");
    assert_eq!(get_alias["calls"], get_alias["faults"], "{stats}");
    assert_eq!(get_alias["mutating"], false);
    assert_eq!(
        stats["services"]["codedeploy"]["operations"]["StopDeployment"]["mutating"],
        true
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn events_endpoint_is_the_ground_truth() {
    let (sandbox, _file) = start_toml(&format!("{BASE}\n[[deployment]]\napplication = \"app\"\ngroup = \"g\"\nfunction = \"f\"\ncurrent = 1\ntarget = 2\nat_min = 0\n")).await;
    sandbox.advance(303.0);
    let (status, headers, body) = get(&sandbox, "/_sandbox/events?kind=weight").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let weights: Vec<String> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["detail"]["source"].as_str().unwrap(),
                e["detail"]["function_version"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(weights, ["scenario:1", "codedeploy:1", "codedeploy:2"]);
    assert!(v["events"][1]["wall_time"].as_f64().unwrap() > 1.0e9);
    let (status, _, _) = get(&sandbox, "/_sandbox/nope").await;
    assert_eq!(status, 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn latency_and_reset_faults_delay_and_break_calls() {
    let sandbox = with_faults(
        "latency@lambda:GetFunctionConfiguration=300ms,reset@lambda:ListVersionsByFunction=1",
    )
    .await;
    let started = std::time::Instant::now();
    let (status, _, _) = get(&sandbox, "/2015-03-31/functions/orders-api/configuration").await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(300),
        "the reply was delayed"
    );
    let l = lambda(&sandbox).await;
    let versions = l.list_versions_by_function().function_name("orders-api");
    let err = versions.send().await.unwrap_err();
    assert!(
        err.as_service_error().is_none(),
        "a reset is a transport failure, not a service error: {err:?}"
    );
    let (status, _, _) = get(&sandbox, "/_sandbox/stats").await;
    assert_eq!(status, 200, "faults never touch /_sandbox/*");
    sandbox.shutdown().await;
}
