//! Engine tests on tokio's paused clock against the scripted [`FakeReader`]: reads follow the
//! predicted shifts, a whole stack shifting at once is seen within seconds, budgets are never
//! exceeded, and at 100 deployments nothing starves.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::aws::{Limits, Service};
use crate::domain::{Picture, WeightSource};
use crate::engine::fake::{FakeReader, Shape};
use crate::engine::{EngineConfig, Update, spawn};

/// Every picture the engine sends in `secs` of (paused) time.
async fn pictures(fake: &Arc<FakeReader>, secs: u64) -> Vec<Picture> {
    pictures_with(fake, secs, EngineConfig::default()).await
}

async fn pictures_with(fake: &Arc<FakeReader>, secs: u64, config: EngineConfig) -> Vec<Picture> {
    let mut engine = spawn(
        vec![Arc::clone(fake)],
        config,
        crate::engine::Rules::default(),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut all = Vec::new();
    loop {
        tokio::select! {
            update = engine.updates.recv() => match update {
                Some(Update::Picture { picture, .. }) => all.push(*picture),
                None => break,
            },
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    engine.shutdown().await;
    all
}

async fn run_for(fake: &Arc<FakeReader>, secs: u64) -> Option<Picture> {
    pictures(fake, secs).await.pop()
}

fn offsets(times: &[DateTime<Utc>]) -> Vec<i64> {
    times
        .iter()
        .map(|t| (*t - FakeReader::t0()).num_seconds())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_predicted_shift_is_read_just_after_it_and_rarely_in_between() {
    let fake = Arc::new(FakeReader::new());
    // Idle alias reads every 45 s: none falls on the shift at +300 s by chance.
    let config = EngineConfig {
        alias_idle_secs: 45,
        ..EngineConfig::default()
    };
    let picture = pictures_with(&fake, 420, config)
        .await
        .pop()
        .expect("a picture");
    let calls = fake.calls();
    let targets: Vec<DateTime<Utc>> = calls.targets.iter().map(|(t, _)| *t).collect();
    let targets = offsets(&targets);
    // The canary shifts to 100% at t0 + 300 s: its target is read a second after.
    assert!(
        targets.iter().any(|r| (301..=302).contains(r)),
        "{targets:?}"
    );
    // The record shows the shift, so the alias confirms it within seconds (not at its next
    // idle read, at +315 s).
    let alias: Vec<DateTime<Utc>> = calls.alias.iter().map(|(t, _)| *t).collect();
    let alias = offsets(&alias);
    assert!(alias.iter().any(|r| (301..=311).contains(r)), "{alias:?}");
    // Between the shifts nothing is expected to change: the target is read every 120 s and
    // the alias every 60 s at most.
    let between = |reads: &[i64], gap: i64| {
        let idle: Vec<i64> = reads
            .iter()
            .copied()
            .filter(|r| (15..=295).contains(r))
            .collect();
        assert!(idle.windows(2).all(|w| w[1] - w[0] >= gap), "{idle:?}");
    };
    between(&targets, 115);
    between(&alias, 40);
    let view = &picture.regions[0].deployments[0];
    let weight = view.weight.expect("a weight");
    assert_eq!(weight.source, WeightSource::LiveAlias);
    assert!((weight.weight - 1.0).abs() < 1e-9);
}

#[tokio::test(start_paused = true)]
async fn throttling_backs_off() {
    let fake = Arc::new(FakeReader::new());
    *fake.throttle_alarms.lock().expect("lock") = true;
    run_for(&fake, 400).await;
    let calls = offsets(&fake.calls().alarms);
    let gaps: Vec<i64> = calls.windows(2).map(|w| w[1] - w[0]).collect();
    // 10 s normally; each throttled call doubles the interval, while CloudWatch's answers to
    // the metric reads (not throttled here) and the quiet time between calls halve it again.
    assert!(gaps.len() >= 3, "{calls:?}");
    assert!(
        gaps[0] < 20,
        "the first throttle doubles the interval: {gaps:?}"
    );
    let late = &gaps[gaps.len() / 2..];
    assert!(
        late.iter().all(|gap| *gap >= 30),
        "a service that keeps throttling stays backed off: {gaps:?}"
    );
    assert!(
        calls.len() <= 400 / 10 / 2,
        "far fewer calls than the normal pace: {calls:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_pace_is_back_to_normal_soon_after_throttling_stops() {
    let fake = Arc::new(FakeReader::new());
    *fake.throttle_alarms.lock().expect("lock") = true;
    let engine_fake = Arc::clone(&fake);
    let calm = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(400)).await;
        *engine_fake.throttle_alarms.lock().expect("lock") = false;
    });
    run_for(&fake, 700).await;
    let _ = calm.await;
    let calls = offsets(&fake.calls().alarms);
    let start = calls.first().copied().unwrap_or_default();
    // Two minutes after the storm ends, alarms are read at the normal 10 s pace again.
    let after: Vec<i64> = calls
        .iter()
        .copied()
        .filter(|at| *at >= start + 400 + 120)
        .collect();
    let gaps: Vec<i64> = after.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.len() >= 10, "{calls:?}");
    assert!(gaps.iter().all(|gap| *gap <= 12), "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn the_last_good_alias_is_kept_with_the_error() {
    let fake = Arc::new(FakeReader::new());
    let engine_fake = Arc::clone(&fake);
    let flip = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(20)).await;
        *engine_fake.fail_alias.lock().expect("lock") = true;
    });
    let picture = run_for(&fake, 120).await.expect("a picture");
    let _ = flip.await;
    let view = &picture.regions[0].deployments[0];
    let alias = view.alias.value().expect("last good alias kept");
    assert_eq!(alias.primary_version, "1");
    assert_eq!(view.weight.map(|w| w.source), Some(WeightSource::LiveAlias));
    let error = view
        .freshness
        .alias
        .last_error
        .as_ref()
        .expect("the error is shown");
    assert_eq!(error.operation, "GetAlias");
    assert!(view.freshness.alias.fetched_at.is_some());
}

#[tokio::test(start_paused = true)]
async fn no_alias_is_read_without_a_token_and_the_record_is_shown_instead() {
    let fake = Arc::new(FakeReader::new());
    *fake.block_lambda.lock().expect("lock") = true;
    let picture = run_for(&fake, 60).await.expect("a picture");
    let calls = fake.calls();
    assert!(calls.reserved.iter().any(|(s, _, _)| *s == Service::Lambda));
    assert!(calls.alias.is_empty(), "no token, no GetAlias");
    // Without the alias, the weight shown is CodeDeploy's record, labelled so.
    let view = &picture.regions[0].deployments[0];
    assert_eq!(
        view.weight.map(|w| w.source),
        Some(WeightSource::CodeDeployRecord)
    );
}

/// Seconds from each shift of each deployment to the first picture that shows it.
fn shift_latencies(fake: &FakeReader, pictures: &[Picture], until: DateTime<Utc>) -> Vec<i64> {
    let mut out = Vec::new();
    let last = pictures.last().expect("pictures");
    for view in &last.regions[0].deployments {
        let id = &view.deployment.id;
        for (at, weight) in fake.shift_times(until) {
            let seen = pictures
                .iter()
                .filter(|p| p.taken_at >= at)
                .find(|p| {
                    p.regions[0]
                        .deployments
                        .iter()
                        .find(|v| &v.deployment.id == id)
                        .and_then(|v| v.weight)
                        .is_some_and(|w| w.weight >= weight - 1e-9)
                })
                .map_or(i64::MAX, |p| (p.taken_at - at).num_milliseconds());
            out.push(seen);
        }
    }
    out.sort_unstable();
    out
}

#[tokio::test(start_paused = true)]
async fn a_whole_stack_shifting_at_once_is_seen_within_seconds_within_budget() {
    // 40 deployments of one stack, linear 10% every minute, all on the same second.
    let fake = Arc::new(FakeReader::fleet(40, Shape::Linear1, Limits::default()));
    let all = pictures(&fake, 620).await;
    let until = FakeReader::t0() + chrono::Duration::seconds(560);
    let latencies = shift_latencies(&fake, &all, until);
    assert_eq!(latencies.len(), 40 * 10, "every step of every deployment");
    let median = latencies[latencies.len() / 2];
    let worst = latencies[latencies.len() - 1];
    assert!(median <= 3_000, "median {median} ms");
    assert!(
        worst <= 10_000,
        "worst {worst} ms: {:?}",
        &latencies[latencies.len() - 20..]
    );
    // Steady state (minutes 2 to 8): calls follow the shifts, not the number of deployments
    // times a polling rate, and stay within each budget.
    let calls = fake.calls();
    let per_minute = |service| {
        let from = FakeReader::t0() + chrono::Duration::minutes(2);
        let to = FakeReader::t0() + chrono::Duration::minutes(8);
        calls
            .of(service)
            .iter()
            .filter(|t| **t >= from && **t < to)
            .count()
            / 6
    };
    let codedeploy = per_minute(Service::CodeDeploy);
    let lambda = per_minute(Service::Lambda);
    // A naive poller rebuilding the picture every 2 s: 4 calls per deployment per cycle.
    let naive = 40 * 4 * 30;
    assert!(
        codedeploy + lambda < naive / 30,
        "CodeDeploy {codedeploy}/min, Lambda {lambda}/min"
    );
    assert!(lambda <= 60, "Lambda ≤ 1/s sustained: {lambda}/min");
}

#[tokio::test(start_paused = true)]
async fn at_a_hundred_deployments_every_alias_gets_its_turn() {
    // 100 canaries waiting at 10%: the Lambda budget (1/s) cannot read 100 aliases every
    // 60 s; earliest deadline first gives each its turn, about every 100 s.
    let fake = Arc::new(FakeReader::fleet(100, Shape::Canary5, Limits::default()));
    let all = pictures(&fake, 290).await;
    let calls = fake.calls();
    let mut by_function: std::collections::HashMap<&str, Vec<i64>> =
        std::collections::HashMap::default();
    for (at, function) in &calls.alias {
        by_function
            .entry(function.as_str())
            .or_default()
            .push((*at - FakeReader::t0()).num_seconds());
    }
    assert_eq!(by_function.len(), 100, "every alias read");
    // Once every alias has had its first read, no alias waits longer than its interval (60 s)
    // plus one round of the budget (100 aliases at 1/s).
    for (function, reads) in &by_function {
        let worst_gap = reads.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        assert!(worst_gap <= 60 + 100, "{function}: {reads:?}");
        assert!(reads.len() >= 2, "{function} read again: {reads:?}");
    }
    let lambda_per_minute = calls.alias.len() as f64 / (290.0 / 60.0);
    assert!(lambda_per_minute <= 60.0 + 10.0, "{lambda_per_minute}");
    // The last picture holds each alias to the interval the budget allows (one round, 100 s,
    // not the configured 60 s), and no alias is older than that plus one round.
    let last = all.last().expect("a picture");
    for view in &last.regions[0].deployments {
        let alias = &view.freshness.alias;
        assert_eq!(alias.interval_secs, 100, "{}", view.deployment.id);
        let age = alias.age_secs(last.taken_at).expect("read");
        assert!(age <= 200, "{}: {age} s", view.deployment.id);
        assert!(!alias.is_stale(last.taken_at));
    }
}

#[tokio::test(start_paused = true)]
async fn a_read_task_that_panics_is_shown_and_read_again_not_left_in_flight() {
    let fake = Arc::new(FakeReader::new());
    *fake.panic_alarms.lock().expect("lock") = true;
    let all = pictures(&fake, 60).await;
    let shown = all.iter().any(|p| {
        p.regions[0].deployments.iter().any(|v| {
            v.freshness
                .alarms
                .last_error
                .as_ref()
                .is_some_and(|e| e.message.contains("failed inside rollwatch"))
        })
    });
    assert!(shown, "the failure is on the alarms panel");
    let reads = fake.calls().alarms.len();
    assert!(reads >= 4, "read again every 10 s after the panic: {reads}");
    let last = all.last().expect("a picture");
    assert!(
        last.regions[0].deployments[0]
            .freshness
            .alarms
            .last_error
            .is_none()
    );
}

/// Half an hour into a stack's canary the metrics read still reach back to 15 minutes before
/// the deployments were created, while the window shown is the last 15 minutes: the verdict
/// judges every minute of the canary, never a sliding window. Without the verdict the read is
/// the window shown.
#[tokio::test(start_paused = true)]
async fn metrics_reach_back_to_the_deployments_creation_while_the_verdict_is_on() {
    let created = FakeReader::t0() - chrono::Duration::seconds(5);
    for verdict in [true, false] {
        let fake = Arc::new(FakeReader::new());
        let mut rules = crate::engine::Rules::default();
        Arc::make_mut(&mut rules.verdict).enabled = verdict;
        let engine = spawn(vec![Arc::clone(&fake)], EngineConfig::default(), rules);
        tokio::time::sleep(Duration::from_secs(30 * 60)).await;
        engine.shutdown().await;
        let calls = fake.calls();
        let last = calls.metric_windows.last().expect("metrics were read");
        let minutes = (last.end - last.start).num_minutes();
        if verdict {
            assert!(
                last.start <= created - chrono::Duration::minutes(15),
                "{last:?}"
            );
            assert!(minutes > 40, "{minutes}");
        } else {
            assert_eq!(minutes, 15);
        }
    }
}

/// The latency threshold is decided from the first series read (minutes before the
/// deployment); those series lack its slow-invocation counts, so they are read again at once
/// and no picture ever shows series without them: p99 is judged by one test at every look.
#[tokio::test(start_paused = true)]
async fn series_are_shown_only_with_the_slow_counts_once_the_threshold_is_known() {
    let fake = Arc::new(FakeReader::new());
    let pictures = pictures(&fake, 120).await;
    let calls = fake.calls();
    let gaps: Vec<i64> = calls
        .metrics
        .windows(2)
        .map(|w| (w[1] - w[0]).num_seconds())
        .collect();
    assert!(gaps.first().is_some_and(|g| *g <= 10), "{gaps:?}");
    let mut shown = 0;
    for picture in &pictures {
        for view in picture.regions.iter().flat_map(|r| &r.deployments) {
            if let Some(series) = view.metrics.value() {
                shown += 1;
                assert!(
                    series.iter().all(|s| s.slow_above_ms == Some(200.0)),
                    "{series:?}"
                );
            }
        }
    }
    assert!(shown > 0);
}
