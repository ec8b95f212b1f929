//! The engine's vocabulary: every datum on screen it reads (the listing, each deployment's
//! record, target and alias, the alarms, the metrics), and the service whose budget each read
//! spends. Shared by the schedule (when each is due) and the state (what each read brought).

use crate::aws::Service;

/// One thing the engine reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Datum {
    /// Active deployment ids (and adopting new ones).
    Listing,
    /// Deployments finished in the last 24 h.
    Recent,
    /// Finished deployments to follow (stopped with a split alias).
    Adopt,
    /// A deployment's record (status).
    Record(String),
    /// A deployment's target (hooks, CodeDeploy's recorded weight).
    Target(String),
    /// A deployment's live alias.
    Alias(String),
    Alarms,
    Metrics,
    /// The next call of the scan for split aliases.
    Scan,
    /// An alias `[watch]` names (`function:alias`).
    Watched(String),
}

impl Datum {
    /// The service whose budget the read spends.
    pub fn service(&self) -> Service {
        match self {
            Self::Alias(_) | Self::Scan | Self::Watched(_) => Service::Lambda,
            Self::Alarms | Self::Metrics => Service::CloudWatch,
            _ => Service::CodeDeploy,
        }
    }

    /// The deployment it belongs to, if any.
    pub fn deployment(&self) -> Option<&str> {
        match self {
            Self::Record(id) | Self::Target(id) | Self::Alias(id) => Some(id),
            _ => None,
        }
    }
}
