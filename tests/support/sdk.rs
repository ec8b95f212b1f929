//! The sandbox through the AWS SDK: a frozen-clock sandbox started from a built-in scenario or
//! scenario text, the SDK clients on it, the service error a call answers with, metric queries,
//! and what its ground truth and CodeDeploy say happened.

use std::fmt::Debug;
use std::io::Write;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_sdk_cloudwatch::types::{Metric, MetricDataQuery, MetricStat};
use aws_sdk_codedeploy::types::DeploymentInfo;
use aws_smithy_runtime_api::client::result::{CreateUnhandledError, SdkError};
use aws_types::region::Region;
use rollwatch::sandbox::{Sandbox, SandboxConfig, observe::Event};

/// A frozen-clock sandbox on an ephemeral loopback port.
pub fn config(scenario: &str) -> SandboxConfig {
    SandboxConfig::loopback(scenario).speed(0.0).seed(7)
}

/// Starts a built-in scenario.
pub async fn start(scenario: &str) -> Sandbox {
    Sandbox::start(config(scenario)).await.unwrap()
}

/// Writes scenario TOML to a temp file (kept alive by the caller).
pub fn scenario_file(toml: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(toml.as_bytes()).unwrap();
    file
}

/// Starts a sandbox from scenario text.
pub async fn start_toml(toml: &str) -> (Sandbox, tempfile::NamedTempFile) {
    let file = scenario_file(toml);
    let sandbox = Sandbox::start(config(file.path().to_str().unwrap()))
        .await
        .unwrap();
    (sandbox, file)
}

/// The SDK configuration every client uses (static fake credentials).
pub async fn sdk(sandbox: &Sandbox) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(sandbox.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .load()
        .await
}

pub async fn codedeploy(sandbox: &Sandbox) -> aws_sdk_codedeploy::Client {
    aws_sdk_codedeploy::Client::new(&sdk(sandbox).await)
}

pub async fn lambda(sandbox: &Sandbox) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&sdk(sandbox).await)
}

pub async fn cloudwatch(sandbox: &Sandbox) -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::new(&sdk(sandbox).await)
}

pub async fn logs(sandbox: &Sandbox) -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::new(&sdk(sandbox).await)
}

/// The service error an SDK call answered with (ask it `is_…_exception()`); panics, showing
/// the output, when the call succeeded.
#[track_caller]
pub fn service_error<T: Debug, E, R>(result: Result<T, SdkError<E, R>>) -> E
where
    E: std::error::Error + Send + Sync + CreateUnhandledError + 'static,
    R: Debug + Send + Sync + 'static,
{
    match result {
        Ok(output) => panic!("expected a service error, the call succeeded: {output:?}"),
        Err(e) => e.into_service_error(),
    }
}

/// The code of a deployment's error information (`ALARM_ACTIVE`, `MANUAL_STOP`, …).
pub fn error_code(deployment: &DeploymentInfo) -> Option<&str> {
    deployment
        .error_information()
        .and_then(|e| e.code())
        .map(aws_sdk_codedeploy::types::ErrorCode::as_str)
}

/// A `GetMetricData` query of `stat` of `metric` in `period`-second buckets.
pub fn stat_query(id: &str, metric: Metric, stat: &str, period: i32) -> MetricDataQuery {
    let stat = MetricStat::builder()
        .metric(metric)
        .period(period)
        .stat(stat)
        .build();
    MetricDataQuery::builder().id(id).metric_stat(stat).build()
}

/// The codedeploy-driven alias weights of a deployment: (seconds after its first shift, % on
/// the target), from the ground truth.
pub fn shifts(events: &[Event], deployment_id: &str) -> Vec<(f64, f64)> {
    let mine: Vec<&Event> = events
        .iter()
        .filter(|e| {
            e.kind == "weight"
                && e.deployment_id.as_deref() == Some(deployment_id)
                && e.detail["source"] == "codedeploy"
        })
        .collect();
    let Some(t0) = mine.first().map(|e| e.sim_time) else {
        return Vec::new();
    };
    mine.iter()
        .map(|e| {
            let pct = (super::alias::event_share(&e.detail) * 100.0).round();
            (e.sim_time - t0, pct)
        })
        .collect()
}

/// Deployment ids in creation order whose group is `group`.
pub async fn deployments_of(
    cd: &aws_sdk_codedeploy::Client,
    app: &str,
    group: &str,
) -> Vec<aws_sdk_codedeploy::types::DeploymentInfo> {
    let ids = cd
        .list_deployments()
        .application_name(app)
        .deployment_group_name(group)
        .send()
        .await
        .unwrap()
        .deployments
        .unwrap_or_default();
    if ids.is_empty() {
        return Vec::new();
    }
    let mut infos = cd
        .batch_get_deployments()
        .set_deployment_ids(Some(ids))
        .send()
        .await
        .unwrap()
        .deployments_info
        .unwrap_or_default();
    infos.sort_by_key(|d| d.create_time.map(|t| t.as_secs_f64() as i64));
    infos
}

/// Function `reports` with versions 1 and 2 and its `live` alias on 1, 25% on 2: no
/// deployment group, no deployment.
pub async fn split_by_hand(lambda: &aws_sdk_lambda::Client) {
    lambda
        .create_function()
        .function_name("reports")
        .role("arn:aws:iam::123456789012:role/r")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("app.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(b"PK".to_vec()))
                .build(),
        )
        .send()
        .await
        .expect("create function");
    for _ in 0..2 {
        lambda
            .publish_version()
            .function_name("reports")
            .send()
            .await
            .expect("publish");
    }
    let routing = aws_sdk_lambda::types::AliasRoutingConfiguration::builder()
        .additional_version_weights("2", 0.25)
        .build();
    lambda
        .create_alias()
        .function_name("reports")
        .name("live")
        .function_version("1")
        .routing_config(routing)
        .send()
        .await
        .expect("create alias");
}

/// Puts `reports:live` back whole, on version 2.
pub async fn make_whole(lambda: &aws_sdk_lambda::Client) {
    lambda
        .update_alias()
        .function_name("reports")
        .name("live")
        .function_version("2")
        .routing_config(aws_sdk_lambda::types::AliasRoutingConfiguration::builder().build())
        .send()
        .await
        .expect("make the alias whole");
}
