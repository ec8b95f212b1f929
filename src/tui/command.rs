//! What [`update`](super::update::update) asks the loop to do: the engine's commands (refresh,
//! focus, metrics window) and the operator-action effects — prepare an action (STS and GetAlias
//! for the blast radius), run a confirmed one, or record a declined or refused one in the audit
//! log — and the notices to ring for. `update` stays pure: it only returns these; the loop in
//! `app` performs the terminal's own (notices, clipboard, browser) and the engine's, and hands
//! the rest to the [`Effects`] it was given (the AWS side, built at the entry: `crate::app`).

use chrono::{DateTime, Utc};

use crate::actions::{Confirmed, Prepared, Request};
use crate::domain::DeploymentView;
use crate::domain::notify::Notice;
use crate::engine::{self, MetricSpan};

/// What performs the effects the loop does not: prepare, run or decline an action, read log
/// lines. Results come back to the loop as messages on the channel it was given with it.
pub trait Effects {
    /// Starts `command` (in a task); its result arrives later as a message.
    fn perform(&self, command: Command);
    /// On quit: waits for running actions to write their audit lines.
    fn finish(self) -> impl std::future::Future<Output = ()> + Send;
}

/// One effect for the loop.
#[derive(Debug, Clone)]
pub enum Command {
    /// Refresh everything now (ctrl-r, and after every action).
    RefreshNow,
    /// The deployment the user is looking at gets the Lambda budget first.
    Focus(Option<String>),
    /// Change the metrics window.
    MetricWindow(MetricSpan),
    /// Prepare an action off the UI thread; the result comes back as `Msg::Prepared`.
    Prepare {
        view: Box<DeploymentView>,
        /// The profile that owns the deployment's row: the action goes through it.
        profile: Option<String>,
        region: String,
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
        profile: Option<String>,
        region: String,
        function: String,
        version: String,
        now: DateTime<Utc>,
    },
}

impl Command {
    /// The engine command, for the engine's variants.
    pub fn engine(&self) -> Option<engine::Command> {
        match self {
            Self::RefreshNow => Some(engine::Command::RefreshNow),
            Self::Focus(id) => Some(engine::Command::Focus(id.clone())),
            Self::MetricWindow(w) => Some(engine::Command::MetricWindow(*w)),
            Self::Prepare { .. }
            | Self::Run(_)
            | Self::Decline(_)
            | Self::Notify(_)
            | Self::OpenUrl(_)
            | Self::Copy(_)
            | Self::FetchLogs { .. } => None,
        }
    }

    /// The deployment an action effect is about.
    pub fn deployment_id(&self) -> Option<&str> {
        match self {
            Self::Prepare { view, .. } => Some(&view.deployment.id),
            Self::Run(c) => Some(c.prepared().deployment_id()),
            Self::Decline(p) => Some(p.deployment_id()),
            _ => None,
        }
    }
}

/// Equal when they would do the same thing: same engine command, or the same kind of action
/// effect for the same deployment (and request / action).
impl PartialEq for Command {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::RefreshNow, Self::RefreshNow) => true,
            (Self::Focus(a), Self::Focus(b)) => a == b,
            (Self::MetricWindow(a), Self::MetricWindow(b)) => a == b,
            (
                Self::Prepare {
                    view: a,
                    profile: pa,
                    region: ra,
                    request: qa,
                    guard_rule: ga,
                },
                Self::Prepare {
                    view: b,
                    profile: pb,
                    region: rb,
                    request: qb,
                    guard_rule: gb,
                },
            ) => {
                a.deployment.id == b.deployment.id
                    && pa == pb
                    && ra == rb
                    && qa == qb
                    && ga.is_some() == gb.is_some()
            }
            (Self::Run(a), Self::Run(b)) => {
                let (a, b) = (a.prepared(), b.prepared());
                a.deployment_id() == b.deployment_id() && a.action == b.action
            }
            (Self::Decline(a), Self::Decline(b)) => {
                a.deployment_id() == b.deployment_id() && a.action == b.action
            }
            _ => false,
        }
    }
}
