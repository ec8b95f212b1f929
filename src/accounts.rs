//! The watched accounts: every profile of `--profile a,b` (or `[ui] profiles`) connected in
//! parallel with its own credentials, regions and budgets, for the TUI, `snapshot`, `watch`
//! and the action commands alike. A profile that cannot connect becomes a failed region of the
//! picture (its error shown in place) while the others work.

use crate::aws::{AwsReader, ConnectOptions, DeploymentReader, connect_accounts};
use crate::domain::{Failure, Owner, Profile, RegionPicture};
use crate::engine::unlisted;

/// How to reach every watched account, built at the entry from the command line and the
/// config file: one [`ConnectOptions`] per profile (the first is the default), and whether the
/// write side is forbidden (`--read-only`).
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub profiles: Vec<ConnectOptions>,
    pub read_only: bool,
}

impl Reach {
    /// The options of the first profile (or of the default credential chain).
    pub fn base(&self) -> ConnectOptions {
        self.profiles.first().cloned().unwrap_or_default()
    }

    /// The options of `profile`: its own, or the first profile's with its name.
    pub fn of(&self, profile: &Profile) -> ConnectOptions {
        self.profiles
            .iter()
            .find(|o| o.profile == *profile)
            .cloned()
            .unwrap_or_else(|| ConnectOptions {
                profile: profile.clone(),
                ..self.base()
            })
    }
}

/// What connecting every watched profile gave.
#[derive(Default)]
pub struct Connected {
    /// One reader per profile and region, at most one per account and region.
    pub readers: Vec<AwsReader>,
    /// A failed region for each profile that could not connect.
    pub unreachable: Vec<RegionPicture>,
    /// "profile b reaches account 123456789012 like profile a: …", for each profile whose
    /// account and region another profile listed earlier already watches.
    pub notes: Vec<String>,
}

impl Connected {
    /// Says on stderr which profiles could not connect and which were the same account as
    /// another (`prefix`: "rollwatch watch").
    pub fn say(&self, prefix: &str) {
        say_unreachable(prefix, &self.unreachable);
        for note in &self.notes {
            eprintln!("{prefix}: {note}");
        }
    }
}

/// Every watched profile's readers, and a failed region for each profile that could not
/// connect. `Err` when no profile connected and there was only one (nothing to show).
///
/// The account ids are looked up (one STS call per profile) when several profiles are
/// watched, or when `identify` asks (the TUI's header names the account). Two profiles that
/// reach the same account (a read-only role and an admin role, say) would show every
/// deployment twice: the first profile listed keeps the region, and a note says so.
pub async fn connect_all(reach: &Reach, identify: bool) -> Result<Connected, Failure> {
    let options = &reach.profiles;
    let identify = identify || options.len() > 1;
    let mut accounts = connect_accounts(options, identify).await;
    if accounts.len() == 1 {
        if let Some(only) = accounts.pop() {
            return only.readers.map(|readers| Connected {
                readers,
                ..Connected::default()
            });
        }
    }
    let mut connected = Connected::default();
    for account in accounts {
        match account.readers {
            Ok(readers) => connected.add(readers),
            Err(failure) => connected.unreachable.push(unlisted(
                reach.base().regions.join(","),
                Owner {
                    profile: account.profile,
                    account: None,
                },
                failure,
                "this profile could not connect",
            )),
        }
    }
    Ok(connected)
}

impl Connected {
    /// Adds one profile's readers, leaving out the regions of an account already watched.
    fn add(&mut self, readers: Vec<AwsReader>) {
        if let Some(unknown) = readers.first().filter(|r| r.owner().account.is_none()) {
            self.notes.push(format!(
                "the account of profile {} is unknown (STS did not answer): it is not checked \
                 against the other profiles, so an account reached by two profiles may show twice",
                unknown.profile().label()
            ));
        }
        for reader in readers {
            let owner = reader.owner();
            let earlier = owner.account.as_ref().and_then(|account| {
                self.readers.iter().find(|r| {
                    r.region() == reader.region() && r.owner().account.as_ref() == Some(account)
                })
            });
            match earlier {
                Some(earlier) => self.notes.push(format!(
                    "profile {} reaches account {} like profile {}: {} is shown once, through {} \
                     (the first listed: list first the profile that should act)",
                    owner.profile.label(),
                    owner.account.as_deref().unwrap_or_default(),
                    earlier.profile().label(),
                    reader.region(),
                    earlier.profile().label(),
                )),
                None => self.readers.push(reader),
            }
        }
    }
}

/// Says on stderr, once each, which profiles could not connect (`prefix`: "rollwatch watch").
fn say_unreachable(prefix: &str, unreachable: &[RegionPicture]) {
    for region in unreachable {
        if let Some(failure) = region.listing.failure() {
            eprintln!("{prefix}: {}: {}", region.owner.label(), failure.one_line());
        }
    }
}
