//! The sandbox: an AWS-compatible emulator of `CodeDeploy`, Lambda, `CloudWatch` and `CloudWatch` Logs
//! on a real HTTP server, simulating what those services do during a gradual Lambda deployment.
//!
//! It is a separate concern: nothing outside this module knows it exists (rollwatch reaches it
//! through its normal AWS adapter, pointed at [`Sandbox::endpoint`]), and it never imports
//! `crate::domain`, so a mistake in rollwatch's schedule or alarm math shows up as a disagreement
//! in tests instead of being copied into the emulator.

pub mod clock;
pub mod cloudwatch;
pub mod codedeploy;
pub mod faults;
pub mod guard;
pub mod ids;
pub mod lambda;
pub mod logs;
pub mod observe;
pub mod router;
pub mod scenario;
pub mod server;
pub mod sts;
pub mod traffic;
pub mod wire;
pub mod world;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use clock::SimClock;
use server::Shared;
use world::World;

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
    /// Fault injection: comma-separated `KIND[@SCOPE]=VALUE` rules. KIND is throttle, error5xx or
    /// reset (VALUE = probability 0-1), latency (VALUE = `50ms..2s` or `300ms`) or deny (VALUE =
    /// the scope). SCOPE is a service (codedeploy, lambda, cloudwatch, logs), an operation, or
    /// `service:Operation`. Example:
    /// `throttle=0.3,error5xx=0.1,latency=50ms..2s,reset=0.05,deny=StopDeployment,throttle@lambda:GetAlias=0.5`.
    /// Change or clear them while it runs with `POST /_sandbox/faults`.
    /// Errors use each service's real shapes (`CodeDeploy` `ThrottlingException`, Lambda 429
    /// `TooManyRequestsException`, `CloudWatch` Throttling, Logs `ThrottlingException`, `AccessDenied` 403).
    #[arg(long)]
    pub faults: Option<String>,
    /// Seed for traffic and fault randomness (runs are reproducible).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Allow a non-loopback listen address (and requests whose Host is not a loopback name).
    #[arg(long)]
    pub allow_remote: bool,
    /// Serve this many AWS accounts (1–9), each its own copy of the scenario: 123456789012,
    /// then 222222222222, 333333333333, … A caller whose access key ID contains an account's
    /// id (`AKIA222222222222`, or just `222222222222`) reaches that account; any other key the
    /// first one.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=9))]
    pub accounts: u8,
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
    /// Accounts served (at least one; see [`SandboxArgs::accounts`]).
    pub accounts: u8,
    /// The simulated time of the scenario's minute 0, in epoch seconds (rounded down to the
    /// minute); the real time when unset.
    pub starts_at: Option<f64>,
}

impl SandboxConfig {
    /// `scenario` on a free loopback port, in real time, one account, seed 1, no faults: the
    /// demo's sandbox and the tests' (adjust with the methods below).
    pub fn loopback(scenario: &str) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: scenario.to_string(),
            speed: 1.0,
            faults: None,
            seed: 1,
            allow_remote: false,
            accounts: 1,
            starts_at: None,
        }
    }

    /// Simulated seconds per real second (0: paused, moved by `advance`).
    #[must_use]
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Fault rules (the `--faults` syntax).
    #[must_use]
    pub fn faults(mut self, faults: &str) -> Self {
        self.faults = Some(faults.to_string());
        self
    }

    /// Accounts served (123456789012, 222222222222, …).
    #[must_use]
    pub fn accounts(mut self, accounts: u8) -> Self {
        self.accounts = accounts;
        self
    }

    /// The scenario's minute 0 at `epoch_secs` instead of now (a test that needs a time of day,
    /// such as a canary running across midnight UTC).
    #[must_use]
    pub fn starting_at(mut self, epoch_secs: f64) -> Self {
        self.starts_at = Some(epoch_secs);
        self
    }
}

impl From<SandboxArgs> for SandboxConfig {
    fn from(a: SandboxArgs) -> Self {
        Self {
            listen: a.listen,
            scenario: a.scenario,
            speed: a.speed,
            faults: a.faults,
            seed: a.seed,
            allow_remote: a.allow_remote,
            accounts: a.accounts,
            starts_at: None,
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{0}")]
    NotReady(String),
    #[error("refusing to listen on {0}: not a loopback address (pass --allow-remote to allow it)")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid --faults: {0}")]
    Faults(String),
    #[error("invalid scenario: {0}")]
    Scenario(#[from] scenario::ScenarioError),
    #[error("invalid --speed {0}: must be a finite number >= 0")]
    Speed(f64),
}

/// A running sandbox. Dropping it (or [`Sandbox::shutdown`]) stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    ticker: JoinHandle<()>,
}

/// Real-time period of the simulation task.
const TICK: std::time::Duration = std::time::Duration::from_millis(20);

impl Sandbox {
    /// Starts the server and the simulation; returns once it accepts connections.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        if !config.allow_remote && !config.listen.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(config.listen));
        }
        let first = build_account(&config, 0)?;
        let others = (1..config.accounts.clamp(1, 9))
            .map(|i| build_account(&config, i).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.listen,
            source,
        })?;
        let shared = Arc::new(Shared {
            first: Mutex::new(first),
            others,
            allow_remote: config.allow_remote,
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let app = server::app(shared.clone());
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("sandbox server stopped: {e}");
            }
        });
        let tick_shared = shared.clone();
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                tick_shared.each(World::sync);
            }
        });
        Ok(Self {
            addr,
            shared,
            stop: Some(stop),
            server: Some(server),
            ticker,
        })
    }

    /// `http://127.0.0.1:PORT`, to use as `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The region the sandbox answers as.
    pub fn region(&self) -> &'static str {
        "us-east-1"
    }

    /// Current simulated epoch seconds.
    pub fn now(&self) -> f64 {
        self.shared.lock().clock.now()
    }

    /// Pauses simulated time (tests).
    pub fn pause(&self) {
        self.shared.each(|w| w.clock.pause());
    }

    /// Lets simulated time run again.
    pub fn resume(&self) {
        self.shared.each(|w| w.clock.resume());
    }

    /// Changes the clock's speed (simulated seconds per real second; 0 freezes it).
    pub fn set_speed(&self, speed: f64) {
        self.shared.each(|w| w.clock.set_speed(speed));
    }

    /// Advances simulated time by `secs` and runs the simulation up to it (every account).
    pub fn advance(&self, secs: f64) {
        self.shared.each(|world| {
            world.clock.advance(secs);
            world.sync();
        });
    }

    /// The ground-truth events so far (as `GET /_sandbox/events` returns them).
    pub fn events(&self) -> Vec<observe::Event> {
        self.shared.lock().obs.events_since(0).cloned().collect()
    }

    /// Every call answered so far (as `GET /_sandbox/calls` returns them), across accounts,
    /// in the order they were answered.
    pub fn calls(&self) -> Vec<observe::CallRecord> {
        let mut calls = Vec::new();
        self.shared
            .each(|w| calls.extend(w.obs.calls_since(0).cloned()));
        calls.sort_by(|a, b| a.wall_time.total_cmp(&b.wall_time));
        calls
    }

    /// Stops the server and waits for it to finish.
    pub async fn shutdown(mut self) {
        self.ticker.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.ticker.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// The id of the sandbox's account `index`: 123456789012, then 222222222222, 333333333333, …
pub fn account_id(index: u8) -> String {
    if index == 0 {
        sts::ACCOUNT.to_string()
    } else {
        (index + 1).to_string().repeat(12)
    }
}

/// Account `index`'s world: the scenario with its own seed (its own ids and traffic).
fn build_account(config: &SandboxConfig, index: u8) -> Result<World, SandboxError> {
    let seeded = SandboxConfig {
        seed: config.seed ^ (u64::from(index) << 32),
        ..config.clone()
    };
    let mut world = build_world(&seeded)?;
    world.account = account_id(index);
    Ok(world)
}

/// The simulated world `config` describes (scenario applied, history replayed), without a
/// server.
fn build_world(config: &SandboxConfig) -> Result<World, SandboxError> {
    if !config.speed.is_finite() || config.speed < 0.0 {
        return Err(SandboxError::Speed(config.speed));
    }
    let faults = match &config.faults {
        Some(spec) => faults::Faults::parse(spec, config.seed).map_err(SandboxError::Faults)?,
        None => faults::Faults::none(config.seed),
    };
    let loaded = scenario::load(&config.scenario)?;
    let wall = config.starts_at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    });
    let base = (wall / 60.0).floor() * 60.0;
    let start = base - (loaded.scenario.history_minutes.max(0.0) * 60.0).round();
    let settings = scenario::apply::settings(&loaded.scenario);
    let mut world = World::new(
        start,
        SimClock::new(base, config.speed),
        config.seed,
        settings,
        faults,
    );
    scenario::apply::apply(&loaded.scenario, &mut world, start, base);
    world.obs.event(
        start,
        "scenario",
        None,
        None,
        serde_json::json!({"file": loaded.file, "description": loaded.scenario.description}),
    );
    world.advance_to(base);
    Ok(world)
}

/// `rollwatch sandbox`: runs until Ctrl-C.
pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let scenario = args.scenario.clone();
    let sandbox = Sandbox::start(args.into()).await?;
    let endpoint = sandbox.endpoint();
    println!("rollwatch sandbox: scenario {scenario} on {endpoint}");
    println!("Simulated CodeDeploy, Lambda, CloudWatch and CloudWatch Logs. To use it:");
    println!();
    println!("  export AWS_ENDPOINT_URL={endpoint}");
    println!("  export AWS_ACCESS_KEY_ID=test");
    println!("  export AWS_SECRET_ACCESS_KEY=test");
    println!("  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1");
    println!();
    println!(
        "Ground truth: {endpoint}/_sandbox/events   stats: {endpoint}/_sandbox/stats   clock: POST {endpoint}/_sandbox/clock"
    );
    println!(
        "Faults at run time: POST {endpoint}/_sandbox/faults with {{\"faults\": \"throttle=0.3\"}} (Content-Type: application/json)"
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
