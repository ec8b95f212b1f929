//! The command line: global flags (profile, regions, endpoint) and the subcommands.

use clap::{Args, Parser, Subcommand};

/// Watch AWS Lambda deployments that CodeDeploy shifts gradually, and act on them.
#[derive(Parser, Debug)]
#[command(name = "rollwatch", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Config file (default: the standard config location, e.g. ~/.config/rollwatch/config.toml).
    #[arg(long, global = true, env = "ROLLWATCH_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// TUI only, off by default: roll back a deployment whose canary verdict stays Fail for
    /// `[guard] fail_for_secs` (120), after a visible countdown of `countdown_secs` (30) that
    /// `x` cancels. Refused in read-only mode. Audited like a person's rollback, as the guard.
    #[arg(long, global = true)]
    pub guard: bool,
    /// Commands without the TUI: rollwatch's log (with the SDK's whole error chain of a failed
    /// call) on stderr instead of the log file in the state directory.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where to find AWS: profile, regions and an optional endpoint override.
#[derive(Args, Debug, Clone, Default)]
pub struct AwsArgs {
    /// AWS profile from ~/.aws/config (default: the standard credential chain), or a
    /// comma-separated list watched together in one table (also `[ui] profiles`).
    #[arg(long, global = true, env = "AWS_PROFILE", value_delimiter = ',')]
    pub profile: Vec<String>,
    /// Region, or a comma-separated list merged into one picture (default: the profile's region).
    #[arg(long, global = true, value_delimiter = ',')]
    pub region: Vec<String>,
    /// Send every AWS call to this endpoint instead (e.g. the sandbox). Also read from AWS_ENDPOINT_URL.
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Largest burst of Lambda control-plane calls (GetAlias); overrides `[refresh]
    /// lambda_burst` (default 10).
    #[arg(long, global = true)]
    pub lambda_burst: Option<u32>,
    /// Never construct the write side: operator actions are refused (also `read_only = true` in
    /// the profile's `[profiles.NAME]` table of the config file).
    #[arg(long, global = true)]
    pub read_only: bool,
}

impl AwsArgs {
    /// The profiles to watch: `--profile a,b` (or `AWS_PROFILE`), else `[ui] profiles`, else
    /// the default credential chain. Repeats count once.
    pub fn profiles(&self, configured: &[String]) -> Vec<crate::domain::Profile> {
        let given: Vec<&str> = if self.profile.iter().any(|p| !p.trim().is_empty()) {
            self.profile.iter().map(String::as_str).collect()
        } else {
            configured.iter().map(String::as_str).collect()
        };
        let mut out: Vec<crate::domain::Profile> = Vec::new();
        for p in given.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
            if !out.iter().any(|o| o.name() == Some(p)) {
                out.push(crate::domain::Profile::named(p));
            }
        }
        if out.is_empty() {
            out.push(crate::domain::Profile::default());
        }
        out
    }

    /// How to reach every watched account with these flags and `config` (its `[refresh]`
    /// budgets and `[ui] profiles`).
    pub fn reach(&self, config: &crate::config::Config) -> crate::accounts::Reach {
        crate::accounts::Reach {
            profiles: self.connect_options_each(&config.refresh, &config.ui.profiles),
            read_only: self.read_only,
        }
    }

    /// How to reach AWS with each of `profiles` (`configured`: `[ui] profiles`).
    pub fn connect_options_each(
        &self,
        refresh: &crate::engine::EngineConfig,
        configured: &[String],
    ) -> Vec<crate::aws::ConnectOptions> {
        self.profiles(configured)
            .into_iter()
            .map(|profile| crate::aws::ConnectOptions {
                profile,
                ..self.connect_options(refresh, configured)
            })
            .collect()
    }

    /// How to reach AWS with these flags (the first profile, or the default credential
    /// chain), within the budgets of `refresh` (the config file's `[refresh]`); `configured`
    /// is `[ui] profiles`. With several profiles each uses its own credentials only.
    pub fn connect_options(
        &self,
        refresh: &crate::engine::EngineConfig,
        configured: &[String],
    ) -> crate::aws::ConnectOptions {
        let mut limits = refresh.limits();
        if let Some(burst) = self.lambda_burst {
            limits.lambda.burst = burst;
        }
        crate::aws::ConnectOptions {
            profile: self
                .profiles(configured)
                .into_iter()
                .next()
                .unwrap_or_default(),
            own_credentials: self.profiles(configured).len() > 1,
            regions: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            static_credentials: false,
            limits,
            clock_rate: None,
        }
    }
}

/// What to do.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print one complete picture of every active Lambda deployment, then exit.
    Snapshot(SnapshotArgs),
    /// Run the built-in sandbox and show rollwatch against it: no AWS account needed.
    Demo(DemoArgs),
    /// Show or locate the config file.
    Config(ConfigArgs),
    /// Run the AWS-compatible sandbox (CodeDeploy, Lambda, CloudWatch, Logs) on loopback.
    Sandbox(crate::sandbox::SandboxArgs),
    /// Stop a deployment and roll it back (StopDeployment autoRollbackEnabled=true), then follow
    /// the rollback deployment until the alias is back at 100% on the old version.
    Rollback(ActArgs),
    /// Stop a deployment WITHOUT rollback: the alias stays split until resolved.
    Stop(ActArgs),
    /// Continue: approve/reject a waiting hook, ContinueDeployment (Ready), or promote now.
    Continue(ContinueArgs),
    /// Resolve an alias left split by a stop without rollback, or split outside any deployment
    /// (`function:alias`): UpdateAlias, RevisionId-guarded.
    Resolve(ResolveArgs),
    /// Print the audit log of operator actions.
    Audit(AuditArgs),
    /// Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `rollwatch man > ~/.local/share/man/man1/rollwatch.1`.
    Man,
    /// Follow deployments until they end, printing each transition (NDJSON with --json).
    /// Exit codes: 0 succeeded, 1 failed / stopped / rolled back, 2 verdict Fail with
    /// --fail-on-verdict, 3 could not watch.
    Watch(WatchArgs),
}

/// What a command is, for everything `main` decides before running it: which exit codes it
/// speaks, whether it reads the config file, where it logs. One family per command, in one
/// match with no catch-all: a new command does not compile until it is given one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `rollwatch` and `rollwatch demo`: the TUI (it logs to its own file).
    Tui,
    /// `snapshot`.
    Snapshot,
    /// `watch`.
    Watch,
    /// `rollback`, `stop`, `continue`, `resolve`.
    Act,
    /// `config`, `sandbox`, `audit`, `completions`, `man`: they neither watch nor act, and
    /// read no config file.
    Tool,
}

impl Family {
    /// The family of `command` (`None`: the TUI).
    pub fn of(command: Option<&Command>) -> Self {
        let Some(command) = command else {
            return Self::Tui;
        };
        match command {
            Command::Demo(_) => Self::Tui,
            Command::Snapshot(_) => Self::Snapshot,
            Command::Watch(_) => Self::Watch,
            Command::Rollback(_)
            | Command::Stop(_)
            | Command::Continue(_)
            | Command::Resolve(_) => Self::Act,
            Command::Config(_)
            | Command::Sandbox(_)
            | Command::Audit(_)
            | Command::Completions { .. }
            | Command::Man => Self::Tool,
        }
    }

    /// Whether the command reads the config file (a bad one is then a usage error).
    pub fn reads_config(self) -> bool {
        self != Self::Tool
    }

    /// Whether the command logs like a headless one: to the log file, or with `-v` to stderr
    /// (the TUI starts its own file logging; the tools log nothing).
    pub fn logs_headless(self) -> bool {
        matches!(self, Self::Snapshot | Self::Watch | Self::Act)
    }
}

/// `rollwatch watch` options.
#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    /// The deployment to follow (d-XXXXXXXXX).
    pub deployment_id: Option<String>,
    /// Follow every active deployment until none is left.
    #[arg(long, conflicts_with = "deployment_id")]
    pub all: bool,
    /// One JSON event per line (NDJSON).
    #[arg(long)]
    pub json: bool,
    /// Exit with 2 as soon as the canary verdict is Fail.
    #[arg(long)]
    pub fail_on_verdict: bool,
}

/// Options every operator action takes.
///
/// Exit codes: 0 done; 1 refused or not applicable (including read-only); 2 usage (e.g. no
/// `--yes` while stdin is not a terminal); 3 an AWS call failed or the end state was not reached;
/// 4 cancelled at the confirmation; 5 done, but the audit line could not be written.
#[derive(Args, Debug, Clone)]
pub struct ActArgs {
    /// The rollout's id: a deployment id (d-XXXXXXXXX), or `function:alias` for an alias
    /// split outside any deployment (`resolve` only).
    #[arg(value_name = "ID")]
    pub deployment_id: String,
    /// Confirm without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// With --yes on a protected profile: the `function:alias` a person would have typed.
    #[arg(long, value_name = "FUNCTION:ALIAS")]
    pub confirm: Option<String>,
}

/// `rollwatch continue` options.
#[derive(Args, Debug, Clone)]
pub struct ContinueArgs {
    #[command(flatten)]
    pub act: ActArgs,
    /// Approve the waiting BeforeAllowTraffic/AfterAllowTraffic hook (status Succeeded).
    #[arg(long, conflicts_with_all = ["reject", "promote"])]
    pub approve: bool,
    /// Reject the waiting hook (status Failed).
    #[arg(long, conflicts_with_all = ["approve", "promote"])]
    pub reject: bool,
    /// Promote now: stop, reset the alias, redeploy the same AppSpec all at once.
    #[arg(long, conflicts_with_all = ["approve", "reject"])]
    pub promote: bool,
    /// The hook's LifecycleEventHookExecutionId (otherwise looked up in the hook's logs).
    #[arg(long)]
    pub hook_execution_id: Option<String>,
}

/// Where `rollwatch resolve` puts the alias.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveTo {
    /// 100% on the deployment's old (current) version; for a split outside any deployment,
    /// the alias's primary version.
    Old,
    /// 100% on the deployment's new (target) version; for a split outside any deployment, the
    /// version taking part of the traffic.
    New,
}

/// `rollwatch resolve` options.
#[derive(Args, Debug, Clone)]
pub struct ResolveArgs {
    #[command(flatten)]
    pub act: ActArgs,
    /// Back to the old version or forward to the new one.
    #[arg(long, value_enum)]
    pub to: ResolveTo,
}

/// `rollwatch audit` options.
#[derive(Args, Debug, Clone)]
pub struct AuditArgs {
    /// Print the raw JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// `rollwatch snapshot` options.
#[derive(Args, Debug, Clone)]
pub struct SnapshotArgs {
    /// Print the documented JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Minutes of per-version metrics to include.
    #[arg(long, default_value_t = 15)]
    pub minutes: u32,
    /// Include the new version's last N error log lines of each active deployment (one
    /// FilterLogEvents read per deployment, 1 a second).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub logs: usize,
}

impl Default for SnapshotArgs {
    fn default() -> Self {
        Self {
            json: false,
            minutes: 15,
            logs: 0,
        }
    }
}

/// `rollwatch demo` options.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Scenario to run (`demo`: a healthy linear, a failing canary, a finished rollback; see
    /// `rollwatch sandbox --help` for the others).
    #[arg(long, default_value = "demo")]
    pub scenario: String,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 10.0)]
    pub speed: f64,
}

/// `rollwatch config` options.
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    /// Print the default config file (every setting, with comments).
    #[arg(long)]
    pub print_default: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(argv: &[&str]) -> Family {
        let cli = Cli::try_parse_from(std::iter::once("rollwatch").chain(argv.iter().copied()))
            .expect("parses");
        Family::of(cli.command.as_ref())
    }

    #[test]
    fn every_command_has_its_family_and_only_the_tools_skip_the_config_file() {
        assert_eq!(family(&[]), Family::Tui);
        assert_eq!(family(&["demo"]), Family::Tui);
        assert_eq!(family(&["snapshot"]), Family::Snapshot);
        assert_eq!(family(&["watch", "--all"]), Family::Watch);
        for act in ["rollback", "stop", "continue", "resolve"] {
            let args: &[&str] = if act == "resolve" {
                &[act, "d-ABC", "--to", "old"]
            } else {
                &[act, "d-ABC"]
            };
            assert_eq!(family(args), Family::Act, "{act}");
        }
        for tool in [
            &["config"][..],
            &["audit"],
            &["man"],
            &["completions", "bash"],
        ] {
            assert_eq!(family(tool), Family::Tool, "{tool:?}");
        }
        assert!(!Family::Tool.reads_config() && Family::Act.reads_config());
        assert!(Family::Watch.logs_headless() && !Family::Tui.logs_headless());
    }
}
