//! Operator actions end to end: [`prepare`] reads what the confirmation needs (caller identity,
//! the alias and its RevisionId, a waiting hook's execution id from its logs) and decides which
//! action applies; [`Prepared::confirm`] is the only way to a [`Confirmed`] action;
//! [`Executor::run`] runs it step by step (one action per deployment at a time) and appends the
//! attempt to the [`AuditLog`]. Read-only mode never reaches here with a writer: see
//! [`crate::aws::connect_writer`] and [`settings`].
//!
//! A front end (the TUI's `R`/`S`/`C` keys, the headless commands) uses it like this: the
//! writer exists only outside read-only mode (`settings::mode` and `aws::connect_writer`), so
//! a read-only session has no key that could send anything.
//!
//! ```no_run
//! use rollwatch::actions::{Context, Executor, Request, prepare};
//! use rollwatch::aws::DeploymentWriter;
//! use rollwatch::domain::DeploymentView;
//!
//! async fn rollback_key<W: DeploymentWriter>(
//!     writer: &W,
//!     executor: &Executor,
//!     view: &DeploymentView,
//!     context: Context,
//!     answer: &str, // what the person typed or pressed in the confirmation
//! ) {
//!     if executor.is_busy(&view.deployment.id) {
//!         return; // a second press while the first runs sends nothing
//!     }
//!     // Reads the alias and the status again; shows `prepared.confirmation` (the blast
//!     // radius, what to type) or `prepared.refusal()`.
//!     let prepared = prepare(writer, view, &Request::Rollback, context).await;
//!     let report = match prepared.confirm(answer) {
//!         Ok(confirmed) => executor.run(writer, confirmed, None).await,
//!         Err(prepared) => executor.record_unconfirmed(&prepared), // cancelled or refused
//!     };
//!     println!("{report:?}");
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
