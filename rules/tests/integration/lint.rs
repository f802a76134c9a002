//! Lint checks: a positive and a negative case each.
