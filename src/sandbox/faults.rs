//! Fault injection (`--faults`), reproducible with `--seed`.
//!
//! Syntax: comma-separated rules `KIND[@SCOPE]=VALUE`, where KIND is `throttle`, `error5xx`,
//! `reset` (VALUE = probability 0–1), `latency` (VALUE = `50ms..2s` or `300ms`), or `deny`
//! (VALUE = the scope itself, e.g. `deny=StopDeployment`, `deny=codedeploy:StopDeployment`,
//! `deny=lambda`). SCOPE is a service (`codedeploy`, `lambda`, `cloudwatch`, `logs`), an
//! operation (`UpdateAlias`) or both (`lambda:UpdateAlias`). Faults never touch `/_sandbox/*`.
//!
//! The rules can be replaced or cleared while the sandbox runs (`POST /_sandbox/faults`, see
//! [`Faults::replace`]); the random stream goes on, so a run stays reproducible for a given
//! sequence of requests and changes.

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Which requests a rule applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub service: Option<String>,
    pub operation: Option<String>,
}

const SERVICES: [&str; 4] = ["codedeploy", "lambda", "cloudwatch", "logs"];

impl Scope {
    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self::default());
        }
        let (service, op) = match text.split_once(':') {
            Some((s, o)) => (Some(s), Some(o)),
            None if SERVICES.contains(&text.to_ascii_lowercase().as_str()) => (Some(text), None),
            None => (None, Some(text)),
        };
        let service = service.map(str::to_ascii_lowercase);
        if let Some(s) = &service {
            if !SERVICES.contains(&s.as_str()) {
                return Err(format!(
                    "unknown service `{s}` (expected one of {})",
                    SERVICES.join(", ")
                ));
            }
        }
        Ok(Self {
            service,
            operation: op.filter(|o| !o.is_empty()).map(str::to_owned),
        })
    }

    fn matches(&self, service: &str, operation: &str) -> bool {
        self.service.as_deref().is_none_or(|s| s == service)
            && self.operation.as_deref().is_none_or(|o| o == operation)
    }
}

/// One fault kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Throttle(f64),
    Error5xx(f64),
    Reset(f64),
    Latency(Duration, Duration),
    Deny,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Throttle,
    Error5xx,
    Reset,
    Deny,
}

impl Outcome {
    /// Its name in the call log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Throttle => "throttle",
            Self::Error5xx => "error5xx",
            Self::Reset => "reset",
            Self::Deny => "deny",
        }
    }
}

/// A parsed `--faults` spec plus its seeded randomness.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<(Kind, Scope)>,
    /// The spec the rules came from (empty: no faults).
    spec: String,
    rng: SmallRng,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        return Err(format!("`{t}` needs a unit (ms or s)"));
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{t}` is not a duration"))?;
    if !(0.0..=60.0).contains(&(v * scale)) {
        return Err(format!("`{t}` must be between 0 and 60 s"));
    }
    Duration::try_from_secs_f64(v * scale).map_err(|_| format!("`{t}` is not a duration"))
}

fn parse_probability(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=1.0).contains(p))
        .ok_or_else(|| format!("`{text}` is not a probability between 0 and 1"))
}

/// Parses the rules of a spec; the error names the offending rule.
fn parse_rules(spec: &str) -> Result<Vec<(Kind, Scope)>, String> {
    let mut rules = Vec::new();
    for rule in spec.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        let (key, value) = rule
            .split_once('=')
            .ok_or_else(|| format!("fault `{rule}`: expected KIND=VALUE"))?;
        let (kind, scope) = key.split_once('@').unwrap_or((key, ""));
        let context = |e: String| format!("fault `{rule}`: {e}");
        let scope = Scope::parse(scope).map_err(context)?;
        let parsed = match kind.trim() {
            "throttle" => (
                Kind::Throttle(parse_probability(value).map_err(context)?),
                scope,
            ),
            "error5xx" => (
                Kind::Error5xx(parse_probability(value).map_err(context)?),
                scope,
            ),
            "reset" => (
                Kind::Reset(parse_probability(value).map_err(context)?),
                scope,
            ),
            "latency" => {
                let (lo, hi) = value.split_once("..").unwrap_or((value, value));
                let (lo, hi) = (
                    parse_duration(lo).map_err(context)?,
                    parse_duration(hi).map_err(context)?,
                );
                if hi < lo {
                    return Err(context("the range is reversed".into()));
                }
                (Kind::Latency(lo, hi), scope)
            }
            "deny" => (Kind::Deny, Scope::parse(value).map_err(context)?),
            other => {
                return Err(format!(
                    "fault `{rule}`: unknown kind `{other}` (throttle, error5xx, latency, reset, deny)"
                ));
            }
        };
        rules.push(parsed);
    }
    Ok(rules)
}

impl Faults {
    /// No faults.
    pub fn none(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            spec: String::new(),
            rng: SmallRng::seed_from_u64(seed ^ 0xfa17),
        }
    }

    /// Parses a spec; the error names the offending rule.
    pub fn parse(spec: &str, seed: u64) -> Result<Self, String> {
        let mut faults = Self::none(seed);
        faults.rules = parse_rules(spec)?;
        spec.trim().clone_into(&mut faults.spec);
        Ok(faults)
    }

    /// Replaces the rules with those of `spec` (same syntax and errors as [`Faults::parse`];
    /// `None` or a blank spec clears them). On error the current rules stay.
    pub fn replace(&mut self, spec: Option<&str>) -> Result<(), String> {
        let spec = spec.map(str::trim).unwrap_or_default();
        self.rules = parse_rules(spec)?;
        spec.clone_into(&mut self.spec);
        Ok(())
    }

    /// The current rules, as `GET /_sandbox/faults` shows them: the spec and one entry per
    /// rule (`kind`, `service`, `operation`, and `probability` or `min_ms`/`max_ms`).
    pub fn describe(&self) -> serde_json::Value {
        let rules: Vec<serde_json::Value> = self
            .rules
            .iter()
            .map(|(kind, scope)| {
                let mut rule = serde_json::json!({
                    "service": scope.service,
                    "operation": scope.operation,
                });
                let (name, extra) = match kind {
                    Kind::Throttle(p) => ("throttle", serde_json::json!({"probability": p})),
                    Kind::Error5xx(p) => ("error5xx", serde_json::json!({"probability": p})),
                    Kind::Reset(p) => ("reset", serde_json::json!({"probability": p})),
                    Kind::Latency(lo, hi) => (
                        "latency",
                        serde_json::json!({"min_ms": lo.as_millis(), "max_ms": hi.as_millis()}),
                    ),
                    Kind::Deny => ("deny", serde_json::json!({})),
                };
                rule["kind"] = serde_json::json!(name);
                if let (Some(rule), Some(extra)) = (rule.as_object_mut(), extra.as_object()) {
                    rule.extend(extra.clone());
                }
                rule
            })
            .collect();
        serde_json::json!({
            "faults": if self.spec.is_empty() { None } else { Some(&self.spec) },
            "rules": rules,
        })
    }

    /// Decides the fate of one request: an added delay and maybe a fault.
    pub fn decide(
        &mut self,
        service: &str,
        operation: &str,
    ) -> (Option<Duration>, Option<Outcome>) {
        let mut delay = None;
        let mut outcome = None;
        for (kind, scope) in &self.rules {
            if !scope.matches(service, operation) {
                continue;
            }
            match *kind {
                Kind::Latency(lo, hi) => {
                    let secs = if hi > lo {
                        self.rng.random_range(lo.as_secs_f64()..hi.as_secs_f64())
                    } else {
                        lo.as_secs_f64()
                    };
                    delay = Some(Duration::from_secs_f64(secs));
                }
                Kind::Deny => outcome = outcome.or(Some(Outcome::Deny)),
                Kind::Throttle(p) | Kind::Error5xx(p) | Kind::Reset(p) => {
                    let hit = self.rng.random_bool(p);
                    if hit && outcome.is_none() {
                        outcome = Some(match kind {
                            Kind::Throttle(_) => Outcome::Throttle,
                            Kind::Error5xx(_) => Outcome::Error5xx,
                            _ => Outcome::Reset,
                        });
                    }
                }
            }
        }
        (delay, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let f = Faults::parse(
            "throttle=0.3,error5xx=0.1,latency=50ms..2s,reset=0.05,deny=StopDeployment",
            1,
        )
        .expect("parses");
        assert_eq!(f.rules.len(), 5);
        assert_eq!(f.rules[4].1.operation.as_deref(), Some("StopDeployment"));
    }

    #[test]
    fn scoped_deny_hits_only_its_operation() {
        let mut f =
            Faults::parse("deny=codedeploy:StopDeployment,throttle@lambda=1", 1).expect("parses");
        assert_eq!(
            f.decide("codedeploy", "StopDeployment").1,
            Some(Outcome::Deny)
        );
        assert_eq!(f.decide("codedeploy", "GetDeployment").1, None);
        assert_eq!(f.decide("lambda", "GetAlias").1, Some(Outcome::Throttle));
    }

    #[test]
    fn bad_specs_say_which_rule() {
        let e = Faults::parse("throttle=2", 1).expect_err("bad");
        assert!(e.contains("throttle=2"), "{e}");
        assert!(Faults::parse("latency=5", 1).is_err());
        assert!(Faults::parse("deny=ec2:Run", 1).is_err());
    }

    #[test]
    fn replace_swaps_or_clears_the_rules_and_keeps_them_on_error() {
        let mut f = Faults::none(1);
        assert_eq!(f.decide("lambda", "GetAlias").1, None);
        f.replace(Some("deny=lambda:GetAlias,latency=50ms..2s"))
            .expect("valid");
        assert_eq!(f.decide("lambda", "GetAlias").1, Some(Outcome::Deny));
        let shown = f.describe();
        assert_eq!(shown["faults"], "deny=lambda:GetAlias,latency=50ms..2s");
        assert_eq!(shown["rules"][0]["kind"], "deny");
        assert_eq!(shown["rules"][0]["operation"], "GetAlias");
        assert_eq!(shown["rules"][1]["max_ms"], 2000);
        let e = f.replace(Some("throttle=7")).expect_err("invalid");
        assert!(e.contains("throttle=7"), "{e}");
        assert_eq!(f.decide("lambda", "GetAlias").1, Some(Outcome::Deny));
        f.replace(None).expect("clears");
        assert_eq!(f.decide("lambda", "GetAlias").1, None);
        assert_eq!(f.describe()["faults"], serde_json::Value::Null);
        f.replace(Some("  ")).expect("blank clears");
        assert_eq!(f.describe()["rules"], serde_json::json!([]));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(300))]

        /// A spec now arrives over HTTP: any text parses or is refused, never panics.
        #[test]
        fn any_spec_parses_or_is_refused(spec in "[a-z0-9@:=,.\\-eE ]{0,40}|\\PC{0,40}") {
            let mut f = Faults::none(1);
            if f.replace(Some(&spec)).is_ok() {
                let _ = f.decide("lambda", "GetAlias");
            }
        }

        #[test]
        fn any_duration_parses_or_is_refused(n in proptest::num::f64::ANY, unit in "ms|s") {
            let _ = parse_duration(&format!("{n}{unit}"));
        }
    }
}
