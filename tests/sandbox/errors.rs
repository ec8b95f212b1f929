//! Malformed requests, unknown operations, bad scenarios, faults, the sandbox endpoints, the
//! simulated `Date` header and the loopback rule: what a user sees when things go wrong.

use rollwatch::sandbox::{Sandbox, SandboxError, scenario};

use crate::support::http::{header, raw};
use crate::support::sdk::{config, lambda, scenario_file, start, start_toml};

const CD: &str = "CodeDeploy_20141006";

#[tokio::test]
async fn malformed_and_unknown_requests_get_protocol_errors_never_html() {
    let sandbox = start("calm").await;
    let json11 = ("Content-Type", "application/x-amz-json-1.1");
    let (status, headers, body) = raw(
        &sandbox,
        "POST",
        "/",
        &[("X-Amz-Target", &format!("{CD}.GetDeployment")), json11],
        b"{not json",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("\"__type\":\"SerializationException\""),
        "{body}"
    );
    assert!(header(&headers, "x-amzn-requestid").is_some());
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/",
        &[("X-Amz-Target", &format!("{CD}.LaunchRocket")), json11],
        b"{}",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("UnknownOperationException"), "{body}");
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/",
        &[("X-Amz-Target", &format!("{CD}.GetDeployment")), json11],
        b"[1,2]",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("SerializationException"), "{body}");
    let (status, headers, body) = raw(&sandbox, "GET", "/index.html", &[], b"").await;
    assert_eq!(status, 404);
    assert!(
        body.starts_with('{') && body.contains("UnknownOperationException"),
        "{body}"
    );
    assert!(
        !header(&headers, "content-type")
            .unwrap_or("")
            .contains("html")
    );
    let (status, headers, body) = raw(
        &sandbox,
        "PUT",
        "/2015-03-31/functions/orders-api/aliases/live",
        &[("Content-Type", "application/json")],
        b"{oops",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("InvalidRequestContentException"),
        "{body}"
    );
    let (status, headers, _) = raw(
        &sandbox,
        "GET",
        "/2015-03-31/functions/nope/aliases/live",
        &[],
        b"",
    )
    .await;
    assert_eq!(
        (status, header(&headers, "x-amzn-errortype")),
        (404, Some("ResourceNotFoundException"))
    );
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/",
        &[
            ("X-Amz-Target", &format!("{CD}.BatchGetDeployments")),
            json11,
        ],
        br#"{"deploymentIds":[]}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("DeploymentIdRequiredException"), "{body}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn date_header_carries_the_simulated_clock() {
    let sandbox = start("calm").await;
    let (status, _, _) = raw(
        &sandbox,
        "POST",
        "/_sandbox/clock",
        &[("Content-Type", "application/json")],
        br#"{"advance_secs":86400}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (_, headers, _) = raw(
        &sandbox,
        "GET",
        "/2015-03-31/functions/orders-api/aliases/live",
        &[],
        b"",
    )
    .await;
    let date = httpdate::parse_http_date(header(&headers, "date").unwrap()).unwrap();
    let date = date
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((date - sandbox.now()).abs() < 1.5, "Date is simulated time");
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(date - wall > 86000.0, "a day ahead of the wall clock");
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/_sandbox/clock",
        &[("x-rollwatch-sandbox", "1")],
        b"nonsense",
    )
    .await;
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
    assert!(matches!(
        Sandbox::start(faults).await,
        Err(SandboxError::Faults(_))
    ));
}

#[tokio::test]
async fn faults_answer_in_each_services_real_error_shape() {
    let mut cfg = config("calm");
    cfg.faults = Some(
        "throttle@lambda:GetAlias=1,deny=codedeploy:StopDeployment,error5xx@lambda:ListAliases=1"
            .into(),
    );
    let sandbox = Sandbox::start(cfg).await.unwrap();
    let (status, headers, _) = raw(
        &sandbox,
        "GET",
        "/2015-03-31/functions/orders-api/aliases/live",
        &[],
        b"",
    )
    .await;
    assert_eq!(
        (
            status,
            header(&headers, "x-amzn-errortype"),
            header(&headers, "retry-after")
        ),
        (429, Some("TooManyRequestsException"), Some("1"))
    );
    let target = ("X-Amz-Target", "CodeDeploy_20141006.StopDeployment");
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/",
        &[target],
        br#"{"deploymentId":"d-X"}"#,
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body.contains("\"__type\":\"AccessDeniedException\""),
        "{body}"
    );
    let (status, _, _) = raw(
        &sandbox,
        "GET",
        "/2015-03-31/functions/orders-api/aliases",
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 500);
    let (status, _, _) = raw(
        &sandbox,
        "GET",
        "/2015-03-31/functions/orders-api/configuration",
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200, "other operations are untouched");
    let l = lambda(&sandbox).await;
    let err = l
        .get_alias()
        .function_name("orders-api")
        .name("live")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.into_service_error().is_too_many_requests_exception(),
        "the SDK sees a modeled throttling error after its retries"
    );
    let (_, _, stats) = raw(&sandbox, "GET", "/_sandbox/stats", &[], b"").await;
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
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
    let (status, headers, body) =
        raw(&sandbox, "GET", "/_sandbox/events?kind=weight", &[], b"").await;
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
    let (status, _, _) = raw(&sandbox, "GET", "/_sandbox/nope", &[], b"").await;
    assert_eq!(status, 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn latency_and_reset_faults_delay_and_break_calls() {
    let mut cfg = config("calm");
    cfg.faults = Some(
        "latency@lambda:GetFunctionConfiguration=300ms,reset@lambda:ListVersionsByFunction=1"
            .into(),
    );
    let sandbox = Sandbox::start(cfg).await.unwrap();
    let started = std::time::Instant::now();
    let (status, _, _) = raw(
        &sandbox,
        "GET",
        "/2015-03-31/functions/orders-api/configuration",
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(300),
        "the reply was delayed"
    );
    let l = lambda(&sandbox).await;
    let err = l
        .list_versions_by_function()
        .function_name("orders-api")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error().is_none(),
        "a reset is a transport failure, not a service error: {err:?}"
    );
    let (status, _, _) = raw(&sandbox, "GET", "/_sandbox/stats", &[], b"").await;
    assert_eq!(status, 200, "faults never touch /_sandbox/*");
    sandbox.shutdown().await;
}
