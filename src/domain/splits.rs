//! Aliases split between versions that no deployment rollwatch sees owns: weights set by hand
//! (`aws lambda update-alias --routing-config`), a script, a Step Functions shifter or a CI
//! job. For the person on call they are a rollout like any other: a new version taking part of
//! the traffic. Found by a scan of the account's aliases ([`AliasScan`] says how much of the
//! account it has read); rollwatch cannot know when such a split began, only when it first
//! saw it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AliasWeights, Failure};

/// An alias split that no deployment owns, as last read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasSplit {
    /// `function:alias`: what `rollwatch resolve` and the console know it by.
    pub id: String,
    pub weights: AliasWeights,
    /// When rollwatch first saw the alias split (not when it was split).
    pub first_seen: DateTime<Utc>,
}

impl AliasSplit {
    /// The split of `weights`, first seen at `first_seen`; `None` when the alias is whole.
    pub fn of(weights: AliasWeights, first_seen: DateTime<Utc>) -> Option<Self> {
        if weights.additional.is_empty() {
            return None;
        }
        Some(Self {
            id: format!("{}:{}", weights.function, weights.alias),
            weights,
            first_seen,
        })
    }

    /// Each version's share, as people read them: "v1 75% · v2 25%".
    pub fn shares(&self) -> String {
        let w = &self.weights;
        std::iter::once((w.primary_version.as_str(), w.primary_weight()))
            .chain(w.additional.iter().map(|(v, s)| (v.as_str(), *s)))
            .map(|(v, s)| format!("v{v} {}", super::normalize_pct(s)))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The version taking part of the traffic, with its share (the largest additional weight).
    pub fn new_version(&self) -> (&str, f64) {
        self.weights
            .additional
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(("", 0.0), |(v, w)| (v.as_str(), *w))
    }
}

/// How much of the account the scan for split aliases has read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AliasScan {
    /// Functions whose aliases were read in the current pass.
    pub functions_read: usize,
    /// Functions listed so far in the current pass (all of them once `listed_all`).
    pub functions_listed: usize,
    /// Whether the current pass has listed every function.
    pub listed_all: bool,
    /// When the last whole pass ended: every function's aliases read.
    pub last_pass_at: Option<DateTime<Utc>>,
    /// The last scan call's failure, until a call succeeds.
    pub last_error: Option<Failure>,
}

impl AliasScan {
    /// How much of the account the current pass covers, as people say it: "every function's
    /// aliases (12)", "the aliases of 5 of 40 functions", or "the aliases of 5 of the 50
    /// functions listed so far".
    pub fn coverage(&self) -> String {
        let (read, listed) = (self.functions_read, self.functions_listed);
        match (self.listed_all, read >= listed) {
            (true, true) => format!("every function's aliases ({listed})"),
            (true, false) => format!("the aliases of {read} of {listed} functions"),
            (false, _) => format!("the aliases of {read} of the {listed} functions listed so far"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(additional: &[(&str, f64)]) -> AliasWeights {
        AliasWeights {
            function: "orders".into(),
            alias: "live".into(),
            primary_version: "3".into(),
            additional: additional.iter().map(|(v, w)| ((*v).into(), *w)).collect(),
            revision_id: None,
        }
    }

    #[test]
    fn a_whole_alias_is_no_split_and_a_split_names_its_new_version() {
        let at = chrono::DateTime::UNIX_EPOCH;
        assert!(AliasSplit::of(weights(&[]), at).is_none());
        let split = AliasSplit::of(weights(&[("4", 0.25)]), at).expect("split");
        assert_eq!(split.id, "orders:live");
        assert_eq!(split.new_version(), ("4", 0.25));
        assert_eq!(split.shares(), "v3 75% · v4 25%");
    }

    #[test]
    fn coverage_says_how_much_of_the_account_was_read() {
        let mut scan = AliasScan {
            functions_read: 5,
            functions_listed: 50,
            ..AliasScan::default()
        };
        assert_eq!(
            scan.coverage(),
            "the aliases of 5 of the 50 functions listed so far"
        );
        scan.listed_all = true;
        scan.functions_listed = 40;
        assert_eq!(scan.coverage(), "the aliases of 5 of 40 functions");
        scan.functions_read = 40;
        assert_eq!(scan.coverage(), "every function's aliases (40)");
    }
}
