//! docker-compose files: a typed model of the common fields and their checks.
//!
//! [`load_compose`] reads a compose file (YAML or JSON) into a [`ComposeFile`] and reports
//! structural problems (unknown fields, malformed ports); [`check_compose`] adds the semantic
//! checks. Every finding carries file, line and column.
//!
//! | code | severity | finding |
//! |---|---|---|
//! | `compose/obsolete-version` | warning | top-level `version`: obsolete in the Compose Specification, ignored with a warning |
//! | `compose/unknown-field` | error | a field the Compose Specification does not define (not `x-`), with the closest name |
//! | `compose/wrong-type` | error | a field with a value of the wrong shape |
//! | `compose/invalid-port` | error | a port mapping that does not parse |
//! | `compose/invalid-duration` | error | a healthcheck duration that does not parse (`30s`, `1m30s`) |
//! | `compose/missing-image` | error | a service with neither `image` nor `build` |
//! | `compose/undefined-volume` | error | a named volume used by a service but not declared at the top level |
//! | `compose/undefined-network` | error | a network used by a service but not declared at the top level |
//! | `compose/port-clash` | error | two services publishing the same host port (and protocol and address) |
//! | `compose/depends-on-undefined` | error | `depends_on` naming a service that does not exist |
//! | `compose/depends-on-cycle` | error | services that depend on each other in a cycle |
//! | `compose/image-tag` | warning | an image without a tag or with `latest` |
//!
//! ```
//! use manifest_model::compose::{check_compose, load_compose};
//! let src = "version: '3.8'\nservices:\n  web:\n    image: nginx:1.25\n    ports: ['8080:80']\n";
//! let (compose, structural) = load_compose(src, "compose.yaml".as_ref())?;
//! assert!(structural.is_empty());
//! assert_eq!(compose.services[0].ports[0].published, Some((8080, 8080)));
//! let found = check_compose(&compose);
//! assert_eq!(found[0].code, "compose/obsolete-version");
//! assert_eq!((found[0].line, found[0].column), (1, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::Error;
use crate::diagnostic::{Diagnostic, Severity};
use crate::validate::closest;
use crate::yaml::{self, Entry, FieldPath, Node, NodeValue, Span};

const TOP_LEVEL: &[&str] = &[
    "version", "name", "services", "volumes", "networks", "secrets", "configs", "include", "models",
];

const SERVICE_FIELDS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "label_file",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

const HEALTHCHECK_FIELDS: &[&str] = &[
    "test",
    "interval",
    "timeout",
    "retries",
    "start_period",
    "start_interval",
    "disable",
];

/// A parsed compose file.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposeFile {
    /// The file it was read from.
    pub file: PathBuf,
    /// Top-level `version`, if written (obsolete).
    pub version: Option<String>,
    /// Top-level `name`.
    pub name: Option<String>,
    /// Services in file order.
    pub services: Vec<ComposeService>,
    /// Names of the top-level `volumes`.
    pub volumes: Vec<String>,
    /// Names of the top-level `networks`.
    pub networks: Vec<String>,
    /// The document with positions.
    pub node: Node,
}

/// One service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComposeService {
    /// The service name (its key under `services`).
    pub name: String,
    /// `image`.
    pub image: Option<String>,
    /// Whether `build` is set.
    pub build: bool,
    /// `command` in exec form (a string command is kept as one element).
    pub command: Option<Vec<String>>,
    /// `ports`.
    pub ports: Vec<PortMapping>,
    /// `volumes`.
    pub volumes: Vec<VolumeMount>,
    /// `networks` (names).
    pub networks: Vec<String>,
    /// `environment` (a list `K=V` or a map; `None` for a variable passed through unset).
    pub environment: BTreeMap<String, Option<String>>,
    /// `healthcheck`.
    pub healthcheck: Option<Healthcheck>,
    /// `depends_on` (service names).
    pub depends_on: Vec<String>,
    /// `restart`.
    pub restart: Option<String>,
    /// Path of the service in the document (`services.<name>`).
    pub path: FieldPath,
}

/// A port mapping (short or long syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMapping {
    /// Host address, if any.
    pub host_ip: Option<String>,
    /// Published host port range (inclusive), if published.
    pub published: Option<(u16, u16)>,
    /// Container port range (inclusive).
    pub target: (u16, u16),
    /// `tcp` (default), `udp` or `sctp`.
    pub protocol: String,
    /// Path of the entry in the document.
    pub path: FieldPath,
}

/// What a service volume mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    /// A named (or anonymous) volume.
    Volume,
    /// A host path.
    Bind,
    /// A tmpfs.
    Tmpfs,
    /// Another type (`npipe`, `cluster`, `image`).
    Other,
}

/// A service volume (short or long syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeMount {
    /// Volume, bind or tmpfs.
    pub kind: MountKind,
    /// Volume name or host path (`None` for anonymous volumes and tmpfs).
    pub source: Option<String>,
    /// Path in the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
    /// Path of the entry in the document.
    pub path: FieldPath,
}

/// `healthcheck`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Healthcheck {
    /// `test` in list form (a string becomes `["CMD-SHELL", s]`).
    pub test: Vec<String>,
    /// `interval` in milliseconds.
    pub interval_ms: Option<u64>,
    /// `timeout` in milliseconds.
    pub timeout_ms: Option<u64>,
    /// `retries`.
    pub retries: Option<i64>,
    /// `start_period` in milliseconds.
    pub start_period_ms: Option<u64>,
    /// `disable`.
    pub disable: bool,
}

struct Ctx<'a> {
    file: &'a Path,
    out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn push(&mut self, severity: Severity, code: &str, span: Span, path: &FieldPath, msg: String) {
        let mut d = Diagnostic::new(severity, code, msg).at_span(self.file, span);
        if !path.is_root() {
            d = d.with_path(path.to_string());
        }
        self.out.push(d);
    }

    fn wrong_type(&mut self, node: &Node, path: &FieldPath, expected: &str) {
        self.push(
            Severity::Error,
            "compose/wrong-type",
            node.span,
            path,
            format!("`{path}` must be {expected}, found {}", node.type_name()),
        );
    }

    fn unknown_keys(&mut self, entries: &[Entry], allowed: &[&str], path: &FieldPath, what: &str) {
        for e in entries {
            if allowed.contains(&e.key.as_str()) || e.key.starts_with("x-") {
                continue;
            }
            let suggestion = closest(&e.key, allowed.iter().copied());
            let mut msg = format!("unknown field `{}` in {what}", e.key);
            if let Some(s) = suggestion {
                msg.push_str(&format!("; did you mean `{s}`?"));
            }
            let mut d = Diagnostic::new(Severity::Error, "compose/unknown-field", msg)
                .at_span(self.file, e.key_span)
                .with_path(path.key(&e.key).to_string());
            if let Some(s) = suggestion {
                d = d.with_suggestion(s);
            }
            self.out.push(d);
        }
    }
}

fn scalar_string(node: &Node) -> Option<String> {
    match &node.value {
        NodeValue::String(s) => Some(s.clone()),
        NodeValue::Int(n) => Some(n.to_string()),
        NodeValue::Float(x) => Some(x.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_list(node: &Node) -> Option<Vec<String>> {
    match &node.value {
        NodeValue::String(s) => Some(vec![s.clone()]),
        NodeValue::Seq(items) => items.iter().map(scalar_string).collect(),
        _ => None,
    }
}

fn parse_range(s: &str) -> Option<(u16, u16)> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.parse().ok()?, b.parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => {
            let p = s.parse().ok()?;
            Some((p, p))
        }
    }
}

/// Parse the short port syntax `[[HOST_IP:][HOST_PORT[-END]]:]CONTAINER_PORT[-END][/PROTOCOL]`.
///
/// Returns `(host_ip, published, target, protocol)`.
///
/// ```
/// use manifest_model::compose::parse_port;
/// assert_eq!(parse_port("127.0.0.1:8080:80/udp"),
///     Some((Some("127.0.0.1".to_owned()), Some((8080, 8080)), (80, 80), "udp".to_owned())));
/// assert_eq!(parse_port("9000-9001:9000-9001"), Some((None, Some((9000, 9001)), (9000, 9001), "tcp".to_owned())));
/// assert_eq!(parse_port("80"), Some((None, None, (80, 80), "tcp".to_owned())));
/// assert_eq!(parse_port("80:http"), None);
/// ```
#[must_use]
#[allow(clippy::type_complexity)] // reason: a plain tuple keeps this small parser's doc readable
pub fn parse_port(s: &str) -> Option<(Option<String>, Option<(u16, u16)>, (u16, u16), String)> {
    let (rest, protocol) = match s.rsplit_once('/') {
        Some((r, p)) if matches!(p, "tcp" | "udp" | "sctp") => (r, p.to_owned()),
        Some(_) => return None,
        None => (s, "tcp".to_owned()),
    };
    let (ip, rest) = if let Some(r) = rest.strip_prefix('[') {
        let (ip, after) = r.split_once("]:")?;
        (Some(ip.to_owned()), after)
    } else {
        (None, rest)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (ip, host, container) = match (ip, parts.as_slice()) {
        (None, [c]) => (None, None, *c),
        (ip, [h, c]) => (ip, Some(*h), *c),
        (None, [i, h, c]) => (Some((*i).to_owned()), Some(*h), *c),
        _ => return None,
    };
    let target = parse_range(container)?;
    let published = match host {
        None | Some("") => None,
        Some(h) => Some(parse_range(h)?),
    };
    if let Some((a, b)) = published
        && b - a != target.1 - target.0
        && target.0 != target.1
    {
        return None;
    }
    Some((ip.filter(|i| !i.is_empty()), published, target, protocol))
}

/// Parse a compose duration (`1h2m3s`, `500ms`, `1.5s`) into milliseconds.
///
/// ```
/// use manifest_model::compose::parse_duration_ms;
/// assert_eq!(parse_duration_ms("1m30s"), Some(90_000));
/// assert_eq!(parse_duration_ms("500ms"), Some(500));
/// assert_eq!(parse_duration_ms("30 seconds"), None);
/// ```
#[must_use]
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(n);
        let value: f64 = num.parse().ok()?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let mult = match unit {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += value * mult;
        rest = next;
    }
    // Durations are small; the float keeps fractions like `1.5s` exact enough.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(total.round() as u64)
}

fn parse_service(name: &str, node: &Node, path: &FieldPath, ctx: &mut Ctx<'_>) -> ComposeService {
    let mut s = ComposeService {
        name: name.to_owned(),
        path: path.clone(),
        ..ComposeService::default()
    };
    let Some(entries) = node.as_map() else {
        if !node.is_null() {
            ctx.wrong_type(node, path, "a mapping");
        }
        return s;
    };
    ctx.unknown_keys(entries, SERVICE_FIELDS, path, &format!("service `{name}`"));
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "image" => match v.as_str() {
                Some(i) => s.image = Some(i.to_owned()),
                None => ctx.wrong_type(v, &p, "a string"),
            },
            "build" => s.build = !v.is_null(),
            "restart" => s.restart = v.as_str().map(str::to_owned),
            "command" => match string_list(v) {
                Some(c) => s.command = Some(c),
                None if v.is_null() => {}
                None => ctx.wrong_type(v, &p, "a string or a list of strings"),
            },
            "ports" => {
                let Some(items) = v.as_seq() else {
                    ctx.wrong_type(v, &p, "a list");
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let ip = p.index(i);
                    if let Some(m) = parse_port_node(item, &ip, ctx) {
                        s.ports.push(m);
                    }
                }
            }
            "volumes" => {
                let Some(items) = v.as_seq() else {
                    ctx.wrong_type(v, &p, "a list");
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    if let Some(m) = parse_volume_node(item, &p.index(i), ctx) {
                        s.volumes.push(m);
                    }
                }
            }
            "networks" => match &v.value {
                NodeValue::Seq(items) => {
                    s.networks = items.iter().filter_map(scalar_string).collect();
                }
                NodeValue::Map(m) => s.networks = m.iter().map(|e| e.key.clone()).collect(),
                NodeValue::Null => {}
                _ => ctx.wrong_type(v, &p, "a list or a mapping"),
            },
            "depends_on" => match &v.value {
                NodeValue::Seq(items) => {
                    s.depends_on = items.iter().filter_map(scalar_string).collect();
                }
                NodeValue::Map(m) => s.depends_on = m.iter().map(|e| e.key.clone()).collect(),
                _ => ctx.wrong_type(v, &p, "a list or a mapping"),
            },
            "environment" => match &v.value {
                NodeValue::Seq(items) => {
                    for item in items {
                        if let Some(kv) = scalar_string(item) {
                            match kv.split_once('=') {
                                Some((k, val)) => {
                                    s.environment.insert(k.to_owned(), Some(val.to_owned()))
                                }
                                None => s.environment.insert(kv, None),
                            };
                        }
                    }
                }
                NodeValue::Map(m) => {
                    for e in m {
                        s.environment.insert(e.key.clone(), scalar_string(&e.value));
                    }
                }
                _ => ctx.wrong_type(v, &p, "a list or a mapping"),
            },
            "healthcheck" => s.healthcheck = parse_healthcheck(v, &p, ctx),
            _ => {}
        }
    }
    s
}

fn parse_port_node(item: &Node, path: &FieldPath, ctx: &mut Ctx<'_>) -> Option<PortMapping> {
    match &item.value {
        NodeValue::Int(_) | NodeValue::String(_) => {
            let text = scalar_string(item).unwrap_or_default();
            match parse_port(&text) {
                Some((host_ip, published, target, protocol)) => Some(PortMapping {
                    host_ip,
                    published,
                    target,
                    protocol,
                    path: path.clone(),
                }),
                None => {
                    ctx.push(
                        Severity::Error,
                        "compose/invalid-port",
                        item.span,
                        path,
                        format!("invalid port mapping {text:?}: expected [[IP:]HOST:]CONTAINER[/PROTOCOL]"),
                    );
                    None
                }
            }
        }
        NodeValue::Map(_) => {
            let target = item
                .get("target")
                .and_then(scalar_string)
                .and_then(|t| parse_range(&t));
            let Some(target) = target else {
                ctx.push(
                    Severity::Error,
                    "compose/invalid-port",
                    item.span,
                    path,
                    "port mapping without a valid `target`".to_owned(),
                );
                return None;
            };
            let published = match item.get("published").and_then(scalar_string) {
                Some(p) => match parse_range(&p) {
                    Some(r) => Some(r),
                    None => {
                        ctx.push(
                            Severity::Error,
                            "compose/invalid-port",
                            item.span,
                            path,
                            format!("invalid published port {p:?}"),
                        );
                        return None;
                    }
                },
                None => None,
            };
            Some(PortMapping {
                host_ip: item
                    .get("host_ip")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                published,
                target,
                protocol: item
                    .get("protocol")
                    .and_then(Node::as_str)
                    .unwrap_or("tcp")
                    .to_owned(),
                path: path.clone(),
            })
        }
        _ => {
            ctx.wrong_type(item, path, "a string, a number or a mapping");
            None
        }
    }
}

fn parse_volume_node(item: &Node, path: &FieldPath, ctx: &mut Ctx<'_>) -> Option<VolumeMount> {
    match &item.value {
        NodeValue::String(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [t] => (None, *t, ""),
                [s, t] => (Some(*s), *t, ""),
                [s, t, m] => (Some(*s), *t, *m),
                _ => {
                    ctx.wrong_type(item, path, "SOURCE:TARGET[:MODE]");
                    return None;
                }
            };
            let kind = match source {
                Some(src) if src.starts_with(['.', '/', '~']) => MountKind::Bind,
                _ => MountKind::Volume,
            };
            Some(VolumeMount {
                kind,
                source: source.map(str::to_owned),
                target: target.to_owned(),
                read_only: mode.split(',').any(|m| m == "ro"),
                path: path.clone(),
            })
        }
        NodeValue::Map(_) => {
            let kind = match item.get("type").and_then(Node::as_str) {
                Some("volume") | None => MountKind::Volume,
                Some("bind") => MountKind::Bind,
                Some("tmpfs") => MountKind::Tmpfs,
                Some(_) => MountKind::Other,
            };
            Some(VolumeMount {
                kind,
                source: item.get("source").and_then(Node::as_str).map(str::to_owned),
                target: item
                    .get("target")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_owned(),
                read_only: matches!(
                    item.get("read_only").map(|n| &n.value),
                    Some(NodeValue::Bool(true))
                ),
                path: path.clone(),
            })
        }
        _ => {
            ctx.wrong_type(item, path, "a string or a mapping");
            None
        }
    }
}

fn parse_healthcheck(v: &Node, path: &FieldPath, ctx: &mut Ctx<'_>) -> Option<Healthcheck> {
    let Some(entries) = v.as_map() else {
        ctx.wrong_type(v, path, "a mapping");
        return None;
    };
    ctx.unknown_keys(entries, HEALTHCHECK_FIELDS, path, "healthcheck");
    let mut h = Healthcheck::default();
    for e in entries {
        let p = path.key(&e.key);
        match e.key.as_str() {
            "test" => {
                h.test = match &e.value.value {
                    NodeValue::String(s) => vec!["CMD-SHELL".to_owned(), s.clone()],
                    _ => string_list(&e.value).unwrap_or_default(),
                };
            }
            "interval" | "timeout" | "start_period" | "start_interval" => {
                let text = scalar_string(&e.value).unwrap_or_default();
                let ms = parse_duration_ms(&text);
                if ms.is_none() {
                    ctx.push(
                        Severity::Error,
                        "compose/invalid-duration",
                        e.value.span,
                        &p,
                        format!(
                            "`{}` is not a duration: {text:?} (write e.g. 30s or 1m30s)",
                            e.key
                        ),
                    );
                }
                match e.key.as_str() {
                    "interval" => h.interval_ms = ms,
                    "timeout" => h.timeout_ms = ms,
                    "start_period" => h.start_period_ms = ms,
                    _ => {}
                }
            }
            "retries" => h.retries = e.value.as_i64(),
            "disable" => h.disable = matches!(e.value.value, NodeValue::Bool(true)),
            _ => {}
        }
    }
    Some(h)
}

fn names_of(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_map)
        .map(|m| m.iter().map(|e| e.key.clone()).collect())
        .unwrap_or_default()
}

/// Parse a compose file and check its structure.
///
/// Returns the model and the structural findings (`compose/unknown-field`,
/// `compose/wrong-type`, `compose/invalid-port`, `compose/invalid-duration`).
///
/// # Errors
///
/// As [`yaml::parse`] for malformed YAML; [`Error::Syntax`] if the file has no document or
/// its first document is not a mapping.
pub fn load_compose(src: &str, file: &Path) -> Result<(ComposeFile, Vec<Diagnostic>), Error> {
    let stream = yaml::parse(src, file)?;
    let mut ctx = Ctx {
        file,
        out: stream
            .duplicates
            .iter()
            .map(|d| d.to_diagnostic(file, true))
            .collect(),
    };
    let Some(doc) = stream.documents.into_iter().next() else {
        return Err(Error::Syntax {
            file: file.to_path_buf(),
            line: 1,
            column: 1,
            message: "empty compose file".to_owned(),
        });
    };
    let root = doc.root;
    let Some(entries) = root.as_map() else {
        return Err(Error::Syntax {
            file: file.to_path_buf(),
            line: root.span.start.line,
            column: root.span.start.column,
            message: "a compose file must be a mapping".to_owned(),
        });
    };
    let top = FieldPath::root();
    ctx.unknown_keys(entries, TOP_LEVEL, &top, "the compose file");
    let mut services = Vec::new();
    if let Some(svcs) = root.get("services") {
        match svcs.as_map() {
            Some(m) => {
                for e in m {
                    services.push(parse_service(
                        &e.key,
                        &e.value,
                        &top.key("services").key(&e.key),
                        &mut ctx,
                    ));
                }
            }
            None => ctx.wrong_type(svcs, &top.key("services"), "a mapping"),
        }
    }
    let compose = ComposeFile {
        file: file.to_path_buf(),
        version: root.get("version").and_then(scalar_string),
        name: root.get("name").and_then(Node::as_str).map(str::to_owned),
        services,
        volumes: names_of(root.get("volumes")),
        networks: names_of(root.get("networks")),
        node: root,
    };
    Ok((compose, ctx.out))
}

/// As for Kubernetes images, except that an interpolated reference (`${TAG}`) is only known
/// when compose runs.
fn image_problem(image: &str) -> Option<&'static str> {
    if image.contains("${") {
        return None;
    }
    crate::lint::image_problem(image)
}

/// The semantic checks of a compose file (see the module docs), sorted by position.
#[must_use]
pub fn check_compose(compose: &ComposeFile) -> Vec<Diagnostic> {
    let mut ctx = Ctx {
        file: &compose.file,
        out: Vec::new(),
    };
    let node = &compose.node;
    let top = FieldPath::root();
    if compose.version.is_some() {
        ctx.push(
            Severity::Warning,
            "compose/obsolete-version",
            node.key_span(&top.key("version")),
            &top.key("version"),
            "the top-level `version` is obsolete in the Compose Specification and ignored; remove it".to_owned(),
        );
    }
    let names: BTreeSet<&str> = compose.services.iter().map(|s| s.name.as_str()).collect();
    let mut published: Vec<(&ComposeService, &PortMapping)> = Vec::new();
    for s in &compose.services {
        let span_of = |p: &FieldPath| node.locate(p).span;
        if s.image.is_none() && !s.build {
            ctx.push(
                Severity::Error,
                "compose/missing-image",
                node.key_span(&s.path),
                &s.path,
                format!("service `{}` has neither image nor build", s.name),
            );
        }
        if let Some(image) = &s.image
            && let Some(problem) = image_problem(image)
        {
            let p = s.path.key("image");
            ctx.push(
                Severity::Warning,
                "compose/image-tag",
                span_of(&p),
                &p,
                format!("image `{image}` of service `{}` {problem}", s.name),
            );
        }
        for v in &s.volumes {
            if v.kind == MountKind::Volume
                && let Some(src) = &v.source
                && !compose.volumes.contains(src)
            {
                ctx.push(
                    Severity::Error,
                    "compose/undefined-volume",
                    span_of(&v.path),
                    &v.path,
                    format!("service `{}` uses volume `{src}`, which is not declared under the top-level volumes", s.name),
                );
            }
        }
        for (i, n) in s.networks.iter().enumerate() {
            if n != "default" && !compose.networks.contains(n) {
                let p = s.path.key("networks");
                let p = if node.at(&p).and_then(Node::as_seq).is_some() {
                    p.index(i)
                } else {
                    p.key(n)
                };
                ctx.push(
                    Severity::Error,
                    "compose/undefined-network",
                    node.key_span(&p),
                    &p,
                    format!("service `{}` uses network `{n}`, which is not declared under the top-level networks", s.name),
                );
            }
        }
        for (i, d) in s.depends_on.iter().enumerate() {
            if !names.contains(d.as_str()) {
                let p = s.path.key("depends_on");
                let p = if node.at(&p).and_then(Node::as_seq).is_some() {
                    p.index(i)
                } else {
                    p.key(d)
                };
                ctx.push(
                    Severity::Error,
                    "compose/depends-on-undefined",
                    node.key_span(&p),
                    &p,
                    format!(
                        "service `{}` depends on `{d}`, which is not a service",
                        s.name
                    ),
                );
            }
        }
        for p in &s.ports {
            let Some((lo, hi)) = p.published else {
                continue;
            };
            for (other_s, other) in &published {
                let Some((olo, ohi)) = other.published else {
                    continue;
                };
                let same_ip = match (&p.host_ip, &other.host_ip) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                if same_ip && p.protocol == other.protocol && lo <= ohi && olo <= hi {
                    ctx.push(
                        Severity::Error,
                        "compose/port-clash",
                        span_of(&p.path),
                        &p.path,
                        format!(
                            "service `{}` publishes host port {lo}/{} which service `{}` already publishes",
                            s.name, p.protocol, other_s.name
                        ),
                    );
                }
            }
            published.push((s, p));
        }
    }
    // depends_on cycles: report each service on a cycle once, at its depends_on.
    let graph: BTreeMap<&str, Vec<&str>> = compose
        .services
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.depends_on.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    for s in &compose.services {
        if let Some(cycle) = find_cycle(&graph, &s.name) {
            let p = s.path.key("depends_on");
            ctx.push(
                Severity::Error,
                "compose/depends-on-cycle",
                node.key_span(&p),
                &p,
                format!(
                    "service `{}` is on a depends_on cycle: {}",
                    s.name,
                    cycle.join(" -> ")
                ),
            );
        }
    }
    let mut out = ctx.out;
    crate::diagnostic::sort(&mut out);
    out
}

/// A cycle through `start`, as the list of names from `start` back to `start`.
fn find_cycle<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>, start: &'a str) -> Option<Vec<&'a str>> {
    // Depth-first search with an explicit stack (no recursion on input-sized depth).
    let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
    let mut on_path: Vec<&str> = vec![start];
    let mut done: BTreeSet<&str> = BTreeSet::new();
    while let Some((node, next)) = stack.pop() {
        let deps = graph.get(node).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(&dep) = deps.get(next) {
            stack.push((node, next + 1));
            if dep == start {
                let mut cycle = on_path.clone();
                cycle.push(start);
                return Some(cycle);
            }
            if !on_path.contains(&dep) && !done.contains(dep) {
                stack.push((dep, 0));
                on_path.push(dep);
            }
        } else {
            done.insert(node);
            on_path.pop();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(src: &str) -> Vec<(String, usize, usize)> {
        let (c, mut d) = load_compose(src, Path::new("c.yaml")).unwrap();
        d.extend(check_compose(&c));
        d.into_iter().map(|d| (d.code, d.line, d.column)).collect()
    }

    #[test]
    fn structure_and_semantics() {
        let src = "services:\n  a:\n    image: x:1\n    port: ['80:80']\n    ports: ['8080:80', 'x:y']\n    volumes: [data:/d, ./c:/c:ro, other:/o]\n    networks: [front, back]\n    depends_on: [b]\n    healthcheck: {test: curl, interval: 30 seconds}\n  b:\n    image: y\n    ports: ['8080:81']\n    depends_on: [a, c]\n  d: {}\nvolumes: {data: }\nnetworks: {front: }\n";
        let got = all(src);
        let want: Vec<(String, usize, usize)> = vec![
            ("compose/unknown-field".into(), 4, 5),
            ("compose/invalid-port".into(), 5, 24),
            ("compose/invalid-duration".into(), 9, 41),
            ("compose/undefined-volume".into(), 6, 35),
            ("compose/undefined-network".into(), 7, 23),
            ("compose/depends-on-cycle".into(), 8, 5),
            ("compose/image-tag".into(), 11, 12),
            ("compose/port-clash".into(), 12, 13),
            ("compose/depends-on-cycle".into(), 13, 5),
            ("compose/depends-on-undefined".into(), 13, 21),
            ("compose/missing-image".into(), 14, 3),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn clean_file_and_long_syntax() {
        let src = "name: shop\nservices:\n  web:\n    image: nginx:1.25\n    ports: [{target: 80, published: '8080', protocol: tcp}, 9000]\n    volumes: [{type: volume, source: data, target: /d}, {type: bind, source: ., target: /src, read_only: true}]\n    networks: {front: {aliases: [w]}}\n    environment: {A: '1', B: }\n    healthcheck: {test: [CMD, true], interval: 1m30s, retries: 3}\n    x-note: fine\nvolumes: {data: {}}\nnetworks: {front: {}}\nx-common: {}\n";
        let (c, d) = load_compose(src, Path::new("c.yaml")).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert!(check_compose(&c).is_empty());
        let web = &c.services[0];
        assert_eq!(web.ports[0].published, Some((8080, 8080)));
        assert_eq!(web.ports[1].published, None);
        assert_eq!(web.volumes[1].kind, MountKind::Bind);
        assert!(web.volumes[1].read_only);
        assert_eq!(web.environment.get("B"), Some(&None));
        assert_eq!(web.healthcheck.as_ref().unwrap().interval_ms, Some(90_000));
        assert_eq!(c.name.as_deref(), Some("shop"));
    }

    #[test]
    fn ports_and_durations() {
        assert_eq!(parse_port("[::1]:80:80").unwrap().0.as_deref(), Some("::1"));
        assert_eq!(parse_port("127.0.0.1::80").unwrap().1, None);
        assert!(parse_port("80/xyz").is_none());
        assert!(parse_port("1-3:5-6").is_none());
        assert!(parse_port("70000").is_none());
        assert_eq!(parse_duration_ms("1h"), Some(3_600_000));
        assert_eq!(parse_duration_ms("1.5s"), Some(1500));
        assert_eq!(parse_duration_ms(""), None);
        assert_eq!(parse_duration_ms("10"), None);
    }

    #[test]
    fn non_mapping_files_are_errors() {
        assert!(load_compose("", Path::new("c.yaml")).is_err());
        assert!(load_compose("- a\n", Path::new("c.yaml")).is_err());
    }
}
