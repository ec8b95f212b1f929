//! Back-off of one service: throttling doubles its refresh intervals at once (up to 16×, and
//! never beyond a minute: a longer interval is not stretched, so no part of the picture waits
//! more than a minute for its next try, and each datum costs at most one call a minute during a
//! storm); the stretch then shrinks by half with every call the service answers and with every
//! minute of its clock without throttling. A service that keeps throttling stays backed off; once it
//! stops, rollwatch is back to its normal pace within a few calls or a couple of minutes —
//! however long the storm lasted (a recovery counted in small steps per success took half an
//! hour at stretched intervals).

use chrono::{DateTime, Utc};

/// How long it takes the stretch of a service's intervals to halve without throttling.
const HALF_LIFE_SECS: f64 = 60.0;

/// Longest a stretched interval gets (intervals longer than this are not stretched at all).
const MAX_STRETCHED_SECS: f64 = 60.0;

/// The back-off of one service.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pace {
    /// The stretch beyond normal (0: none) at `since`, from which it fades with time.
    extra: f64,
    since: Option<DateTime<Utc>>,
}

impl Pace {
    /// Most a throttled service's intervals are stretched.
    pub const MAX_FACTOR: f64 = 16.0;

    /// The service throttled a call at `now`: the intervals double.
    pub fn throttled(&mut self, now: DateTime<Utc>) {
        let factor = (self.factor(now) * 2.0).min(Self::MAX_FACTOR);
        self.set(factor, now);
    }

    /// The service answered a call at `now`: the stretch halves.
    pub fn answered(&mut self, now: DateTime<Utc>) {
        if self.since.is_some() {
            let factor = 1.0 + (self.factor(now) - 1.0) / 2.0;
            self.set(factor, now);
        }
    }

    fn set(&mut self, factor: f64, now: DateTime<Utc>) {
        if factor < 1.001 {
            *self = Self::default();
        } else {
            self.extra = factor - 1.0;
            self.since = Some(now);
        }
    }

    /// How much the intervals are stretched at `now` (1: not at all).
    pub fn factor(self, now: DateTime<Utc>) -> f64 {
        let Some(since) = self.since else {
            return 1.0;
        };
        let elapsed = (now - since).num_milliseconds().max(0) as f64 / 1000.0;
        1.0 + self.extra * 0.5_f64.powf(elapsed / HALF_LIFE_SECS)
    }

    /// `secs` stretched by the back-off at `now`, to at most a minute.
    pub fn interval(self, secs: u32, now: DateTime<Utc>) -> std::time::Duration {
        let secs = f64::from(secs.max(1));
        let stretched = (secs * self.factor(now)).min(secs.max(MAX_STRETCHED_SECS));
        std::time::Duration::from_secs_f64(stretched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::fixtures::at;

    #[test]
    fn throttling_doubles_the_intervals_at_once_up_to_a_bound() {
        let mut pace = Pace::default();
        assert_eq!(pace.interval(5, at(0)), std::time::Duration::from_secs(5));
        pace.throttled(at(0));
        pace.throttled(at(0));
        assert_eq!(pace.interval(5, at(0)), std::time::Duration::from_secs(20));
        for _ in 0..100 {
            pace.throttled(at(0));
        }
        assert_eq!(
            pace.interval(1, at(0)),
            std::time::Duration::from_secs(16),
            "bounded"
        );
        assert_eq!(
            pace.interval(10, at(0)),
            std::time::Duration::from_secs(60),
            "never beyond a minute"
        );
        assert_eq!(
            pace.interval(120, at(0)),
            std::time::Duration::from_secs(120),
            "longer intervals are not stretched"
        );
    }

    #[test]
    fn the_stretch_halves_with_each_answer_and_each_quiet_minute() {
        let mut pace = Pace::default();
        for _ in 0..4 {
            pace.throttled(at(0));
        }
        assert!(
            (pace.factor(at(60)) - 8.5).abs() < 1e-9,
            "a minute halves it"
        );
        assert!(pace.factor(at(600)) < 1.02, "ten quiet minutes undo it");
        pace.answered(at(0));
        assert!(
            (pace.factor(at(0)) - 8.5).abs() < 1e-9,
            "an answer halves it"
        );
        for _ in 0..16 {
            pace.answered(at(0));
        }
        assert_eq!(pace, Pace::default(), "a few more answers undo it");
    }
}
