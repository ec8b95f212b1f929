//! The metric operations of the `CloudWatch` API: `PutMetricData` (Value, Values/Counts,
//! `StatisticValues`), `GetMetricData` (see [`super::query`]) and `ListMetrics` (namespace, name and
//! dimension filters, `RecentlyActive`, pagination).
//!
//! `PutMetricData` enforces the limits the API reference documents (`MetricData` and
//! `MetricDatum` pages): at most 1000 items per call, 150 `Values` (and as many `Counts`) and
//! 30 dimensions per datum, values within ±2^360 and finite. A count is a weight, never
//! expanded into that many samples (see [`super::store::Store::record_counted`]), and must be
//! positive and at most [`MAX_COUNT`].

use super::api::{decode_input, invalid};
use super::codec;
use super::model::{
    Dimension, GetMetricDataInput, ListMetricsInput, ListMetricsOutput, Metric, MetricDatum,
    PutMetricDataInput,
};
use super::store::MetricKey;
use super::{CloudWatch, Codec, Observation, error, query};
use crate::sandbox::wire::Reply;

const LIST_METRICS_PAGE: usize = 500;
/// Most `MetricData` items per `PutMetricData` ("no more than 1000 different metrics").
const MAX_METRIC_DATA: usize = 1000;
/// Most `Values` per datum ("up to 150 values per metric with one `PutMetricData` request").
const MAX_VALUES: usize = 150;
/// Most dimensions per metric (`MetricDatum.Dimensions`: "Maximum number of 30 items").
const MAX_DIMENSIONS: usize = 30;
/// Largest magnitude of a value ("Values must be in the range of -2^360 to 2^360").
const MAX_MAGNITUDE: f64 = 2.348_542_582_773_833_2e108;
/// Largest count of one value. `CloudWatch` documents no bound; 2^53 is the largest whole
/// number a double holds exactly, far past any real count.
pub const MAX_COUNT: f64 = 9_007_199_254_740_992.0;
/// How far back and ahead of the service's clock `PutMetricData` accepts timestamps.
const MAX_PAST_SECS: f64 = 14.0 * 86_400.0;
const MAX_FUTURE_SECS: f64 = 2.0 * 3600.0;

macro_rules! decode {
    ($codec:expr, $body:expr) => {
        match decode_input($codec, $body) {
            Ok(input) => input,
            Err(reply) => return reply,
        }
    };
}

fn dims(list: &[Dimension]) -> impl Iterator<Item = (String, String)> + '_ {
    list.iter().map(|d| (d.name.clone(), d.value.clone()))
}

impl CloudWatch {
    pub(super) fn put_metric_data(&mut self, codec: Codec, body: &[u8], now: f64) -> Reply {
        let input: PutMetricDataInput = decode!(codec, body);
        if input.namespace.is_empty() {
            return error(
                codec,
                "MissingParameter",
                "The parameter Namespace is required.",
                400,
            );
        }
        if input.namespace.starts_with("AWS/") {
            return invalid(codec, "The value AWS/ for parameter Namespace is invalid.");
        }
        if input.metric_data.len() > MAX_METRIC_DATA {
            return invalid(
                codec,
                &format!(
                    "The collection MetricData must not have a size greater than {MAX_METRIC_DATA}."
                ),
            );
        }
        for (i, d) in input.metric_data.iter().enumerate() {
            if let Err(reply) = check_datum(codec, i, d, now) {
                return reply;
            }
        }
        for d in &input.metric_data {
            let key = MetricKey::new(&input.namespace, &d.metric_name, dims(&d.dimensions));
            let t = d.timestamp.map_or(now, |t| t.0);
            if let Some(v) = d.value {
                let o = Observation {
                    sample_count: 1.0,
                    sum: v.0,
                    min: v.0,
                    max: v.0,
                    samples: &[v.0],
                };
                self.store.record(key, t, o);
            } else if let Some(s) = d.statistic_values {
                let o = Observation {
                    sample_count: s.sample_count.0,
                    sum: s.sum.0,
                    min: s.minimum.0,
                    max: s.maximum.0,
                    samples: &[],
                };
                self.store.record(key, t, o);
            } else if !d.values.is_empty() {
                // (value, how many times it occurred): at most 150 pairs, whatever the counts.
                let mut weighted = Vec::with_capacity(d.values.len());
                let (mut count, mut sum) = (0.0, 0.0);
                for (i, v) in d.values.iter().enumerate() {
                    let c = d.counts.get(i).map_or(1.0, |c| c.0);
                    count += c;
                    sum += v.0 * c;
                    // A fractional count still stands for at least one sample.
                    weighted.push((v.0, c.round().max(1.0) as u64));
                }
                let min = d.values.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
                let max = d
                    .values
                    .iter()
                    .map(|v| v.0)
                    .fold(f64::NEG_INFINITY, f64::max);
                let o = Observation {
                    sample_count: count,
                    sum,
                    min,
                    max,
                    samples: &[],
                };
                self.store.record_counted(key, t, o, &weighted);
            }
        }
        codec::empty(codec)
    }

    pub(super) fn get_metric_data(&self, codec: Codec, body: &[u8]) -> Reply {
        let input: GetMetricDataInput = decode!(codec, body);
        match query::get_metric_data(&self.store, &input) {
            Ok(out) => codec::ok(codec, &out),
            Err((code, message, status)) => error(codec, code, &message, status),
        }
    }

    pub(super) fn list_metrics(&self, codec: Codec, body: &[u8], now: f64) -> Reply {
        let input: ListMetricsInput = decode!(codec, body);
        let recent = match input.recently_active.as_deref() {
            None => None,
            Some("PT3H") => Some(now - 3.0 * 3600.0),
            Some(other) => {
                return invalid(
                    codec,
                    &format!("The value {other} for parameter RecentlyActive is not valid."),
                );
            }
        };
        let mut keys: Vec<&MetricKey> = self
            .store
            .keys()
            .filter(|(_, newest)| recent.is_none_or(|r| *newest as f64 >= r))
            .map(|(k, _)| k)
            .filter(|k| input.namespace.as_ref().is_none_or(|n| *n == k.namespace))
            .filter(|k| input.metric_name.as_ref().is_none_or(|n| *n == k.name))
            .filter(|k| {
                input.dimensions.iter().all(|f| {
                    k.dims
                        .iter()
                        .any(|(n, v)| *n == f.name && f.value.as_ref().is_none_or(|fv| fv == v))
                })
            })
            .collect();
        keys.sort();
        let offset = match input.next_token.as_deref() {
            None => 0,
            Some(t) => match t
                .strip_prefix("lm-")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= keys.len())
            {
                Some(n) => n,
                None => {
                    return invalid(
                        codec,
                        &format!("The service cannot process the NextToken {t}."),
                    );
                }
            },
        };
        let end = offset.saturating_add(LIST_METRICS_PAGE).min(keys.len());
        let metrics = keys
            .get(offset..end)
            .unwrap_or_default()
            .iter()
            .map(|k| Metric {
                namespace: Some(k.namespace.clone()),
                metric_name: Some(k.name.clone()),
                dimensions: Some(
                    k.dims
                        .iter()
                        .map(|(n, v)| Dimension {
                            name: n.clone(),
                            value: v.clone(),
                        })
                        .collect(),
                ),
            })
            .collect();
        let next_token = (end < keys.len()).then(|| format!("lm-{end}"));
        codec::ok(
            codec,
            &ListMetricsOutput {
                metrics,
                next_token,
            },
        )
    }
}

/// The checks PutMetricData makes of its `i`th datum: sizes, a metric name, one kind of value,
/// finite numbers within CloudWatch's range, positive counts, a timestamp within two weeks back
/// and two hours ahead of `now`, as many counts as values.
fn check_datum(codec: Codec, i: usize, d: &MetricDatum, now: f64) -> Result<(), Reply> {
    let member = format!("MetricData.member.{}", i + 1);
    for (what, len, max) in [
        ("Values", d.values.len(), MAX_VALUES),
        ("Counts", d.counts.len(), MAX_VALUES),
        ("Dimensions", d.dimensions.len(), MAX_DIMENSIONS),
    ] {
        if len > max {
            return Err(invalid(
                codec,
                &format!("The collection {member}.{what} must not have a size greater than {max}."),
            ));
        }
    }
    if d.metric_name.is_empty() {
        return Err(error(
            codec,
            "MissingParameter",
            &format!("The parameter {member}.MetricName is required."),
            400,
        ));
    }
    let given = usize::from(d.value.is_some())
        + usize::from(d.statistic_values.is_some())
        + usize::from(!d.values.is_empty());
    if given > 1 {
        return Err(error(
            codec,
            "InvalidParameterCombination",
            &format!(
                "The parameters {member}.Value, {member}.StatisticValues and {member}.Values are mutually exclusive."
            ),
            400,
        ));
    }
    let numbers = d
        .value
        .iter()
        .chain(&d.values)
        .chain(&d.counts)
        .copied()
        .chain(
            d.statistic_values
                .iter()
                .flat_map(|s| [s.sample_count, s.sum, s.minimum, s.maximum]),
        );
    if numbers.into_iter().any(|v| !v.0.is_finite()) {
        return Err(invalid(
            codec,
            &format!("The values of {member} must be finite numbers."),
        ));
    }
    let magnitudes = d.value.iter().chain(&d.values).copied().chain(
        d.statistic_values
            .iter()
            .flat_map(|s| [s.sample_count, s.sum, s.minimum, s.maximum]),
    );
    if magnitudes.into_iter().any(|v| v.0.abs() > MAX_MAGNITUDE) {
        return Err(invalid(
            codec,
            &format!("The values of {member} must be in the range of -2^360 to 2^360."),
        ));
    }
    if d.counts.iter().any(|c| !(c.0 > 0.0 && c.0 <= MAX_COUNT)) {
        return Err(invalid(
            codec,
            &format!(
                "The values of {member}.Counts must be greater than 0 and at most {MAX_COUNT}."
            ),
        ));
    }
    let window = now - MAX_PAST_SECS..=now + MAX_FUTURE_SECS;
    if d.timestamp.is_some_and(|t| !window.contains(&t.0)) {
        return Err(invalid(
            codec,
            &format!(
                "The parameter {member}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future."
            ),
        ));
    }
    if !d.counts.is_empty() && d.counts.len() != d.values.len() {
        return Err(invalid(
            codec,
            &format!(
                "The parameters {member}.Values and {member}.Counts must be of the same size."
            ),
        ));
    }
    Ok(())
}
