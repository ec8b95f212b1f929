//! Running the real `rollwatch` binary against the sandbox: a sandbox in this process on a free
//! loopback port, and the binary with a clean environment, fake static credentials and its own
//! HOME.

use std::path::Path;
use std::process::{Command, Output};

use rollwatch::sandbox::{Sandbox, SandboxConfig};

/// Static credentials the sandbox accepts (it checks none).
pub const FAKE_CREDS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
];

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
