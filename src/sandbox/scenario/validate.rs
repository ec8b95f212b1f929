//! Consistency checks of a parsed scenario (unknown names, weights outside 0–1, overlapping
//! deployments in a group, ...), each reported with the file, line and field at fault.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use super::{DeploymentSpec, Scenario, ScenarioError, line_of};
use crate::sandbox::codedeploy::config::{Routing, predefined, schedule};

const COMPARISONS: [&str; 4] = [
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];
const EVENTS: [&str; 3] = [
    "DEPLOYMENT_FAILURE",
    "DEPLOYMENT_STOP_ON_ALARM",
    "DEPLOYMENT_STOP_ON_REQUEST",
];
const CREATORS: [&str; 3] = ["user", "CloudFormation", "CodeDeploy"];

/// One deployment's estimated run: (start, end, index), in scenario seconds.
type Run = (f64, f64, usize);

struct Checker<'a> {
    file: &'a str,
    source: &'a str,
}

impl Checker<'_> {
    fn fail(&self, span: Range<usize>, field: String, message: String) -> ScenarioError {
        ScenarioError {
            file: self.file.to_owned(),
            line: line_of(self.source, span.start),
            field,
            message,
        }
    }

    fn check(
        &self,
        ok: bool,
        span: Range<usize>,
        field: impl Fn() -> String,
        message: impl Fn() -> String,
    ) -> Result<(), ScenarioError> {
        if ok {
            Ok(())
        } else {
            Err(self.fail(span, field(), message()))
        }
    }
}

fn known<'a>(set: &BTreeSet<&str>, value: &'a Spanned<String>) -> (&'a str, bool) {
    (
        value.get_ref().as_str(),
        set.contains(value.get_ref().as_str()),
    )
}

/// Validates `s`; the first problem found is returned.
pub fn validate(file: &str, source: &str, s: &Scenario) -> Result<(), ScenarioError> {
    let c = Checker { file, source };
    c.settings(s)?;
    let functions = c.functions(s)?;
    let function_set: BTreeSet<&str> = functions.keys().copied().collect();
    let alarms = c.alarms(s, &function_set)?;
    let configs: BTreeMap<String, Routing> = predefined()
        .into_iter()
        .map(|c| (c.name, c.routing))
        .collect();
    let groups = c.groups(s, &alarms, &configs)?;
    let runs = c.deployments(s, &functions, &function_set, &groups, &configs)?;
    c.one_at_a_time(s, runs)
}

/// Each check of one part of a scenario: the first problem found is returned.
impl Checker<'_> {
    /// `history_minutes` and `[settings]`.
    fn settings(&self, s: &Scenario) -> Result<(), ScenarioError> {
        let source = self.source;
        let key_span = |key: &str| {
            let at = source.find(&format!("\n{key}")).map_or(0, |i| i + 1);
            at..at
        };
        let h = s.history_minutes;
        self.check(
            (0.0..=10_080.0).contains(&h),
            key_span("history_minutes"),
            || "history_minutes".into(),
            || format!("{h} must be between 0 and 10080 (one week)"),
        )?;
        let positive = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && v > 0.0);
        for (key, v) in [
            ("alarm_poll_secs", s.settings.alarm_poll_secs),
            ("hook_timeout_secs", s.settings.hook_timeout_secs),
        ] {
            self.check(
                positive(v),
                key_span(key),
                || format!("settings.{key}"),
                || "must be a positive number of seconds".into(),
            )?;
        }
        Ok(())
    }

    /// A function's bursts, drift and warm-up.
    fn traffic_shape(&self, i: usize, f: &super::FunctionSpec) -> Result<(), ScenarioError> {
        let b = &f.burstiness;
        self.check(
            (0.0..=3.0).contains(b.get_ref()),
            b.span(),
            || format!("function[{i}].burstiness"),
            || "must be between 0 and 3 (the spread of a minute's rate around rpm)".into(),
        )?;
        let d = &f.drift_per_hour;
        self.check(
            (-0.5..=10.0).contains(d.get_ref()),
            d.span(),
            || format!("function[{i}].drift_per_hour"),
            || "must be between -0.5 and 10 (a relative change per hour)".into(),
        )?;
        let slow = &f.warmup_invocations;
        self.check(
            (0.0..=10_000.0).contains(slow.get_ref()) && slow.get_ref().fract() == 0.0,
            slow.span(),
            || format!("function[{i}].warmup_invocations"),
            || {
                "must be a whole number from 0 to 10000 (slow invocations per new environment)"
                    .into()
            },
        )?;
        let factor = &f.warmup_factor;
        self.check(
            (1.0..=100.0).contains(factor.get_ref()),
            factor.span(),
            || format!("function[{i}].warmup_factor"),
            || {
                "must be between 1 and 100 (how many times longer a warm-up invocation takes)"
                    .into()
            },
        )
    }

    /// `[[function]]`: names, versions, weights, error rates, hooks and changes; each
    /// function's number of versions by name.
    fn functions<'s>(&self, s: &'s Scenario) -> Result<BTreeMap<&'s str, u64>, ScenarioError> {
        let mut functions: BTreeMap<&str, u64> = BTreeMap::new();
        for (i, f) in s.function.iter().enumerate() {
            let name = f.name.get_ref().as_str();
            self.check(
                !name.is_empty() && !functions.contains_key(name),
                f.name.span(),
                || format!("function[{i}].name"),
                || format!("duplicate or empty function name `{name}`"),
            )?;
            functions.insert(name, f.versions);
            if let Some(v) = &f.alias_version {
                let ok = (1..=f.versions).contains(v.get_ref());
                self.check(
                    ok,
                    v.span(),
                    || format!("function[{i}].alias_version"),
                    || {
                        format!(
                            "version {} does not exist (the function has versions 1..={})",
                            v.get_ref(),
                            f.versions
                        )
                    },
                )?;
            }
            let mut total = 0.0;
            for (version, w) in &f.alias_weights {
                let field = || format!("function[{i}].alias_weights.{version}");
                self.check((0.0..=1.0).contains(w.get_ref()), w.span(), field, || {
                    format!("weight {} is outside 0..=1", w.get_ref())
                })?;
                let exists = version
                    .parse::<u64>()
                    .is_ok_and(|n| (1..=f.versions).contains(&n));
                self.check(exists, w.span(), field, || {
                    format!("version {version} does not exist")
                })?;
                total += w.get_ref();
            }
            if let Some(w) = f.alias_weights.values().next() {
                self.check(
                    total <= 1.0,
                    w.span(),
                    || format!("function[{i}].alias_weights"),
                    || "the weights add up to more than 1".into(),
                )?;
            }
            let er = &f.error_rate;
            self.check(
                (0.0..=1.0).contains(er.get_ref()),
                er.span(),
                || format!("function[{i}].error_rate"),
                || "must be between 0 and 1".into(),
            )?;
            self.traffic_shape(i, f)?;
            if let Some(h) = &f.hook {
                let ok = ["succeed", "fail", "wait"].contains(&h.get_ref().as_str());
                self.check(
                    ok,
                    h.span(),
                    || format!("function[{i}].hook"),
                    || format!("`{}` is not succeed, fail or wait", h.get_ref()),
                )?;
            }
            for (j, ch) in f.change.iter().enumerate() {
                if let Some(v) = &ch.version {
                    let ok = v
                        .get_ref()
                        .parse::<u64>()
                        .is_ok_and(|n| (1..=f.versions).contains(&n));
                    self.check(
                        ok,
                        v.span(),
                        || format!("function[{i}].change[{j}].version"),
                        || format!("version {} does not exist", v.get_ref()),
                    )?;
                }
                if let Some(er) = &ch.error_rate {
                    self.check(
                        (0.0..=1.0).contains(er.get_ref()),
                        er.span(),
                        || format!("function[{i}].change[{j}].error_rate"),
                        || "must be between 0 and 1".into(),
                    )?;
                }
            }
        }
        Ok(functions)
    }

    /// `[[alarm]]`: periods, datapoint counts, thresholds, functions and comparisons; the
    /// alarms' names.
    fn alarms<'s>(
        &self,
        s: &'s Scenario,
        function_set: &BTreeSet<&str>,
    ) -> Result<BTreeSet<&'s str>, ScenarioError> {
        let mut alarms = BTreeSet::new();
        for (i, a) in s.alarm.iter().enumerate() {
            alarms.insert(a.name.get_ref().as_str());
            let span = a.name.span();
            let period_ok = [10, 30].contains(&a.period_secs)
                || (a.period_secs >= 60 && a.period_secs % 60 == 0);
            self.check(
                period_ok,
                span.clone(),
                || format!("alarm[{i}].period_secs"),
                || format!("{} is not 10, 30 or a multiple of 60", a.period_secs),
            )?;
            let dta = a.datapoints_to_alarm.unwrap_or(a.evaluation_periods);
            let counts_ok = a.evaluation_periods >= 1 && (1..=a.evaluation_periods).contains(&dta);
            self.check(
                counts_ok,
                span.clone(),
                || format!("alarm[{i}].datapoints_to_alarm"),
                || "need 1 <= datapoints_to_alarm <= evaluation_periods".into(),
            )?;
            self.check(
                a.threshold.is_finite(),
                span,
                || format!("alarm[{i}].threshold"),
                || "must be a finite number".into(),
            )?;
            if let Some(fname) = a.dimensions.get("FunctionName") {
                let (name, ok) = known(function_set, fname);
                self.check(
                    ok,
                    fname.span(),
                    || format!("alarm[{i}].dimensions.FunctionName"),
                    || format!("unknown function `{name}`"),
                )?;
            }
            let cmp = &a.comparison;
            self.check(
                COMPARISONS.contains(&cmp.get_ref().as_str()),
                cmp.span(),
                || format!("alarm[{i}].comparison"),
                || {
                    format!(
                        "`{}` is not one of {}",
                        cmp.get_ref(),
                        COMPARISONS.join(", ")
                    )
                },
            )?;
        }
        Ok(alarms)
    }

    /// `[[group]]`: applications, configs, alarms and rollback events; each group's config by
    /// (application, group).
    fn groups<'s>(
        &self,
        s: &'s Scenario,
        alarms: &BTreeSet<&str>,
        configs: &BTreeMap<String, Routing>,
    ) -> Result<BTreeMap<(&'s str, &'s str), Option<&'s str>>, ScenarioError> {
        let apps: BTreeSet<&str> = s
            .application
            .iter()
            .map(|a| a.name.get_ref().as_str())
            .collect();
        let mut groups: BTreeMap<(&str, &str), Option<&str>> = BTreeMap::new();
        for (i, g) in s.group.iter().enumerate() {
            let (app, ok) = known(&apps, &g.application);
            self.check(
                ok,
                g.application.span(),
                || format!("group[{i}].application"),
                || format!("unknown application `{app}`"),
            )?;
            if let Some(cfg) = &g.config {
                self.check(
                    configs.contains_key(cfg.get_ref()),
                    cfg.span(),
                    || format!("group[{i}].config"),
                    || format!("unknown deployment config `{}`", cfg.get_ref()),
                )?;
            }
            for (j, a) in g.alarms.iter().enumerate() {
                let (name, ok) = known(alarms, a);
                self.check(
                    ok,
                    a.span(),
                    || format!("group[{i}].alarms[{j}]"),
                    || format!("unknown alarm `{name}`"),
                )?;
            }
            for (j, e) in g.auto_rollback.iter().enumerate() {
                self.check(
                    EVENTS.contains(&e.get_ref().as_str()),
                    e.span(),
                    || format!("group[{i}].auto_rollback[{j}]"),
                    || format!("`{}` is not one of {}", e.get_ref(), EVENTS.join(", ")),
                )?;
            }
            groups.insert(
                (app, g.name.get_ref().as_str()),
                g.config.as_ref().map(|c| c.get_ref().as_str()),
            );
        }
        Ok(groups)
    }

    /// `[[deployment]]`: groups, functions, versions, hooks, creators, configs and times; each
    /// group's deployments as estimated runs.
    fn deployments<'s>(
        &self,
        s: &'s Scenario,
        functions: &BTreeMap<&str, u64>,
        function_set: &BTreeSet<&str>,
        groups: &BTreeMap<(&str, &str), Option<&str>>,
        configs: &BTreeMap<String, Routing>,
    ) -> Result<BTreeMap<(&'s str, &'s str), Vec<Run>>, ScenarioError> {
        let mut by_group: BTreeMap<(&str, &str), Vec<Run>> = BTreeMap::new();
        for (i, d) in s.deployment.iter().enumerate() {
            let key = (d.application.get_ref().as_str(), d.group.get_ref().as_str());
            self.check(
                groups.contains_key(&key),
                d.group.span(),
                || format!("deployment[{i}].group"),
                || {
                    format!(
                        "unknown deployment group `{}` in application `{}`",
                        key.1, key.0
                    )
                },
            )?;
            let (fname, ok) = known(function_set, &d.function);
            self.check(
                ok,
                d.function.span(),
                || format!("deployment[{i}].function"),
                || format!("unknown function `{fname}`"),
            )?;
            let versions = functions.get(fname).copied().unwrap_or(0);
            let t = &d.target;
            self.check(
                (1..=versions).contains(t.get_ref()),
                t.span(),
                || format!("deployment[{i}].target"),
                || format!("version {} does not exist", t.get_ref()),
            )?;
            for (hook, field) in [
                (&d.before_hook, "before_hook"),
                (&d.after_hook, "after_hook"),
            ] {
                if let Some(h) = hook {
                    let (name, ok) = known(function_set, h);
                    self.check(
                        ok,
                        h.span(),
                        || format!("deployment[{i}].{field}"),
                        || format!("unknown function `{name}`"),
                    )?;
                }
            }
            let cr = &d.creator;
            self.check(
                CREATORS.contains(&cr.get_ref().as_str()),
                cr.span(),
                || format!("deployment[{i}].creator"),
                || format!("`{}` is not one of {}", cr.get_ref(), CREATORS.join(", ")),
            )?;
            let config = d
                .config
                .as_ref()
                .map(|c| c.get_ref().as_str())
                .or(groups.get(&key).copied().flatten())
                .unwrap_or("CodeDeployDefault.LambdaAllAtOnce");
            let Some(routing) = configs.get(config) else {
                let span = d.config.as_ref().map_or(d.at_min.span(), Spanned::span);
                return Err(self.fail(
                    span,
                    format!("deployment[{i}].config"),
                    format!("unknown deployment config `{config}`"),
                ));
            };
            let at = *d.at_min.get_ref();
            self.check(
                at.is_finite() && at.abs() <= 10_080.0,
                d.at_min.span(),
                || format!("deployment[{i}].at_min"),
                || "must be a number of minutes within a week of the start".into(),
            )?;
            if let Some(stop) = &d.stop_at_min {
                self.check(
                    stop.get_ref().is_finite() && *stop.get_ref() > at,
                    stop.span(),
                    || format!("deployment[{i}].stop_at_min"),
                    || "must come after at_min".into(),
                )?;
            }
            let (start, end) = estimated_run(s, d, *routing);
            by_group.entry(key).or_default().push((start, end, i));
        }
        Ok(by_group)
    }

    /// A group runs one deployment at a time: no two runs of a group overlap.
    fn one_at_a_time(
        &self,
        s: &Scenario,
        mut by_group: BTreeMap<(&str, &str), Vec<Run>>,
    ) -> Result<(), ScenarioError> {
        for runs in by_group.values_mut() {
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            for pair in runs.windows(2) {
                let (prev, next) = (pair[0], pair[1]);
                if next.0 < prev.1 {
                    let d = &s.deployment[next.2];
                    return Err(self.fail(d.at_min.span(), format!("deployment[{}].at_min", next.2), format!(
                    "overlaps deployment[{}] in the same group, which runs until minute {:.1}: a group runs one deployment at a time",
                    prev.2, prev.1 / 60.0
                )));
                }
            }
        }
        Ok(())
    }
}

/// When deployment `d` would start and end, in scenario seconds: from `at_min` to `stop_at_min`,
/// or through its hooks (10 s each) and its config's whole schedule.
fn estimated_run(s: &Scenario, d: &DeploymentSpec, routing: Routing) -> (f64, f64) {
    let start = d.at_min.get_ref() * 60.0;
    let hooks = [&d.before_hook, &d.after_hook]
        .iter()
        .filter(|h| h.is_some())
        .count() as f64
        * 10.0;
    let hold = s.settings.hold_at_100_for_one_interval.unwrap_or(false);
    let end = d.stop_at_min.as_ref().map_or_else(
        || start + 5.0 + hooks + schedule(routing, hold).1,
        |stop| stop.get_ref() * 60.0,
    );
    (start, end)
}
