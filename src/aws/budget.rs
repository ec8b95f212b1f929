//! Per-service request budgets (token buckets), so rollwatch can never be the cause of an
//! incident: Lambda's control plane (GetAlias and friends) shares about 15 requests/s per
//! account with CodeDeploy's own alias updates, and deployments fail when it runs out.
//!
//! Every request rollwatch sends, retries and pages included, takes one token. A scheduler that
//! wants to decide *which* requests go now reserves tokens without waiting
//! ([`Budget::reserve`]); the requests it then makes spend those reserved tokens first, so
//! nothing is counted twice and nothing is sent outside the bucket.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// The services rollwatch reads, each with its own budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    CodeDeploy,
    Lambda,
    CloudWatch,
}

/// Sustained rate and burst of one service's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_sec: u32,
    pub burst: u32,
}

/// The request budgets of one account and region, and the timeout of every call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub codedeploy: Rate,
    pub lambda: Rate,
    pub cloudwatch: Rate,
    pub call_timeout_secs: u32,
}

impl Default for Limits {
    /// Far below AWS's quotas (see README, "Budgets"): Lambda 1/s with a burst of 10 (the
    /// control plane allows ~15/s per account, shared with CodeDeploy's own UpdateAlias calls);
    /// CodeDeploy 5/s with a burst that fits a cold picture of a 40-function stack; CloudWatch
    /// 5/s (DescribeAlarms allows 9/s, GetMetricData 50/s).
    fn default() -> Self {
        Self {
            codedeploy: Rate {
                per_sec: 5,
                burst: 80,
            },
            lambda: Rate {
                per_sec: 1,
                burst: 10,
            },
            cloudwatch: Rate {
                per_sec: 5,
                burst: 10,
            },
            call_timeout_secs: 10,
        }
    }
}

/// One service's token bucket.
#[derive(Debug)]
pub struct Budget {
    limiter: DefaultDirectRateLimiter,
    rate: Rate,
    /// Tokens taken by [`Self::reserve`] and not yet spent by a request.
    reserved: AtomicUsize,
}

impl Budget {
    /// `rate.per_sec` sustained, bursts of up to `rate.burst` (both at least 1).
    pub fn new(rate: Rate) -> Self {
        let per_sec = NonZeroU32::new(rate.per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(rate.burst).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::direct(Quota::per_second(per_sec).allow_burst(burst)),
            rate: Rate {
                per_sec: per_sec.get(),
                burst: burst.get(),
            },
            reserved: AtomicUsize::new(0),
        }
    }

    /// The bucket's rate and burst.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Waits until one request may be sent (spending a reserved token first, if any).
    pub async fn wait(&self) {
        let spent_reserved = self
            .reserved
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        if !spent_reserved {
            self.limiter.until_ready().await;
        }
    }

    /// Takes `wanted` tokens now, all or none, without waiting, for requests about to be made
    /// (they spend them in [`Self::wait`]); returns how many were granted. A call needing more
    /// than the burst gets the burst: its other requests wait in the bucket.
    pub fn reserve(&self, wanted: usize) -> usize {
        let wanted = wanted.min(self.rate.burst as usize);
        let Some(n) = u32::try_from(wanted).ok().and_then(NonZeroU32::new) else {
            return 0;
        };
        match self.limiter.check_n(n) {
            Ok(Ok(())) => {
                self.reserved.fetch_add(wanted, Ordering::AcqRel);
                wanted
            }
            _ => 0,
        }
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
    /// The buckets of `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            codedeploy: Budget::new(limits.codedeploy),
            lambda: Budget::new(limits.lambda),
            cloudwatch: Budget::new(limits.cloudwatch),
        }
    }

    /// The bucket of `service`.
    pub fn of(&self, service: Service) -> &Budget {
        match service {
            Service::CodeDeploy => &self.codedeploy,
            Service::Lambda => &self.lambda,
            Service::CloudWatch => &self.cloudwatch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lambda() -> Budget {
        Budget::new(Rate {
            per_sec: 1,
            burst: 10,
        })
    }

    #[test]
    fn a_burst_is_capped() {
        let budget = lambda();
        assert_eq!(budget.reserve(4), 4);
        assert_eq!(budget.reserve(7), 0, "all or nothing: 6 are left, not 7");
        assert_eq!(
            budget.reserve(25),
            0,
            "a call needing more than the burst waits for a full burst"
        );
        assert_eq!(budget.reserve(6), 6);
        assert_eq!(budget.reserve(1), 0, "and then nothing until it refills");
    }

    #[tokio::test]
    async fn reserved_tokens_are_spent_by_the_requests_not_taken_twice() {
        let budget = lambda();
        assert_eq!(budget.reserve(3), 3);
        // The three requests spend the reserved tokens without waiting...
        for _ in 0..3 {
            tokio::time::timeout(std::time::Duration::from_millis(50), budget.wait())
                .await
                .expect("a reserved token is spent at once");
        }
        // ...and the bucket still holds the other seven.
        assert_eq!(budget.reserve(7), 7);
    }
}
