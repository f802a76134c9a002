//! Prometheus server configuration (`prometheus.yml`): a typed model, strict parsing with
//! positions and the checks `promtool check config` (Prometheus 2.42) makes.
//!
//! [`load_prometheus_config`] reads the file into a [`PrometheusConfig`] with the defaults
//! Prometheus documents (scrape interval 1m, scrape timeout 10s, evaluation interval 1m,
//! `/metrics`, `http`, the remote-write queue defaults...) and reports structural problems;
//! [`check_prometheus_config`] adds the cross-field checks; [`check_prometheus_files`] checks
//! the files the config names, as promtool does; [`check_prometheus_path`] does all three
//! for a file on disk. Every finding carries file, line and column.
//!
//! | code | finding |
//! |---|---|
//! | `prometheus/unknown-field` | a field Prometheus 2.42 does not know, with the closest name |
//! | `prometheus/wrong-type` | a value of the wrong shape |
//! | `prometheus/invalid-duration` | not a Prometheus duration (`30s`, `1h30m`, `1d`, units y w d h m s ms in that order) |
//! | `prometheus/invalid-label-name` | a label name outside `[a-zA-Z_][a-zA-Z0-9_]*` |
//! | `prometheus/invalid-regex` | a relabel `regex` Go's RE2 parser rejects (see [`check_go_regex`]) |
//! | `prometheus/invalid-relabel` | an unknown relabel action or fields the action forbids or needs |
//! | `prometheus/invalid-url` | a URL Go's `net/url` rejects, or a wrong scheme or missing host where one is needed |
//! | `prometheus/invalid-target` | a static target that is not a host (contains `/`) |
//! | `prometheus/invalid-value` | an enumerated value out of range (TLS version, API version, DNS record type, SD role...) |
//! | `prometheus/missing-field` | a required field left out (`job_name`, remote_write `url`, DNS-SD `port`...) |
//! | `prometheus/conflicting-fields` | settings that exclude each other (`password` and `password_file`...) |
//! | `prometheus/null-section` | a null list item where a section is expected (promtool fails or crashes on it) |
//! | `prometheus/timeout-exceeds-interval` | a scrape timeout greater than the scrape interval |
//! | `prometheus/duplicate-job-name` | two scrape configs (or remote writes) with the same name |
//! | `prometheus/invalid-rule-file-path` | a rule_files pattern with `*` outside the last path element |
//! | `prometheus/reserved-header` | a remote_write header Prometheus sets itself |
//! | `prometheus/missing-file` | a rule file, bearer token, credentials or client certificate file that does not exist |
//! | `prometheus/invalid-sd-file` | a file-SD target file that does not parse or has a null group (located in that file) |
//! | `prometheus/unchecked-sd` (info) | a service discovery other than static, file, kubernetes, dns and http: kept, not checked |
//! | `yaml/duplicate-key` | a key written twice (go-yaml rejects it too) |
//!
//! # Where we differ from promtool
//!
//! - Kubernetes service discovery (`kubernetes_sd_configs`) is typed and checked as upstream
//!   Prometheus 2.42 does (role, selectors per role, `api_server`/`kubeconfig_file`); Debian's
//!   promtool is built without it and rejects the field.
//! - Rule files: an explicit rule file that does not exist is an error, as in promtool; the
//!   content of rule files is not parsed here (that is the `rules` crate's domain), so a
//!   rule file with a bad expression passes this check but fails promtool's.
//! - Other service discoveries (`ec2_sd_configs`, `consul_sd_configs`...) are accepted as
//!   opaque mappings with an info finding; `storage`, `tracing` and `remote_read` are
//!   accepted without field checks.
//! - Where promtool stops at the first error, we report all of them.
//! - Label selectors of Kubernetes SD are not parsed.
//!
//! ```
//! use manifest_model::prometheus_config::{check_prometheus_config, load_prometheus_config};
//! let src = "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: web\n    scrape_timout: 5s\n    static_configs:\n      - targets: ['web:8080']\n";
//! let (config, found) = load_prometheus_config(src, "prometheus.yml".as_ref())?;
//! assert_eq!(config.scrape_configs[0].scrape_interval_ms, 15_000);
//! assert_eq!(found[0].to_string(),
//!     "prometheus.yml:5:5: error[prometheus/unknown-field]: unknown field `scrape_timout` in scrape config `web`; did you mean `scrape_timeout`?");
//! assert!(check_prometheus_config(&config).is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod common;
mod goregex;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub(crate) use common::{
    Ctx, go_url_error, is_label_name, parse_http_client, parse_tls as parse_tls_pub, scalar_text,
    url_host,
};
pub use common::{HttpClientConfig, TlsConfig};
pub use goregex::check_go_regex;

use common::HTTP_CLIENT_FIELDS;

use crate::Error;
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::{self, Entry, FieldPath, Node, NodeValue, Span};

/// Parse a Prometheus duration (`1y2w3d4h5m6s7ms`, units in this order, each at most once, or
/// `0`) into milliseconds.
///
/// # Errors
///
/// The reason, in promtool's words (`not a valid duration string: "1h1d"`).
///
/// ```
/// use manifest_model::prometheus_config::parse_duration;
/// assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
/// assert!(parse_duration("90 s").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<u64, String> {
    common::parse_duration_ms(s)
}

/// A parsed `prometheus.yml`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusConfig {
    /// The file it was read from.
    pub file: PathBuf,
    /// `global`, with defaults.
    pub global: GlobalConfig,
    /// `rule_files` (paths or globs, relative to the config file).
    pub rule_files: Vec<String>,
    /// `scrape_configs`.
    pub scrape_configs: Vec<ScrapeConfig>,
    /// `alerting`.
    pub alerting: AlertingConfig,
    /// `remote_write`.
    pub remote_write: Vec<RemoteWriteConfig>,
    /// The document with positions.
    pub node: Node,
}

/// `global`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalConfig {
    /// `scrape_interval` in milliseconds (default 1m).
    pub scrape_interval_ms: u64,
    /// `scrape_timeout` in milliseconds (default 10s, or the interval if that is shorter).
    pub scrape_timeout_ms: u64,
    /// `evaluation_interval` in milliseconds (default 1m).
    pub evaluation_interval_ms: u64,
    /// `external_labels`.
    pub external_labels: BTreeMap<String, String>,
    /// `query_log_file`.
    pub query_log_file: Option<String>,
}

impl Default for GlobalConfig {
    fn default() -> GlobalConfig {
        GlobalConfig {
            scrape_interval_ms: 60_000,
            scrape_timeout_ms: 10_000,
            evaluation_interval_ms: 60_000,
            external_labels: BTreeMap::new(),
            query_log_file: None,
        }
    }
}

/// One `scrape_configs` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeConfig {
    /// `job_name`.
    pub job_name: String,
    /// `honor_labels` (default false).
    pub honor_labels: bool,
    /// `honor_timestamps` (default true).
    pub honor_timestamps: bool,
    /// `params`.
    pub params: BTreeMap<String, Vec<String>>,
    /// `scrape_interval` in milliseconds (default: the global one).
    pub scrape_interval_ms: u64,
    /// `scrape_timeout` in milliseconds (default: the global one, capped at the interval).
    pub scrape_timeout_ms: u64,
    /// `metrics_path` (default `/metrics`).
    pub metrics_path: String,
    /// `scheme` (default `http`).
    pub scheme: String,
    /// `sample_limit` (0: none).
    pub sample_limit: u64,
    /// `target_limit` (0: none).
    pub target_limit: u64,
    /// `body_size_limit` as written (`10MB`).
    pub body_size_limit: Option<String>,
    /// Authentication, TLS and proxy settings.
    pub http: HttpClientConfig,
    /// `relabel_configs`.
    pub relabel_configs: Vec<RelabelConfig>,
    /// `metric_relabel_configs`.
    pub metric_relabel_configs: Vec<RelabelConfig>,
    /// All `*_sd_configs` and `static_configs` entries, in file order.
    pub service_discovery: Vec<ServiceDiscovery>,
    /// Path of the entry in the document (`scrape_configs[i]`).
    pub path: FieldPath,
}

/// One service discovery entry.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ServiceDiscovery {
    /// `static_configs`.
    Static(StaticConfig),
    /// `file_sd_configs`.
    File(FileSdConfig),
    /// `kubernetes_sd_configs`.
    Kubernetes(KubernetesSdConfig),
    /// `dns_sd_configs`.
    Dns(DnsSdConfig),
    /// `http_sd_configs`.
    Http(HttpSdConfig),
    /// Another mechanism, kept as written (`ec2`, `consul`...).
    Other {
        /// The mechanism (`ec2` for `ec2_sd_configs`).
        mechanism: String,
        /// The entry as JSON.
        config: serde_json::Value,
    },
}

/// A `static_configs` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaticConfig {
    /// `targets` (`host:port`).
    pub targets: Vec<String>,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
}

/// A `file_sd_configs` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSdConfig {
    /// `files` (paths or globs ending in `.json`, `.yml` or `.yaml`).
    pub files: Vec<String>,
    /// `refresh_interval` in milliseconds (default 5m).
    pub refresh_interval_ms: u64,
}

/// Kubernetes SD roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KubernetesRole {
    /// `endpoints`.
    Endpoints,
    /// `endpointslice`.
    EndpointSlice,
    /// `service`.
    Service,
    /// `pod`.
    Pod,
    /// `node`.
    Node,
    /// `ingress`.
    Ingress,
}

impl KubernetesRole {
    /// Parse a role name as written in the config.
    #[must_use]
    pub fn parse(s: &str) -> Option<KubernetesRole> {
        Some(match s {
            "endpoints" => KubernetesRole::Endpoints,
            "endpointslice" => KubernetesRole::EndpointSlice,
            "service" => KubernetesRole::Service,
            "pod" => KubernetesRole::Pod,
            "node" => KubernetesRole::Node,
            "ingress" => KubernetesRole::Ingress,
            _ => return None,
        })
    }

    /// The name as written in the config.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            KubernetesRole::Endpoints => "endpoints",
            KubernetesRole::EndpointSlice => "endpointslice",
            KubernetesRole::Service => "service",
            KubernetesRole::Pod => "pod",
            KubernetesRole::Node => "node",
            KubernetesRole::Ingress => "ingress",
        }
    }

    /// The selector roles allowed with this role.
    fn selector_roles(self) -> &'static [&'static str] {
        match self {
            KubernetesRole::Endpoints => &["pod", "service", "endpoints"],
            KubernetesRole::EndpointSlice => &["pod", "service", "endpointslice"],
            KubernetesRole::Service => &["service"],
            KubernetesRole::Pod => &["pod"],
            KubernetesRole::Node => &["node"],
            KubernetesRole::Ingress => &["ingress"],
        }
    }
}

/// A `kubernetes_sd_configs` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubernetesSdConfig {
    /// `role` (`None` if missing or unknown; reported).
    pub role: Option<KubernetesRole>,
    /// `api_server` (default: in-cluster).
    pub api_server: Option<String>,
    /// `kubeconfig_file`.
    pub kubeconfig_file: Option<String>,
    /// `namespaces.names` (empty: all namespaces).
    pub namespaces: Vec<String>,
    /// `namespaces.own_namespace`.
    pub own_namespace: bool,
    /// `selectors` as `(role, label, field)`.
    pub selectors: Vec<(String, Option<String>, Option<String>)>,
    /// `attach_metadata.node`.
    pub attach_node_metadata: bool,
    /// Authentication and TLS towards the API server.
    pub http: HttpClientConfig,
}

/// A `dns_sd_configs` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsSdConfig {
    /// `names`.
    pub names: Vec<String>,
    /// `type` (default `SRV`; `A`, `AAAA`, `MX`).
    pub record_type: String,
    /// `port` (required unless SRV).
    pub port: Option<u64>,
    /// `refresh_interval` in milliseconds (default 30s).
    pub refresh_interval_ms: u64,
}

/// An `http_sd_configs` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSdConfig {
    /// `url`.
    pub url: String,
    /// `refresh_interval` in milliseconds (default 1m).
    pub refresh_interval_ms: u64,
    /// Authentication and TLS.
    pub http: HttpClientConfig,
}

/// Relabel actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelabelAction {
    /// `replace` (the default).
    Replace,
    /// `keep`.
    Keep,
    /// `drop`.
    Drop,
    /// `keepequal`.
    KeepEqual,
    /// `dropequal`.
    DropEqual,
    /// `hashmod`.
    HashMod,
    /// `labelmap`.
    LabelMap,
    /// `labeldrop`.
    LabelDrop,
    /// `labelkeep`.
    LabelKeep,
    /// `lowercase`.
    Lowercase,
    /// `uppercase`.
    Uppercase,
}

impl RelabelAction {
    /// Parse an action name (case-insensitive, as Prometheus does).
    #[must_use]
    pub fn parse(s: &str) -> Option<RelabelAction> {
        Some(match s.to_ascii_lowercase().as_str() {
            "replace" => RelabelAction::Replace,
            "keep" => RelabelAction::Keep,
            "drop" => RelabelAction::Drop,
            "keepequal" => RelabelAction::KeepEqual,
            "dropequal" => RelabelAction::DropEqual,
            "hashmod" => RelabelAction::HashMod,
            "labelmap" => RelabelAction::LabelMap,
            "labeldrop" => RelabelAction::LabelDrop,
            "labelkeep" => RelabelAction::LabelKeep,
            "lowercase" => RelabelAction::Lowercase,
            "uppercase" => RelabelAction::Uppercase,
            _ => return None,
        })
    }

    /// The name as written in the config.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RelabelAction::Replace => "replace",
            RelabelAction::Keep => "keep",
            RelabelAction::Drop => "drop",
            RelabelAction::KeepEqual => "keepequal",
            RelabelAction::DropEqual => "dropequal",
            RelabelAction::HashMod => "hashmod",
            RelabelAction::LabelMap => "labelmap",
            RelabelAction::LabelDrop => "labeldrop",
            RelabelAction::LabelKeep => "labelkeep",
            RelabelAction::Lowercase => "lowercase",
            RelabelAction::Uppercase => "uppercase",
        }
    }
}

/// A relabel rule, with Prometheus' defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelabelConfig {
    /// `source_labels`.
    pub source_labels: Vec<String>,
    /// `separator` (default `;`).
    pub separator: String,
    /// `regex` (default `(.*)`), anchored at both ends when applied.
    pub regex: String,
    /// `modulus`.
    pub modulus: u64,
    /// `target_label`.
    pub target_label: String,
    /// `replacement` (default `$1`).
    pub replacement: String,
    /// `action` (default `replace`; `None` if unknown, reported).
    pub action: Option<RelabelAction>,
    /// Path of the rule in the document.
    pub path: FieldPath,
}

/// `alerting`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertingConfig {
    /// `alert_relabel_configs`.
    pub alert_relabel_configs: Vec<RelabelConfig>,
    /// `alertmanagers`.
    pub alertmanagers: Vec<AlertmanagerEndpoints>,
}

/// One `alerting.alertmanagers` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertmanagerEndpoints {
    /// `scheme` (default `http`).
    pub scheme: String,
    /// `path_prefix` (default `/`).
    pub path_prefix: String,
    /// `timeout` in milliseconds (default 10s).
    pub timeout_ms: u64,
    /// `api_version` (default `v2`).
    pub api_version: String,
    /// Authentication and TLS.
    pub http: HttpClientConfig,
    /// `relabel_configs`.
    pub relabel_configs: Vec<RelabelConfig>,
    /// Static and discovered Alertmanagers.
    pub service_discovery: Vec<ServiceDiscovery>,
}

/// `remote_write[].queue_config`, with the defaults of Prometheus 2.42.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// `capacity` (default 2500).
    pub capacity: i64,
    /// `max_shards` (default 200).
    pub max_shards: i64,
    /// `min_shards` (default 1).
    pub min_shards: i64,
    /// `max_samples_per_send` (default 500).
    pub max_samples_per_send: i64,
    /// `batch_send_deadline` in milliseconds (default 5s).
    pub batch_send_deadline_ms: u64,
    /// `min_backoff` in milliseconds (default 30ms).
    pub min_backoff_ms: u64,
    /// `max_backoff` in milliseconds (default 5s).
    pub max_backoff_ms: u64,
    /// `retry_on_http_429` (default false).
    pub retry_on_http_429: bool,
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            capacity: 2500,
            max_shards: 200,
            min_shards: 1,
            max_samples_per_send: 500,
            batch_send_deadline_ms: 5000,
            min_backoff_ms: 30,
            max_backoff_ms: 5000,
            retry_on_http_429: false,
        }
    }
}

/// A `remote_write` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteWriteConfig {
    /// `url`.
    pub url: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `remote_timeout` in milliseconds (default 30s).
    pub remote_timeout_ms: u64,
    /// `headers`.
    pub headers: BTreeMap<String, String>,
    /// `write_relabel_configs`.
    pub write_relabel_configs: Vec<RelabelConfig>,
    /// `queue_config`.
    pub queue_config: QueueConfig,
    /// Whether `sigv4` is set.
    pub sigv4: bool,
    /// Authentication and TLS.
    pub http: HttpClientConfig,
    /// Path of the entry in the document.
    pub path: FieldPath,
}

const TOP_LEVEL: &[&str] = &[
    "global",
    "alerting",
    "rule_files",
    "scrape_configs",
    "storage",
    "tracing",
    "remote_write",
    "remote_read",
];

const GLOBAL_FIELDS: &[&str] = &[
    "scrape_interval",
    "scrape_timeout",
    "evaluation_interval",
    "external_labels",
    "query_log_file",
];

const SCRAPE_FIELDS: &[&str] = &[
    "job_name",
    "honor_labels",
    "honor_timestamps",
    "params",
    "scrape_interval",
    "scrape_timeout",
    "metrics_path",
    "scheme",
    "body_size_limit",
    "sample_limit",
    "target_limit",
    "label_limit",
    "label_name_length_limit",
    "label_value_length_limit",
    "relabel_configs",
    "metric_relabel_configs",
];

/// Service discoveries known to Prometheus 2.42 (the key is `<name>_sd_configs`), beside
/// `static_configs`.
const SD_MECHANISMS: &[&str] = &[
    "azure",
    "consul",
    "digitalocean",
    "docker",
    "dockerswarm",
    "dns",
    "ec2",
    "eureka",
    "file",
    "gce",
    "hetzner",
    "http",
    "ionos",
    "kubernetes",
    "kuma",
    "lightsail",
    "linode",
    "marathon",
    "nerve",
    "nomad",
    "openstack",
    "ovhcloud",
    "puppetdb",
    "scaleway",
    "serverset",
    "triton",
    "uyuni",
    "vultr",
];

const RELABEL_FIELDS: &[&str] = &[
    "source_labels",
    "separator",
    "regex",
    "modulus",
    "target_label",
    "replacement",
    "action",
];

const ALERTMANAGER_FIELDS: &[&str] = &[
    "scheme",
    "path_prefix",
    "timeout",
    "api_version",
    "relabel_configs",
];

const REMOTE_WRITE_FIELDS: &[&str] = &[
    "url",
    "name",
    "remote_timeout",
    "headers",
    "write_relabel_configs",
    "send_exemplars",
    "send_native_histograms",
    "queue_config",
    "metadata_config",
    "sigv4",
];

const QUEUE_FIELDS: &[&str] = &[
    "capacity",
    "max_shards",
    "min_shards",
    "max_samples_per_send",
    "batch_send_deadline",
    "min_backoff",
    "max_backoff",
    "retry_on_http_429",
];

const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

fn all_fields(specific: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = specific.to_vec();
    v.extend_from_slice(extra);
    v
}

fn sd_keys() -> Vec<String> {
    let mut v: Vec<String> = SD_MECHANISMS
        .iter()
        .map(|m| format!("{m}_sd_configs"))
        .collect();
    v.push("static_configs".to_owned());
    v
}

/// Parse a relabel rule list.
fn parse_relabels(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Vec<RelabelConfig> {
    let mut out = Vec::new();
    for (i, item) in ctx.seq(node, path).iter().enumerate() {
        let p = path.index(i);
        if item.is_null() {
            ctx.error(
                "null-section",
                item.span,
                &p,
                "empty or null relabeling rule".to_owned(),
            );
            continue;
        }
        if let Some(r) = parse_relabel(ctx, item, &p) {
            out.push(r);
        }
    }
    out
}

fn parse_relabel(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Option<RelabelConfig> {
    let entries = ctx.map(node, path, RELABEL_FIELDS, "relabel config")?;
    let mut r = RelabelConfig {
        source_labels: Vec::new(),
        separator: ";".to_owned(),
        regex: "(.*)".to_owned(),
        modulus: 0,
        target_label: String::new(),
        replacement: "$1".to_owned(),
        action: Some(RelabelAction::Replace),
        path: path.clone(),
    };
    let mut set: BTreeSet<&str> = BTreeSet::new();
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        if !v.is_null() {
            set.insert(e.key.as_str());
        }
        match e.key.as_str() {
            "source_labels" => {
                r.source_labels = ctx.strings(v, &p);
                for (i, l) in r.source_labels.iter().enumerate() {
                    if !is_label_name(l) {
                        let span = v.as_seq().and_then(|s| s.get(i)).map_or(v.span, |n| n.span);
                        ctx.error(
                            "invalid-label-name",
                            span,
                            &p.index(i),
                            format!("{l:?} is not a valid label name"),
                        );
                    }
                }
            }
            "separator" => r.separator = ctx.string(v, &p).unwrap_or_else(|| ";".to_owned()),
            "regex" => {
                if let Some(re) = ctx.string(v, &p) {
                    if let Err(why) = check_go_regex(&format!("^(?:{re})$")) {
                        ctx.error(
                            "invalid-regex",
                            v.span,
                            &p,
                            format!("error parsing regexp {re:?}: {why}"),
                        );
                    }
                    r.regex = re;
                }
            }
            "modulus" => r.modulus = ctx.uint(v, &p).unwrap_or(0),
            "target_label" => r.target_label = ctx.string(v, &p).unwrap_or_default(),
            "replacement" => r.replacement = ctx.string(v, &p).unwrap_or_else(|| "$1".to_owned()),
            "action" => {
                if let Some(a) = ctx.string(v, &p) {
                    r.action = RelabelAction::parse(&a);
                    if r.action.is_none() {
                        ctx.error(
                            "invalid-relabel",
                            v.span,
                            &p,
                            format!("unknown relabel action {a:?} (one of replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase)"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    check_relabel(ctx, &r, node, &set);
    Some(r)
}

/// Is `s` a valid relabel target (label name with `$1`/`${name}` references)?
fn is_relabel_target(s: &str) -> bool {
    // `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`: a sequence of letters/underscore or
    // references, each followed by word characters.
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c.is_ascii_alphabetic() || c == b'_' {
            i += 1;
        } else if c == b'$' {
            if b.get(i + 1) == Some(&b'{') {
                let start = i + 2;
                let mut j = start;
                while b.get(j).is_some_and(|&c| word(c)) {
                    j += 1;
                }
                if j == start || b.get(j) != Some(&b'}') {
                    return false;
                }
                i = j + 1;
            } else {
                let start = i + 1;
                let mut j = start;
                while b.get(j).is_some_and(|&c| word(c)) {
                    j += 1;
                }
                if j == start {
                    return false;
                }
                i = j;
            }
        } else {
            return false;
        }
        while b.get(i).is_some_and(|&c| word(c)) {
            i += 1;
        }
    }
    true
}

fn check_relabel(ctx: &mut Ctx<'_>, r: &RelabelConfig, node: &Node, set: &BTreeSet<&str>) {
    let Some(action) = r.action else {
        return;
    };
    let name = action.as_str();
    let at = |key: &str| node.get(key).map_or(node.span, |n| n.span);
    let problem = |ctx: &mut Ctx<'_>, key: &str, msg: String| {
        let p = if key.is_empty() {
            r.path.clone()
        } else {
            r.path.key(key)
        };
        ctx.error("invalid-relabel", at(key), &p, msg);
    };
    use RelabelAction as A;
    if action == A::HashMod && r.modulus == 0 {
        problem(
            ctx,
            "modulus",
            "relabel configuration for hashmod requires non-zero modulus".to_owned(),
        );
    }
    let needs_target = matches!(
        action,
        A::Replace | A::HashMod | A::Lowercase | A::Uppercase | A::KeepEqual | A::DropEqual
    );
    if needs_target && r.target_label.is_empty() {
        problem(
            ctx,
            "",
            format!("relabel configuration for {name} action requires 'target_label' value"),
        );
    } else if (matches!(action, A::Replace | A::Lowercase | A::Uppercase)
        && !is_relabel_target(&r.target_label))
        || (matches!(action, A::HashMod | A::KeepEqual | A::DropEqual)
            && !is_label_name(&r.target_label))
    {
        problem(
            ctx,
            "target_label",
            format!(
                "{:?} is invalid 'target_label' for {name} action",
                r.target_label
            ),
        );
    }
    if matches!(action, A::Lowercase | A::Uppercase) && r.replacement != "$1" {
        problem(
            ctx,
            "replacement",
            format!("'replacement' can not be set for {name} action"),
        );
    }
    if action == A::LabelMap && !is_relabel_target(&r.replacement) {
        problem(
            ctx,
            "replacement",
            format!(
                "{:?} is invalid 'replacement' for {name} action",
                r.replacement
            ),
        );
    }
    if matches!(action, A::KeepEqual | A::DropEqual)
        && (r.regex != "(.*)" || r.modulus != 0 || r.separator != ";" || r.replacement != "$1")
    {
        problem(
            ctx,
            "",
            format!(
                "{name} action requires only 'source_labels' and `target_label`, and no other fields"
            ),
        );
    }
    if matches!(action, A::LabelDrop | A::LabelKeep)
        && (set.contains("source_labels")
            || !r.target_label.is_empty()
            || r.modulus != 0
            || r.separator != ";"
            || r.replacement != "$1")
    {
        problem(
            ctx,
            "",
            format!("{name} action requires only 'regex', and no other fields"),
        );
    }
}

/// Parse the service discovery keys of a scrape config or alertmanager entry.
fn parse_sd(ctx: &mut Ctx<'_>, e: &Entry, path: &FieldPath, out: &mut Vec<ServiceDiscovery>) {
    let p = path.key(&e.key);
    let mechanism = e.key.strip_suffix("_sd_configs").unwrap_or("static");
    for (i, item) in ctx.seq(&e.value, &p).iter().enumerate() {
        let ip = p.index(i);
        if item.is_null() {
            ctx.error(
                "null-section",
                item.span,
                &ip,
                format!("empty or null section in {}", e.key),
            );
            continue;
        }
        let sd = match mechanism {
            "static" => parse_static(ctx, item, &ip).map(ServiceDiscovery::Static),
            "file" => parse_file_sd(ctx, item, &ip).map(ServiceDiscovery::File),
            "kubernetes" => parse_kubernetes_sd(ctx, item, &ip).map(ServiceDiscovery::Kubernetes),
            "dns" => parse_dns_sd(ctx, item, &ip).map(ServiceDiscovery::Dns),
            "http" => parse_http_sd(ctx, item, &ip).map(ServiceDiscovery::Http),
            other => {
                ctx.push(
                    Severity::Info,
                    "unchecked-sd",
                    item.span,
                    &ip,
                    format!("{other} service discovery is accepted without checking its fields"),
                );
                Some(ServiceDiscovery::Other {
                    mechanism: other.to_owned(),
                    config: item.to_json(),
                })
            }
        };
        out.extend(sd);
    }
}

fn parse_static(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Option<StaticConfig> {
    let entries = ctx.map(node, path, &["targets", "labels"], "static config")?;
    let mut s = StaticConfig::default();
    for e in entries {
        let p = path.key(&e.key);
        match e.key.as_str() {
            "targets" => {
                s.targets = ctx.strings(&e.value, &p);
                for (i, t) in s.targets.iter().enumerate() {
                    if t.contains('/') {
                        let span = e
                            .value
                            .as_seq()
                            .and_then(|v| v.get(i))
                            .map_or(e.value.span, |n| n.span);
                        ctx.error(
                            "invalid-target",
                            span,
                            &p.index(i),
                            format!("{t:?} is not a valid hostname (write host:port; the scheme and path belong in `scheme` and `metrics_path`)"),
                        );
                    }
                }
            }
            "labels" => s.labels = ctx.label_map(&e.value, &p),
            _ => {}
        }
    }
    Some(s)
}

fn file_sd_path_ok(f: &str) -> bool {
    let lower_ok = [".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML"]
        .iter()
        .any(|ext| f.ends_with(ext));
    // `^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$`
    let star_ok = match f.find('*') {
        None => true,
        Some(i) => !f.get(i + 1..).unwrap_or("").contains(['*', '/']),
    };
    lower_ok && star_ok
}

fn parse_file_sd(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Option<FileSdConfig> {
    let entries = ctx.map(node, path, &["files", "refresh_interval"], "file_sd config")?;
    let mut f = FileSdConfig {
        files: Vec::new(),
        refresh_interval_ms: 300_000,
    };
    for e in entries {
        let p = path.key(&e.key);
        match e.key.as_str() {
            "files" => {
                f.files = ctx.strings(&e.value, &p);
                for (i, name) in f.files.iter().enumerate() {
                    if !file_sd_path_ok(name) {
                        let span = e
                            .value
                            .as_seq()
                            .and_then(|v| v.get(i))
                            .map_or(e.value.span, |n| n.span);
                        ctx.error(
                            "invalid-value",
                            span,
                            &p.index(i),
                            format!("path name {name:?} is not valid for file discovery (it must end in .json, .yml or .yaml, with `*` only in the last element)"),
                        );
                    }
                }
            }
            "refresh_interval" => {
                f.refresh_interval_ms = ctx.duration(&e.value, &p).unwrap_or(300_000)
            }
            _ => {}
        }
    }
    if f.files.is_empty() {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "file service discovery config must contain at least one path name".to_owned(),
        );
    }
    Some(f)
}

fn parse_kubernetes_sd(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &FieldPath,
) -> Option<KubernetesSdConfig> {
    let allowed = all_fields(
        &[
            "api_server",
            "role",
            "kubeconfig_file",
            "namespaces",
            "selectors",
            "attach_metadata",
        ],
        HTTP_CLIENT_FIELDS,
    );
    let entries = ctx.map(node, path, &allowed, "kubernetes_sd config")?;
    let http_entries: Vec<Entry> = entries
        .iter()
        .filter(|e| HTTP_CLIENT_FIELDS.contains(&e.key.as_str()))
        .cloned()
        .collect();
    let http = parse_http_client(ctx, &http_entries, path, node.span);
    let mut k = KubernetesSdConfig {
        role: None,
        api_server: None,
        kubeconfig_file: None,
        namespaces: Vec::new(),
        own_namespace: false,
        selectors: Vec::new(),
        attach_node_metadata: false,
        http,
    };
    let mut role_seen = false;
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "role" => {
                if let Some(r) = ctx.string(v, &p).filter(|r| !r.is_empty()) {
                    role_seen = true;
                    k.role = KubernetesRole::parse(&r);
                    if k.role.is_none() {
                        ctx.error("invalid-value", v.span, &p, format!("unknown Kubernetes SD role {r:?} (one of pod, service, endpoints, endpointslice, node, ingress)"));
                    }
                }
            }
            "api_server" => {
                common::check_url_field(ctx, v, &p);
                k.api_server = ctx.string(v, &p).filter(|s| !s.is_empty());
            }
            "kubeconfig_file" => k.kubeconfig_file = ctx.string(v, &p).filter(|s| !s.is_empty()),
            "namespaces" => {
                if let Some(m) = ctx.map(v, &p, &["own_namespace", "names"], "namespaces") {
                    for f in m {
                        let fp = p.key(&f.key);
                        match f.key.as_str() {
                            "own_namespace" => {
                                k.own_namespace = ctx.boolean(&f.value, &fp).unwrap_or(false)
                            }
                            "names" => k.namespaces = ctx.strings(&f.value, &fp),
                            _ => {}
                        }
                    }
                }
            }
            "attach_metadata" => {
                if let Some(m) = ctx.map(v, &p, &["node"], "attach_metadata") {
                    for f in m {
                        k.attach_node_metadata =
                            ctx.boolean(&f.value, &p.key(&f.key)).unwrap_or(false);
                    }
                }
            }
            "selectors" => {
                for (i, s) in ctx.seq(v, &p).iter().enumerate() {
                    let sp = p.index(i);
                    let Some(m) = ctx.map(s, &sp, &["role", "label", "field"], "selector") else {
                        continue;
                    };
                    let mut sel = (String::new(), None, None);
                    for f in m {
                        let fp = sp.key(&f.key);
                        match f.key.as_str() {
                            "role" => sel.0 = ctx.string(&f.value, &fp).unwrap_or_default(),
                            "label" => sel.1 = ctx.string(&f.value, &fp),
                            "field" => sel.2 = ctx.string(&f.value, &fp),
                            _ => {}
                        }
                    }
                    k.selectors.push(sel);
                }
            }
            _ => {}
        }
    }
    if !role_seen {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "role missing (one of: pod, service, endpoints, endpointslice, node, ingress)"
                .to_owned(),
        );
    }
    let custom_http = k.http.basic_auth
        || k.http.authorization_type.is_some()
        || k.http.oauth2
        || k.http.bearer_token
        || k.http.bearer_token_file.is_some()
        || k.http.tls_config != TlsConfig::default()
        || k.http.proxy_url.is_some();
    if k.api_server.is_some() && k.kubeconfig_file.is_some() {
        ctx.error(
            "conflicting-fields",
            node.span,
            path,
            "cannot use 'kubeconfig_file' and 'api_server' simultaneously".to_owned(),
        );
    }
    if k.kubeconfig_file.is_some() && custom_http {
        ctx.error(
            "conflicting-fields",
            node.span,
            path,
            "cannot use a custom HTTP client configuration together with 'kubeconfig_file'"
                .to_owned(),
        );
    }
    if k.api_server.is_none() && k.kubeconfig_file.is_none() && custom_http {
        ctx.error("missing-field", node.span, path, "to use custom HTTP client configuration please provide the 'api_server' URL explicitly".to_owned());
    }
    if let Some(role) = k.role {
        let allowed = role.selector_roles();
        let mut seen = BTreeSet::new();
        for (i, (sel_role, _, _)) in k.selectors.iter().enumerate() {
            let sp = path.key("selectors").index(i);
            let span = node
                .locate(&FieldPath::root().key("selectors").index(i).key("role"))
                .span;
            if KubernetesRole::parse(sel_role).is_none() {
                ctx.error(
                    "invalid-value",
                    span,
                    &sp,
                    format!("unknown Kubernetes SD role {sel_role:?} in selectors"),
                );
            } else if !allowed.contains(&sel_role.as_str()) {
                ctx.error(
                    "invalid-value",
                    span,
                    &sp,
                    format!(
                        "{} role supports only {} selectors",
                        role.as_str(),
                        allowed.join(", ")
                    ),
                );
            } else if !seen.insert(sel_role.as_str()) {
                ctx.error(
                    "invalid-value",
                    span,
                    &sp,
                    format!("duplicated selector role: {sel_role}"),
                );
            }
        }
    }
    Some(k)
}

fn parse_dns_sd(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Option<DnsSdConfig> {
    let entries = ctx.map(
        node,
        path,
        &["names", "type", "port", "refresh_interval"],
        "dns_sd config",
    )?;
    let mut d = DnsSdConfig {
        names: Vec::new(),
        record_type: "SRV".to_owned(),
        port: None,
        refresh_interval_ms: 30_000,
    };
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "names" => d.names = ctx.strings(v, &p),
            "type" => {
                if let Some(t) = ctx.string(v, &p).filter(|t| !t.is_empty()) {
                    let upper = t.to_ascii_uppercase();
                    if !matches!(upper.as_str(), "SRV" | "A" | "AAAA" | "MX") {
                        ctx.error(
                            "invalid-value",
                            v.span,
                            &p,
                            format!("invalid DNS-SD records type {t} (one of SRV, A, AAAA, MX)"),
                        );
                    }
                    d.record_type = upper;
                }
            }
            "port" => d.port = ctx.uint(v, &p).filter(|p| *p != 0),
            "refresh_interval" => d.refresh_interval_ms = ctx.duration(v, &p).unwrap_or(30_000),
            _ => {}
        }
    }
    if d.names.is_empty() {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "DNS-SD config must contain at least one SRV record name".to_owned(),
        );
    } else if d.record_type != "SRV" && d.port.is_none() {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "a port is required in DNS-SD configs for all record types except SRV".to_owned(),
        );
    }
    Some(d)
}

fn parse_http_sd(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Option<HttpSdConfig> {
    let allowed = all_fields(&["url", "refresh_interval"], HTTP_CLIENT_FIELDS);
    let entries = ctx.map(node, path, &allowed, "http_sd config")?;
    let http_entries: Vec<Entry> = entries
        .iter()
        .filter(|e| HTTP_CLIENT_FIELDS.contains(&e.key.as_str()))
        .cloned()
        .collect();
    let http = parse_http_client(ctx, &http_entries, path, node.span);
    let mut h = HttpSdConfig {
        url: String::new(),
        refresh_interval_ms: 60_000,
        http,
    };
    for e in entries {
        let p = path.key(&e.key);
        match e.key.as_str() {
            "url" => {
                h.url = ctx.string(&e.value, &p).unwrap_or_default();
                if let Some(why) = go_url_error(&h.url) {
                    ctx.error("invalid-url", e.value.span, &p, why);
                } else if !h.url.is_empty() {
                    let (scheme, _) = common::split_scheme(&h.url);
                    if !matches!(scheme, Some("http" | "https")) {
                        ctx.error(
                            "invalid-url",
                            e.value.span,
                            &p,
                            "URL scheme must be 'http' or 'https'".to_owned(),
                        );
                    } else if url_host(&h.url).is_none() {
                        ctx.error(
                            "invalid-url",
                            e.value.span,
                            &p,
                            "host is missing in URL".to_owned(),
                        );
                    }
                }
            }
            "refresh_interval" => {
                h.refresh_interval_ms = ctx.duration(&e.value, &p).unwrap_or(60_000)
            }
            _ => {}
        }
    }
    if h.url.is_empty() {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "URL is missing".to_owned(),
        );
    }
    Some(h)
}

fn split_http(entries: &[Entry]) -> Vec<Entry> {
    entries
        .iter()
        .filter(|e| HTTP_CLIENT_FIELDS.contains(&e.key.as_str()))
        .cloned()
        .collect()
}

fn parse_global(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> GlobalConfig {
    let mut g = GlobalConfig::default();
    let Some(entries) = ctx.map(node, path, GLOBAL_FIELDS, "global") else {
        return g;
    };
    let mut timeout = None;
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "scrape_interval" => {
                if let Some(ms) = ctx.duration(v, &p).filter(|ms| *ms != 0) {
                    g.scrape_interval_ms = ms;
                }
            }
            "scrape_timeout" => timeout = ctx.duration(v, &p).filter(|ms| *ms != 0),
            "evaluation_interval" => {
                if let Some(ms) = ctx.duration(v, &p).filter(|ms| *ms != 0) {
                    g.evaluation_interval_ms = ms;
                }
            }
            "external_labels" => g.external_labels = ctx.label_map(v, &p),
            "query_log_file" => g.query_log_file = ctx.string(v, &p),
            _ => {}
        }
    }
    match timeout {
        Some(t) => {
            if t > g.scrape_interval_ms {
                let p = path.key("scrape_timeout");
                ctx.error(
                    "timeout-exceeds-interval",
                    node.locate(&FieldPath::root().key("scrape_timeout")).span,
                    &p,
                    "global scrape timeout greater than scrape interval".to_owned(),
                );
            }
            g.scrape_timeout_ms = t;
        }
        None => g.scrape_timeout_ms = g.scrape_interval_ms.min(10_000),
    }
    g
}

fn parse_scrape(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &FieldPath,
    global: &GlobalConfig,
) -> Option<ScrapeConfig> {
    let name = node
        .get("job_name")
        .and_then(scalar_text)
        .unwrap_or_default();
    let sd = sd_keys();
    let mut allowed = all_fields(SCRAPE_FIELDS, HTTP_CLIENT_FIELDS);
    allowed.extend(sd.iter().map(String::as_str));
    let entries = ctx.map(node, path, &allowed, &format!("scrape config `{name}`"))?;
    let http = parse_http_client(ctx, &split_http(entries), path, node.span);
    let mut s = ScrapeConfig {
        job_name: String::new(),
        honor_labels: false,
        honor_timestamps: true,
        params: BTreeMap::new(),
        scrape_interval_ms: global.scrape_interval_ms,
        scrape_timeout_ms: 0,
        metrics_path: "/metrics".to_owned(),
        scheme: "http".to_owned(),
        sample_limit: 0,
        target_limit: 0,
        body_size_limit: None,
        http,
        relabel_configs: Vec::new(),
        metric_relabel_configs: Vec::new(),
        service_discovery: Vec::new(),
        path: path.clone(),
    };
    let mut timeout = None;
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "job_name" => s.job_name = ctx.string(v, &p).unwrap_or_default(),
            "honor_labels" => s.honor_labels = ctx.boolean(v, &p).unwrap_or(false),
            "honor_timestamps" => s.honor_timestamps = ctx.boolean(v, &p).unwrap_or(true),
            "params" => {
                if let Some(m) = v.as_map() {
                    for f in m {
                        let vals = ctx.strings(&f.value, &p.key(&f.key));
                        s.params.insert(f.key.clone(), vals);
                    }
                } else if !v.is_null() {
                    ctx.wrong_type(v, &p, "a mapping of names to lists of values");
                }
            }
            "scrape_interval" => {
                if let Some(ms) = ctx.duration(v, &p).filter(|ms| *ms != 0) {
                    s.scrape_interval_ms = ms;
                }
            }
            "scrape_timeout" => timeout = ctx.duration(v, &p).filter(|ms| *ms != 0),
            "metrics_path" => {
                s.metrics_path = ctx.string(v, &p).unwrap_or_else(|| "/metrics".to_owned())
            }
            "scheme" => s.scheme = ctx.string(v, &p).unwrap_or_else(|| "http".to_owned()),
            "sample_limit" => s.sample_limit = ctx.uint(v, &p).unwrap_or(0),
            "target_limit" => s.target_limit = ctx.uint(v, &p).unwrap_or(0),
            "label_limit" | "label_name_length_limit" | "label_value_length_limit" => {
                ctx.uint(v, &p);
            }
            "body_size_limit" => {
                let text = ctx.string(v, &p);
                if let Some(t) = &text
                    && !is_byte_size(t)
                {
                    ctx.error(
                        "invalid-value",
                        v.span,
                        &p,
                        format!("{t:?} is not a size (write e.g. 10MB or 512KiB)"),
                    );
                }
                s.body_size_limit = text;
            }
            "relabel_configs" => s.relabel_configs = parse_relabels(ctx, v, &p),
            "metric_relabel_configs" => s.metric_relabel_configs = parse_relabels(ctx, v, &p),
            k if k == "static_configs" || k.ends_with("_sd_configs") => {
                parse_sd(ctx, e, path, &mut s.service_discovery);
            }
            _ => {}
        }
    }
    if s.job_name.is_empty() {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "job_name is empty".to_owned(),
        );
    }
    s.scrape_timeout_ms = match timeout {
        Some(t) => t,
        None => global.scrape_timeout_ms.min(s.scrape_interval_ms),
    };
    if s.scrape_timeout_ms > s.scrape_interval_ms {
        let p = path.key("scrape_timeout");
        let span = node.get("scrape_timeout").map_or(node.span, |n| n.span);
        ctx.error(
            "timeout-exceeds-interval",
            span,
            &p,
            format!(
                "scrape timeout greater than scrape interval for scrape config with job name {:?}",
                s.job_name
            ),
        );
    }
    Some(s)
}

/// `alecthomas/units` base-2 byte sizes: digits followed by `B`, `KB`/`KiB`... up to `EB`.
fn is_byte_size(s: &str) -> bool {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits == 0 {
        return s == "0";
    }
    let unit = s.get(digits..).unwrap_or("");
    unit.is_empty()
        || matches!(
            unit,
            "B" | "KB"
                | "MB"
                | "GB"
                | "TB"
                | "PB"
                | "EB"
                | "KiB"
                | "MiB"
                | "GiB"
                | "TiB"
                | "PiB"
                | "EiB"
        )
}

fn parse_alerting(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> AlertingConfig {
    let mut a = AlertingConfig::default();
    let Some(entries) = ctx.map(
        node,
        path,
        &["alert_relabel_configs", "alertmanagers"],
        "alerting",
    ) else {
        return a;
    };
    for e in entries {
        let p = path.key(&e.key);
        match e.key.as_str() {
            "alert_relabel_configs" => a.alert_relabel_configs = parse_relabels(ctx, &e.value, &p),
            "alertmanagers" => {
                for (i, item) in ctx.seq(&e.value, &p).iter().enumerate() {
                    let ip = p.index(i);
                    if item.is_null() {
                        ctx.error(
                            "null-section",
                            item.span,
                            &ip,
                            "empty or null alertmanager config".to_owned(),
                        );
                        continue;
                    }
                    if let Some(am) = parse_alertmanager_endpoints(ctx, item, &ip) {
                        a.alertmanagers.push(am);
                    }
                }
            }
            _ => {}
        }
    }
    a
}

fn parse_alertmanager_endpoints(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &FieldPath,
) -> Option<AlertmanagerEndpoints> {
    let sd = sd_keys();
    let mut allowed = all_fields(ALERTMANAGER_FIELDS, HTTP_CLIENT_FIELDS);
    allowed.extend(sd.iter().map(String::as_str));
    let entries = ctx.map(node, path, &allowed, "alertmanager config")?;
    let http = parse_http_client(ctx, &split_http(entries), path, node.span);
    let mut a = AlertmanagerEndpoints {
        scheme: "http".to_owned(),
        path_prefix: "/".to_owned(),
        timeout_ms: 10_000,
        api_version: "v2".to_owned(),
        http,
        relabel_configs: Vec::new(),
        service_discovery: Vec::new(),
    };
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "scheme" => a.scheme = ctx.string(v, &p).unwrap_or_else(|| "http".to_owned()),
            "path_prefix" => a.path_prefix = ctx.string(v, &p).unwrap_or_else(|| "/".to_owned()),
            "timeout" => a.timeout_ms = ctx.duration(v, &p).unwrap_or(10_000),
            "api_version" => {
                if let Some(api) = ctx.string(v, &p) {
                    if !matches!(api.as_str(), "v1" | "v2") {
                        ctx.error("invalid-value", v.span, &p, format!("expected Alertmanager api version to be one of [v1 v2] but got {api}"));
                    }
                    a.api_version = api;
                }
            }
            "relabel_configs" => a.relabel_configs = parse_relabels(ctx, v, &p),
            k if k == "static_configs" || k.ends_with("_sd_configs") => {
                parse_sd(ctx, e, path, &mut a.service_discovery);
            }
            _ => {}
        }
    }
    Some(a)
}

fn parse_remote_write(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &FieldPath,
) -> Option<RemoteWriteConfig> {
    let allowed = all_fields(REMOTE_WRITE_FIELDS, HTTP_CLIENT_FIELDS);
    let entries = ctx.map(node, path, &allowed, "remote_write config")?;
    let http = parse_http_client(ctx, &split_http(entries), path, node.span);
    let mut r = RemoteWriteConfig {
        url: None,
        name: None,
        remote_timeout_ms: 30_000,
        headers: BTreeMap::new(),
        write_relabel_configs: Vec::new(),
        queue_config: QueueConfig::default(),
        sigv4: false,
        http,
        path: path.clone(),
    };
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "url" => {
                common::check_url_field(ctx, v, &p);
                r.url = ctx.string(v, &p).filter(|u| !u.is_empty());
            }
            "name" => r.name = ctx.string(v, &p).filter(|n| !n.is_empty()),
            "remote_timeout" => r.remote_timeout_ms = ctx.duration(v, &p).unwrap_or(30_000),
            "headers" => {
                r.headers = ctx.string_map(v, &p);
                for h in r.headers.keys() {
                    let lower = h.to_ascii_lowercase();
                    let hp = p.key(h);
                    let span = v.entry(h).map_or(v.span, |e| e.key_span);
                    if lower == "authorization" {
                        ctx.error("reserved-header", span, &hp, "authorization header must be changed via the basic_auth, authorization, oauth2, or sigv4 parameter".to_owned());
                    } else if RESERVED_HEADERS.contains(&lower.as_str()) {
                        ctx.error(
                            "reserved-header",
                            span,
                            &hp,
                            format!("{h} is a reserved header. It must not be changed"),
                        );
                    }
                }
            }
            "write_relabel_configs" => r.write_relabel_configs = parse_relabels(ctx, v, &p),
            "send_exemplars" | "send_native_histograms" => {
                ctx.boolean(v, &p);
            }
            "queue_config" => r.queue_config = parse_queue(ctx, v, &p),
            "metadata_config" => {
                if let Some(m) = ctx.map(
                    v,
                    &p,
                    &["send", "send_interval", "max_samples_per_send"],
                    "metadata_config",
                ) {
                    for f in m {
                        let fp = p.key(&f.key);
                        match f.key.as_str() {
                            "send" => {
                                ctx.boolean(&f.value, &fp);
                            }
                            "send_interval" => {
                                ctx.duration(&f.value, &fp);
                            }
                            _ => {
                                ctx.int(&f.value, &fp);
                            }
                        }
                    }
                }
            }
            "sigv4" => {
                const SIGV4: &[&str] =
                    &["region", "access_key", "secret_key", "profile", "role_arn"];
                if let Some(m) = ctx.map(v, &p, SIGV4, "sigv4") {
                    r.sigv4 = true;
                    for f in m {
                        ctx.string(&f.value, &p.key(&f.key));
                    }
                }
            }
            _ => {}
        }
    }
    if r.url.is_none() {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "url for remote_write is empty".to_owned(),
        );
    }
    let auths = [
        r.http.basic_auth,
        r.http.authorization_type.is_some()
            || r.http.bearer_token
            || r.http.bearer_token_file.is_some(),
        r.http.oauth2,
        r.sigv4,
    ];
    if auths.iter().filter(|a| **a).count() > 1 {
        ctx.error(
            "conflicting-fields",
            node.span,
            path,
            "at most one of basic_auth, authorization, oauth2, & sigv4 must be configured"
                .to_owned(),
        );
    }
    Some(r)
}

fn parse_queue(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> QueueConfig {
    let mut q = QueueConfig::default();
    let Some(entries) = ctx.map(node, path, QUEUE_FIELDS, "queue_config") else {
        return q;
    };
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "capacity" => q.capacity = ctx.int(v, &p).unwrap_or(q.capacity),
            "max_shards" => q.max_shards = ctx.int(v, &p).unwrap_or(q.max_shards),
            "min_shards" => q.min_shards = ctx.int(v, &p).unwrap_or(q.min_shards),
            "max_samples_per_send" => {
                q.max_samples_per_send = ctx.int(v, &p).unwrap_or(q.max_samples_per_send)
            }
            "batch_send_deadline" => {
                q.batch_send_deadline_ms = ctx.duration(v, &p).unwrap_or(q.batch_send_deadline_ms)
            }
            "min_backoff" => q.min_backoff_ms = ctx.duration(v, &p).unwrap_or(q.min_backoff_ms),
            "max_backoff" => q.max_backoff_ms = ctx.duration(v, &p).unwrap_or(q.max_backoff_ms),
            "retry_on_http_429" => q.retry_on_http_429 = ctx.boolean(v, &p).unwrap_or(false),
            _ => {}
        }
    }
    q
}

/// Report the stream's duplicate keys as findings.
pub(crate) fn duplicate_findings(stream: &yaml::Stream, file: &Path) -> Vec<Diagnostic> {
    stream
        .duplicates
        .iter()
        .map(|d| d.to_diagnostic(file, false))
        .collect()
}

/// The root mapping of a config file (an empty file is an empty mapping).
pub(crate) fn config_root(stream: yaml::Stream, file: &Path, what: &str) -> Result<Node, Error> {
    let root = match stream.documents.into_iter().next() {
        Some(doc) => doc.root,
        None => Node {
            span: Span::default(),
            value: NodeValue::Map(Vec::new()),
            plain: false,
        },
    };
    if root.as_map().is_none() {
        return Err(Error::Syntax {
            file: file.to_path_buf(),
            line: root.span.start.line,
            column: root.span.start.column,
            message: format!("{what} must be a mapping, found {}", root.type_name()),
        });
    }
    Ok(root)
}

/// Parse a Prometheus configuration and check its structure and fields.
///
/// Returns the model (with defaults applied) and the findings of every check that looks
/// at one section at a time (all codes of the module docs but `duplicate-job-name` and
/// `missing-file`). An empty file is a valid, empty configuration, as for Prometheus.
///
/// # Errors
///
/// As [`yaml::parse`] for malformed YAML; [`Error::Syntax`] if the document is not a mapping.
pub fn load_prometheus_config(
    src: &str,
    file: &Path,
) -> Result<(PrometheusConfig, Vec<Diagnostic>), Error> {
    let stream = yaml::parse(src, file)?;
    let mut ctx = Ctx::new(file, "prometheus");
    ctx.out = duplicate_findings(&stream, file);
    let root = config_root(stream, file, "a Prometheus configuration")?;
    let top = FieldPath::root();
    let entries = root.as_map().unwrap_or(&[]);
    ctx.unknown_keys(entries, TOP_LEVEL, &top, "the Prometheus configuration");
    let global = match root.get("global") {
        Some(g) => parse_global(&mut ctx, g, &top.key("global")),
        None => GlobalConfig::default(),
    };
    let mut config = PrometheusConfig {
        file: file.to_path_buf(),
        global,
        rule_files: Vec::new(),
        scrape_configs: Vec::new(),
        alerting: AlertingConfig::default(),
        remote_write: Vec::new(),
        node: Node {
            span: Span::default(),
            value: NodeValue::Null,
            plain: false,
        },
    };
    for e in entries {
        let p = top.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "rule_files" => {
                config.rule_files = ctx.strings(v, &p);
                for (i, rf) in config.rule_files.iter().enumerate() {
                    // `^[^*]*(\*[^/]*)?$`
                    let ok = match rf.find('*') {
                        None => true,
                        Some(at) => !rf.get(at + 1..).unwrap_or("").contains(['*', '/']),
                    };
                    if !ok {
                        let span = v.as_seq().and_then(|s| s.get(i)).map_or(v.span, |n| n.span);
                        ctx.error("invalid-rule-file-path", span, &p.index(i), format!("invalid rule file path {rf:?} (`*` is allowed only in the last path element)"));
                    }
                }
            }
            "scrape_configs" => {
                for (i, item) in ctx.seq(v, &p).iter().enumerate() {
                    let ip = p.index(i);
                    if item.is_null() {
                        ctx.error(
                            "null-section",
                            item.span,
                            &ip,
                            "empty or null scrape config section".to_owned(),
                        );
                        continue;
                    }
                    if let Some(s) = parse_scrape(&mut ctx, item, &ip, &config.global) {
                        config.scrape_configs.push(s);
                    }
                }
            }
            "alerting" => config.alerting = parse_alerting(&mut ctx, v, &p),
            "remote_write" => {
                for (i, item) in ctx.seq(v, &p).iter().enumerate() {
                    let ip = p.index(i);
                    if item.is_null() {
                        ctx.error(
                            "null-section",
                            item.span,
                            &ip,
                            "empty or null remote write config section".to_owned(),
                        );
                        continue;
                    }
                    if let Some(r) = parse_remote_write(&mut ctx, item, &ip) {
                        config.remote_write.push(r);
                    }
                }
            }
            "storage" | "tracing" | "remote_read"
                if !matches!(
                    v.value,
                    NodeValue::Map(_) | NodeValue::Seq(_) | NodeValue::Null
                ) =>
            {
                ctx.wrong_type(v, &p, "a mapping or a list");
            }
            _ => {}
        }
    }
    config.node = root;
    Ok((config, ctx.out))
}

/// The checks across sections: duplicate job names and remote-write names. Sorted by position.
#[must_use]
pub fn check_prometheus_config(config: &PrometheusConfig) -> Vec<Diagnostic> {
    let mut ctx = Ctx::new(&config.file, "prometheus");
    let mut jobs: BTreeMap<&str, &ScrapeConfig> = BTreeMap::new();
    for s in &config.scrape_configs {
        if s.job_name.is_empty() {
            continue;
        }
        if let Some(first) = jobs.get(s.job_name.as_str()) {
            let p = s.path.key("job_name");
            let first_at = config.node.locate(&first.path.key("job_name")).span.start;
            ctx.error(
                "duplicate-job-name",
                config.node.locate(&p).span,
                &p,
                format!(
                    "found multiple scrape configs with job name {:?} (first at line {} column {})",
                    s.job_name, first_at.line, first_at.column
                ),
            );
        } else {
            jobs.insert(&s.job_name, s);
        }
    }
    let mut names = BTreeSet::new();
    for r in &config.remote_write {
        if let Some(n) = &r.name
            && !names.insert(n.as_str())
        {
            let p = r.path.key("name");
            ctx.error(
                "duplicate-job-name",
                config.node.locate(&p).span,
                &p,
                format!("found multiple remote write configs with job name {n:?}"),
            );
        }
    }
    let mut out = ctx.out;
    crate::diagnostic::sort(&mut out);
    out
}

fn check_file(
    ctx: &mut Ctx<'_>,
    node: &Node,
    base: &Path,
    name: &str,
    path: &FieldPath,
    what: &str,
) {
    let full = base.join(name);
    if !full.exists() {
        ctx.error(
            "missing-file",
            node.locate(path).span,
            path,
            format!(
                "{what} {name:?} does not exist (looked for {})",
                full.display()
            ),
        );
    }
}

/// Whether `name` matches the shell pattern `pattern` (`*` and `?`; other characters literal).
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// The existing files a file-SD pattern names (`*` only in the last element), sorted.
fn glob_files(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let full = base.join(pattern);
    if !pattern.contains(['*', '?']) {
        return if full.is_file() {
            vec![full]
        } else {
            Vec::new()
        };
    }
    let (Some(dir), Some(name)) = (full.parent(), full.file_name().and_then(|n| n.to_str())) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(|n| wildcard(name, n)))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Check a file-SD target file as promtool does: a list of `{targets, labels}` groups (unknown
/// keys rejected in YAML and JSON), label names valid, no null group.
fn check_sd_file(path: &Path) -> Vec<Diagnostic> {
    let mut ctx = Ctx::new(path, "prometheus");
    let top = FieldPath::root();
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            ctx.error(
                "invalid-sd-file",
                Span::default(),
                &top,
                format!("cannot read file-SD target file: {e}"),
            );
            return ctx.out;
        }
    };
    let stream = match yaml::parse(&src, path) {
        Ok(s) => s,
        Err(e) => {
            let (line, column) = match &e {
                Error::Syntax { line, column, .. }
                | Error::Limit { line, column, .. }
                | Error::ComplexKey { line, column, .. } => (*line, *column),
                _ => (1, 1),
            };
            let d = Diagnostic::new(
                Severity::Error,
                "prometheus/invalid-sd-file",
                format!("file-SD target file does not parse: {e}"),
            )
            .at(path, line, column);
            return vec![d];
        }
    };
    let Some(doc) = stream.documents.first() else {
        return ctx.out;
    };
    let groups = ctx.seq(&doc.root, &top);
    for (i, g) in groups.iter().enumerate() {
        let p = top.index(i);
        if g.is_null() {
            ctx.error(
                "invalid-sd-file",
                g.span,
                &p,
                format!("nil target group item found (index {i})"),
            );
            continue;
        }
        let Some(entries) = ctx.map(g, &p, &["targets", "labels"], "target group") else {
            continue;
        };
        for e in entries {
            match e.key.as_str() {
                "targets" => {
                    ctx.strings(&e.value, &p.key("targets"));
                }
                "labels" => {
                    ctx.label_map(&e.value, &p.key("labels"));
                }
                _ => {}
            }
        }
    }
    ctx.out
}

/// The checks of the files the config names, as promtool makes them: explicit rule files
/// (not globs) must exist, and so must scrape configs' `bearer_token_file`,
/// `authorization.credentials_file` and `tls_config` `cert_file`/`key_file` (which must also
/// come in pairs); file-SD target files that exist must parse (findings in those files).
/// Relative paths are resolved against `base` (the config file's directory).
#[must_use]
pub fn check_prometheus_files(config: &PrometheusConfig, base: &Path) -> Vec<Diagnostic> {
    let mut ctx = Ctx::new(&config.file, "prometheus");
    let node = &config.node;
    let mut sd_files: Vec<PathBuf> = Vec::new();
    for am in &config.alerting.alertmanagers {
        for sd in &am.service_discovery {
            if let ServiceDiscovery::File(f) = sd {
                sd_files.extend(f.files.iter().flat_map(|p| glob_files(base, p)));
            }
        }
    }
    for (i, rf) in config.rule_files.iter().enumerate() {
        if !rf.contains('*') {
            check_file(
                &mut ctx,
                node,
                base,
                rf,
                &FieldPath::root().key("rule_files").index(i),
                "rule file",
            );
        }
    }
    for s in &config.scrape_configs {
        let h = &s.http;
        if let Some(f) = &h.bearer_token_file {
            check_file(
                &mut ctx,
                node,
                base,
                f,
                &s.path.key("bearer_token_file"),
                "bearer token file",
            );
        }
        if let Some(f) = &h.authorization_credentials_file {
            check_file(
                &mut ctx,
                node,
                base,
                f,
                &s.path.key("authorization").key("credentials_file"),
                "credentials file",
            );
        }
        let mut tls = vec![(s.path.key("tls_config"), &h.tls_config)];
        for sd in &s.service_discovery {
            match sd {
                ServiceDiscovery::Kubernetes(k) => tls.push((s.path.clone(), &k.http.tls_config)),
                ServiceDiscovery::File(f) => {
                    for pattern in &f.files {
                        for target_file in glob_files(base, pattern) {
                            sd_files.push(target_file);
                        }
                    }
                }
                _ => {}
            }
        }
        for (p, t) in tls {
            match (&t.cert_file, &t.key_file) {
                (Some(c), None) => ctx.error(
                    "missing-field",
                    node.locate(&p).span,
                    &p,
                    format!("client cert file {c:?} specified without client key file"),
                ),
                (None, Some(k)) => ctx.error(
                    "missing-field",
                    node.locate(&p).span,
                    &p,
                    format!("client key file {k:?} specified without client cert file"),
                ),
                (Some(c), Some(k)) => {
                    check_file(
                        &mut ctx,
                        node,
                        base,
                        c,
                        &p.key("cert_file"),
                        "client cert file",
                    );
                    check_file(
                        &mut ctx,
                        node,
                        base,
                        k,
                        &p.key("key_file"),
                        "client key file",
                    );
                }
                (None, None) => {}
            }
        }
    }
    let mut out = ctx.out;
    sd_files.sort();
    sd_files.dedup();
    for f in &sd_files {
        out.extend(check_sd_file(f));
    }
    crate::diagnostic::sort(&mut out);
    out
}

/// Read a `prometheus.yml` and run every check on it, as `promtool check config` does: the
/// findings of [`load_prometheus_config`], [`check_prometheus_config`] and
/// [`check_prometheus_files`] (relative to the file's directory), sorted by position.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read; as [`load_prometheus_config`] otherwise.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("prometheus.yml");
/// std::fs::write(&path, "rule_files: [alerts.yml]\nscrape_configs:\n  - job_name: a\n  - job_name: a\n")?;
/// let found = manifest_model::prometheus_config::check_prometheus_path(&path)?;
/// let codes: Vec<&str> = found.iter().map(|d| d.code.as_str()).collect();
/// assert_eq!(codes, ["prometheus/missing-file", "prometheus/duplicate-job-name"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_prometheus_path(path: &Path) -> Result<Vec<Diagnostic>, Error> {
    let src = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (config, mut found) = load_prometheus_config(&src, path)?;
    found.extend(check_prometheus_config(&config));
    let base = path.parent().unwrap_or(Path::new("."));
    found.extend(check_prometheus_files(&config, base));
    crate::diagnostic::sort(&mut found);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(src: &str) -> Vec<(String, usize, usize)> {
        let (c, mut d) = load_prometheus_config(src, Path::new("p.yml")).unwrap();
        d.extend(check_prometheus_config(&c));
        crate::diagnostic::sort(&mut d);
        d.into_iter().map(|d| (d.code, d.line, d.column)).collect()
    }

    #[test]
    fn defaults() {
        let (c, d) = load_prometheus_config("", Path::new("p.yml")).unwrap();
        assert!(d.is_empty());
        assert_eq!(c.global, GlobalConfig::default());
        let (c, d) = load_prometheus_config("global: {scrape_interval: 5s}\nscrape_configs: [{job_name: a}]\nremote_write: [{url: 'http://x'}]\n", Path::new("p.yml")).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.global.scrape_timeout_ms, 5000);
        assert_eq!(c.scrape_configs[0].scrape_timeout_ms, 5000);
        assert_eq!(c.scrape_configs[0].metrics_path, "/metrics");
        assert_eq!(c.remote_write[0].queue_config, QueueConfig::default());
    }

    #[test]
    fn positions_of_findings() {
        let src = "global:\n  scrape_interval: 1x\nscrape_configs:\n  - job_name: a\n    scrape_interval: 10s\n    scrape_timeout: 20s\n    relabel_configs:\n      - action: keep\n        regex: '(?<n>x)'\n      - action: replace\n  - job_name: a\n";
        assert_eq!(
            codes(src),
            vec![
                ("prometheus/invalid-duration".to_owned(), 2, 20),
                ("prometheus/timeout-exceeds-interval".to_owned(), 6, 21),
                ("prometheus/invalid-regex".to_owned(), 9, 16),
                ("prometheus/invalid-relabel".to_owned(), 10, 9),
                ("prometheus/duplicate-job-name".to_owned(), 11, 15),
            ]
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*.json", "a.json"));
        assert!(wildcard("a*b*.yml", "axxbyy.yml"));
        assert!(wildcard("?.yml", "a.yml"));
        assert!(!wildcard("*.json", "a.yml"));
        assert!(!wildcard("a*", "ba"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn relabel_targets() {
        assert!(is_relabel_target("a"));
        assert!(is_relabel_target("${1}x"));
        assert!(is_relabel_target("x_$1"));
        assert!(!is_relabel_target("1a"));
        assert!(!is_relabel_target("a-b"));
        assert!(!is_relabel_target("$"));
        assert!(!is_relabel_target(""));
    }
}
