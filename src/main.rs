//! The `rollwatch` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use rollwatch::cli::{Cli, Command};

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
            Some(Command::Demo(args)) => {
                rollwatch::tui::run_demo(&args, cli.config.as_deref()).await
            }
            Some(Command::Config(args)) => config_command(&args, cli.config.as_deref()),
            Some(Command::Sandbox(args)) => match rollwatch::sandbox::run(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("rollwatch sandbox: {err:#}");
                    ExitCode::from(1)
                }
            },
            None => rollwatch::tui::run_live(&cli.aws, cli.config.as_deref()).await,
        }
    })
}

/// `rollwatch config`: print the default file, or check the one in use and say where it is.
fn config_command(args: &rollwatch::cli::ConfigArgs, path: Option<&std::path::Path>) -> ExitCode {
    if args.print_default {
        print!("{}", rollwatch::config::DEFAULT_CONFIG);
        return ExitCode::SUCCESS;
    }
    let location = rollwatch::config::config_path(path);
    match rollwatch::config::load(path) {
        Ok(_) => {
            match location {
                Some(p) if p.exists() => println!("{}: ok", p.display()),
                Some(p) => println!("{}: not present (defaults in use)", p.display()),
                None => println!("no config location on this system (defaults in use)"),
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("rollwatch: {err}");
            ExitCode::from(2)
        }
    }
}
