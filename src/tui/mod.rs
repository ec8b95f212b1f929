//! The interactive TUI (k9s-like), Elm-style: one [`Event`](app) stream fed by one
//! `tokio::select!` (terminal input, engine updates, a 1 s tick carrying "now" on the service's
//! clock), a pure [`update`](update::update) that changes the [`Model`](model::Model) and
//! returns engine commands, and pure views drawn only when something changed.
//!
//! - [`keymap`]: actions as data (config `[keys]`), help and footer generated from it.
//! - [`model`]: the state; selection by deployment id.
//! - [`update`]: `update(&mut Model, Msg) -> Vec<Command>`; no IO, no clock reads.
//! - [`views`]: `render(frame, area, &Model)`, one file per screen region.
//! - [`theme`]: colors and icons by meaning; NO_COLOR and ASCII fallbacks.
//! - [`app`]: the terminal, the loop, signals, and the `rollwatch` / `rollwatch demo` entry points.
//! - [`logging`]: tracing to a file in the state directory, never to the terminal.

pub mod app;
pub mod keymap;
pub mod logging;
pub mod model;
pub mod theme;
pub mod update;
pub mod views;

pub use app::{run_demo, run_live};
pub use model::Model;
pub use update::{Msg, update};
