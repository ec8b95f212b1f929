//! One complete picture for `snapshot` and `act`: the live engine's reads and rounds, each
//! datum read once (see [`read_once`]), so a datum is added to the engine once and both read
//! it. Across regions in parallel; within one, the rounds follow what each read brings (the
//! listings, then each deployment's AppSpec, group and config, then targets, aliases, alarms
//! and metrics, batched across deployments). A failing call marks its part; the rest of the
//! picture is still made.

use std::sync::Arc;

use super::assemble::Rules;
use super::config::EngineConfig;
use super::live::read_once;
use super::messages::MetricSpan;
use crate::aws::DeploymentReader;
use crate::domain::{Failure, Freshness, Owner, Part, Picture, RegionPicture};

/// What a picture covers.
#[derive(Debug, Clone)]
pub struct PictureOptions {
    /// Minutes of per-version metrics shown (the verdict reads every minute of its deployment).
    pub metric_minutes: u32,
    pub rules: Rules,
    /// Scan the account's aliases for splits no deployment owns, with what the Lambda budget
    /// holds at the end of the picture's reads.
    pub scan_aliases: bool,
    /// (function, alias) pairs read whatever the scan covers (`[watch] aliases`).
    pub watched_aliases: Vec<(String, String)>,
}

impl Default for PictureOptions {
    fn default() -> Self {
        Self {
            metric_minutes: 15,
            rules: Rules::default(),
            scan_aliases: true,
            watched_aliases: Vec::new(),
        }
    }
}

/// The complete picture across `readers` (one per region), regions in parallel.
pub async fn collect_picture<R: DeploymentReader>(
    readers: &[Arc<R>],
    options: PictureOptions,
) -> Picture {
    let span = MetricSpan::Last(options.metric_minutes);
    read_once(
        readers,
        EngineConfig {
            watched_aliases: options.watched_aliases,
            ..EngineConfig::default()
        },
        options.rules,
        span,
        options.scan_aliases,
    )
    .await
}

/// A region whose deployments could not be listed: the failure, and nothing else.
pub fn unlisted(region: String, owner: Owner, failure: Failure, why: &str) -> RegionPicture {
    RegionPicture {
        region,
        owner,
        deployments: Vec::new(),
        listing_freshness: Freshness {
            last_error: Some(failure.clone()),
            ..Freshness::default()
        },
        listing: Part::Failed { failure },
        recent: Part::skipped(why),
        splits: Vec::new(),
        alias_scan: crate::domain::AliasScan::default(),
    }
}
