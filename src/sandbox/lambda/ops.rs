//! Lambda's restJson1 operations: routing on method + URI template (percent-decoded path labels,
//! ARNs and `name:qualifier` accepted), and the handlers with Lambda's error shapes and statuses.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::json::{alias_configuration, function_configuration};
use super::request::{invalid, not_found, parse_body, precondition};
use super::{Function, Lambda, parse_function_name, write};
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

/// Pages `items` with a numeric `Marker` and `MaxItems` (default 50). A marker that is not a
/// position within the list is refused (`InvalidParameterValueException`), never overflowed.
fn page(items: &[Value], q: &BTreeMap<String, String>, key: &str) -> Result<Reply, Reply> {
    let start: usize = match q.get("Marker") {
        Some(m) => m
            .parse()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| invalid(&format!("Invalid Marker: {m}")))?,
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
    let end = start.saturating_add(max).min(items.len());
    let mut out = json!({ key: items.get(start..end).unwrap_or_default() });
    if end < items.len() {
        out["NextMarker"] = json!(end.to_string());
    }
    Ok(Reply::rest_json(200, &out))
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

/// The configuration of `f` at `qualifier`: `$LATEST` (or none), a version number, or an
/// alias's version; ResourceNotFound for any other.
fn configuration_of(f: &Function, qualifier: Option<&str>) -> Result<Value, Reply> {
    let version = match qualifier {
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
    Ok(function_configuration(f, version))
}

fn dispatch(
    lambda: &mut Lambda,
    obs: &mut Observer,
    now: f64,
    route: &Route,
    query: &str,
    body: &[u8],
) -> Result<Reply, Reply> {
    let params = query_map(query);
    if route.op == "CreateFunction" {
        return write::create_function(lambda, now, body);
    }
    if route.op == "ListFunctions" {
        let items: Vec<Value> = lambda
            .functions
            .values()
            .map(|f| function_configuration(f, None))
            .collect();
        return page(&items, &params, "Functions");
    }
    let (name, qualifier) = parse_function_name(route.function.as_deref().unwrap_or_default());
    if !lambda.functions.contains_key(&name) {
        return Err(not_found(&format!(
            "Function not found: {}",
            super::function_arn(&name)
        )));
    }
    match route.op {
        "GetFunction" | "GetFunctionConfiguration" => {
            let qualifier = params.get("Qualifier").cloned().or(qualifier);
            let conf = configuration_of(&lambda.functions[&name], qualifier.as_deref())?;
            Ok(Reply::rest_json(
                200,
                &if route.op == "GetFunction" {
                    json!({"Configuration": conf})
                } else {
                    conf
                },
            ))
        }
        "PublishVersion" => {
            let input: PublishIn = parse_body(body)?;
            if let Some(rev) = input.revision_id {
                if rev != lambda.functions[&name].revision {
                    return Err(precondition());
                }
            }
            let n = lambda
                .publish(&name, input.description, now)
                .ok_or_else(|| not_found(&name))?;
            Ok(Reply::rest_json(
                201,
                &function_configuration(&lambda.functions[&name], Some(n)),
            ))
        }
        "ListVersionsByFunction" => {
            let f = &lambda.functions[&name];
            let items: Vec<Value> = std::iter::once(function_configuration(f, None))
                .chain(
                    f.versions
                        .keys()
                        .map(|n| function_configuration(f, Some(*n))),
                )
                .collect();
            page(&items, &params, "Versions")
        }
        "ListAliases" => {
            let f = &lambda.functions[&name];
            let items: Vec<Value> = f
                .aliases
                .values()
                .filter(|a| {
                    params
                        .get("FunctionVersion")
                        .is_none_or(|v| *v == a.function_version)
                })
                .map(|a| alias_configuration(f, a))
                .collect();
            page(&items, &params, "Aliases")
        }
        "CreateAlias" => write::upsert_alias(lambda, obs, now, &name, None, body),
        "UpdateAlias" => write::upsert_alias(lambda, obs, now, &name, route.alias.as_deref(), body),
        "GetAlias" | "DeleteAlias" => {
            let alias = route.alias.clone().unwrap_or_default();
            let f = lambda
                .functions
                .get_mut(&name)
                .ok_or_else(|| not_found(&name))?;
            let Some(a) = f.aliases.get(&alias) else {
                return Err(not_found(&format!("Alias not found: {}:{alias}", f.arn())));
            };
            if route.op == "GetAlias" {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::lambda::NewFunction;

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
