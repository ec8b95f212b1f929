//! Lambda's restJson1 operations: routing on method + URI template (percent-decoded path labels,
//! ARNs and `name:qualifier` accepted), and the handlers with Lambda's error shapes and statuses.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Digest;

use super::json::{alias_configuration, function_configuration};
use super::{Lambda, NewFunction, parse_function_name};
use crate::sandbox::observe::Observer;
use crate::sandbox::wire::Reply;

/// A recognised Lambda request: the operation and its path labels.
#[derive(Debug, Clone)]
pub struct Route {
    pub op: &'static str,
    pub function: Option<String>,
    pub alias: Option<String>,
}

/// Maps method + path (below `/2015-03-31/`) to an operation; `None` for an unknown route.
pub fn route(method: &str, path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/2015-03-31/functions")?;
    let segs: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let f = segs.first().cloned();
    let (op, alias) = match (method, segs.len(), segs.get(1).map(String::as_str)) {
        ("POST", 0, _) => ("CreateFunction", None),
        ("GET", 0, _) => ("ListFunctions", None),
        ("GET", 1, _) => ("GetFunction", None),
        ("POST", 2, Some("versions")) => ("PublishVersion", None),
        ("GET", 2, Some("versions")) => ("ListVersionsByFunction", None),
        ("GET", 2, Some("configuration")) => ("GetFunctionConfiguration", None),
        ("POST", 2, Some("aliases")) => ("CreateAlias", None),
        ("GET", 2, Some("aliases")) => ("ListAliases", None),
        ("GET", 3, Some("aliases")) => ("GetAlias", segs.get(2).cloned()),
        ("PUT", 3, Some("aliases")) => ("UpdateAlias", segs.get(2).cloned()),
        ("DELETE", 3, Some("aliases")) => ("DeleteAlias", segs.get(2).cloned()),
        _ => return None,
    };
    Some(Route {
        op,
        function: f,
        alias,
    })
}

/// Parses a query string into decoded key/value pairs.
pub fn query_map(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

fn not_found(what: &str) -> Reply {
    Reply::rest_json_error(
        "ResourceNotFoundException",
        &format!("{what} not found"),
        404,
    )
}

fn invalid(message: &str) -> Reply {
    Reply::rest_json_error("InvalidParameterValueException", message, 400)
}

fn parse_body<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> Result<T, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| invalid(&format!("Could not parse request body into json: {e}")))
}

/// Pages `items` with a numeric `Marker` and `MaxItems` (default 50).
fn page(items: Vec<Value>, q: &BTreeMap<String, String>, key: &str) -> Result<Reply, Reply> {
    let start: usize = match q.get("Marker") {
        Some(m) => m.parse().map_err(|_| invalid("Invalid Marker"))?,
        None => 0,
    };
    let max: usize = match q.get("MaxItems") {
        Some(m) => m
            .parse()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| invalid("Invalid MaxItems"))?,
        None => 50,
    };
    let end = (start + max).min(items.len());
    let mut out = json!({ key: items.get(start.min(end)..end).unwrap_or_default() });
    if end < items.len() {
        out["NextMarker"] = json!(end.to_string());
    }
    Ok(Reply::rest_json(200, &out))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct CreateFunctionIn {
    function_name: Option<String>,
    role: Option<String>,
    runtime: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<u32>,
    memory_size: Option<u32>,
    publish: Option<bool>,
    code: Option<Value>,
    logging_config: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct AliasIn {
    name: Option<String>,
    function_version: Option<String>,
    description: Option<String>,
    routing_config: Option<RoutingIn>,
    revision_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RoutingIn {
    additional_version_weights: Option<BTreeMap<String, f64>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PublishIn {
    description: Option<String>,
    revision_id: Option<String>,
}

/// Handles one routed Lambda request at simulated time `now`.
pub fn handle(
    l: &mut Lambda,
    obs: &mut Observer,
    now: f64,
    r: &Route,
    query: &str,
    body: &[u8],
) -> Reply {
    match dispatch(l, obs, now, r, query, body) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn dispatch(
    l: &mut Lambda,
    obs: &mut Observer,
    now: f64,
    r: &Route,
    query: &str,
    body: &[u8],
) -> Result<Reply, Reply> {
    let q = query_map(query);
    if r.op == "CreateFunction" {
        return create_function(l, now, body);
    }
    if r.op == "ListFunctions" {
        let items = l
            .functions
            .values()
            .map(|f| function_configuration(f, None))
            .collect();
        return page(items, &q, "Functions");
    }
    let (name, qualifier) = parse_function_name(r.function.as_deref().unwrap_or_default());
    if !l.functions.contains_key(&name) {
        return Err(not_found(&format!(
            "Function not found: {}",
            super::function_arn(&name)
        )));
    }
    match r.op {
        "GetFunction" | "GetFunctionConfiguration" => {
            let qualifier = q.get("Qualifier").cloned().or(qualifier);
            let f = &l.functions[&name];
            let version = match qualifier.as_deref() {
                None | Some("$LATEST") => None,
                Some(qual) => match qual.parse::<u64>() {
                    Ok(n) if f.versions.contains_key(&n) => Some(n),
                    Ok(_) => {
                        return Err(not_found(&format!(
                            "Function not found: {}:{qual}",
                            f.arn()
                        )));
                    }
                    Err(_) => match f.aliases.get(qual) {
                        Some(a) => a.function_version.parse().ok(),
                        None => {
                            return Err(not_found(&format!(
                                "Function not found: {}:{qual}",
                                f.arn()
                            )));
                        }
                    },
                },
            };
            let conf = function_configuration(f, version);
            Ok(Reply::rest_json(
                200,
                &if r.op == "GetFunction" {
                    json!({"Configuration": conf})
                } else {
                    conf
                },
            ))
        }
        "PublishVersion" => {
            let input: PublishIn = parse_body(body)?;
            if let Some(rev) = input.revision_id {
                if rev != l.functions[&name].revision {
                    return Err(precondition());
                }
            }
            let n = l
                .publish(&name, input.description, now)
                .ok_or_else(|| not_found(&name))?;
            Ok(Reply::rest_json(
                201,
                &function_configuration(&l.functions[&name], Some(n)),
            ))
        }
        "ListVersionsByFunction" => {
            let f = &l.functions[&name];
            let items = std::iter::once(function_configuration(f, None))
                .chain(
                    f.versions
                        .keys()
                        .map(|n| function_configuration(f, Some(*n))),
                )
                .collect();
            page(items, &q, "Versions")
        }
        "ListAliases" => {
            let f = &l.functions[&name];
            let items = f
                .aliases
                .values()
                .filter(|a| {
                    q.get("FunctionVersion")
                        .is_none_or(|v| *v == a.function_version)
                })
                .map(|a| alias_configuration(f, a))
                .collect();
            page(items, &q, "Aliases")
        }
        "CreateAlias" => upsert_alias(l, obs, now, &name, None, body),
        "UpdateAlias" => upsert_alias(l, obs, now, &name, r.alias.as_deref(), body),
        "GetAlias" | "DeleteAlias" => {
            let alias = r.alias.clone().unwrap_or_default();
            let f = l.functions.get_mut(&name).ok_or_else(|| not_found(&name))?;
            let Some(a) = f.aliases.get(&alias) else {
                return Err(not_found(&format!("Alias not found: {}:{alias}", f.arn())));
            };
            if r.op == "GetAlias" {
                return Ok(Reply::rest_json(200, &alias_configuration(f, a)));
            }
            f.aliases.remove(&alias);
            Ok(Reply {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            })
        }
        _ => Err(Reply::rest_json_error(
            "UnknownOperationException",
            "Unknown operation",
            404,
        )),
    }
}

fn precondition() -> Reply {
    Reply::rest_json_error(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        412,
    )
}

fn create_function(l: &mut Lambda, now: f64, body: &[u8]) -> Result<Reply, Reply> {
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

fn upsert_alias(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_decode_arn_labels() {
        let r = route("GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/aliases/live")
            .expect("route");
        assert_eq!(r.op, "GetAlias");
        assert_eq!(
            r.function.as_deref(),
            Some("arn:aws:lambda:us-east-1:123456789012:function:f")
        );
        assert!(route("PATCH", "/2015-03-31/functions/f").is_none());
    }

    #[test]
    fn stale_revision_id_is_a_412() {
        let mut l = Lambda::new(1);
        let mut obs = Observer::default();
        let create = |name: &str| {
            route("POST", &format!("/2015-03-31/functions/{name}/aliases")).expect("route")
        };
        l.create_function(
            NewFunction {
                name: "f".into(),
                ..NewFunction::default()
            },
            0.0,
        );
        l.publish("f", None, 0.0);
        let body = br#"{"Name":"live","FunctionVersion":"1"}"#;
        assert_eq!(
            handle(&mut l, &mut obs, 0.0, &create("f"), "", body).status,
            201
        );
        let upd = route("PUT", "/2015-03-31/functions/f/aliases/live").expect("route");
        let reply = handle(
            &mut l,
            &mut obs,
            0.0,
            &upd,
            "",
            br#"{"RevisionId":"stale"}"#,
        );
        assert_eq!(reply.status, 412);
        assert!(
            reply
                .headers
                .iter()
                .any(|(k, v)| k == "X-Amzn-ErrorType" && v == "PreconditionFailedException")
        );
    }
}
