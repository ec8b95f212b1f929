//! Write-side error classification: the read side's [`classify`] plus what to do about the
//! errors only actions meet (the deployment already completed, the alias changed under you, the
//! hook already reported, ContinueDeployment on a deployment that is not in Ready).

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::errors::{CallSite, classify};
use crate::domain::Failure;

/// Classifies an SDK error of a write-side call.
pub fn write_failure<E>(
    err: &SdkError<E, HttpResponse>,
    service: &str,
    operation: &str,
    profile: Option<&str>,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut failure = classify(
        err,
        CallSite {
            service,
            operation,
            profile,
        },
    );
    let code = match err {
        SdkError::ServiceError(ctx) => ctx.err().code().map(str::to_string),
        _ => None,
    };
    if let Some(hint) = code.as_deref().and_then(hint_for_code) {
        failure.hint = hint.to_string();
    }
    failure
}

/// The hint for an error code only actions meet.
pub fn hint_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "DeploymentAlreadyCompletedException" => {
            "the deployment has already completed: nothing to stop or continue — refresh to see how it ended"
        }
        "PreconditionFailedException" => {
            "the alias changed under you (its RevisionId no longer matches): reported, never \
             overwritten — refresh, look at the alias, and decide again"
        }
        "DeploymentIsNotInReadyStateException" | "UnsupportedActionForDeploymentTypeException" => {
            "ContinueDeployment only moves a blue/green deployment out of Ready; for a Lambda \
             canary use continue's promote-now or a hook verdict"
        }
        "LifecycleEventAlreadyCompletedException" => {
            "the hook has already reported (or timed out): refresh to see the deployment's state"
        }
        "InvalidLifecycleEventHookExecutionIdException" => {
            "that execution id does not belong to this deployment's waiting hook: check the hook's \
             log group for the newest LifecycleEventHookExecutionId"
        }
        "DeploymentLimitExceededException" => {
            "another deployment of this group is still running: wait for it or stop it first"
        }
        "ResourceConflictException" => {
            "Lambda is updating the function right now: retry in a few seconds"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::hint_for_code;

    #[test]
    fn action_errors_say_what_to_do() {
        let pre = hint_for_code("PreconditionFailedException").unwrap_or_default();
        assert!(pre.contains("never overwritten"), "{pre}");
        let done = hint_for_code("DeploymentAlreadyCompletedException").unwrap_or_default();
        assert!(done.contains("already completed"), "{done}");
        assert!(hint_for_code("ThrottlingException").is_none());
    }
}
