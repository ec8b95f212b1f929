//! `CodeDeploy`'s awsJson1.1 API: request decoding, dispatch, and the mutating operations
//! (`CreateApplication`, `CreateDeploymentGroup`, `CreateDeploymentConfig`, `CreateDeployment`,
//! `StopDeployment`, `ContinueDeployment`, `PutLifecycleEventHookExecutionStatus`).

use serde_json::{Value, json};

use super::appspec;
use super::config::{DeployConfig, parse_routing};
use super::context::{SimCtx, fresh_lifecycle, sha256_hex};
use super::request::{err, need_app, s};
use super::{CodeDeploy, Deployment, Group, Phase, Revision, Status};
use super::{control, ops_read};
use crate::sandbox::observe::Observer;
use crate::sandbox::wire::Reply;

/// The operations [`handle`] implements (anything else is `UnknownOperationException`).
pub const OPERATIONS: &[&str] = &[
    "CreateApplication",
    "CreateDeploymentGroup",
    "CreateDeploymentConfig",
    "CreateDeployment",
    "StopDeployment",
    "ContinueDeployment",
    "PutLifecycleEventHookExecutionStatus",
    "ListApplications",
    "GetApplication",
    "ListDeploymentGroups",
    "GetDeploymentGroup",
    "GetDeploymentConfig",
    "ListDeploymentConfigs",
    "GetDeployment",
    "BatchGetDeployments",
    "ListDeployments",
    "GetApplicationRevision",
    "BatchGetApplicationRevisions",
    "BatchGetDeploymentGroups",
    "ListDeploymentTargets",
    "BatchGetDeploymentTargets",
];

/// Handles one `CodeDeploy` request (`X-Amz-Target: CodeDeploy_20141006.<op>`).
pub fn handle(cd: &mut CodeDeploy, ctx: &mut SimCtx<'_>, op: &str, body: &[u8]) -> Reply {
    let input: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                return err(
                    "SerializationException",
                    "The request body must be a JSON object",
                );
            }
            Err(e) => {
                return err(
                    "SerializationException",
                    &format!("Could not parse the request body: {e}"),
                );
            }
        }
    };
    let result = match op {
        "CreateApplication" => create_application(cd, ctx, &input),
        "CreateDeploymentGroup" => create_group(cd, &input),
        "CreateDeploymentConfig" => create_config(cd, ctx.now, &input),
        "CreateDeployment" => create_deployment(cd, ctx, &input),
        "StopDeployment" => control::stop_deployment(cd, ctx, &input),
        "ContinueDeployment" => control::continue_deployment(cd, &input),
        "PutLifecycleEventHookExecutionStatus" => control::put_hook_status(cd, ctx, &input),
        _ => ops_read::handle(cd, op, &input),
    };
    match result {
        Ok(v) => Reply::aws_json(&v),
        Err(reply) => reply,
    }
}

fn create_application(
    cd: &mut CodeDeploy,
    ctx: &SimCtx<'_>,
    input: &Value,
) -> Result<Value, Reply> {
    let name = s(input, "applicationName").ok_or_else(|| {
        err(
            "ApplicationNameRequiredException",
            "The minimum number of required application names was not specified.",
        )
    })?;
    match s(input, "computePlatform").as_deref() {
        None | Some("Lambda") => {}
        Some(other) => {
            return Err(err(
                "InvalidComputePlatformException",
                &format!("The sandbox simulates the Lambda compute platform only, not {other}."),
            ));
        }
    }
    if !cd.create_application(&name, ctx.now) {
        return Err(err(
            "ApplicationAlreadyExistsException",
            &format!("The application {name} already exists."),
        ));
    }
    Ok(json!({"applicationId": cd.applications.get(&name).map(|a| a.id.clone())}))
}

fn create_group(cd: &mut CodeDeploy, input: &Value) -> Result<Value, Reply> {
    let app = need_app(cd, input)?;
    let name = s(input, "deploymentGroupName").ok_or_else(|| {
        err(
            "DeploymentGroupNameRequiredException",
            "The deployment group name was not specified.",
        )
    })?;
    if cd.groups.contains_key(&(app.clone(), name.clone())) {
        return Err(err(
            "DeploymentGroupAlreadyExistsException",
            &format!("The deployment group {name} already exists."),
        ));
    }
    let role = s(input, "serviceRoleArn")
        .ok_or_else(|| err("RoleRequiredException", "The role ID was not specified."))?;
    let config_name = s(input, "deploymentConfigName")
        .unwrap_or_else(|| "CodeDeployDefault.LambdaAllAtOnce".into());
    if !cd.configs.contains_key(&config_name) {
        return Err(err(
            "DeploymentConfigDoesNotExistException",
            &format!("The deployment configuration {config_name} does not exist."),
        ));
    }
    let alarm_cfg = input.get("alarmConfiguration");
    let alarms: Vec<String> = alarm_cfg
        .and_then(|a| a.get("alarms"))
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|a| s(a, "name")).collect())
        .unwrap_or_default();
    if alarms.len() > 10 {
        return Err(err(
            "AlarmsLimitExceededException",
            "The maximum number of alarms for a deployment group (10) was exceeded.",
        ));
    }
    let id = cd.ids.uuid();
    let group = Group {
        application: app.clone(),
        name: name.clone(),
        id: id.clone(),
        config_name,
        service_role: role,
        alarms_enabled: alarm_cfg
            .and_then(|a| a.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        ignore_poll_alarm_failure: alarm_cfg
            .and_then(|a| a.get("ignorePollAlarmFailure"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        alarms,
        auto_rollback: parse_auto_rollback(input.get("autoRollbackConfiguration")),
        last_attempted: None,
        last_successful: None,
    };
    cd.groups.insert((app, name), group);
    Ok(json!({"deploymentGroupId": id}))
}

/// `autoRollbackConfiguration` → the events if enabled.
pub fn parse_auto_rollback(v: Option<&Value>) -> Option<Vec<String>> {
    let v = v?;
    if !v.get("enabled").and_then(Value::as_bool).unwrap_or(false) {
        return None;
    }
    let events = v.get("events").and_then(Value::as_array)?;
    Some(
        events
            .iter()
            .filter_map(|e| e.as_str().map(str::to_owned))
            .collect(),
    )
}

fn create_config(cd: &mut CodeDeploy, now: f64, input: &Value) -> Result<Value, Reply> {
    let name = s(input, "deploymentConfigName").ok_or_else(|| {
        err(
            "DeploymentConfigNameRequiredException",
            "The deployment configuration name was not specified.",
        )
    })?;
    if name.starts_with("CodeDeployDefault.") {
        return Err(err(
            "InvalidDeploymentConfigNameException",
            "The deployment configuration name cannot start with CodeDeployDefault.",
        ));
    }
    if cd.configs.contains_key(&name) {
        return Err(err(
            "DeploymentConfigAlreadyExistsException",
            &format!("A deployment configuration named {name} already exists."),
        ));
    }
    let routing = parse_routing(input.get("trafficRoutingConfig").unwrap_or(&Value::Null))
        .map_err(|e| err("InvalidTrafficRoutingConfigurationException", &e))?;
    let id = cd.ids.uuid();
    cd.configs.insert(
        name.clone(),
        DeployConfig {
            name,
            id: id.clone(),
            create_time: now,
            routing,
        },
    );
    Ok(json!({"deploymentConfigId": id}))
}

/// What `CreateDeployment` (or a scenario) asks for.
#[derive(Debug, Clone)]
pub struct NewDeployment {
    pub application: String,
    pub group: String,
    pub config_name: Option<String>,
    pub revision: Revision,
    pub creator: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub auto_rollback_override: Option<Vec<String>>,
    pub planned_stop: Option<(f64, bool)>,
}

/// Creates a deployment (validated as `CreateDeployment` does) and records its `Created`
/// status in the ground truth; returns its id.
pub fn new_deployment(
    cd: &mut CodeDeploy,
    obs: &mut Observer,
    now: f64,
    req: NewDeployment,
) -> Result<String, Reply> {
    let Some(group) = cd.groups.get(&(req.application.clone(), req.group.clone())) else {
        return Err(err(
            "DeploymentGroupDoesNotExistException",
            &format!("No deployment group found for name: {}", req.group),
        ));
    };
    let config_name = req.config_name.unwrap_or_else(|| group.config_name.clone());
    if !cd.configs.contains_key(&config_name) {
        return Err(err(
            "DeploymentConfigDoesNotExistException",
            &format!("The deployment configuration {config_name} does not exist."),
        ));
    }
    if let Some(active) = cd.active_in_group(&req.application, &req.group) {
        return Err(err(
            "DeploymentLimitExceededException",
            &format!(
                "The deployment group {} already has an active deployment ({}).",
                req.group, active.id
            ),
        ));
    }
    let spec =
        appspec::parse(&req.revision.content).map_err(|e| err("InvalidRevisionException", &e))?;
    let id = cd.new_deployment_id();
    let d = Deployment {
        id: id.clone(),
        application: req.application,
        group: req.group,
        config_name,
        creator: req.creator,
        description: req.description,
        external_id: req.external_id,
        status: Status::Created,
        create_time: now,
        start_time: None,
        complete_time: None,
        revision: req.revision,
        appspec: spec,
        error: None,
        rollback_deployment_id: None,
        rollback_triggering_id: None,
        rollback_message: None,
        auto_rollback_override: req.auto_rollback_override,
        lifecycle: fresh_lifecycle(),
        target_status: "Pending",
        target_updated: now,
        weight_pct: 0.0,
        phase: Phase::Pending,
        phase_at: now + cd.settings.start_delay_secs,
        t0: None,
        next_step: 0,
        schedule: Vec::new(),
        allow_end: 0.0,
        next_poll: f64::INFINITY,
        hook: None,
        planned_stop: req.planned_stop,
    };
    cd.order.push(id.clone());
    cd.active.push(id.clone());
    let detail = json!({
        "status": d.status.as_str(), "error": null,
        "application": d.application, "group": d.group, "creator": d.creator,
    });
    obs.event(
        now,
        "deployment_status",
        Some(&id),
        Some(&d.appspec.function),
        detail,
    );
    cd.deployments.insert(id.clone(), d);
    Ok(id)
}

/// Reads a `RevisionLocation` (`AppSpecContent` or String).
pub fn parse_revision(v: Option<&Value>) -> Result<Revision, Reply> {
    let v = v.ok_or_else(|| {
        err(
            "RevisionRequiredException",
            "The revision ID was not specified.",
        )
    })?;
    let kind = s(v, "revisionType").unwrap_or_default();
    let body = match kind.as_str() {
        "AppSpecContent" => v.get("appSpecContent"),
        "String" => v.get("string"),
        "S3" | "GitHub" => {
            return Err(err(
                "InvalidRevisionException",
                "The sandbox supports AppSpecContent and String revisions only.",
            ));
        }
        _ => {
            return Err(err(
                "InvalidRevisionException",
                "The revisionType is missing or not valid.",
            ));
        }
    };
    let content = body
        .and_then(|b| s(b, "content"))
        .ok_or_else(|| err("InvalidRevisionException", "The revision has no content."))?;
    let sha256 = body
        .and_then(|b| s(b, "sha256"))
        .unwrap_or_else(|| sha256_hex(&content));
    Ok(Revision {
        kind,
        content,
        sha256,
    })
}

fn create_deployment(
    cd: &mut CodeDeploy,
    ctx: &mut SimCtx<'_>,
    input: &Value,
) -> Result<Value, Reply> {
    let application = need_app(cd, input)?;
    let group = s(input, "deploymentGroupName").ok_or_else(|| {
        err(
            "DeploymentGroupNameRequiredException",
            "The deployment group name was not specified.",
        )
    })?;
    let req = NewDeployment {
        application,
        group,
        config_name: s(input, "deploymentConfigName"),
        revision: parse_revision(input.get("revision"))?,
        creator: "user".into(),
        description: s(input, "description"),
        external_id: None,
        auto_rollback_override: input
            .get("autoRollbackConfiguration")
            .map(|v| parse_auto_rollback(Some(v)).unwrap_or_default()),
        planned_stop: None,
    };
    let id = new_deployment(cd, ctx.obs, ctx.now, req)?;
    Ok(json!({"deploymentId": id}))
}
