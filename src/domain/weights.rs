//! Alias weights: how the live alias splits traffic between versions, kept apart from
//! CodeDeploy's own record of the weight it last applied, so the two can be compared.

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

    #[test]
    fn recorded_weight_scale() {
        assert!((normalize_recorded_weight(10.0) - 0.1).abs() < 1e-9);
        assert!((normalize_recorded_weight(0.1) - 0.1).abs() < 1e-9);
        assert!((normalize_recorded_weight(100.0) - 1.0).abs() < 1e-9);
        assert!((normalize_recorded_weight(250.0) - 1.0).abs() < 1e-9);
        assert!((normalize_recorded_weight(-3.0) - 0.0).abs() < 1e-9);
    }
}
