//! `CodeDeploy`'s read operations: Get/List/BatchGet of applications, groups, configs,
//! deployments, revisions and targets, with `ListDeployments`' filters and pagination and the
//! batch limits (25 deployments, targets or revisions, 100 groups per call).

use serde_json::{Value, json};

use super::CodeDeploy;
use super::config::config_json;
use super::json::{
    deployment_info, group_info, lambda_target, last_deployment, revision_with_content, target_id,
};
use super::request::{err, need_app, need_deployment, s};
use crate::sandbox::wire::{Reply, epoch_ms};

/// Items per `ListDeployments` page.
const PAGE: usize = 100;

/// Every `DeploymentStatus` value (`includeOnlyStatuses` accepts all eight).
const STATUSES: [&str; 8] = [
    "Created",
    "Queued",
    "InProgress",
    "Baking",
    "Succeeded",
    "Failed",
    "Stopped",
    "Ready",
];

/// Dispatches a read operation (`UnknownOperationException` for anything else).
#[expect(
    clippy::too_many_lines,
    reason = "one short arm per read operation; each reads best beside the others"
)]
pub fn handle(cd: &CodeDeploy, op: &str, input: &Value) -> Result<Value, Reply> {
    match op {
        "ListApplications" => {
            Ok(json!({"applications": cd.applications.keys().collect::<Vec<_>>()}))
        }
        "GetApplication" => {
            let name = need_app(cd, input)?;
            let a = &cd.applications[&name];
            Ok(
                json!({"application": {"applicationId": a.id, "applicationName": a.name,
                "createTime": epoch_ms(a.create_time), "linkedToGitHub": false, "computePlatform": "Lambda"}}),
            )
        }
        "ListDeploymentGroups" => {
            let app = need_app(cd, input)?;
            let groups: Vec<&String> = cd
                .groups
                .keys()
                .filter(|(a, _)| *a == app)
                .map(|(_, g)| g)
                .collect();
            Ok(json!({"applicationName": app, "deploymentGroups": groups}))
        }
        "GetDeploymentGroup" => {
            let app = need_app(cd, input)?;
            let name = s(input, "deploymentGroupName").ok_or_else(|| {
                err(
                    "DeploymentGroupNameRequiredException",
                    "The deployment group name was not specified.",
                )
            })?;
            let g = cd.groups.get(&(app, name.clone())).ok_or_else(|| {
                err(
                    "DeploymentGroupDoesNotExistException",
                    &format!("No deployment group found for name: {name}"),
                )
            })?;
            let info = group_info(g, |id| cd.deployments.get(id).map(last_deployment));
            Ok(json!({"deploymentGroupInfo": info}))
        }
        "GetDeploymentConfig" => {
            let name = s(input, "deploymentConfigName").ok_or_else(|| {
                err(
                    "DeploymentConfigNameRequiredException",
                    "The deployment configuration name was not specified.",
                )
            })?;
            let c = cd.configs.get(&name).ok_or_else(|| {
                err(
                    "DeploymentConfigDoesNotExistException",
                    &format!("The deployment configuration {name} does not exist."),
                )
            })?;
            Ok(json!({"deploymentConfigInfo": config_json(c)}))
        }
        "ListDeploymentConfigs" => {
            Ok(json!({"deploymentConfigsList": cd.configs.keys().collect::<Vec<_>>()}))
        }
        "GetDeployment" => {
            let d = need_deployment(cd, input)?;
            Ok(
                json!({"deploymentInfo": deployment_info(d, cd.groups.get(&(d.application.clone(), d.group.clone())))}),
            )
        }
        "BatchGetDeployments" => batch_get_deployments(cd, input),
        "ListDeployments" => list_deployments(cd, input),
        "GetApplicationRevision" => get_revision(cd, input),
        "BatchGetApplicationRevisions" => batch_get_revisions(cd, input),
        "BatchGetDeploymentGroups" => batch_get_groups(cd, input),
        "ListDeploymentTargets" => {
            let d = need_deployment(cd, input)?;
            if d.start_time.is_none() {
                return Err(err(
                    "DeploymentNotStartedException",
                    &format!("The deployment {} has not started.", d.id),
                ));
            }
            Ok(json!({"targetIds": [target_id(d)]}))
        }
        "BatchGetDeploymentTargets" => {
            let d = need_deployment(cd, input)?;
            let ids: Vec<String> = input
                .get("targetIds")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if ids.is_empty() {
                return Err(err(
                    "DeploymentTargetIdRequiredException",
                    "A deployment target ID was not provided.",
                ));
            }
            if ids.len() > 25 {
                return Err(err(
                    "DeploymentTargetListSizeExceededException",
                    "The maximum number of targets that can be retrieved (25) was exceeded.",
                ));
            }
            if let Some(bad) = ids.iter().find(|id| **id != target_id(d)) {
                return Err(err(
                    "DeploymentTargetDoesNotExistException",
                    &format!("The deployment target {bad} does not exist."),
                ));
            }
            Ok(
                json!({"deploymentTargets": ids.iter().map(|_| lambda_target(d)).collect::<Vec<_>>()}),
            )
        }
        _ => Err(err(
            "UnknownOperationException",
            &format!("Unknown operation {op}"),
        )),
    }
}

fn batch_get_deployments(cd: &CodeDeploy, input: &Value) -> Result<Value, Reply> {
    let ids: Vec<&str> = input
        .get("deploymentIds")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(err(
            "DeploymentIdRequiredException",
            "At least one deployment ID must be specified.",
        ));
    }
    if ids.len() > 25 {
        return Err(err(
            "BatchLimitExceededException",
            "The maximum number of names or IDs allowed for this request (25) was exceeded.",
        ));
    }
    if let Some(bad) = ids.iter().find(|id| !id.starts_with("d-")) {
        return Err(err(
            "InvalidDeploymentIdException",
            &format!("The deployment ID {bad} is not valid."),
        ));
    }
    let infos: Vec<Value> = ids
        .iter()
        .filter_map(|id| cd.deployments.get(*id))
        .map(|d| deployment_info(d, cd.groups.get(&(d.application.clone(), d.group.clone()))))
        .collect();
    Ok(json!({"deploymentsInfo": infos}))
}

fn list_deployments(cd: &CodeDeploy, input: &Value) -> Result<Value, Reply> {
    let app = s(input, "applicationName");
    let group = s(input, "deploymentGroupName");
    match (&app, &group) {
        (Some(_), None) => {
            return Err(err(
                "DeploymentGroupNameRequiredException",
                "If applicationName is given, deploymentGroupName must be given too.",
            ));
        }
        (None, Some(_)) => {
            return Err(err(
                "ApplicationNameRequiredException",
                "If deploymentGroupName is given, applicationName must be given too.",
            ));
        }
        (Some(a), Some(g)) => {
            if !cd.applications.contains_key(a) {
                return Err(err(
                    "ApplicationDoesNotExistException",
                    &format!("No application found for name: {a}"),
                ));
            }
            if !cd.groups.contains_key(&(a.clone(), g.clone())) {
                return Err(err(
                    "DeploymentGroupDoesNotExistException",
                    &format!("No deployment group found for name: {g}"),
                ));
            }
        }
        (None, None) => {}
    }
    let statuses: Vec<&str> = input
        .get("includeOnlyStatuses")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(bad) = statuses.iter().find(|st| !STATUSES.contains(st)) {
        return Err(err(
            "InvalidDeploymentStatusException",
            &format!("The deployment status {bad} is not valid."),
        ));
    }
    let range = input.get("createTimeRange");
    let bound = |key: &str| range.and_then(|r| r.get(key)).and_then(Value::as_f64);
    let (from, to) = (bound("start"), bound("end"));
    let external = s(input, "externalId");
    let start: usize = match s(input, "nextToken") {
        Some(t) => t
            .strip_prefix("nt-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| err("InvalidNextTokenException", "The next token is not valid."))?,
        None => 0,
    };
    let ids: Vec<&String> = cd
        .order
        .iter()
        .rev()
        .filter_map(|id| cd.deployments.get(id))
        .filter(|d| {
            app.as_ref().is_none_or(|a| *a == d.application)
                && group.as_ref().is_none_or(|g| *g == d.group)
        })
        .filter(|d| statuses.is_empty() || statuses.contains(&d.status.as_str()))
        .filter(|d| {
            from.is_none_or(|f| d.create_time >= f) && to.is_none_or(|t| d.create_time <= t)
        })
        .filter(|d| external.is_none() || d.external_id == external)
        .map(|d| &d.id)
        .collect();
    if start > ids.len() {
        return Err(err(
            "InvalidNextTokenException",
            "The next token is not valid.",
        ));
    }
    let end = start.saturating_add(PAGE).min(ids.len());
    let mut out = json!({"deployments": ids.get(start..end).unwrap_or_default()});
    if end < ids.len() {
        out["nextToken"] = json!(format!("nt-{end}"));
    }
    Ok(out)
}

fn get_revision(cd: &CodeDeploy, input: &Value) -> Result<Value, Reply> {
    let app = need_app(cd, input)?;
    let rev = input.get("revision").ok_or_else(|| {
        err(
            "RevisionRequiredException",
            "The revision was not specified.",
        )
    })?;
    let body = rev.get("appSpecContent").or_else(|| rev.get("string"));
    let sha = body.and_then(|b| s(b, "sha256"));
    let content = body.and_then(|b| s(b, "content"));
    let matching: Vec<_> = cd
        .order
        .iter()
        .filter_map(|id| cd.deployments.get(id))
        .filter(|d| d.application == app)
        .filter(|d| {
            sha.as_ref().is_some_and(|h| *h == d.revision.sha256)
                || content.as_ref().is_some_and(|c| *c == d.revision.content)
        })
        .collect();
    let Some(first) = matching.first() else {
        return Err(err(
            "RevisionDoesNotExistException",
            "The named revision does not exist with the IAM user or AWS account.",
        ));
    };
    let last = matching.last().unwrap_or(first);
    let mut groups: Vec<&str> = matching.iter().map(|d| d.group.as_str()).collect();
    groups.dedup();
    Ok(json!({
        "applicationName": app,
        "revision": revision_with_content(first),
        "revisionInfo": {
            "deploymentGroups": groups,
            "firstUsedTime": epoch_ms(first.create_time),
            "lastUsedTime": epoch_ms(last.create_time),
            "registerTime": epoch_ms(first.create_time),
        },
    }))
}

/// `BatchGetApplicationRevisions`: ≤ 25 revision locations of one application; those that
/// match no deployment's revision are left out and named in `errorMessage`.
fn batch_get_revisions(cd: &CodeDeploy, input: &Value) -> Result<Value, Reply> {
    let app = need_app(cd, input)?;
    let wanted: Vec<&Value> = input
        .get("revisions")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if wanted.is_empty() {
        return Err(err(
            "RevisionRequiredException",
            "The revision was not specified.",
        ));
    }
    if wanted.len() > 25 {
        return Err(err(
            "BatchLimitExceededException",
            "The maximum number of names or IDs allowed for this request (25) was exceeded.",
        ));
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for rev in wanted {
        let body = rev.get("appSpecContent").or_else(|| rev.get("string"));
        let Some(sha) = body.and_then(|b| s(b, "sha256")) else {
            return Err(err(
                "InvalidRevisionException",
                "The revision is missing its sha256.",
            ));
        };
        let matching: Vec<_> = cd
            .order
            .iter()
            .filter_map(|id| cd.deployments.get(id))
            .filter(|d| d.application == app && d.revision.sha256 == sha)
            .collect();
        let (Some(first), Some(last)) = (matching.first(), matching.last()) else {
            missing.push(sha);
            continue;
        };
        let mut groups: Vec<&str> = matching.iter().map(|d| d.group.as_str()).collect();
        groups.sort_unstable();
        groups.dedup();
        found.push(json!({
            "revisionLocation": revision_with_content(first),
            "genericRevisionInfo": {
                "deploymentGroups": groups,
                "firstUsedTime": epoch_ms(first.create_time),
                "lastUsedTime": epoch_ms(last.create_time),
                "registerTime": epoch_ms(first.create_time),
            },
        }));
    }
    let message = if missing.is_empty() {
        String::new()
    } else {
        format!("Revisions not found: {}", missing.join(", "))
    };
    Ok(json!({"applicationName": app, "errorMessage": message, "revisions": found}))
}

/// `BatchGetDeploymentGroups`: ≤ 100 group names of one application; unknown ones are left
/// out and named in `errorMessage`.
fn batch_get_groups(cd: &CodeDeploy, input: &Value) -> Result<Value, Reply> {
    let app = need_app(cd, input)?;
    let names: Vec<&str> = input
        .get("deploymentGroupNames")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if names.is_empty() {
        return Err(err(
            "DeploymentGroupNameRequiredException",
            "The deployment group name was not specified.",
        ));
    }
    if names.len() > 100 {
        return Err(err(
            "BatchLimitExceededException",
            "The maximum number of names or IDs allowed for this request (100) was exceeded.",
        ));
    }
    let mut infos = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match cd.groups.get(&(app.clone(), name.to_string())) {
            Some(g) => infos.push(group_info(g, |id| {
                cd.deployments.get(id).map(last_deployment)
            })),
            None => missing.push(name),
        }
    }
    let message = if missing.is_empty() {
        String::new()
    } else {
        format!("Deployment groups not found: {}", missing.join(", "))
    };
    Ok(json!({"deploymentGroupsInfo": infos, "errorMessage": message}))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::handle;
    use crate::sandbox::codedeploy::appspec::{AppSpec, render};
    use crate::sandbox::codedeploy::ops::{NewDeployment, new_deployment};
    use crate::sandbox::codedeploy::{CodeDeploy, Group, Revision, Settings};

    fn with_deployments(count: u32) -> CodeDeploy {
        let mut cd = CodeDeploy::new(1, Settings::default());
        cd.create_application("app", 0.0);
        let group = Group {
            application: "app".into(),
            name: "g".into(),
            id: "gid".into(),
            config_name: "CodeDeployDefault.LambdaAllAtOnce".into(),
            service_role: "role".into(),
            alarms_enabled: false,
            ignore_poll_alarm_failure: false,
            alarms: Vec::new(),
            auto_rollback: None,
            last_attempted: None,
            last_successful: None,
        };
        cd.groups.insert(("app".into(), "g".into()), group);
        let spec = AppSpec {
            function: "f".into(),
            alias: "live".into(),
            current: "1".into(),
            target: "2".into(),
            before_hook: None,
            after_hook: None,
        };
        for i in 0..count {
            let req = NewDeployment {
                application: "app".into(),
                group: "g".into(),
                config_name: None,
                revision: Revision {
                    kind: "AppSpecContent".into(),
                    content: render(&spec),
                    sha256: "x".into(),
                },
                creator: "user".into(),
                description: None,
                external_id: None,
                auto_rollback_override: None,
                planned_stop: None,
            };
            let mut obs = crate::sandbox::observe::Observer::default();
            new_deployment(&mut cd, &mut obs, f64::from(i), req).expect("created");
            cd.active.clear(); // pretend it finished, so the group takes the next one
        }
        cd
    }

    #[test]
    fn list_deployments_pages_and_filters_by_create_time() {
        let cd = with_deployments(150);
        let first = handle(&cd, "ListDeployments", &json!({})).expect("page 1");
        assert_eq!(first["deployments"].as_array().map(Vec::len), Some(100));
        let token = first["nextToken"].as_str().expect("token").to_owned();
        let second = handle(&cd, "ListDeployments", &json!({"nextToken": token})).expect("page 2");
        assert_eq!(second["deployments"].as_array().map(Vec::len), Some(50));
        assert!(
            second.get("nextToken").is_none(),
            "the last page has no token"
        );
        let ranged = handle(
            &cd,
            "ListDeployments",
            &json!({"createTimeRange": {"start": 10.0, "end": 19.0}}),
        )
        .expect("range");
        assert_eq!(ranged["deployments"].as_array().map(Vec::len), Some(10));
        let bad = handle(&cd, "ListDeployments", &json!({"nextToken": "garbage"}))
            .expect_err("bad token");
        assert!(String::from_utf8_lossy(&bad.body).contains("InvalidNextTokenException"));
        let half = handle(&cd, "ListDeployments", &json!({"applicationName": "app"}))
            .expect_err("group missing");
        assert!(
            String::from_utf8_lossy(&half.body).contains("DeploymentGroupNameRequiredException")
        );
    }
}
