//! Operator actions end to end against the sandbox over real HTTP, through the real SDK, with
//! the simulated clock frozen and advanced by the executor's follow: each action and variant,
//! the RevisionId race, read-only mode sending nothing, the audit log, AWS errors with what to
//! do, and the headless commands' exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

#[path = "actions/cli.rs"]
mod cli;
#[path = "actions/flows.rs"]
mod flows;
#[path = "actions/guards.rs"]
mod guards;
#[path = "actions/iam.rs"]
mod iam;
mod support;
