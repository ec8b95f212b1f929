//! Per-service request budgets (token buckets), so rollwatch can never be the cause of an
//! incident: Lambda's control plane (GetAlias and friends) shares about 15 requests/s per
//! account with CodeDeploy's own alias updates, and deployments fail when it runs out.

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// One service's token bucket.
#[derive(Debug)]
pub struct Budget {
    limiter: DefaultDirectRateLimiter,
}

impl Budget {
    /// `per_second` sustained, bursts of up to `burst` (both at least 1).
    pub fn new(per_second: u32, burst: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::direct(Quota::per_second(rate).allow_burst(burst)),
        }
    }

    /// Waits until one request may be sent.
    pub async fn wait(&self) {
        self.limiter.until_ready().await;
    }

    /// Takes up to `wanted` permits without waiting; returns how many were granted.
    pub fn try_take(&self, wanted: usize) -> usize {
        (0..wanted)
            .take_while(|_| self.limiter.check().is_ok())
            .count()
    }
}

/// Budgets of one account/region.
#[derive(Debug)]
pub struct Budgets {
    pub codedeploy: Budget,
    pub lambda: Budget,
    pub cloudwatch: Budget,
}

impl Budgets {
    /// Conservative defaults; `lambda_burst` is the most GetAlias calls one refresh may spend.
    pub fn new(lambda_burst: u32) -> Self {
        Self {
            codedeploy: Budget::new(5, 25),
            lambda: Budget::new(1, lambda_burst),
            cloudwatch: Budget::new(5, 10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_capped() {
        let budget = Budget::new(1, 10);
        assert_eq!(
            budget.try_take(25),
            10,
            "only the burst is available at once"
        );
        assert_eq!(budget.try_take(5), 0, "and then nothing until it refills");
    }
}
