//! The `rollwatch` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use rollwatch::cli::{Cli, Command, SnapshotArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("rollwatch: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Snapshot(args)) => {
                rollwatch::headless::run_snapshot(&cli.aws, &args).await
            }
            Some(Command::Demo(args)) => rollwatch::headless::run_demo(&args).await,
            Some(Command::Sandbox(args)) => match rollwatch::sandbox::run(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("rollwatch sandbox: {err:#}");
                    ExitCode::from(1)
                }
            },
            // Until the TUI lands, plain `rollwatch` prints the picture.
            None => rollwatch::headless::run_snapshot(&cli.aws, &SnapshotArgs::default()).await,
        }
    })
}
