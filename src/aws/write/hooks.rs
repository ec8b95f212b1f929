//! Finding a waiting hook's execution id: no read API returns it, but SAM-style hooks log the
//! event they receive (`{"DeploymentId": "...", "LifecycleEventHookExecutionId": "..."}`), so
//! rollwatch searches the hook function's log group for the deployment id and extracts the id
//! from the newest matching line.

/// The hook function's log group: `LoggingConfig.LogGroup` when set, else `/aws/lambda/<fn>`.
pub fn hook_log_group(function: &str, configured: Option<&str>) -> String {
    match configured.map(str::trim).filter(|g| !g.is_empty()) {
        Some(group) => group.to_string(),
        None => format!("/aws/lambda/{function}"),
    }
}

/// The `LifecycleEventHookExecutionId` in a log line that also carries `deployment_id`.
///
/// Accepts the JSON the hook printed anywhere in the line (Text logs put a timestamp and
/// request id first; JSON logs nest it in `message`, possibly escaped).
pub fn extract_execution_id(line: &str, deployment_id: &str) -> Option<String> {
    if !line.contains(deployment_id) {
        return None;
    }
    let unescaped = line.replace("\\\"", "\"");
    let key = "\"LifecycleEventHookExecutionId\"";
    let at = unescaped.find(key)? + key.len();
    let rest = unescaped[at..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    let id = &rest[..end];
    let plausible = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    plausible.then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_log_line() {
        let line = "2026-01-01T00:00:00.000Z\tabc\tINFO\t{\"DeploymentId\":\"d-ABC\",\"LifecycleEventHookExecutionId\":\"eyJ-1_x\"}\n";
        assert_eq!(
            extract_execution_id(line, "d-ABC").as_deref(),
            Some("eyJ-1_x")
        );
    }

    #[test]
    fn escaped_json_and_spaces() {
        let line = r#"{"level":"INFO","message":"{\"DeploymentId\": \"d-ABC\", \"LifecycleEventHookExecutionId\" : \"e-2\"}"}"#;
        assert_eq!(extract_execution_id(line, "d-ABC").as_deref(), Some("e-2"));
    }

    #[test]
    fn other_deployments_and_garbage_are_ignored() {
        let line = "{\"DeploymentId\":\"d-OTHER\",\"LifecycleEventHookExecutionId\":\"e-3\"}";
        assert_eq!(extract_execution_id(line, "d-ABC"), None);
        assert_eq!(
            extract_execution_id("d-ABC LifecycleEventHookExecutionId", "d-ABC"),
            None
        );
        assert_eq!(
            extract_execution_id("d-ABC \"LifecycleEventHookExecutionId\":\"a b\"", "d-ABC"),
            None
        );
    }

    #[test]
    fn log_group() {
        assert_eq!(hook_log_group("h", None), "/aws/lambda/h");
        assert_eq!(hook_log_group("h", Some(" ")), "/aws/lambda/h");
        assert_eq!(hook_log_group("h", Some("/shared/hooks")), "/shared/hooks");
    }
}
