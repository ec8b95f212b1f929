//! rollwatch: a terminal UI for on-call engineers watching AWS Lambda releases that CodeDeploy
//! shifts gradually (canary / linear / all-at-once) on a weighted alias.
//!
//! Module map (data flows one way, as owned values):
//!
//! ```text
//!  AWS APIs (or sandbox) ──► aws/      SDK adapter: batched calls, classified errors, budgets
//!                               │ domain values
//!                               ▼
//!                          engine/   what to fetch and when; assembles the complete picture
//!                               │ owned Picture
//!                               ▼
//!                          headless/ `snapshot` (table or JSON)   tui/ the interactive front end
//! ```
//!
//! - [`domain`] is pure: deployments, traffic plans and their schedule, alias weights, alarms,
//!   per-version metrics, AppSpec parsing. No tokio, no ratatui, no aws-sdk.
//! - [`aws`] is the only module that imports `aws-sdk-*`.
//! - [`engine`] owns network IO and the clock.
//! - [`headless`] renders pictures for scripts and terminals without the TUI.
//! - [`tui`] is the interactive front end; [`app`] wires it at the entry (`rollwatch`,
//!   `rollwatch demo`: connections, writers, sandbox, engine); [`config`] is the config file and
//!   [`keymap`] its keys as data. `tests/architecture.rs` holds the import rules.
//! - [`sandbox`] is an AWS-compatible emulator; nothing else knows it exists.
//! - [`cli`] defines the command line; [`signals`] the signals that end it like ctrl-c;
//!   [`notify`] rings the bell, raises desktop notifications and runs the `[notify] command`.

pub mod accounts;
pub mod actions;
pub mod app;
pub mod aws;
pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod exit;
pub mod headless;
pub mod keymap;
pub mod notify;
pub mod sandbox;
pub mod signals;
pub mod tui;
