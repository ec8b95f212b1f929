//! `rollwatch snapshot`: connect, collect one complete picture, print it (table or JSON), and
//! exit with a code that says how complete it was.

use std::io::Write as _;
use std::process::ExitCode;

use crate::aws::connect;
use crate::cli::{AwsArgs, SnapshotArgs};
use crate::config::Config;
use crate::domain::{Completeness, Picture};
use crate::engine::{PictureOptions, collect_picture};

/// Documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: every call worked.
    Complete = 0,
    /// 3: a picture was made, but some parts failed (marked in it).
    Partial = 3,
    /// 4: no region could list its deployments (credentials, network, permissions).
    Nothing = 4,
}

/// The exit status for a picture.
pub fn exit_status(picture: &Picture) -> ExitStatus {
    match picture.completeness() {
        Completeness::Complete => ExitStatus::Complete,
        Completeness::Partial => ExitStatus::Partial,
        Completeness::Nothing => ExitStatus::Nothing,
    }
}

/// `rollwatch snapshot`.
pub async fn run_snapshot(aws: &AwsArgs, args: &SnapshotArgs, config: &Config) -> ExitCode {
    let readers = match connect(&aws.connect_options(&config.refresh)).await {
        Ok(r) => r,
        Err(failure) => {
            eprintln!("rollwatch: {}", failure.one_line());
            return ExitCode::from(ExitStatus::Nothing as u8);
        }
    };
    let options = PictureOptions {
        metric_minutes: args.minutes.clamp(1, 1440),
        rules: config.rules(),
        ..PictureOptions::default()
    };
    let picture = collect_picture(&readers, options).await;
    print_picture(&picture, args.json)
}

/// Prints `picture`; returns the documented exit code. Each failure is said once: the table
/// shows failed parts in place; stderr gets each distinct failure when there is no picture to
/// show them in, and with `--json` (the document carries them as data).
pub fn print_picture(picture: &Picture, json: bool) -> ExitCode {
    let status = exit_status(picture);
    let mut stdout = std::io::stdout().lock();
    let written = if json {
        serde_json::to_string_pretty(picture)
            .map_err(std::io::Error::other)
            .and_then(|text| writeln!(stdout, "{text}"))
    } else if status == ExitStatus::Nothing {
        Ok(())
    } else {
        write!(stdout, "{}", super::render(picture))
    };
    if let Err(err) = written {
        eprintln!("rollwatch: cannot write the picture: {err}");
        return ExitCode::from(1);
    }
    if json || status == ExitStatus::Nothing {
        let mut said: Vec<String> = Vec::new();
        for failure in picture.failures() {
            let line = failure.one_line();
            if !said.contains(&line) {
                said.push(line);
            }
        }
        for line in said.iter().take(10) {
            eprintln!("rollwatch: {line}");
        }
        if said.len() > 10 {
            eprintln!(
                "rollwatch: … and {} more failures (see the picture)",
                said.len() - 10
            );
        }
    }
    ExitCode::from(status as u8)
}
