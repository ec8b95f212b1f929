//! The statistics against scipy 1.17 (`tests/fixtures/verdict/stats.json`, produced by
//! `scripts/verdict_fixtures.py`): Fisher's exact test for the three alternatives, and
//! Mann–Whitney U with `method="asymptotic"` (tie and continuity corrections) and
//! `method="exact"` (samples without ties), for the three alternatives.

use serde::Deserialize;

use crate::domain::verdict::mann_whitney::{UMethod, mann_whitney_u};
use crate::domain::verdict::stats::{Alternative, ProportionMethod, fisher_exact, proportion_test};

const FIXTURES: &str = include_str!("../../../../tests/fixtures/verdict/stats.json");

#[derive(Deserialize)]
struct Fixtures {
    scipy_version: String,
    fisher_exact: Vec<FisherCase>,
    mann_whitney_u: Vec<UCase>,
}

#[derive(Deserialize)]
struct FisherCase {
    table: [[u64; 2]; 2],
    greater: f64,
    less: f64,
    two_sided: f64,
}

#[derive(Deserialize)]
struct UCase {
    name: String,
    method: String,
    x: Vec<f64>,
    y: Vec<f64>,
    u: f64,
    greater: f64,
    less: f64,
    two_sided: f64,
}

fn fixtures() -> Fixtures {
    serde_json::from_str(FIXTURES).expect("fixtures parse")
}

/// Equal within `rel` relative, or 1e-14 absolute for tiny p-values.
fn within(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(got.abs()) || (got - want).abs() < 1e-14
}

/// Mann–Whitney: 1e-9 relative.
fn close(got: f64, want: f64) -> bool {
    within(got, want, 1e-9)
}

const ALTERNATIVES: [Alternative; 3] = [
    Alternative::Greater,
    Alternative::Less,
    Alternative::TwoSided,
];

fn want(alt: Alternative, greater: f64, less: f64, two_sided: f64) -> f64 {
    match alt {
        Alternative::Greater => greater,
        Alternative::Less => less,
        Alternative::TwoSided => two_sided,
    }
}

#[test]
fn fixtures_come_from_scipy() {
    let f = fixtures();
    assert!(f.scipy_version.starts_with("1."), "{}", f.scipy_version);
    assert!(f.fisher_exact.len() >= 10);
    assert!(f.mann_whitney_u.len() >= 20);
}

#[test]
fn fisher_exact_matches_scipy() {
    let mut failures = Vec::new();
    for case in fixtures().fisher_exact {
        for alt in ALTERNATIVES {
            let got = fisher_exact(case.table, alt);
            let expected = want(alt, case.greater, case.less, case.two_sided);
            // statrs' log-factorials of a million carry ~1e-9 of rounding; 1e-7 relative.
            if !within(got, expected, 1e-7) {
                failures.push(format!(
                    "{:?} {alt:?}: got {got:e}, scipy {expected:e}",
                    case.table
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn mann_whitney_matches_scipy_asymptotic_and_exact() {
    let mut failures = Vec::new();
    let mut exact_cases = 0;
    for case in fixtures().mann_whitney_u {
        let method = match case.method.as_str() {
            "exact" => UMethod::Exact,
            _ => UMethod::Asymptotic,
        };
        for alt in ALTERNATIVES {
            let got = mann_whitney_u(&case.x, &case.y, alt, method).expect("finite samples");
            assert_eq!(got.method, method, "{}: method actually used", case.name);
            let expected = want(alt, case.greater, case.less, case.two_sided);
            if !close(got.p_value, expected) || (got.u - case.u).abs() > 1e-9 {
                failures.push(format!(
                    "{} ({}, {alt:?}): got U {} p {:e}, scipy U {} p {:e}",
                    case.name, case.method, got.u, got.p_value, case.u, expected
                ));
            }
        }
        exact_cases += usize::from(method == UMethod::Exact);
    }
    assert!(exact_cases >= 8, "only {exact_cases} exact cases");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn fisher_p_values_are_probabilities_for_odd_tables() {
    let tables = [
        [[0, 0], [0, 0]],
        [[u64::MAX, 0], [0, 0]],
        [[1, u64::MAX / 4], [u64::MAX / 4, 1]],
        [[1_000_000, 9_000_000], [10, 90_000_000]],
        [[0, 1], [1, 0]],
    ];
    for table in tables {
        for alt in ALTERNATIVES {
            let (p, _) = proportion_test(table, alt);
            assert!((0.0..=1.0).contains(&p), "{table:?} {alt:?}: {p}");
        }
    }
    // Far in the tail the p-value is tiny but not a NaN.
    let p = fisher_exact(
        [[1_000_000, 9_000_000], [10, 90_000_000]],
        Alternative::Greater,
    );
    assert!(p < 1e-300, "{p}");
}

#[test]
fn mann_whitney_refuses_empty_or_non_finite_samples() {
    let alt = Alternative::Greater;
    assert!(mann_whitney_u(&[], &[1.0], alt, UMethod::Auto).is_none());
    assert!(mann_whitney_u(&[1.0], &[], alt, UMethod::Auto).is_none());
    assert!(mann_whitney_u(&[f64::NAN], &[1.0], alt, UMethod::Auto).is_none());
    assert!(mann_whitney_u(&[1.0], &[f64::INFINITY], alt, UMethod::Auto).is_none());
}

#[test]
fn exact_falls_back_to_asymptotic_with_ties_and_auto_picks_exact_when_small() {
    let tied = mann_whitney_u(
        &[1.0, 2.0, 2.0],
        &[2.0, 3.0],
        Alternative::Greater,
        UMethod::Exact,
    )
    .expect("result");
    assert_eq!(tied.method, UMethod::Asymptotic);
    let small = mann_whitney_u(
        &[4.0, 5.0, 6.0],
        &[1.0, 2.0, 3.0],
        Alternative::Greater,
        UMethod::Auto,
    )
    .expect("result");
    assert_eq!(small.method, UMethod::Exact);
    // 1 arrangement in C(6, 3) = 20 puts all of x above y.
    assert!(close(small.p_value, 0.05), "{}", small.p_value);
    let all_equal = mann_whitney_u(&[4.0; 30], &[4.0; 30], Alternative::Greater, UMethod::Auto)
        .expect("result");
    assert!(close(all_equal.p_value, 1.0), "{}", all_equal.p_value);
}

#[test]
fn huge_counts_switch_to_the_z_test_which_agrees_with_fisher() {
    // 2.7 billion invocations at 25% errors: the exact sums would be long.
    let table = [[75_015_000, 224_985_000], [600_000_000, 1_800_000_000]];
    let (p, method) = proportion_test(table, Alternative::Greater);
    assert_eq!(method, ProportionMethod::ZTest);
    let exact = fisher_exact(table, Alternative::Greater);
    assert!(within(p, exact, 1e-2), "z {p} vs exact {exact}");
    assert!(p > 0.01 && p < 0.05, "{p}");
    // A canary-sized table stays exact.
    let (p, method) = proportion_test([[52, 988], [9, 8991]], Alternative::Greater);
    assert_eq!(method, ProportionMethod::FisherExact);
    assert!(p < 1e-20, "{p}");
}
