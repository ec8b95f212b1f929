//! Turns a validated scenario into the initial world: functions with their versions and aliases,
//! traffic, alarms, applications, groups, hook behaviours and scheduled deployments.

use std::collections::BTreeMap;

use super::Scenario;
use crate::sandbox::cloudwatch::AlarmSpec;
use crate::sandbox::codedeploy::appspec::{AppSpec, render};
use crate::sandbox::codedeploy::context::sha256_hex;
use crate::sandbox::codedeploy::ops::NewDeployment;
use crate::sandbox::codedeploy::{Group, HookBehavior, Revision, Settings};
use crate::sandbox::lambda::{ACCOUNT, NewFunction};
use crate::sandbox::traffic::{BusinessSeries, Change, FunctionTraffic, Profile, Warmup};
use crate::sandbox::world::World;

/// The simulation tunables a scenario sets.
pub fn settings(s: &Scenario) -> Settings {
    let d = Settings::default();
    Settings {
        alarm_poll_secs: s.settings.alarm_poll_secs.unwrap_or(d.alarm_poll_secs),
        hold_at_100_for_one_interval: s
            .settings
            .hold_at_100_for_one_interval
            .unwrap_or(d.hold_at_100_for_one_interval),
        hook_timeout_secs: s.settings.hook_timeout_secs.unwrap_or(d.hook_timeout_secs),
        start_delay_secs: d.start_delay_secs,
    }
}

/// Fills `world` (whose simulation starts at `start`) from `s`; `base` is the scenario's "now"
/// (minute 0).
pub fn apply(s: &Scenario, world: &mut World, start: f64, base: f64) {
    let at = |min: f64| base + (min * 60.0).round();
    // Drift (`drift_per_hour`) counts from minute 0, where the scenario's deployments begin.
    world.traffic.epoch = base;
    functions(s, world, start, &at);
    alarms(s, world, start);
    groups(s, world, start);
    deployments(s, world, &at);
}

/// The functions with their versions, aliases, traffic and hook behaviours.
fn functions(s: &Scenario, world: &mut World, start: f64, at: &impl Fn(f64) -> f64) {
    for f in &s.function {
        let name = f.name.get_ref().clone();
        let sha = sha256_hex(&name);
        let spec = NewFunction {
            name: name.clone(),
            code_sha: sha,
            code_size: 4096,
            log_group: f.log_group.clone(),
            ..NewFunction::default()
        };
        world.lambda.create_function(spec, start);
        for k in 1..=f.versions {
            world
                .lambda
                .publish(&name, Some(format!("release {k}")), start);
        }
        if let Some(alias) = &f.alias {
            let version = f
                .alias_version
                .as_ref()
                .map_or(f.versions, |v| *v.get_ref())
                .to_string();
            let weights: BTreeMap<String, f64> = f
                .alias_weights
                .iter()
                .map(|(k, v)| (k.clone(), *v.get_ref()))
                .collect();
            world.lambda.set_routing(
                &mut world.obs,
                start,
                &name,
                alias,
                &version,
                weights,
                "scenario",
                None,
            );
            world.traffic.functions.push(FunctionTraffic {
                function: name.clone(),
                alias: alias.clone(),
                rpm: f.rpm,
                burstiness: *f.burstiness.get_ref(),
                drift_per_hour: *f.drift_per_hour.get_ref(),
                warmup: Warmup {
                    invocations: *f.warmup_invocations.get_ref() as u64,
                    factor: *f.warmup_factor.get_ref(),
                },
                base: Profile {
                    error_rate: *f.error_rate.get_ref(),
                    p50_ms: f.p50_ms,
                    p99_ms: f.p99_ms,
                    business_rate: f.business_rate,
                },
                business: f.business_metric.as_ref().map(|b| BusinessSeries {
                    namespace: b.namespace.clone(),
                    name: b.name.clone(),
                }),
                changes: f
                    .change
                    .iter()
                    .map(|c| Change {
                        from: at(c.at_min),
                        version: c.version.as_ref().map(|v| v.get_ref().clone()),
                        error_rate: c.error_rate.as_ref().map(|e| *e.get_ref()),
                        p50_ms: c.p50_ms,
                        p99_ms: c.p99_ms,
                        business_rate: c.business_rate,
                    })
                    .collect(),
            });
        }
        if let Some(hook) = &f.hook {
            let after_secs = f.hook_delay_secs;
            let behavior = match hook.get_ref().as_str() {
                "fail" => HookBehavior::Fail { after_secs },
                "wait" => HookBehavior::Wait,
                _ => HookBehavior::Succeed { after_secs },
            };
            world.codedeploy.hooks.insert(name, behavior);
        }
    }
}

/// The CloudWatch alarms.
fn alarms(s: &Scenario, world: &mut World, start: f64) {
    for a in &s.alarm {
        let spec = AlarmSpec {
            name: a.name.get_ref().clone(),
            namespace: a.namespace.clone(),
            metric_name: a.metric.clone(),
            dimensions: a
                .dimensions
                .iter()
                .map(|(k, v)| (k.clone(), v.get_ref().clone()))
                .collect(),
            statistic: a.statistic.clone(),
            period_secs: a.period_secs,
            evaluation_periods: a.evaluation_periods,
            datapoints_to_alarm: a.datapoints_to_alarm.unwrap_or(a.evaluation_periods),
            threshold: a.threshold,
            comparison: a.comparison.get_ref().clone(),
            treat_missing_data: a.treat_missing_data.clone(),
        };
        world.cloudwatch.put_alarm(spec, start);
    }
}

/// The CodeDeploy applications and their deployment groups.
fn groups(s: &Scenario, world: &mut World, start: f64) {
    for app in &s.application {
        world
            .codedeploy
            .create_application(app.name.get_ref(), start);
    }
    for g in &s.group {
        let id = world.codedeploy.ids.uuid();
        let group = Group {
            application: g.application.get_ref().clone(),
            name: g.name.get_ref().clone(),
            id,
            config_name: g.config.as_ref().map_or_else(
                || "CodeDeployDefault.LambdaAllAtOnce".to_owned(),
                |c| c.get_ref().clone(),
            ),
            service_role: format!("arn:aws:iam::{ACCOUNT}:role/CodeDeployServiceRole"),
            alarms_enabled: !g.alarms.is_empty(),
            ignore_poll_alarm_failure: false,
            alarms: g.alarms.iter().map(|a| a.get_ref().clone()).collect(),
            auto_rollback: (!g.auto_rollback.is_empty()).then(|| {
                g.auto_rollback
                    .iter()
                    .map(|e| e.get_ref().clone())
                    .collect()
            }),
            last_attempted: None,
            last_successful: None,
        };
        world
            .codedeploy
            .groups
            .insert((group.application.clone(), group.name.clone()), group);
    }
}

/// The deployments, each scheduled at its minute with its AppSpec.
fn deployments(s: &Scenario, world: &mut World, at: &impl Fn(f64) -> f64) {
    for d in &s.deployment {
        let function = d.function.get_ref().clone();
        let alias = d
            .alias
            .clone()
            .or_else(|| {
                s.function
                    .iter()
                    .find(|f| *f.name.get_ref() == function)
                    .and_then(|f| f.alias.clone())
            })
            .unwrap_or_else(|| "live".into());
        let spec = AppSpec {
            function,
            alias,
            current: d.current.to_string(),
            target: d.target.get_ref().to_string(),
            before_hook: d.before_hook.as_ref().map(|h| h.get_ref().clone()),
            after_hook: d.after_hook.as_ref().map(|h| h.get_ref().clone()),
        };
        let content = render(&spec);
        let creator = d.creator.get_ref().clone();
        let external_id = (creator == "CloudFormation").then(|| {
            format!(
                "arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{}-stack/{}",
                d.application.get_ref(),
                world.codedeploy.ids.uuid()
            )
        });
        let req = NewDeployment {
            application: d.application.get_ref().clone(),
            group: d.group.get_ref().clone(),
            config_name: d.config.as_ref().map(|c| c.get_ref().clone()),
            revision: Revision {
                kind: "AppSpecContent".into(),
                sha256: sha256_hex(&content),
                content,
            },
            creator,
            description: d.description.clone(),
            external_id,
            auto_rollback_override: None,
            planned_stop: d
                .stop_at_min
                .as_ref()
                .map(|m| (at(*m.get_ref()), d.stop_rollback)),
        };
        world.scheduled.push((at(*d.at_min.get_ref()), req));
    }
}
