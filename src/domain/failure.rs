//! Failed AWS calls as data a person can act on: what kind of failure, which call, and what to
//! do about it. A failure marks a part of the picture; it never hides the rest.

use serde::Serialize;

/// What went wrong, in the terms that decide what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No credentials, or expired ones (SSO session, session token).
    Credentials,
    /// The identity lacks an IAM permission.
    AccessDenied,
    /// AWS throttled the call (rollwatch backs off).
    Throttled,
    /// The resource does not exist (deleted function, alias, config ...).
    NotFound,
    /// The endpoint could not be reached (network, DNS, wrong endpoint URL, timeout).
    Unreachable,
    /// The region or profile name is wrong.
    BadConfiguration,
    /// AWS answered, but what it returned cannot be read (e.g. an AppSpec that doesn't parse).
    Unreadable,
    /// Anything else (service error, unexpected response).
    Other,
}

/// A classified failure of one AWS call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    /// e.g. `codedeploy`, `lambda`, `cloudwatch`.
    pub service: String,
    /// e.g. `BatchGetDeployments`.
    pub operation: String,
    /// The service's own message (or the transport error).
    pub message: String,
    /// What a person should do about it.
    pub hint: String,
}

impl Failure {
    /// A failure of `service:operation`, with the hint for its kind.
    pub fn new(
        kind: FailureKind,
        service: &str,
        operation: &str,
        message: impl Into<String>,
        profile: Option<&str>,
    ) -> Self {
        let hint = hint(kind, service, operation, profile);
        Self {
            kind,
            service: service.to_string(),
            operation: operation.to_string(),
            message: message.into(),
            hint,
        }
    }

    /// One line for a terminal: `lambda:GetAlias access denied: <message> — <hint>`.
    pub fn one_line(&self) -> String {
        let what = match self.kind {
            FailureKind::Credentials => "no valid credentials",
            FailureKind::AccessDenied => "access denied",
            FailureKind::Throttled => "throttled",
            FailureKind::NotFound => "not found",
            FailureKind::Unreachable => "endpoint unreachable",
            FailureKind::BadConfiguration => "bad configuration",
            FailureKind::Unreadable => "unreadable",
            FailureKind::Other => "failed",
        };
        format!(
            "{}:{} {what}: {} — {}",
            self.service, self.operation, self.message, self.hint
        )
    }
}

fn hint(kind: FailureKind, service: &str, operation: &str, profile: Option<&str>) -> String {
    match kind {
        FailureKind::Credentials => match profile {
            Some(p) => format!("run `aws sso login --profile {p}` and retry"),
            None => "run `aws sso login --profile NAME` and pass --profile NAME (or try \
                     `rollwatch demo`)"
                .to_string(),
        },
        FailureKind::AccessDenied => format!(
            "grant `{service}:{operation}` to this identity (least-privilege policies: assets/iam/)"
        ),
        FailureKind::Throttled => {
            "AWS is rate-limiting this account; rollwatch backs off — retry in a few seconds"
                .to_string()
        }
        FailureKind::NotFound => "it may have been deleted; refresh to drop it".to_string(),
        FailureKind::Unreachable => {
            "check the network, --region and --endpoint-url / AWS_ENDPOINT_URL".to_string()
        }
        FailureKind::BadConfiguration => {
            "check --profile and --region (see `aws configure list-profiles`)".to_string()
        }
        FailureKind::Unreadable => {
            "only this part is affected; the message says what could not be read".to_string()
        }
        FailureKind::Other => "retry; if it persists, see the log file".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_missing_action() {
        let f = Failure::new(
            FailureKind::AccessDenied,
            "lambda",
            "GetAlias",
            "denied",
            None,
        );
        assert!(f.hint.contains("`lambda:GetAlias`"), "{}", f.hint);
        assert!(
            f.one_line()
                .starts_with("lambda:GetAlias access denied: denied")
        );
    }

    #[test]
    fn credentials_hint_names_the_profile() {
        let f = Failure::new(
            FailureKind::Credentials,
            "sts",
            "x",
            "expired",
            Some("prod"),
        );
        assert!(
            f.hint.contains("aws sso login --profile prod"),
            "{}",
            f.hint
        );
        let none = Failure::new(FailureKind::Credentials, "sts", "x", "none", None);
        assert!(none.hint.contains("rollwatch demo"));
    }
}
