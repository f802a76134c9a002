//! Loading Kubernetes objects from files and directories: [`Object`], [`load_str`],
//! [`load_path`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::Error;
use crate::diagnostic::{Diagnostic, Severity};
use crate::kinds::{AnyObject, KindInfo, schemas};
use crate::yaml::{self, FieldPath, Node, NodeValue, Span};

/// One Kubernetes object from one document of a file.
///
/// Every object keeps its position tree ([`Object::node`]) so any field maps back to
/// `file:line:column` ([`Object::span_of`]); built-in kinds of the enabled Kubernetes version
/// are also deserialized into their k8s-openapi type ([`Object::typed`]); custom resources
/// and unknown kinds are available as a [`GenericObject`].
#[derive(Clone)]
pub struct Object {
    file: Arc<Path>,
    document: usize,
    api_version: String,
    kind: String,
    /// The metadata when `typed` does not hold it (custom resources, objects that do not
    /// deserialize, kinds without metadata); `None` otherwise, so it is kept once.
    metadata: Option<Box<ObjectMeta>>,
    node: Node,
    typed: Option<AnyObject>,
    info: Option<&'static KindInfo>,
}

/// The metadata of an object that has none.
fn no_metadata() -> &'static ObjectMeta {
    static EMPTY: OnceLock<ObjectMeta> = OnceLock::new();
    EMPTY.get_or_init(ObjectMeta::default)
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Object")
            .field("file", &self.file)
            .field("document", &self.document)
            .field("api_version", &self.api_version)
            .field("kind", &self.kind)
            .field("name", &self.name())
            .field("typed", &self.typed.is_some())
            .finish()
    }
}

/// A custom resource or any object as plain data: what callers hand to other crates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenericObject {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata`, typed.
    pub metadata: ObjectMeta,
    /// Every other top-level field (`spec`, `data`, `rules`...), as JSON.
    pub body: serde_json::Map<String, serde_json::Value>,
}

impl Object {
    /// The file the object was loaded from.
    #[must_use]
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// 0-based index of the document in its file (counting empty documents).
    #[must_use]
    pub fn document(&self) -> usize {
        self.document
    }

    /// `apiVersion`.
    #[must_use]
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The API group (`""` for the core group).
    #[must_use]
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// `kind`.
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// `metadata`.
    #[must_use]
    pub fn metadata(&self) -> &ObjectMeta {
        if let (Some(t), Some(info)) = (&self.typed, self.info)
            && let Some(m) = (info.metadata)(t.as_ref())
        {
            return m;
        }
        match self.metadata.as_deref() {
            Some(m) => m,
            None => no_metadata(),
        }
    }

    /// `metadata.name` (empty if absent).
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }

    /// `metadata.namespace`, if set.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// Whether the kind is namespaced (`None` for kinds this crate does not know).
    #[must_use]
    pub fn namespaced(&self) -> Option<bool> {
        self.info.map(|i| i.namespaced)
    }

    /// `Kind/name` or `Kind/namespace/name`: how diagnostics name the object.
    #[must_use]
    pub fn display_name(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name()),
            None => format!("{}/{}", self.kind, self.name()),
        }
    }

    /// The whole document with positions.
    #[must_use]
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// The whole document as JSON.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        self.node.to_json()
    }

    /// The typed k8s-openapi value, if this is a built-in kind of the enabled version, `T` is
    /// its type and the object deserialized.
    ///
    /// ```
    /// use k8s_openapi::api::apps::v1::Deployment;
    /// let src = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector: {}\n  template: {}\n";
    /// let loaded = manifest_model::load_str(src, "d.yaml".as_ref())?;
    /// let d: &Deployment = loaded.objects[0].typed().ok_or("not a Deployment")?;
    /// assert_eq!(d.spec.as_ref().and_then(|s| s.replicas), Some(3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn typed<T: 'static>(&self) -> Option<&T> {
        self.typed.as_ref().and_then(|t| t.downcast_ref::<T>())
    }

    /// True if the object is a built-in kind that deserialized into its k8s-openapi type.
    #[must_use]
    pub fn is_typed(&self) -> bool {
        self.typed.is_some()
    }

    /// The object as plain data.
    #[must_use]
    pub fn generic(&self) -> GenericObject {
        let mut body = match self.node.to_json() {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        body.remove("apiVersion");
        body.remove("kind");
        body.remove("metadata");
        GenericObject {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            metadata: self.metadata().clone(),
            body,
        }
    }

    /// The node at a field path (`None` if it is not written).
    #[must_use]
    pub fn at(&self, path: &FieldPath) -> Option<&Node> {
        self.node.at(path)
    }

    /// The span of the field at `path`, or of its deepest written ancestor.
    #[must_use]
    pub fn span_of(&self, path: &FieldPath) -> Span {
        self.node.locate(path).span
    }

    /// A diagnostic about the field at `path`, located at it (or its deepest written
    /// ancestor) and naming this object.
    #[must_use]
    pub fn diagnostic(
        &self,
        severity: Severity,
        code: &str,
        path: &FieldPath,
        message: impl Into<String>,
    ) -> Diagnostic {
        let d = Diagnostic::new(severity, code, message)
            .at_span(&self.file, self.span_of(path))
            .with_object(self.display_name());
        if path.is_root() {
            d
        } else {
            d.with_path(path.to_string())
        }
    }
}

/// Objects loaded from one or more files, with the findings of loading them.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The objects in file and document order.
    pub objects: Vec<Object>,
    /// Duplicate keys, documents that are not objects, objects without apiVersion or kind,
    /// and built-in objects that do not deserialize into their type.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Append another result.
    pub fn extend(&mut self, other: Loaded) {
        self.objects.extend(other.objects);
        self.diagnostics.extend(other.diagnostics);
    }
}

/// Load the objects of a YAML or JSON stream. `file` labels positions.
///
/// Empty documents are skipped; a `v1` `List` (or any `*List` kind with `items`) is expanded
/// into its items.
///
/// # Errors
///
/// As [`yaml::parse`]: malformed YAML or JSON, with file, line and column.
pub fn load_str(src: &str, file: &Path) -> Result<Loaded, Error> {
    let stream = yaml::parse(src, file)?;
    let file: Arc<Path> = Arc::from(file);
    let mut out = Loaded::default();
    for dup in &stream.duplicates {
        out.diagnostics.push(dup.to_diagnostic(&file, true));
    }
    for doc in stream.documents {
        load_node(&file, doc.index, doc.root, &mut out, 0);
    }
    Ok(out)
}

fn load_node(file: &Arc<Path>, document: usize, node: Node, out: &mut Loaded, depth: usize) {
    let span = node.span;
    if node.as_map().is_none() {
        out.diagnostics.push(
            Diagnostic::new(
                Severity::Info,
                "k8s/not-a-manifest",
                format!(
                    "document {} is {}, not a Kubernetes object; skipped",
                    document + 1,
                    match node.type_name() {
                        "array" => "an array",
                        "integer" => "an integer",
                        "object" => "an object",
                        "boolean" => "a boolean",
                        "number" => "a number",
                        _ => "a string",
                    }
                ),
            )
            .at_span(file, span),
        );
        return;
    }
    if node.get("apiVersion").is_none() && node.get("kind").is_none() {
        out.diagnostics.push(
            Diagnostic::new(
                Severity::Info,
                "k8s/not-a-manifest",
                format!(
                    "document {} has neither apiVersion nor kind; skipped",
                    document + 1
                ),
            )
            .at_span(file, span),
        );
        return;
    }
    let api_version = node
        .get("apiVersion")
        .and_then(Node::as_str)
        .map(str::to_owned);
    let kind = node.get("kind").and_then(Node::as_str).map(str::to_owned);
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        let missing = match (node.get("apiVersion"), node.get("kind")) {
            (None, _) => "apiVersion",
            (Some(n), _) if n.as_str().is_none() => "apiVersion",
            _ => "kind",
        };
        out.diagnostics.push(
            Diagnostic::new(
                Severity::Error,
                "k8s/missing-type",
                format!("object has no string `{missing}`"),
            )
            .at_span(file, span),
        );
        return;
    };
    if kind.ends_with("List") && depth == 0 && node.get("items").and_then(Node::as_seq).is_some() {
        if let NodeValue::Map(entries) = node.value {
            for e in entries.into_iter().filter(|e| e.key == "items") {
                if let NodeValue::Seq(items) = e.value.value {
                    for item in items {
                        load_node(file, document, item, out, depth + 1);
                    }
                }
            }
        }
        return;
    }
    let info = schemas().kind(&api_version, &kind);
    let mut typed = None;
    if let Some(info) = info {
        match (info.parse)(&node) {
            Ok(t) => typed = Some(t),
            Err(_) => {
                // The JSON route words the error as it always has (and as kubectl's decoder
                // would see the document); it only runs for objects that do not deserialize.
                let message = match (info.parse_json)(&node.to_json()) {
                    Err(e) => e.to_string(),
                    Ok(_) => "the document does not match the kind's type".to_owned(),
                };
                out.diagnostics.push(
                    Diagnostic::new(
                        Severity::Error,
                        "k8s/invalid-object",
                        format!("{kind} does not deserialize: {message}"),
                    )
                    .at_span(file, span),
                );
            }
        }
    }
    let metadata_in_typed =
        matches!((&typed, info), (Some(t), Some(i)) if (i.metadata)(t.as_ref()).is_some());
    let metadata = if metadata_in_typed {
        None
    } else {
        node.get("metadata")
            .and_then(|m| yaml::from_node::<ObjectMeta>(m).ok())
            .map(Box::new)
    };
    out.objects.push(Object {
        file: Arc::clone(file),
        document,
        api_version,
        kind,
        metadata,
        node,
        typed,
        info,
    });
}

fn is_manifest_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// The manifest files under `path`: the file itself, or every `*.yaml`, `*.yml` and `*.json`
/// file below a directory (recursively, sorted, hidden entries skipped).
///
/// # Errors
///
/// [`Error::Io`] if `path` or a directory below it cannot be read.
pub fn manifest_files(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
            let p = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if is_manifest_file(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Load every manifest file under each path, turning malformed files into `yaml/syntax`
/// error diagnostics (so one bad file does not hide the findings in the others).
///
/// # Errors
///
/// [`Error::Io`] only: a path, directory or file that cannot be read.
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    for path in paths {
        for file in manifest_files(path.as_ref())? {
            let src = std::fs::read_to_string(&file).map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
            match load_str(&src, &file) {
                Ok(l) => out.extend(l),
                Err(e) => out.diagnostics.push(error_diagnostic(&e, &file)),
            }
        }
    }
    Ok(out)
}

/// A parse error as a `yaml/syntax` diagnostic.
fn error_diagnostic(e: &Error, file: &Path) -> Diagnostic {
    let (line, column, message) = match e {
        Error::Syntax {
            line,
            column,
            message,
            ..
        } => (*line, *column, message.clone()),
        Error::Limit {
            line,
            column,
            limit,
            ..
        } => (*line, *column, format!("{limit} exceeded")),
        Error::ComplexKey { line, column, .. } => {
            (*line, *column, "mapping keys must be scalars".to_owned())
        }
        other => (1, 1, other.to_string()),
    };
    Diagnostic::new(Severity::Error, "yaml/syntax", message).at(file, line, column)
}

/// Load a file, or every manifest file under a directory ([`manifest_files`]).
///
/// # Errors
///
/// [`Error::Io`] for unreadable paths, else as [`load_str`] (the first malformed file).
pub fn load_path(path: &Path) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    for file in manifest_files(path)? {
        let src = std::fs::read_to_string(&file).map_err(|source| Error::Io {
            path: file.clone(),
            source,
        })?;
        out.extend(load_str(&src, &file)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::StatefulSet;

    #[test]
    fn builtin_custom_list_and_junk() {
        let src = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s, namespace: m}\nspec: {serviceName: x, selector: {}, template: {}}\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: sm}\nspec: {endpoints: [{port: web}]}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n---\njust a string\n---\n{kind: Foo}\n";
        let l = load_str(src, Path::new("x.yaml")).unwrap();
        assert_eq!(l.objects.len(), 3);
        let s: &StatefulSet = l.objects[0].typed().unwrap();
        assert_eq!(s.spec.as_ref().unwrap().service_name.as_deref(), Some("x"));
        assert_eq!(l.objects[0].display_name(), "StatefulSet/m/s");
        assert_eq!(l.objects[0].namespaced(), Some(true));
        let g = l.objects[1].generic();
        assert!(!l.objects[1].is_typed());
        assert_eq!(g.body["spec"]["endpoints"][0]["port"], "web");
        assert_eq!(l.objects[2].kind(), "ConfigMap");
        assert_eq!(l.objects[2].document(), 2);
        let codes: Vec<_> = l
            .diagnostics
            .iter()
            .map(|d| (d.code.as_str(), d.line))
            .collect();
        assert_eq!(
            codes,
            vec![("k8s/not-a-manifest", 16), ("k8s/missing-type", 18)]
        );
    }
}
