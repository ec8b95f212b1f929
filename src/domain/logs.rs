//! A function version's own log lines, as the logs pane shows them: when, what, and whether the
//! line reports an error (Lambda's `ERROR` level, an uncaught exception's `errorType`, a timeout
//! or an out-of-memory end), so errors can be highlighted.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One log line of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub message: String,
    pub error: bool,
}

impl LogLine {
    /// A line read at `at`; trailing newline removed, error recognised.
    pub fn new(at: DateTime<Utc>, message: &str) -> Self {
        let message = message.trim_end().to_string();
        let error = is_error(&message);
        Self { at, message, error }
    }
}

/// Whether a Lambda log line reports an error.
pub fn is_error(message: &str) -> bool {
    message.contains("\tERROR\t")
        || message.contains("\"level\":\"ERROR\"")
        || message.contains("\"errorType\"")
        || message.contains("Task timed out")
        || message.contains("Runtime exited with error")
        || message.contains("Runtime.ExitError")
}

/// The log stream name prefix of `version`'s streams started on `day`: Lambda names them
/// `YYYY/MM/DD/[version]id` in the function's own group (`/aws/lambda/<function>`) and
/// `YYYY/MM/DD/<function>[version]id` in a custom or shared one (`shared_by`).
pub fn stream_prefix(day: DateTime<Utc>, shared_by: Option<&str>, version: &str) -> String {
    format!(
        "{}/{}[{version}]",
        day.format("%Y/%m/%d"),
        shared_by.unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn error_lines_are_recognised_and_the_stream_prefix_is_lambdas() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 28, 14, 0, 0)
            .single()
            .expect("time");
        assert!(
            LogLine::new(
                at,
                "2026-11-28T14:00:00Z\tabc\tERROR\tInvoke Error \t{\"errorType\":\"Error\"}\n"
            )
            .error
        );
        assert!(LogLine::new(at, "Task timed out after 3.00 seconds").error);
        assert!(!LogLine::new(at, "START RequestId: abc Version: 2").error);
        assert_eq!(stream_prefix(at, None, "2"), "2026/11/28/[2]");
        assert_eq!(
            stream_prefix(at, Some("checkout"), "2"),
            "2026/11/28/checkout[2]",
            "a custom log group's streams carry the function's name"
        );
    }
}
