//! Starts moto's server (`ROLLWATCH_MOTO_SERVER`, installed by scripts/test) on a free loopback
//! port, and seeds it with a Lambda canary deployment through the real AWS SDK.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;

/// A running moto server, killed on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// Starts moto; None (the test is skipped) when it is not installed and not on CI.
    pub fn start() -> Option<Self> {
        let Ok(server) = std::env::var("ROLLWATCH_MOTO_SERVER") else {
            assert!(
                std::env::var("CI").is_err(),
                "ROLLWATCH_MOTO_SERVER must be set on CI"
            );
            eprintln!("skipped: ROLLWATCH_MOTO_SERVER is not set (scripts/test installs moto)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SDK config for an emulator endpoint.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await
}

/// An empty zip archive: enough code for a function that never runs.
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// Creates the IAM role moto requires before CreateFunction (IAM speaks awsQuery, for which
/// rollwatch has no SDK crate: the AWS CLI from the same venv does it).
fn create_lambda_role(endpoint: &str) {
    let cli = std::env::var("ROLLWATCH_AWS_CLI").expect("ROLLWATCH_AWS_CLI (scripts/test sets it)");
    let out = Command::new(cli)
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            "us-east-1",
            "iam",
            "create-role",
        ])
        .args([
            "--role-name",
            "lambda-role",
            "--assume-role-policy-document",
            "{}",
        ])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .expect("run the AWS CLI");
    assert!(
        out.status.success(),
        "create-role: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Function `orders` with versions 1 and 2, alias `live` at 90/10, and a CodeDeploy canary
/// deployment moving it from 1 to 2. Returns the deployment id.
pub async fn seed_canary(endpoint: &str) -> String {
    use aws_sdk_codedeploy::types as cd;
    use aws_sdk_lambda::types as lm;
    create_lambda_role(endpoint);
    let config = sdk_config(endpoint).await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let codedeploy = aws_sdk_codedeploy::Client::new(&config);
    lambda
        .create_function()
        .function_name("orders")
        .runtime(lm::Runtime::Python312)
        .role("arn:aws:iam::123456789012:role/lambda-role")
        .handler("app.handler")
        .code(
            lm::FunctionCode::builder()
                .zip_file(EMPTY_ZIP.to_vec().into())
                .build(),
        )
        .send()
        .await
        .expect("create function");
    for description in ["v1", "v2"] {
        // Lambda (and moto) publish a new version only when the function changed.
        lambda
            .update_function_configuration()
            .function_name("orders")
            .description(format!("build {description}"))
            .send()
            .await
            .expect("update function configuration");
        lambda
            .publish_version()
            .function_name("orders")
            .description(description)
            .send()
            .await
            .expect("publish version");
    }
    let routing = lm::AliasRoutingConfiguration::builder()
        .additional_version_weights("2", 0.1)
        .build();
    lambda
        .create_alias()
        .function_name("orders")
        .name("live")
        .function_version("1")
        .routing_config(routing)
        .send()
        .await
        .expect("create alias");
    codedeploy
        .create_application()
        .application_name("orders-app")
        .compute_platform(cd::ComputePlatform::Lambda)
        .send()
        .await
        .expect("create application");
    codedeploy
        .create_deployment_group()
        .application_name("orders-app")
        .deployment_group_name("orders-dg")
        .service_role_arn("arn:aws:iam::123456789012:role/codedeploy")
        .deployment_config_name("CodeDeployDefault.LambdaCanary10Percent5Minutes")
        .alarm_configuration(
            cd::AlarmConfiguration::builder()
                .enabled(true)
                .alarms(cd::Alarm::builder().name("orders-errors").build())
                .build(),
        )
        .deployment_style(
            cd::DeploymentStyle::builder()
                .deployment_type(cd::DeploymentType::BlueGreen)
                .deployment_option(cd::DeploymentOption::WithTrafficControl)
                .build(),
        )
        .send()
        .await
        .expect("create deployment group");
    let appspec = r#"{"version":0.0,"Resources":[{"orders":{"Type":"AWS::Lambda::Function","Properties":{"Name":"orders","Alias":"live","CurrentVersion":"1","TargetVersion":"2"}}}],"Hooks":[{"BeforeAllowTraffic":"CodeDeployHook_orders_pre"}]}"#;
    let out = codedeploy
        .create_deployment()
        .application_name("orders-app")
        .deployment_group_name("orders-dg")
        .revision(
            cd::RevisionLocation::builder()
                .revision_type(cd::RevisionLocationType::AppSpecContent)
                .app_spec_content(cd::AppSpecContent::builder().content(appspec).build())
                .build(),
        )
        .send()
        .await
        .expect("create deployment");
    out.deployment_id().expect("deployment id").to_string()
}
