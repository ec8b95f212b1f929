//! The live engine's scan for aliases split outside any deployment, both ways, on `calm` at 10×:
//! after a whole pass nothing is listed (calm's canaries split their own aliases, which are
//! their rows'); an alias then split by hand on a function no deployment touches is listed
//! within a pass, and goes once the alias is whole again.

use std::time::{Duration, Instant};

use rollwatch::domain::{Picture, Source};
use rollwatch::engine::{EngineConfig, EngineHandle, Rules, Update, spawn};
use rollwatch::sandbox::{Sandbox, SandboxConfig};

/// Pictures until `done` says yes, or `within` real time passes: the matching picture.
async fn until(
    engine: &mut EngineHandle,
    within: Duration,
    done: impl Fn(&Picture) -> bool,
) -> Option<(Box<Picture>, Duration)> {
    let started = Instant::now();
    while started.elapsed() < within {
        let Ok(Some(Update::Picture { picture, .. })) =
            tokio::time::timeout(Duration::from_millis(500), engine.updates.recv()).await
        else {
            continue;
        };
        if done(&picture) {
            return Some((picture, started.elapsed()));
        }
    }
    None
}

fn split_ids(picture: &Picture) -> Vec<String> {
    picture
        .regions
        .iter()
        .flat_map(|r| &r.splits)
        .map(|s| s.id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_split_is_found_within_a_pass_and_goes_when_whole_and_nothing_else_is() {
    let sandbox = Sandbox::start(SandboxConfig::loopback("calm").speed(10.0).seed(5))
        .await
        .expect("sandbox starts");
    let config = EngineConfig {
        alias_scan_secs: 2,
        ..EngineConfig::default()
    };
    let mut engine = spawn(
        crate::support::run::readers(&sandbox).await,
        config,
        Rules::default(),
    );
    // A whole pass of calm: every function read, no split listed.
    let (picture, _) = until(&mut engine, Duration::from_secs(40), |p| {
        p.regions[0].alias_scan.last_pass_at.is_some()
    })
    .await
    .expect("a whole pass within 40 s");
    assert_eq!(split_ids(&picture), Vec::<String>::new());
    assert!(picture.regions[0].alias_scan.functions_listed >= 4);

    let lambda = crate::support::sdk::lambda(&sandbox).await;
    crate::support::sdk::split_by_hand(&lambda).await;
    let (picture, took) = until(&mut engine, Duration::from_secs(40), |p| {
        split_ids(p) == ["reports:live"]
    })
    .await
    .expect("the hand split is listed within 40 s");
    let split = &picture.regions[0].splits[0];
    assert_eq!(split.new_version(), ("2", 0.25));
    println!("hand split listed after {took:?}");
    // A row of its own beside the deployments, as the commands know it.
    let row = picture.regions[0]
        .deployments
        .iter()
        .find(|v| v.deployment.source == Source::Alias)
        .expect("the split's row");
    assert_eq!(row.deployment.id, "reports:live");
    assert_eq!(row.weight.map(|w| w.weight), Some(0.25));
    let rows = picture.regions[0].deployments.iter();
    assert_eq!(
        rows.filter(|v| v.deployment.source == Source::Alias)
            .count(),
        1,
        "only the hand split is a split row"
    );
    // Its per-version metrics are read like a deployment's.
    until(&mut engine, Duration::from_secs(30), |p| {
        p.regions[0]
            .deployments
            .iter()
            .any(|v| v.deployment.source == Source::Alias && v.metrics.value().is_some())
    })
    .await
    .expect("the split row's per-version metrics within 30 s");

    crate::support::sdk::make_whole(&lambda).await;
    until(&mut engine, Duration::from_secs(40), |p| {
        split_ids(p).is_empty()
    })
    .await
    .expect("the split goes once the alias is whole");
    engine.shutdown().await;
    sandbox.shutdown().await;
}

/// `[watch] aliases` with the scan off: a named alias split by hand is listed at its first read,
/// and goes at the next once whole (the alias idle pace, 5 s here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_alias_is_followed_at_the_alias_pace_without_the_scan() {
    let sandbox = Sandbox::start(SandboxConfig::loopback("calm").speed(10.0).seed(5))
        .await
        .expect("sandbox starts");
    let lambda = crate::support::sdk::lambda(&sandbox).await;
    crate::support::sdk::split_by_hand(&lambda).await;
    let config = EngineConfig {
        alias_scan_secs: 0,
        alias_idle_secs: 5,
        watched_aliases: vec![("reports".into(), "live".into())],
        ..EngineConfig::default()
    };
    let mut engine = spawn(
        crate::support::run::readers(&sandbox).await,
        config,
        Rules::default(),
    );
    let (picture, took) = until(&mut engine, Duration::from_secs(20), |p| {
        split_ids(p) == ["reports:live"]
    })
    .await
    .expect("the watched split is listed");
    assert!(
        picture.regions[0].alias_scan.functions_listed == 0,
        "no scan"
    );
    println!("watched split listed after {took:?}");
    crate::support::sdk::make_whole(&lambda).await;
    until(&mut engine, Duration::from_secs(20), |p| {
        split_ids(p).is_empty()
    })
    .await
    .expect("gone at the next read");
    engine.shutdown().await;
    sandbox.shutdown().await;
}
