//! Exit codes, one enum per command family, so that a number means one thing within a family
//! and every code a command can return is listed in one place (README, "Exit codes"). A front
//! end returns its family's variant; `main` turns it into the process's code. The variants are
//! ordered by code: the worst of several outcomes is the largest (`watch --all`).

use std::process::ExitCode;

/// Declares an exit-code enum and its conversion into the process's exit code.
macro_rules! exit_codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $code,)+
        }

        impl From<$name> for ExitCode {
            fn from(code: $name) -> Self {
                ExitCode::from(code as u8)
            }
        }
    };
}

exit_codes! {
    /// `rollwatch` and `rollwatch demo` (the TUI).
    TuiExit {
        /// The person quit (or a signal ended it).
        Quit = 0,
        /// The terminal failed (the log file says more).
        TerminalError = 1,
        /// A bad config file, or `--guard` that cannot run: refused before the terminal opens.
        Usage = 2,
        /// No profile could connect (or the demo's sandbox could not start).
        CannotConnect = 4,
    }
}

exit_codes! {
    /// `rollwatch snapshot`.
    SnapshotExit {
        /// Every call worked.
        Complete = 0,
        /// The picture could not be written (stdout closed).
        OutputError = 1,
        /// A bad config file.
        Usage = 2,
        /// A picture was made, but some parts failed (marked in it).
        Partial = 3,
        /// No region could list its deployments (credentials, network, permissions).
        Nothing = 4,
    }
}

exit_codes! {
    /// `rollwatch watch`.
    WatchExit {
        /// Every watched deployment Succeeded.
        Succeeded = 0,
        /// A watched deployment Failed, was Stopped or rolled back.
        Failed = 1,
        /// The canary verdict read FAIL (`--fail-on-verdict`).
        VerdictFail = 2,
        /// Nothing could be watched: a bad config file, no deployment named, no connection, the
        /// deployment not found.
        CannotWatch = 3,
    }
}

exit_codes! {
    /// `rollback`, `stop`, `continue`, `resolve`.
    ActExit {
        /// The action was done.
        Done = 0,
        /// It was refused (read-only, not applicable, already running).
        Refused = 1,
        /// A bad command line or config file.
        Usage = 2,
        /// AWS answered with an error (or the deployment was not found).
        AwsError = 3,
        /// The person declined the confirmation (or Ctrl-C).
        Cancelled = 4,
        /// Done, but its audit line could not be written (or, at start, cannot be: nothing is
        /// sent).
        AuditNotWritten = 5,
    }
}

exit_codes! {
    /// `audit`, `config`, `sandbox`, `completions`, `man`.
    ToolExit {
        Ok = 0,
        /// It failed (the message says why).
        Failed = 1,
        /// A bad command line or config file, or no state directory.
        Usage = 2,
        /// The audit log could not be read.
        Unreadable = 3,
    }
}

/// The exit code of a usage error (a bad config file, `--guard` outside the TUI) in `family`:
/// `watch` has no usage code of its own (its 2 is a FAIL verdict), so there it is "cannot
/// watch".
pub fn usage_error(family: crate::cli::Family) -> ExitCode {
    use crate::cli::Family;
    match family {
        Family::Tui => TuiExit::Usage.into(),
        Family::Snapshot => SnapshotExit::Usage.into(),
        Family::Watch => WatchExit::CannotWatch.into(),
        Family::Act => ActExit::Usage.into(),
        Family::Tool => ToolExit::Usage.into(),
    }
}
