//! The simulated clock: simulated time runs at `speed` × real time from an anchor, and can be
//! paused, resumed and advanced by hand (`POST /_sandbox/clock`) so tests are deterministic.

use std::time::Instant;

/// Simulated epoch seconds as a function of real elapsed time.
#[derive(Debug, Clone)]
pub struct SimClock {
    anchor_sim: f64,
    anchor_real: Instant,
    speed: f64,
    paused: bool,
}

impl SimClock {
    /// A running clock starting at `start` (epoch seconds).
    pub fn new(start: f64, speed: f64) -> Self {
        Self {
            anchor_sim: start,
            anchor_real: Instant::now(),
            speed: sane_speed(speed),
            paused: false,
        }
    }

    /// Current simulated epoch seconds.
    pub fn now(&self) -> f64 {
        if self.paused {
            self.anchor_sim
        } else {
            self.anchor_sim + self.anchor_real.elapsed().as_secs_f64() * self.speed
        }
    }

    /// Whether the clock is paused.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Simulated seconds per real second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Stops simulated time.
    pub fn pause(&mut self) {
        self.anchor_sim = self.now();
        self.anchor_real = Instant::now();
        self.paused = true;
    }

    /// Lets simulated time run again from where it stopped.
    pub fn resume(&mut self) {
        self.anchor_sim = self.now();
        self.anchor_real = Instant::now();
        self.paused = false;
    }

    /// Jumps forward by `secs` simulated seconds (negative values are ignored).
    pub fn advance(&mut self, secs: f64) {
        self.anchor_sim = self.now() + secs.max(0.0);
        self.anchor_real = Instant::now();
    }

    /// Changes the speed from now on.
    pub fn set_speed(&mut self, speed: f64) {
        self.anchor_sim = self.now();
        self.anchor_real = Instant::now();
        self.speed = sane_speed(speed);
    }
}

fn sane_speed(speed: f64) -> f64 {
    if speed.is_finite() && speed >= 0.0 {
        speed.min(1.0e6)
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::SimClock;

    #[test]
    fn paused_clock_moves_only_when_advanced() {
        let mut clock = SimClock::new(1000.0, 60.0);
        clock.pause();
        let t = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!((clock.now() - t).abs() < f64::EPSILON);
        clock.advance(60.0);
        assert!((clock.now() - t - 60.0).abs() < 1e-9);
    }

    #[test]
    fn nonsense_speed_falls_back_to_real_time() {
        assert!((SimClock::new(0.0, f64::NAN).speed() - 1.0).abs() < f64::EPSILON);
    }
}
