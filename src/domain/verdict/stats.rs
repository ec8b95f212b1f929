//! Fisher's exact test, the pooled two-proportion z-test for huge counts, and what both
//! statistics modules share; written to match scipy (fixtures in
//! `tests/fixtures/verdict/stats.json`, produced by `scripts/verdict_fixtures.py`).
//!
//! **Fisher's exact test** on a 2×2 table `[[a, b], [c, d]]` (rows: new version, current
//! version; columns: errors, successes). With all margins fixed, `a` follows a hypergeometric
//! distribution; the one-sided p-value "the new version is worse" is `P(X ≥ a)`. The
//! probabilities come from statrs' `Hypergeometric::ln_pmf` at the start of each tail; the
//! following terms use the exact ratio of successive probabilities, and a tail stops once what
//! is left is provably below 1e-17 of the sum, so a table of millions of invocations costs a few
//! hundred multiplications instead of a sum over the whole support. Two-sided p-values add every
//! table no more likely than the observed one (relative tolerance 1e-7, as R does). Mann–Whitney
//! U lives in `mann_whitney.rs`.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Discrete, Hypergeometric};
use statrs::function::erf::erfc;

/// The direction of a test: `Greater` asks "is the first sample / first row larger?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alternative {
    Greater,
    Less,
    TwoSided,
}

/// Relative tolerance for "no more likely than the observed table".
const TWO_SIDED_TOLERANCE: f64 = 1e-7;

/// Fisher's exact test p-value for `[[a, b], [c, d]]`, in `[0, 1]`. Its cost grows with the
/// spread of the hypergeometric law (about ten standard deviations of terms); see
/// [`proportion_test`] for a bounded cost.
pub fn fisher_exact(table: [[u64; 2]; 2], alternative: Alternative) -> f64 {
    let Some(h) = Hyper::of(table) else {
        return 1.0;
    };
    let a = table[0][0];
    let p = match alternative {
        Alternative::Greater => h.upper_tail(a),
        Alternative::Less => h.lower_tail(a),
        Alternative::TwoSided => h.two_sided(a),
    };
    clamp_p(p)
}

/// Which test [`proportion_test`] used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProportionMethod {
    FisherExact,
    /// Pooled two-proportion z-test with continuity correction (the normal approximation of
    /// the same hypergeometric law).
    ZTest,
}

/// Above this hypergeometric variance (standard deviation 5,000 events) the exact sums would
/// take more than ~50,000 terms, and the normal approximation is accurate to many digits.
const EXACT_MAX_VARIANCE: f64 = 25e6;

/// Compare the proportions of the two rows of `[[a, b], [c, d]]`: Fisher's exact test, or the
/// pooled z-test when the counts are so large that the exact sums would be slow.
pub fn proportion_test(table: [[u64; 2]; 2], alternative: Alternative) -> (f64, ProportionMethod) {
    let Some(h) = Hyper::of(table) else {
        return (1.0, ProportionMethod::FisherExact);
    };
    let variance = h.variance();
    if variance <= EXACT_MAX_VARIANCE || !variance.is_finite() {
        return (
            fisher_exact(table, alternative),
            ProportionMethod::FisherExact,
        );
    }
    let mean = h.draws * h.succ / h.pop;
    let sd = variance.sqrt();
    let a = table[0][0] as f64;
    let upper = |x: f64| normal_sf((x - 0.5 - mean) / sd);
    let lower = |x: f64| normal_sf((mean - x - 0.5) / sd);
    let p = match alternative {
        Alternative::Greater => upper(a),
        Alternative::Less => lower(a),
        Alternative::TwoSided => 2.0 * upper(a).min(lower(a)),
    };
    (clamp_p(p), ProportionMethod::ZTest)
}

/// The hypergeometric law of the top-left cell given the margins.
struct Hyper {
    dist: Hypergeometric,
    /// Population, successes (first column) and draws (first row), as floats for ratios.
    pop: f64,
    succ: f64,
    draws: f64,
    lo: u64,
    hi: u64,
    mode: u64,
}

impl Hyper {
    /// The law of `a` in `[[a, b], [c, d]]`; `None` when the total overflows.
    fn of(table: [[u64; 2]; 2]) -> Option<Self> {
        let [[a, b], [c, d]] = table;
        let population = a.checked_add(b)?.checked_add(c)?.checked_add(d)?;
        Self::new(population, a + c, a + b)
    }

    fn variance(&self) -> f64 {
        if self.pop < 2.0 {
            return 0.0;
        }
        let share = self.succ / self.pop;
        self.draws * share * (1.0 - share) * (self.pop - self.draws) / (self.pop - 1.0)
    }

    fn new(population: u64, successes: u64, draws: u64) -> Option<Self> {
        let dist = Hypergeometric::new(population, successes, draws).ok()?;
        let lo = (u128::from(successes) + u128::from(draws)).saturating_sub(u128::from(population))
            as u64;
        let hi = successes.min(draws);
        let mode = ((u128::from(draws) + 1).saturating_mul(u128::from(successes) + 1)
            / (u128::from(population) + 2)) as u64;
        Some(Self {
            dist,
            pop: population as f64,
            succ: successes as f64,
            draws: draws as f64,
            lo,
            hi,
            mode: mode.clamp(lo, hi),
        })
    }

    fn ln_pmf(&self, x: u64) -> f64 {
        self.dist.ln_pmf(x)
    }

    /// `pmf(x + 1) / pmf(x)`.
    fn ratio_up(&self, x: u64) -> f64 {
        let x = x as f64;
        ((self.succ - x) * (self.draws - x))
            / ((x + 1.0) * (self.pop - self.succ - self.draws + x + 1.0))
    }

    /// `P(X ≥ x)`.
    fn upper_tail(&self, x: u64) -> f64 {
        if x <= self.lo {
            1.0
        } else if x > self.hi {
            0.0
        } else if x > self.mode {
            self.sum_from(x, true)
        } else {
            1.0 - self.sum_from(x - 1, false)
        }
    }

    /// `P(X ≤ x)`.
    fn lower_tail(&self, x: u64) -> f64 {
        if x >= self.hi {
            1.0
        } else if x < self.lo {
            0.0
        } else if x < self.mode {
            self.sum_from(x, false)
        } else {
            1.0 - self.sum_from(x + 1, true)
        }
    }

    /// The sum of the probabilities from `x` away from the mode (upwards or downwards),
    /// where they only decrease.
    fn sum_from(&self, x: u64, upwards: bool) -> f64 {
        // Terms relative to pmf(x): 1, r1, r1·r2, ...
        let (mut term, mut sum, mut at) = (1.0_f64, 1.0_f64, x);
        loop {
            let r = if upwards {
                if at >= self.hi {
                    break;
                }
                let r = self.ratio_up(at);
                at += 1;
                r
            } else {
                if at <= self.lo {
                    break;
                }
                at -= 1;
                1.0 / self.ratio_up(at)
            };
            if !r.is_finite() || r <= 0.0 {
                break;
            }
            term *= r;
            sum += term;
            // Log-concave: later ratios are no larger, so the rest is below term·r/(1−r).
            if r < 1.0 && term * r / (1.0 - r) <= sum * 1e-17 {
                break;
            }
        }
        (self.ln_pmf(x) + sum.ln()).exp()
    }

    fn two_sided(&self, a: u64) -> f64 {
        let ln_exact = self.ln_pmf(a);
        let ln_mode = self.ln_pmf(self.mode);
        let threshold = ln_exact + TWO_SIDED_TOLERANCE.ln_1p();
        if ln_exact >= ln_mode - TWO_SIDED_TOLERANCE.ln_1p() {
            return 1.0;
        }
        if a < self.mode {
            // First x above the mode whose probability is no larger than the observed one.
            let other = self.first_at_most(self.mode, self.hi, threshold, true);
            self.lower_tail(a) + other.map_or(0.0, |x| self.upper_tail(x))
        } else {
            let other = self.first_at_most(self.lo, self.mode, threshold, false);
            self.upper_tail(a) + other.map_or(0.0, |x| self.lower_tail(x))
        }
    }

    /// Binary search in `[from, to]` (where `ln_pmf` is monotone) for the `x` nearest the mode
    /// with `ln_pmf(x) ≤ threshold`: the smallest such `x` upwards, the largest downwards.
    fn first_at_most(&self, from: u64, to: u64, threshold: f64, upwards: bool) -> Option<u64> {
        let ok = |x: u64| self.ln_pmf(x) <= threshold;
        let (mut lo, mut hi) = (from, to);
        if upwards {
            if !ok(hi) {
                return None;
            }
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if ok(mid) { hi = mid } else { lo = mid + 1 }
            }
            Some(hi)
        } else {
            if !ok(lo) {
                return None;
            }
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if ok(mid) { lo = mid } else { hi = mid - 1 }
            }
            Some(lo)
        }
    }
}

/// `P(Z ≥ z)` for a standard normal `Z`.
pub(super) fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// NaN becomes 1 (no evidence); everything else is clamped into `[0, 1]`.
pub(super) fn clamp_p(p: f64) -> f64 {
    if p.is_nan() { 1.0 } else { p.clamp(0.0, 1.0) }
}

#[cfg(test)]
mod tests;
