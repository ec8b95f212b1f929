//! Every CodeDeploy and Lambda operation, and STS GetCallerIdentity, through the real Rust SDK
//! clients.
#![allow(
    clippy::float_cmp,
    reason = "the alias's weights are rounded to the basis point: they equal the literal expected"
)]

use aws_sdk_codedeploy::types::{
    Alarm, AlarmConfiguration, AppSpecContent, AutoRollbackConfiguration, AutoRollbackEvent,
    ComputePlatform, DeploymentStatus, LifecycleEventStatus, RevisionLocation,
    RevisionLocationType, TimeBasedLinear, TrafficRoutingConfig, TrafficRoutingType,
};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{AliasRoutingConfiguration, FunctionCode, Runtime};

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::create_alias::{CreateAliasError, CreateAliasOutput};
use aws_sdk_lambda::operation::create_function::CreateFunctionOutput;

use crate::support::alias;
use crate::support::sdk::{codedeploy, error_code, lambda, sdk, service_error, start, start_toml};

const EMPTY: &str = "description = \"empty\"\nhistory_minutes = 0\n";

fn appspec(function: &str, current: &str, target: &str) -> RevisionLocation {
    let content = format!(
        r#"{{"version":0.0,"Resources":[{{"{function}":{{"Type":"AWS::Lambda::Function","Properties":{{"Name":"{function}","Alias":"live","CurrentVersion":"{current}","TargetVersion":"{target}"}}}}}}]}}"#
    );
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(
            AppSpecContent::builder()
                .content(content)
                .sha256(format!("sha-{function}-{target}"))
                .build(),
        )
        .build()
}

/// Creates function `f` (Python, a fake zip).
async fn create_f(l: &aws_sdk_lambda::Client) -> CreateFunctionOutput {
    let zip = Blob::new(b"PK fake zip".to_vec());
    l.create_function()
        .function_name("f")
        .role("arn:aws:iam::123456789012:role/r")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .code(FunctionCode::builder().zip_file(zip).build())
        .send()
        .await
        .unwrap()
}

/// Publishes a version of `f`: its number.
async fn publish(l: &aws_sdk_lambda::Client) -> Option<String> {
    let published = l.publish_version().function_name("f").send().await.unwrap();
    published.version
}

/// `CreateAlias` of `f`'s `live` alias on version 1.
async fn create_live(
    l: &aws_sdk_lambda::Client,
) -> Result<CreateAliasOutput, SdkError<CreateAliasError>> {
    let alias = l.create_alias().function_name("f").name("live");
    alias.function_version("1").send().await
}

/// The traffic routing of deployment config `name`.
async fn routing(cd: &aws_sdk_codedeploy::Client, name: &str) -> TrafficRoutingConfig {
    let config = cd.get_deployment_config().deployment_config_name(name);
    let config = config.send().await.unwrap().deployment_config_info.unwrap();
    config.traffic_routing_config.unwrap()
}

#[tokio::test]
async fn lambda_operations_round_trip_through_the_sdk() {
    let (sandbox, _file) = start_toml(EMPTY).await;
    let l = lambda(&sandbox).await;
    assert_eq!(create_f(&l).await.version(), Some("$LATEST"));
    assert_eq!(publish(&l).await.as_deref(), Some("1"));
    assert_eq!(publish(&l).await.as_deref(), Some("2"));
    let created = create_live(&l).await.unwrap();
    assert_eq!(
        created.alias_arn(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:f:live")
    );
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
    let got = alias::get(&l, arn, "live").await.unwrap();
    assert_eq!(got.function_version(), Some("1"));
    // Updates at the RevisionId just read.
    let update = || {
        let alias = l.update_alias().function_name("f").name("live");
        alias.revision_id(got.revision_id().unwrap())
    };
    let routing = AliasRoutingConfiguration::builder()
        .additional_version_weights("2", 0.25)
        .build();
    let updated = update().routing_config(routing).send().await.unwrap();
    assert_ne!(
        updated.revision_id(),
        got.revision_id(),
        "every change gets a new RevisionId"
    );
    let weights = updated
        .routing_config()
        .and_then(|r| r.additional_version_weights())
        .unwrap();
    assert_eq!(alias::rounded(weights["2"]), 0.25, "{weights:?}");
    let stale = service_error(update().function_version("2").send().await);
    assert!(
        stale.is_precondition_failed_exception(),
        "stale RevisionId must be a 412 PreconditionFailedException"
    );
    let conf = l.get_function_configuration().function_name("f");
    let conf = conf.qualifier("live").send().await.unwrap();
    assert_eq!(conf.version(), Some("1"));
    assert_eq!(
        conf.logging_config().and_then(|c| c.log_group()),
        Some("/aws/lambda/f")
    );
    assert!(conf.last_modified().unwrap().ends_with("+0000"));
    let versions = l.list_versions_by_function().function_name("f");
    let versions = versions.send().await.unwrap();
    let names: Vec<_> = versions
        .versions()
        .iter()
        .filter_map(|v| v.version())
        .collect();
    assert_eq!(names, ["$LATEST", "1", "2"]);
    let aliases = l.list_aliases().function_name("f").send().await.unwrap();
    assert_eq!(aliases.aliases().len(), 1);
    let functions = l.list_functions().send().await.unwrap();
    assert_eq!(functions.functions().len(), 1);
    let missing = service_error(alias::get(&l, "f", "nope").await);
    assert!(missing.is_resource_not_found_exception());
    let dup = service_error(create_live(&l).await);
    assert!(dup.is_resource_conflict_exception());
    sandbox.shutdown().await;
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one deployment through every CodeDeploy operation in the order a client calls them"
)]
async fn codedeploy_operations_round_trip_through_the_sdk() {
    let (sandbox, _file) = start_toml(EMPTY).await;
    let l = lambda(&sandbox).await;
    let cd = codedeploy(&sandbox).await;
    create_f(&l).await;
    for _ in 0..3 {
        publish(&l).await;
    }
    create_live(&l).await.unwrap();

    cd.create_application()
        .application_name("app")
        .compute_platform(ComputePlatform::Lambda)
        .send()
        .await
        .unwrap();
    assert_eq!(
        cd.list_applications().send().await.unwrap().applications(),
        ["app"]
    );
    let linear = TrafficRoutingConfig::builder()
        .r#type(TrafficRoutingType::TimeBasedLinear)
        .time_based_linear(
            TimeBasedLinear::builder()
                .linear_percentage(30)
                .linear_interval(5)
                .build(),
        )
        .build();
    cd.create_deployment_config()
        .deployment_config_name("Linear30Every5")
        .compute_platform(ComputePlatform::Lambda)
        .traffic_routing_config(linear)
        .send()
        .await
        .unwrap();
    let linear = routing(&cd, "Linear30Every5").await;
    assert_eq!(
        linear
            .time_based_linear()
            .map(|t| (t.linear_percentage, t.linear_interval)),
        Some((30, 5))
    );
    let canary = routing(&cd, "CodeDeployDefault.LambdaCanary10Percent30Minutes").await;
    assert_eq!(
        canary.time_based_canary().map(|c| c.canary_interval),
        Some(30)
    );

    cd.create_deployment_group()
        .application_name("app")
        .deployment_group_name("dg")
        .service_role_arn("arn:aws:iam::123456789012:role/cd")
        .deployment_config_name("Linear30Every5")
        .alarm_configuration(
            AlarmConfiguration::builder()
                .enabled(true)
                .alarms(Alarm::builder().name("f-errors").build())
                .build(),
        )
        .auto_rollback_configuration(
            AutoRollbackConfiguration::builder()
                .enabled(true)
                .events(AutoRollbackEvent::DeploymentStopOnAlarm)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let groups = cd.list_deployment_groups().application_name("app");
    assert_eq!(groups.send().await.unwrap().deployment_groups(), ["dg"]);
    let group = cd.get_deployment_group().application_name("app");
    let group = group.deployment_group_name("dg").send().await.unwrap();
    let info = group.deployment_group_info().unwrap();
    assert_eq!(
        info.alarm_configuration().map(|a| a.alarms().len()),
        Some(1)
    );
    assert_eq!(info.compute_platform(), Some(&ComputePlatform::Lambda));

    let deploy = |target: &str| {
        let deployment = cd.create_deployment().application_name("app");
        let deployment = deployment.deployment_group_name("dg");
        deployment.revision(appspec("f", "1", target)).send()
    };
    let id = deploy("2").await.unwrap().deployment_id.unwrap();
    assert!(
        service_error(deploy("3").await).is_deployment_limit_exceeded_exception(),
        "one deployment per group at a time"
    );
    let targets = || cd.list_deployment_targets().deployment_id(&id).send();
    assert!(service_error(targets().await).is_deployment_not_started_exception());

    sandbox.advance(2.0); // start + 1 s, AllowTraffic 1 s later: 30% on the target
    let weights = alias::live(&l, "f").await;
    assert_eq!(
        weights.primary, "1",
        "the old version stays primary during the shift"
    );
    assert_eq!(weights.on("2"), 0.3, "{weights:?}");
    let got = cd.get_deployment().deployment_id(&id).send().await.unwrap();
    let d = got.deployment_info().unwrap();
    assert_eq!(d.status(), Some(&DeploymentStatus::InProgress));
    assert_eq!(
        d.revision()
            .and_then(|r| r.app_spec_content())
            .and_then(|c| c.content()),
        None,
        "GetDeployment hides the AppSpec content like CodeDeploy"
    );
    let revision = cd
        .get_application_revision()
        .application_name("app")
        .revision(appspec("f", "1", "2"))
        .send()
        .await
        .unwrap();
    assert!(
        revision
            .revision()
            .and_then(|r| r.app_spec_content())
            .and_then(|c| c.content())
            .unwrap()
            .contains("\"TargetVersion\":\"2\"")
    );

    let targets = targets().await.unwrap().target_ids;
    let batch = cd
        .batch_get_deployment_targets()
        .deployment_id(&id)
        .set_target_ids(targets)
        .send()
        .await
        .unwrap();
    let target = batch.deployment_targets()[0].lambda_target().unwrap();
    let info = target.lambda_function_info().unwrap();
    assert_eq!(
        (
            info.current_version(),
            info.target_version(),
            info.target_version_weight
        ),
        (Some("1"), Some("2"), 30.0)
    );
    let events: Vec<_> = target
        .lifecycle_events()
        .iter()
        .map(|e| {
            (
                e.lifecycle_event_name().unwrap(),
                e.status().unwrap().as_str(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("BeforeAllowTraffic", "Succeeded"),
            ("AllowTraffic", "InProgress"),
            ("AfterAllowTraffic", "Pending")
        ]
    );

    sandbox.advance(300.0);
    assert_eq!(alias::live(&l, "f").await.on("2"), 0.6);

    let cont = cd.continue_deployment().deployment_id(&id).send().await;
    assert!(service_error(cont).is_deployment_is_not_in_ready_state_exception());
    let bad_hook = cd
        .put_lifecycle_event_hook_execution_status()
        .deployment_id(&id)
        .lifecycle_event_hook_execution_id("nope")
        .status(LifecycleEventStatus::Succeeded)
        .send()
        .await;
    assert!(service_error(bad_hook).is_invalid_lifecycle_event_hook_execution_id_exception());

    let stop = || cd.stop_deployment().deployment_id(&id);
    let stopped = stop().auto_rollback_enabled(false).send().await.unwrap();
    assert_eq!(
        stopped
            .status()
            .map(aws_sdk_codedeploy::types::StopStatus::as_str),
        Some("Succeeded")
    );
    sandbox.advance(60.0);
    assert_eq!(
        alias::live(&l, "f").await.on("2"),
        0.6,
        "a stop without rollback leaves the split"
    );
    assert!(service_error(stop().send().await).is_deployment_already_completed_exception());

    let listed = cd
        .list_deployments()
        .application_name("app")
        .deployment_group_name("dg")
        .include_only_statuses(DeploymentStatus::Stopped)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.deployments(), std::slice::from_ref(&id));
    let none = cd
        .list_deployments()
        .include_only_statuses(DeploymentStatus::InProgress)
        .send()
        .await
        .unwrap();
    assert!(none.deployments().is_empty());
    let batch = cd.batch_get_deployments().deployment_ids(&id).send().await;
    let batch = batch.unwrap();
    let d = &batch.deployments_info()[0];
    assert_eq!(d.status(), Some(&DeploymentStatus::Stopped));
    assert_eq!(error_code(d), Some("MANUAL_STOP"));
    let ids = (0..26).map(|i| format!("d-{i:09}")).collect();
    let too_many = cd.batch_get_deployments().set_deployment_ids(Some(ids));
    assert!(service_error(too_many.send().await).is_batch_limit_exceeded_exception());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sts_names_the_sandbox_account_to_the_sdk() {
    let sandbox = start("calm").await;
    let sts = aws_sdk_sts::Client::new(&sdk(&sandbox).await);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/sandbox"));
    // An action it does not implement is a Query-protocol error the SDK understands.
    let assume = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/x");
    let err = service_error(assume.role_session_name("s").send().await);
    assert_eq!(
        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&err),
        Some("InvalidAction"),
        "{err:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "each batch read beside the single read it must agree with"
)]
async fn batch_reads_of_revisions_groups_and_targets_answer_like_codedeploy() {
    let sandbox = start("fleet").await;
    let cd = codedeploy(&sandbox).await;
    sandbox.advance(2.0);
    let ids = cd
        .list_deployments()
        .include_only_statuses(DeploymentStatus::InProgress)
        .send()
        .await
        .unwrap()
        .deployments
        .unwrap();
    assert!(ids.len() >= 20, "{ids:?}");
    let deployments = cd
        .batch_get_deployments()
        .set_deployment_ids(Some(ids[..25.min(ids.len())].to_vec()))
        .send()
        .await
        .unwrap()
        .deployments_info
        .unwrap();
    let app = deployments[0].application_name().unwrap().to_owned();
    let of_app: Vec<_> = deployments
        .iter()
        .filter(|d| d.application_name() == Some(app.as_str()))
        .collect();
    // AppSpecs: asked for by sha256 only (BatchGetDeployments carries no content), answered
    // with their content; an unknown revision is left out and named.
    let mut wanted: Vec<RevisionLocation> = of_app
        .iter()
        .map(|d| d.revision().unwrap().clone())
        .collect();
    assert!(
        wanted
            .iter()
            .all(|r| r.app_spec_content().unwrap().content().is_none())
    );
    wanted.push(
        RevisionLocation::builder()
            .revision_type(RevisionLocationType::AppSpecContent)
            .app_spec_content(AppSpecContent::builder().sha256("no-such-sha").build())
            .build(),
    );
    let revisions_of = cd.batch_get_application_revisions().application_name(&app);
    let revisions = revisions_of.clone().set_revisions(Some(wanted.clone()));
    let revisions = revisions.send().await.unwrap();
    assert_eq!(revisions.revisions().len(), of_app.len());
    for info in revisions.revisions() {
        let content = info
            .revision_location()
            .unwrap()
            .app_spec_content()
            .unwrap();
        assert!(content.content().unwrap().contains("TargetVersion"));
        assert!(of_app.iter().any(|d| {
            d.revision().unwrap().app_spec_content().unwrap().sha256() == content.sha256()
        }));
    }
    assert!(revisions.error_message().unwrap().contains("no-such-sha"));
    let too_many = revisions_of.set_revisions(Some(vec![wanted[0].clone(); 26]));
    assert!(service_error(too_many.send().await).is_batch_limit_exceeded_exception());
    // Groups: one call per application; an unknown group is left out and named.
    let mut names: Vec<String> = of_app
        .iter()
        .map(|d| d.deployment_group_name().unwrap().to_owned())
        .collect();
    names.push("no-such-group".into());
    let groups_of = cd.batch_get_deployment_groups().application_name(&app);
    let groups = groups_of
        .clone()
        .set_deployment_group_names(Some(names.clone()));
    let groups = groups.send().await.unwrap();
    assert_eq!(groups.deployment_groups_info().len(), of_app.len());
    assert!(groups.error_message().unwrap().contains("no-such-group"));
    assert!(
        groups.deployment_groups_info()[0]
            .alarm_configuration()
            .is_some_and(|a| !a.alarms().is_empty())
    );
    let too_many = groups_of.set_deployment_group_names(Some(vec![names[0].clone(); 101]));
    assert!(service_error(too_many.send().await).is_batch_limit_exceeded_exception());
    // A Lambda target is asked for by its function's name, without listing targets first.
    let d = of_app[0];
    let sha = d.revision().unwrap().app_spec_content().unwrap().sha256();
    let content = revisions
        .revisions()
        .iter()
        .filter_map(|r| r.revision_location()?.app_spec_content())
        .find(|c| c.sha256() == sha)
        .and_then(AppSpecContent::content)
        .unwrap();
    let name = content
        .split("\"Name\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let targets = cd
        .batch_get_deployment_targets()
        .deployment_id(d.deployment_id().unwrap());
    let target = targets.clone().target_ids(&name).send().await.unwrap();
    assert_eq!(
        target.deployment_targets()[0]
            .lambda_target()
            .and_then(|t| t.lambda_function_info())
            .and_then(|f| f.function_name()),
        Some(name.as_str())
    );
    let refused = targets.target_ids(format!("{name}:live")).send().await;
    assert!(service_error(refused).is_deployment_target_does_not_exist_exception());
    sandbox.shutdown().await;
}
