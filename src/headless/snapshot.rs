//! `rollwatch snapshot`: connect, collect one complete picture, print it (table or JSON), and
//! exit with a code that says how complete it was.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use crate::accounts::Reach;
use crate::aws::connect_logs;
use crate::config::Config;
use crate::domain::logs::LogLine;
use crate::domain::{AliasSplit, Completeness, Deployment, Failure, Picture, RolloutKey};
use crate::engine::{PictureOptions, collect_picture};
use crate::exit::SnapshotExit;

/// The exit status for a picture.
pub fn exit_status(picture: &Picture) -> SnapshotExit {
    match picture.completeness() {
        Completeness::Complete => SnapshotExit::Complete,
        Completeness::Partial => SnapshotExit::Partial,
        Completeness::Nothing => SnapshotExit::Nothing,
    }
}

/// What `rollwatch snapshot` was asked for.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotRequest {
    /// Minutes of per-version metrics shown (1–1440).
    pub minutes: u32,
    /// Error lines of each new version to add (0: none).
    pub logs: usize,
    pub json: bool,
}

/// `rollwatch snapshot`: every profile (`--profile a,b`) merged into one picture; a profile
/// that cannot connect is a failed part of it (exit 3), unless it is the only one (exit 4).
pub async fn run_snapshot(reach: &Reach, args: SnapshotRequest, config: &Config) -> ExitCode {
    let crate::accounts::Connected {
        readers,
        unreachable,
        notes,
    } = match crate::accounts::connect_all(reach, false).await {
        Ok(connected) => connected,
        Err(failure) => {
            eprintln!("rollwatch: {}", failure.one_line());
            return SnapshotExit::Nothing.into();
        }
    };
    let options = PictureOptions {
        metric_minutes: args.minutes.clamp(1, 1440),
        rules: config.rules(),
        scan_aliases: true,
        watched_aliases: config.engine().watched_aliases,
    };
    for note in &notes {
        eprintln!("rollwatch snapshot: {note}");
    }
    let readers: Vec<_> = readers.into_iter().map(std::sync::Arc::new).collect();
    let mut picture = collect_picture(&readers, options).await;
    picture.regions.extend(unreachable);
    if args.logs == 0 {
        return print_picture(&picture, args.json);
    }
    let errors = new_version_errors(reach, &picture, args.logs).await;
    print(&picture, args.json, Some(&errors))
}

/// The last `n` error lines of each active deployment's new version, or why they could not be
/// read, by deployment id.
pub type NewVersionErrors = BTreeMap<String, Result<Vec<LogLine>, Failure>>;

async fn new_version_errors(reach: &Reach, picture: &Picture, n: usize) -> NewVersionErrors {
    let mut out = NewVersionErrors::new();
    for region in &picture.regions {
        let options = reach.of(&region.owner.profile);
        let reader = connect_logs(&options, &region.region).await;
        for view in &region.deployments {
            let Some(target) = &view.deployment.target else {
                continue;
            };
            let lines = reader
                .recent(
                    &target.function,
                    &target.target_version,
                    picture.taken_at,
                    1000,
                )
                .await
                .map(|lines| {
                    let errors: Vec<LogLine> = lines.into_iter().filter(|l| l.error).collect();
                    let skip = errors.len().saturating_sub(n);
                    errors.into_iter().skip(skip).collect()
                });
            out.insert(view.deployment.id.clone(), lines);
        }
    }
    out
}

/// The JSON document: the picture, with each view's `new_version_errors` (`{"lines": [{at,
/// message, error}]}` or `{"failure": ...}`) when they were read.
fn document(
    picture: &Picture,
    errors: Option<&NewVersionErrors>,
) -> Result<serde_json::Value, serde_json::Error> {
    let mut value = serde_json::to_value(picture)?;
    with_owner_on_every_deployment(&mut value);
    with_rollout_keys(&mut value, picture);
    let Some(errors) = errors else {
        return Ok(value);
    };
    for region in value["regions"].as_array_mut().into_iter().flatten() {
        for view in region["deployments"].as_array_mut().into_iter().flatten() {
            let id = view["deployment"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let field = match errors.get(&id) {
                Some(Ok(lines)) => serde_json::json!({ "lines": lines }),
                Some(Err(f)) => serde_json::json!({ "failure": f }),
                None => continue,
            };
            if let Some(object) = view.as_object_mut() {
                object.insert("new_version_errors".to_string(), field);
            }
        }
    }
    Ok(value)
}

/// Copies each region's `profile` and `account` onto every deployment in it (active views and
/// recently finished ones), so a consumer of the merged picture never has to look up.
fn with_owner_on_every_deployment(value: &mut serde_json::Value) {
    for region in value["regions"].as_array_mut().into_iter().flatten() {
        let owner: Vec<(String, serde_json::Value)> = ["profile", "account"]
            .iter()
            .filter_map(|k| Some(((*k).to_string(), region.get(*k)?.clone())))
            .collect();
        let Some(region) = region.as_object_mut() else {
            continue;
        };
        let mut objects: Vec<&mut serde_json::Value> = Vec::new();
        for (key, field) in region.iter_mut() {
            match key.as_str() {
                "deployments" => objects.extend(field.as_array_mut().into_iter().flatten()),
                // A Part: the finished deployments are in its `value` when it worked.
                "recent" => objects.extend(
                    field
                        .get_mut("value")
                        .and_then(serde_json::Value::as_array_mut)
                        .into_iter()
                        .flatten(),
                ),
                _ => {}
            }
        }
        for object in objects
            .into_iter()
            .filter_map(serde_json::Value::as_object_mut)
        {
            for (k, v) in &owner {
                object.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Puts each rollout's `source`, `id` (what `rollback|stop|resolve` accept) and `function` on
/// its object: active views, finished deployments and splits outside any deployment.
fn with_rollout_keys(value: &mut serde_json::Value, picture: &Picture) {
    fn put(array: Option<&mut Vec<serde_json::Value>>, keys: impl Iterator<Item = RolloutKey>) {
        for (object, key) in array.into_iter().flatten().zip(keys) {
            super::with_rollout_key(object, &key);
        }
    }
    let regions = value["regions"].as_array_mut().into_iter().flatten();
    for (json, region) in regions.zip(&picture.regions) {
        let views = region.deployments.iter().map(|v| v.deployment.key());
        put(json["deployments"].as_array_mut(), views);
        let finished = region.recent.value().into_iter().flatten();
        put(
            json["recent"]["value"].as_array_mut(),
            finished.map(Deployment::key),
        );
        put(
            json["splits"].as_array_mut(),
            region.splits.iter().map(AliasSplit::key),
        );
    }
}

/// The table's section of the new versions' last errors.
fn write_errors(out: &mut impl std::io::Write, errors: &NewVersionErrors) -> std::io::Result<()> {
    writeln!(out, "\n== the new versions' last errors ==")?;
    for (id, lines) in errors {
        match lines {
            Ok(lines) if lines.is_empty() => writeln!(out, "  {id}: none in the last 15 minutes")?,
            Ok(lines) => {
                for l in lines {
                    writeln!(out, "  {id} {} {}", l.at.format("%H:%M:%SZ"), l.message)?;
                }
            }
            Err(f) => writeln!(out, "  {id}: ✖ {}", f.one_line())?,
        }
    }
    Ok(())
}

/// Each distinct failure's line, at most 10 and a count of the rest.
fn said_once(picture: &Picture) -> Vec<String> {
    let mut said: Vec<String> = Vec::new();
    for failure in picture.failures() {
        let line = failure.one_line();
        if !said.contains(&line) {
            said.push(line);
        }
    }
    if said.len() > 10 {
        let rest = said.len() - 10;
        said.truncate(10);
        said.push(format!("… and {rest} more failures (see the picture)"));
    }
    said
}

/// Prints `picture`; returns the documented exit code. Each failure is said once: the table
/// shows failed parts in place; stderr gets each distinct failure when there is no picture to
/// show them in, and with `--json` (the document carries them as data).
pub fn print_picture(picture: &Picture, json: bool) -> ExitCode {
    print(picture, json, None)
}

/// Prints `picture` (with each deployment's `new_version_errors` when read); the exit code.
fn print(picture: &Picture, json: bool, errors: Option<&NewVersionErrors>) -> ExitCode {
    let status = exit_status(picture);
    let mut stdout = std::io::stdout().lock();
    let written = if json {
        document(picture, errors)
            .and_then(|value| serde_json::to_string_pretty(&value))
            .map_err(std::io::Error::other)
            .and_then(|text| writeln!(stdout, "{text}"))
    } else if status == SnapshotExit::Nothing {
        Ok(())
    } else {
        write!(stdout, "{}", super::render(picture))
            .and_then(|()| errors.map_or(Ok(()), |e| write_errors(&mut stdout, e)))
    };
    if let Err(err) = written {
        eprintln!("rollwatch: cannot write the picture: {err}");
        return SnapshotExit::OutputError.into();
    }
    if json || status == SnapshotExit::Nothing {
        for line in said_once(picture) {
            eprintln!("rollwatch: {line}");
        }
    }
    status.into()
}
