//! A rollout, whoever shifts its alias: the source that owns it and the id rollwatch's commands
//! accept for it. A CodeDeploy deployment is known by its deployment id; an alias split that no
//! deployment owns by its `function:alias`. Machine-readable output carries these so that a
//! consumer can tell one from the other without parsing ids.

use serde::Serialize;

use super::{AliasSplit, Deployment};

/// Who shifts a rollout's alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A CodeDeploy deployment.
    CodeDeploy,
    /// An alias split that no deployment rollwatch sees owns: by hand, a script, a shifter.
    Alias,
}

/// What names a rollout: its source, the id `rollwatch rollback|stop|resolve` accept (unique
/// within a profile and region), and its function once known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutKey {
    pub source: Source,
    pub id: String,
    /// The function's name (never an ARN); absent until the deployment's target is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
}

impl Deployment {
    /// The deployment as a rollout.
    pub fn key(&self) -> RolloutKey {
        RolloutKey {
            source: Source::CodeDeploy,
            id: self.id.clone(),
            function: self
                .target
                .as_ref()
                .map(|t| function_name(&t.function).to_string()),
        }
    }
}

impl AliasSplit {
    /// The split as a rollout.
    pub fn key(&self) -> RolloutKey {
        RolloutKey {
            source: Source::Alias,
            id: self.id.clone(),
            function: Some(self.weights.function.clone()),
        }
    }
}

/// Whether `id` names an alias (`function:alias`) rather than a CodeDeploy deployment
/// (`d-XXXXXXXXX`): the commands accept both.
pub fn alias_id(id: &str) -> Option<(&str, &str)> {
    let (function, alias) = id.rsplit_once(':')?;
    (!function.is_empty() && !alias.is_empty()).then(|| (function_name(function), alias))
}

/// The function's name in an AppSpec `Name`, which may also be a full or partial ARN
/// (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`, `ACCOUNT:function:NAME`).
pub fn function_name(name: &str) -> &str {
    let mut parts = name.split(':');
    match parts.position(|p| p == "function") {
        Some(_) => parts.next().unwrap_or(name),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_and_a_split_say_their_source_and_id() {
        let mut d = crate::domain::fixtures::deployment(
            "d-1",
            crate::domain::DeploymentStatus::InProgress,
            "CodeDeployDefault.LambdaAllAtOnce",
        );
        d.target = Some(crate::domain::FunctionTarget {
            function: "arn:aws:lambda:us-east-1:123456789012:function:orders".into(),
            alias: "live".into(),
            current_version: "1".into(),
            target_version: "2".into(),
        });
        let key = serde_json::to_value(d.key()).expect("json");
        assert_eq!(
            key,
            serde_json::json!({"source": "codedeploy", "id": "d-1", "function": "orders"})
        );
        assert_eq!(alias_id("orders:live"), Some(("orders", "live")));
        assert_eq!(alias_id("d-ABCDEF123"), None);
        assert_eq!(alias_id(":live"), None);
    }

    #[test]
    fn a_function_name_is_taken_out_of_an_arn() {
        assert_eq!(function_name("orders"), "orders");
        assert_eq!(
            function_name("arn:aws:lambda:eu-west-1:123456789012:function:orders:live"),
            "orders"
        );
        assert_eq!(function_name("123456789012:function:orders"), "orders");
    }
}
