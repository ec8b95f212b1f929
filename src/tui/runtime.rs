//! The IO side of the operator actions in the TUI: at start-up, the guards (`--read-only`, the
//! profile's `read_only`/`protected`), one writer per watched region (never constructed in
//! read-only mode: the refusal becomes the reason the keys are disabled), the audit log and the
//! executor; then each action effect from `update` performed in a spawned task whose result comes
//! back to the loop as a [`Msg`].

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::command::Command;
use super::update::Msg;
use crate::actions::{
    AuditLog, Context, Executor, Follow, Initiator, Prepared, Request, prepare, settings,
};
use crate::aws::{AwsWriter, ConnectOptions, Mode, connect_writer};
use crate::config::ProfileSettings;

/// What the actions need at run time.
pub struct Runtime {
    writers: HashMap<String, Arc<AwsWriter>>,
    executor: Executor,
    profile: Option<String>,
    protected: bool,
    tx: UnboundedSender<Msg>,
    /// Stops following running actions (on quit); they still write their audit line.
    cancel: tokio_util::sync::CancellationToken,
    /// Actions still running, awaited on quit so no audit line is lost.
    running: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

/// The result of setting the actions up.
pub struct Setup {
    /// `None` when the actions are disabled.
    pub runtime: Option<Runtime>,
    /// Why the action keys are disabled, if they are.
    pub disabled: Option<String>,
    pub read_only: bool,
    /// Where the action results come back.
    pub rx: UnboundedReceiver<Msg>,
}

/// Loads the guards and builds the write side for `regions` (unless read-only).
pub async fn setup(
    options: &ConnectOptions,
    regions: &[String],
    read_only_flag: bool,
    profile: Option<&str>,
    profile_settings: ProfileSettings,
) -> Setup {
    let (tx, rx) = unbounded_channel();
    let disabled = |why: String, read_only: bool, rx| Setup {
        runtime: None,
        disabled: Some(why),
        read_only,
        rx,
    };
    let mode = settings::mode(read_only_flag, profile_settings, profile);
    // Refuse early: no write side at all when the audit file cannot be appended to.
    let audit = match AuditLog::default_location().and_then(|a| a.check_writable().map(|()| a)) {
        Ok(a) => a,
        Err(e) => {
            let read_only = matches!(mode, Mode::ReadOnly(_));
            return disabled(
                format!("refusing to act without an audit log: {e}"),
                read_only,
                rx,
            );
        }
    };
    let mut writers = HashMap::new();
    for region in regions {
        match connect_writer(options, region, &mode).await {
            Ok(w) => {
                writers.insert(region.clone(), Arc::new(w));
            }
            Err(f) => {
                let read_only = matches!(mode, Mode::ReadOnly(_));
                return disabled(f.message, read_only, rx);
            }
        }
    }
    let follow = Follow::default();
    let follow_cancel = follow.cancel.clone();
    Setup {
        runtime: Some(Runtime {
            writers,
            cancel: follow_cancel,
            running: std::sync::Mutex::default(),
            executor: Executor::new(audit, follow),
            profile: profile.map(str::to_string),
            protected: profile_settings.protected,
            tx,
        }),
        disabled: None,
        read_only: false,
        rx,
    }
}

impl Runtime {
    /// On quit: stops following running actions and waits (up to 10 s each) for them to write
    /// their audit lines. What was already sent to AWS carries on there.
    pub async fn finish(self) {
        self.cancel.cancel();
        let handles = std::mem::take(
            &mut *self
                .running
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for handle in handles {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), handle).await;
        }
    }

    /// Performs an action effect in a spawned task; engine commands are not handled here.
    pub fn perform(&self, command: Command) {
        match command {
            Command::Prepare {
                view,
                region,
                request,
                guard_rule,
            } => {
                let initiator = match guard_rule {
                    Some(rule) => Initiator::Guard { rule },
                    None => Initiator::person("tui"),
                };
                self.prepare(*view, &region, request, initiator);
            }
            Command::Run(confirmed) => {
                let id = confirmed.prepared().deployment_id().to_string();
                let region = confirmed.prepared().region().to_string();
                let Some(writer) = self.writers.get(&region).cloned() else {
                    tracing::warn!("no writer for {region}");
                    return;
                };
                let executor = self.executor.clone();
                let tx = self.tx.clone();
                let handle = tokio::spawn(async move {
                    let (ptx, mut prx) = unbounded_channel::<String>();
                    let lines = tx.clone();
                    let pid = id.clone();
                    let forward = tokio::spawn(async move {
                        while let Some(line) = prx.recv().await {
                            let _ = lines.send(Msg::ActionProgress {
                                deployment_id: pid.clone(),
                                line,
                            });
                        }
                    });
                    let report = Box::pin(executor.run(&*writer, *confirmed, Some(ptx))).await;
                    let _ = forward.await;
                    let _ = tx.send(Msg::ActionDone {
                        deployment_id: id,
                        report: Box::new(report),
                    });
                });
                let mut running = self
                    .running
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                running.retain(|h| !h.is_finished());
                running.push(handle);
            }
            Command::Decline(prepared) => {
                let executor = self.executor.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let report = executor.record_unconfirmed(&prepared);
                    let _ = tx.send(Msg::ActionDone {
                        deployment_id: prepared.deployment_id().to_string(),
                        report: Box::new(report),
                    });
                });
            }
            Command::RefreshNow
            | Command::Focus(_)
            | Command::MetricWindow(_)
            | Command::Notify(_)
            | Command::OpenUrl(_)
            | Command::Copy(_)
            | Command::FetchLogs { .. } => {}
        }
    }

    fn prepare(
        &self,
        view: crate::domain::DeploymentView,
        region: &str,
        request: Request,
        initiator: Initiator,
    ) {
        let context = Context {
            profile: self.profile.clone(),
            region: region.to_string(),
            protected: self.protected,
            initiator,
        };
        let tx = self.tx.clone();
        let Some(writer) = self.writers.get(region).cloned() else {
            let why = format!("no write side for region {region}");
            let _ = tx.send(Msg::Prepared(Box::new(Prepared::refused(
                &view, &request, context, why,
            ))));
            return;
        };
        tokio::spawn(async move {
            let prepared = Box::pin(prepare(&*writer, &view, &request, context)).await;
            let _ = tx.send(Msg::Prepared(Box::new(prepared)));
        });
    }
}
