//! Alias weights: how the live alias splits traffic between versions, kept apart from
//! CodeDeploy's own record of the weight it last applied, so the two can be compared — and
//! when they disagree, whether a shift between the two reads explains it ([`WeightWitnesses`]).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// The live routing of a Lambda alias (`GetAlias`): the primary `FunctionVersion` gets
/// `1 − Σ additional`; additional versions get their listed weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasWeights {
    pub function: String,
    pub alias: String,
    /// The alias's `FunctionVersion`.
    pub primary_version: String,
    /// `RoutingConfig.AdditionalVersionWeights`, sorted by version.
    pub additional: Vec<(String, f64)>,
    /// For guarded updates (`UpdateAlias` with `RevisionId`).
    pub revision_id: Option<String>,
}

impl AliasWeights {
    /// The primary version's share: 1 − the sum of the additional weights (never below 0).
    pub fn primary_weight(&self) -> f64 {
        (1.0 - self.additional.iter().map(|(_, w)| w).sum::<f64>()).max(0.0)
    }

    /// The share of traffic `version` receives, whichever side of the alias it is on.
    pub fn weight_of(&self, version: &str) -> f64 {
        if version == self.primary_version {
            return self.primary_weight();
        }
        self.additional
            .iter()
            .find(|(v, _)| v == version)
            .map_or(0.0, |(_, w)| *w)
    }

    /// Whether traffic is split between versions (a stopped deployment left it so, or a
    /// deployment is shifting).
    pub fn is_split(&self) -> bool {
        self.additional.iter().any(|(_, w)| *w > 0.0)
    }
}

/// Where a weight shown to the user came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightSource {
    /// Read from the alias itself (`lambda:GetAlias`): the truth.
    LiveAlias,
    /// CodeDeploy's record of the last shift it applied (`targetVersionWeight`).
    CodeDeployRecord,
}

/// The target version's share of traffic, and where that number came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TargetWeight {
    /// 0.0–1.0.
    pub weight: f64,
    pub source: WeightSource,
}

/// Two weights closer than this are the same (Lambda weights have 0.01 steps at most).
const SAME_SHARE: f64 = 0.005;

/// One read of the target version's share by one witness, and the other witness's latest read
/// at that moment (what it is compared with).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareRead {
    pub at: DateTime<Utc>,
    pub weight: f64,
    /// The other witness's latest read when this one arrived.
    pub other_before: Option<(DateTime<Utc>, f64)>,
}

/// The latest reads of the target version's share by its two witnesses — the live alias
/// (`GetAlias`) and CodeDeploy's record (`targetVersionWeight`) — to tell a real disagreement
/// (someone set the alias by hand) from one that a shift between two reads explains.
///
/// A disagreement is real when one witness's read is bracketed by two reads of the other that
/// agree with each other and not with it: the record read before and after an alias read said
/// the same, or the alias read before and after a record read said the same. CodeDeploy moves
/// the alias first and its record after (`record_lag`, a tunable point of the timing model), so
/// the bracketing read must come at least that long after the read it brackets. Weights only
/// grow during a deployment, so two equal reads mean nothing moved between them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WeightWitnesses {
    pub alias: Option<ShareRead>,
    pub record: Option<ShareRead>,
}

/// A disagreement between the live alias and CodeDeploy's record that no shift explains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disagreement {
    pub live: f64,
    pub recorded: f64,
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= SAME_SHARE
}

impl WeightWitnesses {
    /// A successful alias read.
    pub fn alias_read(&mut self, at: DateTime<Utc>, weight: f64) {
        self.alias = Some(ShareRead {
            at,
            weight,
            other_before: self.record.map(|r| (r.at, r.weight)),
        });
    }

    /// A successful read of CodeDeploy's record.
    pub fn record_read(&mut self, at: DateTime<Utc>, weight: f64) {
        self.record = Some(ShareRead {
            at,
            weight,
            other_before: self.alias.map(|a| (a.at, a.weight)),
        });
    }

    /// Whether the latest alias read disagrees with the record read before it and no record
    /// read has come since: the record should be read again (after `record_lag`) to tell a
    /// shift from a hand change.
    pub fn record_to_confirm(&self) -> Option<DateTime<Utc>> {
        let alias = self.alias?;
        let (record_at, recorded) = alias.other_before?;
        let unanswered = self.record.is_none_or(|r| r.at <= alias.at);
        (unanswered && record_at <= alias.at && !same(alias.weight, recorded)).then_some(alias.at)
    }

    /// The disagreement the reads prove, if any.
    pub fn disagreement(&self, record_lag: Duration) -> Option<Disagreement> {
        let (alias, record) = (self.alias?, self.record?);
        if same(alias.weight, record.weight) {
            return None;
        }
        let proven = if record.at > alias.at {
            // The alias read sits between two record reads that agree.
            alias.other_before.is_some_and(|(before_at, before)| {
                before_at <= alias.at
                    && same(before, record.weight)
                    && record.at - alias.at >= record_lag
            })
        } else {
            // The record read sits between two alias reads that agree.
            record.other_before.is_some_and(|(before_at, before)| {
                before_at <= record.at
                    && same(before, alias.weight)
                    && record.at - before_at >= record_lag
            })
        };
        proven.then_some(Disagreement {
            live: alias.weight,
            recorded: record.weight,
        })
    }
}

/// CodeDeploy's `targetVersionWeight` is documented as a "percentage" without a unit; the
/// sandbox and the API wording say 0–100, Lambda weights are 0–1. Values above 1 are read as
/// percentages.
pub fn normalize_recorded_weight(raw: f64) -> f64 {
    let w = if raw > 1.0 { raw / 100.0 } else { raw };
    w.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(primary: &str, extra: &[(&str, f64)]) -> AliasWeights {
        AliasWeights {
            function: "f".into(),
            alias: "live".into(),
            primary_version: primary.into(),
            additional: extra.iter().map(|(v, w)| ((*v).to_string(), *w)).collect(),
            revision_id: None,
        }
    }

    #[test]
    fn primary_gets_the_rest() {
        let a = alias("1", &[("2", 0.1)]);
        assert!((a.primary_weight() - 0.9).abs() < 1e-9);
        assert!((a.weight_of("2") - 0.1).abs() < 1e-9);
        assert!((a.weight_of("1") - 0.9).abs() < 1e-9);
        assert!((a.weight_of("7") - 0.0).abs() < 1e-9);
        assert!(a.is_split());
    }

    #[test]
    fn no_routing_config_means_all_on_primary() {
        let a = alias("2", &[]);
        assert!((a.weight_of("2") - 1.0).abs() < 1e-9);
        assert!(!a.is_split());
    }

    #[test]
    fn either_orientation_gives_the_target_share() {
        // CodeDeploy's usual orientation (old primary) and the reverse one.
        assert!((alias("1", &[("2", 0.3)]).weight_of("2") - 0.3).abs() < 1e-9);
        assert!((alias("2", &[("1", 0.3)]).weight_of("2") - 0.7).abs() < 1e-9);
    }

    fn t(secs: i64) -> DateTime<Utc> {
        crate::domain::fixtures::at(secs)
    }

    const LAG: Duration = Duration::seconds(5);

    #[test]
    fn a_shift_between_the_two_reads_is_no_disagreement() {
        // The alias read before the step, the record after it: the stack's false warnings.
        let mut w = WeightWitnesses::default();
        w.record_read(t(0), 0.1);
        w.alias_read(t(10), 0.1);
        w.record_read(t(70), 0.2);
        assert_eq!(w.disagreement(LAG), None);
        // The alias read after the step, the record before it.
        let mut w = WeightWitnesses::default();
        w.alias_read(t(0), 0.1);
        w.record_read(t(10), 0.1);
        w.alias_read(t(70), 0.2);
        assert_eq!(w.disagreement(LAG), None);
        assert_eq!(
            w.record_to_confirm(),
            Some(t(70)),
            "the record is read again"
        );
        w.record_read(t(76), 0.2);
        assert_eq!(w.disagreement(LAG), None);
        assert_eq!(w.record_to_confirm(), None);
    }

    #[test]
    fn a_hand_change_is_proven_by_the_record_read_after_it() {
        let mut w = WeightWitnesses::default();
        w.record_read(t(0), 0.1);
        w.alias_read(t(5), 0.1);
        // Set by hand to 50%.
        w.alias_read(t(65), 0.5);
        assert_eq!(w.disagreement(LAG), None, "a step could explain it so far");
        assert_eq!(w.record_to_confirm(), Some(t(65)));
        // Read too soon after the alias: CodeDeploy may not have recorded its shift yet.
        w.record_read(t(67), 0.1);
        assert_eq!(w.disagreement(LAG), None);
        w.record_read(t(71), 0.1);
        let d = w.disagreement(LAG).expect("proven");
        assert!(same(d.live, 0.5) && same(d.recorded, 0.1));
        // It stays proven while the alias keeps its hand-set weight.
        w.alias_read(t(120), 0.5);
        assert!(w.disagreement(LAG).is_some());
        w.record_read(t(130), 0.1);
        assert!(w.disagreement(LAG).is_some());
        // CodeDeploy's next step overwrites it.
        w.alias_read(t(190), 0.2);
        assert_eq!(w.disagreement(LAG), None);
    }

    #[test]
    fn a_record_read_between_two_equal_alias_reads_proves_it_too() {
        let mut w = WeightWitnesses::default();
        w.alias_read(t(0), 0.5);
        w.record_read(t(10), 0.1);
        assert_eq!(w.disagreement(LAG), None, "the alias may have moved since");
        w.alias_read(t(20), 0.5);
        assert!(w.disagreement(LAG).is_some());
    }

    #[test]
    fn recorded_weight_scale() {
        assert!((normalize_recorded_weight(10.0) - 0.1).abs() < 1e-9);
        assert!((normalize_recorded_weight(0.1) - 0.1).abs() < 1e-9);
        assert!((normalize_recorded_weight(100.0) - 1.0).abs() < 1e-9);
        assert!((normalize_recorded_weight(250.0) - 1.0).abs() < 1e-9);
        assert!((normalize_recorded_weight(-3.0) - 0.0).abs() < 1e-9);
    }
}
