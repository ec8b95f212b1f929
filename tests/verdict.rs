//! The canary verdict through the real binary against the sandbox: as the config file shapes it
//! (`config`), and `watch --all --json` with `snapshot --json` ending with their documented exit
//! codes (`watch`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

#[path = "verdict/config.rs"]
mod config;
mod support;
#[path = "verdict/watch.rs"]
mod watch;
