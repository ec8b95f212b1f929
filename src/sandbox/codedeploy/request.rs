//! What every `CodeDeploy` operation checks of its request: a string member, the named
//! application or deployment (or the exception AWS answers), and the awsJson1.1 error reply.
//! The bottom of the operations (`ops`, `ops_read`, `control`).

use serde_json::Value;

use super::{CodeDeploy, Deployment};
use crate::sandbox::wire::Reply;

/// A 400 awsJson1.1 error.
pub fn err(code: &str, message: &str) -> Reply {
    Reply::aws_json_error(code, message, 400)
}

/// A string member of the request.
pub fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The named application, or `ApplicationDoesNotExistException`.
pub fn need_app(cd: &CodeDeploy, input: &Value) -> Result<String, Reply> {
    let name = s(input, "applicationName").ok_or_else(|| {
        err(
            "ApplicationNameRequiredException",
            "The minimum number of required application names was not specified.",
        )
    })?;
    if !cd.applications.contains_key(&name) {
        return Err(err(
            "ApplicationDoesNotExistException",
            &format!("No application found for name: {name}"),
        ));
    }
    Ok(name)
}

/// The named deployment, or the right exception.
pub fn need_deployment<'a>(cd: &'a CodeDeploy, input: &Value) -> Result<&'a Deployment, Reply> {
    let id = s(input, "deploymentId").ok_or_else(|| {
        err(
            "DeploymentIdRequiredException",
            "At least one deployment ID must be specified.",
        )
    })?;
    if !id.starts_with("d-") {
        return Err(err(
            "InvalidDeploymentIdException",
            &format!("The deployment ID {id} is not valid."),
        ));
    }
    cd.deployments.get(&id).ok_or_else(|| {
        err(
            "DeploymentDoesNotExistException",
            &format!("The deployment {id} could not be found."),
        )
    })
}
