//! Frame render time with 200 active deployments and the detail pane open, on ratatui's
//! TestBackend at 200×60 (goal: ≤ 2 ms per frame).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/tui.rs"]
mod tui_fixtures;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rollwatch::keymap::KeyAction;
use rollwatch::tui::{Msg, update, views};

fn render_200(c: &mut Criterion) {
    let (w, h) = (200, 60);
    let mut model = tui_fixtures::model(Some(tui_fixtures::big_picture(200)), (w, h));
    // Select a deployment in the middle: the table scrolls, the detail shows the canary.
    for _ in 0..101 {
        update(&mut model, Msg::Action(KeyAction::Down));
    }
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    c.bench_function("frame_200_deployments_with_detail", |b| {
        b.iter(|| {
            terminal
                .draw(|f| views::render(f, f.area(), black_box(&model)))
                .unwrap();
        });
    });
    let mut small = Terminal::new(TestBackend::new(120, 40)).unwrap();
    update(&mut model, Msg::Resize(120, 40));
    c.bench_function("frame_200_deployments_120x40", |b| {
        b.iter(|| {
            small
                .draw(|f| views::render(f, f.area(), black_box(&model)))
                .unwrap();
        });
    });
    c.bench_function("update_picture_200", |b| {
        let picture = tui_fixtures::big_picture(200);
        b.iter(|| {
            update(
                &mut model,
                Msg::Picture {
                    picture: Box::new(picture.clone()),
                    clock: tui_fixtures::clock(),
                },
            )
        });
    });
}

criterion_group!(benches, render_200);
criterion_main!(benches);
