//! The TUI's one performer: every effect `update` returns is carried out here, in one
//! exhaustive `match` — the engine's commands sent to the engine, notices delivered (bell,
//! desktop notice, `[notify] command`), the browser and clipboard hand-offs, the actions handed
//! to the write side ([`Runtime`]) and the logs pane's reads. Results that come later arrive at
//! the loop as messages. Adding an effect is one `Effect` variant, the `update` code that asks
//! for it and one arm here.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::runtime::{Runtime, Setup};
use crate::aws::LogsReader;
use crate::domain::Place;
use crate::engine;
use crate::notify::Notifier;
use crate::tui::effect::{Effect, Effects};
use crate::tui::handoff;
use crate::tui::update::Msg;

/// The logs pane's readers by profile and region.
pub type LogsReaders = HashMap<Place, Arc<LogsReader>>;

/// What performs the TUI's effects.
pub struct Performer {
    /// The engine's command queue.
    engine: mpsc::Sender<engine::Command>,
    notifier: Notifier,
    /// The actions' write side, when any profile can act.
    actions: Option<Runtime>,
    logs: LogsReaders,
    tx: UnboundedSender<Msg>,
}

impl Performer {
    /// The performer, and where its results come back.
    pub fn new(
        engine: mpsc::Sender<engine::Command>,
        notifier: Notifier,
        setup: Setup,
        logs: LogsReaders,
    ) -> (Self, UnboundedReceiver<Msg>) {
        let performer = Self {
            engine,
            notifier,
            actions: setup.runtime,
            logs,
            tx: setup.tx,
        };
        (performer, setup.rx)
    }

    fn to_engine(&self, command: engine::Command) {
        if self.engine.try_send(command).is_err() {
            tracing::warn!("engine command queue full or closed");
        }
    }

    /// The write side, or a warning: the action keys are disabled without one, so an action
    /// effect cannot arrive here then.
    fn actions(&self) -> Option<&Runtime> {
        if self.actions.is_none() {
            tracing::warn!("an action effect without a write side");
        }
        self.actions.as_ref()
    }
}

impl Effects for Performer {
    fn perform(&mut self, command: Effect, terminal: &mut dyn Write) {
        match command {
            Effect::RefreshNow => self.to_engine(engine::Command::RefreshNow),
            Effect::Focus(id) => self.to_engine(engine::Command::Focus(id)),
            Effect::MetricWindow(span) => self.to_engine(engine::Command::MetricWindow(span)),
            Effect::Notify(notices) => self.notifier.deliver(notices, Some(terminal)),
            Effect::Copy(text) => handoff::copy(&text, terminal),
            Effect::OpenUrl(url) => {
                if let Err(why) = handoff::open(&url) {
                    let _ = self.tx.send(Msg::Flash(format!("{url} — {why}")));
                }
            }
            Effect::Prepare {
                view,
                place,
                request,
                guard_rule,
            } => {
                if let Some(actions) = self.actions() {
                    actions.prepare(*view, &place, request, guard_rule);
                }
            }
            Effect::Run(confirmed) => {
                if let Some(actions) = self.actions() {
                    actions.run(*confirmed);
                }
            }
            Effect::Decline(prepared) => {
                if let Some(actions) = self.actions() {
                    actions.decline(*prepared);
                }
            }
            Effect::FetchLogs {
                deployment_id,
                place,
                function,
                version,
                now,
            } => read_logs(
                &self.logs,
                &self.tx,
                deployment_id,
                &place,
                function,
                version,
                now,
            ),
        }
    }

    async fn finish(self) {
        if let Some(actions) = self.actions {
            actions.finish().await;
        }
    }
}

/// Reads the log lines the pane asked for in a task; the result comes back as `Msg::Logs`.
fn read_logs(
    logs: &LogsReaders,
    tx: &UnboundedSender<Msg>,
    deployment_id: String,
    place: &Place,
    function: String,
    version: String,
    now: DateTime<Utc>,
) {
    let Some(reader) = logs.get(place).cloned() else {
        tracing::warn!("no logs reader for {place:?}");
        return;
    };
    let tx = tx.clone();
    tokio::spawn(async move {
        let result = reader
            .recent(&function, &version, now, crate::tui::model::LOGS_LIMIT)
            .await;
        let _ = tx.send(Msg::Logs {
            deployment_id,
            version,
            result,
        });
    });
}
