//! Operator actions end to end: [`prepare`] reads what the confirmation needs (caller identity,
//! the alias and its RevisionId, a waiting hook's execution id from its logs) and decides which
//! action applies; [`Prepared::confirm`] is the only way to a [`Confirmed`] action;
//! [`Executor::run`] runs it step by step (one action per deployment at a time) and appends the
//! attempt to the [`AuditLog`]. Read-only mode never reaches here with a writer: see
//! [`crate::aws::connect_writer`] and [`settings`].
//!
//! A front end (the TUI's `R`/`S`/`C` keys, the headless commands) uses it like this:
//!
//! ```text
//! let mode = settings::mode(cli.read_only, settings::load(profile)?, profile);   // header badge
//! let writer = aws::connect_writer(&options, region, &mode)?;    // Err in read-only: keys disabled
//! let menu = domain::action_options(&view, None);                 // enabled / disabled + reason
//! if executor.is_busy(&view.deployment.id) { return }             // second press: nothing
//! let prepared = prepare(&writer, &view, &Request::Rollback, context).await;
//! show(prepared.confirmation / prepared.refusal());               // blast radius, typed text
//! match prepared.confirm(&answer) {
//!     Ok(confirmed) => executor.run(&writer, confirmed, Some(progress_tx)).await,  // Report
//!     Err(prepared) => executor.record_unconfirmed(&prepared),     // cancelled / refused
//! }
//! ```

mod audit;
mod executor;
mod follow;
mod prepare;
mod promote;
mod record;
pub mod settings;
mod steps;

pub use audit::{
    AuditError, AuditLog, AuditRecord, CallRecord, Initiator, Outcome, Weights, paired,
    private_dir, readable, state_dir,
};
pub use executor::{Executor, Report};
pub use follow::{Follow, Pause, Sleep};
pub use prepare::{Confirmed, Context, Prepared, Request, prepare};
