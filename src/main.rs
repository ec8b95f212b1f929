//! The `rollwatch` binary: parses the command line and hands over to the library.

use clap::Parser;
use rollwatch::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("rollwatch: cannot start the async runtime: {err}");
            return std::process::ExitCode::from(3);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Sandbox(args)) => match rollwatch::sandbox::run(args).await {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("rollwatch sandbox: {err:#}");
                    std::process::ExitCode::from(2)
                }
            },
            _ => {
                eprintln!("rollwatch: not built yet");
                std::process::ExitCode::from(3)
            }
        }
    })
}
