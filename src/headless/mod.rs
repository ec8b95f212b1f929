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
