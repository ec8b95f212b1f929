//! Tells the services apart on one endpoint (docs/wire-protocols.md §1; STS by its form-encoded
//! Query body) and dispatches a request to the right simulated service, under the world lock,
//! at the simulated time.

use std::io::Read;

use crate::sandbox::cloudwatch::{self, Codec};
use crate::sandbox::codedeploy::{self, context::SimCtx};
use crate::sandbox::faults::Outcome;
use crate::sandbox::lambda::{self, ops::Route};
use crate::sandbox::logs;
use crate::sandbox::observe::{self, UNKNOWN_OPERATION};
use crate::sandbox::sts;
use crate::sandbox::wire::Reply;
use crate::sandbox::world::World;

/// Which service (and protocol) a request is for.
#[derive(Debug, Clone)]
pub enum Target {
    CodeDeploy,
    Lambda(Route),
    CloudWatch(Codec),
    Logs,
    Sts,
}

/// A classified request: service name (for stats and faults), operation and target.
#[derive(Debug, Clone)]
pub struct Classified {
    pub service: &'static str,
    pub operation: String,
    pub target: Target,
}

impl Classified {
    /// The operation name the statistics count this call under: its own if the service
    /// implements it, else [`UNKNOWN_OPERATION`] (so arbitrary names cannot grow the stats).
    pub fn stats_operation(&self) -> &str {
        let op = self.operation.as_str();
        let known = match self.target {
            Target::Lambda(_) => true,
            Target::CodeDeploy => codedeploy::ops::OPERATIONS.contains(&op),
            Target::CloudWatch(_) => cloudwatch::OPERATIONS.contains(&op),
            Target::Logs => logs::OPERATIONS.contains(&op),
            Target::Sts => sts::OPERATIONS.contains(&op),
        };
        if known { op } else { UNKNOWN_OPERATION }
    }

    /// What the request names, for the call log: a Lambda function, CodeDeploy deployment
    /// ids, the functions whose metrics a `GetMetricData` reads, the alarms a
    /// `DescribeAlarms` asks for.
    pub fn resources(&self, path: &str, body: &[u8]) -> Vec<String> {
        match self.target {
            Target::CloudWatch(codec) => cloudwatch::resources(&self.operation, codec, body),
            _ => observe::resources(self.service, path, body),
        }
    }

    /// Whether the request writes through a protocol a browser could forge as a cross-site
    /// "simple request" (no custom header needed): Lambda's restJson1 POST/PUT, and the
    /// `CloudWatch` RPC v2 CBOR path. Returns whether its body is CBOR (else JSON).
    pub fn forgeable_write(&self, method: &str) -> Option<bool> {
        match self.target {
            Target::Lambda(_) if method == "POST" || method == "PUT" => Some(false),
            Target::CloudWatch(Codec::Cbor) => Some(true),
            _ => None,
        }
    }
}

/// An error reply in the shape of `target`'s protocol (`code` as that service spells it).
pub fn error_reply(target: &Target, code: &str, message: &str, status: u16) -> Reply {
    match target {
        Target::CodeDeploy => Reply::aws_json_error(code, message, status),
        Target::Lambda(_) => Reply::rest_json_error(code, message, status),
        Target::CloudWatch(codec) => cloudwatch::error(*codec, code, message, status),
        Target::Logs => logs::error(code, message, status),
        Target::Sts => sts::error(code, message, status),
    }
}

const CW_PATH: &str = "/service/GraniteServiceVersion20100801/operation/";

/// Classifies a request from its method, path and `X-Amz-Target`, or the `Action` of an STS
/// Query body (`sts_action`); an unknown one gets the protocol's `UnknownOperation` error.
pub fn classify(
    method: &str,
    path: &str,
    amz_target: Option<&str>,
    sts_action: Option<&str>,
) -> Result<Classified, Reply> {
    let mk = |service, operation: &str, target| {
        Ok(Classified {
            service,
            operation: operation.to_owned(),
            target,
        })
    };
    if let Some(op) = path.strip_prefix(CW_PATH) {
        if op.is_empty() || op.contains('/') {
            return Err(cloudwatch::error(
                Codec::Cbor,
                "UnknownOperation",
                "Unknown operation",
                404,
            ));
        }
        return mk("cloudwatch", op, Target::CloudWatch(Codec::Cbor));
    }
    if path.starts_with("/2015-03-31/") {
        return match lambda::ops::route(method, path) {
            Some(route) => mk("lambda", route.op, Target::Lambda(route)),
            None => Err(Reply::rest_json_error(
                "UnknownOperationException",
                &format!("Unknown operation {method} {path}"),
                404,
            )),
        };
    }
    if let (None, Some(action)) = (amz_target, sts_action) {
        return mk("sts", action, Target::Sts);
    }
    let Some(target) = amz_target else {
        return Err(Reply::aws_json_error(
            "UnknownOperationException",
            &format!(
                "No service handles {method} {path}: send X-Amz-Target or a Lambda/CloudWatch path"
            ),
            404,
        ));
    };
    let (prefix, op) = target.split_once('.').unwrap_or((target, ""));
    match prefix {
        "CodeDeploy_20141006" => mk("codedeploy", op, Target::CodeDeploy),
        "Logs_20140328" => mk("logs", op, Target::Logs),
        "GraniteServiceVersion20100801" => mk("cloudwatch", op, Target::CloudWatch(Codec::Json)),
        _ => Err(Reply::aws_json_error(
            "UnknownOperationException",
            &format!("Unknown X-Amz-Target {target}"),
            400,
        )),
    }
}

/// Gunzips a `Content-Encoding: gzip` body (bounded to 32 MiB).
pub fn gunzip(body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(32 << 20)
        .read_to_end(&mut out)
        .map_err(|e| format!("the gzip body could not be decompressed: {e}"))?;
    Ok(out)
}

/// The error reply a fault produces, in the service's own shape.
pub fn fault_reply(c: &Classified, outcome: Outcome) -> Reply {
    let denied = format!(
        "User: arn:aws:sts::123456789012:assumed-role/sandbox is not authorized to perform: {}:{} (sandbox fault injection)",
        c.service, c.operation
    );
    match (&c.target, outcome) {
        (_, Outcome::Reset) => Reply::aws_json_error("InternalFailure", "connection reset", 500),
        (Target::CodeDeploy, Outcome::Throttle) => {
            Reply::aws_json_error("ThrottlingException", "Rate exceeded", 400)
        }
        (Target::CodeDeploy, Outcome::Error5xx) => Reply::aws_json_error(
            "InternalFailure",
            "We encountered an internal error. Please try again.",
            500,
        ),
        (Target::CodeDeploy, Outcome::Deny) => {
            Reply::aws_json_error("AccessDeniedException", &denied, 403)
        }
        (Target::Lambda(_), Outcome::Throttle) => {
            let mut r = Reply::rest_json(
                429,
                &serde_json::json!({"Type": "User", "message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"}),
            );
            r.headers
                .push(("X-Amzn-ErrorType".into(), "TooManyRequestsException".into()));
            r.with_header("Retry-After", "1")
        }
        (Target::Lambda(_), Outcome::Error5xx) => Reply::rest_json_error(
            "ServiceException",
            "Lambda was unable to process the request.",
            500,
        ),
        (Target::Lambda(_), Outcome::Deny) => {
            Reply::rest_json_error("AccessDeniedException", &denied, 403)
        }
        (Target::CloudWatch(codec), Outcome::Throttle) => {
            cloudwatch::error(*codec, "Throttling", "Rate exceeded", 400)
        }
        (Target::CloudWatch(codec), Outcome::Error5xx) => cloudwatch::error(
            *codec,
            "InternalServiceError",
            "Internal service error",
            500,
        ),
        (Target::CloudWatch(codec), Outcome::Deny) => {
            cloudwatch::error(*codec, "AccessDenied", &denied, 403)
        }
        (Target::Logs, Outcome::Throttle) => {
            logs::error("ThrottlingException", "Rate exceeded", 400)
        }
        (Target::Logs, Outcome::Error5xx) => logs::error(
            "ServiceUnavailableException",
            "The service cannot complete the request.",
            503,
        ),
        (Target::Logs, Outcome::Deny) => logs::error("AccessDeniedException", &denied, 403),
        (Target::Sts, Outcome::Throttle) => sts::error("Throttling", "Rate exceeded", 400),
        (Target::Sts, Outcome::Error5xx) => {
            sts::error("InternalFailure", "An internal error occurred", 500)
        }
        (Target::Sts, Outcome::Deny) => sts::error("AccessDenied", &denied, 403),
    }
}

/// Runs a classified request against the world (already synced to the clock).
pub fn dispatch(world: &mut World, c: &Classified, query: &str, body: &[u8]) -> Reply {
    let now = world.now;
    match &c.target {
        Target::CodeDeploy => {
            let mut ctx = SimCtx {
                now,
                lambda: &mut world.lambda,
                cloudwatch: &world.cloudwatch,
                logs: &mut world.logs,
                obs: &mut world.obs,
            };
            codedeploy::ops::handle(&mut world.codedeploy, &mut ctx, &c.operation, body)
        }
        Target::Lambda(route) => {
            lambda::ops::handle(&mut world.lambda, &mut world.obs, now, route, query, body)
        }
        Target::CloudWatch(codec) => world.cloudwatch.handle(&c.operation, *codec, body, now),
        Target::Logs => world.logs.handle(&c.operation, body, now),
        Target::Sts => sts::handle(&c.operation, &world.account),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_service_is_recognised() {
        let c = classify("POST", "/", Some("CodeDeploy_20141006.GetDeployment"), None).expect("cd");
        assert_eq!(
            (c.service, c.operation.as_str()),
            ("codedeploy", "GetDeployment")
        );
        let c = classify(
            "POST",
            "/service/GraniteServiceVersion20100801/operation/GetMetricData",
            None,
            None,
        )
        .expect("cw");
        assert!(matches!(c.target, Target::CloudWatch(Codec::Cbor)));
        let c = classify(
            "POST",
            "/",
            Some("GraniteServiceVersion20100801.DescribeAlarms"),
            None,
        )
        .expect("cw json");
        assert!(matches!(c.target, Target::CloudWatch(Codec::Json)));
        assert_eq!(
            classify("GET", "/2015-03-31/functions/f/aliases/live", None, None)
                .expect("lambda")
                .operation,
            "GetAlias"
        );
        assert_eq!(
            classify("POST", "/", Some("Logs_20140328.FilterLogEvents"), None)
                .expect("logs")
                .service,
            "logs"
        );
        let c = classify("POST", "/", None, Some("GetCallerIdentity")).expect("sts");
        assert_eq!(
            (c.service, c.operation.as_str()),
            ("sts", "GetCallerIdentity")
        );
        assert!(matches!(c.target, Target::Sts));
    }

    #[test]
    fn unknown_requests_get_protocol_errors() {
        let r = classify("POST", "/", Some("Nope_2020.Do"), None).expect_err("unknown");
        assert_eq!(r.status, 400);
        assert!(String::from_utf8_lossy(&r.body).contains("UnknownOperationException"));
        assert_eq!(
            classify("GET", "/index.html", None, None)
                .expect_err("no target")
                .status,
            404
        );
    }
}
