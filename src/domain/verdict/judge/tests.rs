//! Judgements a person would see for typical canaries: slow, calm, quiet, failing, slightly
//! slower, throttled; the overall verdict; and data that should never make the verdict lie or
//! panic.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::domain::verdict::{
    Judgement, MetricKind, MetricVerdict, TestKind, TestMethod, Verdict, VerdictThresholds, judge,
};
use crate::domain::{MinutePoint, VersionMetrics};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
        .single()
        .expect("time")
}

/// One minute: invocations, errors, throttles, p50, p99.
#[derive(Clone, Copy)]
struct M(f64, f64, f64, f64, f64);

fn series(version: &str, minutes: &[M]) -> VersionMetrics {
    VersionMetrics {
        version: version.into(),
        points: minutes
            .iter()
            .enumerate()
            .map(|(i, m)| MinutePoint {
                at: start() + Duration::minutes(i as i64),
                invocations: Some(m.0),
                errors: Some(m.1),
                throttles: Some(m.2),
                error_rate: None,
                duration_avg_ms: Some(m.3),
                duration_p50_ms: Some(m.3),
                duration_p99_ms: Some(m.4),
                slow: None,
                business: Vec::new(),
            })
            .collect(),
        slow_above_ms: None,
    }
}

/// Deterministic jitter in [-1, 1].
fn jitter(i: usize) -> f64 {
    ((i * 37 + 11) % 21) as f64 / 10.0 - 1.0
}

/// `n` minutes of `inv` invocations with `err` errors, p50 ≈ `p50`, p99 ≈ `p99` (±5%).
fn steady(n: usize, inv: f64, err: f64, p50: f64, p99: f64) -> Vec<M> {
    (0..n)
        .map(|i| {
            M(
                inv,
                err,
                0.0,
                p50 * (1.0 + 0.05 * jitter(i)),
                p99 * (1.0 + 0.05 * jitter(i + 5)),
            )
        })
        .collect()
}

fn metric(v: &Verdict, kind: MetricKind) -> &MetricVerdict {
    v.metrics
        .iter()
        .find(|m| m.metric == kind)
        .expect("metric present")
}

/// The fixed-sample verdict (one look: Fisher, Mann–Whitney), whose p-values the scipy
/// fixtures check.
fn verdict(old: &[M], new: &[M]) -> Verdict {
    judge(
        &series("6", old),
        &series("7", new),
        None,
        &VerdictThresholds {
            test: TestKind::FixedSample,
            ..VerdictThresholds::default()
        },
    )
}

/// The default, anytime-valid verdict.
fn sequential(old: &[M], new: &[M]) -> Verdict {
    judge(
        &series("6", old),
        &series("7", new),
        None,
        &VerdictThresholds::default(),
    )
}

#[test]
fn the_sequential_verdict_says_when_its_evidence_was_reached() {
    // p99 doubles from the first minute: worse every minute, 1/α = 60 reached at minute 7.
    let v = sequential(
        &steady(15, 900.0, 1.0, 120.0, 400.0),
        &steady(15, 100.0, 0.0, 121.0, 800.0),
    );
    // Without a threshold from before the deployment, p99 gets the rank test, whose look k
    // needs p < α / (k(k+1)): this look (the 11th) has it.
    let p99 = metric(&v, MetricKind::DurationP99);
    assert_eq!(p99.judgement, Judgement::Fail);
    assert_eq!(p99.numbers.test, Some(TestMethod::SequentialRank));
    assert_eq!(p99.numbers.evidence_minute, Some(15));
    assert!(
        p99.reason.starts_with(
            "p99 796 ms vs 398 ms (×2.0), worse in 15 of 15 minutes, p < 0.001 below the 0.00006 \
             this look needs (anytime)"
        ),
        "{}",
        p99.reason
    );
    // 5% errors against 0.1%: the evidence is there in the first minute.
    let v = sequential(
        &steady(15, 1000.0, 1.0, 120.0, 400.0),
        &steady(15, 100.0, 5.0, 120.0, 400.0),
    );
    let errors = metric(&v, MetricKind::ErrorRate);
    assert_eq!(errors.judgement, Judgement::Fail);
    assert_eq!(errors.numbers.test, Some(TestMethod::SequentialRate));
    assert_eq!(errors.numbers.evidence_minute, Some(1));
}

/// `series` with each minute's invocations slower than `threshold`: `share` of them.
fn with_slow(mut v: VersionMetrics, threshold: f64, share: f64) -> VersionMetrics {
    v.slow_above_ms = Some(threshold);
    for p in &mut v.points {
        p.slow = p.invocations.map(|n| (n * share).round());
    }
    v
}

#[test]
fn with_a_threshold_from_before_the_deployment_p99_counts_every_slow_invocation() {
    // 60 invocations a minute on the new version, 5% of them over 220 ms against 1%: the
    // quantile test has its evidence by the first look (minute 5), where one p99 a minute
    // could not have it yet.
    let old = with_slow(
        series("6", &steady(5, 540.0, 1.0, 50.0, 200.0)),
        220.0,
        0.01,
    );
    let new = with_slow(series("7", &steady(5, 60.0, 0.0, 50.0, 400.0)), 220.0, 0.05);
    let v = judge(&old, &new, None, &VerdictThresholds::default());
    let p99 = metric(&v, MetricKind::DurationP99);
    assert_eq!(p99.numbers.test, Some(TestMethod::SequentialQuantile));
    assert_eq!(p99.judgement, Judgement::Fail, "{}", p99.reason);
    assert!(
        p99.reason
            .contains("5.0% vs 0.93% over 220 ms, evidence 1/α reached at minute 3"),
        "{}",
        p99.reason
    );
    assert_eq!(p99.numbers.threshold_ms, Some(220.0));
    // The same shares on both versions: no evidence, however many minutes.
    let old = with_slow(
        series("6", &steady(60, 540.0, 1.0, 50.0, 200.0)),
        220.0,
        0.01,
    );
    let new = with_slow(
        series("7", &steady(60, 60.0, 0.0, 50.0, 240.0)),
        220.0,
        0.01,
    );
    let v = judge(&old, &new, None, &VerdictThresholds::default());
    let p99 = metric(&v, MetricKind::DurationP99);
    assert_eq!(p99.judgement, Judgement::Marginal, "{}", p99.reason);
    assert_eq!(p99.numbers.evidence_minute, None);
}

#[test]
fn the_new_versions_warm_up_minute_is_left_out_of_latency_and_said() {
    // Identical versions, but the new one's first minute is its warm-up: a fifth of its
    // invocations over the threshold, p99 three times the current one's.
    let old = with_slow(
        series("6", &steady(12, 540.0, 5.0, 50.0, 200.0)),
        220.0,
        0.01,
    );
    let mut new = with_slow(
        series("7", &steady(12, 60.0, 1.0, 50.0, 200.0)),
        220.0,
        0.01,
    );
    new.points[0].slow = Some(12.0);
    new.points[0].duration_p99_ms = Some(600.0);
    new.points[0].errors = Some(6.0);
    let since = Some(start());
    let v = crate::domain::verdict::judge(&old, &new, since, &VerdictThresholds::default());
    let p99 = metric(&v, MetricKind::DurationP99);
    assert_ne!(p99.judgement, Judgement::Fail, "{}", p99.reason);
    assert!(
        p99.reason.contains("of 11 minutes after 1 min of warm-up"),
        "{}",
        p99.reason
    );
    assert_eq!(p99.numbers.new_count, Some(11), "{}", p99.reason);
    assert_eq!(v.warmup_minutes, 1);
    assert_eq!(
        v.window(),
        "since the shift, 12 min, latency after 1 min of warm-up"
    );
    // Errors count from the first minute: its six errors are in.
    let errors = metric(&v, MetricKind::ErrorRate);
    assert_eq!(errors.numbers.new_count, Some(17), "{}", errors.reason);
    assert_eq!(p99.numbers.evidence_minute, None, "{}", p99.reason);
    // Without the warm-up left out, that one minute is evidence for good: any later minute
    // whose p99 is over the tolerance by chance would fail the canary.
    let all = VerdictThresholds {
        warmup_minutes: 0,
        ..VerdictThresholds::default()
    };
    let v = crate::domain::verdict::judge(&old, &new, since, &all);
    let p99 = metric(&v, MetricKind::DurationP99);
    assert_eq!(p99.numbers.evidence_minute, Some(1), "{}", p99.reason);
    assert_eq!(v.window(), "since the shift, 12 min");
    // Without a shift known there is no warm-up to leave out.
    let v = crate::domain::verdict::judge(&old, &new, None, &VerdictThresholds::default());
    assert_eq!(v.warmup_minutes, 0);
}

#[test]
fn the_threshold_is_the_current_versions_median_p99_before_the_deployment() {
    let old = series("6", &steady(9, 500.0, 0.0, 50.0, 200.0));
    let created = start() + Duration::minutes(6);
    // Minutes 0..6 are before the deployment; p99 ≈ 200 ms ± 5%.
    let t = crate::domain::slow_threshold(&old, created).expect("threshold");
    assert!((190.0..=210.0).contains(&t), "{t}");
    assert!((t - t.ceil()).abs() < f64::EPSILON);
    // Fewer than three minutes before it: no threshold.
    assert_eq!(
        crate::domain::slow_threshold(&old, start() + Duration::minutes(2)),
        None
    );
}

#[test]
fn p99_doubling_with_flat_errors_fails_on_p99_with_the_numbers() {
    let v = verdict(
        &steady(15, 900.0, 1.0, 120.0, 400.0),
        &steady(15, 100.0, 0.0, 121.0, 800.0),
    );
    let p99 = metric(&v, MetricKind::DurationP99);
    assert_eq!(p99.judgement, Judgement::Fail);
    assert!(
        p99.reason
            .starts_with("p99 796 ms vs 398 ms (×2.0), worse in 15 of 15 minutes, p < 0.001"),
        "{}",
        p99.reason
    );
    // 15 minutes each without ties: the exact distribution; only one arrangement is as
    // extreme, so p = 1 / C(30, 15).
    assert_eq!(p99.numbers.test, Some(TestMethod::MannWhitneyExact));
    let p = p99.numbers.p_value.expect("p");
    assert!((p - 1.0 / 155_117_520.0).abs() < 1e-15, "{p}");
    assert_eq!(
        (p99.numbers.minutes, p99.numbers.worse_minutes),
        (15, Some(15))
    );
    assert_eq!(metric(&v, MetricKind::ErrorRate).judgement, Judgement::Pass);
    assert_eq!(
        metric(&v, MetricKind::DurationP50).judgement,
        Judgement::Pass
    );
    assert_eq!(v.overall, Judgement::Fail);
    assert!(
        v.headline().starts_with("FAIL p99 796 ms vs 398 ms"),
        "{}",
        v.headline()
    );
    assert_eq!(
        (v.minutes, v.old_version.as_str(), v.new_version.as_str()),
        (15, "6", "7")
    );
}

#[test]
fn calm_canary_passes_every_metric() {
    let v = verdict(
        &steady(15, 900.0, 1.0, 120.0, 400.0),
        &steady(15, 100.0, 0.0, 120.0, 400.0),
    );
    for m in &v.metrics {
        assert_eq!(m.judgement, Judgement::Pass, "{:?}: {}", m.metric, m.reason);
    }
    assert_eq!(v.overall, Judgement::Pass);
    assert_eq!(v.headline(), "pass");
    assert_eq!(
        metric(&v, MetricKind::Throttles).reason,
        "no throttles on either version"
    );
}

#[test]
fn twenty_invocations_is_not_enough_data_never_fail() {
    // 20 invocations, half of them errors, twice as slow: still too little to judge.
    let new: Vec<M> = (0..10).map(|_| M(2.0, 1.0, 0.0, 300.0, 900.0)).collect();
    let v = verdict(&steady(10, 900.0, 1.0, 120.0, 400.0), &new);
    for m in &v.metrics {
        assert_eq!(
            m.judgement,
            Judgement::NotEnoughData,
            "{:?}: {}",
            m.metric,
            m.reason
        );
    }
    assert_eq!(v.overall, Judgement::NotEnoughData);
    assert_eq!(
        metric(&v, MetricKind::ErrorRate).reason,
        "only 20 invocations on version 7 in 10 minutes (needs 100)"
    );
}

#[test]
fn five_percent_errors_against_a_tenth_of_a_percent_fails_on_error_rate() {
    let v = verdict(
        &steady(15, 1000.0, 1.0, 120.0, 400.0),
        &steady(15, 100.0, 5.0, 120.0, 400.0),
    );
    let errors = metric(&v, MetricKind::ErrorRate);
    assert_eq!(errors.judgement, Judgement::Fail);
    assert_eq!(
        errors.reason,
        "errors 5.0% vs 0.10% (×50), 75 of 1,500 vs 15 of 15,000 invocations, p < 0.001"
    );
    assert!(errors.numbers.p_value.is_some_and(|p| p < 1e-10));
    assert_eq!(v.overall, Judgement::Fail);
}

#[test]
fn three_percent_slower_is_within_tolerance() {
    // An hour of minutes: the difference is certain, but small.
    let old = steady(60, 900.0, 1.0, 120.0, 400.0);
    let new: Vec<M> = old
        .iter()
        .map(|m| M(100.0, 0.0, 0.0, m.3 * 1.03, m.4 * 1.03))
        .collect();
    let v = verdict(&old, &new);
    let p99 = metric(&v, MetricKind::DurationP99);
    assert_eq!(p99.judgement, Judgement::Pass, "{}", p99.reason);
    assert!(p99.reason.contains("(×1.03)"), "{}", p99.reason);
    assert_eq!(v.overall, Judgement::Pass);
}

#[test]
fn slower_but_unproven_is_marginal() {
    let old: Vec<M> = [400.0, 420.0, 380.0, 410.0, 390.0]
        .iter()
        .map(|p| M(900.0, 0.0, 0.0, 100.0, *p))
        .collect();
    let new: Vec<M> = [300.0, 900.0, 350.0, 950.0, 600.0]
        .iter()
        .map(|p| M(100.0, 0.0, 0.0, 100.0, *p))
        .collect();
    let v = verdict(&old, &new);
    let p99 = metric(&v, MetricKind::DurationP99);
    assert_eq!(p99.judgement, Judgement::Marginal);
    assert_eq!(
        p99.reason,
        "p99 600 ms vs 400 ms (×1.50), worse in 3 of 5 minutes, p = 0.345, not significant yet"
    );
    assert_eq!(v.overall, Judgement::Marginal);
}

#[test]
fn throttles_only_on_the_new_version_are_flagged() {
    let mut new = steady(15, 100.0, 0.0, 120.0, 400.0);
    new[3].2 = 4.0;
    let v = verdict(&steady(15, 900.0, 1.0, 120.0, 400.0), &new);
    let throttles = metric(&v, MetricKind::Throttles);
    assert_eq!(throttles.judgement, Judgement::Fail);
    assert_eq!(
        throttles.reason,
        "4 throttles on version 7 (0.27% of requests), none on version 6"
    );
    // Not critical by default: shown, but the canary as a whole passes.
    assert!(!throttles.critical);
    assert_eq!(v.overall, Judgement::Pass);
    let strict = VerdictThresholds {
        critical: vec![MetricKind::ErrorRate, MetricKind::Throttles],
        ..VerdictThresholds::default()
    };
    let v = judge(
        &series("6", &steady(15, 900.0, 1.0, 120.0, 400.0)),
        &series("7", &new),
        None,
        &strict,
    );
    assert_eq!(v.overall, Judgement::Fail);
}

#[test]
fn overall_is_the_worst_critical_metric() {
    // p50 doubles, p99 does not.
    let v_old = steady(15, 900.0, 1.0, 120.0, 400.0);
    let v_new = steady(15, 100.0, 0.0, 240.0, 400.0);
    let only_p99 = VerdictThresholds {
        critical: vec![MetricKind::ErrorRate, MetricKind::DurationP99],
        ..VerdictThresholds::default()
    };
    let v = judge(&series("6", &v_old), &series("7", &v_new), None, &only_p99);
    assert_eq!(
        metric(&v, MetricKind::DurationP50).judgement,
        Judgement::Fail
    );
    assert_eq!(v.overall, Judgement::Pass);
    let v = verdict(&v_old, &v_new);
    assert_eq!(v.overall, Judgement::Fail);
    assert_eq!(
        v.deciding().map(|m| m.metric),
        Some(MetricKind::DurationP50)
    );
    // Not enough minutes for latency while errors pass: not yet a pass.
    let v = verdict(
        &steady(3, 900.0, 1.0, 120.0, 400.0),
        &steady(3, 100.0, 0.0, 120.0, 400.0),
    );
    assert_eq!(metric(&v, MetricKind::ErrorRate).judgement, Judgement::Pass);
    assert_eq!(
        metric(&v, MetricKind::DurationP99).reason,
        "p99 known in only 3 minutes with traffic on both versions (needs 5)"
    );
    assert_eq!(v.overall, Judgement::NotEnoughData);
}

#[test]
fn only_minutes_with_traffic_on_both_versions_since_the_shift_count() {
    // Minutes 0-4 are before the shift and terrible; in minutes 5-9 the old version is idle.
    // The shift began at 02:05:20: the minute 02:05 counts (both versions served in it).
    let mut new = steady(25, 100.0, 0.0, 120.0, 400.0);
    let mut old = steady(25, 900.0, 1.0, 120.0, 400.0);
    for m in new.iter_mut().take(5) {
        *m = M(100.0, 100.0, 0.0, 5000.0, 9000.0);
    }
    for m in old.iter_mut().skip(5).take(5) {
        *m = M(0.0, 0.0, 0.0, 0.0, 0.0);
    }
    let v = judge(
        &series("6", &old),
        &series("7", &new),
        Some(start() + Duration::seconds(320)),
        &VerdictThresholds::default(),
    );
    assert_eq!(v.minutes, 15);
    assert_eq!(v.overall, Judgement::Pass, "{}", v.headline());
}

#[test]
fn no_minutes_in_common_is_not_enough_data() {
    let v = verdict(&[], &steady(10, 100.0, 0.0, 120.0, 400.0));
    assert_eq!(v.overall, Judgement::NotEnoughData);
    assert_eq!(v.minutes, 0);
    assert_eq!(
        metric(&v, MetricKind::ErrorRate).reason,
        "no minute with traffic on both versions yet"
    );
}

#[test]
fn garbage_data_never_panics_nor_produces_nan() {
    let weird = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -5.0,
        -0.0,
        0.0,
        1e300,
        7.0,
    ];
    let minutes = |shift: usize| -> Vec<M> {
        (0..40)
            .map(|i| {
                let w = |k: usize| weird[(i * 7 + k + shift) % weird.len()];
                M(w(0).abs().min(1e12) + 200.0, w(1), w(2), w(3), w(4))
            })
            .collect()
    };
    let mut new = series("7", &minutes(1));
    new.points.reverse(); // unsorted
    let dup = new.points[0].clone();
    new.points.push(dup); // a repeated minute
    new.points[1].invocations = None;
    for (old, new) in [
        (series("6", &minutes(0)), new.clone()),
        (
            series("6", &[M(5.0, 9.0, 0.0, 0.0, 0.0); 30]),
            series("7", &[M(5.0, 0.0, 0.0, 0.0, 0.0); 30]),
        ),
    ] {
        let v = judge(&old, &new, None, &VerdictThresholds::default());
        for m in &v.metrics {
            let n = &m.numbers;
            for x in [n.new_value, n.old_value, n.ratio, n.p_value]
                .into_iter()
                .flatten()
            {
                assert!(x.is_finite(), "{:?}: {x}", m.metric);
            }
            assert!(n.p_value.is_none_or(|p| (0.0..=1.0).contains(&p)));
            assert!(
                !m.reason.contains("NaN") && !m.reason.contains("inf"),
                "{}",
                m.reason
            );
        }
        assert!(serde_json::to_string(&v).is_ok());
    }
}

#[test]
fn nonsense_thresholds_fall_back_to_defaults() {
    let t = VerdictThresholds {
        confidence: f64::NAN,
        tolerance: -3.0,
        min_minutes: 0,
        ..VerdictThresholds::default()
    };
    let v = judge(
        &series("6", &steady(15, 900.0, 1.0, 120.0, 400.0)),
        &series("7", &steady(15, 100.0, 0.0, 121.0, 800.0)),
        None,
        &t,
    );
    assert_eq!(
        metric(&v, MetricKind::DurationP99).judgement,
        Judgement::Fail
    );
    assert_eq!(
        metric(&v, MetricKind::DurationP50).judgement,
        Judgement::Pass
    );
}

#[test]
fn throttles_on_both_versions_compare_their_shares() {
    let mut old = steady(15, 900.0, 1.0, 120.0, 400.0);
    let mut new = steady(15, 100.0, 0.0, 120.0, 400.0);
    for m in &mut old {
        m.2 = 9.0; // 1% of requests
    }
    for m in &mut new {
        m.2 = 10.0; // 9.1% of requests
    }
    let v = verdict(&old, &new);
    let throttles = metric(&v, MetricKind::Throttles);
    assert_eq!(throttles.judgement, Judgement::Fail);
    assert!(
        throttles.reason.starts_with(
            "throttles 9.1% vs 0.99% (×9.2), 150 of 1,650 vs 135 of 13,635 requests, p < 0.001"
        ),
        "{}",
        throttles.reason
    );
}

/// A business `Sum` judged per minute (the default `kind`) is compared per invocation: a 10%
/// canary placing as many orders per request as the current version is not "9× lower", and
/// one placing far fewer per request fails.
#[test]
fn a_business_sum_per_minute_is_compared_per_invocation_of_each_version() {
    let orders: crate::domain::verdict::BusinessMetric = toml::from_str(
        r#"
        name = "orders placed"
        namespace = "Shop"
        metric_name = "OrdersPlaced"
        worse = "lower"
        "#,
    )
    .expect("metric");
    let with_orders = |version: &str, inv: f64, per_invocation: f64| {
        let mut s = series(version, &steady(20, inv, 0.0, 100.0, 200.0));
        for (i, p) in s.points.iter_mut().enumerate() {
            p.business = vec![Some(inv * per_invocation * (1.0 + 0.05 * jitter(i)))];
        }
        s
    };
    let thresholds = VerdictThresholds {
        business: vec![orders],
        ..VerdictThresholds::default()
    };
    let judged = |new_rate: f64| {
        let v = judge(
            &with_orders("6", 900.0, 0.5),
            &with_orders("7", 100.0, new_rate),
            Some(start()),
            &thresholds,
        );
        metric(&v, MetricKind::Business).judgement
    };
    assert_ne!(judged(0.5), Judgement::Fail, "same orders per request");
    assert_eq!(judged(0.2), Judgement::Fail, "far fewer orders per request");
}
