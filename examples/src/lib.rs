//! Programs composed from the workspace crates; see the binaries in `src/bin/`.
