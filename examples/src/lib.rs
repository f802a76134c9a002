//! Programs composed from the workspace crates (see the binaries in `src/bin/`), and the pieces
//! they share.

pub mod deploy_check;
pub mod ratelimit_server;
pub mod report;
pub mod stack_backup;
