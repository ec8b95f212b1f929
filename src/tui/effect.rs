//! What [`update`](super::update::update) asks for, as data: the engine's commands (refresh,
//! focus, metrics window), the operator-action effects (prepare an action — STS and GetAlias for
//! the blast radius —, run a confirmed one, record a declined or refused one in the audit log),
//! the notices to ring for, the browser and clipboard hand-offs and the log lines to read.
//! `update` stays pure: it only returns these. One [`Effects`] performer, built at the entry
//! (`crate::app`), carries out every one of them; the loop hands it each command as it comes.

use chrono::{DateTime, Utc};

use crate::actions::{Confirmed, Prepared, Request};
use crate::domain::DeploymentView;
use crate::domain::Place;
use crate::domain::notify::Notice;
use crate::engine::MetricSpan;

/// What performs every effect `update` returns. Results that come later (an action prepared
/// or done, log lines, a hand-off that failed) arrive at the loop as messages on the channel
/// it was given with the performer.
pub trait Effects {
    /// Performs `command`. `terminal` is where the terminal's own effects are written (the
    /// bell and desktop notices, the OSC 52 clipboard); anything slower runs in a task.
    fn perform(&mut self, command: Effect, terminal: &mut dyn std::io::Write);
    /// On quit: waits for running actions to write their audit lines.
    fn finish(self) -> impl std::future::Future<Output = ()> + Send;
}

/// One effect for the loop.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Refresh everything now (ctrl-r, and after every action).
    RefreshNow,
    /// The deployment the user is looking at gets the Lambda budget first.
    Focus(Option<String>),
    /// Change the metrics window.
    MetricWindow(MetricSpan),
    /// Prepare an action off the UI thread; the result comes back as `Msg::Prepared`.
    Prepare {
        view: Box<DeploymentView>,
        /// Where the deployment's row was read: the action goes through its profile.
        place: Place,
        request: Request,
        /// Set when the guard asks (its rule, for the audit line); None: a person pressed a key.
        guard_rule: Option<String>,
    },
    /// Run a confirmed action; progress and the report come back as messages.
    Run(Box<Confirmed>),
    /// Record a refused or declined action in the audit log; sends nothing to AWS.
    Decline(Box<Prepared>),
    /// Ring the bell, raise a desktop notification, run the `[notify] command`.
    Notify(Vec<Notice>),
    /// Open this address in the browser.
    OpenUrl(String),
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// Read the latest log lines of `function`'s `version` (for the logs pane of
    /// `deployment_id`); the result comes back as `Msg::Logs`.
    FetchLogs {
        deployment_id: String,
        place: Place,
        function: String,
        version: String,
        now: DateTime<Utc>,
    },
}
