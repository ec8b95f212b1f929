//! Running the real `rollwatch` binary against the sandbox: a sandbox in this process on a free
//! loopback port, and the binary with a clean environment, fake static credentials and its own
//! HOME.

use std::path::Path;
use std::process::{Command, Output};

use rollwatch::aws::{AwsReader, ConnectOptions, connect};
use rollwatch::sandbox::{Sandbox, SandboxConfig};

/// Static credentials the sandbox accepts (it checks none).
pub const FAKE_CREDS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
];

/// rollwatch's connection to `sandbox`: its region and endpoint, static fake credentials.
pub fn options(sandbox: &Sandbox) -> ConnectOptions {
    ConnectOptions {
        regions: vec![sandbox.region().to_owned()],
        endpoint_url: Some(sandbox.endpoint()),
        static_credentials: true,
        own_credentials: false,
        ..ConnectOptions::default()
    }
}

/// rollwatch's readers on `sandbox`.
pub async fn readers(sandbox: &Sandbox) -> Vec<AwsReader> {
    connect(&options(sandbox))
        .await
        .expect("connect to the sandbox")
}

/// Runs the binary with `args` and waits for it to exit.
pub fn rollwatch(args: &[&str], env: &[(&str, &str)], home: &Path) -> Output {
    command(args, env, home).output().expect("run rollwatch")
}

/// The binary with `args` and only `env` (plus HOME, PATH and AWS config files under `home`).
pub fn command(args: &[&str], env: &[(&str, &str)], home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollwatch"));
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The sandbox in this process, running `scenario` (a built-in name or a TOML path) at `speed`.
pub async fn sandbox(scenario: &str, speed: f64) -> Sandbox {
    sandbox_of_accounts(scenario, speed, 1).await
}

/// The sandbox serving `accounts` accounts (123456789012, 222222222222, …), each its own copy
/// of `scenario`.
pub async fn sandbox_of_accounts(scenario: &str, speed: f64, accounts: u8) -> Sandbox {
    Sandbox::start(
        SandboxConfig::loopback(scenario)
            .speed(speed)
            .seed(3)
            .accounts(accounts),
    )
    .await
    .expect("sandbox starts")
}

/// A sandbox served by a runtime of its own and a HOME for the binary: what a synchronous test
/// needs to run rollwatch against the sandbox as a person would from a shell. The sandbox shuts
/// down when the shell is dropped.
pub struct Shell {
    pub rt: tokio::runtime::Runtime,
    sandbox: Option<Sandbox>,
    pub home: tempfile::TempDir,
}

impl Shell {
    /// `scenario` (a built-in name or a TOML path) at `speed`, seed 3.
    pub fn start(scenario: &str, speed: f64) -> Self {
        Self::seeded(scenario, speed, 3)
    }

    /// The same with the sandbox's random numbers from `seed`.
    pub fn seeded(scenario: &str, speed: f64, seed: u64) -> Self {
        Self::with(SandboxConfig::loopback(scenario).speed(speed).seed(seed))
    }

    /// A sandbox started with `config`.
    pub fn with(config: SandboxConfig) -> Self {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let sandbox = rt.block_on(Sandbox::start(config)).expect("sandbox starts");
        Self {
            rt,
            sandbox: Some(sandbox),
            home: tempfile::tempdir().expect("home"),
        }
    }

    pub fn sandbox(&self) -> &Sandbox {
        self.sandbox
            .as_ref()
            .expect("the sandbox runs until the shell is dropped")
    }

    pub fn endpoint(&self) -> String {
        self.sandbox().endpoint()
    }

    /// `rollwatch --region us-east-1 --endpoint-url <the sandbox> args…` with fake credentials
    /// and this shell's HOME.
    pub fn rollwatch(&self, args: &[&str]) -> Output {
        let endpoint = self.endpoint();
        let mut all = vec!["--region", "us-east-1", "--endpoint-url", endpoint.as_str()];
        all.extend_from_slice(args);
        rollwatch(&all, &FAKE_CREDS, self.home.path())
    }

    /// `rollwatch … snapshot --json` and the picture it printed (exit 0 expected).
    pub fn snapshot(&self, more: &[&str]) -> serde_json::Value {
        let mut args = vec!["snapshot", "--json"];
        args.extend_from_slice(more);
        let out = self.rollwatch(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("snapshot --json is not JSON ({e}): {}", stdout(&out)))
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.rt.block_on(sandbox.shutdown());
        }
    }
}

/// What the binary printed on stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the binary printed on stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Each line of `watch --json`'s stdout as one JSON event.
pub fn ndjson(out: &Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// `failing-canary` with an alarm that never fires: version 2 keeps failing and the canary stays
/// in flight for its 10 minutes. The scenario file lives as long as the value.
pub fn failing_quietly() -> tempfile::NamedTempFile {
    failing_quietly_for(10)
}

/// The same with a canary of `minutes` (10, 15, 30: CodeDeploy's predefined ones).
pub fn failing_quietly_for(minutes: u32) -> tempfile::NamedTempFile {
    let scenario = std::fs::read_to_string("assets/scenarios/failing-canary.toml")
        .expect("scenario")
        .replace("threshold = 10\n", "threshold = 1000000\n")
        .replace(
            "LambdaCanary10Percent10Minutes",
            &format!("LambdaCanary10Percent{minutes}Minutes"),
        );
    let mut file = tempfile::Builder::new()
        .prefix("failing-quietly")
        .suffix(".toml")
        .tempfile()
        .expect("scenario file");
    std::io::Write::write_all(&mut file, scenario.as_bytes()).expect("scenario written");
    file
}

/// The notices a `[notify] command` appended to `path`, one JSON object a line.
pub fn notices(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a notice as JSON"))
        .collect()
}

/// A `[notify]` config that appends every notice to `received`.
pub fn notify_config(received: &Path) -> String {
    format!(
        "[notify]\ncommand = [\"sh\", \"-c\", \"cat >> {0}; echo >> {0}\"]\n",
        received.display()
    )
}
