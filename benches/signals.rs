//! The signal oracle's long runs (`cargo bench --bench signals`; `--profile dev` skips the
//! release build and gives the same figures, which are set by refresh intervals and budgets):
//! every signal rollwatch's live engine raised — warnings by kind, STALE, a read failing, the
//! timeline's status and weight events — judged true or false against the sandbox's ground
//! truth, and every incident in it signalled within its deadline or missed, per kind with the
//! delays. Runs, at most `SIGNALS_BENCH_PARALLEL` (default 4) at a time:
//!
//! - `stack` and `stack-100` at real time for 5 minutes, nobody touching anything;
//! - the same with an alias set by hand to 50% during a canary's wait (deadline 60 s at
//!   `stack`, 120 s at `stack-100`);
//! - the fault run: `stack` at 4× with `tests/live/faults.rs`'s storm for two simulated minutes,
//!   then the recovery;
//! - every built-in scenario at 4× (intervals and budgets paced alike) for 5 simulated minutes.
//!
//! `SIGNALS_BENCH_ONLY` picks runs by name prefix (`stack,stack-100,hand,faults,scenarios`).
//! The figures are in the README ("Signals and their deadlines").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/support/oracle.rs"]
#[allow(
    dead_code,
    reason = "the tests use parts of the oracle this bench does not"
)]
mod oracle;

use futures::StreamExt;
use oracle::{HandChange, RunSpec};

/// The storm of `tests/live/faults.rs`.
const STORM: &str = "throttle=0.3,error5xx=0.1,latency=50ms..2s,reset=0.05";

fn runs(only: &str) -> Vec<(&'static str, RunSpec)> {
    let mut runs = vec![
        ("stack", RunSpec::new("stack", 1.0, 300.0)),
        ("stack-100", RunSpec::new("stack-100", 1.0, 300.0)),
    ];
    let mut hand = RunSpec::new("stack", 1.0, 240.0);
    hand.hand_changes.push(HandChange {
        after_secs: 90.0,
        function: "orders-stack-SyncOrderFunction-LKNAESV3".to_owned(),
        share: 0.5,
    });
    runs.push(("hand", hand));
    let mut hand_100 = RunSpec::new("stack-100", 1.0, 300.0);
    hand_100.record_deadline_secs = 120.0;
    hand_100.hand_changes.push(HandChange {
        after_secs: 90.0,
        function: canary_of_stack_100(),
        share: 0.5,
    });
    runs.push(("hand", hand_100));
    // Two calm minutes, two of storm, then time for the backoff to recover (two real minutes)
    // and the deadlines after it.
    let mut faults = RunSpec::new("stack", 4.0, 840.0);
    faults.faults = Some((STORM.to_owned(), 120.0, 240.0));
    runs.push(("faults", faults));
    for (scenario, _) in rollwatch::sandbox::scenario::BUILT_IN {
        runs.push(("scenarios", RunSpec::new(scenario, 4.0, 300.0)));
    }
    runs.retain(|(name, _)| only.is_empty() || only.split(',').any(|o| o.trim() == *name));
    runs
}

/// A canary function of `stack-100` (10% for 5 minutes), from its scenario file.
fn canary_of_stack_100() -> String {
    let scenario = include_str!("../assets/scenarios/stack-100.toml");
    let mut function = None;
    let mut canary_groups = Vec::new();
    let mut group = None;
    for line in scenario.lines() {
        if let Some(name) = line.strip_prefix("name = ") {
            group = Some(name.trim_matches('"').to_owned());
        }
        if line.contains("LambdaCanary10Percent5Minutes") {
            canary_groups.extend(group.clone());
        }
    }
    for line in scenario.lines() {
        if let Some(g) = line.strip_prefix("group = ") {
            group = Some(g.trim_matches('"').to_owned());
        }
        if let Some(f) = line.strip_prefix("function = ") {
            if group.as_ref().is_some_and(|g| canary_groups.contains(g)) {
                function = Some(f.trim_matches('"').to_owned());
            }
        }
    }
    function.expect("stack-100 has a canary")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let only = std::env::var("SIGNALS_BENCH_ONLY").unwrap_or_default();
    let parallel = std::env::var("SIGNALS_BENCH_PARALLEL")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(4);
    let reports: Vec<oracle::Report> = futures::stream::iter(runs(&only))
        .map(|(_, spec)| async move { oracle::run(&spec).await })
        .buffered(parallel)
        .collect()
        .await;
    let mut faulty = 0;
    for report in &reports {
        println!("{}", report.table());
        for fault in report.faults() {
            println!("  ✖ {fault}");
            faulty += 1;
        }
    }
    println!(
        "{} runs: {faulty} false signals or missed incidents in judged kinds",
        reports.len()
    );
}
