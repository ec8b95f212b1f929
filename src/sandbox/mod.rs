//! The sandbox: an AWS-compatible emulator of CodeDeploy, Lambda, CloudWatch and CloudWatch Logs
//! on a real HTTP server, simulating what those services do during a gradual Lambda deployment.
//!
//! It is a separate concern: nothing outside this module knows it exists (rollwatch reaches it
//! through its normal AWS adapter, pointed at [`Sandbox::endpoint`]), and it never imports
//! `crate::domain`, so a mistake in rollwatch's schedule or alarm math shows up as a disagreement
//! in tests instead of being copied into the emulator.

pub mod cloudwatch;
pub mod logs;
pub mod wire;

use std::net::SocketAddr;

/// `rollwatch sandbox` command-line options.
#[derive(clap::Args, Debug, Clone)]
pub struct SandboxArgs {
    /// Address to listen on; loopback only unless --allow-remote.
    #[arg(long, default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// Scenario name (built in: see assets/scenarios) or path to a scenario TOML file.
    #[arg(long, default_value = "calm")]
    pub scenario: String,
    /// Simulated seconds per real second (60 = one simulated minute per second).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Fault injection, e.g. `throttle=0.3,error5xx=0.1,latency=50ms..2s,reset=0.05,deny=StopDeployment`.
    #[arg(long)]
    pub faults: Option<String>,
    /// Seed for traffic and fault randomness (runs are reproducible).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Allow a non-loopback listen address.
    #[arg(long)]
    pub allow_remote: bool,
}

/// What to start: the parsed form of [`SandboxArgs`], also used by `rollwatch demo` and tests.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub listen: SocketAddr,
    pub scenario: String,
    pub speed: f64,
    pub faults: Option<String>,
    pub seed: u64,
    pub allow_remote: bool,
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{0}")]
    NotReady(String),
}

/// A running sandbox. Dropping it (or [`Sandbox::shutdown`]) stops the server.
pub struct Sandbox {
    addr: SocketAddr,
}

impl Sandbox {
    /// Starts the server and the simulation; returns once it accepts connections.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let _ = config;
        Err(SandboxError::NotReady("the sandbox is not built yet".into()))
    }

    /// `http://127.0.0.1:PORT`, to use as `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The region the sandbox answers as.
    pub fn region(&self) -> &'static str {
        "us-east-1"
    }

    /// Stops the server and waits for it to finish.
    pub async fn shutdown(self) {}
}

/// `rollwatch sandbox`: runs until Ctrl-C.
pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("the sandbox is not built yet")
}
