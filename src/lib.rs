//! hbdiag: offline triage of heartbeat failures in clustered Java services.
//!
//! The modules follow the data flow:
//! [`discover`] → [`parse`] → [`signals`] → [`timeline`] → [`incidents`] →
//! [`rules`] → [`report`], with [`pipeline`] wiring them together.

pub mod discover;
pub mod gc_summary;
pub mod model;
pub mod parse;
pub mod read;
