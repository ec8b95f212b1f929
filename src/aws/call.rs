//! One read request, sent within its service's budget. The SDK's own retries are off for reads
//! (they would bypass the buckets); this retries a transient failure (a timeout, a dropped
//! connection, an HTTP 5xx) once, and every attempt takes its own token. Throttling is never
//! retried here: the engine backs off that whole service instead (AIMD).

use std::future::Future;
use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use super::budget::Budget;

/// Attempts per read request (the first and one retry).
pub const READ_ATTEMPTS: u32 = 2;

/// Pause before the retry.
const RETRY_PAUSE: Duration = Duration::from_millis(300);

/// Sends `request` (called again for the retry) after taking a token from `budget`.
pub async fn read<T, E, F, Fut>(
    budget: &Budget,
    mut request: F,
) -> Result<T, SdkError<E, HttpResponse>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
{
    let mut attempt = 1;
    loop {
        budget.wait().await;
        match request().await {
            Err(e) if attempt < READ_ATTEMPTS && transient(&e) => {
                attempt += 1;
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            other => return other,
        }
    }
}

/// A failure that a second attempt may not meet: timeouts, connection errors, HTTP 5xx.
fn transient<E>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::TimeoutError(_) => true,
        SdkError::DispatchFailure(f) => f.is_io() || f.is_timeout(),
        SdkError::ServiceError(ctx) => ctx.raw().status().is_server_error(),
        SdkError::ResponseError(ctx) => ctx.raw().status().is_server_error(),
        _ => false,
    }
}
