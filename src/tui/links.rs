//! Take me there, from the keyboard: `o` opens the selected deployment in the AWS console (in
//! the detail view it asks which page: the deployment, the function's alias or the group's
//! alarms), `Y` copies the AWS CLI command that shows the deployment — or, after an action on
//! it (or on the deployment a rollback undoes), the commands that action sent — for the
//! incident notes. Returns the effects; the loop
//! opens the browser and writes the clipboard sequence.

use super::effect::Effect;
use super::model::{Model, Overlay, Row};
use crate::domain::Source;
use crate::domain::links::{
    ConsolePage, console_url, list_deployments_command, show_rollout_command,
};

/// The choice offered by `o` in the detail view.
const CHOICE: &str = "open in the AWS console: d deployment · a alias · m alarms · esc nothing";

/// `o`.
pub fn open(model: &mut Model) -> Vec<Effect> {
    if model.selected_row().is_none() {
        return Vec::new();
    }
    if model.zoomed {
        model.overlay = Some(Overlay::OpenChoice);
        model.flash = Some(CHOICE.to_string());
        return Vec::new();
    }
    open_page(model, 'd')
}

/// Opens page `which` (`d` deployment, `a` alias, `m` alarms) of the selected row.
pub fn open_page(model: &mut Model, which: char) -> Vec<Effect> {
    let Some(row) = model.selected_row() else {
        return Vec::new();
    };
    let region = row.region();
    let (deployment, group_alarms) = match row {
        Row::Group { application, .. } => {
            let url = console_url(region, &ConsolePage::Application { name: application });
            model.flash = Some(format!("opening {url}"));
            return vec![Effect::OpenUrl(url)];
        }
        Row::Active { view, .. } => (
            &view.deployment,
            view.group.value().map(|g| g.alarm_names.clone()),
        ),
        Row::Recent { deployment, .. } => (deployment, None),
    };
    let target = deployment.target.as_ref();
    // A split no deployment owns has no deployment page: its alias is its page.
    let which = match deployment.source {
        Source::Alias => 'a',
        Source::CodeDeploy => which,
    };
    let url = match (which, target, &group_alarms) {
        ('a', Some(t), _) => console_url(
            region,
            &ConsolePage::Alias {
                function: &t.function,
                alias: &t.alias,
            },
        ),
        ('m', _, Some(names)) if !names.is_empty() => {
            console_url(region, &ConsolePage::Alarms { names })
        }
        ('a', None, _) => {
            model.flash = Some("the function and alias are unknown".to_string());
            return Vec::new();
        }
        ('m', _, _) => {
            model.flash = Some("the deployment group watches no alarms".to_string());
            return Vec::new();
        }
        _ => console_url(region, &ConsolePage::Deployment { id: &deployment.id }),
    };
    model.flash = Some(format!("opening {url}"));
    vec![Effect::OpenUrl(url)]
}

/// The profile a copied command needs: the row's own, else the one rollwatch runs with.
fn row_profile<'a>(model: &'a Model, row: Row<'a>) -> Option<&'a str> {
    row.owner().profile.name().or(model.profile.name())
}

/// `Y`.
pub fn copy(model: &mut Model) -> Vec<Effect> {
    let Some(row) = model.selected_row() else {
        return Vec::new();
    };
    let deployment = match row {
        Row::Group { application, .. } => {
            let text = list_deployments_command(row.region(), application, row_profile(model, row));
            model.flash = Some(format!(
                "copied the command that lists {application}'s deployments"
            ));
            return vec![Effect::Copy(text)];
        }
        Row::Active { view, .. } => &view.deployment,
        Row::Recent { deployment, .. } => deployment,
    };
    let id = deployment.id.clone();
    // A rollback CodeDeploy created carries what was sent to the deployment it undoes.
    let undoes = deployment.rollback.triggered_by_deployment_id.as_ref();
    let sent = model
        .actions
        .sent
        .get(&id)
        .or_else(|| undoes.and_then(|u| model.actions.sent.get(u)));
    let (text, what) = match sent {
        Some(sent) => (
            sent.join("\n"),
            format!("the {} command(s) sent", sent.len()),
        ),
        None => (
            show_rollout_command(row.region(), deployment, row_profile(model, row)),
            "the command that shows it".to_string(),
        ),
    };
    model.flash = Some(format!("copied {what} for {id}"));
    vec![Effect::Copy(text)]
}
