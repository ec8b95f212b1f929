//! Logging with tracing to `rollwatch.log` in the state directory (`ROLLWATCH_STATE_DIR`, else
//! the platform's state or local data directory), never to the terminal. The file is created
//! 0600 in a 0700 directory (Unix). `ROLLWATCH_LOG` sets rollwatch's own level (`debug`,
//! `trace`; default `info`; `-v` sends it to stderr for commands without the TUI); other crates — the SDK's request bodies among them — are logged
//! only when named in a full filter directive (e.g. `rollwatch=debug,aws_smithy_runtime=trace`).

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where the log file goes (the audit log's directory).
pub fn log_dir() -> Option<PathBuf> {
    crate::actions::state_dir()
}

/// The filter for `ROLLWATCH_LOG`: a bare level applies to rollwatch only.
fn filter(setting: Option<&str>) -> EnvFilter {
    let directive = match setting.map(str::trim).filter(|s| !s.is_empty()) {
        None => "rollwatch=info".to_string(),
        Some(level) if !level.contains(['=', ',']) => format!("rollwatch={level}"),
        Some(directives) => directives.to_string(),
    };
    EnvFilter::try_new(&directive).unwrap_or_else(|_| EnvFilter::new("rollwatch=info"))
}

/// Starts file logging; keep the guard alive until exit. None when no directory is usable
/// (then nothing is logged: the terminal belongs to the TUI).
pub fn init() -> Option<(WorkerGuard, PathBuf)> {
    let dir = log_dir()?;
    crate::actions::private_dir(&dir).ok()?;
    let path = dir.join("rollwatch.log");
    // Created private before the appender opens it (it keeps an existing file's mode).
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&path).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "rollwatch.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let setting = std::env::var("ROLLWATCH_LOG").ok();
    tracing_subscriber::fmt()
        .with_env_filter(filter(setting.as_deref()))
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some((guard, path))
}

/// Logging to stderr (`-v` on commands without the TUI).
pub fn init_stderr() {
    let setting = std::env::var("ROLLWATCH_LOG").ok();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(setting.as_deref()))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::filter;

    #[test]
    fn a_bare_level_is_rollwatch_s_own_and_directives_pass_through() {
        assert_eq!(filter(None).to_string(), "rollwatch=info");
        assert_eq!(filter(Some("trace")).to_string(), "rollwatch=trace");
        let both = filter(Some("rollwatch=debug,aws_smithy_runtime=trace")).to_string();
        assert!(both.contains("rollwatch=debug") && both.contains("aws_smithy_runtime=trace"));
        assert_eq!(filter(Some("=nonsense=")).to_string(), "rollwatch=info");
    }
}
