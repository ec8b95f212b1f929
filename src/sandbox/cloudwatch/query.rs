//! `GetMetricData`: validates the queries (≤ 500, Ids starting with a lowercase letter, exactly
//! one of `MetricStat` and Expression, known statistics), computes `MetricStat` series from the
//! store rolled up to their Period over `[StartTime, EndTime)` (`StartTime` aligned down to the
//! period, `EndTime` exclusive), evaluates Expression queries with metric math, and returns the
//! `ReturnData` results in request order, sorted per `ScanBy` (default `TimestampDescending`),
//! paginated by `MaxDatapoints` with an offset `NextToken`.
//!
//! Expressions may use other expressions' results by `Id`. Before anything is computed the
//! references are checked as a graph ([`plan`], an explicit-stack depth-first walk): a cycle
//! (a self-reference included) or a chain of expressions more than [`MAX_REFERENCE_DEPTH`]
//! deep is a `ValidationError`; then expressions are evaluated in dependency order, each with
//! its references already computed, so evaluation never recurses from one expression into
//! another and a request cannot overflow the stack however it nests.

use std::collections::{BTreeMap, HashMap};

use super::codec::Ts;
use super::math::{self, Context, Expr, Value};
use super::model::{
    GetMetricDataInput, GetMetricDataOutput, MetricDataQuery, MetricDataResult, MetricStat,
};
use super::store::{MetricKey, Stat, Store};

/// A `GetMetricData` failure: `(query code, message, status)`.
pub type Failure = (&'static str, String, u16);

fn validation(message: String) -> Failure {
    ("ValidationError", message, 400)
}

/// Most `MetricDataQueries` in one request (`GetMetricData` API reference: "as many as 500
/// different metrics in a single request").
const MAX_QUERIES: usize = 500;
/// Longest chain of expressions referencing expressions (`e3` uses `e2` uses `e1` uses `m1`
/// is 3). `CloudWatch` documents no bound; this one is far past any dashboard's.
pub const MAX_REFERENCE_DEPTH: usize = 32;
/// The longest metric math expression `CloudWatch` accepts.
const MAX_EXPRESSION_LEN: usize = 2048;
/// Latest accepted timestamp (year 5000).
const MAX_EPOCH_SECS: f64 = 95_617_584_000.0;
/// Longest accepted period (one year).
const MAX_PERIOD: i64 = 366 * 86_400;
const DEFAULT_MAX_DATAPOINTS: usize = 100_800;

enum Source {
    Stat(MetricKey, Stat, i64),
    Expr(Expr),
}

struct Eval<'a> {
    store: &'a Store,
    sources: HashMap<String, Source>,
    cache: HashMap<String, Value>,
    active: Vec<String>,
    start: i64,
    end: i64,
    grid: Vec<i64>,
}

impl Context for Eval<'_> {
    fn resolve(&mut self, id: &str) -> Result<Value, String> {
        if let Some(v) = self.cache.get(id) {
            return Ok(v.clone());
        }
        if self.active.iter().any(|a| a == id) {
            return Err(format!("Circular reference to {id}"));
        }
        let value = match self.sources.get(id) {
            None => return Err(format!("Unrecognized metric or expression id {id}")),
            Some(Source::Stat(key, stat, period)) => {
                let start = self.start.div_euclid(*period) * period;
                let series: BTreeMap<i64, f64> = self
                    .store
                    .aggregate(key, (start, self.end, *period), stat)
                    .into_iter()
                    .filter_map(|(t, agg)| agg.stat(stat).filter(|v| v.is_finite()).map(|v| (t, v)))
                    .collect();
                Value::Series(series)
            }
            Some(Source::Expr(expr)) => {
                let expr = expr.clone();
                self.active.push(id.to_owned());
                let v = math::eval(&expr, self);
                self.active.pop();
                v?
            }
        };
        self.cache.insert(id.to_owned(), value.clone());
        Ok(value)
    }
    fn grid(&self) -> &[i64] {
        &self.grid
    }
}

fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn stat_source(index: usize, ms: &MetricStat) -> Result<Source, Failure> {
    let member = format!("MetricDataQueries.member.{index}.MetricStat");
    let stat_name = ms.stat.as_deref().ok_or_else(|| {
        (
            "MissingParameter",
            format!("The parameter {member}.Stat is required."),
            400,
        )
    })?;
    let stat = Stat::parse(stat_name).ok_or_else(|| {
        (
            "InvalidParameterValue",
            format!("The value {stat_name} for parameter {member}.Stat is not a valid statistic."),
            400,
        )
    })?;
    let period = ms.period.ok_or_else(|| {
        (
            "MissingParameter",
            format!("The parameter {member}.Period is required."),
            400,
        )
    })?;
    if !(1..=MAX_PERIOD).contains(&period)
        || (period >= 60 && period % 60 != 0)
        || (period < 60 && ![1, 5, 10, 20, 30].contains(&period))
    {
        return Err(validation(format!(
            "The value {period} for parameter {member}.Period must be 1, 5, 10, 20, 30, 60 or a multiple of 60."
        )));
    }
    let m = &ms.metric;
    let (Some(ns), Some(name)) = (m.namespace.as_deref(), m.metric_name.as_deref()) else {
        return Err((
            "MissingParameter",
            format!("{member}.Metric needs Namespace and MetricName."),
            400,
        ));
    };
    let dims = m
        .dimensions
        .iter()
        .flatten()
        .map(|d| (d.name.clone(), d.value.clone()));
    Ok(Source::Stat(MetricKey::new(ns, name, dims), stat, period))
}

/// Runs `GetMetricData` against `store`.
pub fn get_metric_data(
    store: &Store,
    input: &GetMetricDataInput,
) -> Result<GetMetricDataOutput, Failure> {
    let queries = &input.metric_data_queries;
    if queries.is_empty() {
        return Err((
            "MissingParameter",
            "The parameter MetricDataQueries is required.".to_owned(),
            400,
        ));
    }
    if queries.len() > MAX_QUERIES {
        return Err(validation(format!(
            "1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to {MAX_QUERIES}"
        )));
    }
    let Window {
        start,
        end,
        descending,
        max_points,
    } = window(input)?;
    let (sources, min_period) = sources(queries)?;
    let period = queries
        .iter()
        .find_map(|q| q.period.filter(|p| *p > 0))
        .or(min_period)
        .unwrap_or(60);
    let (start, end) = (start.floor() as i64, end.ceil() as i64);
    let aligned = start.div_euclid(period) * period;
    let grid: Vec<i64> = (0..)
        .map_while(|k| period.checked_mul(k).and_then(|o| aligned.checked_add(o)))
        .take_while(|t| *t < end)
        .take(DEFAULT_MAX_DATAPOINTS)
        .collect();
    let order = plan(&sources, queries)?;
    let mut eval = Eval {
        store,
        sources,
        cache: HashMap::new(),
        active: Vec::new(),
        start,
        end,
        grid,
    };
    // Dependencies first: every reference an expression makes is cached before it runs.
    for id in &order {
        eval.resolve(id)
            .map_err(|m| validation(format!("Error in expression {id}: {m}")))?;
    }
    let mut results = Vec::new();
    for q in queries.iter().filter(|q| q.return_data != Some(false)) {
        let series = match eval
            .resolve(&q.id)
            .map_err(|m| validation(format!("Error in expression {}: {m}", q.id)))?
        {
            Value::Series(s) => s,
            Value::Scalar(x) => eval
                .grid
                .iter()
                .map(|&t| (t, x))
                .filter(|(_, v)| v.is_finite())
                .collect(),
        };
        let mut points: Vec<(i64, f64)> = series.into_iter().collect();
        if descending {
            points.reverse();
        }
        results.push((q, points));
    }
    paginate(results, input.next_token.as_deref(), max_points)
}

/// The time range and the shape of a `GetMetricData` answer.
struct Window {
    /// Epoch seconds.
    start: f64,
    end: f64,
    /// Newest first (`TimestampDescending`, the default).
    descending: bool,
    max_points: usize,
}

/// A `GetMetricData` request's window: StartTime before EndTime, both real times, a known
/// ScanBy and a positive MaxDatapoints.
fn window(input: &GetMetricDataInput) -> Result<Window, Failure> {
    let (Some(start), Some(end)) = (input.start_time, input.end_time) else {
        return Err((
            "MissingParameter",
            "The parameters StartTime and EndTime are required.".to_owned(),
            400,
        ));
    };
    // Far outside any real timestamp (and any arithmetic range): refuse rather than overflow.
    let sane = |t: f64| (0.0..=MAX_EPOCH_SECS).contains(&t);
    if !(sane(start.0) && sane(end.0)) {
        return Err(validation(
            "StartTime and EndTime must be valid times (epoch seconds from 0 to year 5000)."
                .to_owned(),
        ));
    }
    if end.0 <= start.0 {
        return Err(validation(
            "The parameter StartTime must be less than the parameter EndTime.".to_owned(),
        ));
    }
    let descending = match input.scan_by.as_deref() {
        None | Some("TimestampDescending") => true,
        Some("TimestampAscending") => false,
        Some(other) => {
            return Err(validation(format!(
                "The value {other} for parameter ScanBy is not valid."
            )));
        }
    };
    let max_points = match input.max_datapoints {
        None => DEFAULT_MAX_DATAPOINTS,
        Some(n) if n >= 1 => usize::try_from(n).unwrap_or(DEFAULT_MAX_DATAPOINTS),
        Some(n) => {
            return Err(validation(format!(
                "The value {n} for parameter MaxDatapoints must be positive."
            )));
        }
    };
    Ok(Window {
        start: start.0,
        end: end.0,
        descending,
        max_points,
    })
}

/// Each query's source by id (ids valid and unique, exactly one of MetricStat and Expression,
/// expressions parsed) and the shortest period the metric stats ask for.
fn sources(queries: &[MetricDataQuery]) -> Result<(HashMap<String, Source>, Option<i64>), Failure> {
    let mut sources = HashMap::new();
    let mut min_period: Option<i64> = None;
    for (i, q) in queries.iter().enumerate() {
        if !valid_id(&q.id) {
            return Err(validation(format!(
                "The value {} for parameter MetricDataQueries.member.{}.Id is not valid: it must start with a lowercase letter and contain only letters, numbers and underscores.",
                q.id,
                i + 1
            )));
        }
        let source = match (&q.metric_stat, &q.expression) {
            (Some(ms), None) => {
                let s = stat_source(i + 1, ms)?;
                if let Source::Stat(_, _, p) = &s {
                    min_period = Some(min_period.map_or(*p, |m| m.min(*p)));
                }
                s
            }
            (None, Some(e)) if e.len() > MAX_EXPRESSION_LEN => {
                return Err(validation(format!(
                    "The expression of MetricDataQueries.member.{} is longer than {MAX_EXPRESSION_LEN} characters.",
                    i + 1
                )));
            }
            (None, Some(e)) => Source::Expr(
                math::parse(e)
                    .map_err(|m| validation(format!("Error in expression {}: {m}", q.id)))?,
            ),
            _ => {
                return Err(validation(format!(
                    "Exactly one of MetricStat and Expression must be set in MetricDataQueries.member.{}.",
                    i + 1
                )));
            }
        };
        if sources.insert(q.id.clone(), source).is_some() {
            return Err(validation(format!(
                "The value {} for parameter MetricDataQueries.member.{}.Id is not unique.",
                q.id,
                i + 1
            )));
        }
    }
    Ok((sources, min_period))
}

/// Checks the references between expressions and returns the ids to evaluate, dependencies
/// before dependents: those the returned queries (`ReturnData` not false) need. Refuses a
/// cycle or a chain deeper than [`MAX_REFERENCE_DEPTH`]; an unknown id is left for evaluation
/// to report.
fn plan(
    sources: &HashMap<String, Source>,
    queries: &[MetricDataQuery],
) -> Result<Vec<String>, Failure> {
    let deps = |id: &str| -> Vec<&str> {
        match sources.get(id) {
            Some(Source::Expr(e)) => e
                .references()
                .into_iter()
                .filter(|r| matches!(sources.get(*r), Some(Source::Expr(_))))
                .collect(),
            _ => Vec::new(),
        }
    };
    // depth: expressions finished, with their chain depth; path: the walk in progress.
    let mut depth: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for root in queries.iter().map(|q| q.id.as_str()) {
        if depth.contains_key(root) || !matches!(sources.get(root), Some(Source::Expr(_))) {
            continue;
        }
        // (id, its expression dependencies, how many of them are visited)
        let mut path: Vec<(&str, Vec<&str>, usize)> = vec![(root, deps(root), 0)];
        while let Some((id, children, next)) = path.last_mut() {
            let Some(child) = children.get(*next).copied() else {
                let id = *id;
                let d = 1 + children
                    .iter()
                    .filter_map(|c| depth.get(c))
                    .max()
                    .copied()
                    .unwrap_or(0);
                if d > MAX_REFERENCE_DEPTH {
                    return Err(validation(format!(
                        "Error in expression {id}: it references other expressions more than {MAX_REFERENCE_DEPTH} levels deep."
                    )));
                }
                depth.insert(id, d);
                order.push(id);
                path.pop();
                continue;
            };
            *next += 1;
            if depth.contains_key(child) {
                continue;
            }
            if let Some(at) = path.iter().position(|(p, _, _)| *p == child) {
                let cycle: Vec<&str> = path[at..]
                    .iter()
                    .map(|(p, _, _)| *p)
                    .chain([child])
                    .collect();
                return Err(validation(format!(
                    "Error in expression {child}: circular reference ({}).",
                    cycle.join(" -> ")
                )));
            }
            if path.len() > MAX_REFERENCE_DEPTH {
                return Err(validation(format!(
                    "Error in expression {root}: it references other expressions more than {MAX_REFERENCE_DEPTH} levels deep."
                )));
            }
            path.push((child, deps(child), 0));
        }
    }
    // Keep only what a returned query needs (an unreturned, unused expression is not run).
    let mut needed: Vec<&str> = queries
        .iter()
        .filter(|q| q.return_data != Some(false))
        .map(|q| q.id.as_str())
        .collect();
    let mut wanted: std::collections::HashSet<&str> = std::collections::HashSet::new();
    while let Some(id) = needed.pop() {
        if wanted.insert(id) {
            needed.extend(deps(id));
        }
    }
    Ok(order
        .into_iter()
        .filter(|id| wanted.contains(id))
        .map(str::to_owned)
        .collect())
}

fn label(q: &MetricDataQuery) -> String {
    q.label.clone().unwrap_or_else(|| match &q.metric_stat {
        Some(ms) => ms
            .metric
            .metric_name
            .clone()
            .unwrap_or_else(|| q.id.clone()),
        None => q.id.clone(),
    })
}

fn paginate(
    results: Vec<(&MetricDataQuery, Vec<(i64, f64)>)>,
    token: Option<&str>,
    max_points: usize,
) -> Result<GetMetricDataOutput, Failure> {
    let total: usize = results.iter().map(|(_, p)| p.len()).sum();
    let offset = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("gmd-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= total)
            .ok_or_else(|| {
                (
                    "InvalidNextToken",
                    format!("The service cannot process the NextToken {t}."),
                    400,
                )
            })?,
    };
    let page_end = offset.saturating_add(max_points).min(total);
    let mut seen = 0;
    let mut out = Vec::new();
    for (q, points) in results {
        let (first, last) = (seen, seen + points.len());
        seen = last;
        let from = offset.clamp(first, last) - first;
        let to = page_end.clamp(first, last) - first;
        let page = points.get(from..to).unwrap_or_default();
        out.push(MetricDataResult {
            id: q.id.clone(),
            label: label(q),
            timestamps: page.iter().map(|(t, _)| Ts(*t as f64)).collect(),
            values: page.iter().map(|(_, v)| *v).collect(),
            status_code: if to < points.len() {
                "PartialData"
            } else {
                "Complete"
            }
            .to_owned(),
            messages: Vec::new(),
        });
    }
    let next_token = (page_end < total).then(|| format!("gmd-{page_end}"));
    Ok(GetMetricDataOutput {
        metric_data_results: out,
        next_token,
        messages: Vec::new(),
    })
}
