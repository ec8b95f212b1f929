//! The keymap as data: every user action has a snake_case name (the `[keys]` table of the config
//! file maps names to key strings such as `"j"`, `"down"`, `"ctrl-r"`), a description for the
//! help overlay and the panes it applies in. Adding an action is one enum variant and one row of
//! [`KeyAction::ALL`]. The operator actions (`R` roll back, `S` stop, `C` continue, `X` reject the
//! waiting hook, `I` paste a hook execution id, `O`/`N` resolve a split alias) are rows like the
//! others; [`KeyAction::operator`] tells them apart.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// What a key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAction {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    /// Enter: open the selected deployment full screen.
    Open,
    /// Esc: close the help, the filter, the full-screen detail.
    Back,
    /// Tab: move the focus between the deployments table and the event log.
    NextPane,
    Filter,
    Help,
    Quit,
    Refresh,
    MetricsWindow,
    /// `z`: times in UTC or local time.
    TimeZone,
    /// `l`: the selected deployment's log lines (new version), in place of the event log.
    Logs,
    /// `v`: the logs pane shows the other version.
    LogsVersion,
    /// `>`: the next sort order (urgency, name, newest).
    Sort,
    /// `o`: open the selected deployment in the AWS console (from the detail view, a choice).
    OpenConsole,
    /// `Y`: copy the AWS CLI command that shows the deployment, or the commands an action sent.
    CopyCommand,
    /// `R`: StopDeployment with rollback, then follow the rollback.
    Rollback,
    /// `S`: StopDeployment without rollback (the alias stays split).
    Stop,
    /// `C`: continue (ContinueDeployment, approve the waiting hook, or promote now).
    Continue,
    /// `X`: reject the waiting hook.
    RejectHook,
    /// `I`: paste the execution id of the waiting hook.
    HookId,
    /// `O`: split alias back to the old version.
    BackToOld,
    /// `N`: split alias forward to the new version.
    ForwardToNew,
    /// `x` (or ctrl-x, which also works while typing): the guard stands down.
    CancelGuard,
    /// `y` in a confirmation: send the action.
    Confirm,
    /// `n` in a confirmation: nothing is sent (so do Esc and Enter: cancel has the focus).
    Decline,
}

/// Where an action is offered (for the footer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Lists,
    /// Only inside a confirmation (its own footer says the keys); elsewhere the key keeps its
    /// ordinary meaning.
    Confirmation,
}

impl KeyAction {
    /// The action behind a menu key of [`crate::domain::action_options`].
    pub fn for_menu_key(key: char) -> Option<Self> {
        match key {
            'R' => Some(Self::Rollback),
            'S' => Some(Self::Stop),
            'C' => Some(Self::Continue),
            'O' => Some(Self::BackToOld),
            'N' => Some(Self::ForwardToNew),
            _ => None,
        }
    }

    /// Every action, in help order: (action, default keys, description, scope).
    pub const ALL: [(Self, &'static [&'static str], &'static str, Scope); 30] = [
        (Self::Up, &["k", "up"], "move up", Scope::Lists),
        (Self::Down, &["j", "down"], "move down", Scope::Lists),
        (Self::Top, &["g", "home"], "first", Scope::Lists),
        (Self::Bottom, &["G", "end"], "last", Scope::Lists),
        (Self::PageUp, &["pgup", "ctrl-b"], "page up", Scope::Lists),
        (
            Self::PageDown,
            &["pgdn", "ctrl-f"],
            "page down",
            Scope::Lists,
        ),
        (Self::Open, &["enter"], "open (a group: fold)", Scope::Lists),
        (Self::Logs, &["l"], "logs", Scope::Lists),
        (
            Self::LogsVersion,
            &["v"],
            "logs: old / new version",
            Scope::Lists,
        ),
        (
            Self::Sort,
            &[">"],
            "sort: urgency / name / newest",
            Scope::Lists,
        ),
        (Self::Back, &["esc"], "back", Scope::Everywhere),
        (Self::NextPane, &["tab"], "next pane", Scope::Everywhere),
        (Self::Filter, &["/"], "filter", Scope::Lists),
        (Self::Help, &["?"], "help", Scope::Everywhere),
        (Self::Quit, &["q", "ctrl-c"], "quit", Scope::Everywhere),
        (Self::Refresh, &["ctrl-r"], "refresh now", Scope::Everywhere),
        (
            Self::MetricsWindow,
            &["t"],
            "metrics window",
            Scope::Everywhere,
        ),
        (
            Self::TimeZone,
            &["z"],
            "times in UTC / local",
            Scope::Everywhere,
        ),
        (
            Self::OpenConsole,
            &["o"],
            "open in the AWS console",
            Scope::Lists,
        ),
        (
            Self::CopyCommand,
            &["Y"],
            "copy the AWS CLI command (after an action: what was sent)",
            Scope::Lists,
        ),
        (Self::Rollback, &["R"], "roll back", Scope::Lists),
        (Self::Stop, &["S"], "stop (no rollback)", Scope::Lists),
        (Self::Continue, &["C"], "continue", Scope::Lists),
        (
            Self::RejectHook,
            &["X"],
            "reject the waiting hook",
            Scope::Lists,
        ),
        (
            Self::HookId,
            &["I"],
            "paste hook execution id",
            Scope::Lists,
        ),
        (
            Self::BackToOld,
            &["O"],
            "split alias back to old",
            Scope::Lists,
        ),
        (
            Self::ForwardToNew,
            &["N"],
            "split alias forward to new",
            Scope::Lists,
        ),
        (
            Self::CancelGuard,
            &["x", "ctrl-x"],
            "cancel the guard's rollback (--guard)",
            Scope::Everywhere,
        ),
        (Self::Confirm, &["y", "Y"], "confirm", Scope::Confirmation),
        (Self::Decline, &["n", "N"], "cancel", Scope::Confirmation),
    ];

    /// Where the action is offered.
    pub fn scope(self) -> Scope {
        Self::ALL
            .iter()
            .find(|(a, ..)| *a == self)
            .map_or(Scope::Everywhere, |(.., scope)| *scope)
    }

    /// Whether this is an operator action (it changes something in AWS).
    pub fn operator(self) -> bool {
        matches!(
            self,
            Self::Rollback
                | Self::Stop
                | Self::Continue
                | Self::RejectHook
                | Self::HookId
                | Self::BackToOld
                | Self::ForwardToNew
        )
    }

    /// The description shown in the help overlay and footer.
    pub fn describe(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, ..)| *a == self)
            .map_or("", |(_, _, d, _)| d)
    }
}

/// One key, as written in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeySpec {
    /// Whether `event` is this key (shift is implied by the character itself).
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        if ctrl != self.ctrl || alt != self.alt {
            return false;
        }
        match (self.code, event.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) if self.ctrl => a.eq_ignore_ascii_case(&b),
            (a, b) => a == b,
        }
    }
}

impl FromStr for KeySpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 5 && (lower.starts_with("ctrl-") || lower.starts_with("ctrl+")) {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 4 && (lower.starts_with("alt-") || lower.starts_with("alt+")) {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse::<u8>().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => {
                        return Err(format!(
                            "unknown key `{s}` (use a character, or up, down, pgup, pgdn, home, \
                             end, enter, esc, tab, space, f1…f12, with ctrl- or alt-)"
                        ));
                    }
                }
            }
        };
        Ok(Self { code, ctrl, alt })
    }
}

impl<'de> Deserialize<'de> for KeySpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            _ => f.write_str("?"),
        }
    }
}

/// Keys to actions: the defaults with the config file's `[keys]` entries replacing them action
/// by action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(KeyAction, Vec<KeySpec>)>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self::with_overrides(&BTreeMap::new())
    }
}

impl Keymap {
    /// The default keymap with `overrides` applied.
    pub fn with_overrides(overrides: &BTreeMap<KeyAction, Vec<KeySpec>>) -> Self {
        let bindings = KeyAction::ALL
            .iter()
            .map(|(action, keys, ..)| {
                let keys = overrides
                    .get(action)
                    .cloned()
                    .unwrap_or_else(|| keys.iter().filter_map(|k| k.parse().ok()).collect());
                (*action, keys)
            })
            .collect();
        Self { bindings }
    }

    /// The action `event` means outside a confirmation, if any (the first binding wins).
    pub fn action_for(&self, event: &KeyEvent) -> Option<KeyAction> {
        self.bindings
            .iter()
            .filter(|(a, _)| a.scope() != Scope::Confirmation)
            .find(|(_, keys)| keys.iter().any(|k| k.matches(event)))
            .map(|(a, _)| *a)
    }

    /// Whether `event` is one of `action`'s keys (the confirmation asks for its own).
    pub fn means(&self, action: KeyAction, event: &KeyEvent) -> bool {
        self.keys(action).iter().any(|k| k.matches(event))
    }

    /// The keys bound to `action`.
    pub fn keys(&self, action: KeyAction) -> &[KeySpec] {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// "j/↓" for the footer and help.
    pub fn label(&self, action: KeyAction) -> String {
        let keys: Vec<String> = self.keys(action).iter().map(ToString::to_string).collect();
        keys.join("/")
    }

    /// Every binding, in help order.
    pub fn bindings(&self) -> impl Iterator<Item = (KeyAction, &[KeySpec])> {
        self.bindings.iter().map(|(a, k)| (*a, k.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_resolve() {
        let map = Keymap::default();
        assert_eq!(
            map.action_for(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(KeyAction::Down)
        );
        assert_eq!(
            map.action_for(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(KeyAction::Bottom)
        );
        assert_eq!(
            map.action_for(&key(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(KeyAction::Refresh)
        );
        assert_eq!(
            map.action_for(&key(KeyCode::Char('r'), KeyModifiers::NONE)),
            None
        );
        for (c, action) in [
            ('S', KeyAction::Stop),
            ('R', KeyAction::Rollback),
            ('C', KeyAction::Continue),
        ] {
            assert_eq!(
                map.action_for(&key(KeyCode::Char(c), KeyModifiers::SHIFT)),
                Some(action)
            );
        }
        assert_eq!(
            map.action_for(&key(KeyCode::Char('s'), KeyModifiers::NONE)),
            None,
            "actions are on capitals only"
        );
    }

    #[test]
    fn key_strings_parse_and_print() {
        for (text, shown) in [
            ("ctrl-r", "ctrl-r"),
            ("pgdn", "pgdn"),
            ("G", "G"),
            ("f5", "f5"),
        ] {
            let spec: KeySpec = text.parse().expect("parses");
            assert_eq!(spec.to_string(), shown);
        }
        assert!("ctrl-".parse::<KeySpec>().is_err());
        assert!("banana".parse::<KeySpec>().is_err());
    }

    #[test]
    fn overrides_replace_one_action() {
        let mut o = BTreeMap::new();
        o.insert(KeyAction::Down, vec!["n".parse().expect("key")]);
        let map = Keymap::with_overrides(&o);
        assert_eq!(
            map.action_for(&key(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(KeyAction::Down)
        );
        assert_eq!(
            map.action_for(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(map.label(KeyAction::Up), "k/↑");
    }
}
