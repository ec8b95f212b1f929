//! `update()` as a user drives it: navigation, filtering, selection kept across refreshes,
//! metrics window changes, help, quit, mouse, and the event log built from successive pictures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::tui::{self as fx, Asked};
use crate::support::{assert_begins, assert_says};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use rollwatch::domain::{AlarmState, DeploymentStatus, Part, TimelineEvent, TimelineKind};
use rollwatch::engine::MetricSpan;
use rollwatch::keymap::KeyAction;
use rollwatch::tui::Effect;
use rollwatch::tui::model::{Pane, RowKey};
use rollwatch::tui::{Model, Msg, update};

fn key(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(m: &mut Model, c: char) -> Vec<Effect> {
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn selected(m: &Model) -> &str {
    m.selected_deployment().unwrap_or("")
}

#[test]
fn first_picture_selects_the_first_active_deployment_and_focuses_it() {
    let mut m = fx::model(None, (140, 45));
    let cmds = fx::arrives(&mut m, fx::picture());
    // The most urgent first: the canary whose verdict is FAIL and whose alarm is in ALARM.
    assert_eq!(selected(&m), "d-CANARY002");
    assert_eq!(
        fx::asked(&cmds),
        vec![Asked::Focus(Some("d-CANARY002".into()))]
    );
}

#[test]
fn navigation() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    // By urgency: the failing canary, the split alias, then the healthy linear.
    assert_eq!(
        fx::asked(&key(&mut m, KeyCode::Char('j'))),
        vec![Asked::Focus(Some("d-STOPPED03".into()))]
    );
    key(&mut m, KeyCode::Down);
    assert_eq!(selected(&m), "d-LINEAR001");
    key(&mut m, KeyCode::Char('G'));
    assert_eq!(
        selected(&m),
        "d-FAILED004",
        "finished deployments come last, newest first... "
    );
    key(&mut m, KeyCode::Char('g'));
    assert_eq!(selected(&m), "d-CANARY002");
    assert!(
        key(&mut m, KeyCode::Up).is_empty(),
        "already at the top: no command"
    );
    key(&mut m, KeyCode::PageDown);
    assert_eq!(
        selected(&m),
        "d-FAILED004",
        "a page is more than the five rows"
    );
    key(&mut m, KeyCode::PageUp);
    assert_eq!(selected(&m), "d-CANARY002");
}

#[test]
fn selection_is_kept_by_id_across_refreshes_and_reordering() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    key(&mut m, KeyCode::Char('j'));
    assert_eq!(selected(&m), "d-STOPPED03");
    // The canary's verdict recovers: it drops below the split alias, the selection stays.
    let mut p = fx::picture();
    p.regions[0].deployments[1].verdict = None;
    if let Part::Ok { value } = &mut p.regions[0].deployments[1].alarms {
        for a in value.iter_mut() {
            a.alarm.state = AlarmState::Ok;
        }
    }
    let cmds = fx::arrives(&mut m, p);
    assert_eq!(selected(&m), "d-STOPPED03");
    assert!(cmds.is_empty(), "same selection: no new focus");
    // The selected deployment disappears: land on the row where it was.
    let mut p = fx::picture();
    p.regions[0].deployments.remove(2);
    let cmds = fx::arrives(&mut m, p);
    assert_eq!(selected(&m), "d-CANARY002", "the row where it was: the top");
    // (The canary failing again also rings: alarm and verdict notices.)
    let focus: Vec<Asked> = fx::asked(&cmds)
        .into_iter()
        .filter(|c| matches!(c, Asked::Focus(_)))
        .collect();
    assert_eq!(focus, [Asked::Focus(Some("d-CANARY002".into()))]);
}

#[test]
fn filtering() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    key(&mut m, KeyCode::Char('/'));
    assert!(m.filter_editing());
    for c in "pay".chars() {
        key(&mut m, KeyCode::Char(c));
    }
    assert_eq!(m.rows().len(), 1);
    assert_eq!(
        selected(&m),
        "d-CANARY002",
        "selection moves into the filtered rows"
    );
    // 'q' while typing is text, not quit.
    key(&mut m, KeyCode::Char('q'));
    assert!(!m.quit);
    assert_eq!(m.filter, "payq");
    assert!(m.rows().is_empty());
    key(&mut m, KeyCode::Backspace);
    key(&mut m, KeyCode::Enter);
    assert!(!m.filter_editing());
    assert_eq!(m.filter, "pay");
    // The filter survives a refresh.
    fx::arrives(&mut m, fx::picture());
    assert_eq!(m.rows().len(), 1);
    key(&mut m, KeyCode::Esc);
    assert!(m.filter.is_empty());
    assert_eq!(m.rows().len(), 5);
    // Negation.
    key(&mut m, KeyCode::Char('/'));
    for c in "!search".chars() {
        key(&mut m, KeyCode::Char(c));
    }
    assert_eq!(m.rows().len(), 3);
}

#[test]
fn metrics_window_cycles_and_asks_the_engine() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    assert_eq!(
        fx::asked(&key(&mut m, KeyCode::Char('t'))),
        vec![Asked::MetricWindow(MetricSpan::LAST_HOUR)]
    );
    assert_eq!(
        fx::asked(&key(&mut m, KeyCode::Char('t'))),
        vec![Asked::MetricWindow(MetricSpan::SinceStart)]
    );
    assert_eq!(
        fx::asked(&key(&mut m, KeyCode::Char('t'))),
        vec![Asked::MetricWindow(MetricSpan::LAST_15_MINUTES)]
    );
}

#[test]
fn refresh_help_and_quit() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    assert_eq!(fx::asked(&ctrl(&mut m, 'r')), vec![Asked::RefreshNow]);
    key(&mut m, KeyCode::Char('?'));
    assert!(m.help_open());
    assert!(
        key(&mut m, KeyCode::Char('j')).is_empty(),
        "help swallows navigation"
    );
    assert_eq!(selected(&m), "d-CANARY002");
    key(&mut m, KeyCode::Esc);
    assert!(!m.help_open());
    key(&mut m, KeyCode::Char('q'));
    assert!(m.quit);
    let mut m = fx::model(None, (140, 45));
    ctrl(&mut m, 'c');
    assert!(m.quit, "ctrl-c quits even before the first picture");
}

#[test]
fn enter_zooms_tab_moves_focus_esc_goes_back() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    key(&mut m, KeyCode::Enter);
    assert!(m.zoomed);
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.focus, Pane::EventLog);
    key(&mut m, KeyCode::Esc);
    assert!(!m.zoomed);
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.focus, Pane::Deployments);
}

#[test]
fn tick_advances_now_for_countdowns() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    m.dirty = false;
    let later = fx::now() + chrono::Duration::seconds(7);
    update(&mut m, Msg::Tick(later));
    assert_eq!(m.now, Some(later));
    assert!(m.dirty);
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    let at = |row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 20,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // Header (1) + warnings (2 lines + 1) + border + column header: rows start at 6.
    let warn = rollwatch::tui::views::layout::warning_lines(&m);
    update(&mut m, Msg::Mouse(at(1 + warn + 2 + 2)));
    assert_eq!(selected(&m), "d-LINEAR001", "the third row");
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 20,
        row: 1 + warn + 3,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut m, Msg::Mouse(wheel));
    assert_eq!(selected(&m), "d-ROLLBK005");
}

#[test]
fn warnings_are_in_the_model() {
    let m = fx::model(Some(fx::picture()), (140, 45));
    let warnings = rollwatch::tui::views::warnings::collect(&m);
    assert!(
        warnings
            .iter()
            .any(|(s, w)| s == "orders-fn:live" && w.contains("left split")),
        "{warnings:?}"
    );
}

#[test]
fn an_alias_split_outside_any_deployment_is_a_warning_and_none_is_none() {
    let m = fx::model(Some(fx::picture()), (140, 45));
    let before = rollwatch::tui::views::warnings::collect(&m);
    assert!(
        !before
            .iter()
            .any(|(_, w)| w.contains("outside any deployment")),
        "{before:?}"
    );
    let mut p = fx::picture();
    let weights = rollwatch::domain::AliasWeights {
        function: "reports".into(),
        alias: "live".into(),
        primary_version: "1".into(),
        additional: vec![("2".into(), 0.25)],
        revision_id: None,
    };
    p.regions[0].splits = rollwatch::domain::AliasSplit::of(weights, fx::now())
        .into_iter()
        .collect();
    let m = fx::model(Some(p), (140, 45));
    let warnings = rollwatch::tui::views::warnings::collect(&m);
    assert!(
        warnings.iter().any(|(who, w)| who == "reports:live"
            && w.contains("split outside any deployment: v1 75% · v2 25%")),
        "{warnings:?}"
    );
}

#[test]
fn event_log_records_transitions() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    let appeared = m.log.len();
    assert_eq!(appeared, 3, "one 'appeared' per active deployment");
    let mut p = fx::picture();
    p.taken_at += chrono::Duration::seconds(60);
    {
        let canary = &mut p.regions[0].deployments[1];
        if let Part::Ok { value } = &mut canary.alias {
            value.additional[0].1 = 1.0;
        }
        if let Some(w) = &mut canary.weight {
            w.weight = 1.0;
        }
        if let Part::Ok { value } = &mut canary.alarms {
            value[1].alarm.state = AlarmState::Alarm;
        }
        canary.deployment.status = DeploymentStatus::Stopped;
    }
    p.regions[0].deployments.remove(0);
    fx::arrives(&mut m, p);
    let new: Vec<_> = m.log.iter().skip(appeared).collect();
    let kinds: Vec<TimelineKind> = new.iter().map(|e| e.kind()).collect();
    assert!(kinds.contains(&TimelineKind::Weight), "{new:?}");
    assert!(
        new.iter()
            .any(|e| e.text() == "alarm payments-latency OK → ALARM"),
        "{new:?}"
    );
    assert!(
        new.iter()
            .any(|e| e.text().starts_with("finished: InProgress → Stopped")),
        "{new:?}"
    );
    assert!(
        new.iter()
            .any(|e| e.deployment_id == "d-LINEAR001" && e.text().contains("no longer listed")),
        "{new:?}"
    );
    assert!(
        new.iter()
            .all(|e| e.at == fx::now() + chrono::Duration::seconds(60))
    );
}

#[test]
fn a_superseded_stopped_deployment_is_no_longer_watched_not_finished_again() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    let mut p = fx::picture();
    let at = p.regions[0]
        .deployments
        .iter()
        .position(|v| v.deployment.id == "d-STOPPED03")
        .expect("the stopped split deployment is watched");
    let stopped = p.regions[0].deployments.remove(at).deployment;
    if let Part::Ok { value } = &mut p.regions[0].recent {
        value.insert(0, stopped);
    }
    fx::arrives(&mut m, p);
    let texts: Vec<String> = m
        .events_of("d-STOPPED03")
        .map(TimelineEvent::text)
        .collect();
    // Newest first: the line this picture added.
    assert_eq!(
        texts.first().map(String::as_str),
        Some("no longer watched: Stopped, a later deployment superseded it"),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.starts_with("finished")),
        "{texts:?}"
    );
}

#[test]
fn event_log_is_bounded() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    for i in 0..600 {
        let mut p = fx::picture();
        for (view, (even, odd)) in p.regions[0]
            .deployments
            .iter_mut()
            .zip([(0.6, 0.5), (0.2, 0.1)])
        {
            let weight = if i % 2 == 0 { even } else { odd };
            if let Part::Ok { value } = &mut view.alias {
                value.additional[0].1 = weight;
            }
            if let Some(w) = &mut view.weight {
                w.weight = weight;
            }
        }
        fx::arrives(&mut m, p);
    }
    assert_eq!(m.log.len(), rollwatch::tui::model::LOG_CAPACITY);
}

#[test]
fn key_actions_resolve_through_the_keymap() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    update(&mut m, Msg::Action(KeyAction::Down));
    assert_eq!(selected(&m), "d-STOPPED03");
}

#[test]
fn a_deployment_that_ran_between_two_pictures_is_still_reported() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    let mut p = fx::picture();
    p.taken_at += chrono::Duration::seconds(10);
    if let Part::Ok { value } = &mut p.regions[0].recent {
        let mut quick = value[0].clone();
        quick.id = "d-QUICK0001".into();
        quick.status = DeploymentStatus::Succeeded;
        quick.config_name = "CodeDeployDefault.LambdaAllAtOnce".into();
        value.insert(0, quick);
    }
    fx::arrives(&mut m, p);
    let lines: Vec<String> = m
        .events_of("d-QUICK0001")
        .map(TimelineEvent::text)
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("started and finished between two looks")
            && lines[0].ends_with("Succeeded"),
        "{lines:?}"
    );
    // Nothing else in the finished list is news.
    assert_eq!(
        m.log
            .iter()
            .filter(|e| e.text().starts_with("started and finished"))
            .count(),
        1
    );
}

#[test]
fn the_first_weight_read_after_traffic_shifted_is_an_event() {
    let mut first = fx::picture();
    first.regions[0].deployments[0].weight = None;
    let mut m = fx::model(Some(first), (140, 45));
    let id = fx::picture().regions[0].deployments[0]
        .deployment
        .id
        .clone();
    let mut p = fx::picture();
    p.taken_at += chrono::Duration::seconds(5);
    fx::arrives(&mut m, p);
    let event = m
        .events_of(&id)
        .find(|e| e.kind() == TimelineKind::Weight)
        .expect("a weight event");
    assert_begins(&event.text(), "new version weight first read: ");
    assert!(event.weight().is_some_and(|w| w.weight > 0.0));
}

#[test]
fn z_toggles_the_time_zone_and_says_so() {
    use rollwatch::config::TimeZoneChoice;
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    assert_eq!(m.time_zone, TimeZoneChoice::Utc);
    assert!(key(&mut m, KeyCode::Char('z')).is_empty(), "no AWS call");
    assert_eq!(m.time_zone, TimeZoneChoice::Local);
    assert!(
        m.flash
            .as_deref()
            .unwrap_or_default()
            .starts_with("times shown in local (UTC"),
        "{:?}",
        m.flash
    );
    key(&mut m, KeyCode::Char('z'));
    assert_eq!(m.time_zone, TimeZoneChoice::Utc);
    assert_eq!(m.flash.as_deref(), Some("times shown in UTC"));
}

#[test]
fn o_in_the_detail_view_asks_which_console_page_and_opens_it() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    key(&mut m, KeyCode::Char('j'));
    key(&mut m, KeyCode::Char('j'));
    assert_eq!(selected(&m), "d-LINEAR001");
    let open = |commands: Vec<Effect>| {
        commands.into_iter().find_map(|c| match c {
            Effect::OpenUrl(url) => Some(url),
            _ => None,
        })
    };
    // From the list: the deployment.
    assert_eq!(
        open(key(&mut m, KeyCode::Char('o'))).as_deref(),
        Some(
            "https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-LINEAR001?region=us-east-1"
        )
    );
    key(&mut m, KeyCode::Enter);
    assert!(m.zoomed);
    assert!(
        open(key(&mut m, KeyCode::Char('o'))).is_none(),
        "asks first"
    );
    assert!(m.flash.as_deref().unwrap_or_default().contains("a alias"));
    assert_eq!(
        open(key(&mut m, KeyCode::Char('a'))).as_deref(),
        Some(
            "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/checkout-api/aliases/live"
        )
    );
    key(&mut m, KeyCode::Char('o'));
    assert_eq!(
        open(key(&mut m, KeyCode::Char('m'))).as_deref(),
        Some(
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/checkout-errors"
        )
    );
    // Esc chooses nothing, and the next key is a key again.
    key(&mut m, KeyCode::Char('o'));
    assert!(open(key(&mut m, KeyCode::Esc)).is_none());
    assert!(m.overlay.is_none());
}

#[test]
fn enter_folds_a_group_and_gt_cycles_the_sort_order() {
    use rollwatch::tui::model::{Row, SortOrder};
    let mut m = fx::model(Some(fx::big_picture(6)), (140, 45));
    // payments (the failing canaries) first, under its group row, selected.
    let rows = m.rows();
    assert!(
        matches!(
            rows[0],
            Row::Group {
                application: "payments",
                members: 3,
                collapsed: false,
                ..
            }
        ),
        "{:?}",
        rows[0]
    );
    let payments = Some(RowKey::Group {
        place: rollwatch::domain::Place::new(rollwatch::domain::Profile::default(), "us-east-1"),
        application: "payments".into(),
    });
    assert_eq!(m.selected, payments);
    let before = rows.len();
    key(&mut m, KeyCode::Enter);
    assert!(!m.zoomed, "a group row folds, it does not open");
    assert_eq!(
        m.rows().len(),
        before - 3,
        "its three deployments folded away"
    );
    assert_eq!(m.selected, payments, "still selected");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.rows().len(), before);
    // An action key on a group row says to pick a deployment.
    assert!(update(&mut m, Msg::Action(KeyAction::Rollback)).is_empty());
    assert_says(&fx::message(&m), &["select one of them"]);
    // `>` cycles: urgency → name → newest → urgency.
    for order in [SortOrder::Name, SortOrder::Newest, SortOrder::Urgency] {
        key(&mut m, KeyCode::Char('>'));
        assert_eq!(m.sort, order);
    }
    assert_eq!(m.flash.as_deref(), Some("deployments sorted by urgency"));
}

/// With several accounts, a region is the same place only in the same account: another
/// account's finished list (here one that just connected) is not news from between two looks.
#[test]
fn another_accounts_finished_deployments_are_not_news_from_between_two_looks() {
    let owner = |p: &str| rollwatch::domain::Owner {
        profile: rollwatch::domain::Profile::named(p),
        account: None,
    };
    let mut first = fx::picture();
    first.regions[0].owner = owner("alpha");
    let mut m = fx::model(Some(first.clone()), (140, 45));
    let mut p = first;
    p.taken_at += chrono::Duration::seconds(10);
    let mut beta = p.regions[0].clone();
    beta.owner = owner("beta");
    beta.deployments.clear();
    if let Part::Ok { value } = &mut beta.recent {
        for d in value.iter_mut() {
            d.id = format!("{}-B", d.id);
        }
    }
    p.regions.push(beta);
    fx::arrives(&mut m, p);
    let between: Vec<String> = m
        .log
        .iter()
        .map(TimelineEvent::text)
        .filter(|t| t.starts_with("started and finished"))
        .collect();
    assert!(between.is_empty(), "{between:?}");
}

#[test]
fn a_message_stands_through_new_pictures_for_four_seconds_then_goes() {
    let mut m = fx::model(Some(fx::picture()), (140, 45));
    ctrl(&mut m, 'r');
    assert_eq!(m.flash.as_deref(), Some("refresh requested"));
    // A picture arriving right after the key (before a frame was drawn) keeps it...
    let at = |secs: f64, rate: f64| Msg::Picture {
        picture: Box::new(fx::picture()),
        clock: rollwatch::domain::ClockReading {
            now: fx::now() + chrono::Duration::milliseconds((secs * rate * 1000.0) as i64),
            rate,
            ..fx::clock()
        },
    };
    update(&mut m, at(0.0, 1.0));
    update(&mut m, at(3.9, 1.0));
    assert_eq!(m.flash.as_deref(), Some("refresh requested"));
    // ...and one four real seconds later takes it away, whatever the clock's rate.
    update(&mut m, at(4.0, 1.0));
    assert_eq!(m.flash, None);
    ctrl(&mut m, 'r');
    update(&mut m, at(5.0, 10.0));
    update(&mut m, at(8.9, 10.0));
    assert_eq!(
        m.flash.as_deref(),
        Some("refresh requested"),
        "3.9 s at 10×"
    );
    update(&mut m, at(9.0, 10.0));
    assert_eq!(m.flash, None);
}

#[test]
fn a_split_outside_any_deployment_logs_its_weight_changes_and_its_end() {
    let with = |weight: Option<f64>, secs: i64| {
        let mut p = fx::picture();
        p.taken_at += chrono::Duration::seconds(secs);
        p.regions[0].deployments.extend(weight.map(fx::split_row));
        p
    };
    let mut m = fx::model(Some(with(Some(0.25), 0)), (140, 45));
    let texts = |m: &rollwatch::tui::Model| -> Vec<String> {
        m.log
            .iter()
            .filter(|e| e.deployment_id == "reports:live")
            .map(TimelineEvent::text)
            .collect()
    };
    assert_eq!(
        texts(&m),
        ["reports:live InProgress (split by hand), new version at 25%"]
    );
    fx::arrives(&mut m, with(Some(0.5), 30));
    assert!(
        texts(&m).contains(&"new version weight 25% → 50%".to_string()),
        "{:?}",
        texts(&m)
    );
    fx::arrives(&mut m, with(None, 60));
    assert!(
        texts(&m)
            .iter()
            .any(|t| t.starts_with("split ended: the alias is whole again")),
        "{:?}",
        texts(&m)
    );
}
