//! Front ends without the TUI: the operator actions (`rollwatch rollback | stop | continue |
//! resolve`, `rollwatch audit`), `rollwatch snapshot` (a readable table or the documented JSON
//! document).

mod act;
mod snapshot;
mod table;
mod watch;

pub use act::{ActTarget, run_action, run_audit};
pub use snapshot::{SnapshotRequest, exit_status, print_picture, run_snapshot};
pub use table::{hms, render, span};
pub use watch::{WatchRequest, run_watch};

/// Puts a rollout's `source`, `id` (what `rollback|stop|resolve` accept) and `function` on its
/// JSON object (`snapshot --json`'s rollouts, `watch --json`'s events).
fn with_rollout_key(object: &mut serde_json::Value, key: &crate::domain::RolloutKey) {
    if let (Some(object), Ok(serde_json::Value::Object(key))) =
        (object.as_object_mut(), serde_json::to_value(key))
    {
        object.extend(key);
    }
}
