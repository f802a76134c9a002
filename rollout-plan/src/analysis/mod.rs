//! Analysis as Argo runs it: the condition language, measurement phases, metric and run phases
//! from counters and limits, and measurement scheduling.

pub mod expr;
pub mod run;
