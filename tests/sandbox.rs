//! Integration tests of the sandbox over real HTTP on 127.0.0.1:0, with the simulated clock
//! frozen (speed 0) and advanced explicitly so every run is deterministic: the AWS SDK clients
//! for every operation, the deployment simulation against its ground truth, scenarios, faults,
//! malformed requests, the limits and cross-site guards that keep it standing, and (when
//! `ROLLWATCH_AWS_CLI` is set) the AWS CLI; `CloudWatch` and its Logs through the SDK
//! (`cloudwatch`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "sandbox/api.rs"]
mod api;
#[path = "sandbox/cli.rs"]
mod cli;
#[path = "sandbox/cloudwatch.rs"]
mod cloudwatch;
#[path = "sandbox/errors.rs"]
mod errors;
#[path = "sandbox/hardening.rs"]
mod hardening;
#[path = "sandbox/sim.rs"]
mod sim;
mod support;
#[path = "sandbox/telemetry.rs"]
mod telemetry;
