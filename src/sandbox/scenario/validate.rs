//! Consistency checks of a parsed scenario (unknown names, weights outside 0–1, overlapping
//! deployments in a group, ...), each reported with the file, line and field at fault.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use super::{Scenario, ScenarioError, line_of};
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
    let mut functions: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, f) in s.function.iter().enumerate() {
        let name = f.name.get_ref().as_str();
        c.check(
            !name.is_empty() && !functions.contains_key(name),
            f.name.span(),
            || format!("function[{i}].name"),
            || format!("duplicate or empty function name `{name}`"),
        )?;
        functions.insert(name, f.versions);
        if let Some(v) = &f.alias_version {
            let ok = (1..=f.versions).contains(v.get_ref());
            c.check(
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
            c.check((0.0..=1.0).contains(w.get_ref()), w.span(), field, || {
                format!("weight {} is outside 0..=1", w.get_ref())
            })?;
            let exists = version
                .parse::<u64>()
                .is_ok_and(|n| (1..=f.versions).contains(&n));
            c.check(exists, w.span(), field, || {
                format!("version {version} does not exist")
            })?;
            total += w.get_ref();
        }
        if let Some(w) = f.alias_weights.values().next() {
            c.check(
                total <= 1.0,
                w.span(),
                || format!("function[{i}].alias_weights"),
                || "the weights add up to more than 1".into(),
            )?;
        }
        let er = &f.error_rate;
        c.check(
            (0.0..=1.0).contains(er.get_ref()),
            er.span(),
            || format!("function[{i}].error_rate"),
            || "must be between 0 and 1".into(),
        )?;
        if let Some(h) = &f.hook {
            let ok = ["succeed", "fail", "wait"].contains(&h.get_ref().as_str());
            c.check(
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
                c.check(
                    ok,
                    v.span(),
                    || format!("function[{i}].change[{j}].version"),
                    || format!("version {} does not exist", v.get_ref()),
                )?;
            }
            if let Some(er) = &ch.error_rate {
                c.check(
                    (0.0..=1.0).contains(er.get_ref()),
                    er.span(),
                    || format!("function[{i}].change[{j}].error_rate"),
                    || "must be between 0 and 1".into(),
                )?;
            }
        }
    }
    let function_set: BTreeSet<&str> = functions.keys().copied().collect();
    let mut alarms = BTreeSet::new();
    for (i, a) in s.alarm.iter().enumerate() {
        alarms.insert(a.name.get_ref().as_str());
        if let Some(fname) = a.dimensions.get("FunctionName") {
            let (name, ok) = known(&function_set, fname);
            c.check(
                ok,
                fname.span(),
                || format!("alarm[{i}].dimensions.FunctionName"),
                || format!("unknown function `{name}`"),
            )?;
        }
        let cmp = &a.comparison;
        c.check(
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
    let apps: BTreeSet<&str> = s
        .application
        .iter()
        .map(|a| a.name.get_ref().as_str())
        .collect();
    let configs: BTreeMap<String, Routing> = predefined()
        .into_iter()
        .map(|c| (c.name, c.routing))
        .collect();
    let mut groups: BTreeMap<(&str, &str), Option<&str>> = BTreeMap::new();
    for (i, g) in s.group.iter().enumerate() {
        let (app, ok) = known(&apps, &g.application);
        c.check(
            ok,
            g.application.span(),
            || format!("group[{i}].application"),
            || format!("unknown application `{app}`"),
        )?;
        if let Some(cfg) = &g.config {
            c.check(
                configs.contains_key(cfg.get_ref()),
                cfg.span(),
                || format!("group[{i}].config"),
                || format!("unknown deployment config `{}`", cfg.get_ref()),
            )?;
        }
        for (j, a) in g.alarms.iter().enumerate() {
            let (name, ok) = known(&alarms, a);
            c.check(
                ok,
                a.span(),
                || format!("group[{i}].alarms[{j}]"),
                || format!("unknown alarm `{name}`"),
            )?;
        }
        for (j, e) in g.auto_rollback.iter().enumerate() {
            c.check(
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
    let mut by_group: BTreeMap<(&str, &str), Vec<Run>> = BTreeMap::new();
    for (i, d) in s.deployment.iter().enumerate() {
        let key = (d.application.get_ref().as_str(), d.group.get_ref().as_str());
        c.check(
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
        let (fname, ok) = known(&function_set, &d.function);
        c.check(
            ok,
            d.function.span(),
            || format!("deployment[{i}].function"),
            || format!("unknown function `{fname}`"),
        )?;
        let versions = functions.get(fname).copied().unwrap_or(0);
        let t = &d.target;
        c.check(
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
                let (name, ok) = known(&function_set, h);
                c.check(
                    ok,
                    h.span(),
                    || format!("deployment[{i}].{field}"),
                    || format!("unknown function `{name}`"),
                )?;
            }
        }
        let cr = &d.creator;
        c.check(
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
            return Err(c.fail(
                span,
                format!("deployment[{i}].config"),
                format!("unknown deployment config `{config}`"),
            ));
        };
        let start = d.at_min.get_ref() * 60.0;
        let hooks = [&d.before_hook, &d.after_hook]
            .iter()
            .filter(|h| h.is_some())
            .count() as f64
            * 10.0;
        let end = match &d.stop_at_min {
            Some(stop) => stop.get_ref() * 60.0,
            None => {
                start
                    + 5.0
                    + hooks
                    + schedule(
                        *routing,
                        s.settings.hold_at_100_for_one_interval.unwrap_or(false),
                    )
                    .1
            }
        };
        by_group.entry(key).or_default().push((start, end, i));
    }
    for runs in by_group.values_mut() {
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in runs.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            if next.0 < prev.1 {
                let d = &s.deployment[next.2];
                return Err(c.fail(d.at_min.span(), format!("deployment[{}].at_min", next.2), format!(
                    "overlaps deployment[{}] in the same group, which runs until minute {:.1}: a group runs one deployment at a time",
                    prev.2, prev.1 / 60.0
                )));
            }
        }
    }
    Ok(())
}
