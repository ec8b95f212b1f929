//! SDK shapes → domain values. Pure mapping, no calls; every missing field has a sane default
//! so an odd response never becomes a panic.

use aws_sdk_cloudwatch::types as cw;
use aws_sdk_codedeploy::types as cd;
use chrono::{DateTime, Utc};

use crate::domain::{
    Alarm, AlarmKind, AlarmMeasure, AlarmState, AliasWeights, Creator, Deployment,
    DeploymentConfig, DeploymentError, DeploymentStatus, EventStatus, FunctionTarget,
    GroupSettings, LambdaTarget, LifecycleEvent, Revision, RollbackLinks, TrafficRouting,
    normalize_recorded_weight,
};

/// A smithy timestamp as chrono.
pub fn time(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// chrono as a smithy timestamp.
pub fn smithy_time(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_millis(t.timestamp_millis())
}

/// A deployment from `DeploymentInfo`.
pub fn deployment(info: &cd::DeploymentInfo) -> Deployment {
    Deployment {
        id: info.deployment_id().unwrap_or_default().to_string(),
        application: info.application_name().unwrap_or_default().to_string(),
        group: info.deployment_group_name().unwrap_or_default().to_string(),
        status: DeploymentStatus::parse(info.status().map_or("Unknown", |s| s.as_str())),
        creator: Creator::parse(info.creator().map_or("user", |c| c.as_str())),
        config_name: info
            .deployment_config_name()
            .unwrap_or_default()
            .to_string(),
        create_time: info.create_time().and_then(time),
        start_time: info.start_time().and_then(time),
        complete_time: info.complete_time().and_then(time),
        target: None,
        rollback: info
            .rollback_info()
            .map_or_else(RollbackLinks::default, |r| RollbackLinks {
                rollback_deployment_id: r.rollback_deployment_id().map(str::to_string),
                triggered_by_deployment_id: r
                    .rollback_triggering_deployment_id()
                    .map(str::to_string),
                message: r.rollback_message().map(str::to_string),
            }),
        error: info
            .error_information()
            .map(|e| DeploymentError {
                code: e.code().map(|c| c.as_str().to_string()).unwrap_or_default(),
                message: e.message().unwrap_or_default().to_string(),
            })
            .filter(|e| !e.code.is_empty() || !e.message.is_empty()),
        status_messages: info.deployment_status_messages().to_vec(),
        external_id: info
            .external_id()
            .filter(|x| !x.is_empty())
            .map(str::to_string),
        description: info.description().map(str::to_string),
        revision: info.revision().map(revision),
        source: crate::domain::Source::CodeDeploy,
    }
}

fn revision(r: &cd::RevisionLocation) -> Revision {
    let (content, sha256) = match (r.app_spec_content(), r.string()) {
        (Some(a), _) => (
            a.content().map(str::to_string),
            a.sha256().map(str::to_string),
        ),
        (None, Some(s)) => (
            s.content().map(str::to_string),
            s.sha256().map(str::to_string),
        ),
        (None, None) => (None, None),
    };
    Revision {
        kind: r.revision_type().map_or("", |t| t.as_str()).to_string(),
        content,
        sha256,
        location: r.s3_location().map(|s| {
            format!(
                "s3://{}/{}",
                s.bucket().unwrap_or_default(),
                s.key().unwrap_or_default()
            )
        }),
    }
}

/// The SDK revision location to ask GetApplicationRevision for.
#[expect(
    deprecated,
    reason = "String revisions are deprecated but still exist in accounts"
)]
pub fn revision_location(r: &Revision) -> Option<cd::RevisionLocation> {
    let kind = cd::RevisionLocationType::from(r.kind.as_str());
    let builder = cd::RevisionLocation::builder().revision_type(kind.clone());
    match kind {
        cd::RevisionLocationType::AppSpecContent => Some(
            builder
                .app_spec_content(
                    cd::AppSpecContent::builder()
                        .set_sha256(r.sha256.clone())
                        .build(),
                )
                .build(),
        ),
        cd::RevisionLocationType::String => Some(
            builder
                .string(
                    cd::RawString::builder()
                        .set_sha256(r.sha256.clone())
                        .build(),
                )
                .build(),
        ),
        _ => None,
    }
}

/// The sha256 and content of an AppSpec revision location, from whichever of its
/// `appSpecContent` and `string` fields carries them (public code reads the content of a Lambda
/// revision from `string`), when it carries a content.
#[expect(
    deprecated,
    reason = "String revisions are deprecated but still exist in accounts"
)]
pub fn revision_content(r: &cd::RevisionLocation) -> Option<(Option<String>, String)> {
    let app_spec = r.app_spec_content();
    let string = r.string();
    let content = app_spec
        .and_then(cd::AppSpecContent::content)
        .or_else(|| string.and_then(cd::RawString::content))
        .filter(|c| !c.is_empty())?;
    let sha = app_spec
        .and_then(cd::AppSpecContent::sha256)
        .or_else(|| string.and_then(cd::RawString::sha256));
    Some((sha.map(str::to_string), content.to_string()))
}

/// The Lambda target of a deployment, if this target is one.
pub fn lambda_target(target: &cd::DeploymentTarget) -> Option<LambdaTarget> {
    let t = target.lambda_target()?;
    let info = t.lambda_function_info();
    let text = |f: Option<&str>| f.unwrap_or_default().to_string();
    Some(LambdaTarget {
        target_id: text(t.target_id()),
        status: EventStatus::parse(t.status().map_or("Unknown", |s| s.as_str())),
        function: FunctionTarget {
            function: text(info.and_then(|i| i.function_name())),
            alias: text(info.and_then(|i| i.function_alias())),
            current_version: text(info.and_then(|i| i.current_version())),
            target_version: text(info.and_then(|i| i.target_version())),
        },
        recorded_weight: normalize_recorded_weight(
            info.map_or(0.0, cd::LambdaFunctionInfo::target_version_weight),
        ),
        last_updated: t.last_updated_at().and_then(time),
        events: t.lifecycle_events().iter().map(lifecycle_event).collect(),
    })
}

fn lifecycle_event(e: &cd::LifecycleEvent) -> LifecycleEvent {
    LifecycleEvent {
        name: e.lifecycle_event_name().unwrap_or_default().to_string(),
        status: EventStatus::parse(e.status().map_or("Unknown", |s| s.as_str())),
        start: e.start_time().and_then(time),
        end: e.end_time().and_then(time),
        diagnostics: e.diagnostics().map(|d| {
            [
                d.error_code().map(|c| c.as_str().to_string()),
                d.script_name().map(str::to_string),
                d.message().map(str::to_string),
                d.log_tail().map(str::to_string),
            ]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(": ")
        }),
    }
}

/// A deployment config's routing.
pub fn deployment_config(name: &str, info: Option<&cd::DeploymentConfigInfo>) -> DeploymentConfig {
    let routing = info.and_then(|i| i.traffic_routing_config());
    let routing = match routing.and_then(|r| r.r#type()) {
        Some(cd::TrafficRoutingType::TimeBasedCanary) => {
            let c = routing.and_then(|r| r.time_based_canary());
            TrafficRouting::TimeBasedCanary {
                percent: c.map_or(0, cd::TimeBasedCanary::canary_percentage).max(0) as u32,
                interval_minutes: c.map_or(0, cd::TimeBasedCanary::canary_interval).max(0) as u32,
            }
        }
        Some(cd::TrafficRoutingType::TimeBasedLinear) => {
            let l = routing.and_then(|r| r.time_based_linear());
            TrafficRouting::TimeBasedLinear {
                percent: l.map_or(0, cd::TimeBasedLinear::linear_percentage).max(0) as u32,
                interval_minutes: l.map_or(0, cd::TimeBasedLinear::linear_interval).max(0) as u32,
            }
        }
        _ => TrafficRouting::AllAtOnce,
    };
    DeploymentConfig {
        name: name.to_string(),
        routing,
    }
}

/// A deployment group's alarm and rollback settings.
pub fn group_settings(info: &cd::DeploymentGroupInfo) -> GroupSettings {
    let alarms = info.alarm_configuration();
    let rollback = info.auto_rollback_configuration();
    GroupSettings {
        alarms_enabled: alarms.is_some_and(cd::AlarmConfiguration::enabled),
        alarm_names: alarms
            .map(|a| {
                a.alarms()
                    .iter()
                    .filter_map(|x| x.name().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        ignore_poll_alarm_failure: alarms
            .is_some_and(cd::AlarmConfiguration::ignore_poll_alarm_failure),
        auto_rollback_enabled: rollback.is_some_and(cd::AutoRollbackConfiguration::enabled),
        auto_rollback_events: rollback
            .map(|r| r.events().iter().map(|e| e.as_str().to_string()).collect())
            .unwrap_or_default(),
    }
}

/// Live alias weights from GetAlias.
pub fn alias_weights(
    function: &str,
    alias: &str,
    out: &aws_sdk_lambda::operation::get_alias::GetAliasOutput,
) -> AliasWeights {
    routing_weights(
        function,
        alias,
        out.function_version(),
        out.routing_config(),
        out.revision_id(),
    )
}

/// Alias weights from any Lambda answer that describes an alias (GetAlias, UpdateAlias).
pub fn routing_weights(
    function: &str,
    alias: &str,
    version: Option<&str>,
    routing: Option<&aws_sdk_lambda::types::AliasRoutingConfiguration>,
    revision: Option<&str>,
) -> AliasWeights {
    let mut additional: Vec<(String, f64)> = routing
        .and_then(|r| r.additional_version_weights())
        .map(|m| m.iter().map(|(v, w)| (v.clone(), *w)).collect())
        .unwrap_or_default();
    additional.sort_by(|a, b| a.0.cmp(&b.0));
    AliasWeights {
        function: function.to_string(),
        alias: alias.to_string(),
        primary_version: version.unwrap_or_default().to_string(),
        additional,
        revision_id: revision.map(str::to_string),
    }
}

/// A metric alarm.
pub fn metric_alarm(a: &cw::MetricAlarm) -> Alarm {
    Alarm {
        name: a.alarm_name().unwrap_or_default().to_string(),
        kind: AlarmKind::Metric,
        state: AlarmState::parse(a.state_value().map_or("", |s| s.as_str())),
        reason: a.state_reason().unwrap_or_default().to_string(),
        since: a
            .state_transitioned_timestamp()
            .or(a.state_updated_timestamp())
            .and_then(time),
        measure: Some(AlarmMeasure {
            namespace: a.namespace().unwrap_or_default().to_string(),
            metric: a
                .metric_name()
                .map_or_else(|| "metric math".to_string(), str::to_string),
            dimensions: a
                .dimensions()
                .iter()
                .map(|d| {
                    (
                        d.name().unwrap_or_default().to_string(),
                        d.value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            statistic: a
                .statistic()
                .map(|s| s.as_str().to_string())
                .or_else(|| a.extended_statistic().map(str::to_string))
                .unwrap_or_default(),
            comparison: a
                .comparison_operator()
                .map_or("", |c| c.as_str())
                .to_string(),
            threshold: a.threshold().unwrap_or_default(),
            period_secs: a.period().unwrap_or_default().max(0) as u32,
            evaluation_periods: a.evaluation_periods().unwrap_or_default().max(0) as u32,
            datapoints_to_alarm: a.datapoints_to_alarm().map(|d| d.max(0) as u32),
        }),
        rule: None,
    }
}

/// A composite alarm.
pub fn composite_alarm(a: &cw::CompositeAlarm) -> Alarm {
    Alarm {
        name: a.alarm_name().unwrap_or_default().to_string(),
        kind: AlarmKind::Composite,
        state: AlarmState::parse(a.state_value().map_or("", |s| s.as_str())),
        reason: a.state_reason().unwrap_or_default().to_string(),
        since: a
            .state_transitioned_timestamp()
            .or(a.state_updated_timestamp())
            .and_then(time),
        measure: None,
        rule: a.alarm_rule().map(str::to_string),
    }
}
