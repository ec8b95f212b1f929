//! Front ends without the TUI: `rollwatch snapshot` (a readable table or the documented JSON
//! document) and, until the TUI lands, `rollwatch demo` printing the same picture refreshed.

mod snapshot;
mod table;

pub use snapshot::{ExitStatus, exit_status, print_picture, run_demo, run_snapshot};
pub use table::{hms, render, span};
