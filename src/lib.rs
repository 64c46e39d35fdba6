//! hbdiag: offline triage of heartbeat failures in clustered Java services.
//!
//! The modules follow the data flow:
//! [`discover`] → [`parse`] → [`signals`] → [`timeline`] → [`incidents`] →
//! [`rules`] → [`report`], with [`pipeline`] wiring them together.

pub mod definitions;
pub mod discover;
pub mod gc_summary;
pub mod hashing;
pub mod incidents;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod progress;
pub mod read;
pub mod report;
pub mod rules;
pub mod scan;
pub mod signals;
pub mod timeline;
