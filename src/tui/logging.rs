//! Logging with tracing to `rollwatch.log` in the state directory (`directories`' ProjectDirs:
//! state dir on Linux, else the local data dir), never to the terminal. The level comes from
//! `ROLLWATCH_LOG` (an `EnvFilter` directive, default `info`).

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where the log file goes.
pub fn log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "rollwatch")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Starts file logging; keep the guard alive until exit. None when no directory is usable
/// (then nothing is logged: the terminal belongs to the TUI).
pub fn init() -> Option<(WorkerGuard, PathBuf)> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "rollwatch.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::try_from_env("ROLLWATCH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some((guard, dir.join("rollwatch.log")))
}
