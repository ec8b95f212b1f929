//! A rollout, whoever shifts its alias: the source that owns it and the id rollwatch's commands
//! accept for it. A CodeDeploy deployment is known by its deployment id; an alias split that no
//! deployment owns by its `function:alias`. Machine-readable output carries these so that a
//! consumer can tell one from the other without parsing ids.

use serde::Serialize;

use super::{
    AliasSplit, Creator, Deployment, DeploymentStatus, DeploymentView, FunctionTarget, Part,
    RollbackLinks, Source, TargetWeight, ViewFreshness, WeightSource,
};

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
            source: self.source,
            id: self.id.clone(),
            function: self
                .target
                .as_ref()
                .map(|t| function_name(&t.function).to_string()),
        }
    }
}

impl Deployment {
    /// A split no deployment owns, as a deployment of its own (source `Alias`, id
    /// `function:alias`): old = the alias's primary version, new = the version taking part of
    /// the traffic. Its times are when rollwatch first saw it split (it cannot know more).
    pub fn of_split(split: &AliasSplit) -> Self {
        let w = &split.weights;
        let (new, _) = split.new_version();
        Self {
            id: split.id.clone(),
            application: String::new(),
            group: String::new(),
            status: DeploymentStatus::InProgress,
            creator: Creator::User,
            config_name: "split by hand".into(),
            create_time: Some(split.first_seen),
            start_time: Some(split.first_seen),
            complete_time: None,
            target: Some(FunctionTarget {
                function: w.function.clone(),
                alias: w.alias.clone(),
                current_version: w.primary_version.clone(),
                target_version: new.to_string(),
            }),
            rollback: RollbackLinks::default(),
            error: None,
            status_messages: Vec::new(),
            external_id: None,
            description: None,
            revision: None,
            source: Source::Alias,
        }
    }
}

impl DeploymentView {
    /// The view of a split no deployment owns: its alias as read, the new version's share,
    /// and no CodeDeploy parts (there is no deployment to read them from).
    pub fn of_split(split: &AliasSplit) -> Self {
        const NONE: &str = "no deployment owns this split";
        Self {
            deployment: Deployment::of_split(split),
            config: Part::skipped(NONE),
            target: Part::skipped(NONE),
            appspec: Part::skipped(NONE),
            group: Part::skipped(NONE),
            alias: Part::Ok {
                value: split.weights.clone(),
            },
            weight: Some(TargetWeight {
                weight: split.new_version().1,
                source: WeightSource::LiveAlias,
            }),
            plan: None,
            schedule: None,
            alarms: Part::Ok { value: Vec::new() },
            metrics: Part::skipped(NONE),
            alias_disagrees: None,
            warnings: Vec::new(),
            freshness: ViewFreshness::default(),
            verdict: None,
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
    fn a_split_row_counts_from_when_it_was_first_seen() {
        let first_seen = chrono::DateTime::UNIX_EPOCH + chrono::Duration::hours(1);
        let split = crate::domain::fixtures::split(first_seen);
        let view = DeploymentView::of_split(&split);
        assert_eq!(view.traffic_start(), Some(first_seen));
        let target = view.deployment.target.as_ref().expect("versions");
        assert_eq!(
            (
                target.current_version.as_str(),
                target.target_version.as_str()
            ),
            ("1", "2")
        );
        assert_eq!(view.deployment.key().source, Source::Alias);
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
