//! Small text helpers shared by the views: ages, countdowns, clock times, percentages, bars and
//! panel freshness labels ("alias 4s ago", "metrics stale since 12:03:10 — throttled").

use chrono::{DateTime, Duration, FixedOffset, Local, Utc};
use ratatui::text::Span;

use crate::config::TimeZoneChoice;
use crate::domain::{FailureKind, Freshness, normalize_pct};
use crate::tui::theme::Theme;

/// `4s`, `2m10s`, `1h02m`, `3d04h`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// `45s`, `28m`, `3h`, `2d`: for things long past.
pub fn coarse_age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// `m:ss` (or `h:mm:ss`) until an instant; `now` when due.
pub fn countdown(d: Duration) -> String {
    let s = d.num_seconds();
    if s <= 0 {
        return "due".to_string();
    }
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// `12:03:10` in `zone`.
pub fn hms(t: DateTime<Utc>, zone: TimeZoneChoice) -> String {
    in_zone(t, zone).format("%H:%M:%S").to_string()
}

/// `12:03` in `zone`.
pub fn hm(t: DateTime<Utc>, zone: TimeZoneChoice) -> String {
    in_zone(t, zone).format("%H:%M").to_string()
}

fn in_zone(t: DateTime<Utc>, zone: TimeZoneChoice) -> DateTime<FixedOffset> {
    match zone {
        TimeZoneChoice::Utc => t.fixed_offset(),
        TimeZoneChoice::Local => t.with_timezone(&Local).fixed_offset(),
    }
}

/// `UTC`, or `local (UTC+09:00)` with the offset in force now.
pub fn zone_label(zone: TimeZoneChoice) -> String {
    match zone {
        TimeZoneChoice::Utc => "UTC".to_string(),
        TimeZoneChoice::Local => {
            format!("local (UTC{})", Local::now().offset())
        }
    }
}

/// A share as `30%`.
pub fn pct(share: f64) -> String {
    normalize_pct(share)
}

/// An error rate in percent: `0.2%`, `12.5%`.
pub fn rate(percent: f64) -> String {
    if percent >= 10.0 {
        format!("{percent:.1}%")
    } else {
        format!("{percent:.2}%")
    }
}

/// A bar of `width` cells filled to `share`.
pub fn bar(share: f64, width: usize, theme: &Theme) -> (String, String) {
    let (full, empty) = theme.bar_cells();
    let filled = ((share.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    (full.repeat(filled), empty.repeat(width - filled))
}

/// A word for a failure kind.
pub fn kind_word(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Credentials => "no valid credentials",
        FailureKind::AccessDenied => "access denied",
        FailureKind::Throttled => "throttled",
        FailureKind::NotFound => "not found",
        FailureKind::Unreachable => "unreachable",
        FailureKind::BadConfiguration => "bad configuration",
        FailureKind::Unreadable => "unreadable",
        FailureKind::Other => "failing",
    }
}

/// "alias 4s ago" (muted), "alias 40s ago — throttled" (warning), "metrics stale since
/// 12:03:10 — throttled" (error).
pub fn freshness<'a>(
    name: &str,
    f: &Freshness,
    now: Option<DateTime<Utc>>,
    zone: TimeZoneChoice,
    theme: &Theme,
) -> Span<'a> {
    let why = f
        .last_error
        .as_ref()
        .map_or_else(String::new, |e| format!(" — {}", kind_word(e.kind)));
    let Some(now) = now else {
        return Span::styled(format!("{name} …"), theme.muted());
    };
    match f.fetched_at {
        None if f.last_error.is_some() => {
            Span::styled(format!("{name} never fetched{why}"), theme.error())
        }
        None => Span::styled(format!("{name} not fetched"), theme.muted()),
        Some(at) if f.is_stale(now) => Span::styled(
            format!("{name} stale since {}{why}", hms(at, zone)),
            theme.error(),
        ),
        Some(at) => {
            let style = if f.last_error.is_some() {
                theme.warning()
            } else {
                theme.muted()
            };
            Span::styled(
                format!("{name} {} ago{why}", age((now - at).num_seconds())),
                style,
            )
        }
    }
}

/// Cuts `text` to `width` characters with an ellipsis.
pub fn fit(text: &str, width: usize, theme: &Theme) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let ell = theme.ellipsis();
    let keep = width.saturating_sub(ell.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(ell);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_countdowns_read_naturally() {
        assert_eq!(age(4), "4s");
        assert_eq!(age(130), "2m10s");
        assert_eq!(age(3720), "1h02m");
        assert_eq!(age(-5), "0s", "clock skew never shows a negative age");
        assert_eq!(countdown(Duration::seconds(42)), "0:42");
        assert_eq!(countdown(Duration::seconds(3725)), "1:02:05");
        assert_eq!(countdown(Duration::seconds(-1)), "due");
        assert_eq!(coarse_age(1700), "28m");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        let t = Theme::default();
        assert_eq!(fit("abcdef", 4, &t), "abc…");
        assert_eq!(fit("abc", 4, &t), "abc");
        assert_eq!(fit("abcdef", 0, &t), "…");
    }
}
