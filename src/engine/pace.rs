//! When each part is due: fixed intervals stretched by AIMD back-off on throttling, and the
//! schedule-aware alias polls (just after each predicted step, rarely in between).

use chrono::{DateTime, Duration, Utc};

use crate::domain::TrafficPlan;

/// AIMD pacing of one service: throttling doubles its intervals (multiplicative decrease of
/// the request rate), each success takes a quarter off again (additive increase), so rollwatch
/// backs off at once and returns to its normal pace gradually.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    factor: f64,
}

impl Default for Pace {
    fn default() -> Self {
        Self { factor: 1.0 }
    }
}

impl Pace {
    /// Most a throttled service's intervals are stretched.
    pub const MAX_FACTOR: f64 = 16.0;

    /// The service throttled a call.
    pub fn throttled(&mut self) {
        self.factor = (self.factor * 2.0).min(Self::MAX_FACTOR);
    }

    /// A call succeeded.
    pub fn succeeded(&mut self) {
        self.factor = (self.factor - 0.25).max(1.0);
    }

    /// `secs` stretched by the current back-off.
    pub fn interval(self, secs: u32) -> std::time::Duration {
        std::time::Duration::from_secs_f64(f64::from(secs.max(1)) * self.factor)
    }
}

/// The next time (service clock) the alias of a deployment following `plan` should be read,
/// after it was last read at `last_read`: just after each predicted step (`after_step` seconds
/// after it, e.g. 1, 3 and 10 s), and otherwise `idle_secs` after the last read.
pub fn next_alias_read(
    plan: Option<&TrafficPlan>,
    last_read: DateTime<Utc>,
    after_step: &[u32],
    idle_secs: u32,
) -> DateTime<Utc> {
    let idle = last_read + Duration::seconds(i64::from(idle_secs.max(1)));
    let Some(plan) = plan else { return idle };
    plan.steps
        .iter()
        .flat_map(|step| {
            after_step
                .iter()
                .map(move |s| step.at + Duration::seconds(i64::from(*s)))
        })
        .filter(|t| *t > last_read)
        .min()
        .map_or(idle, |t| t.min(idle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ScheduleModel, TrafficRouting};
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn throttling_backs_off_multiplicatively_and_recovers_additively() {
        let mut pace = Pace::default();
        pace.throttled();
        pace.throttled();
        assert_eq!(pace.interval(5), std::time::Duration::from_secs(20));
        for _ in 0..100 {
            pace.throttled();
        }
        assert_eq!(
            pace.interval(1),
            std::time::Duration::from_secs(16),
            "bounded"
        );
        for _ in 0..4 {
            pace.succeeded();
        }
        assert_eq!(
            pace.interval(4),
            std::time::Duration::from_secs(60),
            "recovers gradually"
        );
        for _ in 0..100 {
            pace.succeeded();
        }
        assert_eq!(pace.interval(4), std::time::Duration::from_secs(4));
    }

    #[test]
    fn alias_reads_follow_the_predicted_steps() {
        let routing = TrafficRouting::TimeBasedCanary {
            percent: 10,
            interval_minutes: 5,
        };
        let plan = TrafficPlan::new(routing, t0(), ScheduleModel::default());
        let after = [1, 3, 10];
        let at = |s: i64| t0() + Duration::seconds(s);
        // Right after the first shift: +1 s, +3 s, +10 s.
        assert_eq!(next_alias_read(Some(&plan), at(0), &after, 30), at(1));
        assert_eq!(next_alias_read(Some(&plan), at(1), &after, 30), at(3));
        assert_eq!(next_alias_read(Some(&plan), at(3), &after, 30), at(10));
        // Then every 30 s until the next step is near.
        assert_eq!(next_alias_read(Some(&plan), at(10), &after, 30), at(40));
        assert_eq!(next_alias_read(Some(&plan), at(290), &after, 30), at(301));
        // After the last step, only idle reads.
        assert_eq!(next_alias_read(Some(&plan), at(400), &after, 30), at(430));
        assert_eq!(next_alias_read(None, at(0), &after, 30), at(30));
    }
}
