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
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where to find AWS: profile, regions and an optional endpoint override.
#[derive(Args, Debug, Clone, Default)]
pub struct AwsArgs {
    /// AWS profile from ~/.aws/config (default: the standard credential chain).
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Region, or a comma-separated list merged into one picture (default: the profile's region).
    #[arg(long, global = true, value_delimiter = ',')]
    pub region: Vec<String>,
    /// Send every AWS call to this endpoint instead (e.g. the sandbox). Also read from AWS_ENDPOINT_URL.
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Largest burst of Lambda control-plane calls (GetAlias) one refresh may spend.
    #[arg(long, global = true, default_value_t = 10)]
    pub lambda_burst: u32,
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
}

impl Default for SnapshotArgs {
    fn default() -> Self {
        Self {
            json: false,
            minutes: 15,
        }
    }
}

/// `rollwatch demo` options.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Scenario to run (see `rollwatch sandbox --help`).
    #[arg(long, default_value = "calm")]
    pub scenario: String,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 10.0)]
    pub speed: f64,
    /// Seconds between refreshes of the printed picture.
    #[arg(long, default_value_t = 5)]
    pub every: u64,
}

/// `rollwatch config` options.
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    /// Print the default config file (every setting, with comments).
    #[arg(long)]
    pub print_default: bool,
}
