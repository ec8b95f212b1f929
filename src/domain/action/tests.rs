//! Which actions apply in which state, the continue variants, and the confirmation text.

use super::*;
use crate::domain::Profile;
use crate::domain::{
    Alarm, AlarmKind, AlarmState, AliasWeights, Creator, Deployment, DeploymentAlarm,
    FunctionTarget, LambdaTarget, LifecycleEvent, MinutePoint, Part, VersionMetrics, ViewFreshness,
    parse_appspec,
};

fn view(status: DeploymentStatus) -> DeploymentView {
    let function = FunctionTarget {
        function: "checkout".into(),
        alias: "live".into(),
        current_version: "1".into(),
        target_version: "2".into(),
    };
    DeploymentView {
        deployment: Deployment {
            application: "storefront".into(),
            group: "checkout-live".into(),
            target: Some(function.clone()),
            ..crate::domain::fixtures::deployment(
                "d-ABC",
                status,
                "CodeDeployDefault.LambdaCanary10Percent10Minutes",
            )
        },
        config: Part::skipped("test"),
        target: Part::Ok {
            value: LambdaTarget {
                target_id: "t".into(),
                status: EventStatus::InProgress,
                function,
                recorded_weight: 10.0,
                last_updated: None,
                events: vec![event("BeforeAllowTraffic", EventStatus::Succeeded)],
            },
        },
        appspec: Part::Ok {
            value: parse_appspec(
                "Resources:\n- f:\n    Type: AWS::Lambda::Function\n    Properties:\n      Name: checkout\n      Alias: live\n      CurrentVersion: 1\n      TargetVersion: 2\nHooks:\n- BeforeAllowTraffic: CodeDeployHook_pre\n",
            )
            .expect("appspec"),
        },
        group: Part::skipped("test"),
        alias: Part::Ok {
            value: AliasWeights {
                function: "checkout".into(),
                alias: "live".into(),
                primary_version: "1".into(),
                additional: vec![("2".into(), 0.1)],
                revision_id: Some("rev-1".into()),
            },
        },
        weight: None,
        plan: None,
        schedule: None,
        alarms: Part::Ok {
            value: vec![DeploymentAlarm {
                alarm: Alarm {
                    name: "checkout-live-errors".into(),
                    kind: AlarmKind::Metric,
                    state: AlarmState::Alarm,
                    reason: String::new(),
                    since: None,
                    measure: None,
                    rule: None,
                },
                firing_before_deployment: false,
            }],
        },
        metrics: Part::Ok {
            value: vec![VersionMetrics {
                version: "2".into(),
                points: vec![MinutePoint {
                    at: chrono::DateTime::UNIX_EPOCH,
                    invocations: Some(60.0),
                    errors: None,
                    throttles: None,
                    error_rate: None,
                    duration_avg_ms: None,
                    duration_p50_ms: None,
                    duration_p99_ms: None,
                    slow: None,
                    business: Vec::new(),
                }],
                slow_above_ms: None,
            }],
        },
        alias_disagrees: None,
        warnings: Vec::new(),
        freshness: ViewFreshness::default(),
        verdict: None,
    }
}

fn event(name: &str, status: EventStatus) -> LifecycleEvent {
    LifecycleEvent {
        name: name.into(),
        status,
        start: None,
        end: None,
        diagnostics: None,
    }
}

fn with_hook_waiting(mut v: DeploymentView) -> DeploymentView {
    if let Part::Ok { value } = &mut v.target {
        value.events = vec![event("BeforeAllowTraffic", EventStatus::InProgress)];
    }
    v
}

fn reason(options: &[ActionOption], key: char) -> Result<Action, String> {
    options
        .iter()
        .find(|o| o.key == key)
        .map(|o| o.outcome.clone().map_err(|why| why.to_string()))
        .expect("key present")
}

#[test]
fn in_progress_canary_offers_rollback_stop_and_promote() {
    let v = view(DeploymentStatus::InProgress);
    let opts = options(&v, None);
    assert_eq!(reason(&opts, 'R'), Ok(Action::Rollback));
    assert_eq!(reason(&opts, 'S'), Ok(Action::Stop));
    assert_eq!(reason(&opts, 'C'), Ok(Action::PromoteNow));
    let resolve = reason(&opts, 'O').expect_err("active deployments are not resolved");
    assert!(resolve.contains("stop it first"), "{resolve}");
}

#[test]
fn finished_deployments_say_why_nothing_applies() {
    let v = view(DeploymentStatus::Succeeded);
    for o in options(&v, None).iter().filter(|o| "RSC".contains(o.key)) {
        let why = o.outcome.clone().expect_err("nothing applies");
        assert!(
            matches!(
                &why,
                Refusal::Finished {
                    status: DeploymentStatus::Succeeded,
                    rolled_back_by: None
                }
            ),
            "{}: {why:?}",
            o.key
        );
        assert!(
            why.to_string().contains("already succeeded"),
            "{}: {why}",
            o.key
        );
    }
    let mut rolled = view(DeploymentStatus::Stopped);
    rolled.deployment.rollback.rollback_deployment_id = Some("d-RB".into());
    let why = check(&rolled, &Action::Rollback).expect_err("stopped");
    assert!(
        why.to_string().contains("been stopped") && why.to_string().contains("d-RB"),
        "{why}"
    );
}

#[test]
fn already_stopping_is_refused() {
    let mut v = view(DeploymentStatus::InProgress);
    v.deployment.rollback.rollback_deployment_id = Some("d-RB".into());
    let why = check(&v, &Action::Stop).expect_err("stopping");
    assert!(why.to_string().contains("already stopping"), "{why}");
}

#[test]
fn a_rollback_deployment_cannot_be_rolled_back_or_promoted() {
    let mut v = view(DeploymentStatus::InProgress);
    v.deployment.creator = Creator::CodeDeployRollback;
    assert!(check(&v, &Action::Rollback).is_err());
    assert!(check(&v, &Action::PromoteNow).is_err());
    assert_eq!(check(&v, &Action::Stop), Ok(()));
}

#[test]
fn ready_means_continue_deployment_and_lambda_never_gets_it() {
    let v = view(DeploymentStatus::Ready);
    assert_eq!(
        continue_variant(&v, ContinueRequest::Auto, None),
        Ok(Action::ContinueReady)
    );
    let running = view(DeploymentStatus::InProgress);
    let why = check(&running, &Action::ContinueReady).expect_err("not ready");
    assert!(why.to_string().contains("never waits in Ready"), "{why}");
}

#[test]
fn waiting_hook_with_id_is_approved_or_rejected() {
    let v = with_hook_waiting(view(DeploymentStatus::InProgress));
    let approve = continue_variant(&v, ContinueRequest::Auto, Some(" exec-1 "));
    assert_eq!(
        approve,
        Ok(Action::HookVerdict {
            event: "BeforeAllowTraffic".into(),
            execution_id: "exec-1".into(),
            approve: true
        })
    );
    let reject = continue_variant(&v, ContinueRequest::Reject, Some("exec-1")).expect("reject");
    assert_eq!(reject.variant(), Some("reject-hook"));
    assert_eq!(check(&v, &reject), Ok(()));
    assert_eq!(
        hook_function(&v, "BeforeAllowTraffic").as_deref(),
        Some("CodeDeployHook_pre")
    );
}

#[test]
fn waiting_hook_without_id_asks_for_it() {
    let v = with_hook_waiting(view(DeploymentStatus::InProgress));
    let why = continue_variant(&v, ContinueRequest::Auto, None).expect_err("no id");
    assert!(why.to_string().contains("paste it"), "{why}");
    let why = continue_variant(&v, ContinueRequest::Approve, Some("  ")).expect_err("blank id");
    assert!(why.to_string().contains("--hook-execution-id"), "{why}");
    let no_hook = view(DeploymentStatus::InProgress);
    let why = continue_variant(&no_hook, ContinueRequest::Approve, Some("x")).expect_err("none");
    assert!(why.to_string().contains("no BeforeAllowTraffic"), "{why}");
}

#[test]
fn promote_now_is_refused_for_cloudformation_with_the_alternative() {
    let mut v = view(DeploymentStatus::InProgress);
    v.deployment.creator = Creator::CloudFormation;
    let why = continue_variant(&v, ContinueRequest::Auto, None).expect_err("cfn");
    assert!(
        why.to_string().contains("CloudFormation") && why.to_string().contains("AllAtOnce"),
        "{why}"
    );
    let mut sam = view(DeploymentStatus::InProgress);
    sam.deployment.application = "app-ServerlessDeploymentApplication-XYZ".into();
    assert!(check(&sam, &Action::PromoteNow).is_err());
    let mut aao = view(DeploymentStatus::InProgress);
    aao.deployment.config_name = ALL_AT_ONCE.into();
    assert!(
        check(&aao, &Action::PromoteNow)
            .expect_err("aao")
            .to_string()
            .contains("no wait")
    );
    let mut unreadable = view(DeploymentStatus::InProgress);
    unreadable.appspec = Part::skipped("x");
    assert!(check(&unreadable, &Action::PromoteNow).is_err());
}

#[test]
fn promote_now_is_refused_when_the_alias_already_sends_everything_to_the_new_version() {
    let mut v = view(DeploymentStatus::InProgress);
    assert!(check(&v, &Action::PromoteNow).is_ok(), "at 10%");
    if let Part::Ok { value } = &mut v.alias {
        value.primary_version = "2".into();
        value.additional.clear();
    }
    let why = check(&v, &Action::PromoteNow).expect_err("at 100% new");
    assert!(
        why.to_string().contains("already sends all traffic to v2"),
        "{why}"
    );
    assert!(why.to_string().contains("back to v1"), "says why: {why}");
}

#[test]
fn split_resolutions_after_a_stop_without_rollback() {
    let v = view(DeploymentStatus::Stopped);
    let back = Action::ResolveSplit {
        to: SplitResolution::BackToOld,
    };
    assert_eq!(check(&v, &back), Ok(()));
    let mut clean = view(DeploymentStatus::Stopped);
    if let Part::Ok { value } = &mut clean.alias {
        value.additional.clear();
    }
    assert!(
        check(&clean, &back)
            .expect_err("clean")
            .to_string()
            .contains("not split")
    );
    let mut foreign = view(DeploymentStatus::Stopped);
    if let Part::Ok { value } = &mut foreign.alias {
        value.additional = vec![("7".into(), 0.5)];
    }
    assert!(
        check(&foreign, &back)
            .expect_err("foreign")
            .to_string()
            .contains("by hand")
    );
}

#[test]
fn blast_radius_shows_weights_traffic_and_alarms() {
    let v = view(DeploymentStatus::InProgress);
    let b = blast_radius(
        &v,
        "us-east-1",
        Some("123456789012"),
        &Profile::named("prod"),
    );
    assert_eq!(b.weights, "v1 90% / v2 10%");
    assert_eq!(b.firing_alarms, vec!["checkout-live-errors".to_string()]);
    let text = b.lines().join("\n");
    assert!(
        text.contains("account 123456789012 · region us-east-1 · profile prod"),
        "{text}"
    );
    assert!(
        text.contains("checkout:live  deployment d-ABC (InProgress)"),
        "{text}"
    );
    assert!(text.contains("new version 60/min"), "{text}");
    assert!(text.contains("FIRING: checkout-live-errors"), "{text}");
}

#[test]
fn stop_confirmation_says_the_alias_stays_split() {
    let v = view(DeploymentStatus::InProgress);
    let c = confirmation(
        &Action::Stop,
        blast_radius(&v, "r", None, &Profile::default()),
        false,
    );
    let text = c.lines().join("\n");
    assert!(text.contains("autoRollbackEnabled=false"), "{text}");
    assert!(text.contains("STAYS SPLIT (v1 90% / v2 10%)"), "{text}");
    assert!(
        text.contains("later deployments of checkout WILL FAIL"),
        "{text}"
    );
    assert!(c.accepts("y") && c.accepts(" YES ") && !c.accepts("") && !c.accepts("n"));
}

#[test]
fn protected_profiles_type_function_alias() {
    let v = view(DeploymentStatus::InProgress);
    let c = confirmation(
        &Action::Rollback,
        blast_radius(&v, "r", None, &Profile::default()),
        true,
    );
    assert_eq!(c.typed.as_deref(), Some("checkout:live"));
    assert!(c.prompt().contains("type checkout:live"));
    assert!(!c.accepts("y"));
    assert!(c.accepts("checkout:live\n"));
    assert!(!c.accepts("checkout:Live"));
}

#[test]
fn promote_confirmation_names_every_step() {
    let v = view(DeploymentStatus::InProgress);
    let c = confirmation(
        &Action::PromoteNow,
        blast_radius(&v, "r", None, &Profile::default()),
        false,
    );
    let text = c.steps.join("\n");
    assert!(text.contains("autoRollbackEnabled=false"));
    assert!(text.contains("RevisionId"));
    assert!(text.contains(ALL_AT_ONCE));
}

#[test]
fn redeployed_appspec_parses_back_to_the_same_spec() {
    let v = view(DeploymentStatus::InProgress);
    let spec = v.appspec.value().expect("spec");
    let again = parse_appspec(&appspec_content(spec)).expect("parses");
    assert_eq!(&again, spec);
}

#[test]
fn labels_and_variants() {
    assert_eq!(Action::Rollback.command(), "rollback");
    assert_eq!(Action::PromoteNow.variant(), Some("promote-now"));
    assert_eq!(Action::Stop.variant(), None);
    assert!(Action::PromoteNow.label().contains("promote now"));
}
