//! The scan for aliases split between versions that no deployment owns: which call is next
//! (a page of ListFunctions, or one function's ListAliases), and what the calls found. One
//! pass lists every function and reads each one's aliases; the next pass starts over. The
//! live engine sends a call only when no alias of a rollout is waiting for the Lambda budget
//! (`schedule.rs`), so the rollouts always come first; `snapshot` scans with what the budget
//! has left at the end of its reads.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::domain::{AliasScan, AliasSplit, AliasWeights, Failure};

/// The next call of the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanStep {
    /// A page of function names, from this marker (none: the first page of a new pass).
    Functions(Option<String>),
    /// A function's aliases.
    Aliases(String),
}

/// What a scan call brought back.
#[derive(Debug, Clone)]
pub enum ScanRead {
    Functions {
        names: Vec<String>,
        next: Option<String>,
    },
    Aliases {
        function: String,
        aliases: Vec<AliasWeights>,
    },
}

/// The scan's progress and what it found.
#[derive(Debug, Clone, Default)]
pub struct AliasScanState {
    /// Functions listed in this pass whose aliases are still to read.
    queue: VecDeque<String>,
    /// The next page of the listing.
    marker: Option<String>,
    coverage: AliasScan,
    /// Every split alias seen, by `function:alias`.
    splits: BTreeMap<String, AliasSplit>,
}

impl AliasScanState {
    /// The next call.
    pub fn next_step(&self) -> ScanStep {
        match self.queue.front() {
            Some(function) => ScanStep::Aliases(function.clone()),
            None if self.coverage.listed_all => ScanStep::Functions(None),
            None => ScanStep::Functions(self.marker.clone()),
        }
    }

    /// Whether the current pass has read every function's aliases.
    pub fn pass_done(&self) -> bool {
        self.coverage.listed_all && self.queue.is_empty()
    }

    /// A scan call for `step` returned `result` at `now`.
    pub fn read(&mut self, step: &ScanStep, result: Result<ScanRead, Failure>, now: DateTime<Utc>) {
        let read = match result {
            Ok(read) => read,
            Err(failure) => {
                // A function whose aliases cannot be read is passed over (it is tried again
                // next pass); a listing page is tried again.
                if let ScanStep::Aliases(function) = step {
                    if self.queue.front() == Some(function) {
                        self.queue.pop_front();
                    }
                    self.end_of_pass(now);
                }
                self.coverage.last_error = Some(failure);
                return;
            }
        };
        self.coverage.last_error = None;
        match read {
            ScanRead::Functions { names, next } => {
                if *step == ScanStep::Functions(None) {
                    // A new pass.
                    self.coverage.functions_read = 0;
                    self.coverage.functions_listed = 0;
                    self.coverage.listed_all = false;
                    self.queue.clear();
                }
                self.coverage.functions_listed += names.len();
                self.queue.extend(names);
                self.coverage.listed_all = next.is_none();
                self.marker = next;
            }
            ScanRead::Aliases { function, aliases } => {
                if self.queue.front() == Some(&function) {
                    self.queue.pop_front();
                }
                self.coverage.functions_read += 1;
                let prefix = format!("{function}:");
                let found: Vec<AliasSplit> = aliases
                    .into_iter()
                    .filter_map(|w| AliasSplit::of(w, now))
                    .map(|s| self.seen_since(s))
                    .collect();
                self.splits.retain(|id, _| !id.starts_with(&prefix));
                self.splits
                    .extend(found.into_iter().map(|s| (s.id.clone(), s)));
            }
        }
        self.end_of_pass(now);
    }

    /// An alias `[watch]` names was read: its split is kept (since when first seen) or, whole,
    /// forgotten. A failed read keeps what was known.
    pub fn read_watched(&mut self, result: Result<AliasWeights, Failure>, now: DateTime<Utc>) {
        let Ok(weights) = result else {
            return;
        };
        let id = format!("{}:{}", weights.function, weights.alias);
        match AliasSplit::of(weights, now) {
            Some(split) => {
                let split = self.seen_since(split);
                self.splits.insert(id, split);
            }
            None => {
                self.splits.remove(&id);
            }
        }
    }

    /// `split` as read now, keeping when it was first seen while its new version stays the
    /// same.
    fn seen_since(&self, mut split: AliasSplit) -> AliasSplit {
        if let Some(before) = self.splits.get(&split.id) {
            if before.new_version().0 == split.new_version().0 {
                split.first_seen = before.first_seen;
            }
        }
        split
    }

    fn end_of_pass(&mut self, now: DateTime<Utc>) {
        if self.pass_done() {
            self.coverage.last_pass_at = Some(now);
        }
    }

    /// Every split alias seen, by id.
    pub fn splits(&self) -> impl Iterator<Item = &AliasSplit> {
        self.splits.values()
    }

    /// How much of the account the scan has read.
    pub fn coverage(&self) -> &AliasScan {
        &self.coverage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(function: &str, name: &str, additional: &[(&str, f64)]) -> AliasWeights {
        AliasWeights {
            function: function.into(),
            alias: name.into(),
            primary_version: "1".into(),
            additional: additional.iter().map(|(v, w)| ((*v).into(), *w)).collect(),
            revision_id: None,
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).expect("time")
    }

    /// Runs the scan's calls against an account of `functions` (name → aliases) until a pass
    /// ends; returns how many calls it made.
    fn pass(scan: &mut AliasScanState, functions: &[(&str, Vec<AliasWeights>)], now: i64) -> usize {
        let mut calls = 0;
        loop {
            let step = scan.next_step();
            let read = match &step {
                ScanStep::Functions(marker) => {
                    // Pages of two names.
                    let start: usize = marker.as_deref().map_or(0, |m| m.parse().unwrap_or(0));
                    let names = functions
                        .iter()
                        .skip(start)
                        .take(2)
                        .map(|(n, _)| (*n).to_string())
                        .collect();
                    let next = (start + 2 < functions.len()).then(|| (start + 2).to_string());
                    ScanRead::Functions { names, next }
                }
                ScanStep::Aliases(function) => ScanRead::Aliases {
                    function: function.clone(),
                    aliases: functions
                        .iter()
                        .find(|(n, _)| n == function)
                        .map(|(_, a)| a.clone())
                        .unwrap_or_default(),
                },
            };
            scan.read(&step, Ok(read), at(now));
            calls += 1;
            if scan.pass_done() {
                return calls;
            }
        }
    }

    #[test]
    fn a_pass_lists_every_function_and_finds_only_split_aliases() {
        let account = vec![
            ("a", vec![alias("a", "live", &[])]),
            (
                "b",
                vec![alias("b", "live", &[("2", 0.25)]), alias("b", "dev", &[])],
            ),
            ("c", vec![]),
        ];
        let mut scan = AliasScanState::default();
        let calls = pass(&mut scan, &account, 10);
        assert_eq!(calls, 2 + 3, "two pages, three functions");
        let ids: Vec<&str> = scan.splits().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["b:live"]);
        assert_eq!(scan.coverage().coverage(), "every function's aliases (3)");
        assert_eq!(scan.coverage().last_pass_at, Some(at(10)));
    }

    #[test]
    fn a_split_keeps_when_it_was_first_seen_and_goes_when_the_alias_is_whole() {
        let mut scan = AliasScanState::default();
        let split = vec![("b", vec![alias("b", "live", &[("2", 0.25)])])];
        pass(&mut scan, &split, 10);
        let moved = vec![("b", vec![alias("b", "live", &[("2", 0.5)])])];
        pass(&mut scan, &moved, 70);
        let found: Vec<&AliasSplit> = scan.splits().collect();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].first_seen,
            at(10),
            "the same split, its weight moved"
        );
        assert_eq!(found[0].new_version(), ("2", 0.5));
        let whole = vec![("b", vec![alias("b", "live", &[])])];
        pass(&mut scan, &whole, 130);
        assert_eq!(scan.splits().count(), 0, "the alias is whole again");
    }

    #[test]
    fn a_watched_alias_is_kept_while_split_and_forgotten_when_whole() {
        let mut scan = AliasScanState::default();
        scan.read_watched(Ok(alias("b", "live", &[("2", 0.1)])), at(5));
        scan.read_watched(Ok(alias("b", "live", &[("2", 0.3)])), at(50));
        let found: Vec<&AliasSplit> = scan.splits().collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].first_seen, at(5));
        scan.read_watched(Ok(alias("b", "live", &[])), at(95));
        assert_eq!(scan.splits().count(), 0);
    }

    #[test]
    fn a_function_that_cannot_be_read_is_passed_over_and_said() {
        let mut scan = AliasScanState::default();
        let step = scan.next_step();
        scan.read(
            &step,
            Ok(ScanRead::Functions {
                names: vec!["x".into(), "y".into()],
                next: None,
            }),
            at(0),
        );
        let step = scan.next_step();
        assert_eq!(step, ScanStep::Aliases("x".into()));
        let denied = Failure::new(
            crate::domain::FailureKind::AccessDenied,
            "lambda",
            "ListAliases",
            "not allowed",
            None,
        );
        scan.read(&step, Err(denied), at(1));
        assert_eq!(scan.next_step(), ScanStep::Aliases("y".into()));
        assert!(scan.coverage().last_error.is_some());
    }
}
