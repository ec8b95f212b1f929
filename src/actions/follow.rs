//! How a deployment is followed after a stop or a redeploy: a poll every few seconds (a
//! [`Pause`], instant in tests), a bound on the polls, and a cancellation token (Ctrl-C, or
//! "stop following" in the TUI). Shared by the executor and its steps.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Waits between polls while following a deployment.
pub trait Pause: Send + Sync {
    fn pause(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Sleeps for a fixed time between polls.
#[derive(Debug, Clone, Copy)]
pub struct Sleep(pub Duration);

impl Pause for Sleep {
    fn pause(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(self.0))
    }
}

/// How deployments are followed after a stop or a redeploy.
#[derive(Clone)]
pub struct Follow {
    pub pause: Arc<dyn Pause>,
    /// Polls before giving up (the action then ends Failed, saying what was last seen).
    pub max_polls: u32,
    /// Cancelled: stop following (Ctrl-C, or "stop following" in the TUI). What was already
    /// sent carries on in AWS; the attempt is still audited, saying where it was left.
    pub cancel: CancellationToken,
}

impl Default for Follow {
    /// Every 3 s for up to 75 minutes (hooks may take an hour).
    fn default() -> Self {
        Self {
            pause: Arc::new(Sleep(Duration::from_secs(3))),
            max_polls: 1500,
            cancel: CancellationToken::new(),
        }
    }
}
