//! Turns SDK errors into domain [`Failure`]s a person can act on: credentials, access denied
//! (naming the IAM action), throttled, not found, unreachable, other.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::domain::{Failure, FailureKind};

/// Where a call was made: enough to name the IAM action and the profile in hints.
#[derive(Debug, Clone, Copy)]
pub struct CallSite<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    pub profile: Option<&'a str>,
}

/// Classifies any SDK error of an operation.
pub fn classify<E>(err: &SdkError<E, HttpResponse>, site: CallSite<'_>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (kind, message) = match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            match ctx.err().code().filter(|c| !c.is_empty()) {
                Some(code) => {
                    let message = ctx
                        .err()
                        .message()
                        .filter(|m| !m.is_empty())
                        .unwrap_or(code);
                    (kind_of_code(code, status), format!("{code}: {message}"))
                }
                None => without_code(status),
            }
        }
        SdkError::ResponseError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let (kind, _) = without_code(status);
            (
                kind,
                format!("HTTP {status} with a response that is not an AWS API response"),
            )
        }
        SdkError::TimeoutError(_) => (FailureKind::Unreachable, "the call timed out".to_string()),
        SdkError::DispatchFailure(failure) => {
            let text = DisplayErrorContext(err).to_string();
            let kind = if failure.is_io() || failure.is_timeout() {
                FailureKind::Unreachable
            } else {
                kind_of_text(&text)
            };
            (kind, short_cause(kind, &text))
        }
        other => {
            let text = DisplayErrorContext(other).to_string();
            let kind = kind_of_text(&text);
            (kind, short_cause(kind, &text))
        }
    };
    if let SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) = err {
        // The whole chain is for the log file; the person reads the short cause and the fix.
        tracing::info!(
            service = site.service,
            operation = site.operation,
            chain = %DisplayErrorContext(err),
            "call failed before AWS answered"
        );
    }
    Failure::new(kind, site.service, site.operation, message, site.profile)
}

/// The cause of a transport or credential-chain error in a few words (the SDK's chain runs to
/// kilobytes: it goes to the log file).
fn short_cause(kind: FailureKind, text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let has = |s: &str| lower.contains(s);
    match kind {
        FailureKind::Credentials if has("sso") => {
            "the SSO session has expired or was never started".to_string()
        }
        FailureKind::Credentials if has("expired") => "the credentials have expired".to_string(),
        FailureKind::Credentials => "no AWS credentials found".to_string(),
        FailureKind::Unreachable if has("connection refused") => "connection refused".to_string(),
        FailureKind::Unreachable if has("dns error") || has("lookup address") => {
            "the endpoint's host name does not resolve".to_string()
        }
        FailureKind::Unreachable if has("timed out") || has("timeout") => {
            "no answer in time".to_string()
        }
        FailureKind::Unreachable if has("certificate") || has("tls") => {
            "the TLS connection failed (certificate or proxy)".to_string()
        }
        _ => first_clause(text),
    }
}

/// The first clause of an error chain, at most 100 characters.
fn first_clause(text: &str) -> String {
    let clause = text.split([':', '(', '\n']).next().unwrap_or(text).trim();
    let mut out: String = clause.chars().take(100).collect();
    if clause.chars().count() > 100 {
        out.push('…');
    }
    out
}

/// The kind of a service error from its code and HTTP status.
pub fn kind_of_code(code: &str, status: u16) -> FailureKind {
    const CREDENTIALS: [&str; 7] = [
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "MissingAuthenticationToken",
    ];
    const THROTTLED: [&str; 7] = [
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
    ];
    if CREDENTIALS.contains(&code) {
        FailureKind::Credentials
    } else if THROTTLED.contains(&code) || status == 429 {
        FailureKind::Throttled
    } else if code.starts_with("AccessDenied") || code == "UnauthorizedOperation" || status == 403 {
        FailureKind::AccessDenied
    } else if code.contains("NotFound") || code.contains("DoesNotExist") || status == 404 {
        FailureKind::NotFound
    } else {
        FailureKind::Other
    }
}

/// A service error without an AWS error code: judged by its HTTP status alone.
fn without_code(status: u16) -> (FailureKind, String) {
    match status {
        403 => (FailureKind::AccessDenied, "HTTP 403".to_string()),
        429 => (FailureKind::Throttled, "HTTP 429".to_string()),
        404 => (
            FailureKind::Other,
            "HTTP 404 without an AWS error: the endpoint may not implement this API".to_string(),
        ),
        _ => (
            FailureKind::Other,
            format!("HTTP {status} without an AWS error code"),
        ),
    }
}

/// The kind of a non-service error from its text (credential chain and endpoint problems).
fn kind_of_text(text: &str) -> FailureKind {
    let lower = text.to_ascii_lowercase();
    if lower.contains("credential")
        || lower.contains("expired token")
        || lower.contains("token has expired")
        || lower.contains("sso session")
    {
        FailureKind::Credentials
    } else if lower.contains("region") || lower.contains("profile") {
        FailureKind::BadConfiguration
    } else if lower.contains("dns") || lower.contains("connect") || lower.contains("endpoint") {
        FailureKind::Unreachable
    } else {
        FailureKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes() {
        assert_eq!(
            kind_of_code("ExpiredTokenException", 400),
            FailureKind::Credentials
        );
        assert_eq!(
            kind_of_code("AccessDeniedException", 400),
            FailureKind::AccessDenied
        );
        assert_eq!(kind_of_code("AccessDenied", 403), FailureKind::AccessDenied);
        assert_eq!(kind_of_code("", 403), FailureKind::AccessDenied);
        assert_eq!(
            kind_of_code("ThrottlingException", 400),
            FailureKind::Throttled
        );
        assert_eq!(kind_of_code("Throttling", 400), FailureKind::Throttled);
        assert_eq!(kind_of_code("Whatever", 429), FailureKind::Throttled);
        assert_eq!(
            kind_of_code("ResourceNotFoundException", 404),
            FailureKind::NotFound
        );
        assert_eq!(
            kind_of_code("DeploymentDoesNotExistException", 400),
            FailureKind::NotFound
        );
        assert_eq!(kind_of_code("ValidationException", 400), FailureKind::Other);
    }

    #[test]
    fn transport_texts() {
        assert_eq!(
            kind_of_text("failed to construct request: no credentials in the chain"),
            FailureKind::Credentials
        );
        assert_eq!(
            kind_of_text("io error: Connection refused"),
            FailureKind::Unreachable
        );
        assert_eq!(
            kind_of_text("invalid region name"),
            FailureKind::BadConfiguration
        );
    }
}
