//! Engine tests on tokio's paused clock against the scripted [`FakeReader`].

use std::sync::Arc;
use std::time::Duration;

use super::fake::FakeReader;
use super::{Command, EngineConfig, Update, spawn};
use crate::domain::{Picture, WeightSource};

async fn run_for(fake: &Arc<FakeReader>, secs: u64) -> Option<Picture> {
    let mut engine = spawn(
        vec![Arc::clone(fake)],
        EngineConfig::default(),
        super::Rules::default(),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut last = None;
    loop {
        tokio::select! {
            update = engine.updates.recv() => match update {
                Some(Update::Picture { picture, .. }) => last = Some(*picture),
                None => break,
            },
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    let _ = engine.commands.send(Command::RefreshNow).await;
    engine.shutdown().await;
    last
}

fn offsets(times: &[chrono::DateTime<chrono::Utc>]) -> Vec<i64> {
    times
        .iter()
        .map(|t| (*t - FakeReader::t0()).num_seconds())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn alias_reads_hit_the_predicted_step_times() {
    let fake = Arc::new(FakeReader::new());
    let picture = run_for(&fake, 420).await.expect("a picture");
    let reads = offsets(&fake.calls().alias);
    // The canary shifts to 100% at t0 + 300 s: reads 1, 3 and 10 s after it.
    for expected in [301, 303, 310] {
        assert!(
            reads.iter().any(|r| (expected..=expected + 1).contains(r)),
            "{expected} in {reads:?}"
        );
    }
    // Between steps, the alias is read rarely: never twice within 25 s between 15 s and 290 s.
    let idle: Vec<i64> = reads
        .iter()
        .copied()
        .filter(|r| (15..=290).contains(r))
        .collect();
    assert!(idle.windows(2).all(|w| w[1] - w[0] >= 25), "{idle:?}");
    assert!(idle.len() <= 10, "{idle:?}");
    // The picture shows the live alias after the shift.
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
    // 10 s normally; doubling on each throttle up to 16x (160 s).
    assert!(gaps.len() >= 3, "{calls:?}");
    assert!(gaps.windows(2).all(|g| g[1] >= g[0]), "gaps grow: {gaps:?}");
    assert!(gaps.last().copied().unwrap_or_default() >= 80, "{gaps:?}");
    assert!(
        calls.len() < 400 / 10,
        "far fewer calls than the normal pace: {calls:?}"
    );
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
async fn alias_reads_never_exceed_the_granted_budget() {
    let fake = Arc::new(FakeReader::new());
    *fake.permits.lock().expect("lock") = Some(0);
    let picture = run_for(&fake, 60).await.expect("a picture");
    let calls = fake.calls();
    assert!(calls.permits_asked > 0);
    assert_eq!(
        calls.alias.len(),
        calls.permits_granted,
        "every read spent a permit"
    );
    assert!(calls.alias.is_empty());
    // Without the alias, the weight shown is CodeDeploy's record, labelled so.
    let view = &picture.regions[0].deployments[0];
    assert_eq!(
        view.weight.map(|w| w.source),
        Some(WeightSource::CodeDeployRecord)
    );
}
