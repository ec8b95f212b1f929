//! The interactive TUI (k9s-like), Elm-style: one [`Event`](app) stream fed by one
//! `tokio::select!` (terminal input, engine updates, a 1 s tick carrying "now" on the service's
//! clock), a pure [`update`](update::update) that changes the [`Model`](model::Model) and
//! returns effects, and pure views drawn only when something changed.
//!
//! - [`actions`]: the operator-action flow (keys, confirmation modal, progress, report).
//! - [`effect`]: what `update` asks for, as data (engine commands, actions, notices, hand-offs,
//!   log reads), and the [`Effects`](effect::Effects) performer that carries them out.
//! - [`model`]: the state; selection by deployment id.
//! - [`overlay`]: what is on top (help, filter, hook id, confirmation, console choice): each
//!   one's keys, footer line and drawing in its own file.
//! - [`selection`]: moving the selection and keeping it on its deployment and in view.
//! - [`update`]: `update(&mut Model, Msg) -> Vec<Effect>`; no IO, no clock reads.
//! - [`views`]: `render(frame, area, &Model)`, one file per screen region.
//! - [`theme`]: colors and icons by meaning; NO_COLOR and ASCII fallbacks.
//! - [`app`]: the terminal, the loop and signals; every effect goes to the performer it is
//!   given (built at the entry: `crate::app`).
//! - [`logging`]: tracing to a file in the state directory, never to the terminal.
//! - [`links`]: `o` (the AWS console) and `Y` (the AWS CLI command) as effects;
//!   [`handoff`] performs them (browser, OSC 52 clipboard).
//! - [`logs`]: the logs pane (`l`, `v`) as effects; the loop reads them.

pub mod actions;
pub mod app;
pub mod effect;
pub mod guard;
pub mod handoff;
pub mod links;
pub mod logging;
pub mod logs;
pub mod model;
pub mod overlay;
pub mod selection;
pub mod theme;
pub mod update;
pub mod views;

pub use effect::Effect;
pub use model::Model;
pub use update::{Msg, update};
