//! The `rollwatch` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use rollwatch::actions::Request;
use rollwatch::cli::{Cli, Command, Family, ResolveTo};
use rollwatch::config::Config;
use rollwatch::domain::{ContinueRequest, SplitResolution};
use rollwatch::exit::{ToolExit, usage_error};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("rollwatch: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let family = Family::of(cli.command.as_ref());
    // A bad config file is a usage error, in the family's own code.
    let config = if family.reads_config() {
        match rollwatch::config::load(cli.config.as_deref()) {
            Ok(c) => c,
            Err(err) => {
                eprintln!("rollwatch: {err}");
                return usage_error(family);
            }
        }
    } else {
        Config::default()
    };
    if cli.guard && family != Family::Tui {
        eprintln!("rollwatch: --guard runs with the TUI (`rollwatch` or `rollwatch demo`) only");
        return usage_error(family);
    }
    // The TUI and the demo start their own file logging: the terminal is theirs.
    let _log = match (family.logs_headless(), cli.verbose) {
        (true, true) => {
            rollwatch::tui::logging::init_stderr();
            None
        }
        (true, false) => rollwatch::tui::logging::init(),
        (false, _) => None,
    };
    let config = &config;
    let reach = cli.aws.reach(config);
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Snapshot(args)) => {
                let request = rollwatch::headless::SnapshotRequest {
                    minutes: args.minutes,
                    logs: args.logs,
                    json: args.json,
                };
                rollwatch::headless::run_snapshot(&reach, request, config).await
            }
            Some(Command::Demo(args)) => {
                rollwatch::app::run_demo(&args, config, cli.aws.read_only, cli.guard).await
            }
            Some(Command::Config(args)) => config_command(&args, cli.config.as_deref()),
            Some(Command::Sandbox(args)) => match rollwatch::sandbox::run(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("rollwatch sandbox: {err:#}");
                    ToolExit::Failed.into()
                }
            },
            Some(Command::Rollback(act)) => {
                rollwatch::headless::run_action(&reach, Request::Rollback, &target(&act), config)
                    .await
            }
            Some(Command::Stop(act)) => {
                rollwatch::headless::run_action(&reach, Request::Stop, &target(&act), config).await
            }
            Some(Command::Continue(args)) => {
                let request = continue_request(&args);
                rollwatch::headless::run_action(&reach, request, &target(&args.act), config).await
            }
            Some(Command::Resolve(args)) => {
                let request = resolve_request(&args);
                rollwatch::headless::run_action(&reach, request, &target(&args.act), config).await
            }
            Some(Command::Audit(args)) => rollwatch::headless::run_audit(args.json),
            Some(Command::Completions { shell }) => {
                let mut command = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(shell, &mut command, "rollwatch", &mut std::io::stdout());
                ExitCode::SUCCESS
            }
            Some(Command::Man) => man_page(),
            Some(Command::Watch(args)) => {
                let request = rollwatch::headless::WatchRequest {
                    deployment_id: args.deployment_id.clone(),
                    all: args.all,
                    json: args.json,
                    fail_on_verdict: args.fail_on_verdict,
                };
                rollwatch::headless::run_watch(&reach, &request, config).await
            }
            None => rollwatch::app::run_live(&reach, config, cli.guard).await,
        }
    })
}

/// The deployment an action command names, and how it is confirmed.
fn target(act: &rollwatch::cli::ActArgs) -> rollwatch::headless::ActTarget {
    rollwatch::headless::ActTarget {
        deployment_id: act.deployment_id.clone(),
        yes: act.yes,
        confirm: act.confirm.clone(),
    }
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
            ToolExit::Usage.into()
        }
    }
}

/// `rollwatch continue`'s request: approve, reject, promote now, or what the state calls for.
fn continue_request(args: &rollwatch::cli::ContinueArgs) -> Request {
    let request = if args.approve {
        ContinueRequest::Approve
    } else if args.reject {
        ContinueRequest::Reject
    } else if args.promote {
        ContinueRequest::PromoteNow
    } else {
        ContinueRequest::Auto
    };
    Request::Continue {
        request,
        execution_id: args.hook_execution_id.clone(),
    }
}

/// `rollwatch resolve`'s request: the split alias back to the old version or on to the new.
fn resolve_request(args: &rollwatch::cli::ResolveArgs) -> Request {
    Request::Resolve(match args.to {
        ResolveTo::Old => SplitResolution::BackToOld,
        ResolveTo::New => SplitResolution::ForwardToNew,
    })
}

/// `rollwatch man`: the man page on stdout, generated from the command line definitions.
fn man_page() -> ExitCode {
    let man = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
    match man.render(&mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rollwatch man: {err}");
            ToolExit::Failed.into()
        }
    }
}
