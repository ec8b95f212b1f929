//! The two tests behind the verdict, written to match scipy (the fixtures in
//! `tests/fixtures/verdict/stats.json` were produced by `scripts/verdict_fixtures.py`).
//!
//! **Fisher's exact test** on a 2×2 table `[[a, b], [c, d]]` (rows: new version, current
//! version; columns: errors, successes). With all margins fixed, `a` follows a hypergeometric
//! distribution; the one-sided p-value "the new version is worse" is `P(X ≥ a)`. The
//! probabilities come from statrs' `Hypergeometric::ln_pmf` at the start of each tail; the
//! following terms use the exact ratio of successive probabilities, and a tail stops once what
//! is left is provably below 1e-17 of the sum, so a table of millions of invocations costs a few
//! hundred multiplications instead of a sum over the whole support. Two-sided p-values add every
//! table no more likely than the observed one (relative tolerance 1e-7, as R does).
//!
//! **Mann–Whitney U** compares two samples by ranks (average ranks for ties). `U1` is the U of
//! the first sample. The asymptotic p-value is scipy's: normal approximation with the tie
//! correction of the variance and a continuity correction of 0.5, from statrs' `erfc`. The exact
//! p-value counts, for samples without ties, every arrangement of the ranks (additions only, so
//! no cancellation); it is used for small samples (`n1·n2 ≤ 400` in `Auto`).

use std::cmp::Ordering;

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

/// How the Mann–Whitney p-value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UMethod {
    /// Exact for small samples without ties, asymptotic otherwise.
    Auto,
    /// The exact null distribution; falls back to asymptotic with ties or large samples.
    Exact,
    /// Normal approximation with tie and continuity corrections.
    Asymptotic,
}

/// A Mann–Whitney U result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UTest {
    /// The U statistic of the first sample.
    pub u: f64,
    /// In `[0, 1]`.
    pub p_value: f64,
    /// `Exact` or `Asymptotic`: the method actually used.
    pub method: UMethod,
}

/// Largest `n1·n2` for which `Auto` uses the exact distribution.
const AUTO_EXACT_CELLS: usize = 400;
/// Largest `n1·n2` for which `Exact` is honoured (the count grows as `(n1·n2)²`).
const MAX_EXACT_CELLS: usize = 2_500;
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

/// Mann–Whitney U test of `x` against `y`. `None` when a sample is empty or holds a value that
/// is not finite.
pub fn mann_whitney_u(
    x: &[f64],
    y: &[f64],
    alternative: Alternative,
    method: UMethod,
) -> Option<UTest> {
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    // `+ 0.0` turns −0 into 0, so that they tie.
    let mut xs: Vec<f64> = x.iter().map(|v| v + 0.0).collect();
    let mut ys: Vec<f64> = y.iter().map(|v| v + 0.0).collect();
    xs.sort_unstable_by(f64::total_cmp);
    ys.sort_unstable_by(f64::total_cmp);
    mann_whitney_u_sorted(&xs, &ys, alternative, method)
}

/// [`mann_whitney_u`] on samples already sorted ascending (finite values).
pub(crate) fn mann_whitney_u_sorted(
    x: &[f64],
    y: &[f64],
    alternative: Alternative,
    method: UMethod,
) -> Option<UTest> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let ranks = rank_sum(x, y);
    let (nf1, nf2) = (n1 as f64, n2 as f64);
    let u1 = ranks.rank_sum_x - nf1 * (nf1 + 1.0) / 2.0;
    let u2 = nf1 * nf2 - u1;
    let (u, factor) = match alternative {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let cells = n1.saturating_mul(n2);
    let exact = !ranks.ties
        && match method {
            UMethod::Auto => cells <= AUTO_EXACT_CELLS,
            UMethod::Exact => cells <= MAX_EXACT_CELLS,
            UMethod::Asymptotic => false,
        };
    let p = if exact {
        exact_sf(n1, n2, u)
    } else {
        asymptotic_sf(nf1, nf2, u, ranks.tie_term)
    };
    Some(UTest {
        u: u1,
        p_value: clamp_p(p * factor),
        method: if exact {
            UMethod::Exact
        } else {
            UMethod::Asymptotic
        },
    })
}

struct Ranks {
    rank_sum_x: f64,
    /// Σ (t³ − t) over groups of tied values.
    tie_term: f64,
    ties: bool,
}

/// Average ranks of the merged samples, by a merge of the two sorted slices.
fn rank_sum(xs: &[f64], ys: &[f64]) -> Ranks {
    let (mut ix, mut iy) = (0, 0);
    let (mut rank_sum_x, mut tie_term, mut ties) = (0.0, 0.0, false);
    let mut next_rank = 1.0_f64;
    let same = |v: &f64, value: f64| v.total_cmp(&value) == Ordering::Equal;
    loop {
        let value = match (xs.get(ix), ys.get(iy)) {
            (Some(a), Some(b)) => {
                if a.total_cmp(b) == Ordering::Greater {
                    *b
                } else {
                    *a
                }
            }
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => break,
        };
        let (start_x, start_y) = (ix, iy);
        while xs.get(ix).is_some_and(|v| same(v, value)) {
            ix += 1;
        }
        while ys.get(iy).is_some_and(|v| same(v, value)) {
            iy += 1;
        }
        let in_x = (ix - start_x) as f64;
        let group = (ix - start_x + iy - start_y) as f64;
        if group < 1.0 {
            break; // unreachable: the smaller head always matches itself
        }
        let average = next_rank + (group - 1.0) / 2.0;
        rank_sum_x += in_x * average;
        next_rank += group;
        if group > 1.0 {
            ties = true;
            tie_term += group * group * group - group;
        }
    }
    Ranks {
        rank_sum_x,
        tie_term,
        ties,
    }
}

/// `P(Z ≥ z)` for the standardised U with tie and continuity corrections (scipy's formula).
fn asymptotic_sf(n1: f64, n2: f64, u: f64, tie_term: f64) -> f64 {
    let n = n1 + n2;
    let variance = n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    let numerator = u - n1 * n2 / 2.0 - 0.5;
    if variance.is_nan() || variance <= 0.0 || variance.is_infinite() {
        // Every value equal: no evidence either way.
        return if numerator > 0.0 { 0.0 } else { 1.0 };
    }
    normal_sf(numerator / variance.sqrt())
}

/// `P(Z ≥ z)` for a standard normal `Z`.
fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// `P(U ≥ u)` under the null for samples of sizes `n1`, `n2` without ties.
fn exact_sf(n1: usize, n2: usize, u: f64) -> f64 {
    let counts = u_frequencies(n1.min(n2), n1.max(n2));
    let total: f64 = counts.iter().sum();
    let from = u.ceil().max(0.0) as usize;
    let upper: f64 = counts.iter().skip(from).sum();
    if total > 0.0 { upper / total } else { 1.0 }
}

/// Number of arrangements giving each U for sizes `m ≤ n`: `N(m, n) = q^n·N(m−1, n) + N(m, n−1)`
/// (a Gaussian binomial coefficient), built with additions only.
fn u_frequencies(m: usize, n: usize) -> Vec<f64> {
    // prev[k] = N(i−1, k), cur[k] = N(i, k) for k in 0..=n.
    let mut prev: Vec<Vec<f64>> = (0..=n).map(|_| vec![1.0]).collect();
    for i in 1..=m {
        let mut cur: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
        cur.push(vec![1.0]);
        for k in 1..=n {
            let mut poly = vec![0.0; i * k + 1];
            if let Some(left) = cur.get(k - 1) {
                for (slot, v) in poly.iter_mut().zip(left) {
                    *slot += v;
                }
            }
            if let Some(shifted) = prev.get(k) {
                for (slot, v) in poly.iter_mut().skip(k).zip(shifted) {
                    *slot += v;
                }
            }
            cur.push(poly);
        }
        prev = cur;
    }
    prev.pop().unwrap_or_else(|| vec![1.0])
}

/// NaN becomes 1 (no evidence); everything else is clamped into `[0, 1]`.
fn clamp_p(p: f64) -> f64 {
    if p.is_nan() { 1.0 } else { p.clamp(0.0, 1.0) }
}
