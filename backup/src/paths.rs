//! Path rules shared by archiving and restoring: what may appear in an archive.
//!
//! An entry path is relative, `/`-separated, valid UTF-8, with no `..` component. A symbolic
//! link's target is relative and has the form `../../a/b`: some `..` components first (no more
//! than the link's depth below the archive root), then only normal names. With every link of
//! that form and no entry written through a link, resolving any link stays inside the root,
//! whatever the other links point to.

use crate::error::UnsafeReason;

/// The normal components of an entry path (`.` and empty components dropped).
pub(crate) fn entry_components(path: &str) -> Result<Vec<&str>, UnsafeReason> {
    if path.starts_with('/') {
        return Err(UnsafeReason::AbsolutePath);
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(UnsafeReason::ParentComponent),
            p if p.contains('\0') => return Err(UnsafeReason::InvalidName),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(UnsafeReason::InvalidName);
    }
    Ok(parts)
}

/// Checks a link at `entry` (its normal components) pointing at `target`.
pub(crate) fn check_link_target(entry: &[&str], target: &str) -> Result<(), UnsafeReason> {
    if target.is_empty() || target.contains('\0') {
        return Err(UnsafeReason::InvalidName);
    }
    if target.starts_with('/') {
        return Err(UnsafeReason::LinkOutside);
    }
    let depth = entry.len().saturating_sub(1);
    let mut ups = 0usize;
    let mut seen_name = false;
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." if seen_name => return Err(UnsafeReason::LinkOutside),
            ".." => ups += 1,
            _ => seen_name = true,
        }
    }
    if ups > depth {
        return Err(UnsafeReason::LinkOutside);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn entries() {
        assert_eq!(entry_components("a/./b/"), Ok(vec!["a", "b"]));
        assert_eq!(entry_components("/etc"), Err(UnsafeReason::AbsolutePath));
        assert_eq!(
            entry_components("a/../../x"),
            Err(UnsafeReason::ParentComponent)
        );
        assert_eq!(entry_components("./"), Err(UnsafeReason::InvalidName));
    }

    #[test]
    fn links() {
        assert_eq!(check_link_target(&["a", "l"], "b/c"), Ok(()));
        assert_eq!(check_link_target(&["a", "l"], "../x"), Ok(()));
        assert_eq!(
            check_link_target(&["a", "l"], "../../x"),
            Err(UnsafeReason::LinkOutside)
        );
        assert_eq!(
            check_link_target(&["l"], "/etc/passwd"),
            Err(UnsafeReason::LinkOutside)
        );
        // `b/..` could leave the tree if `b` is itself a link: refused.
        assert_eq!(
            check_link_target(&["a", "l"], "b/../x"),
            Err(UnsafeReason::LinkOutside)
        );
    }

    proptest! {
        #[test]
        fn never_panic(p in ".{0,40}", t in ".{0,40}") {
            if let Ok(parts) = entry_components(&p) {
                prop_assert!(parts.iter().all(|c| *c != ".." && !c.is_empty()));
                let _ = check_link_target(&parts, &t);
            }
        }
    }
}
