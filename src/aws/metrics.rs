//! Per-version metric queries: every series of every deployment in as few GetMetricData calls
//! as possible (≤ 500 queries each), with the exact dimension set Lambda publishes per version
//! (FunctionName + Resource=`fn:alias` + ExecutedVersion), and an error rate by metric math that
//! keeps minutes without invocations (`IF(inv > 0, …, 0)`).

use std::collections::HashMap;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use chrono::{DateTime, Utc};

use super::convert::time;
use crate::domain::{MetricWindow, MetricsRequest, MinutePoint, VersionMetrics};

/// GetMetricData's fixed limit of queries per call.
pub const MAX_QUERIES_PER_CALL: usize = 500;

/// The series fetched for each version: (id suffix, metric, statistic).
const SERIES: [(&str, &str, &str); 6] = [
    ("inv", "Invocations", "Sum"),
    ("err", "Errors", "Sum"),
    ("thr", "Throttles", "Sum"),
    ("avg", "Duration", "Average"),
    ("p50", "Duration", "p50"),
    ("p99", "Duration", "p99"),
];

/// Queries per version: the six series plus the error-rate expression (and, with a latency
/// threshold, its percentile rank).
pub const QUERIES_PER_VERSION: usize = SERIES.len() + 1;

/// The statistic counting the invocations at or below `threshold_ms`, in percent:
/// `CloudWatch`'s percentile rank, `PR(:220)`.
fn percentile_rank(threshold_ms: f64) -> String {
    format!("PR(:{threshold_ms})")
}

/// The query id prefix of request `r`, version `v`.
fn prefix(r: usize, v: usize) -> String {
    format!("r{r}v{v}")
}

/// The queries of one version of `req`: the series, the error rate, the latency threshold's
/// percentile rank and the business metrics.
fn queries_per_version(req: &MetricsRequest) -> usize {
    QUERIES_PER_VERSION + usize::from(req.slow_above_ms.is_some()) + req.business.len()
}

/// GetMetricData's limit of datapoints per answer: a larger answer comes in pages, each one
/// more request.
const DATAPOINTS_PER_PAGE: usize = 100_800;

/// Which versions go in which GetMetricData call: `(request, version)` indexes, at most
/// [`MAX_QUERIES_PER_CALL`] queries a call, a version's queries never straddling two calls
/// (the expression needs its inputs in its call).
fn packed(requests: &[&MetricsRequest]) -> Vec<Vec<(usize, usize)>> {
    let mut calls: Vec<Vec<(usize, usize)>> = Vec::new();
    let (mut current, mut queries) = (Vec::new(), 0);
    for (r, req) in requests.iter().enumerate() {
        let wanted = queries_per_version(req);
        for v in 0..req.versions.len() {
            if queries + wanted > MAX_QUERIES_PER_CALL && !current.is_empty() {
                calls.push(std::mem::take(&mut current));
                queries = 0;
            }
            current.push((r, v));
            queries += wanted;
        }
    }
    if !current.is_empty() {
        calls.push(current);
    }
    calls
}

/// How many GetMetricData requests [`build_queries`] makes of `requests` over `minutes`,
/// pages included (the tokens to take from the CloudWatch budget before sending them).
pub fn metric_calls<'a>(
    requests: impl IntoIterator<Item = &'a MetricsRequest>,
    minutes: usize,
) -> usize {
    let requests: Vec<&MetricsRequest> = requests.into_iter().collect();
    packed(&requests)
        .into_iter()
        .map(|call| {
            let queries: usize = call
                .iter()
                .map(|(r, _)| queries_per_version(requests[*r]))
                .sum();
            (queries * minutes.max(1))
                .div_ceil(DATAPOINTS_PER_PAGE)
                .max(1)
        })
        .sum()
}

/// All queries for `requests`, in the calls [`packed`] puts them in.
pub fn build_queries(requests: &[MetricsRequest]) -> Vec<Vec<MetricDataQuery>> {
    let refs: Vec<&MetricsRequest> = requests.iter().collect();
    packed(&refs)
        .into_iter()
        .map(|call| {
            call.into_iter()
                .flat_map(|(r, v)| {
                    let req = &requests[r];
                    version_queries(&prefix(r, v), req, &req.versions[v])
                })
                .collect()
        })
        .collect()
}

fn version_queries(prefix: &str, req: &MetricsRequest, version: &str) -> Vec<MetricDataQuery> {
    let dims = [
        ("FunctionName", req.function.clone()),
        ("Resource", format!("{}:{}", req.function, req.alias)),
        ("ExecutedVersion", version.to_string()),
    ];
    let dimensions: Vec<Dimension> = dims
        .iter()
        .map(|(n, v)| Dimension::builder().name(*n).value(v).build())
        .collect();
    let rank = req
        .slow_above_ms
        .map(|threshold| ("fast", "Duration", percentile_rank(threshold)));
    let mut out: Vec<MetricDataQuery> = SERIES
        .iter()
        .map(|(suffix, metric, stat)| (*suffix, *metric, (*stat).to_string()))
        .chain(rank)
        .map(|(suffix, metric, stat)| {
            let metric = Metric::builder()
                .namespace("AWS/Lambda")
                .metric_name(metric)
                .set_dimensions(Some(dimensions.clone()))
                .build();
            MetricDataQuery::builder()
                .id(format!("{prefix}_{suffix}"))
                .metric_stat(
                    MetricStat::builder()
                        .metric(metric)
                        .period(60)
                        .stat(stat)
                        .build(),
                )
                .return_data(true)
                .build()
        })
        .collect();
    for (i, b) in req.business.iter().enumerate() {
        let dimensions = b
            .dimensions_for(&req.function, &req.alias, version)
            .into_iter()
            .map(|(n, v)| Dimension::builder().name(n).value(v).build())
            .collect();
        let metric = Metric::builder()
            .namespace(&b.namespace)
            .metric_name(&b.metric_name)
            .set_dimensions(Some(dimensions))
            .build();
        out.push(
            MetricDataQuery::builder()
                .id(format!("{prefix}_b{i}"))
                .metric_stat(
                    MetricStat::builder()
                        .metric(metric)
                        .period(60)
                        .stat(&b.statistic)
                        .build(),
                )
                .return_data(true)
                .build(),
        );
    }
    out.push(
        MetricDataQuery::builder()
            .id(format!("{prefix}_rate"))
            .expression(format!(
                "IF({prefix}_inv > 0, 100 * FILL({prefix}_err, 0) / {prefix}_inv, 0)"
            ))
            .label(format!("{} v{version} error rate %", req.function))
            .return_data(true)
            .build(),
    );
    out
}

/// Collected points: query id → (timestamp → value).
#[derive(Debug, Default)]
pub struct Collected {
    series: HashMap<String, HashMap<i64, f64>>,
}

impl Collected {
    /// Adds one result page.
    pub fn add(&mut self, result: &aws_sdk_cloudwatch::types::MetricDataResult) {
        let Some(id) = result.id() else { return };
        let entry = self.series.entry(id.to_string()).or_default();
        for (t, v) in result.timestamps().iter().zip(result.values()) {
            if let Some(t) = time(t) {
                entry.insert(t.timestamp(), *v);
            }
        }
    }

    /// Adds everything another call collected.
    pub fn merge(&mut self, other: Collected) {
        for (id, points) in other.series {
            self.series.entry(id).or_default().extend(points);
        }
    }

    fn value(&self, id: &str, at: DateTime<Utc>) -> Option<f64> {
        self.series.get(id)?.get(&at.timestamp()).copied()
    }

    /// Dense per-minute series for every request and version, in request order.
    pub fn into_metrics(
        self,
        requests: &[MetricsRequest],
        window: MetricWindow,
    ) -> Vec<Vec<VersionMetrics>> {
        requests
            .iter()
            .enumerate()
            .map(|(r, req)| {
                req.versions
                    .iter()
                    .enumerate()
                    .map(|(v, version)| {
                        let p = prefix(r, v);
                        let get = |s: &str, at| self.value(&format!("{p}_{s}"), at);
                        let points = window
                            .minutes()
                            .map(|at| MinutePoint {
                                at,
                                invocations: get("inv", at),
                                errors: get("err", at),
                                throttles: get("thr", at),
                                error_rate: get("rate", at),
                                duration_avg_ms: get("avg", at),
                                duration_p50_ms: get("p50", at),
                                duration_p99_ms: get("p99", at),
                                business: (0..req.business.len())
                                    .map(|i| get(&format!("b{i}"), at))
                                    .collect(),
                                slow: req.slow_above_ms.and_then(|_| {
                                    let (inv, fast) = (get("inv", at)?, get("fast", at)?);
                                    Some((inv * (100.0 - fast) / 100.0).max(0.0))
                                }),
                            })
                            .collect();
                        VersionMetrics {
                            version: version.clone(),
                            points,
                            slow_above_ms: req.slow_above_ms,
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(n: usize) -> MetricsRequest {
        MetricsRequest {
            function: format!("fn{n}"),
            alias: "live".into(),
            versions: vec!["1".into(), "2".into()],
            slow_above_ms: None,
            business: Vec::new(),
        }
    }

    #[test]
    fn a_latency_threshold_adds_its_percentile_rank_to_each_version() {
        let req = MetricsRequest {
            slow_above_ms: Some(220.0),
            ..request(0)
        };
        let calls = build_queries(&[req]);
        assert_eq!(calls[0].len(), 2 * (QUERIES_PER_VERSION + 1));
        let ranks: Vec<_> = calls[0]
            .iter()
            .filter_map(|q| q.metric_stat().and_then(|m| m.stat()))
            .filter(|stat| stat.starts_with("PR"))
            .collect();
        assert_eq!(ranks, ["PR(:220)", "PR(:220)"]);
    }

    #[test]
    fn queries_use_the_exact_dimension_set_and_unique_ids() {
        let calls = build_queries(&[request(0)]);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].len(), 2 * QUERIES_PER_VERSION);
        let first = &calls[0][0];
        let dims = first
            .metric_stat()
            .and_then(|m| m.metric())
            .map(|m| m.dimensions().to_vec());
        let names: Vec<_> = dims
            .unwrap_or_default()
            .iter()
            .map(|d| d.name().unwrap_or_default().to_string())
            .collect();
        assert_eq!(names, ["FunctionName", "Resource", "ExecutedVersion"]);
        let mut ids: Vec<_> = calls[0].iter().filter_map(|q| q.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), calls[0].len());
        assert!(
            ids.iter()
                .all(|id| id.starts_with(|c: char| c.is_ascii_lowercase()))
        );
        let rate = calls[0]
            .iter()
            .find_map(|q| q.expression())
            .unwrap_or_default();
        assert!(rate.starts_with("IF(r0v0_inv > 0"), "{rate}");
    }

    #[test]
    fn many_deployments_fit_in_few_calls() {
        let requests: Vec<_> = (0..100).map(request).collect();
        let calls = build_queries(&requests);
        // 100 deployments × 2 versions × 7 queries = 1400 queries → 3 calls.
        assert_eq!(calls.len(), 3);
        assert!(calls.iter().all(|c| c.len() <= MAX_QUERIES_PER_CALL));
        assert_eq!(calls.iter().map(Vec::len).sum::<usize>(), 1400);
    }

    /// The budget is taken for the calls that will be sent: a latency threshold and business
    /// metrics make a version's queries more (10 here), so 100 deployments need 4 calls, not
    /// the 3 that Lambda's own 7 queries per version would.
    #[test]
    fn the_calls_counted_are_the_calls_built() {
        let business: crate::domain::verdict::BusinessMetric = toml::from_str(
            r#"
            name = "failed orders"
            namespace = "Storefront"
            metric_name = "OrdersFailed"
            "#,
        )
        .expect("metric");
        let heavy = |n| MetricsRequest {
            slow_above_ms: Some(220.0),
            business: vec![business.clone(), business.clone()],
            ..request(n)
        };
        for requests in [
            (0..100).map(heavy).collect::<Vec<_>>(),
            (0..100).map(request).collect(),
            (0..37)
                .map(|n| if n % 3 == 0 { heavy(n) } else { request(n) })
                .collect(),
            Vec::new(),
        ] {
            assert_eq!(metric_calls(&requests, 15), build_queries(&requests).len());
        }
        let heavy_fleet: Vec<_> = (0..100).map(heavy).collect();
        assert_eq!(metric_calls(&heavy_fleet, 15), 4);
        // A day of minutes: each call of 500 queries is 720,000 datapoints, 8 pages.
        assert_eq!(metric_calls(&heavy_fleet, 1440), 4 * 8);
    }
}
