//! The built-in kinds of the enabled Kubernetes version and their schemas.
//!
//! Every resource type of k8s-openapi for the version chosen by the final build is registered
//! by `(apiVersion, kind)`. The schema of each kind is derived from k8s-openapi's own JSON
//! schema (its `schemars` implementation, generated from the Kubernetes OpenAPI document) and
//! compiled into a small [`Shape`] graph that the strict checks walk: field names, required
//! fields and value types come from there, never from a hand-written list.

mod generated;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::schemars::{JsonSchema, SchemaGenerator};
use k8s_openapi::{Metadata, NamespaceResourceScope, Resource};
use serde::de::DeserializeOwned;

use crate::yaml::{DeError, Node};

/// A typed object, type-erased; see [`crate::Object::typed`].
pub(crate) type AnyObject = Arc<dyn Any + Send + Sync>;

/// Deserialize the kind's type straight from the position tree.
type ParseFn = fn(&Node) -> Result<AnyObject, DeError>;
/// Deserialize the kind's type through JSON: the route whose error messages the
/// `k8s/invalid-object` diagnostic quotes.
type ParseJsonFn = fn(&serde_json::Value) -> Result<AnyObject, serde_json::Error>;
/// The `metadata` of a typed object of the kind (`None` for kinds without one).
type MetaFn = fn(&(dyn Any + Send + Sync)) -> Option<&ObjectMeta>;

/// What the registry knows about one built-in kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KindInfo {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) namespaced: bool,
    pub(crate) parse: ParseFn,
    pub(crate) parse_json: ParseJsonFn,
    pub(crate) metadata: MetaFn,
    /// Index of the kind's root shape in [`Schemas::shapes`].
    pub(crate) shape: usize,
}

pub(crate) struct Registry {
    kinds: Vec<KindInfo>,
    generator: SchemaGenerator,
    roots: Vec<(&'static str, &'static str, String)>,
}

fn parse_as<T>(node: &Node) -> Result<AnyObject, DeError>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    let t = T::deserialize(node)?;
    Ok(Arc::new(t))
}

fn parse_json_as<T>(v: &serde_json::Value) -> Result<AnyObject, serde_json::Error>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    let t = T::deserialize(v)?;
    Ok(Arc::new(t))
}

fn metadata_of<T>(t: &(dyn Any + Send + Sync)) -> Option<&ObjectMeta>
where
    T: Metadata<Ty = ObjectMeta> + 'static,
{
    t.downcast_ref::<T>().map(Metadata::metadata)
}

fn no_metadata(_: &(dyn Any + Send + Sync)) -> Option<&ObjectMeta> {
    None
}

impl Registry {
    /// Register a kind whose objects carry an `ObjectMeta`.
    pub(super) fn add<T>(&mut self)
    where
        T: Resource
            + Metadata<Ty = ObjectMeta>
            + DeserializeOwned
            + JsonSchema
            + Send
            + Sync
            + 'static,
    {
        self.register::<T>(metadata_of::<T>);
    }

    /// Register a kind without `metadata` (the discovery documents such as `APIGroup`).
    pub(super) fn add_without_metadata<T>(&mut self)
    where
        T: Resource + DeserializeOwned + JsonSchema + Send + Sync + 'static,
    {
        self.register::<T>(no_metadata);
    }

    fn register<T>(&mut self, metadata: MetaFn)
    where
        T: Resource + DeserializeOwned + JsonSchema + Send + Sync + 'static,
    {
        let namespaced =
            std::any::TypeId::of::<T::Scope>() == std::any::TypeId::of::<NamespaceResourceScope>();
        // Registers the definition (and everything it references) in the generator.
        let _ = self.generator.subschema_for::<T>();
        self.roots
            .push((T::API_VERSION, T::KIND, T::schema_name().into_owned()));
        self.kinds.push(KindInfo {
            api_version: T::API_VERSION,
            kind: T::KIND,
            namespaced,
            parse: parse_as::<T>,
            parse_json: parse_json_as::<T>,
            metadata,
            shape: 0,
        });
    }
}

/// A compiled schema node.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// A struct with known fields.
    Object {
        name: String,
        fields: HashMap<String, usize>,
        /// Field names, sorted (for suggestions).
        names: Vec<String>,
        required: Vec<String>,
    },
    /// A map with free keys and values of one shape.
    Map(usize),
    /// An object with no declared structure.
    AnyObject,
    Array(usize),
    String,
    Integer,
    Number,
    Boolean,
    IntOrString,
    Any,
}

/// All compiled shapes and the kinds table.
pub(crate) struct Schemas {
    pub(crate) shapes: Vec<Shape>,
    pub(crate) kinds: Vec<KindInfo>,
    index: HashMap<&'static str, HashMap<&'static str, usize>>,
}

impl Schemas {
    pub(crate) fn kind(&self, api_version: &str, kind: &str) -> Option<&KindInfo> {
        let i = *self.index.get(api_version)?.get(kind)?;
        self.kinds.get(i)
    }

    pub(crate) fn shape(&self, id: usize) -> &Shape {
        self.shapes.get(id).unwrap_or(&Shape::Any)
    }
}

struct Compiler<'a> {
    defs: &'a serde_json::Map<String, serde_json::Value>,
    ids: HashMap<String, usize>,
    shapes: Vec<Shape>,
}

impl Compiler<'_> {
    fn def_id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.shapes.len();
        self.shapes.push(Shape::Any);
        self.ids.insert(name.to_owned(), id);
        if let Some(def) = self.defs.get(name) {
            let shape = self.compile_inner(def, name);
            if let Some(slot) = self.shapes.get_mut(id) {
                *slot = shape;
            }
        }
        id
    }

    fn compile(&mut self, v: &serde_json::Value) -> usize {
        if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
            let name = r.rsplit('/').next().unwrap_or(r).to_owned();
            return self.def_id(&name);
        }
        let shape = self.compile_inner(v, "object");
        self.shapes.push(shape);
        self.shapes.len() - 1
    }

    fn compile_inner(&mut self, v: &serde_json::Value, name: &str) -> Shape {
        if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
            let target = r.rsplit('/').next().unwrap_or(r).to_owned();
            let id = self.def_id(&target);
            return self.shapes.get(id).cloned().unwrap_or(Shape::Any);
        }
        if v.get("x-kubernetes-int-or-string").is_some() {
            return Shape::IntOrString;
        }
        match v.get("type").and_then(|t| t.as_str()) {
            Some("string") => Shape::String,
            Some("integer") => Shape::Integer,
            Some("number") => Shape::Number,
            Some("boolean") => Shape::Boolean,
            Some("array") => match v.get("items") {
                Some(items) => Shape::Array(self.compile(items)),
                None => {
                    self.shapes.push(Shape::Any);
                    Shape::Array(self.shapes.len() - 1)
                }
            },
            Some("object") => {
                if let Some(props) = v.get("properties").and_then(|p| p.as_object()) {
                    let mut fields = HashMap::new();
                    for (k, pv) in props {
                        let id = self.compile(pv);
                        fields.insert(k.clone(), id);
                    }
                    let mut names: Vec<String> = fields.keys().cloned().collect();
                    names.sort();
                    let required = v
                        .get("required")
                        .and_then(|r| r.as_array())
                        .map(|r| {
                            r.iter()
                                .filter_map(|s| s.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    let short = name.rsplit('.').next().unwrap_or(name).to_owned();
                    Shape::Object {
                        name: short,
                        fields,
                        names,
                        required,
                    }
                } else if let Some(ap) = v.get("additionalProperties") {
                    if ap.is_object() {
                        Shape::Map(self.compile(ap))
                    } else {
                        Shape::AnyObject
                    }
                } else {
                    Shape::AnyObject
                }
            }
            _ => Shape::Any,
        }
    }
}

fn build() -> Schemas {
    let mut registry = Registry {
        kinds: Vec::new(),
        generator: SchemaGenerator::default(),
        roots: Vec::new(),
    };
    generated::register_all(&mut registry);
    let defs = registry.generator.definitions().clone();
    let mut compiler = Compiler {
        defs: &defs,
        ids: HashMap::new(),
        shapes: Vec::new(),
    };
    let mut kinds = registry.kinds;
    let mut index: HashMap<&'static str, HashMap<&'static str, usize>> = HashMap::new();
    for (i, (info, (_, _, schema_name))) in kinds.iter_mut().zip(&registry.roots).enumerate() {
        info.shape = compiler.def_id(schema_name);
        index
            .entry(info.api_version)
            .or_default()
            .insert(info.kind, i);
    }
    Schemas {
        shapes: compiler.shapes,
        kinds,
        index,
    }
}

/// The process-wide schemas, compiled on first use.
pub(crate) fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(build)
}

/// Whether `(api_version, kind)` is a built-in kind of the enabled Kubernetes version.
///
/// ```
/// assert!(manifest_model::is_builtin_kind("apps/v1", "Deployment"));
/// assert!(!manifest_model::is_builtin_kind("extensions/v1beta1", "Ingress"));
/// assert!(!manifest_model::is_builtin_kind("monitoring.coreos.com/v1", "ServiceMonitor"));
/// ```
#[must_use]
pub fn is_builtin_kind(api_version: &str, kind: &str) -> bool {
    schemas().kind(api_version, kind).is_some()
}

/// All built-in `(apiVersion, kind)` pairs of the enabled Kubernetes version, sorted.
#[must_use]
pub fn builtin_kinds() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<_> = schemas()
        .kinds
        .iter()
        .map(|k| (k.api_version, k.kind))
        .collect();
    v.sort_unstable();
    v
}

/// Whether a kind lives in a namespace (`None` if not a built-in kind).
#[must_use]
pub fn is_namespaced(api_version: &str, kind: &str) -> Option<bool> {
    schemas().kind(api_version, kind).map(|k| k.namespaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_the_usual_kinds_and_shapes() {
        let s = schemas();
        assert!(s.kinds.len() >= 84, "{}", s.kinds.len());
        let d = s.kind("apps/v1", "Deployment").unwrap();
        assert!(d.namespaced);
        assert!(
            !s.kind("rbac.authorization.k8s.io/v1", "ClusterRole")
                .unwrap()
                .namespaced
        );
        match s.shape(d.shape) {
            Shape::Object { name, names, .. } => {
                assert_eq!(name, "Deployment");
                assert!(names.contains(&"spec".to_owned()));
            }
            other => panic!("{other:?}"),
        }
    }
}
