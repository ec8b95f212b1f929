//! The service's clock: every AWS response carries a `Date` header; rollwatch takes "now" for
//! countdowns, ETAs and metric windows from it, so a skewed laptop clock (or the sandbox's
//! accelerated clock) never distorts them. An SDK interceptor records the offset.

use std::sync::Arc;
use std::sync::Mutex;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use chrono::{DateTime, Duration, Utc};

/// The service's clock as learned from responses: the last reading, and the rate at which the
/// service's time runs against this machine's (1 for AWS; the sandbox may run faster).
#[derive(Debug, Clone, Default)]
pub struct ServiceClock {
    state: Arc<Mutex<Option<Reading>>>,
    /// The rate, when whoever connects knows it (the demo started the sandbox at that speed);
    /// otherwise it is learnt from two responses at least two seconds apart.
    given_rate: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
struct Reading {
    /// The first reading, to estimate the rate from.
    anchor: (DateTime<Utc>, DateTime<Utc>),
    /// The latest reading that moved the model (service, local).
    last: (DateTime<Utc>, DateTime<Utc>),
    rate: f64,
    /// Whether `rate` was given or learnt, rather than assumed to be 1.
    rate_known: bool,
}

impl Reading {
    fn at(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        let elapsed = (local - self.last.1).num_milliseconds() as f64 * self.rate;
        self.last.0 + Duration::milliseconds(elapsed as i64)
    }
}

impl ServiceClock {
    /// A clock whose rate against this machine's is known from the start (the demo's speed).
    pub fn with_rate(rate: f64) -> Self {
        Self {
            state: Arc::default(),
            given_rate: Some(rate.max(0.0)),
        }
    }

    /// "Now" on the service's clock, or this machine's until a response has been seen.
    pub fn now(&self) -> DateTime<Utc> {
        self.at(Utc::now())
    }

    fn at(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        match *self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Some(reading) => reading.at(local),
            None => local,
        }
    }

    /// How fast the service's clock runs against this machine's (1 for AWS; 1 until learnt).
    pub fn rate(&self) -> f64 {
        self.given_rate.unwrap_or_else(|| {
            self.state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .map_or(1.0, |r| r.rate)
        })
    }

    /// Whether [`Self::rate`] is known (given, or learnt from responses at least two seconds
    /// apart) rather than assumed: until it is, nothing can be judged late on this clock.
    pub fn rate_known(&self) -> bool {
        self.given_rate.is_some()
            || self
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .is_some_and(|r| r.rate_known)
    }

    /// Whether a response has set the clock.
    pub fn is_known(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    }

    /// Records a `Date` header value seen at local time `local`.
    pub fn observe(&self, date_header: &str, local: DateTime<Utc>) {
        let Ok(at) = httpdate::parse_http_date(date_header) else {
            return;
        };
        let service: DateTime<Utc> = at.into();
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(reading) = state.as_mut() else {
            *state = Some(Reading {
                anchor: (service, local),
                last: (service, local),
                rate: self.given_rate.unwrap_or(1.0),
                rate_known: self.given_rate.is_some(),
            });
            return;
        };
        let since_anchor = (local - reading.anchor.1).num_milliseconds();
        if self.given_rate.is_none() && since_anchor >= 2_000 {
            let rate = (service - reading.anchor.0).num_milliseconds() as f64 / since_anchor as f64;
            // AWS runs at real time; only a clearly different rate (an accelerated sandbox) counts.
            reading.rate = if (rate - 1.0).abs() < 0.05 {
                1.0
            } else {
                rate.max(0.0)
            };
            reading.rate_known = true;
        }
        // `Date` has one-second resolution: keep the model unless it is off by more than that
        // (scaled by the rate), so the clock does not jitter between responses.
        let tolerance = 1_000.0 * reading.rate.max(1.0);
        if ((reading.at(local) - service).num_milliseconds() as f64).abs() > tolerance {
            reading.last = (service, local);
        }
    }
    /// The SDK interceptor that feeds this clock.
    pub fn interceptor(&self) -> DateHeaderInterceptor {
        DateHeaderInterceptor {
            clock: self.clone(),
        }
    }
}

/// Reads `Date` from every response (success or error) into a [`ServiceClock`].
#[derive(Debug)]
pub struct DateHeaderInterceptor {
    clock: ServiceClock,
}

impl Intercept for DateHeaderInterceptor {
    fn name(&self) -> &'static str {
        "rollwatch-service-clock"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = context.response().headers().get("date") {
            self.clock.observe(date, Utc::now());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn offset_follows_the_date_header() {
        let clock = ServiceClock::default();
        assert!(!clock.is_known());
        let local = Utc
            .with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
            .single()
            .expect("time");
        clock.observe("Sun, 22 Nov 2026 03:00:00 GMT", local);
        assert!(clock.is_known());
        let skew = clock.now() - Utc::now();
        assert!((skew.num_seconds() - 3600).abs() <= 1, "{skew}");
        clock.observe("not a date", local);
        assert!(
            (clock.now() - Utc::now()).num_seconds() >= 3599,
            "garbage is ignored"
        );
    }

    #[test]
    fn the_rate_is_unknown_until_learnt_or_given() {
        let local = Utc
            .with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
            .single()
            .expect("time");
        let learnt = ServiceClock::default();
        learnt.observe("Sun, 22 Nov 2026 10:00:00 GMT", local);
        learnt.observe(
            "Sun, 22 Nov 2026 10:01:00 GMT",
            local + Duration::seconds(1),
        );
        assert!(
            !learnt.rate_known(),
            "one second apart is too close to learn from"
        );
        assert!((learnt.rate() - 1.0).abs() < f64::EPSILON);
        learnt.observe(
            "Sun, 22 Nov 2026 10:02:00 GMT",
            local + Duration::seconds(2),
        );
        assert!(learnt.rate_known());
        assert!((learnt.rate() - 60.0).abs() < 1.0, "{}", learnt.rate());

        let given = ServiceClock::with_rate(60.0);
        assert!(given.rate_known(), "known before any response");
        given.observe("Sun, 22 Nov 2026 10:00:00 GMT", local);
        given.observe(
            "Sun, 22 Nov 2026 10:00:30 GMT",
            local + Duration::seconds(5),
        );
        assert!(
            (given.rate() - 60.0).abs() < f64::EPSILON,
            "a given rate is kept"
        );
    }

    #[test]
    fn an_accelerated_service_clock_is_followed_between_responses() {
        let clock = ServiceClock::default();
        let local = Utc
            .with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
            .single()
            .expect("time");
        clock.observe("Sun, 22 Nov 2026 10:00:00 GMT", local);
        // 10 local seconds later the service says 10 minutes passed: it runs 60x.
        clock.observe(
            "Sun, 22 Nov 2026 10:10:00 GMT",
            local + Duration::seconds(10),
        );
        let later = clock.at(local + Duration::seconds(15));
        let expected = Utc
            .with_ymd_and_hms(2026, 11, 22, 10, 15, 0)
            .single()
            .expect("time");
        assert!((later - expected).num_seconds().abs() <= 2, "{later}");
    }
}
