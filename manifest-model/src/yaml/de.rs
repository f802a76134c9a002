//! Deserializing any serde type straight from the position tree.
//!
//! `&Node` implements [`serde::Deserializer`] with the data model of JSON (as `kubectl` sees a
//! manifest): a [`NodeValue::Float`] that is not finite reads as `null`, integers are visited as
//! `u64` when not negative and as `i64` otherwise, mapping keys as strings. No intermediate
//! `serde_json::Value` is built, and an error carries the [`Span`] of the value it is about.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};

use super::{Entry, Node, NodeValue, Span};

/// The error of deserializing from a [`Node`]: serde's message and where the value is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct DeError {
    /// What went wrong, as serde words it (`invalid type: string "x", expected i32`).
    pub message: String,
    /// The value the error is about (the innermost node that knew its position).
    pub span: Option<Span>,
}

impl DeError {
    fn describe(&self) -> String {
        match self.span {
            Some(s) => format!("{}: {}", s.start, self.message),
            None => self.message.clone(),
        }
    }

    /// Attach `span` unless a deeper value already did.
    fn at(mut self, span: Span) -> DeError {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> DeError {
        DeError {
            message: msg.to_string(),
            span: None,
        }
    }
}

/// Deserialize a `T` from a node: the data model of JSON (non-finite floats read as `null`,
/// integers as `u64` when not negative, keys as strings), no intermediate `serde_json::Value`,
/// and errors located at the value they are about.
///
/// ```
/// use manifest_model::yaml::{from_node, parse};
/// use k8s_openapi::api::core::v1::ServicePort;
/// let stream = parse("port: 80\nname: http\n", "p.yaml".as_ref())?;
/// let port: ServicePort = from_node(&stream.documents[0].root)?;
/// assert_eq!(port.port, 80);
/// let bad = parse("port: eighty\n", "p.yaml".as_ref())?;
/// let err = from_node::<ServicePort>(&bad.documents[0].root).err().ok_or("no error")?;
/// assert_eq!(err.to_string(), "1:7: invalid type: string \"eighty\", expected i32");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`DeError`] when the node does not have the shape `T` expects.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(node)
}

impl Node {
    /// What serde calls this value in `invalid type` errors.
    fn unexpected(&self) -> Unexpected<'_> {
        match &self.value {
            NodeValue::Null => Unexpected::Unit,
            NodeValue::Float(x) if !x.is_finite() => Unexpected::Unit,
            NodeValue::Bool(b) => Unexpected::Bool(*b),
            NodeValue::Int(n) => match u64::try_from(*n) {
                Ok(u) => Unexpected::Unsigned(u),
                Err(_) => Unexpected::Signed(*n),
            },
            NodeValue::Float(x) => Unexpected::Float(*x),
            NodeValue::String(s) => Unexpected::Str(s),
            NodeValue::Seq(_) => Unexpected::Seq,
            NodeValue::Map(_) => Unexpected::Map,
        }
    }

    fn invalid_type<E: de::Expected>(&self, exp: &E) -> DeError {
        <DeError as de::Error>::invalid_type(self.unexpected(), exp).at(self.span)
    }

    /// Null, or a float JSON cannot represent (which reads as null).
    fn is_json_null(&self) -> bool {
        match self.value {
            NodeValue::Null => true,
            NodeValue::Float(x) => !x.is_finite(),
            _ => false,
        }
    }
}

fn visit_seq<'de, V: Visitor<'de>>(
    items: &'de [Node],
    span: Span,
    visitor: V,
) -> Result<V::Value, DeError> {
    let mut access = Items { iter: items.iter() };
    let value = visitor
        .visit_seq(&mut access)
        .map_err(|e: DeError| e.at(span))?;
    if access.iter.len() == 0 {
        Ok(value)
    } else {
        Err(
            <DeError as de::Error>::invalid_length(items.len(), &"fewer elements in array")
                .at(span),
        )
    }
}

fn visit_map<'de, V: Visitor<'de>>(
    entries: &'de [Entry],
    span: Span,
    visitor: V,
) -> Result<V::Value, DeError> {
    let mut access = Entries {
        iter: entries.iter(),
        value: None,
    };
    let value = visitor
        .visit_map(&mut access)
        .map_err(|e: DeError| e.at(span))?;
    if access.iter.len() == 0 {
        Ok(value)
    } else {
        Err(
            <DeError as de::Error>::invalid_length(entries.len(), &"fewer elements in map")
                .at(span),
        )
    }
}

impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.value {
            NodeValue::Null => visitor.visit_unit(),
            NodeValue::Bool(b) => visitor.visit_bool(*b),
            NodeValue::Int(n) => match u64::try_from(*n) {
                Ok(u) => visitor.visit_u64(u),
                Err(_) => visitor.visit_i64(*n),
            },
            NodeValue::Float(x) if x.is_finite() => visitor.visit_f64(*x),
            NodeValue::Float(_) => visitor.visit_unit(),
            NodeValue::String(s) => visitor.visit_borrowed_str(s),
            NodeValue::Seq(items) => return visit_seq(items, self.span, visitor),
            NodeValue::Map(entries) => return visit_map(entries, self.span, visitor),
        };
        r.map_err(|e: DeError| e.at(self.span))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            NodeValue::Bool(b) => visitor.visit_bool(b).map_err(|e: DeError| e.at(self.span)),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        deserialize_number(self, visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            NodeValue::String(s) => visitor
                .visit_borrowed_str(s)
                .map_err(|e: DeError| e.at(self.span)),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            NodeValue::String(s) => visitor
                .visit_borrowed_str(s)
                .map_err(|e: DeError| e.at(self.span)),
            NodeValue::Seq(items) => visit_seq(items, self.span, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_json_null() {
            visitor.visit_none().map_err(|e: DeError| e.at(self.span))
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_json_null() {
            visitor.visit_unit().map_err(|e: DeError| e.at(self.span))
        } else {
            Err(self.invalid_type(&visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor
            .visit_newtype_struct(self)
            .map_err(|e: DeError| e.at(self.span))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            NodeValue::Seq(items) => visit_seq(items, self.span, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            NodeValue::Map(entries) => visit_map(entries, self.span, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.value {
            NodeValue::Map(entries) => visit_map(entries, self.span, visitor),
            NodeValue::Seq(items) => visit_seq(items, self.span, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let access = match &self.value {
            NodeValue::String(s) => Variant {
                name: s,
                value: None,
            },
            NodeValue::Map(entries) => match entries.as_slice() {
                [only] => Variant {
                    name: &only.key,
                    value: Some(&only.value),
                },
                _ => {
                    return Err(<DeError as de::Error>::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    )
                    .at(self.span));
                }
            },
            _ => return Err(self.invalid_type(&"string or map")),
        };
        visitor
            .visit_enum(access)
            .map_err(|e: DeError| e.at(self.span))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

fn deserialize_number<'de, V: Visitor<'de>>(
    node: &'de Node,
    visitor: V,
) -> Result<V::Value, DeError> {
    {
        let r = match node.value {
            NodeValue::Int(n) => match u64::try_from(n) {
                Ok(u) => visitor.visit_u64(u),
                Err(_) => visitor.visit_i64(n),
            },
            NodeValue::Float(x) if x.is_finite() => visitor.visit_f64(x),
            _ => return Err(node.invalid_type(&visitor)),
        };
        r.map_err(|e: DeError| e.at(node.span))
    }
}

struct Items<'de> {
    iter: std::slice::Iter<'de, Node>,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.iter.next() {
            Some(node) => seed.deserialize(node).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Entries<'de> {
    iter: std::slice::Iter<'de, Entry>,
    value: Option<&'de Node>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some(e) => {
                self.value = Some(&e.value);
                let key: de::value::BorrowedStrDeserializer<'de, DeError> =
                    de::value::BorrowedStrDeserializer::new(&e.key);
                seed.deserialize(key)
                    .map(Some)
                    .map_err(|err| err.at(e.key_span))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(node) => seed.deserialize(node),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An enum written as `Variant` or `{Variant: value}`.
struct Variant<'de> {
    name: &'de str,
    value: Option<&'de Node>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = DeError;
    type Variant = VariantValue<'de>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, VariantValue<'de>), DeError> {
        let name: de::value::BorrowedStrDeserializer<'de, DeError> =
            de::value::BorrowedStrDeserializer::new(self.name);
        Ok((seed.deserialize(name)?, VariantValue(self.value)))
    }
}

/// The value of an enum variant (`None` for a bare `Variant`).
struct VariantValue<'de>(Option<&'de Node>);

impl<'de> VariantAccess<'de> for VariantValue<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.0 {
            None => Ok(()),
            Some(node) => de::Deserialize::deserialize(node),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        match self.0 {
            Some(node) => seed.deserialize(node),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Some(node) => de::Deserializer::deserialize_seq(node, visitor),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Some(node) => de::Deserializer::deserialize_struct(node, "", &[], visitor),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Secret, Service};
    use serde::Deserialize;

    fn node(src: &str) -> Node {
        let mut s = super::super::parse(src, Path::new("t.yaml")).unwrap();
        s.documents.remove(0).root
    }

    /// The position tree and the JSON route agree, on success and on failure.
    fn same<T: for<'a> Deserialize<'a> + PartialEq + fmt::Debug>(src: &str) {
        let n = node(src);
        let direct = from_node::<T>(&n);
        let json = serde_json::from_value::<T>(n.to_json());
        match (direct, json) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{src}"),
            (Err(a), Err(b)) => assert_eq!(a.message, b.to_string(), "{src}"),
            (a, b) => panic!("{src}: direct {a:?} json {b:?}"),
        }
    }

    #[test]
    fn agrees_with_the_json_route() {
        same::<Deployment>(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, labels: {a: b}}\nspec:\n  replicas: 3\n  selector: {matchLabels: {a: b}}\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n        ports: [{containerPort: 80}]\n        resources: {limits: {cpu: 0.5, memory: 1Gi}}\n  strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}\n",
        );
        same::<Deployment>("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: three}\n");
        same::<Deployment>(
            "apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 99999999999}\n",
        );
        same::<Deployment>("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: -1}\n");
        same::<Deployment>("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: .nan}\n");
        same::<Deployment>("apiVersion: apps/v1\nkind: Deployment\nspec: [1, 2]\n");
        same::<Deployment>(
            "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: [{image: x}]}}}\n",
        );
        same::<Secret>("apiVersion: v1\nkind: Secret\ndata: {a: aGVsbG8=}\nstringData: {b: c}\n");
        same::<Secret>("apiVersion: v1\nkind: Secret\ndata: {a: '!!notbase64'}\n");
        same::<Service>(
            "apiVersion: v1\nkind: Service\nspec: {ports: [{port: 80, targetPort: http}], selector: {a: 1}}\n",
        );
        same::<BTreeMap<String, serde_json::Value>>("a: [1, -2, 1.5, true, ~, {b: c}]\n");
        same::<Vec<u8>>("[1, 2, 300]\n");
        same::<(i32, String)>("[1, a, 2]\n");
    }

    #[test]
    fn errors_point_at_the_value() {
        let n = node("spec:\n  replicas: 2\n  selector:\n    matchLabels: {a: [x]}\n");
        let e = from_node::<k8s_openapi::api::apps::v1::DeploymentSpec>(n.get("spec").unwrap())
            .unwrap_err();
        assert_eq!(
            e.span.map(|s| (s.start.line, s.start.column)),
            Some((4, 22))
        );
        assert!(e.message.starts_with("invalid type: sequence"), "{e}");
        #[derive(Debug, Deserialize)]
        struct Port {
            #[allow(dead_code)]
            port: i32,
        }
        let n = node("ports:\n- name: web\n");
        let e = from_node::<BTreeMap<String, Vec<Port>>>(&n).unwrap_err();
        assert_eq!(e.to_string(), "2:3: missing field `port`");
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Shape {
        Unit,
        Wrap(i32),
        Pair(i32, i32),
        Named { x: i32 },
    }

    #[test]
    fn enums() {
        same::<Vec<Shape>>("[Unit, {Wrap: 1}, {Pair: [1, 2]}, {Named: {x: 3}}]\n");
        same::<Shape>("{Unit: ~, Wrap: 1}\n");
        same::<Shape>("7\n");
        same::<Shape>("Wrap\n");
    }
}
