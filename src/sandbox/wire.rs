//! The HTTP reply every simulated service hands back to the server, whatever its protocol, and
//! helpers to build the JSON replies and error shapes of the awsJson and restJson protocols.

use serde::Serialize;

/// A complete HTTP response: status, headers and body bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// `Content-Type` of awsJson1.1 services (`CodeDeploy`, Logs).
pub const AWS_JSON_11: &str = "application/x-amz-json-1.1";

impl Reply {
    /// A JSON reply with the given status and content type.
    pub fn json_with(status: u16, content_type: &str, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Self {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    /// A 200 awsJson1.1 reply.
    pub fn aws_json(value: &impl Serialize) -> Self {
        Self::json_with(200, AWS_JSON_11, value)
    }

    /// An awsJson1.1 error: `__type` in the body (the CLI ignores the header), status 400 unless
    /// given otherwise.
    pub fn aws_json_error(code: &str, message: &str, status: u16) -> Self {
        let mut reply = Self::json_with(
            status,
            AWS_JSON_11,
            &serde_json::json!({ "__type": code, "message": message }),
        );
        reply.headers.push(("X-Amzn-ErrorType".into(), code.into()));
        reply
    }

    /// A restJson1 (Lambda) success reply.
    pub fn rest_json(status: u16, value: &impl Serialize) -> Self {
        Self::json_with(status, "application/json", value)
    }

    /// A restJson1 (Lambda) error: `X-Amzn-ErrorType` header plus `{"Type":"User","message":...}`.
    pub fn rest_json_error(code: &str, message: &str, status: u16) -> Self {
        let kind = if status >= 500 { "Service" } else { "User" };
        let mut reply = Self::json_with(
            status,
            "application/json",
            &serde_json::json!({ "Type": kind, "message": message, "Message": message }),
        );
        reply.headers.push(("X-Amzn-ErrorType".into(), code.into()));
        reply
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Formats simulated epoch seconds as an RFC 1123 HTTP date.
pub fn http_date(epoch_secs: f64) -> String {
    let secs = epoch_secs.max(0.0);
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(secs);
    httpdate::fmt_http_date(time)
}

/// Epoch seconds rounded to milliseconds, as timestamps go out on the wire.
pub fn epoch_ms(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}
