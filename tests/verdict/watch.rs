//! `rollwatch watch --all --json` and the canary verdict of `rollwatch snapshot --json`, the real
//! binary against the sandbox. Watch: calm, demo, hook-failure and stuck-split end with their
//! documented exit codes (0 all succeeded, 1 one failed or was rolled back; failing-canary and
//! slow-canary are in tests/cli.rs), counting only the deployments the watch covered, not those
//! that ended before it began, and every stdout line is a JSON event. Verdict, on the
//! paused clock stepped by hand: calm canaries pass once they have enough minutes, a trickle of
//! traffic is "not enough data" and never "fail" (even when the new version fails half its
//! requests), and on failing-canary the verdict fails on the error rate no later than the alarm
//! CodeDeploy acts on.

use crate::support::run::{Shell, notices, notify_config};
use crate::support::watch::{Watch, appeared, ended, finished, of_kind};
use serde_json::Value;

/// Starts `scenario` paused, and a watch on it; once the watch has seen the deployments named
/// by `subjects`, lets simulated time run at `speed` and waits for the watch to end.
fn watch_to_the_end(scenario: &str, subjects: &[&str], speed: f64) -> (Option<i32>, Vec<Value>) {
    let shell = Shell::start(scenario, 0.0);
    let sandbox = shell.sandbox();
    let mut watch = Watch::start(&sandbox.endpoint());
    watch.until("the deployments in flight", |events| {
        subjects.iter().all(|s| appeared(events, s).is_some())
    });
    sandbox.set_speed(speed);
    let (code, events, stderr) = watch.finish();
    assert!(stderr.is_empty(), "{stderr}");
    (code, events)
}

#[test]
fn watch_all_on_calm_exits_0_though_a_rollback_finished_before_it_began() {
    // At 60x the deployments in flight (the last one starts at minute 10) end in ~22 s.
    let (code, events) = watch_to_the_end("calm", &["orders-api:", "search-api:"], 60.0);
    // calm's history holds payments-api 2.1.0, stopped and rolled back at minute -28: it is in
    // "recent" but was never watched, so it does not make the exit code 1.
    assert_eq!(code, Some(0), "{events:#?}");
    for function in ["orders-api:", "search-api:"] {
        let id = appeared(&events, function).expect("appeared");
        let outcome = finished(&events, &id);
        assert!(ended(outcome, "Succeeded", false), "{function} {events:#?}");
    }
}

#[test]
fn watch_all_on_demo_exits_1_for_the_canary_its_alarm_rolled_back() {
    let (code, events) = watch_to_the_end("demo", &["checkout:", "orders-api:"], 60.0);
    assert_eq!(code, Some(1), "{events:#?}");
    let checkout = appeared(&events, "checkout:").expect("checkout appeared");
    let outcome = finished(&events, &checkout);
    assert!(ended(outcome, "Stopped", true), "{events:#?}");
    let orders = appeared(&events, "orders-api:").expect("orders-api appeared");
    let outcome = finished(&events, &orders);
    assert!(ended(outcome, "Succeeded", false), "{events:#?}");
}

#[test]
fn watch_all_on_hook_failure_exits_1_once_both_hooks_have_failed() {
    // Paused: the watch sees both deployments waiting on their BeforeAllowTraffic hooks, then
    // the clock moves past notifications' failing hook (20 s) and billing's hook timeout (1 h).
    let shell = Shell::start("hook-failure", 0.0);
    let sandbox = shell.sandbox();
    let mut watch = Watch::start(&sandbox.endpoint());
    watch.until("both deployments", |events| {
        appeared(events, "notifications:").is_some() && appeared(events, "billing:").is_some()
    });
    let notifications = appeared(&watch.events, "notifications:").expect("appeared");
    sandbox.advance(60.0);
    watch.until("notifications finishing", |events| {
        finished(events, &notifications).is_some()
    });
    let outcome = finished(&watch.events, &notifications);
    assert!(ended(outcome, "Failed", true), "{outcome:?}");
    sandbox.advance(3600.0);
    let (code, events, stderr) = watch.finish();
    assert_eq!(code, Some(1), "{stderr}\n{events:#?}");
    let billing = appeared(&events, "billing:").expect("billing appeared");
    let outcome = finished(&events, &billing);
    assert!(outcome.is_some_and(|c| c["to"] == "Failed"), "{events:#?}");
}

#[test]
fn watch_all_on_stuck_split_at_minute_0_has_nothing_to_follow_and_exits_0() {
    // Minute 0: ledger 8.1.0 was stopped without rollback ten minutes ago (the alias is still
    // split) and 8.1.1 only starts at minute 2. Nothing is in flight: the watch ends at once,
    // and the stop it never saw does not count.
    let shell = Shell::start("stuck-split", 0.0);
    let sandbox = shell.sandbox();
    let (code, events, stderr) = Watch::start(&sandbox.endpoint()).finish();
    assert_eq!(code, Some(0), "{stderr}\n{events:#?}");
    assert!(of_kind(&events, "status").next().is_none(), "{events:#?}");
}

#[test]
fn watch_all_on_stuck_split_at_minute_2_follows_the_next_deployment_to_its_failure() {
    let shell = Shell::start("stuck-split", 0.0);
    let sandbox = shell.sandbox();
    sandbox.advance(120.0);
    let mut watch = Watch::start(&sandbox.endpoint());
    watch.until("ledger 8.1.1 appearing", |events| {
        appeared(events, "ledger:live Created").is_some()
    });
    let id = appeared(&watch.events, "ledger:live Created").expect("appeared");
    sandbox.advance(30.0);
    let (code, events, stderr) = watch.finish();
    assert_eq!(code, Some(1), "{stderr}\n{events:#?}");
    let outcome = finished(&events, &id);
    assert!(outcome.is_some_and(|c| c["to"] == "Failed"), "{events:#?}");
}

/// The view of the deployment in flight for `function`.
fn view_of<'a>(doc: &'a Value, function: &str) -> Option<&'a Value> {
    doc["regions"][0]["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .find(|v| v["deployment"]["target"]["function"] == function)
}

/// The entry for `metric` (`error_rate`, `duration_p99`, ...) in a view's verdict.
fn metric<'a>(view: &'a Value, metric: &str) -> &'a Value {
    view["verdict"]["metrics"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["metric"] == metric))
        .unwrap_or(&Value::Null)
}

fn judgement<'a>(view: &'a Value, name: &str) -> &'a Value {
    &metric(view, name)["judgement"]
}

/// Asserts that `function`'s deployment has an overall Pass on at least five compared minutes,
/// every critical metric passing.
fn assert_passes(doc: &Value, function: &str) {
    let view = view_of(doc, function).unwrap_or_else(|| panic!("no {function}: {doc}"));
    let verdict = &view["verdict"];
    assert_eq!(verdict["overall"], "pass", "{function}: {verdict:#}");
    assert!(verdict["minutes"].as_u64() >= Some(5), "{verdict:#}");
    for metric in ["error_rate", "duration_p99", "duration_p50"] {
        assert_eq!(judgement(view, metric), "pass", "{function}: {verdict:#}");
    }
}

#[test]
fn verdict_on_calm_passes_once_both_versions_had_traffic_for_enough_minutes() {
    let shell = Shell::start("calm", 0.0);
    let sandbox = shell.sandbox();
    // Minute 4: orders-api has shifted since minute -3 (every minute, 10% more).
    sandbox.advance(4.0 * 60.0);
    assert_passes(&shell.snapshot(&[]), "orders-api");
    // Minute 16: search-api (shifting since minute -1) and payments-api (a canary since minute
    // 10, at 10%: 18 invocations a minute) are both in flight. Identical versions never read
    // FAIL; a per-minute p99 from a few hundred invocations is noisy enough that its median may
    // look more than the tolerance worse (MARGINAL: "not significant yet"), so only the error
    // rate, counted over every invocation, must pass.
    sandbox.advance(12.0 * 60.0);
    let doc = shell.snapshot(&[]);
    for function in ["search-api", "payments-api"] {
        let view = view_of(&doc, function).unwrap_or_else(|| panic!("no {function}: {doc}"));
        let verdict = &view["verdict"];
        assert!(verdict["minutes"].as_u64() >= Some(5), "{verdict:#}");
        assert_ne!(verdict["overall"], "fail", "{function}: {verdict:#}");
        assert_eq!(
            judgement(view, "error_rate"),
            "pass",
            "{function}: {verdict:#}"
        );
        for metric in ["duration_p99", "duration_p50"] {
            assert!(
                ["pass", "marginal"].contains(&judgement(view, metric).as_str().unwrap_or("")),
                "{function}: {verdict:#}"
            );
        }
    }
}

#[test]
fn verdict_on_calm_never_fails_at_any_minute() {
    // The verdict is judged again at every refresh on new data; the confidence is shared by the
    // critical metrics (Bonferroni), so chance differences between identical versions read
    // MARGINAL at worst. Without that correction, search-api read FAIL at minute 9 with this
    // seed (errors 0.45% vs 0.21%, p = 0.039).
    let shell = Shell::start("calm", 0.0);
    let sandbox = shell.sandbox();
    let mut judged = 0;
    for minute in 1..=30 {
        sandbox.advance(60.0);
        let doc = shell.snapshot(&[]);
        for view in doc["regions"][0]["deployments"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let verdict = &view["verdict"];
            if verdict.is_null() {
                continue;
            }
            judged += 1;
            assert_ne!(verdict["overall"], "fail", "minute {minute}: {verdict:#}");
        }
    }
    assert!(judged >= 20, "the verdict was judged {judged} times");
}

/// Two 30-minute canaries with a trickle of traffic: `trickle` (2 requests a minute, healthy)
/// and `sparse` (20 a minute, whose new version fails half its requests from the start).
const TRICKLE: &str = r#"
description = "Canaries with too little traffic to judge"
history_minutes = 10

[[function]]
name = "trickle"
alias = "live"
versions = 2
alias_version = 1
rpm = 2
error_rate = 0.001

[[function]]
name = "sparse"
alias = "live"
versions = 2
alias_version = 1
rpm = 20
error_rate = 0.001

[[function.change]]
at_min = 0
version = "2"
error_rate = 0.5

[[application]]
name = "quiet"

[[group]]
application = "quiet"
name = "trickle-live"
config = "CodeDeployDefault.LambdaCanary10Percent30Minutes"

[[group]]
application = "quiet"
name = "sparse-live"
config = "CodeDeployDefault.LambdaCanary10Percent30Minutes"

[[deployment]]
application = "quiet"
group = "trickle-live"
function = "trickle"
current = 1
target = 2
at_min = 0

[[deployment]]
application = "quiet"
group = "sparse-live"
function = "sparse"
current = 1
target = 2
at_min = 0
"#;

#[test]
fn verdict_on_a_trickle_of_traffic_is_not_enough_data_and_never_fail() {
    let home = tempfile::tempdir().expect("tempdir");
    let scenario = home.path().join("trickle.toml");
    std::fs::write(&scenario, TRICKLE).expect("write scenario");
    let shell = Shell::start(scenario.to_str().expect("path"), 0.0);
    let sandbox = shell.sandbox();
    // The new versions get ~0.2 and ~2 requests a minute: far from the 100 invocations needed,
    // at any point of the canary (the shift to 100% comes at minute 30).
    let mut minute = 0;
    for at in [2, 5, 10, 20, 29] {
        sandbox.advance(f64::from(at - minute) * 60.0);
        minute = at;
        let doc = shell.snapshot(&[]);
        for function in ["trickle", "sparse"] {
            let view = view_of(&doc, function).unwrap_or_else(|| panic!("{function}: {doc}"));
            let verdict = &view["verdict"];
            assert_eq!(
                verdict["overall"], "not_enough_data",
                "{function} at minute {at}: {verdict:#}"
            );
            for metric in verdict["metrics"].as_array().expect("metrics") {
                assert_ne!(
                    metric["judgement"], "fail",
                    "{function} at {at}: {metric:#}"
                );
            }
        }
        // trickle's new version may have had no request at all yet; sparse's has a few.
        let sparse = metric(view_of(&doc, "sparse").expect("sparse"), "error_rate");
        let reason = sparse["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("(needs 100)"), "at {at}: {sparse:#}");
    }
    // sparse's new version did fail half its requests: only the traffic guard kept it from FAIL.
    let doc = shell.snapshot(&[]);
    let sparse = &metric(view_of(&doc, "sparse").expect("sparse"), "error_rate")["numbers"];
    assert!(sparse["new_count"].as_u64() >= Some(5), "{sparse:#}");
}

#[test]
fn verdict_fails_on_the_error_rate_no_later_than_the_alarm_codedeploy_acts_on() {
    let shell = Shell::start("failing-canary", 0.0);
    let sandbox = shell.sandbox();
    // Version 2 fails 30% of its requests from minute 2. Both sides work on whole minutes: the
    // verdict on the per-minute datapoints of closed minutes, the alarm (one 60-s period, 1 of
    // 1) when its period closes. So neither can know before minute 3, and "at the time" means
    // in the same snapshot: stepping the paused clock a minute at a time and taking a snapshot
    // at each whole minute, the verdict must read FAIL on the error rate in a snapshot no later
    // than the first one showing the alarm in ALARM. (CodeDeploy stops the deployment at its
    // next alarm poll, a second after the alarm fires, and the deployment leaves the list.)
    let (mut verdict_minute, mut alarm_minute) = (None, None);
    let mut id = None;
    for minute in 0..=8 {
        let doc = shell.snapshot(&[]);
        let Some(view) = view_of(&doc, "checkout") else {
            assert!(minute > 0, "checkout in flight at minute 0: {doc}");
            break;
        };
        id = view["deployment"]["id"].as_str().map(str::to_string);
        if judgement(view, "error_rate") == "fail" {
            assert_eq!(view["verdict"]["overall"], "fail", "{view:#}");
            verdict_minute.get_or_insert(minute);
        }
        let alarms = view["alarms"]["value"].as_array().expect("alarms read");
        if alarms
            .iter()
            .any(|a| a["name"] == "checkout-live-errors" && a["state"] == "ALARM")
        {
            alarm_minute.get_or_insert(minute);
        }
        sandbox.advance(60.0);
    }
    let id = id.expect("checkout seen in flight");
    let verdict_minute = verdict_minute.expect("the verdict never read FAIL on the error rate");
    let alarm_minute = alarm_minute.expect("the alarm never went to ALARM while in flight");
    assert!(verdict_minute >= 3, "FAIL before any bad minute closed");
    assert!(
        verdict_minute <= alarm_minute,
        "verdict FAIL at minute {verdict_minute}, alarm at minute {alarm_minute}"
    );
    // And the alarm is the one CodeDeploy acted on: the canary was stopped and rolled back.
    let doc = shell.snapshot(&[]);
    let recent = doc["regions"][0]["recent"]["value"]
        .as_array()
        .expect("recent");
    assert!(
        recent.iter().any(|d| d["id"] == id.as_str()
            && d["status"] == "Stopped"
            && d["rollback"]["rollback_deployment_id"].is_string()),
        "{recent:#?}"
    );
}

#[test]
fn watch_runs_the_notify_command_once_for_the_alarm_and_once_for_the_rollback() {
    let shell = Shell::start("failing-canary", 0.0);
    let sandbox = shell.sandbox();
    let out = tempfile::tempdir().expect("tempdir");
    let received = out.path().join("notices.jsonl");
    let mut watch = Watch::start_with_config(&sandbox.endpoint(), Some(&notify_config(&received)));
    watch.until("the deployments in flight", |events| {
        appeared(events, "checkout:").is_some()
    });
    // Alarms are read every 10 s: at 20x, before CodeDeploy's stop ends the deployment.
    sandbox.set_speed(20.0);
    let (code, events, stderr) = watch.finish();
    assert_eq!(code, Some(1), "{stderr}{events:#?}");
    let notices = notices(&received);
    let of_checkout = |kind| {
        of_kind(&notices, kind)
            .filter(|n| n["subjects"][0] == "checkout:live")
            .collect::<Vec<_>>()
    };
    assert_eq!(of_checkout("alarm").len(), 1, "{notices:#?}");
    let [ended] = of_checkout("ended")[..] else {
        panic!("one notice of the end: {notices:#?}");
    };
    assert_eq!(ended["status"], "Stopped", "{ended}");
}
