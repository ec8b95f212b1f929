//! An independent client: the AWS CLI (`ROLLWATCH_AWS_CLI=/path/to/aws`) against the sandbox,
//! parsing its JSON output. Skipped, with the reason printed, when the variable is unset. The
//! CLI's Lambda writes must pass the sandbox's cross-site guard (it sends
//! `Content-Type: application/json` on every POST/PUT, `{}` for an empty input).

use std::process::Command;

use crate::support::sdk::start;

fn aws_cli() -> Option<String> {
    match std::env::var("ROLLWATCH_AWS_CLI") {
        Ok(path) if !path.is_empty() => Some(path),
        _ => {
            eprintln!(
                "skipped: set ROLLWATCH_AWS_CLI=/path/to/aws (pip install awscli) to run the AWS CLI tests"
            );
            None
        }
    }
}

/// The AWS CLI pointed at a sandbox.
struct Aws {
    cli: String,
    endpoint: String,
}

impl Aws {
    fn on(cli: String, sandbox: &rollwatch::sandbox::Sandbox) -> Self {
        let endpoint = sandbox.endpoint();
        Self { cli, endpoint }
    }

    /// Runs `aws ARGS` against the sandbox and parses its JSON output (`null` for none).
    async fn run(&self, args: &[&str]) -> serde_json::Value {
        let (cli, endpoint) = (self.cli.clone(), self.endpoint.clone());
        let owned: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(cli)
                .args(&owned)
                .args([
                    "--endpoint-url",
                    &endpoint,
                    "--region",
                    "us-east-1",
                    "--output",
                    "json",
                ])
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                .env("AWS_MAX_ATTEMPTS", "1")
                .output()
        })
        .await
        .unwrap()
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "aws {args:?} failed: {}{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        if stdout.trim().is_empty() {
            return serde_json::Value::Null;
        }
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("aws {args:?}: not JSON ({e}): {stdout}"))
    }

    /// [`Aws::run`] of a command line whose arguments hold no spaces.
    async fn line(&self, command: &str) -> serde_json::Value {
        let args: Vec<&str> = command.split_whitespace().collect();
        self.run(&args).await
    }
}

#[tokio::test]
async fn aws_cli_reads_deployments_aliases_alarms_and_metrics() {
    let Some(cli) = aws_cli() else { return };
    let sandbox = start("failing-canary").await;
    let aws = Aws::on(cli, &sandbox);
    sandbox.advance(3.0 * 60.0);
    let listed = aws
        .line("deploy list-deployments --application-name storefront --deployment-group-name checkout-live")
        .await;
    let ids: Vec<&str> = listed["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(ids.len(), 1, "{listed}");
    let batch = aws
        .run(&[
            "deploy",
            "batch-get-deployments",
            "--deployment-ids",
            ids[0],
        ])
        .await;
    let info = &batch["deploymentsInfo"][0];
    assert_eq!(info["status"], "InProgress", "{batch}");
    assert_eq!(info["computePlatform"], "Lambda");
    assert!(info["createTime"].is_string() || info["createTime"].is_number());
    let alias = aws
        .line("lambda get-alias --function-name checkout --name live")
        .await;
    assert_eq!(alias["FunctionVersion"], "1");
    assert_eq!(alias["RoutingConfig"]["AdditionalVersionWeights"]["2"], 0.1);
    // STS over the Query protocol (form body in, XML out), as the CLI sends it.
    let me = aws.line("sts get-caller-identity").await;
    assert_eq!(me["Account"], "123456789012", "{me}");
    assert!(
        me["Arn"]
            .as_str()
            .is_some_and(|a| a.ends_with(":user/sandbox")),
        "{me}"
    );
    let alarms = aws
        .line("cloudwatch describe-alarms --alarm-names checkout-live-errors")
        .await;
    assert_eq!(
        alarms["MetricAlarms"][0]["AlarmName"], "checkout-live-errors",
        "{alarms}"
    );
    let now = sandbox.now() as i64;
    let queries = r#"[{"Id":"inv","MetricStat":{"Metric":{"Namespace":"AWS/Lambda","MetricName":"Invocations","Dimensions":[{"Name":"FunctionName","Value":"checkout"},{"Name":"Resource","Value":"checkout:live"},{"Name":"ExecutedVersion","Value":"2"}]},"Period":60,"Stat":"Sum"}}]"#;
    let (start_t, end_t) = ((now - 600).to_string(), now.to_string());
    let data = aws
        .run(&[
            "cloudwatch",
            "get-metric-data",
            "--metric-data-queries",
            queries,
            "--start-time",
            &start_t,
            "--end-time",
            &end_t,
        ])
        .await;
    let values = data["MetricDataResults"][0]["Values"].as_array().unwrap();
    assert!(!values.is_empty(), "the canary version got traffic: {data}");
    assert!(
        values
            .iter()
            .all(|v| v.as_f64().unwrap() > 0.0 && v.as_f64().unwrap() < 200.0),
        "about 10% of 600 rpm: {data}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn aws_cli_lambda_writes_pass_the_cross_site_guard() {
    let Some(cli) = aws_cli() else { return };
    let sandbox = start("calm").await;
    let aws = Aws::on(cli, &sandbox);
    let zip = tempfile::Builder::new().suffix(".zip").tempfile().unwrap();
    // The smallest zip archive: an empty end-of-central-directory record.
    std::fs::write(zip.path(), [&b"PK\x05\x06"[..], &[0u8; 18]].concat()).unwrap();
    let zip_arg = format!("fileb://{}", zip.path().display());
    let created = aws
        .run(&[
            "lambda",
            "create-function",
            "--function-name",
            "cli-fn",
            "--runtime",
            "python3.12",
            "--role",
            "arn:aws:iam::123456789012:role/r",
            "--handler",
            "h.h",
            "--zip-file",
            &zip_arg,
        ])
        .await;
    assert_eq!(created["FunctionName"], "cli-fn", "{created}");
    let publish = "lambda publish-version --function-name cli-fn";
    let published = aws.line(publish).await;
    assert_eq!(published["Version"], "1", "{published}");
    aws.line(publish).await;
    let alias = aws
        .line("lambda create-alias --function-name cli-fn --name live --function-version 1")
        .await;
    assert_eq!(alias["FunctionVersion"], "1", "{alias}");
    let updated = aws
        .line("lambda update-alias --function-name cli-fn --name live --function-version 2")
        .await;
    assert_eq!(updated["FunctionVersion"], "2", "{updated}");
    aws.line("lambda delete-alias --function-name cli-fn --name live")
        .await;
    sandbox.shutdown().await;
}
