//! `CodeDeploy` response shapes (`DeploymentInfo`, `DeploymentGroupInfo`, `LambdaTarget`) with the
//! botocore member names; timestamps are epoch-second numbers with millisecond precision.

use serde_json::{Value, json};

use super::{Deployment, Group};
use crate::sandbox::lambda::function_arn;
use crate::sandbox::wire::epoch_ms;

fn auto_rollback(events: Option<&Vec<String>>) -> Value {
    match events {
        Some(events) => json!({"enabled": true, "events": events}),
        None => json!({"enabled": false, "events": []}),
    }
}

fn revision(d: &Deployment, with_content: bool) -> Value {
    let content = if with_content {
        json!(d.revision.content)
    } else {
        Value::Null
    };
    let body = json!({"content": content, "sha256": d.revision.sha256});
    if d.revision.kind == "String" {
        json!({"revisionType": "String", "string": body})
    } else {
        json!({"revisionType": "AppSpecContent", "appSpecContent": body})
    }
}

/// A revision location for `GetApplicationRevision` (content included, as the real service does).
pub fn revision_with_content(d: &Deployment) -> Value {
    revision(d, true)
}

/// `deploymentInfo` (`GetDeployment` / BatchGetDeployments): `appSpecContent.content` is null.
pub fn deployment_info(d: &Deployment, group: Option<&Group>) -> Value {
    let count = |s: &str| i64::from(d.target_status == s);
    let mut v = json!({
        "applicationName": d.application,
        "deploymentGroupName": d.group,
        "deploymentConfigName": d.config_name,
        "deploymentId": d.id,
        "revision": revision(d, false),
        "status": d.status.as_str(),
        "createTime": epoch_ms(d.create_time),
        "creator": d.creator,
        "ignoreApplicationStopFailures": false,
        "updateOutdatedInstancesOnly": false,
        "deploymentOverview": {
            "Pending": count("Pending"), "InProgress": count("InProgress"), "Succeeded": count("Succeeded"),
            "Failed": count("Failed"), "Skipped": count("Skipped"), "Ready": count("Ready"),
        },
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "computePlatform": "Lambda",
        "deploymentStatusMessages": [],
        "autoRollbackConfiguration": auto_rollback(
            d.auto_rollback_override.as_ref().or(group.and_then(|g| g.auto_rollback.as_ref())),
        ),
    });
    if let Some(t) = d.start_time {
        v["startTime"] = json!(epoch_ms(t));
    }
    if let Some(t) = d.complete_time {
        v["completeTime"] = json!(epoch_ms(t));
    }
    if let Some(desc) = &d.description {
        v["description"] = json!(desc);
    }
    if let Some(ext) = &d.external_id {
        v["externalId"] = json!(ext);
    }
    if let Some((code, message)) = &d.error {
        v["errorInformation"] = json!({"code": code, "message": message});
    }
    if d.rollback_deployment_id.is_some() || d.rollback_triggering_id.is_some() {
        let mut info = json!({});
        if let Some(id) = &d.rollback_deployment_id {
            info["rollbackDeploymentId"] = json!(id);
        }
        if let Some(id) = &d.rollback_triggering_id {
            info["rollbackTriggeringDeploymentId"] = json!(id);
        }
        if let Some(m) = &d.rollback_message {
            info["rollbackMessage"] = json!(m);
        }
        v["rollbackInfo"] = info;
    }
    v
}

/// `deploymentGroupInfo` (`GetDeploymentGroup`).
pub fn group_info(g: &Group, last: impl Fn(&str) -> Option<Value>) -> Value {
    let mut v = json!({
        "applicationName": g.application,
        "deploymentGroupId": g.id,
        "deploymentGroupName": g.name,
        "deploymentConfigName": g.config_name,
        "serviceRoleArn": g.service_role,
        "alarmConfiguration": {
            "enabled": g.alarms_enabled,
            "ignorePollAlarmFailure": g.ignore_poll_alarm_failure,
            "alarms": g.alarms.iter().map(|a| json!({"name": a})).collect::<Vec<_>>(),
        },
        "autoRollbackConfiguration": auto_rollback(g.auto_rollback.as_ref()),
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "computePlatform": "Lambda",
    });
    if let Some(info) = g.last_attempted.as_deref().and_then(&last) {
        v["lastAttemptedDeployment"] = info;
    }
    if let Some(info) = g.last_successful.as_deref().and_then(&last) {
        v["lastSuccessfulDeployment"] = info;
    }
    v
}

/// `LastDeploymentInfo` of a deployment.
pub fn last_deployment(d: &Deployment) -> Value {
    let mut v = json!({"deploymentId": d.id, "status": d.status.as_str(), "createTime": epoch_ms(d.create_time)});
    if let Some(t) = d.complete_time {
        v["endTime"] = json!(epoch_ms(t));
    }
    v
}

/// The Lambda target id of a deployment (the function name).
pub fn target_id(d: &Deployment) -> String {
    d.appspec.function.clone()
}

/// One `deploymentTargets[]` entry with its `lambdaTarget`.
pub fn lambda_target(d: &Deployment) -> Value {
    let events: Vec<Value> = d
        .lifecycle
        .iter()
        .map(|e| {
            let mut ev = json!({"lifecycleEventName": e.name, "status": e.status});
            if let Some(t) = e.start {
                ev["startTime"] = json!(epoch_ms(t));
            }
            if let Some(t) = e.end {
                ev["endTime"] = json!(epoch_ms(t));
            }
            ev
        })
        .collect();
    json!({
        "deploymentTargetType": "LambdaTarget",
        "lambdaTarget": {
            "deploymentId": d.id,
            "targetId": target_id(d),
            "targetArn": format!("{}:{}", function_arn(&d.appspec.function), d.appspec.alias),
            "status": d.target_status,
            "lastUpdatedAt": epoch_ms(d.target_updated),
            "lifecycleEvents": events,
            "lambdaFunctionInfo": {
                "functionName": d.appspec.function,
                "functionAlias": d.appspec.alias,
                "currentVersion": d.appspec.current,
                "targetVersion": d.appspec.target,
                "targetVersionWeight": d.weight_pct,
            },
        },
    })
}
