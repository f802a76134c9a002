//! Progress reporting: the library calls an observer with bytes and files done.

/// How far an operation has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressUpdate {
    /// Source bytes read (create) or written (restore) so far.
    pub bytes_done: u64,
    /// Files completed so far.
    pub files_done: u64,
}

/// An observer of progress; closures taking a [`ProgressUpdate`] implement it.
///
/// ```
/// use backup::{Progress, ProgressUpdate};
/// let mut seen = 0;
/// let mut observer = |u: ProgressUpdate| seen = u.files_done;
/// observer.update(ProgressUpdate { bytes_done: 10, files_done: 2 });
/// assert_eq!(seen, 2);
/// ```
pub trait Progress {
    /// Called after each file and periodically during large files.
    fn update(&mut self, update: ProgressUpdate);
}

impl<F: FnMut(ProgressUpdate)> Progress for F {
    fn update(&mut self, update: ProgressUpdate) {
        self(update)
    }
}

/// An observer that ignores progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&mut self, _update: ProgressUpdate) {}
}
