//! The selection: moving it to a row, keeping it on its deployment when the rows change
//! (new pictures, the filter), and scrolling the table so it stays in view. Each change of
//! the selected deployment tells the engine ([`Effect::Focus`]): it gets the Lambda budget
//! first.

use ratatui::layout::Rect;

use super::effect::Effect;
use super::model::{Model, RowKey};
use super::views::layout::{Areas, areas};

pub fn layout(model: &Model) -> Areas {
    let (w, h) = model.size;
    areas(Rect::new(0, 0, w, h), model)
}

/// Rows of the table body currently visible (at least 1).
pub fn table_rows(model: &Model) -> usize {
    layout(model)
        .table
        .map_or(1, |t| usize::from(t.height.saturating_sub(3)).max(1))
}

pub fn focus(model: &Model) -> Effect {
    Effect::Focus(model.selected_deployment().map(str::to_owned))
}

pub fn select(model: &mut Model, index: usize, key: RowKey) -> Vec<Effect> {
    model.selected_hint = index;
    model.user_selected = true;
    model.log_scroll = 0;
    let changed = model.selected.as_ref() != Some(&key);
    model.selected = Some(key);
    keep_selection_visible(model);
    if changed {
        vec![focus(model)]
    } else {
        Vec::new()
    }
}

/// Scrolls the table only when the selection leaves the visible rows.
pub fn keep_selection_visible(model: &mut Model) {
    let visible = table_rows(model);
    let index = model.selected_hint;
    if index < model.table_offset {
        model.table_offset = index;
    } else if index >= model.table_offset + visible {
        model.table_offset = index + 1 - visible;
    }
    let total = model.rows().len();
    model.table_offset = model.table_offset.min(total.saturating_sub(visible));
}

/// After the rows changed: keep the selected id, or land on the row where it was.
pub fn reselect(model: &mut Model) -> Vec<Effect> {
    let before = model.selected.clone();
    let (hint, after) = {
        let rows = model.rows();
        match model.selected_index(&rows) {
            _ if rows.is_empty() => (0, None),
            _ if !model.user_selected => (0, Some(rows[0].key())),
            Some(i) => (i, before.clone()),
            None => {
                let i = model.selected_hint.min(rows.len() - 1);
                (i, Some(rows[i].key()))
            }
        }
    };
    model.selected_hint = hint;
    model.selected = after;
    keep_selection_visible(model);
    if model.selected == before {
        Vec::new()
    } else {
        vec![focus(model)]
    }
}
