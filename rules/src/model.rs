//! The rule-file model: every group, rule and field with its source position.

use serde::Serialize;

use crate::diagnostic::Position;
use crate::yaml::{Mark, Style};

/// A value together with the position of the YAML node it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where the value starts in the file.
    pub pos: Position,
}

impl<T> Spanned<T> {
    /// A value at `pos`.
    pub fn new(value: T, pos: Position) -> Self {
        Spanned { value, pos }
    }
}

/// A `name: value` pair from a `labels` or `annotations` map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    /// The name (map key) and its position.
    pub key: Spanned<String>,
    /// The value and its position.
    pub value: Spanned<String>,
    #[serde(skip)]
    pub(crate) start: Mark,
    #[serde(skip)]
    pub(crate) style: Style,
}

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A plain Prometheus rule file (`groups:` at the top).
    RuleFile,
    /// A `PrometheusRule` resource (`spec.groups`), with its metadata name and namespace.
    PrometheusRule {
        /// `metadata.name`, if present.
        name: Option<String>,
        /// `metadata.namespace`, if present.
        namespace: Option<String>,
    },
}

/// A PromQL expression as written, with what is needed to map offsets inside it to the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expr {
    /// The decoded expression text.
    pub text: String,
    /// Position of the expression's first character (for block scalars, the first content line).
    pub pos: Position,
    #[serde(skip)]
    pub(crate) start: Mark,
    #[serde(skip)]
    pub(crate) style: Style,
}

/// One recording or alerting rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// 1-based index of the rule in its group (as promtool numbers them).
    pub index: usize,
    /// Position of the rule's mapping.
    pub pos: Position,
    /// `record:` name, if set.
    pub record: Option<Spanned<String>>,
    /// `alert:` name, if set.
    pub alert: Option<Spanned<String>>,
    /// `expr:`, if set.
    pub expr: Option<Expr>,
    /// `for:` duration text, if set.
    pub for_: Option<Spanned<String>>,
    /// `keep_firing_for:` duration text, if set.
    pub keep_firing_for: Option<Spanned<String>>,
    /// `labels:` in file order.
    pub labels: Vec<KeyValue>,
    /// `annotations:` in file order.
    pub annotations: Vec<KeyValue>,
    /// Position of the `labels` key, if present.
    pub labels_pos: Option<Position>,
    /// Position of the `annotations` key, if present.
    pub annotations_pos: Option<Position>,
    /// Lint codes disabled for this rule by `# rules disable CODE` comments.
    pub disabled: Vec<String>,
}

impl Rule {
    /// The rule's name: the record name, else the alert name, else `""`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.record
            .as_ref()
            .or(self.alert.as_ref())
            .map_or("", |s| s.value.as_str())
    }

    /// Whether this is an alerting rule (has `alert` and no `record`).
    #[must_use]
    pub fn is_alert(&self) -> bool {
        self.alert.is_some() && self.record.is_none()
    }

    /// The value of label `name`, if set.
    #[must_use]
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|kv| kv.key.value == name)
            .map(|kv| kv.value.value.as_str())
    }

    /// Whether the annotation `name` is set.
    #[must_use]
    pub fn annotation(&self, name: &str) -> Option<&str> {
        self.annotations
            .iter()
            .find(|kv| kv.key.value == name)
            .map(|kv| kv.value.value.as_str())
    }
}

/// A rule group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Position of the group's mapping.
    pub pos: Position,
    /// `name:`.
    pub name: Spanned<String>,
    /// `interval:` duration text, if set.
    pub interval: Option<Spanned<String>>,
    /// `query_offset:` duration text, if set (Prometheus 3).
    pub query_offset: Option<Spanned<String>>,
    /// `limit:`, if set.
    pub limit: Option<Spanned<i64>>,
    /// Group `labels:` (Prometheus 3).
    pub labels: Vec<KeyValue>,
    /// Thanos `partial_response_strategy:`, if set.
    pub partial_response_strategy: Option<Spanned<String>>,
    /// Mimir `remote_write:` URLs.
    pub remote_write: Vec<Spanned<String>>,
    /// Cortex/Mimir `source_tenants:`.
    pub source_tenants: Vec<Spanned<String>>,
    /// The rules in file order.
    pub rules: Vec<Rule>,
}

/// One YAML document holding rule groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// 0-based index of the document in the YAML stream.
    pub index: usize,
    /// Plain rule file or PrometheusRule resource.
    pub source: Source,
    /// Mimir's top-level `namespace:`, if set.
    pub namespace: Option<Spanned<String>>,
    /// The groups in file order.
    pub groups: Vec<Group>,
}

/// A parsed file: every document that holds rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleFile {
    /// The file name as given by the caller.
    pub path: String,
    /// Documents holding rules, in stream order (documents of other kinds are skipped).
    pub documents: Vec<Document>,
    /// Lint codes disabled for the whole file by `# rules file/disable CODE` comments.
    pub disabled: Vec<String>,
}

impl RuleFile {
    /// All groups of all documents.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.documents.iter().flat_map(|d| d.groups.iter())
    }

    /// All rules of all groups, with their group.
    pub fn rules(&self) -> impl Iterator<Item = (&Group, &Rule)> {
        self.groups()
            .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
    }
}
