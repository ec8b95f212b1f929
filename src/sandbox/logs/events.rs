//! `FilterLogEvents`: validates the request as the service does (exactly one of `logGroupName` /
//! `logGroupIdentifier`; `logStreamNames` or `logStreamNamePrefix`, not both; `limit` 1..=10,000),
//! selects the streams, keeps events in `[startTime, endTime]` (epoch milliseconds) that match
//! the filter pattern, oldest first (newest first with `startFromHead: false`), and paginates
//! with a `nextToken` that names the last event returned (stable while events keep arriving)
//! and is left out on the last page. Malformed JSON is `SerializationException`.

use serde::{Deserialize, Serialize};

use super::{Event, Logs, error, filter, json_reply};
use crate::sandbox::wire::Reply;

const MAX_LIMIT: usize = 10_000;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Input {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_names: Option<Vec<String>>,
    log_stream_name_prefix: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    filter_pattern: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
    start_from_head: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OutEvent<'a> {
    log_stream_name: &'a str,
    timestamp: i64,
    message: &'a str,
    ingestion_time: i64,
    event_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Searched<'a> {
    log_stream_name: &'a str,
    searched_completely: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Output<'a> {
    events: Vec<OutEvent<'a>>,
    searched_log_streams: Vec<Searched<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

fn invalid(message: &str) -> Reply {
    error("InvalidParameterException", message, 400)
}

/// `arn:aws:logs:region:account:log-group:NAME[:*]` or a plain name → the group name.
fn group_name(identifier: &str) -> &str {
    match identifier.split_once(":log-group:") {
        Some((_, rest)) => rest.strip_suffix(":*").unwrap_or(rest),
        None => identifier,
    }
}

fn parse_token(token: &str, ascending: bool) -> Option<(i64, u64)> {
    let rest = token.strip_prefix(if ascending { "fle1_a_" } else { "fle1_d_" })?;
    let (ts, id) = rest.split_once('_')?;
    Some((ts.parse().ok()?, id.parse().ok()?))
}

/// The request body (none reads as no parameters).
fn decode(body: &[u8]) -> Result<Input, Reply> {
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        Input::default()
    } else {
        match serde_json::from_slice(body) {
            Ok(input) => input,
            Err(e) => {
                return Err(error(
                    "SerializationException",
                    &format!("Could not read the request body: {e}"),
                    400,
                ));
            }
        }
    };
    Ok(input)
}

/// The group a request names (by name or identifier, not both), its stream selection (names or
/// a prefix, not both; 1–100 names) and its limit (1–10,000).
fn group_and_limit(input: &Input) -> Result<(&str, usize), Reply> {
    let group = match (
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    ) {
        (Some(name), None) => name,
        (None, Some(id)) => group_name(id),
        (Some(_), Some(_)) => {
            return Err(invalid(
                "LogGroupName and LogGroupIdentifier are mutually exclusive parameters.",
            ));
        }
        (None, None) => {
            return Err(invalid(
                "Either LogGroupName or LogGroupIdentifier must be specified.",
            ));
        }
    };
    if input.log_stream_names.is_some() && input.log_stream_name_prefix.is_some() {
        return Err(invalid(
            "You cannot specify both LogStreamNames and LogStreamNamePrefix.",
        ));
    }
    if input
        .log_stream_names
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.len() > 100)
    {
        return Err(invalid("LogStreamNames must hold between 1 and 100 names."));
    }
    let limit = match input.limit {
        None => MAX_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid(&format!(
                "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000"
            )));
        }
    };
    Ok((group, limit))
}

/// The first `limit` events `found` (in reading order) as the answer, with a `nextToken` after
/// the last when more were found; every stream searched is listed.
fn page<'a>(
    mut found: Vec<(&'a str, &'a Event)>,
    streams: &[(&'a String, &'a super::Stream)],
    limit: usize,
    ascending: bool,
) -> Output<'a> {
    let more = found.len() > limit;
    found.truncate(limit);
    let next_token = if more {
        found.last().map(|(_, e)| {
            format!(
                "fle1_{}_{}_{}",
                if ascending { "a" } else { "d" },
                e.timestamp,
                e.id
            )
        })
    } else {
        None
    };
    Output {
        events: found
            .iter()
            .map(|(stream, e)| OutEvent {
                log_stream_name: stream,
                timestamp: e.timestamp,
                message: &e.message,
                ingestion_time: e.ingestion,
                event_id: format!("{:056}", e.id),
            })
            .collect(),
        searched_log_streams: streams
            .iter()
            .map(|(name, _)| Searched {
                log_stream_name: name,
                searched_completely: !more,
            })
            .collect(),
        next_token,
    }
}

pub(super) fn filter_log_events(logs: &Logs, body: &[u8]) -> Reply {
    let input = match decode(body) {
        Ok(input) => input,
        Err(reply) => return reply,
    };
    let (group, limit) = match group_and_limit(&input) {
        Ok(checked) => checked,
        Err(reply) => return reply,
    };
    let pattern = match filter::parse(input.filter_pattern.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(m) => return invalid(&m),
    };
    let Some(g) = logs.groups.get(group) else {
        return error(
            "ResourceNotFoundException",
            "The specified log group does not exist.",
            400,
        );
    };
    let ascending = input.start_from_head != Some(false);
    let after = match input.next_token.as_deref() {
        None => None,
        Some(t) => match parse_token(t, ascending) {
            Some(key) => Some(key),
            None => return invalid("The specified nextToken is invalid."),
        },
    };
    let streams: Vec<(&String, &super::Stream)> = g
        .streams
        .iter()
        .filter(|(name, _)| {
            input
                .log_stream_names
                .as_ref()
                .is_none_or(|n| n.contains(name))
        })
        .filter(|(name, _)| {
            input
                .log_stream_name_prefix
                .as_ref()
                .is_none_or(|p| name.starts_with(p.as_str()))
        })
        .collect();
    let (start, end) = (
        input.start_time.unwrap_or(i64::MIN),
        input.end_time.unwrap_or(i64::MAX),
    );
    let mut found: Vec<(&str, &Event)> = streams
        .iter()
        .flat_map(|(name, s)| {
            let from = s.events.partition_point(|e| e.timestamp < start);
            s.events
                .range(from..)
                .take_while(move |e| e.timestamp <= end)
                .map(move |e| (name.as_str(), e))
        })
        .filter(|(_, e)| {
            after.is_none_or(|key| {
                if ascending {
                    (e.timestamp, e.id) > key
                } else {
                    (e.timestamp, e.id) < key
                }
            })
        })
        .filter(|(_, e)| pattern.matches(&e.message))
        .collect();
    found.sort_by_key(|(_, e)| (e.timestamp, e.id));
    if !ascending {
        found.reverse();
    }
    let output = page(found, &streams, limit, ascending);
    match serde_json::to_vec(&output) {
        Ok(body) => json_reply(body),
        Err(e) => error(
            "ServiceUnavailableException",
            &format!("could not encode the reply: {e}"),
            500,
        ),
    }
}
