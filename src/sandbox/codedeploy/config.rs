//! Deployment configurations: the nine predefined `CodeDeployDefault.Lambda*` ones plus custom
//! ones, and the shift schedule each implies (docs/codedeploy-timing.md, "Recommended model").

use serde_json::{Value, json};

/// How a Lambda deployment config shifts traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    AllAtOnce,
    Canary { percent: u32, minutes: u32 },
    Linear { percent: u32, minutes: u32 },
}

/// A deployment configuration.
#[derive(Debug, Clone)]
pub struct DeployConfig {
    pub name: String,
    pub id: String,
    pub create_time: f64,
    pub routing: Routing,
}

/// The predefined Lambda configurations.
pub fn predefined() -> Vec<DeployConfig> {
    let mk = |suffix: &str, routing: Routing, id: &str| DeployConfig {
        name: format!("CodeDeployDefault.Lambda{suffix}"),
        id: id.to_owned(),
        create_time: 1_511_222_400.0,
        routing,
    };
    let canary = |minutes| Routing::Canary {
        percent: 10,
        minutes,
    };
    let linear = |minutes| Routing::Linear {
        percent: 10,
        minutes,
    };
    vec![
        mk(
            "AllAtOnce",
            Routing::AllAtOnce,
            "a0000000-0000-4000-8000-000000000001",
        ),
        mk(
            "Canary10Percent5Minutes",
            canary(5),
            "a0000000-0000-4000-8000-000000000002",
        ),
        mk(
            "Canary10Percent10Minutes",
            canary(10),
            "a0000000-0000-4000-8000-000000000003",
        ),
        mk(
            "Canary10Percent15Minutes",
            canary(15),
            "a0000000-0000-4000-8000-000000000004",
        ),
        mk(
            "Canary10Percent30Minutes",
            canary(30),
            "a0000000-0000-4000-8000-000000000005",
        ),
        mk(
            "Linear10PercentEvery1Minute",
            linear(1),
            "a0000000-0000-4000-8000-000000000006",
        ),
        mk(
            "Linear10PercentEvery2Minutes",
            linear(2),
            "a0000000-0000-4000-8000-000000000007",
        ),
        mk(
            "Linear10PercentEvery3Minutes",
            linear(3),
            "a0000000-0000-4000-8000-000000000008",
        ),
        mk(
            "Linear10PercentEvery10Minutes",
            linear(10),
            "a0000000-0000-4000-8000-000000000009",
        ),
    ]
}

/// The shift plan: `(seconds after AllowTraffic starts, target percent)` for each shift, and
/// when `AllowTraffic` ends (the last shift, or one interval later with
/// `hold_at_100_for_one_interval` on a linear config).
pub fn schedule(routing: Routing, hold_at_100: bool) -> (Vec<(f64, f64)>, f64) {
    match routing {
        Routing::AllAtOnce => (vec![(0.0, 100.0)], 0.0),
        Routing::Canary { percent, minutes } => {
            let interval = f64::from(minutes) * 60.0;
            (
                vec![(0.0, f64::from(percent.min(100))), (interval, 100.0)],
                interval,
            )
        }
        Routing::Linear { percent, minutes } => {
            let interval = f64::from(minutes) * 60.0;
            let p = percent.clamp(1, 100);
            let steps = 100u32.div_ceil(p);
            let plan: Vec<(f64, f64)> = (0..steps)
                .map(|k| (f64::from(k) * interval, f64::from(((k + 1) * p).min(100))))
                .collect();
            let last = plan.last().map_or(0.0, |s| s.0);
            (plan, if hold_at_100 { last + interval } else { last })
        }
    }
}

/// `deploymentConfigInfo` of `GetDeploymentConfig`.
pub fn config_json(c: &DeployConfig) -> Value {
    let routing = match c.routing {
        Routing::AllAtOnce => json!({"type": "AllAtOnce"}),
        Routing::Canary { percent, minutes } => json!({
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": percent, "canaryInterval": minutes},
        }),
        Routing::Linear { percent, minutes } => json!({
            "type": "TimeBasedLinear",
            "timeBasedLinear": {"linearPercentage": percent, "linearInterval": minutes},
        }),
    };
    json!({
        "deploymentConfigId": c.id,
        "deploymentConfigName": c.name,
        "createTime": c.create_time,
        "computePlatform": "Lambda",
        "trafficRoutingConfig": routing,
    })
}

/// Parses `CreateDeploymentConfig`'s `trafficRoutingConfig`.
pub fn parse_routing(v: &Value) -> Result<Routing, String> {
    let int = |obj: &str, key: &str| -> Result<u32, String> {
        v.get(obj)
            .and_then(|o| o.get(key))
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("{obj}.{key} is required"))
    };
    let check = |percent: u32, minutes: u32| {
        if !(1..=99).contains(&percent) || !(1..=2880).contains(&minutes) {
            Err("percentage must be 1-99 and interval 1-2880 minutes".to_owned())
        } else {
            Ok(())
        }
    };
    match v.get("type").and_then(Value::as_str) {
        Some("AllAtOnce") | None => Ok(Routing::AllAtOnce),
        Some("TimeBasedCanary") => {
            let (percent, minutes) = (
                int("timeBasedCanary", "canaryPercentage")?,
                int("timeBasedCanary", "canaryInterval")?,
            );
            check(percent, minutes).map(|()| Routing::Canary { percent, minutes })
        }
        Some("TimeBasedLinear") => {
            let (percent, minutes) = (
                int("timeBasedLinear", "linearPercentage")?,
                int("timeBasedLinear", "linearInterval")?,
            );
            check(percent, minutes).map(|()| Routing::Linear { percent, minutes })
        }
        Some(other) => Err(format!("unknown traffic routing type {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_reaches_100_after_nine_waits_unless_holding() {
        let (plan, end) = schedule(
            Routing::Linear {
                percent: 10,
                minutes: 1,
            },
            false,
        );
        assert_eq!(plan.first(), Some(&(0.0, 10.0)));
        assert_eq!(plan.last(), Some(&(540.0, 100.0)));
        assert!((end - 540.0).abs() < 1e-9);
        let (_, held) = schedule(
            Routing::Linear {
                percent: 10,
                minutes: 1,
            },
            true,
        );
        assert!((held - 600.0).abs() < 1e-9);
    }

    #[test]
    fn non_dividing_linear_caps_the_last_step() {
        let (plan, _) = schedule(
            Routing::Linear {
                percent: 30,
                minutes: 5,
            },
            false,
        );
        assert_eq!(
            plan,
            vec![(0.0, 30.0), (300.0, 60.0), (600.0, 90.0), (900.0, 100.0)]
        );
    }

    #[test]
    fn there_are_nine_predefined_lambda_configs() {
        assert_eq!(predefined().len(), 9);
    }
}
