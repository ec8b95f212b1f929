//! The Lambda requests' bodies and the error replies every operation shares: the bottom of
//! the operations (`ops` routes and reads, `write` changes).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::sandbox::wire::Reply;

/// `ResourceNotFoundException` (404) for `what`.
pub(super) fn not_found(what: &str) -> Reply {
    Reply::rest_json_error(
        "ResourceNotFoundException",
        &format!("{what} not found"),
        404,
    )
}

/// `InvalidParameterValueException` (400).
pub(super) fn invalid(message: &str) -> Reply {
    Reply::rest_json_error("InvalidParameterValueException", message, 400)
}

/// The JSON body as `T` (an empty body is `T::default()`), or the error Lambda answers.
pub(super) fn parse_body<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> Result<T, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            invalid(&format!("Invalid request body: {e}"))
        } else {
            let message = format!("Could not parse request body into json: {e}");
            Reply::rest_json_error("InvalidRequestContentException", &message, 400)
        }
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
/// CreateFunction's body.
pub(super) struct CreateFunctionIn {
    pub(super) function_name: Option<String>,
    pub(super) role: Option<String>,
    pub(super) runtime: Option<String>,
    pub(super) handler: Option<String>,
    pub(super) description: Option<String>,
    pub(super) timeout: Option<u32>,
    pub(super) memory_size: Option<u32>,
    pub(super) publish: Option<bool>,
    pub(super) code: Option<Value>,
    pub(super) logging_config: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
/// CreateAlias's and UpdateAlias's body.
pub(super) struct AliasIn {
    pub(super) name: Option<String>,
    pub(super) function_version: Option<String>,
    pub(super) description: Option<String>,
    pub(super) routing_config: Option<RoutingIn>,
    pub(super) revision_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
/// An alias's RoutingConfig.
pub(super) struct RoutingIn {
    pub(super) additional_version_weights: Option<BTreeMap<String, f64>>,
}

/// `PreconditionFailedException` (412): the RevisionId did not match.
pub(super) fn precondition() -> Reply {
    Reply::rest_json_error(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        412,
    )
}
