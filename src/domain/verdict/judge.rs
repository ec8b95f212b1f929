//! The rule for each metric, and its reason in words. Every rule first checks the traffic: the
//! new version needs `min_invocations` and the current one `min_baseline_invocations` over the
//! compared minutes (latency also needs `min_minutes` minutes with a value on both), otherwise
//! the metric is NotEnoughData. Then: within the tolerance → Pass; beyond it with p below
//! `alpha` (`1 − confidence` shared among the critical metrics, see
//! [`VerdictThresholds::alpha`]) → Fail; beyond it without that evidence → Marginal. For error and throttle
//! rates the tolerance is `old · (1 + tolerance) + error_rate_margin_pct` (percent); for
//! latencies it is a ratio of medians above `1 + tolerance`.

use super::mann_whitney::{UMethod, mann_whitney_u_sorted};
use super::power::Aims;
use super::samples::{Minute, Paired};
use super::sequential::{self, Evidence, Mixture, RateMinute};
use super::stats::{self, Alternative, ProportionMethod};
use super::{
    BusinessMetric, Judgement, MetricKind, MetricNumbers, MetricVerdict, TestKind, TestMethod,
    VerdictThresholds, Worse,
};

/// The two versions' names, for reasons.
pub(crate) struct Names<'a> {
    pub old: &'a str,
    pub new: &'a str,
}

type Outcome = (Judgement, String, MetricNumbers);

/// The verdict of one metric.
pub(crate) fn metric(
    kind: MetricKind,
    paired: &Paired,
    names: &Names<'_>,
    t: &VerdictThresholds,
    aims: &Aims,
) -> MetricVerdict {
    let (judgement, reason, numbers) = match kind {
        MetricKind::ErrorRate => error_rate(paired, names, t, aims.errors),
        MetricKind::DurationP99 => latency(kind, paired, names, t, aims.slow, |m| m.p99),
        MetricKind::DurationP50 => latency(kind, paired, names, t, aims.slow, |m| m.p50),
        MetricKind::Throttles => throttles(paired, names, t),
        MetricKind::Business => (
            Judgement::NotEnoughData,
            "a business metric is judged per [[verdict.metric]] entry".to_string(),
            MetricNumbers::default(),
        ),
    };
    MetricVerdict {
        metric: kind,
        judgement,
        critical: t.is_critical(kind),
        reason,
        numbers,
        business: None,
    }
}

/// The verdict of the `index`-th business metric of `t`.
pub(crate) fn business(
    index: usize,
    metric: &BusinessMetric,
    paired: &Paired,
    names: &Names<'_>,
    t: &VerdictThresholds,
) -> MetricVerdict {
    let (judgement, reason, numbers) = if metric.is_count() {
        business_count(index, metric, paired, names, t)
    } else {
        business_values(index, metric, paired, names, t)
    };
    MetricVerdict {
        metric: MetricKind::Business,
        judgement,
        critical: metric.critical,
        reason,
        numbers,
        business: Some(metric.name.clone()),
    }
}

/// `kind = "count"`: events (at most one per invocation) tested like the error rate (no
/// absolute margin).
fn business_count(
    index: usize,
    metric: &BusinessMetric,
    paired: &Paired,
    names: &Names<'_>,
    t: &VerdictThresholds,
) -> Outcome {
    let events = |m: &Minute, values: &[Option<f64>]| {
        let v = values
            .get(index)
            .copied()
            .flatten()
            .filter(|v| v.is_finite() && *v > 0.0);
        (v.map_or(0, |v| v.round() as u64), m.invocations)
    };
    let minutes: Vec<RateMinute> = paired
        .new
        .iter()
        .zip(&paired.old)
        .zip(paired.business_new.iter().zip(&paired.business_old))
        .map(|((n, o), (bn, bo))| {
            let ((new_events, new_total), (old_events, old_total)) = (events(n, bn), events(o, bo));
            RateMinute {
                new_events,
                new_total,
                old_events,
                old_total,
            }
        })
        .collect();
    let sum = |f: fn(&RateMinute) -> u64| minutes.iter().map(f).fold(0u64, u64::saturating_add);
    let (new_ev, new_inv) = (sum(|m| m.new_events), sum(|m| m.new_total));
    let (old_ev, old_inv) = (sum(|m| m.old_events), sum(|m| m.old_total));
    let numbers = MetricNumbers {
        minutes: paired.minutes(),
        new_invocations: new_inv,
        old_invocations: old_inv,
        new_count: Some(new_ev),
        old_count: Some(old_ev),
        ..MetricNumbers::default()
    };
    if let Some(why) = traffic_gate("invocations", new_inv, old_inv, paired.minutes(), names, t) {
        return (Judgement::NotEnoughData, why, numbers);
    }
    let counts = Counts {
        what: &metric.name,
        of: "invocations",
        new: (new_ev, new_inv),
        old: (old_ev, old_inv),
        minutes,
        margin_pct: 0.0,
        worse: metric.worse,
        mixture: Mixture::wide(t.null_ratio()),
        alpha: t.alpha_for_business(),
    };
    compare_rates(&counts, numbers, t)
}

/// Any other statistic: one value a minute per version, compared like a latency.
fn business_values(
    index: usize,
    metric: &BusinessMetric,
    paired: &Paired,
    names: &Names<'_>,
    t: &VerdictThresholds,
) -> Outcome {
    // A sum (or a count of samples) grows with the version's share of the traffic: compare it
    // per invocation, so that a 10% canary is not "9× lower" for that reason alone.
    let per_invocation = matches!(metric.statistic.as_str(), "Sum" | "SampleCount");
    let value = |values: &[Option<f64>], minute: &Minute| {
        let v = values
            .get(index)
            .copied()
            .flatten()
            .filter(|v| v.is_finite())?;
        if per_invocation {
            (minute.invocations > 0).then(|| v / minute.invocations as f64)
        } else {
            Some(v)
        }
    };
    let (mut new, mut old): (Vec<f64>, Vec<f64>) = paired
        .business_new
        .iter()
        .zip(&paired.new)
        .zip(paired.business_old.iter().zip(&paired.old))
        .filter_map(|((n, nm), (o, om))| Some((value(n, nm)?, value(o, om)?)))
        .unzip();
    let lower = metric.worse == Worse::Lower;
    let minutes = new.len();
    let worse = new
        .iter()
        .zip(&old)
        .filter(|(n, o)| if lower { n < o } else { n > o })
        .count();
    let mut numbers = match per_minute_numbers(
        &metric.name,
        "on both versions",
        (minutes, worse),
        paired,
        names,
        t,
    ) {
        Ok(numbers) => numbers,
        Err(not_enough) => return *not_enough,
    };
    new.sort_by(f64::total_cmp);
    old.sort_by(f64::total_cmp);
    let (new_med, old_med) = (median(&new), median(&old));
    let (worse_side, better_side) = if lower { (&old, &new) } else { (&new, &old) };
    let test = mann_whitney_u_sorted(worse_side, better_side, Alternative::Greater, UMethod::Auto);
    let p = test.map_or(1.0, |u| u.p_value);
    let alpha = t.alpha_for_business();
    let evidence = look_evidence(&mut numbers, p, (minutes, alpha), t, test.map(|u| u.method));
    let ratio = (old_med.abs() > 0.0)
        .then(|| new_med / old_med)
        .filter(|r| r.is_finite());
    numbers.new_value = Some(new_med);
    numbers.old_value = Some(old_med);
    numbers.ratio = ratio;
    numbers.p_value = Some(p);
    let beyond = if lower {
        new_med < old_med / (1.0 + t.tolerance)
    } else {
        new_med > old_med * (1.0 + t.tolerance)
    };
    let judgement = decide(beyond, evidence);
    let reason = format!(
        "{} {} vs {}{}, worse in {} of {}, {}{}",
        metric.name,
        figure(new_med),
        figure(old_med),
        ratio
            .map(|r| format!(" ({})", times(r)))
            .unwrap_or_default(),
        worse,
        minutes_label(minutes),
        evidence_text(&numbers, p),
        qualifier(judgement, evidence),
    );
    (judgement, reason, numbers)
}

/// The numbers of a per-minute comparison (`minutes` compared, `worse` of them worse), or
/// NotEnoughData while the traffic or the minutes (known `where_`) are too few.
fn per_minute_numbers(
    label: &str,
    where_: &str,
    (minutes, worse): (usize, usize),
    paired: &Paired,
    names: &Names<'_>,
    t: &VerdictThresholds,
) -> Result<MetricNumbers, Box<Outcome>> {
    let (new_inv, _, _) = Paired::totals(&paired.new);
    let (old_inv, _, _) = Paired::totals(&paired.old);
    let numbers = MetricNumbers {
        minutes,
        worse_minutes: Some(worse),
        new_invocations: new_inv,
        old_invocations: old_inv,
        ..MetricNumbers::default()
    };
    if let Some(why) = traffic_gate("invocations", new_inv, old_inv, paired.minutes(), names, t) {
        return Err(Box::new((Judgement::NotEnoughData, why, numbers)));
    }
    // The warm-up's minutes count as minutes with traffic on both versions: a 5-minute canary
    // has its 5, latency judged on the 4 after the warm-up.
    let known = minutes + paired.warmup;
    if known < t.min_minutes {
        let why = format!(
            "{label} known in only {} {where_} (needs {})",
            minutes_label(known),
            t.min_minutes
        );
        return Err(Box::new((Judgement::NotEnoughData, why, numbers)));
    }
    Ok(numbers)
}

/// A per-minute value, to three significant figures.
fn figure(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Evidence of a one-look p-value: the fixed-sample test's `p < α`, or the sequential rank
/// test's share of α for this look (look `k` needs `p < α / (k(k+1))`; the shares sum to α
/// over every look there will ever be).
fn look_evidence(
    numbers: &mut MetricNumbers,
    p: f64,
    (minutes, alpha): (usize, f64),
    t: &VerdictThresholds,
    method: Option<UMethod>,
) -> bool {
    match t.test {
        TestKind::Sequential => {
            let look = (minutes + 1).saturating_sub(t.min_minutes).max(1);
            let needed = alpha / (look as f64 * (look as f64 + 1.0));
            numbers.test = Some(TestMethod::SequentialRank);
            numbers.evidence = Some(1.0 / p.max(f64::MIN_POSITIVE));
            numbers.evidence_needed = Some(1.0 / needed);
            numbers.evidence_minute = (p < needed).then_some(minutes);
            p < needed
        }
        TestKind::FixedSample => {
            numbers.test = method.map(|m| match m {
                UMethod::Exact => TestMethod::MannWhitneyExact,
                _ => TestMethod::MannWhitneyAsymptotic,
            });
            p < alpha
        }
    }
}

/// Why there is not enough traffic to judge, if so.
fn traffic_gate(
    unit: &str,
    new: u64,
    old: u64,
    minutes: usize,
    names: &Names<'_>,
    t: &VerdictThresholds,
) -> Option<String> {
    if minutes == 0 {
        Some("no minute with traffic on both versions yet".to_string())
    } else if new < t.min_invocations {
        Some(format!(
            "only {} {unit} on version {} in {} (needs {})",
            count(new),
            names.new,
            minutes_label(minutes),
            count(t.min_invocations)
        ))
    } else if old < t.min_baseline_invocations {
        Some(format!(
            "only {} {unit} on the current version {} in {} (needs {})",
            count(old),
            names.old,
            minutes_label(minutes),
            count(t.min_baseline_invocations)
        ))
    } else {
        None
    }
}

fn error_rate(
    paired: &Paired,
    names: &Names<'_>,
    t: &VerdictThresholds,
    mixture: Mixture,
) -> Outcome {
    let (new_inv, new_err, _) = Paired::totals(&paired.new);
    let (old_inv, old_err, _) = Paired::totals(&paired.old);
    let numbers = MetricNumbers {
        minutes: paired.minutes(),
        new_invocations: new_inv,
        old_invocations: old_inv,
        new_count: Some(new_err),
        old_count: Some(old_err),
        ..MetricNumbers::default()
    };
    if let Some(why) = traffic_gate("invocations", new_inv, old_inv, paired.minutes(), names, t) {
        return (Judgement::NotEnoughData, why, numbers);
    }
    let counts = Counts {
        what: "errors",
        of: "invocations",
        new: (new_err, new_inv),
        old: (old_err, old_inv),
        margin_pct: t.error_rate_margin_pct,
        worse: Worse::Higher,
        mixture,
        alpha: t.alpha_for(MetricKind::ErrorRate),
        minutes: paired
            .new
            .iter()
            .zip(&paired.old)
            .map(|(n, o)| RateMinute {
                new_events: n.errors,
                new_total: n.invocations,
                old_events: o.errors,
                old_total: o.invocations,
            })
            .collect(),
    };
    compare_rates(&counts, numbers, t)
}

fn throttles(paired: &Paired, names: &Names<'_>, t: &VerdictThresholds) -> Outcome {
    let (new_inv, _, new_thr) = Paired::totals(&paired.new);
    let (old_inv, _, old_thr) = Paired::totals(&paired.old);
    let (new_req, old_req) = (
        new_inv.saturating_add(new_thr),
        old_inv.saturating_add(old_thr),
    );
    let mut numbers = MetricNumbers {
        minutes: paired.minutes(),
        new_invocations: new_inv,
        old_invocations: old_inv,
        new_count: Some(new_thr),
        old_count: Some(old_thr),
        ..MetricNumbers::default()
    };
    if let Some(why) = traffic_gate("requests", new_req, old_req, paired.minutes(), names, t) {
        return (Judgement::NotEnoughData, why, numbers);
    }
    numbers.new_value = Some(percent(new_thr, new_req));
    numbers.old_value = Some(percent(old_thr, old_req));
    if new_thr == 0 {
        let reason = if old_thr == 0 {
            "no throttles on either version".to_string()
        } else {
            format!(
                "no throttles on version {} ({} on version {})",
                names.new,
                count(old_thr),
                names.old
            )
        };
        return (Judgement::Pass, reason, numbers);
    }
    if old_thr == 0 {
        let reason = format!(
            "{} throttles on version {} ({} of requests), none on version {}",
            count(new_thr),
            names.new,
            pct(percent(new_thr, new_req)),
            names.old
        );
        return (Judgement::Fail, reason, numbers);
    }
    let counts = Counts {
        what: "throttles",
        of: "requests",
        new: (new_thr, new_req),
        old: (old_thr, old_req),
        margin_pct: t.error_rate_margin_pct,
        worse: Worse::Higher,
        mixture: Mixture::wide(t.null_ratio()),
        alpha: t.alpha_for(MetricKind::Throttles),
        minutes: paired
            .new
            .iter()
            .zip(&paired.old)
            .map(|(n, o)| RateMinute {
                new_events: n.throttles,
                new_total: n.invocations.saturating_add(n.throttles),
                old_events: o.throttles,
                old_total: o.invocations.saturating_add(o.throttles),
            })
            .collect(),
    };
    compare_rates(&counts, numbers, t)
}

/// Events out of a total on each version: `(events, total)`, and minute by minute.
struct Counts<'a> {
    what: &'a str,
    of: &'static str,
    new: (u64, u64),
    old: (u64, u64),
    minutes: Vec<RateMinute>,
    /// Percentage points always accepted on top of the relative tolerance.
    margin_pct: f64,
    worse: Worse,
    /// What the anytime-valid test is aimed at, and the α it may spend.
    mixture: Mixture,
    alpha: f64,
}

/// The new version's rate against the current one's: anytime-valid evidence (the default) or
/// one-sided Fisher's exact test.
fn compare_rates(c: &Counts<'_>, mut numbers: MetricNumbers, t: &VerdictThresholds) -> Outcome {
    let (new_rate, old_rate) = (percent(c.new.0, c.new.1), percent(c.old.0, c.old.1));
    // "Lower is worse" is the same test with the versions' roles swapped.
    let lower = c.worse == Worse::Lower;
    let (test_new, test_old) = if lower {
        (c.old, c.new)
    } else {
        (c.new, c.old)
    };
    let minutes: Vec<RateMinute> = if lower {
        c.minutes.iter().map(|m| m.swapped()).collect()
    } else {
        c.minutes.clone()
    };
    let (p, evidence) = match t.test {
        TestKind::Sequential => {
            let e = sequential::rate(&minutes, c.mixture, 1.0 / c.alpha);
            numbers.test = Some(TestMethod::SequentialRate);
            with_evidence(&mut numbers, e, c.alpha);
            (e.p_value(), e.reached_at.is_some())
        }
        TestKind::FixedSample => {
            let table = [
                [test_new.0, test_new.1.saturating_sub(test_new.0)],
                [test_old.0, test_old.1.saturating_sub(test_old.0)],
            ];
            let (p, method) = stats::proportion_test(table, Alternative::Greater);
            numbers.test = Some(match method {
                ProportionMethod::FisherExact => TestMethod::FisherExact,
                ProportionMethod::ZTest => TestMethod::ProportionZTest,
            });
            (p, p < c.alpha)
        }
    };
    let ratio = (old_rate > 0.0)
        .then(|| new_rate / old_rate)
        .filter(|r| r.is_finite());
    numbers.new_value = Some(new_rate);
    numbers.old_value = Some(old_rate);
    numbers.ratio = ratio;
    numbers.p_value = Some(p);
    let beyond = if lower {
        new_rate < old_rate / (1.0 + t.tolerance) - c.margin_pct
    } else {
        new_rate > old_rate * (1.0 + t.tolerance) + c.margin_pct
    };
    let judgement = decide(beyond, evidence);
    let reason = format!(
        "{} {} vs {}{}, {} of {} vs {} of {} {}, {}{}",
        c.what,
        pct(new_rate),
        pct(old_rate),
        ratio
            .map(|r| format!(" ({})", times(r)))
            .unwrap_or_default(),
        count(c.new.0),
        count(c.new.1),
        count(c.old.0),
        count(c.old.1),
        c.of,
        evidence_text(&numbers, p),
        qualifier(judgement, evidence),
    );
    (judgement, reason, numbers)
}

/// Records a sequential test's evidence in `numbers`.
fn with_evidence(numbers: &mut MetricNumbers, e: Evidence, alpha: f64) {
    numbers.evidence = Some(e.max);
    numbers.evidence_needed = Some(1.0 / alpha);
    numbers.evidence_minute = e.reached_at;
}

/// "evidence 1/α reached at minute 7 (p = 0.004, anytime)", "evidence ×3.1 of ×60 needed",
/// "p = 0.003 (this look needs p < 0.00093)", or a fixed-sample p-value.
fn evidence_text(numbers: &MetricNumbers, p: f64) -> String {
    if numbers.test == Some(TestMethod::SequentialRank) {
        let needed = numbers.evidence_needed.map_or(0.0, |n| 1.0 / n);
        return if numbers.evidence_minute.is_some() {
            format!(
                "{} below the {needed:.5} this look needs (anytime)",
                p_text(p)
            )
        } else {
            format!("{} (this look needs p < {needed:.5})", p_text(p))
        };
    }
    match (
        numbers.evidence,
        numbers.evidence_needed,
        numbers.evidence_minute,
    ) {
        (Some(_), Some(_), Some(minute)) => {
            format!(
                "evidence 1/α reached at minute {minute} ({}, anytime)",
                p_text(p)
            )
        }
        (Some(e), Some(needed), None) => {
            format!("evidence {} of {} needed", times(e.max(0.0)), times(needed))
        }
        _ => p_text(p),
    }
}

fn latency(
    kind: MetricKind,
    paired: &Paired,
    names: &Names<'_>,
    t: &VerdictThresholds,
    slow_mixture: Mixture,
    pick: fn(&Minute) -> Option<f64>,
) -> Outcome {
    let (mut new, mut old) = paired.latency(pick);
    let minutes = new.len();
    let worse = new.iter().zip(&old).filter(|(n, o)| n > o).count();
    let mut numbers = match per_minute_numbers(
        kind.label(),
        "with traffic on both versions",
        (minutes, worse),
        paired,
        names,
        t,
    ) {
        Ok(numbers) => numbers,
        Err(not_enough) => return *not_enough,
    };
    sort_non_negative(&mut new);
    sort_non_negative(&mut old);
    let (new_med, old_med) = (median(&new), median(&old));
    let test = mann_whitney_u_sorted(&new, &old, Alternative::Greater, UMethod::Auto);
    let mut p = test.map_or(1.0, |u| u.p_value);
    let slow = paired.slow_minutes();
    let quantile = paired
        .slow_above_ms
        .filter(|_| kind == MetricKind::DurationP99 && !slow.is_empty());
    let mut slow_text = String::new();
    let evidence = match (t.test, quantile) {
        (TestKind::Sequential, Some(threshold)) => {
            // The share of invocations slower than a threshold fixed before the deployment
            // is a rate like the error rate, and gets the same anytime-valid test: every
            // invocation counts, not one percentile a minute.
            let alpha = t.alpha_for(kind);
            let e = sequential::rate(&slow, slow_mixture, 1.0 / alpha);
            let (new_slow, new_n, old_slow, old_n) =
                slow.iter().fold((0u64, 0u64, 0u64, 0u64), |a, m| {
                    (
                        a.0.saturating_add(m.new_events),
                        a.1.saturating_add(m.new_total),
                        a.2.saturating_add(m.old_events),
                        a.3.saturating_add(m.old_total),
                    )
                });
            slow_text = format!(
                ", {} vs {} over {}",
                pct(percent(new_slow, new_n)),
                pct(percent(old_slow, old_n)),
                ms(threshold)
            );
            numbers.test = Some(TestMethod::SequentialQuantile);
            numbers.threshold_ms = Some(threshold);
            numbers.new_count = Some(new_slow);
            numbers.old_count = Some(old_slow);
            with_evidence(&mut numbers, e, alpha);
            p = e.p_value();
            e.reached_at.is_some()
        }
        (_, _) => look_evidence(
            &mut numbers,
            p,
            (minutes, t.alpha_for(kind)),
            t,
            test.map(|u| u.method),
        ),
    };
    let ratio = (old_med > 0.0)
        .then(|| new_med / old_med)
        .filter(|r| r.is_finite());
    numbers.new_value = Some(new_med);
    numbers.old_value = Some(old_med);
    numbers.ratio = ratio;
    numbers.p_value = Some(p);
    let beyond = ratio.map_or(new_med > old_med, |r| r > 1.0 + t.tolerance);
    let judgement = decide(beyond, evidence);
    let warmup = match paired.warmup {
        0 => String::new(),
        w => format!(" after {w} min of warm-up"),
    };
    let reason = format!(
        "{} {} vs {}{}, worse in {} of {}{warmup}{slow_text}, {}{}",
        kind.label(),
        ms(new_med),
        ms(old_med),
        ratio
            .map(|r| format!(" ({})", times(r)))
            .unwrap_or_default(),
        worse,
        minutes_label(minutes),
        evidence_text(&numbers, p),
        qualifier(judgement, evidence),
    );
    (judgement, reason, numbers)
}

/// Size and evidence → Fail; size alone → Marginal; within the tolerance → Pass.
fn decide(beyond_tolerance: bool, evidence: bool) -> Judgement {
    match (beyond_tolerance, evidence) {
        (true, true) => Judgement::Fail,
        (true, false) => Judgement::Marginal,
        (false, _) => Judgement::Pass,
    }
}

/// A word on why a difference is not a failure.
fn qualifier(judgement: Judgement, evidence: bool) -> &'static str {
    match (judgement, evidence) {
        (Judgement::Marginal, _) => ", not significant yet",
        (Judgement::Pass, true) => ", within tolerance",
        _ => "",
    }
}

/// Sort finite values ≥ 0 (what `samples` hands over): their bit patterns order like the
/// values, and sorting integers is several times faster than comparing floats.
fn sort_non_negative(values: &mut [f64]) {
    if values.iter().all(|v| v.is_sign_positive() && v.is_finite()) {
        let mut bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
        bits.sort_unstable();
        for (v, b) in values.iter_mut().zip(bits) {
            *v = f64::from_bits(b);
        }
    } else {
        values.sort_unstable_by(f64::total_cmp);
    }
}

/// The median of a sorted, non-empty slice (0 when empty).
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match (sorted.get(n / 2), n % 2) {
        (Some(hi), 1) => *hi,
        (Some(hi), _) => sorted.get(n / 2 - 1).map_or(*hi, |lo| (lo + hi) / 2.0),
        (None, _) => 0.0,
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn pct(v: f64) -> String {
    if v == 0.0 {
        "0%".to_string()
    } else if v < 1.0 {
        format!("{v:.2}%")
    } else if v < 10.0 {
        format!("{v:.1}%")
    } else {
        format!("{v:.0}%")
    }
}

fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn times(r: f64) -> String {
    if r < 2.0 {
        format!("×{r:.2}")
    } else if r < 10.0 {
        format!("×{r:.1}")
    } else {
        format!("×{r:.0}")
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_string()
    } else {
        format!("p = {p:.3}")
    }
}

fn minutes_label(n: usize) -> String {
    if n == 1 {
        "1 minute".to_string()
    } else {
        format!("{n} minutes")
    }
}

/// A count with thousands separators: 1,040.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests;
