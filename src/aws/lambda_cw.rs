//! Lambda and CloudWatch reads: the live alias, the group alarms (≤ 100 names per call,
//! metric and composite), and the per-version metrics (≤ 500 queries per call, calls in
//! parallel).

use aws_sdk_cloudwatch::types::AlarmType;
use futures::future::try_join_all;

use super::budget::Budget;
use super::call;
use super::convert::{self, smithy_time};
use super::errors::{CallSite, classify};
use super::metrics::{Collected, build_queries};
use crate::domain::{Alarm, AliasWeights, Failure, MetricWindow, MetricsRequest, VersionMetrics};

/// One page of function names (ListFunctions, 50 a page) from `marker`, within the Lambda
/// budget: the names and the next marker.
pub async fn list_function_names(
    client: &aws_sdk_lambda::Client,
    budget: &Budget,
    marker: Option<String>,
    profile: Option<&str>,
) -> Result<(Vec<String>, Option<String>), Failure> {
    let out = call::read(budget, || {
        client
            .list_functions()
            .set_marker(marker.clone())
            .max_items(50)
            .send()
    })
    .await
    .map_err(|e| classify(&e, lambda_site("ListFunctions", profile)))?;
    let names = out
        .functions()
        .iter()
        .filter_map(|f| f.function_name().map(str::to_owned))
        .collect();
    Ok((names, out.next_marker().map(str::to_owned)))
}

/// Every alias of `function` with its weights (ListAliases, each page within the Lambda
/// budget).
pub async fn list_aliases(
    client: &aws_sdk_lambda::Client,
    budget: &Budget,
    function: &str,
    profile: Option<&str>,
) -> Result<Vec<AliasWeights>, Failure> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = call::read(budget, || {
            client
                .list_aliases()
                .function_name(function)
                .set_marker(marker.clone())
                .send()
        })
        .await
        .map_err(|e| classify(&e, lambda_site("ListAliases", profile)))?;
        out.extend(page.aliases().iter().map(|a| {
            convert::routing_weights(
                function,
                a.name().unwrap_or_default(),
                a.function_version(),
                a.routing_config(),
                a.revision_id(),
            )
        }));
        match page.next_marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_owned()),
            _ => return Ok(out),
        }
    }
}

/// Where a Lambda call failed, for its classified failure.
fn lambda_site<'a>(operation: &'static str, profile: Option<&'a str>) -> CallSite<'a> {
    CallSite {
        service: "lambda",
        operation,
        profile,
    }
}

/// DescribeAlarms takes at most 100 names.
pub const ALARM_NAMES_PER_CALL: usize = 100;

/// The live weights of `function:alias`, within the Lambda budget.
pub async fn get_alias(
    client: &aws_sdk_lambda::Client,
    budget: &Budget,
    function: &str,
    alias: &str,
    profile: Option<&str>,
) -> Result<AliasWeights, Failure> {
    let out = call::read(budget, || {
        client
            .get_alias()
            .function_name(function)
            .name(alias)
            .send()
    })
    .await
    .map_err(|e| classify(&e, lambda_site("GetAlias", profile)))?;
    Ok(convert::alias_weights(function, alias, &out))
}

/// CloudWatch reads with their budget.
pub struct CloudWatch<'a> {
    pub client: &'a aws_sdk_cloudwatch::Client,
    pub budget: &'a Budget,
    pub profile: Option<&'a str>,
}

impl CloudWatch<'_> {
    fn site(&self, operation: &'static str) -> CallSite<'_> {
        CallSite {
            service: "cloudwatch",
            operation,
            profile: self.profile,
        }
    }

    /// Metric and composite alarms named `names`.
    pub async fn alarms(&self, names: &[String]) -> Result<Vec<Alarm>, Failure> {
        let calls = names.chunks(ALARM_NAMES_PER_CALL).map(|chunk| async move {
            let mut alarms = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let out = call::read(self.budget, || {
                    self.client
                        .describe_alarms()
                        .set_alarm_names(Some(chunk.to_vec()))
                        .alarm_types(AlarmType::MetricAlarm)
                        .alarm_types(AlarmType::CompositeAlarm)
                        .set_next_token(token.clone())
                        .send()
                })
                .await
                .map_err(|e| classify(&e, self.site("DescribeAlarms")))?;
                alarms.extend(out.metric_alarms().iter().map(convert::metric_alarm));
                alarms.extend(out.composite_alarms().iter().map(convert::composite_alarm));
                token = out
                    .next_token()
                    .filter(|t| !t.is_empty())
                    .map(str::to_string);
                if token.is_none() {
                    return Ok::<_, Failure>(alarms);
                }
            }
        });
        Ok(try_join_all(calls).await?.into_iter().flatten().collect())
    }

    /// Per-version series for every request, in request order.
    pub async fn version_metrics(
        &self,
        requests: &[MetricsRequest],
        window: MetricWindow,
    ) -> Result<Vec<Vec<VersionMetrics>>, Failure> {
        let calls = build_queries(requests)
            .into_iter()
            .map(|queries| async move {
                let mut collected = Collected::default();
                let mut token: Option<String> = None;
                loop {
                    let out = call::read(self.budget, || {
                        self.client
                            .get_metric_data()
                            .set_metric_data_queries(Some(queries.clone()))
                            .start_time(smithy_time(window.start))
                            .end_time(smithy_time(window.end))
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await
                    .map_err(|e| classify(&e, self.site("GetMetricData")))?;
                    for result in out.metric_data_results() {
                        collected.add(result);
                    }
                    token = out
                        .next_token()
                        .filter(|t| !t.is_empty())
                        .map(str::to_string);
                    if token.is_none() {
                        return Ok::<_, Failure>(collected);
                    }
                }
            });
        let mut all = Collected::default();
        for part in try_join_all(calls).await? {
            all.merge(part);
        }
        Ok(all.into_metrics(requests, window))
    }
}
