//! The live engine: one task owns all AWS IO and the clock, refreshes the picture, sends owned
//! [`Update`]s to the front end over a channel (no lock shared with drawing), and executes its
//! [`Command`]s.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::collect::{PictureOptions, collect_picture, service_clock};
use super::config::EngineConfig;
use crate::aws::DeploymentReader;
use crate::domain::{ClockReading, Picture};

/// The window of per-version metrics the front end shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricSpan {
    #[default]
    Last15Minutes,
    LastHour,
    /// Since the deployment's traffic started shifting (at most 24 h).
    SinceStart,
}

impl MetricSpan {
    /// Minutes of data to fetch (SinceStart fetches the most the engine keeps: 24 h).
    pub fn minutes(self) -> u32 {
        match self {
            Self::Last15Minutes => 15,
            Self::LastHour => 60,
            Self::SinceStart => 24 * 60,
        }
    }
}

/// What a front end asks the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Refresh everything now (ctrl-r).
    RefreshNow,
    /// The deployment the user is looking at gets the budget first.
    Focus(Option<String>),
    /// Change the metrics window (fetched at once).
    MetricWindow(MetricSpan),
}

/// What the engine tells a front end.
#[derive(Debug, Clone)]
pub enum Update {
    /// A new complete picture, owned, with the service's clock to count down from.
    Picture {
        picture: Box<Picture>,
        clock: ClockReading,
    },
}

/// The running engine: its updates, its command inbox, and how to stop it.
pub struct EngineHandle {
    pub updates: mpsc::Receiver<Update>,
    pub commands: mpsc::Sender<Command>,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl EngineHandle {
    /// Stops the engine (in-flight calls are dropped) and waits for it.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        let _ = self.task.await;
    }
}

/// Starts the engine over `readers` (one per region).
pub fn spawn<R: DeploymentReader>(readers: Vec<R>, config: EngineConfig) -> EngineHandle {
    let (update_tx, updates) = mpsc::channel(16);
    let (commands, command_rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(run(readers, config, update_tx, command_rx, cancel.clone()));
    EngineHandle {
        updates,
        commands,
        cancel,
        task,
    }
}

async fn run<R: DeploymentReader>(
    readers: Vec<R>,
    config: EngineConfig,
    updates: mpsc::Sender<Update>,
    mut commands: mpsc::Receiver<Command>,
    cancel: CancellationToken,
) {
    let mut options = PictureOptions::default();
    let period = std::time::Duration::from_secs(u64::from(config.details_secs.max(1)));
    loop {
        let picture = tokio::select! {
            () = cancel.cancelled() => return,
            picture = collect_picture(&readers, options) => picture,
        };
        let clock = service_clock(&readers);
        if updates
            .send(Update::Picture {
                picture: Box::new(picture),
                clock,
            })
            .await
            .is_err()
        {
            return;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(period) => {}
            command = commands.recv() => match command {
                None => return,
                Some(Command::MetricWindow(span)) => options.metric_minutes = span.minutes(),
                Some(Command::RefreshNow | Command::Focus(_)) => {}
            },
        }
    }
}
