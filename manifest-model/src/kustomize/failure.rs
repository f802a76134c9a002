//! What can go wrong in a kustomize build (the `reason` of [`crate::Error::Kustomize`]).

use std::path::PathBuf;

/// Why a kustomize build failed. Carried by [`crate::Error::Kustomize`], which adds the file and
/// the kustomization field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The directory holds none of `kustomization.yaml`, `kustomization.yml`, `Kustomization`.
    #[error("no kustomization file found in {}", dir.display())]
    NoKustomization {
        /// The directory searched.
        dir: PathBuf,
    },
    /// The directory holds more than one kustomization file.
    #[error("found multiple kustomization files in {}", dir.display())]
    MultipleKustomizations {
        /// The directory searched.
        dir: PathBuf,
    },
    /// A referenced file or directory does not exist or cannot be read.
    #[error("cannot read {}: {message}", path.display())]
    Read {
        /// The path that could not be read.
        path: PathBuf,
        /// The operating system's description.
        message: String,
    },
    /// A file is not valid YAML (or not the shape kustomize expects).
    #[error("line {line} column {column}: {message}")]
    Yaml {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// The kustomization file holds no fields at all.
    #[error("the kustomization file is empty")]
    EmptyKustomization,
    /// A kustomization field has the wrong type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the field must hold.
        expected: &'static str,
        /// What it holds.
        found: &'static str,
    },
    /// A kustomization field kustomize does not know.
    #[error("unknown field {name:?}")]
    UnknownField {
        /// The field's name.
        name: String,
    },
    /// A field kustomize knows but this implementation does not build.
    #[error("field {name:?} is not supported by this kustomize implementation")]
    Unsupported {
        /// The field's name.
        name: String,
    },
    /// A field value is invalid.
    #[error("invalid value {value:?}: {why}")]
    InvalidValue {
        /// The offending value.
        value: String,
        /// Why it is invalid.
        why: &'static str,
    },
    /// A kustomization includes itself, directly or through other directories.
    #[error("cycle: {} is already being built", path.display())]
    Cycle {
        /// The directory reached again.
        path: PathBuf,
    },
    /// A file or directory lies outside the kustomization root.
    #[error("security: {} is not in or below {}", path.display(), root.display())]
    OutsideRoot {
        /// The refused path.
        path: PathBuf,
        /// The root directory of the build.
        root: PathBuf,
    },
    /// A remote resource (URL or git repository) was named; builds here are offline.
    #[error("remote resource {url:?} refused: only local files and directories can be built")]
    Remote {
        /// The resource as written.
        url: String,
    },
    /// A resource document lacks `apiVersion`, `kind` or `metadata.name`.
    #[error("resource #{index} is missing {what}")]
    InvalidResource {
        /// 1-based index of the document in its file.
        index: usize,
        /// What is missing, e.g. `metadata.name`.
        what: &'static str,
    },
    /// Two resources have the same kind, name and namespace.
    #[error("may not add resource with an already registered id: {id}")]
    Conflict {
        /// The clashing id, `Kind.version.group/name.namespace`.
        id: String,
    },
    /// A patch (or generator with behavior merge/replace) matched no resource.
    #[error("no matches for id {id}")]
    TargetNotFound {
        /// The id or selector that matched nothing.
        id: String,
    },
    /// A patch without a selector matched several resources.
    #[error("multiple matches for id {id}")]
    AmbiguousTarget {
        /// The id that matched more than once.
        id: String,
    },
    /// A patch could not be applied.
    #[error("patch failed: {message}")]
    Patch {
        /// What went wrong.
        message: String,
    },
    /// A directory listed under `components` holds a kustomization whose kind is not
    /// `Component`.
    #[error("expected kind 'Component' for path '{}' but got '{found}'", dir.display())]
    NotAComponent {
        /// The listed directory.
        dir: PathBuf,
        /// The kind it holds (`Kustomization`).
        found: String,
    },
    /// A directory listed under `resources` holds a `kind: Component` kustomization (components
    /// go under `components`).
    #[error("expected kind != 'Component' for path '{}'", dir.display())]
    ComponentAsResource {
        /// The listed directory.
        dir: PathBuf,
    },
    /// A `components` entry is a file; components are directories.
    #[error("must build at directory: '{}': file is not directory", path.display())]
    NotADirectory {
        /// The listed file.
        path: PathBuf,
    },
    /// A replacement source selector matched no object or several.
    #[error("replacement source {selector} selects {found} objects, not exactly one")]
    ReplacementSource {
        /// The selector, `Kind.version.group/name.namespace` (`[noKind]` etc. where unset).
        selector: String,
        /// How many objects it matched.
        found: usize,
    },
    /// A replacement field path leads to no field (and `create` is not set, or cannot apply).
    #[error("field {path:?} not found in {object}")]
    MissingField {
        /// The field path as written.
        path: String,
        /// The object searched, `Kind.version.group/name.namespace`.
        object: String,
    },
    /// A replaced value does not read as the type of the field it replaces.
    #[error("cannot use {value:?} as {to}")]
    CannotConvert {
        /// The text copied.
        value: String,
        /// The type of the field, e.g. `an integer`.
        to: &'static str,
    },
}
