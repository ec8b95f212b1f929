//! Mann–Whitney U, written to match scipy's `mannwhitneyu` (fixtures in
//! `tests/fixtures/verdict/stats.json`).
//!
//! The test compares two samples by ranks (average ranks for ties). `U1` is the U of
//! the first sample. The asymptotic p-value is scipy's: normal approximation with the tie
//! correction of the variance and a continuity correction of 0.5, from statrs' `erfc`. The exact
//! p-value counts, for samples without ties, every arrangement of the ranks (additions only, so
//! no cancellation); it is used for small samples (`n1·n2 ≤ 400` in `Auto`).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::stats::{Alternative, clamp_p, normal_sf};

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
