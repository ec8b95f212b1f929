//! The engine owns network IO and the clock: it decides what to fetch and when, and hands
//! owned domain values to the front ends. [`collect_picture`] builds one complete picture in at
//! most four dependent rounds of calls, whatever the number of deployments.

mod assemble;
mod collect;

pub use collect::{PictureOptions, collect_picture};
