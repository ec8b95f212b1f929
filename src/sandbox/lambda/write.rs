//! Lambda's writing operations: `CreateFunction` (no code ever runs) and CreateAlias/UpdateAlias
//! with `RevisionId` preconditions and the weight rules Lambda enforces.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::Digest;

use super::json::alias_configuration;
use super::json::function_configuration;
use super::request::{AliasIn, CreateFunctionIn, invalid, not_found, parse_body, precondition};
use super::{Lambda, NewFunction};
use crate::sandbox::observe::Observer;
use crate::sandbox::wire::Reply;

pub(super) fn create_function(l: &mut Lambda, now: f64, body: &[u8]) -> Result<Reply, Reply> {
    let input: CreateFunctionIn = parse_body(body)?;
    let name = input
        .function_name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("FunctionName is required"))?;
    if name.contains(':') || name.len() > 64 {
        return Err(invalid(&format!("Invalid function name: {name}")));
    }
    let code = input.code.unwrap_or(Value::Null);
    let bytes = match code.get("ZipFile").and_then(Value::as_str) {
        Some(b64) => base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64)
            .map_err(|_| invalid("Code.ZipFile is not valid base64"))?,
        None => code.to_string().into_bytes(),
    };
    let sha = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        sha2::Sha256::digest(&bytes),
    );
    let spec = NewFunction {
        name: name.clone(),
        runtime: input.runtime,
        role: input.role,
        handler: input.handler,
        description: input.description,
        memory: input.memory_size,
        timeout: input.timeout,
        code_sha: sha,
        code_size: bytes.len() as u64,
        log_group: input
            .logging_config
            .and_then(|c| c.get("LogGroup").and_then(Value::as_str).map(str::to_owned)),
    };
    if !l.create_function(spec, now) {
        return Err(Reply::rest_json_error(
            "ResourceConflictException",
            &format!("Function already exist: {name}"),
            409,
        ));
    }
    let version = if input.publish == Some(true) {
        l.publish(&name, None, now)
    } else {
        None
    };
    Ok(Reply::rest_json(
        201,
        &function_configuration(&l.functions[&name], version),
    ))
}

pub(super) fn upsert_alias(
    l: &mut Lambda,
    obs: &mut Observer,
    now: f64,
    name: &str,
    update: Option<&str>,
    body: &[u8],
) -> Result<Reply, Reply> {
    let input: AliasIn = parse_body(body)?;
    let f = l.functions.get(name).ok_or_else(|| not_found(name))?;
    let alias_name = match update {
        Some(a) => a.to_owned(),
        None => input
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| invalid("Name is required"))?,
    };
    let existing = f.aliases.get(&alias_name);
    match (update, existing) {
        (None, Some(_)) => {
            return Err(Reply::rest_json_error(
                "ResourceConflictException",
                &format!("Alias already exists: {}:{alias_name}", f.arn()),
                409,
            ));
        }
        (Some(_), None) => {
            return Err(not_found(&format!(
                "Alias not found: {}:{alias_name}",
                f.arn()
            )));
        }
        _ => {}
    }
    if let (Some(rev), Some(a)) = (&input.revision_id, existing) {
        if *rev != a.revision {
            return Err(precondition());
        }
    }
    let version = match (input.function_version.clone(), existing) {
        (Some(v), _) => v,
        (None, Some(a)) => a.function_version.clone(),
        (None, None) => return Err(invalid("FunctionVersion is required")),
    };
    let weights = match (input.routing_config, existing) {
        (Some(rc), _) => rc.additional_version_weights.unwrap_or_default(),
        (None, Some(a)) => a.weights.clone(),
        (None, None) => BTreeMap::new(),
    };
    let version_exists =
        |v: &str| v == "$LATEST" || v.parse::<u64>().is_ok_and(|n| f.versions.contains_key(&n));
    if !version_exists(&version) {
        return Err(not_found(&format!(
            "Function not found: {}:{version}",
            f.arn()
        )));
    }
    if weights.len() > 1 {
        return Err(invalid(
            "Number of items in AdditionalVersionWeights cannot be greater than 1",
        ));
    }
    for (v, w) in &weights {
        if !(0.0..=1.0).contains(w) || !w.is_finite() {
            return Err(invalid(&format!(
                "Invalid weight {w} for version {v}: must be between 0.0 and 1.0"
            )));
        }
        if *v == version || v == "$LATEST" || !version_exists(v) {
            return Err(invalid(&format!(
                "Invalid function version {v} in AdditionalVersionWeights"
            )));
        }
    }
    let description = input
        .description
        .or_else(|| existing.map(|a| a.description.clone()))
        .unwrap_or_default();
    l.set_routing(obs, now, name, &alias_name, &version, weights, "api", None);
    let f = l.functions.get_mut(name).ok_or_else(|| not_found(name))?;
    if let Some(a) = f.aliases.get_mut(&alias_name) {
        a.description = description;
    }
    let f = &*f;
    let a = f
        .aliases
        .get(&alias_name)
        .ok_or_else(|| not_found(&alias_name))?;
    let reply = alias_configuration(f, a);
    Ok(Reply::rest_json(
        if update.is_some() { 200 } else { 201 },
        &reply,
    ))
}
