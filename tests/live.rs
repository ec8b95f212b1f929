//! The live engine against the sandbox, in one test binary: the signals it raises judged by the
//! signal oracle (`signals`), the 40-function stack at scale (`fleet`), STALE only when
//! something is late (`freshness`), a fault storm (`faults`) and several accounts in one picture
//! (`accounts`). Most of these run in real time at a few times real speed: they are the suite's
//! longest tests, and `.config/nextest.toml` starts them first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

#[path = "live/accounts.rs"]
mod accounts;
#[path = "live/faults.rs"]
mod faults;
#[path = "live/fleet.rs"]
mod fleet;
#[path = "live/freshness.rs"]
mod freshness;
#[path = "live/signals.rs"]
mod signals;
#[path = "live/splits.rs"]
mod splits;
mod support;
