//! kustomize builds compared byte for byte with `kubectl kustomize` (kustomize v5.5), plus
//! error reporting and property tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "kustomize/errors.rs"]
mod errors;
#[path = "kustomize/oracle.rs"]
mod oracle;
#[path = "kustomize/properties.rs"]
mod properties;
