//! What front ends and the engine say to each other: the [`Command`]s that steer it, the
//! [`Update`]s it sends, and the metrics window ([`MetricSpan`]) a front end shows. The
//! vocabulary of `engine/`: the schedule and the live loop both speak it.

use super::assemble::ShownMinutes;
use crate::domain::{ClockReading, Picture};

/// The window of per-version metrics the front end shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricSpan {
    /// The last N complete minutes (at most 24 h).
    Last(u32),
    /// Since the deployment's traffic started shifting (at most 24 h).
    SinceStart,
}

impl Default for MetricSpan {
    fn default() -> Self {
        Self::LAST_15_MINUTES
    }
}

impl MetricSpan {
    pub const LAST_15_MINUTES: Self = Self::Last(15);
    pub const LAST_HOUR: Self = Self::Last(60);

    /// Minutes of data to fetch (SinceStart fetches the most the engine keeps: 24 h).
    pub fn minutes(self) -> u32 {
        match self {
            Self::Last(minutes) => minutes.clamp(1, 24 * 60),
            Self::SinceStart => 24 * 60,
        }
    }

    /// The minutes a view shows.
    pub fn shown(self) -> ShownMinutes {
        match self {
            Self::SinceStart => ShownMinutes::SinceTrafficStart,
            Self::Last(_) => ShownMinutes::Last(self.minutes()),
        }
    }
}

/// What a front end asks the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Refresh everything now (ctrl-r).
    RefreshNow,
    /// The deployment the user is looking at gets the Lambda budget first.
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
