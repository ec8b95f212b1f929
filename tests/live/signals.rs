//! Signals you can trust, judged by the signal oracle (`support/oracle.rs`) against the
//! sandbox's ground truth: a healthy stack update raises no false signal of any judged kind,
//! misses no shift or status, and never holds more than two warnings at once; an alias set by
//! hand during a canary's wait is warned about within the minute, and nothing else is.
//!
//! These are the short runs (four times real speed, the request budgets scaled alike, so every
//! figure is the one a run at real time gives in simulated seconds); `benches/signals.rs` runs
//! every scenario, `stack` and `stack-100` at real time and a fault run.

use crate::support::oracle::{self, HandChange, RunSpec};

/// A canary of the stack (10% for 5 minutes): its wait is where a hand change hides.
const CANARY: &str = "orders-stack-SyncOrderFunction-LKNAESV3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_stack_raises_no_false_signal_and_at_most_two_warnings_at_once() {
    let report = oracle::run(&RunSpec::new("stack", 4.0, 300.0)).await;
    println!("{}", report.table());
    let faults = report.faults();
    assert!(faults.is_empty(), "{faults:#?}\n{}", report.table());
    assert!(
        report.most_warnings_at_once.0 <= 2,
        "{:?}\n{}",
        report.most_warnings_at_once,
        report.table()
    );
    // The run had something to judge: every linear function shifted four times or more.
    let weights = report.kind("event:weight");
    assert!(weights.incidents >= 120, "{}", report.table());
    assert!(report.pictures >= 100, "{}", report.table());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_changed_by_hand_during_a_canary_wait_is_warned_within_a_minute() {
    let mut spec = RunSpec::new("stack", 4.0, 240.0);
    spec.hand_changes.push(HandChange {
        after_secs: 90.0,
        function: CANARY.to_owned(),
        share: 0.5,
    });
    let report = oracle::run(&spec).await;
    println!("{}", report.table());
    let disagrees = report.kind("warning:record_disagrees");
    assert_eq!(disagrees.incidents, 1, "{}", report.table());
    let faults = report.faults();
    assert!(faults.is_empty(), "{faults:#?}\n{}", report.table());
    assert!(
        disagrees.delays.iter().all(|d| *d <= 60.0),
        "{:?}",
        disagrees.delays
    );
    assert_eq!(
        disagrees.raised,
        1,
        "one warning, on the changed alias only: {}",
        report.table()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_canary_s_alarm_and_stop_are_signalled_in_time_and_nothing_false() {
    let report = oracle::run(&RunSpec::new("failing-canary", 4.0, 300.0)).await;
    println!("{}", report.table());
    let faults = report.faults();
    assert!(faults.is_empty(), "{faults:#?}\n{}", report.table());
    for kind in [
        "event:alarm",
        "notice:alarm",
        "notice:ended",
        "event:status",
    ] {
        let k = report.kind(kind);
        assert!(
            k.incidents >= 1 && k.delays.len() == k.incidents,
            "{kind}: {}",
            report.table()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_left_split_is_warned_and_only_that() {
    let report = oracle::run(&RunSpec::new("stuck-split", 4.0, 120.0)).await;
    println!("{}", report.table());
    let faults = report.faults();
    assert!(faults.is_empty(), "{faults:#?}\n{}", report.table());
    let split = report.kind("warning:alias_left_split");
    assert_eq!(
        (split.incidents, split.raised),
        (1, 1),
        "{}",
        report.table()
    );
    // No other warning about the split. The scenario's next deployment (minute 2, at the
    // run's very end) may be discovered in time to truly raise its own: the line for a canary
    // too short to catch a doubled error rate (counted, not judged) and "watches no alarms"
    // (its group has none; judged, and `faults` above holds it true).
    let others: Vec<&String> = report
        .kinds
        .iter()
        .filter(|(kind, k)| {
            kind.starts_with("warning:")
                && *kind != "warning:alias_left_split"
                && *kind != "warning:canary_too_short"
                && *kind != "warning:group_watches_no_alarms"
                && k.raised > 0
        })
        .map(|(kind, _)| kind)
        .collect();
    assert!(others.is_empty(), "{others:?}\n{}", report.table());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_left_waiting_is_noticed_and_a_failing_hook_shown_and_nothing_false() {
    let report = oracle::run(&RunSpec::new("hook-failure", 4.0, 150.0)).await;
    println!("{}", report.table());
    let faults = report.faults();
    assert!(faults.is_empty(), "{faults:#?}\n{}", report.table());
    for kind in ["notice:hook_waiting", "event:hook", "notice:ended"] {
        let k = report.kind(kind);
        assert!(
            k.incidents >= 1 && k.delays.len() == k.incidents,
            "{kind}: {}",
            report.table()
        );
    }
    assert_eq!(
        report.kind("notice:hook_waiting").raised,
        1,
        "{}",
        report.table()
    );
}
