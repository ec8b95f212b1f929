//! AIMD back-off of one service: throttling stretches its refresh intervals at once, success
//! brings them back gradually.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
