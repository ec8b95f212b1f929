//! The metric store: one series per exact metric identity (namespace, name, sorted dimension
//! set — `{FunctionName, ExecutedVersion}` is a different metric from
//! `{FunctionName, Resource, ExecutedVersion}`, as in `CloudWatch`), one aggregate per whole
//! second (count, sum, min, max) plus raw samples for percentiles, and a retention window in
//! simulated time: points older than `latest timestamp seen - retention` are pruned on insert
//! and by [`Store::prune`], and series left empty are dropped, so memory stays bounded.
//!
//! Percentiles and percentile ranks are computed over every value an aggregate took: values are
//! counted in buckets 1% wide (relative), each keeping the count and the sum of what fell in it
//! ([`Histogram`]), so memory is bounded by the spread of the values (a few hundred buckets for a
//! latency), not by their number, and a bucket holding one distinct value gives it exactly. A
//! value that arrived `n` times (`PutMetricData` `Counts`) is one weighted entry.

use std::collections::{BTreeMap, HashMap};

use super::Observation;

/// How much wider each histogram bucket is than the one below it.
const BUCKET_GROWTH: f64 = 1.01;

/// Every value taken, counted in buckets 1% wide: `(bucket, count, sum of its values)`,
/// ordered by bucket (and so by value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    buckets: Vec<(i32, f64, f64)>,
}

impl Histogram {
    /// The bucket of `v`: 0 for zero, then ordered like the values (negative values below).
    fn bucket(v: f64) -> i32 {
        if v == 0.0 {
            return 0;
        }
        let k = (v.abs().ln() / BUCKET_GROWTH.ln())
            .floor()
            .clamp(-1_000_000.0, 1_000_000.0) as i32
            + 1_000_001;
        if v > 0.0 { k } else { -k }
    }

    /// Takes `v`, `n` times (non-finite values and non-positive weights are ignored).
    pub fn add(&mut self, v: f64, n: f64) {
        if !v.is_finite() || n.is_nan() || n <= 0.0 {
            return;
        }
        self.insert(Self::bucket(v), n, v * n);
    }

    /// Takes every value of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for &(key, n, sum) in &other.buckets {
            self.insert(key, n, sum);
        }
    }

    /// Adds `n` values summing to `sum` to bucket `key`.
    fn insert(&mut self, key: i32, n: f64, sum: f64) {
        match self.buckets.binary_search_by_key(&key, |b| b.0) {
            Ok(i) => {
                if let Some(b) = self.buckets.get_mut(i) {
                    b.1 += n;
                    b.2 += sum;
                }
            }
            Err(i) => self.buckets.insert(i, (key, n, sum)),
        }
    }

    /// How many buckets hold values.
    #[cfg(test)]
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// Each bucket's value (the mean of what fell in it) and count, in value order.
    fn values(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.buckets.iter().map(|&(_, n, sum)| (sum / n, n))
    }

    fn total(&self) -> f64 {
        self.buckets.iter().map(|b| b.1).sum()
    }

    /// Nearest-rank percentile (`p` in 0..=100).
    pub fn percentile(&self, p: f64) -> Option<f64> {
        let total = self.total();
        if total <= 0.0 {
            return None;
        }
        let rank = ((p / 100.0) * total).ceil().clamp(1.0, total);
        let mut seen = 0.0;
        let mut last = None;
        for (value, n) in self.values() {
            seen += n;
            last = Some(value);
            if seen >= rank {
                break;
            }
        }
        last
    }

    /// The percentage of values in `(above, upto]` (an open side is unbounded).
    pub fn rank(&self, above: Option<f64>, upto: Option<f64>) -> Option<f64> {
        let total = self.total();
        if total <= 0.0 {
            return None;
        }
        let inside: f64 = self
            .values()
            .filter(|(v, _)| above.is_none_or(|a| *v > a) && upto.is_none_or(|u| *v <= u))
            .map(|(_, n)| n)
            .sum();
        Some(100.0 * inside / total)
    }
}

/// Exact metric identity; `dims` is sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricKey {
    pub namespace: String,
    pub name: String,
    pub dims: Vec<(String, String)>,
}

impl MetricKey {
    /// Builds a key, sorting the dimensions (the wire order does not matter to `CloudWatch`).
    pub fn new(
        namespace: &str,
        name: &str,
        dims: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut dims: Vec<(String, String)> = dims.into_iter().collect();
        dims.sort();
        dims.dedup_by(|a, b| a.0 == b.0);
        Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            dims,
        }
    }
}

/// Aggregate of the values of one point or of one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Agg {
    pub count: f64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    /// Every raw value taken, for percentiles.
    pub values: Histogram,
    filled: bool,
}

impl Agg {
    /// Merges an observation (aggregates plus raw values) into this aggregate.
    pub fn add(&mut self, count: f64, sum: f64, min: f64, max: f64, samples: &[f64]) {
        self.add_aggregates(count, sum, min, max);
        for &s in samples {
            self.values.add(s, 1.0);
        }
    }

    fn add_aggregates(&mut self, count: f64, sum: f64, min: f64, max: f64) {
        if self.filled {
            self.min = self.min.min(min);
            self.max = self.max.max(max);
        } else {
            self.filled = true;
            self.min = min;
            self.max = max;
        }
        self.count += count;
        self.sum += sum;
    }

    /// Takes `value` as having arrived `n` times (the aggregates are merged by [`Agg::add`]):
    /// one weighted entry, never `n`.
    pub fn add_repeated(&mut self, value: f64, n: u64) {
        self.values.add(value, n as f64);
    }

    /// The value of `stat` (`Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount`, `pNN(.N)`),
    /// or `None` when it has no value (no samples for a percentile).
    pub fn stat(&self, stat: &Stat) -> Option<f64> {
        match stat {
            Stat::Sum => Some(self.sum),
            Stat::Average => (self.count > 0.0).then(|| self.sum / self.count),
            Stat::Minimum => Some(self.min),
            Stat::Maximum => Some(self.max),
            Stat::SampleCount => Some(self.count),
            Stat::Percentile(p) => self.values.percentile(*p),
            Stat::PercentileRank { above, upto } => self.values.rank(*above, *upto),
        }
    }
}

/// A statistic `CloudWatch` can compute on the sandbox's data.
#[derive(Debug, Clone, PartialEq)]
pub enum Stat {
    Sum,
    Average,
    Minimum,
    Maximum,
    SampleCount,
    Percentile(f64),
    /// `PR(above:upto)`: the percentage of values above `above` and at most `upto`.
    PercentileRank {
        above: Option<f64>,
        upto: Option<f64>,
    },
}

impl Stat {
    /// Parses a statistic name as `CloudWatch` spells it; `None` if unsupported.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Sum" => Some(Self::Sum),
            "Average" => Some(Self::Average),
            "Minimum" => Some(Self::Minimum),
            "Maximum" => Some(Self::Maximum),
            "SampleCount" => Some(Self::SampleCount),
            _ if s.starts_with("PR(") => Self::parse_rank(s),
            _ => {
                let rest = s.strip_prefix('p').or_else(|| s.strip_prefix('P'))?;
                let p: f64 = rest.parse().ok()?;
                (rest.chars().all(|c| c.is_ascii_digit() || c == '.') && (0.0..=100.0).contains(&p))
                    .then_some(Self::Percentile(p))
            }
        }
    }
}

impl Stat {
    /// `PR(100:2000)`, `PR(:300)` or `PR(5:)`: absolute bounds, at least one of them.
    fn parse_rank(s: &str) -> Option<Self> {
        let inner = s.strip_prefix("PR(")?.strip_suffix(')')?;
        let (above, upto) = inner.split_once(':')?;
        let bound = |b: &str| -> Option<Option<f64>> {
            if b.is_empty() {
                return Some(None);
            }
            b.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some)
        };
        let (above, upto) = (bound(above)?, bound(upto)?);
        let ordered = match (above, upto) {
            (Some(a), Some(u)) => a < u,
            (None, None) => false,
            _ => true,
        };
        ordered.then_some(Self::PercentileRank { above, upto })
    }

    /// An extended statistic (a percentile or a percentile rank), not a standard one.
    pub fn is_extended(&self) -> bool {
        matches!(self, Self::Percentile(_) | Self::PercentileRank { .. })
    }
}

/// All metric data of one sandbox.
#[derive(Debug, Default)]
pub struct Store {
    retention: f64,
    latest: f64,
    series: HashMap<MetricKey, BTreeMap<i64, Agg>>,
}

impl Store {
    /// An empty store keeping `retention_secs` of simulated time.
    pub fn new(retention_secs: u64) -> Self {
        Self {
            retention: retention_secs as f64,
            latest: f64::MIN,
            series: HashMap::new(),
        }
    }

    fn cutoff(&self) -> i64 {
        (self.latest - self.retention).floor() as i64
    }

    /// Records an observation at `timestamp` (epoch seconds); ignores points already outside
    /// the retention window and non-finite timestamps.
    pub fn record(&mut self, key: MetricKey, timestamp: f64, o: Observation<'_>) {
        self.record_counted(key, timestamp, o, &[]);
    }

    /// Records an observation whose raw samples are `(value, times it occurred)` pairs
    /// (`PutMetricData` `Values`/`Counts`); a count is a weight, never expanded.
    pub fn record_counted(
        &mut self,
        key: MetricKey,
        timestamp: f64,
        o: Observation<'_>,
        weighted: &[(f64, u64)],
    ) {
        if !timestamp.is_finite() {
            return;
        }
        if timestamp > self.latest {
            self.latest = timestamp;
        }
        let cutoff = self.cutoff();
        let second = timestamp.floor() as i64;
        if second < cutoff {
            return;
        }
        let points = self.series.entry(key).or_default();
        let agg = points.entry(second).or_default();
        agg.add(o.sample_count, o.sum, o.min, o.max, o.samples);
        for &(value, n) in weighted {
            agg.add_repeated(value, n);
        }
        while points.first_key_value().is_some_and(|(&t, _)| t < cutoff) {
            points.pop_first();
        }
    }

    /// Drops every point outside the retention window as of `now`, and empty series.
    pub fn prune(&mut self, now: f64) {
        if now > self.latest {
            self.latest = now;
        }
        let cutoff = self.cutoff();
        self.series.retain(|_, points| {
            while points.first_key_value().is_some_and(|(&t, _)| t < cutoff) {
                points.pop_first();
            }
            !points.is_empty()
        });
    }

    /// The data of `key` in `[start, end)` rolled up to `period`-second buckets aligned to
    /// `start`; returns `(bucket start, aggregate)` in ascending time order. Raw samples are
    /// carried along only for `stat`s that need them (percentiles).
    pub fn aggregate(
        &self,
        key: &MetricKey,
        (start, end, period): (i64, i64, i64),
        stat: &Stat,
    ) -> Vec<(i64, Agg)> {
        let with_samples = stat.is_extended();
        let Some(points) = self.series.get(key) else {
            return Vec::new();
        };
        if period <= 0 || end <= start {
            return Vec::new();
        }
        let mut out: Vec<(i64, Agg)> = Vec::new();
        for (&t, agg) in points.range(start..end) {
            let bucket = start + (t - start).div_euclid(period) * period;
            if !matches!(out.last(), Some((b, _)) if *b == bucket) {
                out.push((bucket, Agg::default()));
            }
            if let Some((_, acc)) = out.last_mut() {
                acc.add_aggregates(agg.count, agg.sum, agg.min, agg.max);
                if with_samples {
                    acc.values.merge(&agg.values);
                }
            }
        }
        out
    }

    /// Every metric identity currently held, with its newest timestamp.
    pub fn keys(&self) -> impl Iterator<Item = (&MetricKey, i64)> {
        self.series
            .iter()
            .filter_map(|(k, p)| p.last_key_value().map(|(&t, _)| (k, t)))
    }

    /// Every stored per-second aggregate (tests).
    #[cfg(test)]
    pub fn aggregates(&self) -> impl Iterator<Item = &Agg> {
        self.series.values().flat_map(BTreeMap::values)
    }

    /// Number of stored points (for tests and memory checks).
    pub fn point_count(&self) -> usize {
        self.series.values().map(BTreeMap::len).sum()
    }
}
