//! The TUI's whole state: the last picture and the service clock, what the user selected
//! (by deployment id, so it survives refreshes and reordering), the filter, focus, scroll, the
//! metrics window, the help overlay, the bounded event log and the operator-action state.
//! Plain data: `update` changes it, views read it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Utc};

use super::theme::Theme;
use crate::actions::Prepared;
use crate::config::TimeZoneChoice;
use crate::domain::logs::LogLine;
use crate::domain::notify::NotifyConfig;
use crate::domain::triage::urgency;
use crate::domain::{
    Change, Deployment, DeploymentView, Failure, Guard, Owner, Picture, TimelineEvent,
};
use crate::domain::{Place, Profile};
use crate::engine::MetricSpan;
use crate::keymap::Keymap;

/// The event log keeps this many transitions (oldest dropped first).
pub const LOG_CAPACITY: usize = 1000;

/// How long a message stands through new pictures (real seconds, whatever the clock's rate).
pub const FLASH_SECS: f64 = 4.0;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Deployments,
    EventLog,
}

/// One row of the deployments table.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// The active deployments of one application in one region (two or more: a stack's
    /// functions deployed together), as one line; its members follow unless collapsed.
    Group {
        owner: &'a Owner,
        region: &'a str,
        application: &'a str,
        members: usize,
        collapsed: bool,
    },
    Active {
        owner: &'a Owner,
        region: &'a str,
        view: &'a DeploymentView,
    },
    Recent {
        owner: &'a Owner,
        region: &'a str,
        deployment: &'a Deployment,
    },
}

/// What the selection holds, and what a folded group is known by: a deployment's row by its
/// id, or a group row by the application, region and profile it gathers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowKey {
    Deployment(String),
    Group { place: Place, application: String },
}

impl RowKey {
    /// The key of the group row of `application`'s deployments in `region`, read by `owner`.
    pub fn group(owner: &Owner, region: &str, application: &str) -> Self {
        Self::Group {
            place: Place::new(owner.profile.clone(), region),
            application: application.to_owned(),
        }
    }

    /// The deployment id, for a deployment's row.
    pub fn deployment_id(&self) -> Option<&str> {
        match self {
            Self::Deployment(id) => Some(id),
            Self::Group { .. } => None,
        }
    }
}

impl<'a> Row<'a> {
    /// The deployment behind the row (none for a group row).
    pub fn deployment(&self) -> Option<&'a Deployment> {
        match self {
            Self::Active { view, .. } => Some(&view.deployment),
            Self::Recent { deployment, .. } => Some(deployment),
            Self::Group { .. } => None,
        }
    }

    /// The selection key.
    pub fn key(&self) -> RowKey {
        match self {
            Self::Group {
                owner,
                region,
                application,
                ..
            } => RowKey::group(owner, region, application),
            Self::Active { view, .. } => RowKey::Deployment(view.deployment.id.clone()),
            Self::Recent { deployment, .. } => RowKey::Deployment(deployment.id.clone()),
        }
    }

    /// The profile and account the row's region was read with.
    pub fn owner(&self) -> &'a Owner {
        match self {
            Self::Group { owner, .. } | Self::Active { owner, .. } | Self::Recent { owner, .. } => {
                owner
            }
        }
    }

    pub fn region(&self) -> &'a str {
        match self {
            Self::Group { region, .. }
            | Self::Active { region, .. }
            | Self::Recent { region, .. } => region,
        }
    }

    fn matches(&self, filter: &str) -> bool {
        if filter.is_empty() {
            return true;
        }
        let (negate, needle) = match filter.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, filter),
        };
        let Some(d) = self.deployment() else {
            return true;
        };
        let target = d.target.as_ref().map_or_else(String::new, |t| {
            format!(
                "{}:{} v{} v{}",
                t.function, t.alias, t.current_version, t.target_version
            )
        });
        let hay = format!(
            "{} {} {} {} {} {} {} {}",
            d.id,
            d.application,
            d.group,
            target,
            d.status.as_str(),
            d.config_name,
            self.region(),
            self.owner().label()
        )
        .to_lowercase();
        hay.contains(&needle.to_lowercase()) != negate
    }
}

/// The model.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The last picture from the engine (None until the first one arrives).
    pub picture: Option<Picture>,
    /// "Now" on the service's clock, advanced by ticks between pictures.
    pub now: Option<DateTime<Utc>>,
    /// Set when the front end could not start watching (e.g. no credentials).
    pub fatal: Option<String>,
    /// The selected row.
    pub selected: Option<RowKey>,
    /// The selected row's index, to land near it when the selected deployment disappears.
    pub selected_hint: usize,
    /// The user picked a row; until then the selection follows the first row as pictures arrive
    /// (the first pictures may list only finished deployments).
    pub user_selected: bool,
    /// First visible row of the table (kept like k9s: the view moves only at its edges).
    pub table_offset: usize,
    pub filter: String,
    pub focus: Pane,
    /// The detail of the selected deployment fills the screen (Enter).
    pub zoomed: bool,
    /// What is on top and takes the keys first (help, the filter being typed, a confirmation…).
    pub overlay: Option<Overlay>,
    pub window: MetricSpan,
    /// Every transition seen, oldest first.
    pub log: VecDeque<TimelineEvent>,
    /// Lines scrolled up from the newest event.
    pub log_scroll: usize,
    /// Set by the lead's read-only mode: shown as a badge.
    pub read_only: bool,
    pub profile: Profile,
    pub account: Option<String>,
    /// Profiles that could not connect (`--profile a,b`), shown as failed regions in every
    /// picture while the others work.
    pub unreachable: Vec<crate::domain::RegionPicture>,
    /// A one-line message (e.g. "refresh requested"), said until another replaces it or it has
    /// stood [`FLASH_SECS`] through new pictures.
    pub flash: Option<String>,
    /// The message as the first picture after it found it, and when (service clock).
    pub flash_seen: Option<(String, chrono::DateTime<chrono::Utc>)>,
    /// Terminal size, for mouse hit-tests and page sizes.
    pub size: (u16, u16),
    pub quit: bool,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Operator actions: disabled reason, in-flight deployments, hook ids, the message line.
    pub actions: ActionState,
    /// The guard, when rollwatch was started with `--guard`.
    pub guard: Option<Guard>,
    /// What to ring for (`[notify]`).
    pub notify: NotifyConfig,
    /// The time zone times are shown in (`z`).
    pub time_zone: TimeZoneChoice,
    /// The order of active deployments (`>` cycles).
    pub sort: SortOrder,
    /// Group rows folded to their one line (Enter toggles).
    pub collapsed: BTreeSet<RowKey>,
    /// The logs pane (`l`), in place of the event log.
    pub logs: Option<LogsPane>,
}

/// The order of the active deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// What needs a person first: verdict FAIL, ALARM, a waiting hook, a split alias, then by
    /// progress.
    #[default]
    Urgency,
    /// By `function:alias`.
    Name,
    /// The most recently created first.
    Newest,
}

impl SortOrder {
    /// The next order (`>`).
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Urgency => Self::Name,
            Self::Name => Self::Newest,
            Self::Newest => Self::Urgency,
        }
    }

    /// As the table's title says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Urgency => "by urgency",
            Self::Name => "by name",
            Self::Newest => "newest first",
        }
    }

    /// Sorts active rows in this order; each row's key is computed once (the urgency walks the
    /// view's alarms, verdict and hooks), ties broken by id.
    fn sort(self, rows: &mut [Row<'_>]) {
        fn view<'a>(r: &Row<'a>) -> Option<&'a DeploymentView> {
            match r {
                Row::Active { view, .. } => Some(view),
                _ => None,
            }
        }
        let id = |r: &Row<'_>| view(r).map(|v| v.deployment.id.clone());
        match self {
            Self::Urgency => rows.sort_by_cached_key(|r| (view(r).map(urgency), id(r))),
            Self::Name => {
                rows.sort_by_cached_key(|r| (view(r).map(|v| v.deployment.subject()), id(r)));
            }
            Self::Newest => rows.sort_by_cached_key(|r| {
                (
                    Reverse(view(r).and_then(|v| v.deployment.create_time)),
                    id(r),
                )
            }),
        }
    }
}

/// Below this size the screen shows only "terminal too small": no confirmation can be shown,
/// so none stays open, keys other than quit do nothing, and the guard holds its countdowns.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

impl Model {
    /// Whether the terminal is too small to show the screen.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// A model with this keymap and theme, nothing received yet.
    pub fn new(keymap: Keymap, theme: Theme) -> Self {
        Self {
            keymap,
            theme,
            dirty: true,
            ..Self::default()
        }
    }

    /// The table rows after the filter: active deployments first in the chosen order, those of
    /// one application (two or more) under its group row; then those finished in the last 24
    /// hours (newest first), each deployment once.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let Some(picture) = &self.picture else {
            return Vec::new();
        };
        let mut active: Vec<Row<'_>> = picture
            .regions
            .iter()
            .flat_map(|r| {
                r.deployments.iter().map(|view| Row::Active {
                    owner: &r.owner,
                    region: &r.region,
                    view,
                })
            })
            .filter(|r| r.matches(&self.filter))
            .collect();
        self.sort.sort(&mut active);
        let mut rows = self.grouped(&active);
        let listed: Vec<&str> = picture
            .regions
            .iter()
            .flat_map(|r| &r.deployments)
            .map(|v| v.deployment.id.as_str())
            .collect();
        for region in &picture.regions {
            for deployment in region.recent.value().into_iter().flatten() {
                let row = Row::Recent {
                    owner: &region.owner,
                    region: &region.region,
                    deployment,
                };
                if !listed.contains(&deployment.id.as_str()) && row.matches(&self.filter) {
                    rows.push(row);
                }
            }
        }
        rows
    }

    /// `sorted` with each application's deployments (two or more, in one region) gathered
    /// under a group row where its first member was.
    fn grouped<'a>(&self, sorted: &[Row<'a>]) -> Vec<Row<'a>> {
        // Each application's rows in order, applications in the order of their first row.
        type Key<'a> = (&'a Owner, &'a str, &'a str);
        let mut groups: Vec<(Key<'a>, Vec<Row<'a>>)> = Vec::new();
        let mut index: HashMap<Key<'a>, usize> = HashMap::new();
        for row in sorted {
            let Some(d) = row.deployment() else { continue };
            let key = (row.owner(), row.region(), d.application.as_str());
            let i = *index.entry(key).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[i].1.push(*row);
        }
        let mut out = Vec::with_capacity(sorted.len() + groups.len());
        for ((owner, region, application), members) in groups {
            if members.len() < 2 {
                out.extend(members);
                continue;
            }
            let collapsed = self
                .collapsed
                .contains(&RowKey::group(owner, region, application));
            out.push(Row::Group {
                owner,
                region,
                application,
                members: members.len(),
                collapsed,
            });
            if !collapsed {
                out.extend(members);
            }
        }
        out
    }

    /// The active deployments of a group row.
    pub fn members<'a>(
        &'a self,
        owner: &Owner,
        region: &str,
        application: &str,
    ) -> Vec<&'a DeploymentView> {
        self.picture
            .iter()
            .flat_map(|p| &p.regions)
            .filter(|r| r.region == region && &r.owner == owner)
            .flat_map(|r| &r.deployments)
            .filter(|v| v.deployment.application == application)
            .collect()
    }

    /// How many rows are active deployments or their groups (they come first).
    pub fn active_count(rows: &[Row<'_>]) -> usize {
        rows.iter()
            .filter(|r| !matches!(r, Row::Recent { .. }))
            .count()
    }

    /// The selected deployment's id (none when a group row is selected).
    pub fn selected_deployment(&self) -> Option<&str> {
        self.selected.as_ref()?.deployment_id()
    }

    /// The selected row's index in `rows`.
    pub fn selected_index(&self, rows: &[Row<'_>]) -> Option<usize> {
        let key = self.selected.as_ref()?;
        rows.iter().position(|r| r.key() == *key)
    }

    /// The selected row, if it is visible under the filter.
    pub fn selected_row(&self) -> Option<Row<'_>> {
        let rows = self.rows();
        self.selected_index(&rows).map(|i| rows[i])
    }

    /// Every profile and account the picture was read with (one, unless `--profile a,b`).
    pub fn owners(&self) -> Vec<&Owner> {
        let mut out: Vec<&Owner> = Vec::new();
        for r in self.picture.iter().flat_map(|p| &p.regions) {
            if !out.contains(&&r.owner) {
                out.push(&r.owner);
            }
        }
        out
    }

    /// Whether rows come from more than one profile (the table shows an ACCOUNT column).
    pub fn several_accounts(&self) -> bool {
        self.owners().len() > 1
    }

    /// The events of one deployment, newest first.
    pub fn events_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a TimelineEvent> + 'a {
        self.log.iter().rev().filter(move |e| e.deployment_id == id)
    }
}

/// What is on top of the screen: one at a time, and it takes the keys before the keymap's
/// ordinary meaning (`update::on_key` routes them), decides the footer and is drawn last.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The help screen (`?`).
    Help,
    /// The filter being typed (`/`); the text is [`Model::filter`].
    Filter,
    /// A hook execution id being typed (`I`) for the selected deployment, as typed so far.
    HookId(String),
    /// The confirmation of a prepared action (cancel has the focus).
    Confirm(Modal),
    /// `o` in the full-screen detail asked which console page to open; the next key says.
    OpenChoice,
}

impl Model {
    /// The confirmation being shown.
    pub fn modal(&self) -> Option<&Modal> {
        match &self.overlay {
            Some(Overlay::Confirm(modal)) => Some(modal),
            _ => None,
        }
    }

    /// Whether the help screen is open.
    pub fn help_open(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Help))
    }

    /// Whether the filter is being typed.
    pub fn filter_editing(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Filter))
    }

    /// Whether the person is typing text (the filter, a hook id, a typed confirmation): plain
    /// keys are text then.
    pub fn typing(&self) -> bool {
        match &self.overlay {
            Some(Overlay::Filter | Overlay::HookId(_)) => true,
            Some(Overlay::Confirm(modal)) => modal
                .prepared
                .confirmation
                .as_ref()
                .is_some_and(|c| c.typed.is_some()),
            Some(Overlay::Help | Overlay::OpenChoice) | None => false,
        }
    }
}

/// How a message reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Done,
    Error,
}

/// The confirmation being shown.
#[derive(Debug, Clone)]
pub struct Modal {
    pub prepared: Box<Prepared>,
    /// What has been typed (protected profiles).
    pub typed: String,
}

/// Everything the action flow keeps in the model.
#[derive(Debug, Clone, Default)]
pub struct ActionState {
    /// Why action keys do nothing (read-only mode, no audit log, ...), if so.
    pub disabled: Option<String>,
    /// Deployments with an action being prepared, confirmed or run.
    pub busy: BTreeSet<String>,
    /// Hook execution ids pasted, by deployment.
    pub hook_ids: BTreeMap<String, String>,
    /// The message line: the last action's progress or result.
    pub message: Option<(String, Level)>,
    /// The AWS CLI commands equivalent to what the last action on each deployment sent.
    pub sent: BTreeMap<String, Vec<String>>,
}

pub(super) fn say(model: &mut Model, text: impl Into<String>, level: Level) {
    model.actions.message = Some((text.into(), level));
    model.dirty = true;
}

/// Appends a line to the event log of `id`, at "now" on the service's clock.
pub(super) fn log(model: &mut Model, id: &str, text: String) {
    model.log.push_back(TimelineEvent {
        at: model.now.unwrap_or_default(),
        deployment_id: id.to_string(),
        change: Change::Note { text },
    });
    while model.log.len() > LOG_CAPACITY {
        model.log.pop_front();
    }
    if model.log_scroll > 0 {
        model.log_scroll += 1;
    }
}

/// How often the open pane is read again (service seconds).
pub const LOGS_EVERY_SECS: i64 = 10;

/// Lines kept and shown.
pub const LOGS_LIMIT: usize = 200;

/// The open logs pane.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsPane {
    pub deployment_id: String,
    /// Where the deployment lives (its profile's credentials read the logs).
    pub place: Place,
    pub function: String,
    pub old_version: String,
    pub new_version: String,
    /// Showing the new version's lines (`v` switches).
    pub showing_new: bool,
    pub lines: Vec<LogLine>,
    /// When the lines were read (service clock).
    pub read_at: Option<DateTime<Utc>>,
    /// The last read failed: shown above the lines kept.
    pub error: Option<Failure>,
    /// A read is in flight.
    pub reading: bool,
}

impl LogsPane {
    /// The version shown.
    pub fn version(&self) -> &str {
        if self.showing_new {
            &self.new_version
        } else {
            &self.old_version
        }
    }
}
