//! The TUI as a person uses it, in one test binary. Pure, through `update()` and ratatui's
//! TestBackend: the operator actions and their confirmation (`actions`), the config file
//! (`config`), the guard (`guard`), notices (`notify`), every screen as an insta snapshot
//! (`snapshots`) and navigation, filtering and the event log (`update`). End to end, the real
//! binary in tmux against the demo and the sandbox (`e2e`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

#[path = "tui/actions.rs"]
mod actions;
#[path = "tui/config.rs"]
mod config;
#[path = "tui/e2e.rs"]
mod e2e;
#[path = "tui/guard.rs"]
mod guard;
#[path = "tui/notify.rs"]
mod notify;
#[path = "tui/snapshots.rs"]
mod snapshots;
mod support;
#[path = "tui/update.rs"]
mod update;
