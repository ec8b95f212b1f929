//! The engine owns network IO and the clock: it decides what to fetch and when, and hands
//! owned domain values to the front ends. [`spawn`] runs the live refresh loop for interactive
//! front ends, whose calls follow what changes; [`collect_picture`] is the same engine reading
//! every datum once for one complete picture (`snapshot`, `act`), in a few dependent rounds of
//! batched calls whatever the number of deployments.

mod assemble;
mod collect;
mod config;
mod datum;
#[cfg(test)]
mod fake;
mod live;
mod messages;
mod pace;
mod scan;
mod schedule;
mod state;
mod state_picture;
mod tasks;

pub use assemble::Rules;
pub use collect::{PictureOptions, collect_picture, unlisted};
pub use config::EngineConfig;
pub use live::{EngineHandle, service_clock, spawn};
pub use messages::{Command, MetricSpan, Update};
