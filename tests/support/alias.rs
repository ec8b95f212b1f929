//! The weights of a `live` alias, read the two ways tests see them: through the Lambda API
//! (`GetAlias`) and in the sandbox's ground truth (a `weight` event's detail). Weights are
//! rounded to the basis point so a test compares them with the literal it expects.

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::get_alias::{GetAliasError, GetAliasOutput};
use serde_json::Value;

/// An alias's routing: its primary version and the weights on additional versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub primary: String,
    pub additional: Vec<(String, f64)>,
}

impl Weights {
    /// The weight (0–1) routed to `version` as an additional version; 0 when it has none.
    pub fn on(&self, version: &str) -> f64 {
        self.additional
            .iter()
            .find(|(v, _)| v == version)
            .map_or(0.0, |(_, w)| *w)
    }

    /// Whether all traffic goes to the primary version.
    pub fn is_whole(&self) -> bool {
        self.additional.is_empty()
    }
}

/// A weight rounded to the basis point (`0.6000000000000001` → `0.6`).
pub fn rounded(weight: f64) -> f64 {
    (weight * 10_000.0).round() / 10_000.0
}

/// `GetAlias` of `function`'s alias `name`, as the SDK answers it.
pub async fn get(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    name: &str,
) -> Result<GetAliasOutput, SdkError<GetAliasError>> {
    lambda
        .get_alias()
        .function_name(function)
        .name(name)
        .send()
        .await
}

/// The routing of `function`'s `live` alias.
pub async fn live(lambda: &aws_sdk_lambda::Client, function: &str) -> Weights {
    let alias = get(lambda, function, "live")
        .await
        .unwrap_or_else(|e| panic!("GetAlias {function}:live: {e:?}"));
    let mut additional: Vec<(String, f64)> = alias
        .routing_config()
        .and_then(|r| r.additional_version_weights())
        .into_iter()
        .flatten()
        .map(|(v, w)| (v.clone(), rounded(*w)))
        .collect();
    additional.sort_by(|a, b| a.0.cmp(&b.0));
    Weights {
        primary: alias.function_version().unwrap_or_default().to_owned(),
        additional,
    }
}

/// The share (0–1) on the additional version in a ground-truth `weight` event's detail (1 when
/// the event names none: the alias moved whole).
pub fn event_share(detail: &Value) -> f64 {
    detail["additional_version_weights"]
        .as_object()
        .and_then(|weights| weights.values().next())
        .and_then(Value::as_f64)
        .map_or(1.0, rounded)
}
