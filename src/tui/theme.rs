//! Styles and symbols by meaning, built once from the `[colors]` and `[ui]` config: views ask
//! for "ok", "error", "new version" and never name a color. With NO_COLOR every style is plain
//! (bold / reversed only); with `icons = "ascii"` every symbol is ASCII.

use ratatui::style::{Color, Modifier, Style};

use crate::config::{Colors, Icons};
use crate::domain::{AlarmState, DeploymentStatus, EventStatus};

/// Resolved styles and symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub icons: Icons,
    colors: Colors,
}

impl Default for Theme {
    fn default() -> Self {
        Self::new(Colors::default(), Icons::Unicode, true)
    }
}

impl Theme {
    /// A theme; `color` is false under NO_COLOR.
    pub fn new(colors: Colors, icons: Icons, color: bool) -> Self {
        Self {
            color,
            icons,
            colors,
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn ok(&self) -> Style {
        self.fg(self.colors.ok.0)
    }
    pub fn warning(&self) -> Style {
        self.fg(self.colors.warning.0).add_modifier(Modifier::BOLD)
    }
    pub fn error(&self) -> Style {
        self.fg(self.colors.error.0).add_modifier(Modifier::BOLD)
    }
    pub fn active(&self) -> Style {
        self.fg(self.colors.active.0)
    }
    pub fn accent(&self) -> Style {
        self.fg(self.colors.accent.0)
    }
    pub fn muted(&self) -> Style {
        if self.color {
            self.fg(self.colors.muted.0)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn old_version(&self) -> Style {
        self.fg(self.colors.old_version.0)
    }
    pub fn new_version(&self) -> Style {
        self.fg(self.colors.new_version.0)
    }
    pub fn title(&self) -> Style {
        self.accent().add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        if self.color {
            Style::new()
                .bg(self.colors.selection.0)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    /// A badge: reversed colors (READ-ONLY, STALE).
    pub fn badge(&self, base: Style) -> Style {
        base.add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    fn pick(&self, unicode: &'static str, ascii: &'static str) -> &'static str {
        match self.icons {
            Icons::Unicode => unicode,
            Icons::Ascii => ascii,
        }
    }

    /// Icon and style of a deployment status (Argo's symbols).
    pub fn status(&self, status: &DeploymentStatus) -> (&'static str, Style) {
        match status {
            DeploymentStatus::Succeeded => (self.pick("✔", "+"), self.ok()),
            DeploymentStatus::Failed => (self.pick("✖", "x"), self.error()),
            DeploymentStatus::Stopped => (self.pick("■", "#"), self.warning()),
            DeploymentStatus::InProgress | DeploymentStatus::Baking => {
                (self.pick("◌", "*"), self.active())
            }
            DeploymentStatus::Created | DeploymentStatus::Queued | DeploymentStatus::Ready => {
                (self.pick("◷", "."), self.warning())
            }
            DeploymentStatus::Unknown(_) => ("?", self.warning()),
        }
    }

    /// Icon and style of an alarm state.
    pub fn alarm(&self, state: &AlarmState) -> (&'static str, Style) {
        match state {
            AlarmState::Ok => (self.pick("●", "o"), self.ok()),
            AlarmState::Alarm => (self.pick("▲", "!"), self.error()),
            AlarmState::InsufficientData => (self.pick("◌", "?"), self.muted()),
            AlarmState::Unknown(_) => ("?", self.warning()),
        }
    }

    /// Icon and style of a lifecycle event status.
    pub fn event(&self, status: &EventStatus) -> (&'static str, Style) {
        match status {
            EventStatus::Succeeded => (self.pick("✔", "+"), self.ok()),
            EventStatus::Failed => (self.pick("✖", "x"), self.error()),
            EventStatus::InProgress => (self.pick("◌", "*"), self.active()),
            EventStatus::Pending | EventStatus::Ready => (self.pick("·", "."), self.muted()),
            EventStatus::Skipped => (self.pick("-", "-"), self.muted()),
            EventStatus::Unknown(_) => ("?", self.warning()),
        }
    }

    pub fn warning_icon(&self) -> &'static str {
        self.pick("⚠", "!")
    }
    pub fn arrow(&self) -> &'static str {
        self.pick("→", ">")
    }
    /// Filled and empty cells of a bar.
    pub fn bar_cells(&self) -> (&'static str, &'static str) {
        self.pick2(("█", "░"), ("#", "."))
    }
    /// Marks a weight that is CodeDeploy's record rather than the live alias.
    pub fn recorded_mark(&self) -> &'static str {
        self.pick("≈", "~")
    }
    pub fn step_marks(&self) -> (&'static str, &'static str, &'static str) {
        self.pick3(("✔", "▶", "·"), ("+", ">", "."))
    }
    pub fn ellipsis(&self) -> &'static str {
        self.pick("…", "...")
    }

    fn pick2(
        &self,
        unicode: (&'static str, &'static str),
        ascii: (&'static str, &'static str),
    ) -> (&'static str, &'static str) {
        match self.icons {
            Icons::Unicode => unicode,
            Icons::Ascii => ascii,
        }
    }

    fn pick3(
        &self,
        unicode: (&'static str, &'static str, &'static str),
        ascii: (&'static str, &'static str, &'static str),
    ) -> (&'static str, &'static str, &'static str) {
        match self.icons {
            Icons::Unicode => unicode,
            Icons::Ascii => ascii,
        }
    }
}
