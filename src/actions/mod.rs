//! Operator actions end to end: [`prepare`] reads what the confirmation needs (caller identity,
//! the alias and its RevisionId, a waiting hook's execution id from its logs) and decides which
//! action applies; [`Prepared::confirm`] is the only way to a [`Confirmed`] action;
//! [`Executor::run`] runs it step by step (one action per deployment at a time) and appends the
//! attempt to the [`AuditLog`]. Read-only mode never reaches here with a writer: see
//! [`crate::aws::connect_writer`] and [`settings`].

mod audit;
mod executor;
mod prepare;
mod promote;
mod record;
pub mod settings;
mod steps;

pub use audit::{
    AuditError, AuditLog, AuditRecord, CallRecord, Initiator, Outcome, Weights, readable, state_dir,
};
pub use executor::{Executor, Follow, Pause, Report, Sleep};
pub use prepare::{Confirmed, Context, Prepared, Request, prepare};
