//! Fixtures the domain's and the engine's unit tests share: a fixed instant to count seconds
//! from, and a deployment with its identity, its status and its configuration and nothing else
//! read yet (tests set the rest with struct update syntax).

use chrono::{DateTime, TimeZone, Utc};

use super::{Creator, Deployment, DeploymentStatus, RollbackLinks};

/// Deployment `id` of application `app` to group `<id>-dg`, created by a user, in `status` under
/// `config_name`; no times, target, rollback, error or revision.
pub(crate) fn deployment(id: &str, status: DeploymentStatus, config_name: &str) -> Deployment {
    Deployment {
        id: id.into(),
        application: "app".into(),
        group: format!("{id}-dg"),
        status,
        creator: Creator::User,
        config_name: config_name.into(),
        create_time: None,
        start_time: None,
        complete_time: None,
        target: None,
        rollback: RollbackLinks::default(),
        error: None,
        status_messages: Vec::new(),
        external_id: None,
        description: None,
        revision: None,
        source: crate::domain::Source::CodeDeploy,
    }
}

/// `secs` seconds after a fixed instant (2026-11-28 03:00:00 UTC).
pub(crate) fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 3, 0, 0)
        .single()
        .expect("a valid instant")
        + chrono::Duration::seconds(secs)
}

/// `reports:live` split by hand, v1 75% · v2 25%, first seen at `first_seen`.
pub fn split(first_seen: DateTime<Utc>) -> crate::domain::AliasSplit {
    crate::domain::AliasSplit::of(
        crate::domain::AliasWeights {
            function: "reports".into(),
            alias: "live".into(),
            primary_version: "1".into(),
            additional: vec![("2".into(), 0.25)],
            revision_id: None,
        },
        first_seen,
    )
    .expect("a split")
}
