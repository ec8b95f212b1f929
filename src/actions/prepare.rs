//! Before anything is sent: who is calling (STS), the alias as it is now (its RevisionId guards
//! every later UpdateAlias), the hook's execution id from its logs when "continue" needs it, which
//! action actually applies, and the confirmation with its blast radius. A [`Prepared`] action
//! only becomes runnable through [`Prepared::confirm`] with an accepted answer: there is no other
//! way to get a [`Confirmed`], so no mutating call can happen without a confirmation.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::audit::{CallRecord, Initiator};
use super::record::Recorder;
use crate::aws::{CallerIdentity, DeploymentWriter, HookSearch};
use crate::domain::Profile;
use crate::domain::{
    Action, AliasWeights, AppSpec, Confirmation, ContinueRequest, Deployment, DeploymentView, Part,
    Refusal, Source, SplitResolution, blast_radius, check_action, confirmation, continue_variant,
    hook_function, running_hook,
};

/// What a person (or the guard) asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Rollback,
    Stop,
    /// `execution_id`: pasted by the person; otherwise looked up in the hook's logs.
    Continue {
        request: ContinueRequest,
        execution_id: Option<String>,
    },
    Resolve(SplitResolution),
}

impl Request {
    /// `rollback`, `stop`, `continue`, `resolve`.
    pub fn command(&self) -> &'static str {
        match self {
            Self::Rollback => "rollback",
            Self::Stop => "stop",
            Self::Continue { .. } => "continue",
            Self::Resolve(_) => "resolve",
        }
    }
}

/// Where and for whom the action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub profile: Profile,
    pub region: String,
    /// `protected = true`: confirm by typing `function:alias`.
    pub protected: bool,
    pub initiator: Initiator,
}

/// An action ready to be confirmed (or refused, with the reason).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The action that would run, or why none applies.
    pub action: Result<Action, Refusal>,
    /// What to show before confirming (present when `action` is `Ok`).
    pub confirmation: Option<Confirmation>,
    /// Where the hook's execution id was looked for, when it was.
    pub hook_search: Option<HookSearch>,
    pub(super) command: &'static str,
    pub(super) deployment: Deployment,
    pub(super) appspec: Option<AppSpec>,
    pub(super) weights_before: Option<AliasWeights>,
    pub(super) caller: Option<CallerIdentity>,
    pub(super) calls: Vec<CallRecord>,
    pub(super) context: Context,
    pub(super) started_at: DateTime<Utc>,
}

/// A prepared action a person confirmed. Only [`Prepared::confirm`] makes one.
#[derive(Debug, Clone)]
pub struct Confirmed(pub(super) Prepared);

impl Confirmed {
    pub fn prepared(&self) -> &Prepared {
        &self.0
    }
}

impl Prepared {
    /// The deployment acted on.
    pub fn deployment_id(&self) -> &str {
        &self.deployment.id
    }

    /// The region the action is for.
    pub fn region(&self) -> &str {
        &self.context.region
    }

    /// The profile the action goes through (the one that owns the deployment's row).
    pub fn profile(&self) -> &Profile {
        &self.context.profile
    }

    /// Why nothing can run, if so.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.action.as_ref().err()
    }

    /// The caller ARN from STS, when known.
    pub fn caller_arn(&self) -> Option<&str> {
        self.caller.as_ref().map(|c| c.arn.as_str())
    }

    /// Confirms with what the person typed: `y` (or `function:alias` on a protected profile).
    /// Anything else, or a refused action, gives the prepared action back unconfirmed.
    pub fn confirm(self, answer: &str) -> Result<Confirmed, Box<Self>> {
        match &self.confirmation {
            Some(c) if self.action.is_ok() && c.accepts(answer) => Ok(Confirmed(self)),
            _ => Err(Box::new(self)),
        }
    }

    /// Whether the guard asked for this action (not a person).
    pub fn by_guard(&self) -> bool {
        matches!(self.context.initiator, Initiator::Guard { .. })
    }

    /// The guard's confirmation: only a rollback the guard itself prepared is accepted (the
    /// person confirmed the guard by starting rollwatch with `--guard` and let its countdown run
    /// out). Anything else gives the prepared action back unconfirmed.
    pub fn confirm_by_guard(self) -> Result<Confirmed, Box<Self>> {
        let rollback = self.command == "rollback" && self.action.is_ok();
        if self.by_guard() && rollback && self.confirmation.is_some() {
            Ok(Confirmed(self))
        } else {
            Err(Box::new(self))
        }
    }

    /// A refusal made without any AWS call (read-only mode: there is no writer).
    pub fn refused(
        view: &DeploymentView,
        request: &Request,
        context: Context,
        reason: String,
    ) -> Self {
        Self {
            action: Err(Refusal::Unavailable(reason)),
            confirmation: None,
            hook_search: None,
            command: request.command(),
            deployment: view.deployment.clone(),
            appspec: view.appspec.value().cloned(),
            weights_before: view.alias.value().cloned(),
            caller: None,
            calls: Vec::new(),
            context,
            started_at: Utc::now(),
        }
    }
}

/// Reads what the confirmation needs and decides which action applies to `view`.
pub async fn prepare<W: DeploymentWriter>(
    writer: &W,
    view: &DeploymentView,
    request: &Request,
    context: Context,
) -> Prepared {
    Box::pin(prepare_boxed(writer, view, request, context)).await
}

/// Reads the alias and the deployment's status again into `view`, so that nothing is decided on
/// an old picture: the refusal when the status cannot be read.
async fn read_again<W: DeploymentWriter>(
    rec: &mut Recorder,
    writer: &W,
    view: &mut DeploymentView,
) -> Option<Refusal> {
    let subject = view
        .deployment
        .target
        .as_ref()
        .map(|t| (t.function.clone(), t.alias.clone()))
        .or_else(|| {
            view.appspec
                .value()
                .map(|a| (a.function.clone(), a.alias.clone()))
        });
    if let Some((function, alias)) = subject {
        let fresh = rec
            .call(
                "lambda:GetAlias",
                json!({"FunctionName": function, "Name": alias}),
                writer.alias(&function, &alias),
                |a| json!(a),
            )
            .await;
        view.alias = Part::from_result(fresh);
    }
    // A split no deployment owns has no status to read: its alias is all there is.
    if view.deployment.source == Source::Alias {
        return None;
    }
    // Never act on an old status: the deployment is read again too.
    let id = view.deployment.id.clone();
    let status = rec
        .call(
            "codedeploy:GetDeployment",
            json!({"deploymentId": id}),
            writer.deployment(&id),
            |d| json!({"status": d.status.as_str()}),
        )
        .await;
    match status {
        Ok(d) => {
            view.deployment.status = d.status;
            view.deployment.rollback = d.rollback;
            view.deployment.complete_time = d.complete_time;
            view.deployment.error = d.error;
            None
        }
        Err(f) => Some(Refusal::Unavailable(format!(
            "the deployment's status could not be read again, so nothing was sent: {}",
            f.one_line()
        ))),
    }
}

async fn prepare_boxed<W: DeploymentWriter>(
    writer: &W,
    view: &DeploymentView,
    request: &Request,
    context: Context,
) -> Prepared {
    let started_at = Utc::now();
    let mut rec = Recorder::new(None);
    let caller = rec
        .call(
            "sts:GetCallerIdentity",
            json!({}),
            writer.caller_identity(),
            |c| json!(c),
        )
        .await
        .ok();
    let mut view = view.clone();
    let stale = read_again(&mut rec, writer, &mut view).await;
    let mut hook_search = None;
    let mut search_failure: Option<String> = None;
    let action = match request {
        Request::Rollback => check_action(&view, &Action::Rollback).map(|()| Action::Rollback),
        Request::Stop => check_action(&view, &Action::Stop).map(|()| Action::Stop),
        Request::Resolve(to) => {
            let action = Action::ResolveSplit { to: *to };
            check_action(&view, &action).map(|()| action)
        }
        Request::Continue {
            request,
            execution_id,
        } => {
            let mut id = execution_id.clone();
            let hook = running_hook(&view).and_then(|event| hook_function(&view, &event));
            if let (None, Some(hook_fn)) = (&id, hook) {
                let found = rec
                    .call(
                        "logs:FilterLogEvents",
                        json!({"hookFunction": hook_fn, "filterPattern": format!("\"{}\"", view.deployment.id)}),
                        writer.find_hook_execution(&hook_fn, &view.deployment.id),
                        |s| json!(s),
                    )
                    .await;
                match found {
                    Ok(search) => {
                        id.clone_from(&search.execution_id);
                        hook_search = Some(search);
                    }
                    Err(f) => search_failure = Some(f.one_line()),
                }
            }
            continue_variant(&view, *request, id.as_deref()).map_err(|why| match why {
                Refusal::HookIdMissing { event, auto, .. } => Refusal::HookIdMissing {
                    event,
                    auto,
                    search_failed: search_failure.clone(),
                },
                other => other,
            })
        }
    };
    let action = match stale {
        Some(why) => Err(why),
        None => action,
    };
    let confirmation = action.as_ref().ok().map(|a| {
        let blast = blast_radius(
            &view,
            &context.region,
            caller.as_ref().map(|c| c.account.as_str()),
            &context.profile,
        );
        confirmation(a, blast, context.protected)
    });
    Prepared {
        action,
        confirmation,
        hook_search,
        command: request.command(),
        deployment: view.deployment.clone(),
        appspec: view.appspec.value().cloned(),
        weights_before: view.alias.value().cloned(),
        caller,
        calls: rec.into_calls(),
        context,
        started_at,
    }
}
