//! End-to-end tests across the workspace crates and real servers; see `tests/`.
