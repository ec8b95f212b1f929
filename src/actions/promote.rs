//! Promote now, the honest "continue" for a Lambda canary: StopDeployment without rollback,
//! follow until Stopped, GetAlias, UpdateAlias to 100% on the old version guarded by that
//! RevisionId, CreateDeployment of the same AppSpec with CodeDeployDefault.LambdaAllAtOnce (hooks
//! and alarms still run and the record ends Succeeded), follow it, check the alias is 100% new.
//! Every failure says where it stopped and what is left to resolve.

use serde_json::json;

use super::follow::Follow;
use super::prepare::Prepared;
use super::record::Recorder;
use super::steps::{StepError, follow_until, read_alias, stop, versions, weights_text};
use crate::aws::{DeploymentWriter, NewDeployment};
use crate::domain::{ALL_AT_ONCE, DeploymentStatus, appspec_content};

pub(super) async fn promote<W: DeploymentWriter>(
    aws: &W,
    prep: &Prepared,
    rec: &mut Recorder,
    follow: &Follow,
) -> Result<String, StepError> {
    let id = prep.deployment.id.as_str();
    let (Some(spec), Some((old, new))) = (&prep.appspec, versions(prep)) else {
        return Err(("the AppSpec is unknown: nothing was sent".into(), None));
    };
    stop(aws, id, false, rec).await?;
    follow_until(aws, id, rec, follow, |d| !d.status.is_active()).await?;
    let alias = read_alias(aws, &spec.function, &spec.alias, rec).await?;
    let stuck = |what: String| {
        format!(
            "{what}; {id} is Stopped and the alias may be split: resolve it (alias back to v{old} \
             or forward to v{new})"
        )
    };
    let Some(revision) = alias.revision_id.clone() else {
        return Err((
            stuck("GetAlias returned no RevisionId, so the reset was not sent".into()),
            None,
        ));
    };
    rec.call(
        "lambda:UpdateAlias",
        json!({"FunctionName": spec.function, "Name": spec.alias, "FunctionVersion": old,
               "RoutingConfig": {"AdditionalVersionWeights": {}}, "RevisionId": revision}),
        aws.set_alias(&spec.function, &spec.alias, &old, &revision),
        |a| json!(a),
    )
    .await
    .map_err(|f| {
        (
            stuck(format!(
                "resetting the alias: {}",
                super::steps::mutation_failed("UpdateAlias", &f)
            )),
            Some(f),
        )
    })?;
    let new_deployment = NewDeployment {
        application: prep.deployment.application.clone(),
        group: prep.deployment.group.clone(),
        appspec: appspec_content(spec),
        config_name: ALL_AT_ONCE.to_string(),
        description: format!(
            "rollwatch promote-now of {id} (v{old} → v{new}) by {}",
            prep.caller_arn().unwrap_or("unknown caller")
        ),
    };
    let created = rec
        .call(
            "codedeploy:CreateDeployment",
            json!(new_deployment),
            aws.create_deployment(&new_deployment),
            |id| json!({"deploymentId": id}),
        )
        .await
        .map_err(|f| {
            (
                format!(
                    "{id} is Stopped and the alias is 100% on v{old}, but the all-at-once \
                     redeploy: {} — check `rollwatch snapshot` before deploying v{new} again",
                    super::steps::mutation_failed("CreateDeployment", &f)
                ),
                Some(f),
            )
        })?;
    let done = follow_until(aws, &created, rec, follow, |d| !d.status.is_active()).await?;
    let alias = read_alias(aws, &spec.function, &spec.alias, rec).await?;
    if done.status == DeploymentStatus::Succeeded
        && alias.primary_version == new
        && !alias.is_split()
    {
        Ok(format!(
            "promoted: {id} Stopped, {created} ({ALL_AT_ONCE}) Succeeded, alias at {}",
            weights_text(&alias)
        ))
    } else {
        Err((
            format!(
                "the all-at-once redeploy {created} ended {} with the alias at {}",
                done.status.as_str(),
                weights_text(&alias)
            ),
            None,
        ))
    }
}
