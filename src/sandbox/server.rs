//! The HTTP server: one axum fallback handler reads the request, applies faults (never to
//! `/_sandbox/*`), dispatches under the world lock (never held across `.await`), and stamps every
//! reply with the simulated `Date` and an `x-amzn-RequestId`. Also the `/_sandbox/*` endpoints:
//!
//! - `GET /_sandbox/stats`: `{"calls","mutating","read","services":{"lambda":{"calls",
//!   "mutating","read","faults","operations":{"GetAlias":{"calls","mutating","faults"}}}}}`.
//! - `GET /_sandbox/events?since=SEQ&kind=KIND&deployment_id=ID`: the ground truth,
//!   `{"events":[{"seq","sim_time","wall_time","kind","deployment_id","function","detail"}],
//!   "next":SEQ}`; kinds: `weight` (every alias change, with its `source`), `deployment_status`,
//!   `lifecycle_event`, `hook_invoked` (with the execution id), `rollback_created`,
//!   `alarm_state`, `scenario`, `api_change` (every mutating call answered successfully:
//!   `service`, `operation`, `caller`, `path`), `faults_set` (`POST /_sandbox/faults`).
//! - `GET /_sandbox/calls?since=SEQ`: every call answered, oldest first (the last 200,000),
//!   `{"calls":[{"seq","sim_time","wall_time","service","operation","caller","status","fault",
//!   "resources"}],
//!   "next":SEQ}` — when a read really succeeded or failed, to judge STALE against.
//! - `GET /_sandbox/clock`, `POST /_sandbox/clock` with any of `{"pause":true}`,
//!   `{"speed":60}`, `{"advance_secs":60}`, `{"resume":true}` (applied in that order): answers
//!   `{"now","processed","paused","speed"}` once the simulation has caught up.
//! - `GET /_sandbox/faults`: the fault rules in force, `{"faults": SPEC|null, "rules": [{"kind",
//!   "service","operation", "probability"|"min_ms","max_ms"}]}`; `POST /_sandbox/faults` with
//!   `{"faults": "throttle=0.3,latency=50ms..2s"}` (the `--faults` syntax, same errors, 400 on a
//!   bad spec and the old rules stay) replaces them from the next request on, and
//!   `{"faults": null}` or `{"faults": ""}` clears them; answers like the GET.
//!
//! Cross-site safety (see [`crate::sandbox::guard`]): unless `--allow-remote`, a request whose
//! `Host` is not a loopback name is refused 403 (DNS rebinding); a `POST /_sandbox/*` needs
//! `Content-Type: application/json` or `x-rollwatch-sandbox: 1` (else 415); a Lambda POST/PUT
//! or a `CloudWatch` CBOR request needs its JSON/CBOR content type or an AWS client's headers
//! (else 415 `UnsupportedMediaTypeException` in the service's shape). Refused requests change
//! nothing and are not counted in the stats.
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

use crate::sandbox::faults::Outcome;
use crate::sandbox::guard;
use crate::sandbox::lambda::ops::query_map;
use crate::sandbox::observe::{self, CallRecord};
use crate::sandbox::router::{Target, classify, dispatch, error_reply, fault_reply, gunzip};
use crate::sandbox::wire::{Reply, http_date};
use crate::sandbox::world::World;

/// Largest request body accepted.
const MAX_BODY: usize = 64 << 20;

/// State shared by every connection and the simulation task: one world per account.
#[derive(Debug)]
pub struct Shared {
    /// The first account: it answers every caller whose access key names no other.
    pub first: Mutex<World>,
    /// The other accounts (`--accounts N`), in order.
    pub others: Vec<Mutex<World>>,
    /// `--allow-remote`: accept any `Host` (the listener may be on a public address).
    pub allow_remote: bool,
}

impl Shared {
    /// Locks the first account's world (a panic elsewhere never makes the sandbox unusable).
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.lock_account(0)
    }

    /// Every account's world, the first one first.
    fn worlds(&self) -> impl Iterator<Item = &Mutex<World>> {
        std::iter::once(&self.first).chain(&self.others)
    }

    /// How many accounts the sandbox serves.
    pub fn account_count(&self) -> usize {
        1 + self.others.len()
    }

    /// Locks the world of account `index` (the first one when out of range).
    pub fn lock_account(&self, index: usize) -> MutexGuard<'_, World> {
        let world = index
            .checked_sub(1)
            .and_then(|i| self.others.get(i))
            .unwrap_or(&self.first);
        world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on every account's world, in order.
    pub fn each(&self, mut f: impl FnMut(&mut World)) {
        for w in self.worlds() {
            f(&mut w.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    /// The account an access key ID reaches: the one whose 12-digit id it contains
    /// (`222222222222`, `AKIA222222222222`), else the first.
    pub fn account_of(&self, access_key: Option<&str>) -> usize {
        let Some(key) = access_key else { return 0 };
        self.worlds()
            .position(|w| {
                let world = w.lock().unwrap_or_else(PoisonError::into_inner);
                key.contains(world.account.as_str())
            })
            .unwrap_or(0)
    }

    /// The index of the account named `id`, if the sandbox serves it.
    fn account_named(&self, id: &str) -> Option<usize> {
        self.worlds()
            .position(|w| w.lock().unwrap_or_else(PoisonError::into_inner).account == id)
    }
}

/// The access key ID of a SigV4 `Authorization` header (`… Credential=AKID/date/…`).
fn access_key(authorization: Option<&str>) -> Option<&str> {
    let rest = authorization?.split("Credential=").nth(1)?;
    rest.split('/').next().filter(|k| !k.is_empty())
}

/// The axum router: everything goes to [`handle`].
pub fn app(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let method = parts.method.as_str();
    let host = header("host");
    let host_ok = shared.allow_remote
        || (host.as_deref().is_some_and(guard::loopback_host)
            && parts
                .uri
                .authority()
                .is_none_or(|a| guard::loopback_host(a.as_str())));
    if !host_ok {
        // Refused before the body is read; in the service's error shape when it is known.
        let message = guard::host_refusal(host.as_deref());
        let target = header("x-amz-target");
        let reply = match classify(method, &path, target.as_deref(), None) {
            Ok(c) if !path.starts_with("/_sandbox/") => {
                error_reply(&c.target, "AccessDeniedException", &message, 403)
            }
            _ => control_error(403, &message),
        };
        return finish(&shared, reply);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        let reply = Reply::aws_json_error(
            "SerializationException",
            "The request body could not be read (too large or truncated)",
            400,
        );
        return finish(&shared, reply);
    };
    if let Some(rest) = path.strip_prefix("/_sandbox/") {
        let reply = if method == "POST"
            && !guard::control_post_allowed(
                header("content-type").as_deref(),
                header("x-rollwatch-sandbox").as_deref(),
            ) {
            control_error(
                415,
                "a POST to /_sandbox/* needs Content-Type: application/json or the header x-rollwatch-sandbox: 1 (so that a web page cannot send it as a cross-site form)",
            )
        } else {
            control(&shared, method, rest, &query, &bytes)
        };
        return finish(&shared, reply);
    }
    let sts_action = header("content-type")
        .filter(|t| t.starts_with("application/x-www-form-urlencoded"))
        .and_then(|_| crate::sandbox::sts::form_action(&bytes));
    let c = match classify(
        method,
        &path,
        header("x-amz-target").as_deref(),
        sts_action.as_deref(),
    ) {
        Ok(c) => c,
        Err(reply) => return finish(&shared, reply),
    };
    if let Some(cbor) = c.forgeable_write(method) {
        let has = |name: &str| parts.headers.contains_key(name);
        let authorization = header("authorization");
        let content_type = header("content-type");
        let headers = guard::WriteHeaders {
            content_type: content_type.as_deref(),
            authorization: authorization.as_deref(),
            sdk_header: has("x-amz-user-agent")
                || has("amz-sdk-invocation-id")
                || has("smithy-protocol"),
        };
        if !guard::write_allowed(&headers, cbor) {
            let expected = if cbor {
                "application/cbor"
            } else {
                "application/json"
            };
            let message = format!(
                "{} needs Content-Type: {expected} (got {}) or an AWS SDK's headers; the sandbox refuses what a web page could send as a cross-site simple request",
                c.operation,
                content_type.as_deref().unwrap_or("none")
            );
            let code = match c.target {
                Target::CloudWatch(_) => "UnsupportedMediaType",
                _ => "UnsupportedMediaTypeException",
            };
            return finish(&shared, error_reply(&c.target, code, &message, 415));
        }
    }
    let caller = access_key(header("authorization").as_deref()).map(str::to_owned);
    let account = shared.account_of(caller.as_deref());
    let (delay, outcome) = shared
        .lock_account(account)
        .faults
        .decide(c.service, &c.operation);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let gzipped =
        header("content-encoding").is_some_and(|e| e.to_ascii_lowercase().contains("gzip"));
    let body = if gzipped {
        match gunzip(&bytes) {
            Ok(b) => b,
            Err(e) => {
                let reply = match c.target {
                    Target::CloudWatch(codec) => {
                        crate::sandbox::cloudwatch::error(codec, "InvalidParameterValue", &e, 400)
                    }
                    _ => Reply::aws_json_error("SerializationException", &e, 400),
                };
                return finish(&shared, reply);
            }
        }
    } else {
        bytes.to_vec()
    };
    let reply = {
        let mut world = shared.lock_account(account);
        world.sync();
        world
            .obs
            .call(c.service, c.stats_operation(), outcome.is_some());
        world.obs.caller(
            caller.as_deref().unwrap_or("(unsigned)"),
            c.stats_operation(),
        );
        let reply = match outcome {
            Some(Outcome::Reset) => None,
            Some(o) => Some(fault_reply(&c, o)),
            None => Some(dispatch(&mut world, &c, &query, &body)),
        };
        let status = reply.as_ref().map_or(500, |r| r.status);
        let now = world.clock.now();
        let operation = c.stats_operation();
        world.obs.answered(CallRecord {
            seq: 0,
            sim_time: now,
            wall_time: 0.0,
            service: c.service.to_owned(),
            operation: operation.to_owned(),
            caller: caller.clone(),
            status,
            fault: outcome.map(Outcome::name),
            resources: c.resources(&path, &body),
        });
        if (200..300).contains(&status) && observe::is_mutating(operation) {
            let change = json!({
                "service": c.service,
                "operation": operation,
                "caller": caller,
                "path": path,
            });
            world.obs.event(now, "api_change", None, None, change);
        }
        reply
    };
    match reply {
        Some(reply) => finish(&shared, reply),
        None => reset(&shared),
    }
}

/// A 500 whose body breaks off: the client sees the connection die mid-response.
fn reset(shared: &Shared) -> Response<Body> {
    let broken = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox fault: reset",
        ))
    });
    let mut response = finish(
        shared,
        Reply {
            status: 500,
            headers: Vec::new(),
            body: Vec::new(),
        },
    );
    *response.body_mut() = Body::from_stream(broken);
    response
}

/// Converts a reply, adding `Date` (simulated clock) and `x-amzn-RequestId`.
fn finish(shared: &Shared, reply: Reply) -> Response<Body> {
    let (now, request_id) = {
        let mut world = shared.lock();
        (world.clock.now(), world.request_ids.uuid())
    };
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            headers.append(n, v);
        }
    }
    if let Ok(v) = HeaderValue::try_from(http_date(now)) {
        headers.insert("date", v);
    }
    if let Ok(v) = HeaderValue::try_from(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

fn control_error(status: u16, message: &str) -> Reply {
    Reply::json_with(status, "application/json", &json!({"error": message}))
}

/// `/_sandbox/stats`, `/_sandbox/events`, `/_sandbox/clock`, `/_sandbox/faults`, and
/// `/_sandbox/accounts`. `?account=ID` picks the account whose stats, events or faults are
/// read or set (default: the first; a fault spec without it applies to every account); the
/// clock is one for all accounts.
fn control(shared: &Shared, method: &str, rest: &str, query: &str, body: &[u8]) -> Reply {
    let q = query_map(query);
    let selected = match q.get("account") {
        Some(id) => match shared.account_named(id) {
            Some(i) => Some(i),
            None => return control_error(404, &format!("the sandbox serves no account {id}")),
        },
        None => None,
    };
    let rest = rest.trim_end_matches('/');
    if method == "GET" && rest == "accounts" {
        let mut ids = Vec::new();
        shared.each(|w| ids.push(w.account.clone()));
        return Reply::json_with(200, "application/json", &json!({"accounts": ids}));
    }
    if method == "POST" && rest == "clock" {
        let mut reply = None;
        for i in 0..shared.account_count() {
            let r = control_one(&mut shared.lock_account(i), method, rest, query, body);
            if r.status != 200 || reply.is_none() {
                reply = Some(r);
            }
            if reply.as_ref().is_some_and(|r| r.status != 200) {
                break;
            }
        }
        return reply.unwrap_or_else(|| control_error(500, "no account"));
    }
    if method == "POST" && rest == "faults" && selected.is_none() {
        let mut reply = control_error(500, "no account");
        for i in 0..shared.account_count() {
            reply = control_one(&mut shared.lock_account(i), method, rest, query, body);
            if reply.status != 200 {
                break;
            }
        }
        return reply;
    }
    control_one(
        &mut shared.lock_account(selected.unwrap_or(0)),
        method,
        rest,
        query,
        body,
    )
}

/// One account's part of [`control`].
fn control_one(world: &mut World, method: &str, rest: &str, query: &str, body: &[u8]) -> Reply {
    world.sync();
    match (method, rest.trim_end_matches('/')) {
        ("GET", "stats") => Reply::json_with(200, "application/json", &world.obs.stats_json()),
        ("GET", "events") => {
            let q = query_map(query);
            let since = q.get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
            let kind = q.get("kind");
            let deployment = q.get("deployment_id");
            let events: Vec<_> = world
                .obs
                .events_since(since)
                .filter(|e| kind.is_none_or(|k| k == e.kind))
                .filter(|e| deployment.is_none_or(|d| e.deployment_id.as_ref() == Some(d)))
                .collect();
            let next = events.last().map_or(since, |e| e.seq + 1);
            Reply::json_with(
                200,
                "application/json",
                &json!({"events": events, "next": next}),
            )
        }
        ("GET", "calls") => {
            let since = query_map(query)
                .get("since")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let calls: Vec<_> = world.obs.calls_since(since).collect();
            let next = calls.last().map_or(since, |c| c.seq + 1);
            Reply::json_with(
                200,
                "application/json",
                &json!({"calls": calls, "next": next}),
            )
        }
        ("GET", "clock") => Reply::json_with(200, "application/json", &world.clock_json()),
        ("POST", "clock") => {
            let input: Value = if body.iter().all(u8::is_ascii_whitespace) {
                json!({})
            } else {
                match serde_json::from_slice(body) {
                    Ok(v @ Value::Object(_)) => v,
                    _ => {
                        return control_error(
                            400,
                            "expected a JSON object like {\"pause\":true}, {\"advance_secs\":60}, {\"resume\":true}, {\"speed\":60}",
                        );
                    }
                }
            };
            if input.get("pause").and_then(Value::as_bool) == Some(true) {
                world.clock.pause();
            }
            if let Some(speed) = input.get("speed").and_then(Value::as_f64) {
                world.clock.set_speed(speed);
            }
            if let Some(secs) = input.get("advance_secs").and_then(Value::as_f64) {
                if !(0.0..=366.0 * 86400.0).contains(&secs) {
                    return control_error(400, "advance_secs must be between 0 and one year");
                }
                world.clock.advance(secs);
            }
            if input.get("resume").and_then(Value::as_bool) == Some(true) {
                world.clock.resume();
            }
            world.sync();
            Reply::json_with(200, "application/json", &world.clock_json())
        }
        ("GET", "faults") => Reply::json_with(200, "application/json", &world.faults.describe()),
        ("POST", "faults") => {
            const USAGE: &str = "expected a JSON object like {\"faults\": \"throttle=0.3,latency=50ms..2s\"} (the --faults syntax) or {\"faults\": null} to clear";
            let spec = match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(o)) => match o.get("faults") {
                    Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    _ => return control_error(400, USAGE),
                },
                _ => return control_error(400, USAGE),
            };
            match world.faults.replace(spec.as_deref()) {
                Ok(()) => {
                    let now = world.clock.now();
                    let set = json!({"faults": spec.filter(|s| !s.trim().is_empty())});
                    world.obs.event(now, "faults_set", None, None, set);
                    Reply::json_with(200, "application/json", &world.faults.describe())
                }
                Err(e) => control_error(400, &format!("invalid faults: {e}")),
            }
        }
        _ => control_error(
            404,
            "unknown sandbox endpoint: use GET /_sandbox/stats, GET /_sandbox/events, GET /_sandbox/calls, GET|POST /_sandbox/clock, GET|POST /_sandbox/faults",
        ),
    }
}
