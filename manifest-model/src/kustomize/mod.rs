//! Kustomize builds that match `kubectl kustomize` (kustomize v5.5) byte for byte.
//!
//! [`Kustomizer::build`] reads a kustomization directory (its `resources`, recursively, then
//! generators, patches and the builtin transformers in kustomize's order), adds content-hash
//! suffixes to generated ConfigMaps and Secrets, rewrites the references to renamed objects and
//! sorts the result in kustomize's legacy (by kind) order. [`Build::to_yaml`] prints it as
//! `kubectl kustomize` does; [`Build::objects`] hands the objects over as JSON values.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("kustomization.yaml"),
//!     "namePrefix: dev-\nconfigMapGenerator:\n- name: cfg\n  literals: [A=1]\n")?;
//! let build = manifest_model::kustomize::Kustomizer::new().build(dir.path())?;
//! assert_eq!(build.objects()[0]["metadata"]["name"], "dev-cfg-89g4tffbfk");
//! assert!(build.to_yaml().starts_with("apiVersion: v1\ndata:\n  A: \"1\"\n"));
//! # Ok(()) }
//! ```
//!
//! Supported fields: `resources` (and `bases`), `namespace`, `namePrefix`, `nameSuffix`,
//! `commonLabels`, `labels`, `commonAnnotations`, `images`, `replicas`, `patches`,
//! `patchesStrategicMerge`, `patchesJson6902`, `configMapGenerator`, `secretGenerator`,
//! `generatorOptions`. Other kustomize fields (`components`, `replacements`, `vars`, helm, plugins)
//! are refused with [`Failure::Unsupported`] rather than ignored. Remote resources are refused.
//!
//! Known normalization: a mapping key longer than 128 characters is written as a plain key where
//! go-yaml would use the `? ` complex-key form.

mod emit;
mod failure;
mod generate;
mod kustomization;
mod load;
mod nameref;
mod patch;
mod resource;
mod scalar;
mod transform;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use failure::Failure;

use crate::Error;
use kustomization::{Behavior, Kustomization};
use resource::{Id, Resource};
use scalar::Schema;

/// The file names kustomize looks for, in its order.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Builds kustomization directories.
#[derive(Debug, Clone, Default)]
pub struct Kustomizer {
    allow_outside_root: bool,
}

/// The result of a build: the objects in output order, and warnings kustomize would print.
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    objects: Vec<Value>,
    warnings: Vec<String>,
}

impl Build {
    /// The built objects (`apiVersion`, `kind`, `metadata`, ...) in output order.
    pub fn objects(&self) -> &[Value] {
        &self.objects
    }

    /// Consumes the build, returning the objects.
    pub fn into_objects(self) -> Vec<Value> {
        self.objects
    }

    /// Warnings `kubectl kustomize` prints on stderr (deprecated fields).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The YAML stream exactly as `kubectl kustomize` prints it.
    pub fn to_yaml(&self) -> String {
        to_yaml(&self.objects)
    }
}

/// Writes objects as a YAML stream in kustomize's format (documents separated by `---`).
pub fn to_yaml(objects: &[Value]) -> String {
    let mut out = String::new();
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit::emit_document(o, &mut out);
    }
    out
}

impl Kustomizer {
    /// A kustomizer with kustomize's default load restrictions.
    pub fn new() -> Kustomizer {
        Kustomizer::default()
    }

    /// Allows files outside the kustomization directory (kustomize's `--load-restrictor
    /// LoadRestrictionsNone`).
    #[must_use]
    pub fn allow_outside_root(mut self, allow: bool) -> Kustomizer {
        self.allow_outside_root = allow;
        self
    }

    /// Builds the kustomization in `dir`.
    ///
    /// # Errors
    ///
    /// [`Error::Kustomize`] naming the kustomization file and field: unreadable or missing
    /// files, invalid YAML, wrong field types, cycles, files outside the root, remote
    /// resources, id conflicts, patch targets not found.
    pub fn build(&self, dir: impl AsRef<Path>) -> Result<Build, Error> {
        let dir = dir.as_ref();
        let mut ctx = Ctx {
            allow_outside_root: self.allow_outside_root,
            stack: Vec::new(),
            warnings: Vec::new(),
        };
        let top = canonical(dir).map_err(|reason| err(dir, "", reason))?;
        let (mut resources, kfile) = ctx.accumulate(&top)?;
        finish(&mut resources).map_err(|reason| err(&kfile, "", reason))?;
        let mut ids: Vec<(Id, Value)> = resources.into_iter().map(|r| (r.id(), r.obj)).collect();
        ids.sort_by(|a, b| resource::legacy_order(&a.0, &b.0));
        Ok(Build {
            objects: ids.into_iter().map(|(_, o)| o).collect(),
            warnings: ctx.warnings,
        })
    }

    /// Builds `dir` and returns the YAML text `kubectl kustomize` would print.
    ///
    /// # Errors
    ///
    /// As [`Kustomizer::build`].
    pub fn build_yaml(&self, dir: impl AsRef<Path>) -> Result<String, Error> {
        Ok(self.build(dir)?.to_yaml())
    }
}

fn err(file: &Path, field: &str, reason: Failure) -> Error {
    let (line, column) = match &reason {
        Failure::Yaml { line, column, .. } => (Some(*line), Some(*column)),
        _ => (None, None),
    };
    Error::Kustomize {
        file: file.to_path_buf(),
        line,
        column,
        field: field.to_owned(),
        reason: Box::new(reason),
    }
}

/// `file:line:column: field` as far as known (the prefix of [`Error::Kustomize`]'s message).
pub(crate) fn locate(
    file: &Path,
    line: Option<usize>,
    column: Option<usize>,
    field: &str,
) -> String {
    let mut s = file.display().to_string();
    if let (Some(l), Some(c)) = (line, column) {
        s.push_str(&format!(":{l}:{c}"));
    }
    if !field.is_empty() {
        s.push_str(": ");
        s.push_str(field);
    }
    s
}

/// A kustomization file with the positions of its fields, for errors.
struct KFile {
    path: PathBuf,
    positions: load::Positions,
}

impl KFile {
    fn err(&self, field: &str, reason: Failure) -> Error {
        let (mut line, mut column) = match &reason {
            Failure::Yaml { line, column, .. } => (Some(*line), Some(*column)),
            _ => (None, None),
        };
        // The field itself, or the nearest enclosing field with a position.
        let mut f = field;
        while line.is_none() {
            if let Some((_, l, c)) = self.positions.iter().find(|(p, _, _)| p == f) {
                line = Some(*l);
                column = Some(*c);
            }
            match f.rfind(['.', '[']) {
                Some(i) => f = &f[..i],
                None => break,
            }
        }
        Error::Kustomize {
            file: self.path.clone(),
            line,
            column,
            field: field.to_owned(),
            reason: Box::new(reason),
        }
    }
}

fn canonical(p: &Path) -> Result<PathBuf, Failure> {
    std::fs::canonicalize(p).map_err(|e| Failure::Read {
        path: p.to_path_buf(),
        message: io_message(&e),
    })
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string().to_lowercase(),
    }
}

fn is_remote(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("git@")
        || s.starts_with("github.com/")
        || s.starts_with("gitlab.com/")
        || s.starts_with("bitbucket.org/")
        || s.contains("?ref=")
        || s.starts_with("git::")
}

struct Ctx {
    allow_outside_root: bool,
    stack: Vec<PathBuf>,
    warnings: Vec<String>,
}

struct Files<'a> {
    dir: &'a Path,
    allow_outside_root: bool,
}

impl generate::FileSource for Files<'_> {
    fn read(&self, rel: &str) -> Result<Vec<u8>, Failure> {
        let path = resolve_file(self.dir, rel, self.allow_outside_root)?;
        std::fs::read(&path).map_err(|e| Failure::Read {
            path,
            message: io_message(&e),
        })
    }
}

fn resolve_file(dir: &Path, rel: &str, allow_outside: bool) -> Result<PathBuf, Failure> {
    if is_remote(rel) {
        return Err(Failure::Remote {
            url: rel.to_owned(),
        });
    }
    let path = canonical(&dir.join(rel))?;
    if !allow_outside && !path.starts_with(dir) {
        return Err(Failure::OutsideRoot {
            path,
            root: dir.to_path_buf(),
        });
    }
    Ok(path)
}

fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure::Read {
        path: path.to_path_buf(),
        message: io_message(&e),
    })?;
    String::from_utf8(bytes).map_err(|_| Failure::Read {
        path: path.to_path_buf(),
        message: "not UTF-8 text".into(),
    })
}

fn yaml_failure(e: load::LoadError) -> Failure {
    Failure::Yaml {
        line: e.line,
        column: e.column,
        message: e.message,
    }
}

/// kustomize writes label and annotation values back as strings.
fn stringify_meta(obj: &mut Value) {
    for key in ["labels", "annotations"] {
        if let Some(Value::Object(m)) = obj.get_mut("metadata").and_then(|m| m.get_mut(key)) {
            for v in m.values_mut() {
                match v {
                    Value::Bool(b) => *v = Value::String(b.to_string()),
                    Value::Number(n) => *v = Value::String(emit::number_text(n)),
                    _ => {}
                }
            }
        }
    }
}

/// Parses a resource file into resources (expanding `List` objects).
fn load_resources(text: &str) -> Result<Vec<Resource>, Failure> {
    let docs = load::load_documents(text, Schema::V3).map_err(yaml_failure)?;
    let mut out = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        let index = i + 1;
        if !doc.is_object() {
            return Err(Failure::InvalidResource {
                index,
                what: "a mapping at the top",
            });
        }
        let kind = doc
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if kind.ends_with("List")
            && let Some(Value::Array(items)) = doc.get("items")
        {
            for item in items {
                out.push(check_resource(item.clone(), index)?);
            }
            continue;
        }
        out.push(check_resource(doc, index)?);
    }
    Ok(out)
}

fn check_resource(mut doc: Value, index: usize) -> Result<Resource, Failure> {
    if doc
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(Failure::InvalidResource {
            index,
            what: "apiVersion",
        });
    }
    if doc
        .get("kind")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(Failure::InvalidResource {
            index,
            what: "kind",
        });
    }
    if doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(Failure::InvalidResource {
            index,
            what: "metadata.name",
        });
    }
    stringify_meta(&mut doc);
    Ok(Resource::new(doc))
}

fn append(all: &mut Vec<Resource>, new: Vec<Resource>) -> Result<(), Failure> {
    for r in new {
        let id = r.id();
        if all.iter().any(|x| x.id().same_as(&id)) {
            return Err(Failure::Conflict { id: id.to_string() });
        }
        all.push(r);
    }
    Ok(())
}

impl Ctx {
    /// Builds one directory without the final steps (hashes, back references, sorting), as
    /// kustomize accumulates bases.
    fn accumulate(&mut self, dir: &Path) -> Result<(Vec<Resource>, PathBuf), Error> {
        let found: Vec<PathBuf> = KUSTOMIZATION_FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect();
        let kfile = match found.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(err(
                    dir,
                    "",
                    Failure::NoKustomization {
                        dir: dir.to_path_buf(),
                    },
                ));
            }
            _ => {
                return Err(err(
                    dir,
                    "",
                    Failure::MultipleKustomizations {
                        dir: dir.to_path_buf(),
                    },
                ));
            }
        };
        self.stack.push(dir.to_path_buf());
        let result = self.accumulate_file(dir, &kfile);
        self.stack.pop();
        result.map(|r| (r, kfile))
    }

    fn accumulate_file(&mut self, dir: &Path, kfile: &Path) -> Result<Vec<Resource>, Error> {
        let text = read_text(kfile).map_err(|r| err(kfile, "", r))?;
        let (docs, positions) = load::load_with_positions(&text, Schema::V11)
            .map_err(|e| err(kfile, "", yaml_failure(e)))?;
        let kf = KFile {
            path: kfile.to_path_buf(),
            positions,
        };
        let doc = match docs.into_iter().next() {
            Some(d) if d.as_object().is_none_or(|m| !m.is_empty()) => d,
            _ => return Err(kf.err("", Failure::EmptyKustomization)),
        };
        let k = kustomization::parse(&doc).map_err(|(field, reason)| kf.err(&field, reason))?;
        for name in &k.deprecated {
            let instead = match *name {
                "commonLabels" => "labels",
                "bases" => "resources",
                _ => "patches",
            };
            self.warnings.push(format!(
                "# Warning: '{name}' is deprecated. Please use '{instead}' instead. Run 'kustomize edit fix' to update your Kustomization automatically."
            ));
        }
        let e = |field: &str| {
            let field = field.to_owned();
            let kf = &kf;
            move |reason: Failure| kf.err(&field, reason)
        };
        let mut all: Vec<Resource> = Vec::new();
        for (i, res) in k.resources.iter().enumerate() {
            let field = format!("resources[{i}]");
            if is_remote(res) {
                return Err(kf.err(&field, Failure::Remote { url: res.clone() }));
            }
            let path = canonical(&dir.join(res)).map_err(e(&field))?;
            if path.is_dir() {
                if self.stack.contains(&path) {
                    return Err(kf.err(&field, Failure::Cycle { path }));
                }
                let (sub, _) = self.accumulate(&path)?;
                append(&mut all, sub).map_err(e(&field))?;
            } else {
                if !self.allow_outside_root && !path.starts_with(dir) {
                    return Err(kf.err(
                        &field,
                        Failure::OutsideRoot {
                            path,
                            root: dir.to_path_buf(),
                        },
                    ));
                }
                let text = read_text(&path).map_err(e(&field))?;
                let rs = load_resources(&text).map_err(|r| err(&path, &field, r))?;
                append(&mut all, rs).map_err(e(&field))?;
            }
        }
        let files = Files {
            dir,
            allow_outside_root: self.allow_outside_root,
        };
        for (gens, secret) in [
            (&k.config_map_generator, false),
            (&k.secret_generator, true),
        ] {
            for g in gens {
                let new = generate::generate(g, secret, &k.generator_options, &files)
                    .map_err(e(&g.field))?;
                absorb(&mut all, new, g.behavior).map_err(e(&g.field))?;
            }
        }
        self.transform(dir, &kf, &k, &mut all)?;
        Ok(all)
    }

    fn load_patch_docs(
        &self,
        dir: &Path,
        path: Option<&str>,
        inline: Option<&str>,
    ) -> Result<Vec<Value>, Failure> {
        let text = match (path, inline) {
            (Some(p), _) => {
                let file = resolve_file(dir, p, self.allow_outside_root)?;
                read_text(&file)?
            }
            (None, Some(s)) => s.to_owned(),
            (None, None) => String::new(),
        };
        load::load_documents(&text, Schema::V3).map_err(yaml_failure)
    }

    fn transform(
        &self,
        dir: &Path,
        kf: &KFile,
        k: &Kustomization,
        all: &mut Vec<Resource>,
    ) -> Result<(), Error> {
        let e = |field: &str| {
            let field = field.to_owned();
            move |reason: Failure| kf.err(&field, reason)
        };
        for (i, entry) in k.patches_strategic_merge.iter().enumerate() {
            let field = format!("patchesStrategicMerge[{i}]");
            let is_inline =
                entry.contains('\n') || !dir.join(entry).exists() && entry.contains(':');
            let docs = if is_inline {
                self.load_patch_docs(dir, None, Some(entry))
            } else {
                self.load_patch_docs(dir, Some(entry), None)
            }
            .map_err(e(&field))?;
            for d in &docs {
                apply_smp_by_id(all, d).map_err(e(&field))?;
            }
        }
        for (i, p) in k.patches.iter().enumerate() {
            let field = format!("patches[{i}]");
            let docs = self
                .load_patch_docs(dir, p.path.as_deref(), p.patch.as_deref())
                .map_err(e(&field))?;
            match &p.target {
                None => {
                    if patch::is_json6902(&docs) {
                        return Err(kf.err(
                            &field,
                            Failure::InvalidValue {
                                value: String::new(),
                                why: "a JSON 6902 patch needs a target",
                            },
                        ));
                    }
                    for d in &docs {
                        apply_smp_by_id(all, d).map_err(e(&field))?;
                    }
                }
                Some(sel) => {
                    let picked = patch::select(all, sel).map_err(e(&field))?;
                    let json = patch::is_json6902(&docs);
                    let mut deleted = Vec::new();
                    for idx in picked {
                        let Some(r) = all.get_mut(idx) else { continue };
                        if json {
                            if let Some(ops) = docs.first() {
                                patch::json6902(&mut r.obj, ops).map_err(e(&field))?;
                            }
                        } else {
                            for d in &docs {
                                let d = strip_id(d, !p.allow_name_change, !p.allow_kind_change);
                                let before = r.id();
                                if !apply_smp(r, &d).map_err(e(&field))? {
                                    deleted.push(idx);
                                } else if r.id() != before {
                                    r.prev.push(before);
                                }
                            }
                        }
                    }
                    remove_indices(all, deleted);
                }
            }
        }
        if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
            transform::namespace(all, ns).map_err(e("namespace"))?;
        }
        let prefix = k.name_prefix.as_deref().unwrap_or("");
        let suffix = k.name_suffix.as_deref().unwrap_or("");
        if !prefix.is_empty() || !suffix.is_empty() {
            transform::prefix_suffix(all, prefix, suffix);
        }
        transform::labels(all, &k.common_labels, true, true);
        for set in &k.labels {
            transform::labels(
                all,
                &set.pairs,
                set.include_selectors,
                set.include_templates,
            );
        }
        transform::annotations(all, &k.common_annotations);
        for (i, p) in k.patches_json6902.iter().enumerate() {
            let field = format!("patchesJson6902[{i}]");
            let docs = self
                .load_patch_docs(dir, p.path.as_deref(), p.patch.as_deref())
                .map_err(e(&field))?;
            let Some(sel) = &p.target else { continue };
            let picked = patch::select(all, sel).map_err(e(&field))?;
            // Like kustomize, a selector that matches nothing is not an error here.
            let ops = match docs.as_slice() {
                [ops @ Value::Array(_)] => ops.clone(),
                _ => {
                    return Err(kf.err(
                        &field,
                        Failure::Patch {
                            message: "a JSON 6902 patch must be a list of operations".into(),
                        },
                    ));
                }
            };
            for idx in picked {
                if let Some(r) = all.get_mut(idx) {
                    patch::json6902(&mut r.obj, &ops).map_err(e(&field))?;
                }
            }
        }
        transform::replicas(all, &k.replicas).map_err(e("replicas"))?;
        transform::images(all, &k.images);
        Ok(())
    }
}

fn remove_indices(all: &mut Vec<Resource>, mut idx: Vec<usize>) {
    idx.sort_unstable();
    idx.dedup();
    for i in idx.into_iter().rev() {
        if i < all.len() {
            all.remove(i);
        }
    }
}

/// A patch without the fields that identify its target (they must not rename the target).
fn strip_id(patch: &Value, name: bool, kind: bool) -> Value {
    let mut p = patch.clone();
    if let Value::Object(m) = &mut p {
        if kind {
            m.remove("apiVersion");
            m.remove("kind");
        }
        if let Some(Value::Object(meta)) = m.get_mut("metadata") {
            if name {
                meta.remove("name");
            }
            meta.remove("namespace");
        }
    }
    p
}

fn apply_smp(r: &mut Resource, patch: &Value) -> Result<bool, Failure> {
    let keep = patch::strategic_merge(&mut r.obj, patch)?;
    stringify_meta(&mut r.obj);
    Ok(keep)
}

fn patch_id(patch: &Value) -> Result<Id, Failure> {
    let name = patch
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty()
        || patch
            .get("kind")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(Failure::Patch {
            message: "a patch without target needs kind and metadata.name".into(),
        });
    }
    let namespace = patch
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    Ok(Id {
        gvk: resource::Gvk::of(patch),
        name: name.to_owned(),
        namespace: namespace.to_owned(),
    })
}

fn apply_smp_by_id(all: &mut Vec<Resource>, patch: &Value) -> Result<(), Failure> {
    let id = patch_id(patch)?;
    let hits: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, r)| r.all_ids().iter().any(|x| x.matches_patch(&id)))
        .map(|(i, _)| i)
        .collect();
    let idx = match hits.as_slice() {
        [one] => *one,
        [] => return Err(Failure::TargetNotFound { id: id.to_string() }),
        _ => return Err(Failure::AmbiguousTarget { id: id.to_string() }),
    };
    let stripped = strip_id(patch, true, true);
    if let Some(r) = all.get_mut(idx)
        && !apply_smp(r, &stripped)?
    {
        all.remove(idx);
    }
    Ok(())
}

/// Adds a generated object, honouring `behavior` (create, merge into or replace an existing one).
fn absorb(all: &mut Vec<Resource>, new: Resource, behavior: Behavior) -> Result<(), Failure> {
    let id = new.id();
    let pos = all.iter().position(|r| {
        r.all_ids()
            .iter()
            .any(|x| x.gvk.kind == id.gvk.kind && x.name == id.name)
            && (id.namespace.is_empty() || r.all_ids().iter().any(|x| x.namespace == id.namespace))
    });
    match (behavior, pos) {
        (Behavior::Create, None) => {
            all.push(new);
            Ok(())
        }
        (Behavior::Create, Some(_)) => Err(Failure::Conflict { id: id.to_string() }),
        (_, None) => Err(Failure::TargetNotFound { id: id.to_string() }),
        (Behavior::Replace, Some(i)) => {
            if let Some(old) = all.get_mut(i) {
                let name = old.name().to_owned();
                let ns = old.namespace().to_owned();
                old.obj = new.obj;
                old.metadata_mut()
                    .insert("name".into(), Value::String(name));
                if !ns.is_empty() {
                    old.metadata_mut()
                        .insert("namespace".into(), Value::String(ns));
                }
                old.needs_hash = new.needs_hash;
            }
            Ok(())
        }
        (Behavior::Merge, Some(i)) => {
            if let Some(old) = all.get_mut(i) {
                for key in ["data", "binaryData"] {
                    if let Some(Value::Object(nd)) = new.obj.get(key) {
                        let od = resource::ensure_object(
                            resource::ensure_object(&mut old.obj)
                                .entry(key)
                                .or_insert(Value::Null),
                        );
                        for (k, v) in nd {
                            od.insert(k.clone(), v.clone());
                        }
                    }
                }
                for key in ["labels", "annotations"] {
                    if let Some(Value::Object(nm)) = new.obj.pointer(&format!("/metadata/{key}")) {
                        let nm = nm.clone();
                        let om = resource::ensure_object(
                            old.metadata_mut().entry(key).or_insert(Value::Null),
                        );
                        for (k, v) in nm {
                            om.insert(k, v);
                        }
                    }
                }
                if new.obj.get("immutable").is_some()
                    && let Value::Object(m) = &mut old.obj
                {
                    m.insert("immutable".into(), Value::Bool(true));
                }
                old.needs_hash = old.needs_hash && new.needs_hash;
            }
            Ok(())
        }
    }
}

/// The steps kustomize runs once, at the top: hash suffixes, then back references.
fn finish(all: &mut [Resource]) -> Result<(), Failure> {
    for r in all.iter_mut() {
        if r.needs_hash {
            let hash = generate::content_hash(&r.obj);
            let name = format!("{}-{hash}", r.name());
            r.set_name(name);
        }
    }
    nameref::fix(all);
    Ok(())
}
