//! The read side of CloudWatch Logs for the logs pane: the latest lines of one version of a
//! function, from its log group's streams of that version started yesterday or today (Lambda
//! names them `YYYY/MM/DD/[version]id`, with the function's name before `[` in a shared group),
//! with `FilterLogEvents` under a bucket of its own — 1 request a
//! second, far below the account's FilterLogEvents quota that other tools share — and at most
//! a few pages a read. The log group is the function's configured one (GetFunctionConfiguration,
//! read once per function, in the same bucket) or `/aws/lambda/<function>`.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use super::budget::{Budget, Rate};
use super::errors::{CallSite, classify};
use super::write::hook_log_group;
use crate::domain::Failure;
use crate::domain::Profile;
use crate::domain::logs::{LogLine, stream_prefix};

/// Pages of FilterLogEvents one read may take.
const PAGES: usize = 3;

/// How far back the latest lines are looked for.
const LOOK_BACK_MINUTES: i64 = 15;

/// Reads a version's recent log lines in one region.
#[derive(Debug)]
pub struct LogsReader {
    profile: Profile,
    logs: aws_sdk_cloudwatchlogs::Client,
    lambda: aws_sdk_lambda::Client,
    budget: Budget,
    groups: Mutex<HashMap<String, String>>,
}

impl LogsReader {
    pub(super) fn new(
        profile: Profile,
        logs: aws_sdk_cloudwatchlogs::Client,
        lambda: aws_sdk_lambda::Client,
    ) -> Self {
        Self {
            profile,
            logs,
            lambda,
            budget: Budget::new(Rate {
                per_sec: 1,
                burst: 2,
            }),
            groups: Mutex::default(),
        }
    }

    fn site<'a>(&'a self, service: &'a str, operation: &'a str) -> CallSite<'a> {
        CallSite {
            service,
            operation,
            profile: self.profile.name(),
        }
    }

    /// The function's log group (its logging config, else Lambda's default), read once.
    async fn log_group(&self, function: &str) -> Result<String, Failure> {
        let known = self
            .groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(function)
            .cloned();
        if let Some(group) = known {
            return Ok(group);
        }
        self.budget.wait().await;
        let config = self
            .lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|e| classify(&e, self.site("lambda", "GetFunctionConfiguration")))?;
        let group = hook_log_group(
            function,
            config.logging_config().and_then(|l| l.log_group()),
        );
        self.groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(function.to_string(), group.clone());
        Ok(group)
    }

    /// The latest `limit` lines of `function`'s `version` up to `now` (the service's clock).
    pub async fn recent(
        &self,
        function: &str,
        version: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<LogLine>, Failure> {
        let group = self.log_group(function).await?;
        let shared_by = (group != format!("/aws/lambda/{function}")).then_some(function);
        let since = now - Duration::minutes(LOOK_BACK_MINUTES);
        // A stream is named by the day its execution environment started, and an environment
        // keeps logging across midnight for hours: yesterday's streams and today's.
        let mut lines: Vec<LogLine> = Vec::new();
        for day in [now - Duration::days(1), now] {
            let mut token: Option<String> = None;
            for _ in 0..PAGES {
                self.budget.wait().await;
                let out = self
                    .logs
                    .filter_log_events()
                    .log_group_name(&group)
                    .log_stream_name_prefix(stream_prefix(day, shared_by, version))
                    .start_time(since.timestamp_millis())
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| classify(&e, self.site("logs", "FilterLogEvents")))?;
                for event in out.events() {
                    let (Some(message), Some(ts)) = (event.message(), event.timestamp()) else {
                        continue;
                    };
                    let at = DateTime::from_timestamp_millis(ts).unwrap_or(now);
                    lines.push(LogLine::new(at, message));
                }
                token = out.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        lines.sort_by_key(|l| l.at);
        let skip = lines.len().saturating_sub(limit);
        Ok(lines.split_off(skip))
    }
}
