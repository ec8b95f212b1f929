//! Building one region's part of the picture from the engine's state: each tracked deployment
//! assembled into its view with the last good parts and their freshness, the finished list, and
//! the listing's state.

use chrono::{DateTime, Utc};

use super::assemble::{Fetched, Rules, ShownMinutes, assemble_view};
use std::collections::HashSet;

use super::state::{RegionState, Tracked};
use crate::domain::function_name;
use crate::domain::{AliasSplit, Deployment, DeploymentView, Part, RegionPicture};

impl RegionState {
    /// This region's part of the picture at `now`, each view's metrics cut to `shown`.
    pub fn picture(&self, now: DateTime<Utc>, rules: &Rules, shown: ShownMinutes) -> RegionPicture {
        let mut deployments: Vec<DeploymentView> = self
            .tracked
            .values()
            .map(|t| {
                let deployment = t.adopted.deployment.clone();
                let mut fetched = self.fetched(t);
                fetched.alias_disagrees = t.witnesses.disagreement(rules.schedule.record_lag());
                assemble_view(deployment, fetched, now, rules, shown)
            })
            .collect();
        deployments.sort_by(|a, b| {
            let key = |v: &DeploymentView| {
                (
                    !v.deployment.status.is_active(),
                    std::cmp::Reverse(v.deployment.create_time),
                )
            };
            key(a).cmp(&key(b))
        });
        let listing = match &self.listing {
            Some(Ok(n)) => Part::Ok { value: *n },
            Some(Err(f)) => Part::Failed { failure: f.clone() },
            None => Part::skipped("listing deployments…"),
        };
        let recent = match &self.recent {
            Some(Ok(list)) => {
                let mut list: Vec<Deployment> = list
                    .iter()
                    .filter(|d| !self.tracked.contains_key(&d.id))
                    .cloned()
                    .collect();
                list.sort_by(|a, b| {
                    b.complete_time
                        .or(b.create_time)
                        .cmp(&a.complete_time.or(a.create_time))
                });
                Part::Ok { value: list }
            }
            Some(Err(f)) => Part::Failed { failure: f.clone() },
            None => Part::skipped("listing recently finished deployments…"),
        };
        RegionPicture {
            region: self.name.clone(),
            owner: crate::domain::Owner::default(),
            deployments,
            listing,
            recent,
            listing_freshness: self.listing_freshness.clone(),
            splits: self.unowned_splits(),
            alias_scan: self.scan.coverage().clone(),
        }
    }

    /// The split aliases the scan found that no deployment moves: not a tracked deployment's
    /// alias (its split, running or left by a stop, is its row's), nor a split between the two
    /// versions of a deployment that finished in the last 24 h (its rollback shifting back,
    /// or the scan's read from before it ended).
    pub fn unowned_splits(&self) -> Vec<AliasSplit> {
        let tracked: HashSet<(String, String)> = self
            .tracked
            .values()
            .filter_map(Tracked::subject)
            .map(|(function, alias, ..)| (function_name(&function).to_string(), alias))
            .collect();
        let finished: Vec<&crate::domain::FunctionTarget> = match &self.recent {
            Some(Ok(list)) => list.iter().filter_map(|d| d.target.as_ref()).collect(),
            _ => Vec::new(),
        };
        let of_a_finished_deployment = |s: &AliasSplit| {
            let w = &s.weights;
            finished.iter().any(|t| {
                function_name(&t.function) == w.function
                    && t.alias == w.alias
                    && std::iter::once(&w.primary_version)
                        .chain(w.additional.iter().map(|(v, _)| v))
                        .all(|v| *v == t.current_version || *v == t.target_version)
            })
        };
        self.scan
            .splits()
            .filter(|s| !tracked.contains(&(s.weights.function.clone(), s.weights.alias.clone())))
            .filter(|s| !of_a_finished_deployment(s))
            .cloned()
            .collect()
    }

    fn fetched(&self, t: &Tracked) -> Fetched {
        let alias = match (&t.alias, &t.alias_error) {
            (_, Some(f)) if t.alias.is_none() => Some(Part::Failed { failure: f.clone() }),
            (Some(a), _) => Some(Part::Ok { value: a.clone() }),
            (None, _) if t.subject().is_some() => Some(Part::skipped(
                "waiting for the Lambda budget (protects CodeDeploy's own alias updates); \
                 showing CodeDeploy's recorded weight",
            )),
            (None, _) => None,
        };
        let metrics = match (&t.metrics, &t.metrics_error) {
            (Some(m), _) => Some(Part::Ok { value: m.clone() }),
            (None, Some(f)) => Some(Part::Failed { failure: f.clone() }),
            (None, None) => t.subject().map(|_| Part::skipped("fetching metrics…")),
        };
        let alarms = match (&self.alarms, &self.alarms_error) {
            (Some(a), _) => Some(Ok(a.clone())),
            (None, Some(f)) => Some(Err(f.clone())),
            (None, None) => None,
        };
        Fetched {
            target: t.target.clone(),
            appspec: t.adopted.appspec.clone(),
            config: t.adopted.config.clone(),
            group: t.adopted.group.clone(),
            alias,
            alarms,
            metrics,
            freshness: Some(t.freshness.clone()),
            alias_disagrees: None,
        }
    }
}
