//! Take me there: the AWS console address of a deployment, a function's alias or a group's
//! alarms in the right region (and partition), and the AWS CLI commands for the incident notes —
//! the one that shows a deployment, and the ones an action sent, rebuilt from its audit record
//! with `--cli-input-json` so they are exactly what was sent. Pure string building.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::{Deployment, Source};

/// What to open in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsolePage<'a> {
    Deployment {
        id: &'a str,
    },
    Alias {
        function: &'a str,
        alias: &'a str,
    },
    Alarms {
        names: &'a [String],
    },
    /// A CodeDeploy application (a stack's deployments).
    Application {
        name: &'a str,
    },
}

/// The console address of `page` in `region`.
pub fn console_url(region: &str, page: &ConsolePage<'_>) -> String {
    let host = if region.starts_with("cn-") {
        "console.amazonaws.cn".to_string()
    } else if region.starts_with("us-gov-") {
        "console.amazonaws-us-gov.com".to_string()
    } else {
        format!("{region}.console.aws.amazon.com")
    };
    match page {
        ConsolePage::Deployment { id } => format!(
            "https://{host}/codesuite/codedeploy/deployments/{}?region={region}",
            encode(id)
        ),
        ConsolePage::Application { name } => format!(
            "https://{host}/codesuite/codedeploy/applications/{}?region={region}",
            encode(name)
        ),
        ConsolePage::Alias { function, alias } => format!(
            "https://{host}/lambda/home?region={region}#/functions/{}/aliases/{}",
            encode(function),
            encode(alias)
        ),
        ConsolePage::Alarms { names: [one] } => format!(
            "https://{host}/cloudwatch/home?region={region}#alarmsV2:alarm/{}",
            encode(one)
        ),
        ConsolePage::Alarms { names } => {
            let search = names.first().map_or("", String::as_str);
            format!(
                "https://{host}/cloudwatch/home?region={region}#alarmsV2:?search={}",
                encode(search)
            )
        }
    }
}

/// `aws deploy get-deployment --deployment-id d-… --region …` (and `--profile`).
pub fn show_deployment_command(region: &str, id: &str, profile: Option<&str>) -> String {
    let command = format!(
        "aws deploy get-deployment --deployment-id {} --region {}",
        quote(id),
        quote(region)
    );
    with_profile(command, profile)
}

/// The AWS CLI command that shows `rollout`: its deployment, or for a split no deployment
/// owns, its alias (`aws lambda get-alias`).
pub fn show_rollout_command(region: &str, rollout: &Deployment, profile: Option<&str>) -> String {
    match (rollout.source, &rollout.target) {
        (Source::Alias, Some(t)) => with_profile(
            format!(
                "aws lambda get-alias --function-name {} --name {} --region {}",
                quote(&t.function),
                quote(&t.alias),
                quote(region)
            ),
            profile,
        ),
        _ => show_deployment_command(region, &rollout.id, profile),
    }
}

fn with_profile(command: String, profile: Option<&str>) -> String {
    match profile {
        Some(p) => format!("{command} --profile {}", quote(p)),
        None => command,
    }
}

/// `aws deploy list-deployments --application-name … --include-only-statuses … --region …`.
pub fn list_deployments_command(region: &str, application: &str, profile: Option<&str>) -> String {
    let command = format!(
        "aws deploy list-deployments --application-name {} --include-only-statuses Created Queued InProgress Baking Ready --region {}",
        quote(application),
        quote(region)
    );
    with_profile(command, profile)
}

/// The calls that change something in AWS, as the audit names them.
const MUTATING: [&str; 5] = [
    "codedeploy:StopDeployment",
    "codedeploy:ContinueDeployment",
    "codedeploy:CreateDeployment",
    "codedeploy:PutLifecycleEventHookExecutionStatus",
    "lambda:UpdateAlias",
];

/// One AWS CLI command per mutating call an action sent (`call` as the audit names it, e.g.
/// `codedeploy:StopDeployment`, with its request as sent).
pub fn sent_commands<'a>(
    region: &str,
    profile: Option<&str>,
    calls: impl IntoIterator<Item = (&'a str, &'a Value)>,
) -> Vec<String> {
    calls
        .into_iter()
        .filter(|(call, _)| MUTATING.contains(call))
        .filter_map(|(call, request)| {
            let (service, operation) = call.split_once(':')?;
            let cli_service = match service {
                "codedeploy" => "deploy",
                other => other,
            };
            let command = format!(
                "aws {cli_service} {} --region {} --cli-input-json {}",
                kebab(operation),
                quote(region),
                quote(&request.to_string())
            );
            Some(with_profile(command, profile))
        })
        .collect()
}

/// `StopDeployment` → `stop-deployment`.
fn kebab(operation: &str) -> String {
    let mut out = String::new();
    for (i, c) in operation.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A shell word: as is when it is plain, else in single quotes.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=,+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// What stays as is in a path segment or fragment: letters, digits and `-_.~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes everything else.
fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn console_addresses_name_the_region_and_ids() {
        assert_eq!(
            console_url("eu-west-1", &ConsolePage::Deployment { id: "d-ABC123" }),
            "https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC123?region=eu-west-1"
        );
        assert_eq!(
            console_url(
                "us-east-2",
                &ConsolePage::Alias {
                    function: "checkout",
                    alias: "live"
                }
            ),
            "https://us-east-2.console.aws.amazon.com/lambda/home?region=us-east-2#/functions/checkout/aliases/live"
        );
        let one = ["checkout live errors".to_string()];
        assert_eq!(
            console_url("us-east-1", &ConsolePage::Alarms { names: &one }),
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/checkout%20live%20errors"
        );
    }

    #[test]
    fn other_partitions_have_their_own_console() {
        let page = ConsolePage::Deployment { id: "d-1" };
        assert!(console_url("cn-north-1", &page).starts_with("https://console.amazonaws.cn/"));
        assert!(
            console_url("us-gov-west-1", &page)
                .starts_with("https://console.amazonaws-us-gov.com/")
        );
    }

    #[test]
    fn a_split_outside_any_deployment_is_shown_by_its_alias() {
        let split = crate::domain::fixtures::split(chrono::DateTime::UNIX_EPOCH);
        assert_eq!(
            show_rollout_command("us-east-1", &Deployment::of_split(&split), None),
            "aws lambda get-alias --function-name reports --name live --region us-east-1"
        );
    }

    #[test]
    fn the_show_command_names_region_and_profile() {
        assert_eq!(
            show_deployment_command("us-east-1", "d-ABC123", Some("prod")),
            "aws deploy get-deployment --deployment-id d-ABC123 --region us-east-1 --profile prod"
        );
    }

    #[test]
    fn sent_commands_are_the_mutating_calls_exactly_as_sent() {
        let get = json!({"deploymentId": "d-1"});
        let stop = json!({"deploymentId": "d-1", "autoRollbackEnabled": true});
        let alias = json!({"FunctionName": "checkout", "Name": "live", "FunctionVersion": "1",
            "RoutingConfig": {"AdditionalVersionWeights": {}}, "RevisionId": "it's-1"});
        let commands = sent_commands(
            "us-east-1",
            None,
            [
                ("codedeploy:GetDeployment", &get),
                ("codedeploy:StopDeployment", &stop),
                ("lambda:UpdateAlias", &alias),
            ],
        );
        assert_eq!(
            commands,
            [
                r#"aws deploy stop-deployment --region us-east-1 --cli-input-json '{"autoRollbackEnabled":true,"deploymentId":"d-1"}'"#,
                r#"aws lambda update-alias --region us-east-1 --cli-input-json '{"FunctionName":"checkout","FunctionVersion":"1","Name":"live","RevisionId":"it'\''s-1","RoutingConfig":{"AdditionalVersionWeights":{}}}'"#,
            ]
        );
    }
}
