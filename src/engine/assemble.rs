//! Turning what the rounds of calls fetched into one [`DeploymentView`]: which deployments are
//! watched, which weight is shown (live alias, else CodeDeploy's record, labelled), the plan and
//! schedule, the alarms that concern the deployment, and its warnings.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::{
    Alarm, AliasSplit, AliasWeights, AppSpec, Deployment, DeploymentAlarm, DeploymentConfig,
    DeploymentStatus, DeploymentView, Disagreement, Failure, Freshness, FunctionTarget,
    GroupSettings, LambdaTarget, MetricWindow, Part, ScheduleModel, ScheduleStatus, TargetWeight,
    TrafficPlan, VerdictConfig, VersionMetrics, ViewFreshness, WeightSource, judge_view,
    warnings_for,
};

/// How views are assembled and judged: the timing model's tunable points and the verdict's
/// thresholds (the `[schedule]` and `[verdict]` sections of the config file).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub schedule: ScheduleModel,
    pub verdict: Arc<VerdictConfig>,
}

/// Which minutes of the per-version metrics a view shows. The verdict is judged before they
/// are cut to these: it sees every minute fetched since its deployment began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShownMinutes {
    /// The last N complete minutes.
    Last(u32),
    /// Since the deployment's traffic started shifting (else since it started).
    SinceTrafficStart,
}

impl ShownMinutes {
    /// The first minute shown in `view` at `now`.
    fn from(self, view: &DeploymentView, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Last(minutes) => Some(MetricWindow::last_minutes(now, minutes).start),
            Self::SinceTrafficStart => view
                .traffic_start()
                .or(view.deployment.start_time)
                .or(view.deployment.create_time),
        }
    }
}

/// What the rounds fetched for one deployment.
#[derive(Debug)]
pub struct Fetched {
    /// None until the target was read.
    pub target: Option<Result<Option<LambdaTarget>, Failure>>,
    pub appspec: Part<AppSpec>,
    pub config: Part<DeploymentConfig>,
    pub group: Part<GroupSettings>,
    pub alias: Option<Part<AliasWeights>>,
    /// Every alarm of every watched group (filtered per deployment here).
    pub alarms: Option<Result<Vec<Alarm>, Failure>>,
    pub metrics: Option<Part<Vec<VersionMetrics>>>,
    /// How fresh each part is, when the caller tracks it (the live engine); None: everything
    /// was fetched once, now (a snapshot).
    pub freshness: Option<ViewFreshness>,
    /// A disagreement between the live alias and CodeDeploy's record that the reads prove
    /// (the live engine's; a snapshot's single reads never prove one).
    pub alias_disagrees: Option<Disagreement>,
}

impl Default for Fetched {
    fn default() -> Self {
        Self {
            target: None,
            appspec: Part::skipped("not fetched"),
            config: Part::skipped("not fetched"),
            group: Part::skipped("not fetched"),
            alias: None,
            alarms: None,
            metrics: None,
            freshness: None,
            alias_disagrees: None,
        }
    }
}

/// The deployments worth a full view: every active one, and every stopped one that no later
/// deployment of its group superseded and that caused no rollback (its alias may be split).
pub fn watched(all: &[Deployment]) -> Vec<Deployment> {
    let superseded = |d: &Deployment| {
        all.iter().any(|o| {
            o.id != d.id
                && o.application == d.application
                && o.group == d.group
                && o.create_time > d.create_time
        })
    };
    let mut out: Vec<Deployment> = all
        .iter()
        .filter(|d| d.status.is_active() || (d.left_split() && !superseded(d)))
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        (!a.status.is_active(), b.create_time).cmp(&(!b.status.is_active(), a.create_time))
    });
    out
}

/// The row of a split outside any deployment: its alias as last read, its per-version
/// metrics (primary version against the one taking part of the traffic) and the verdict on
/// them since the split was first seen (rollwatch cannot know when it began), the metrics
/// then cut to `shown`.
pub fn split_view(
    split: &AliasSplit,
    metrics: Option<Result<Vec<VersionMetrics>, Failure>>,
    rules: &Rules,
    shown: ShownMinutes,
    now: DateTime<Utc>,
) -> DeploymentView {
    let mut view = DeploymentView::of_split(split);
    view.metrics = match metrics {
        Some(Ok(value)) => Part::Ok { value },
        Some(Err(failure)) => Part::Failed { failure },
        None => Part::skipped("fetching metrics…"),
    };
    judge_then_cut(&mut view, rules, shown, now);
    view
}

/// Judges `view` on every minute of its metrics, then cuts them to the minutes `shown`.
fn judge_then_cut(
    view: &mut DeploymentView,
    rules: &Rules,
    shown: ShownMinutes,
    now: DateTime<Utc>,
) {
    view.verdict = judge_view(view, &rules.verdict);
    if let (Some(from), Part::Ok { value }) = (shown.from(view, now), &mut view.metrics) {
        for version in value {
            version.points.retain(|p| p.at >= from);
        }
    }
}

/// The view of `deployment` from what was fetched, at `now`, its metrics cut to `shown` once
/// judged.
pub fn assemble_view(
    mut deployment: Deployment,
    fetched: Fetched,
    now: DateTime<Utc>,
    rules: &Rules,
    shown: ShownMinutes,
) -> DeploymentView {
    let target = match fetched.target {
        Some(Ok(Some(t))) => Part::Ok { value: t },
        Some(Ok(None)) => Part::skipped("CodeDeploy has not created the deployment target yet"),
        Some(Err(failure)) => Part::Failed { failure },
        None if matches!(
            deployment.status,
            DeploymentStatus::Created | DeploymentStatus::Queued
        ) =>
        {
            Part::skipped("not started: CodeDeploy creates the target when the deployment starts")
        }
        None if deployment.status.is_active() => Part::skipped("not fetched yet"),
        None => Part::skipped("not fetched"),
    };
    deployment.target = target.value().map(|t| t.function.clone()).or_else(|| {
        fetched.appspec.value().map(|a| FunctionTarget {
            function: a.function.clone(),
            alias: a.alias.clone(),
            current_version: a.current_version.clone(),
            target_version: a.target_version.clone(),
        })
    });
    let alias = fetched.alias.unwrap_or_else(|| {
        Part::skipped("the function and alias are unknown (no readable AppSpec)")
    });
    let weight = weight_shown(
        &deployment,
        alias.value(),
        target.value(),
        fetched.freshness.as_ref(),
    )
    .map(|shown| match fetched.alias_disagrees {
        // Proven changed outside CodeDeploy: the traffic is the live alias's, whatever the
        // record says (the warning says that).
        Some(d) => TargetWeight {
            weight: d.live,
            source: WeightSource::LiveAlias,
        },
        None => shown,
    });
    let plan = plan_for(&deployment, &fetched.config, target.value(), rules.schedule);
    let schedule = plan.as_ref().map(|p| ScheduleStatus::of(p, now));
    let start = deployment.start_time.or(deployment.create_time);
    let watches_no_alarms = fetched
        .group
        .value()
        .is_some_and(|g| g.alarm_names.is_empty());
    let alarms = match (fetched.group.value(), fetched.alarms) {
        // Nothing to fetch: known at once, never "not fetched" and never stale.
        _ if watches_no_alarms => Part::Ok { value: Vec::new() },
        (Some(group), Some(Ok(all))) => Part::Ok {
            value: all
                .into_iter()
                .filter(|a| group.alarm_names.contains(&a.name))
                .map(|a| DeploymentAlarm::new(a, start))
                .collect(),
        },
        (Some(_), Some(Err(failure))) => Part::Failed { failure },
        (Some(_), None) => Part::skipped("not fetched"),
        (None, _) => Part::skipped("the deployment group's settings are unavailable"),
    };
    let metrics = fetched
        .metrics
        .unwrap_or_else(|| Part::skipped("the versions are unknown"));
    let mut view = DeploymentView {
        deployment,
        config: fetched.config,
        target,
        appspec: fetched.appspec,
        group: fetched.group,
        alias,
        weight,
        plan,
        schedule,
        alarms,
        metrics,
        alias_disagrees: fetched.alias_disagrees,
        warnings: Vec::new(),
        freshness: ViewFreshness::default(),
        verdict: None,
    };
    judge_then_cut(&mut view, rules, shown, now);
    view.freshness = fetched.freshness.unwrap_or_else(|| ViewFreshness {
        deployment: Freshness::fetched(now, 0),
        target: freshness_of(&view.target, now),
        alias: freshness_of(&view.alias, now),
        alarms: freshness_of(&view.alarms, now),
        metrics: freshness_of(&view.metrics, now),
    });
    if watches_no_alarms {
        view.freshness.alarms = Freshness::default();
    }
    view.warnings = warnings_for(&view, now);
    view
}

/// Freshness of a part fetched once at `now`.
fn freshness_of<T>(part: &Part<T>, now: DateTime<Utc>) -> Freshness {
    match part {
        Part::Ok { .. } => Freshness::fetched(now, 0),
        Part::Failed { failure } => Freshness {
            last_error: Some(failure.clone()),
            ..Freshness::default()
        },
        Part::Skipped { .. } => Freshness::default(),
    }
}

/// The predicted plan of an active deployment whose config is known and whose traffic shifting
/// has started.
pub fn plan_for(
    deployment: &Deployment,
    config: &Part<DeploymentConfig>,
    target: Option<&LambdaTarget>,
    model: ScheduleModel,
) -> Option<TrafficPlan> {
    let t0 = target?.traffic_start()?;
    let config = config.value()?;
    deployment
        .status
        .is_active()
        .then(|| TrafficPlan::new(config.routing, t0, model))
}

/// The target version's share as last observed (unless a disagreement is proven: then the
/// live alias's): the live alias, or CodeDeploy's record when it was read after the alias (a shift CodeDeploy recorded that the alias read has not caught
/// up with yet) or the alias was not read. A snapshot reads both at once: the alias wins.
fn weight_shown(
    deployment: &Deployment,
    alias: Option<&AliasWeights>,
    target: Option<&LambdaTarget>,
    freshness: Option<&ViewFreshness>,
) -> Option<TargetWeight> {
    let version = deployment
        .target
        .as_ref()
        .map(|t| t.target_version.as_str())?;
    let live = alias.map(|alias| TargetWeight {
        weight: alias.weight_of(version),
        source: WeightSource::LiveAlias,
    });
    let recorded = target.map(|t| TargetWeight {
        weight: t.recorded_weight,
        source: WeightSource::CodeDeployRecord,
    });
    let record_is_newer = freshness.is_some_and(|f| {
        matches!(
            (f.target.fetched_at, f.alias.fetched_at),
            (Some(record), Some(alias)) if record > alias
        )
    });
    match (live, recorded) {
        (Some(live), Some(recorded))
            if record_is_newer && (recorded.weight - live.weight).abs() > 0.000_5 =>
        {
            Some(recorded)
        }
        (Some(live), _) => Some(live),
        (None, recorded) => recorded,
    }
}
