//! STALE means something: on `hook-failure` (a group that watches no alarms, a hook running for
//! minutes) the live engine's pictures are never stale after the first, and the alarms of that
//! group are "none configured" (known at once, nothing to fetch), not "not fetched".

use std::time::{Duration, Instant};

use rollwatch::domain::Part;
use rollwatch::engine::{EngineConfig, Rules, Update, spawn};
use rollwatch::sandbox::{Sandbox, SandboxConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_without_alarms_is_never_stale_on_hook_failure() {
    let sandbox = Sandbox::start(SandboxConfig::loopback("hook-failure").speed(10.0).seed(5))
        .await
        .expect("sandbox starts");
    let mut engine = spawn(
        crate::support::run::readers(&sandbox).await,
        EngineConfig::default(),
        Rules::default(),
    );
    let started = Instant::now();
    let (mut pictures, mut checked_billing) = (0, 0);
    while started.elapsed() < Duration::from_secs(30) {
        let Ok(Some(Update::Picture { picture, .. })) =
            tokio::time::timeout(Duration::from_millis(500), engine.updates.recv()).await
        else {
            continue;
        };
        pictures += 1;
        if pictures == 1 {
            continue;
        }
        assert!(
            !picture.is_stale(picture.taken_at),
            "STALE at picture {pictures}: {:#?}",
            picture
                .regions
                .iter()
                .flat_map(|r| &r.deployments)
                .map(|v| (&v.deployment.id, &v.freshness))
                .collect::<Vec<_>>()
        );
        for view in picture.regions.iter().flat_map(|r| &r.deployments) {
            if view.group.value().is_some_and(|g| g.alarm_names.is_empty()) {
                checked_billing += 1;
                assert_eq!(view.alarms, Part::Ok { value: Vec::new() });
                assert_eq!(view.freshness.alarms.interval_secs, 0, "nothing to refresh");
            }
        }
    }
    engine.shutdown().await;
    sandbox.shutdown().await;
    assert!(pictures > 10, "{pictures}");
    assert!(
        checked_billing > 0,
        "the group without alarms was in the picture"
    );
}
