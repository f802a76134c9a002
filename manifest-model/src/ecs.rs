//! ECS task definitions: the JSON that `aws ecs register-task-definition --cli-input-json`
//! takes, strictly checked and typed.
//!
//! [`load_task_definition`] checks the structure (unknown fields and unknown enum values are
//! errors, which the AWS SDK accepts silently) with positions, then deserializes the typed
//! [`TaskDefinition`]; [`check_task_definition`] adds the semantic checks.
//!
//! | code | severity | finding |
//! |---|---|---|
//! | `ecs/unknown-field` | error | a field RegisterTaskDefinition does not have, with the closest name |
//! | `ecs/wrong-type` | error | a value of the wrong JSON type (e.g. `cpu` as a number) |
//! | `ecs/unknown-enum-value` | error | a value outside the field's enum (`networkMode: vpc`) |
//! | `ecs/missing-required-field` | error | `family`, `containerDefinitions`, a container's `name` or `image`... |
//! | `ecs/fargate-size` | error | a cpu/memory pair Fargate does not offer, or missing task-level cpu/memory |
//! | `ecs/fargate-network-mode` | error | Fargate without `networkMode: awsvpc` |
//! | `ecs/no-essential-container` | error | no container is essential |
//! | `ecs/host-port-mismatch` | error | with awsvpc, a `hostPort` different from `containerPort` |
//! | `ecs/health-check-range` | error | health check interval 5-300, timeout 2-60, retries 1-10, startPeriod 0-300, command starting with CMD or CMD-SHELL |
//! | `ecs/execution-role-missing` | error | awslogs on Fargate, or `secrets`, without `executionRoleArn` |
//! | `ecs/undefined-volume` | error | a mount point naming a volume the task does not define |
//! | `ecs/efs-transit-encryption` | warning | an EFS volume without transit encryption (an error with IAM authorization) |
//! | `ecs/read-only-root-fs` | warning | a container without `readonlyRootFilesystem: true` |
//! | `ecs/image-tag` | warning | an image without a tag or with `latest` |
//!
//! ```
//! use manifest_model::ecs::{check_task_definition, load_task_definition};
//! let src = r#"{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
//!   "cpu": "256", "memory": "512", "executionRoleArn": "arn:aws:iam::1:role/x",
//!   "containerDefinitions": [{"name": "web", "image": "nginx:1.25", "essential": true,
//!     "readonlyRootFilesystem": true, "portMappings": [{"containerPort": 80}]}]}"#;
//! let (td, structural) = load_task_definition(src, "td.json".as_ref())?;
//! assert!(structural.is_empty());
//! assert_eq!(td.family, "web");
//! assert!(check_task_definition(&td).is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::diagnostic::{Diagnostic, Severity};
use crate::validate::closest;
use crate::yaml::{self, FieldPath, Node, NodeValue};

/// The shape of a field in the RegisterTaskDefinition input.
#[derive(Debug)]
enum K {
    Str,
    Int,
    Bool,
    Enum(&'static [&'static str]),
    Obj(&'static [F]),
    Arr(&'static K),
    StrMap,
    Any,
}

/// A field name, its shape and whether it is required.
#[derive(Debug)]
struct F(&'static str, K, bool);

const fn f(name: &'static str, k: K) -> F {
    F(name, k, false)
}

const fn req(name: &'static str, k: K) -> F {
    F(name, k, true)
}

const KEY_VALUE: &[F] = &[f("name", K::Str), f("value", K::Str)];
const SECRET: &[F] = &[req("name", K::Str), req("valueFrom", K::Str)];
const PORT_MAPPING: &[F] = &[
    f("containerPort", K::Int),
    f("hostPort", K::Int),
    f("protocol", K::Enum(&["tcp", "udp"])),
    f("name", K::Str),
    f("appProtocol", K::Enum(&["http", "http2", "grpc"])),
    f("containerPortRange", K::Str),
];
const MOUNT_POINT: &[F] = &[
    f("sourceVolume", K::Str),
    f("containerPath", K::Str),
    f("readOnly", K::Bool),
];
const LOG_CONFIGURATION: &[F] = &[
    req(
        "logDriver",
        K::Enum(&[
            "json-file",
            "syslog",
            "journald",
            "gelf",
            "fluentd",
            "awslogs",
            "splunk",
            "awsfirelens",
        ]),
    ),
    f("options", K::StrMap),
    f("secretOptions", K::Arr(&K::Obj(SECRET))),
];
const HEALTH_CHECK: &[F] = &[
    req("command", K::Arr(&K::Str)),
    f("interval", K::Int),
    f("timeout", K::Int),
    f("retries", K::Int),
    f("startPeriod", K::Int),
];
const DEPENDS_ON: &[F] = &[
    req("containerName", K::Str),
    req(
        "condition",
        K::Enum(&["START", "COMPLETE", "SUCCESS", "HEALTHY"]),
    ),
];
const CONTAINER: &[F] = &[
    req("name", K::Str),
    req("image", K::Str),
    f("repositoryCredentials", K::Any),
    f("cpu", K::Int),
    f("memory", K::Int),
    f("memoryReservation", K::Int),
    f("links", K::Arr(&K::Str)),
    f("portMappings", K::Arr(&K::Obj(PORT_MAPPING))),
    f("essential", K::Bool),
    f("restartPolicy", K::Any),
    f("entryPoint", K::Arr(&K::Str)),
    f("command", K::Arr(&K::Str)),
    f("environment", K::Arr(&K::Obj(KEY_VALUE))),
    f("environmentFiles", K::Any),
    f("mountPoints", K::Arr(&K::Obj(MOUNT_POINT))),
    f("volumesFrom", K::Any),
    f("linuxParameters", K::Any),
    f("secrets", K::Arr(&K::Obj(SECRET))),
    f("dependsOn", K::Arr(&K::Obj(DEPENDS_ON))),
    f("startTimeout", K::Int),
    f("stopTimeout", K::Int),
    f("versionConsistency", K::Enum(&["enabled", "disabled"])),
    f("hostname", K::Str),
    f("user", K::Str),
    f("workingDirectory", K::Str),
    f("disableNetworking", K::Bool),
    f("privileged", K::Bool),
    f("readonlyRootFilesystem", K::Bool),
    f("dnsServers", K::Arr(&K::Str)),
    f("dnsSearchDomains", K::Arr(&K::Str)),
    f("extraHosts", K::Any),
    f("dockerSecurityOptions", K::Arr(&K::Str)),
    f("interactive", K::Bool),
    f("pseudoTerminal", K::Bool),
    f("dockerLabels", K::StrMap),
    f("ulimits", K::Any),
    f("logConfiguration", K::Obj(LOG_CONFIGURATION)),
    f("healthCheck", K::Obj(HEALTH_CHECK)),
    f("systemControls", K::Any),
    f("resourceRequirements", K::Any),
    f("firelensConfiguration", K::Any),
    f("credentialSpecs", K::Arr(&K::Str)),
];
const AUTHORIZATION: &[F] = &[
    f("accessPointId", K::Str),
    f("iam", K::Enum(&["ENABLED", "DISABLED"])),
];
const EFS: &[F] = &[
    req("fileSystemId", K::Str),
    f("rootDirectory", K::Str),
    f("transitEncryption", K::Enum(&["ENABLED", "DISABLED"])),
    f("transitEncryptionPort", K::Int),
    f("authorizationConfig", K::Obj(AUTHORIZATION)),
];
const VOLUME: &[F] = &[
    f("name", K::Str),
    f("host", K::Any),
    f("dockerVolumeConfiguration", K::Any),
    f("efsVolumeConfiguration", K::Obj(EFS)),
    f("fsxWindowsFileServerVolumeConfiguration", K::Any),
    f("configuredAtLaunch", K::Bool),
];
const TASK_DEFINITION: &[F] = &[
    req("family", K::Str),
    f("taskRoleArn", K::Str),
    f("executionRoleArn", K::Str),
    f(
        "networkMode",
        K::Enum(&["bridge", "host", "awsvpc", "none"]),
    ),
    req("containerDefinitions", K::Arr(&K::Obj(CONTAINER))),
    f("volumes", K::Arr(&K::Obj(VOLUME))),
    f("placementConstraints", K::Any),
    f(
        "requiresCompatibilities",
        K::Arr(&K::Enum(&[
            "EC2",
            "FARGATE",
            "EXTERNAL",
            "MANAGED_INSTANCES",
        ])),
    ),
    f("cpu", K::Str),
    f("memory", K::Str),
    f("tags", K::Any),
    f("pidMode", K::Enum(&["host", "task"])),
    f("ipcMode", K::Enum(&["host", "task", "none"])),
    f("proxyConfiguration", K::Any),
    f("inferenceAccelerators", K::Any),
    f("ephemeralStorage", K::Any),
    f("runtimePlatform", K::Any),
    f("enableFaultInjection", K::Bool),
];

/// A task definition (the RegisterTaskDefinition input).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinition {
    /// `family`.
    pub family: String,
    /// `taskRoleArn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// `executionRoleArn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// `networkMode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    /// `requiresCompatibilities`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_compatibilities: Vec<String>,
    /// Task-level `cpu` (a string such as `"1024"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Task-level `memory` (a string such as `"2048"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// `containerDefinitions`.
    pub container_definitions: Vec<ContainerDefinition>,
    /// `volumes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// The file the definition was read from.
    #[serde(skip)]
    pub file: PathBuf,
    /// The document with positions.
    #[serde(skip)]
    pub node: Option<Node>,
}

/// One container definition (the fields the checks use; see [`TaskDefinition`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinition {
    /// `name`.
    pub name: String,
    /// `image`.
    pub image: String,
    /// `essential` (defaults to true in ECS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    /// `cpu` units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    /// Hard `memory` limit (MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    /// `command`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// `portMappings`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<PortMapping>,
    /// `mountPoints`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mount_points: Vec<MountPoint>,
    /// `environment`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<KeyValue>,
    /// `secrets`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretRef>,
    /// `readonlyRootFilesystem`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<bool>,
    /// `logConfiguration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
    /// `healthCheck`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// Every other field, as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `portMappings[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    /// `containerPort`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_port: Option<i64>,
    /// `hostPort`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i64>,
    /// `protocol`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Every other field, as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `mountPoints[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountPoint {
    /// `sourceVolume`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_volume: Option<String>,
    /// `containerPath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_path: Option<String>,
    /// `readOnly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

/// `environment[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyValue {
    /// `name`.
    pub name: Option<String>,
    /// `value`.
    pub value: Option<String>,
}

/// `secrets[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretRef {
    /// `name`.
    pub name: String,
    /// `valueFrom` (a Secrets Manager or SSM ARN).
    pub value_from: String,
}

/// `logConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogConfiguration {
    /// `logDriver`.
    pub log_driver: String,
    /// `options`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// Every other field, as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `healthCheck`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    /// `command`.
    pub command: Vec<String>,
    /// `interval` (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    /// `timeout` (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// `retries`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    /// `startPeriod` (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<i64>,
}

/// `volumes[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    /// `name`.
    pub name: Option<String>,
    /// `efsVolumeConfiguration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efs_volume_configuration: Option<EfsVolumeConfiguration>,
    /// Every other field, as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `efsVolumeConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EfsVolumeConfiguration {
    /// `fileSystemId`.
    pub file_system_id: String,
    /// `rootDirectory`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_directory: Option<String>,
    /// `transitEncryption` (`ENABLED` or `DISABLED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit_encryption: Option<String>,
    /// Every other field, as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

struct Ctx<'a> {
    file: &'a Path,
    out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&mut self, severity: Severity, code: &str, node: &Node, path: &FieldPath, msg: String) {
        let mut d = Diagnostic::new(severity, code, msg).at_span(self.file, node.span);
        if !path.is_root() {
            d = d.with_path(path.to_string());
        }
        self.out.push(d);
    }

    fn walk(&mut self, node: &Node, k: &K, path: &FieldPath) {
        if node.is_null() {
            return;
        }
        let expected = match k {
            K::Any => return,
            K::Str => (!matches!(node.value, NodeValue::String(_))).then_some("a string"),
            K::Int => (!matches!(node.value, NodeValue::Int(_))).then_some("an integer"),
            K::Bool => (!matches!(node.value, NodeValue::Bool(_))).then_some("a boolean"),
            K::Enum(values) => match node.as_str() {
                Some(v) if values.contains(&v) => None,
                Some(v) => {
                    let mut msg =
                        format!("`{path}` is {v:?}, expected one of {}", values.join(", "));
                    if let Some(c) = closest(v, values.iter().copied()) {
                        msg.push_str(&format!("; did you mean `{c}`?"));
                    }
                    self.at(Severity::Error, "ecs/unknown-enum-value", node, path, msg);
                    return;
                }
                None => Some("a string"),
            },
            K::StrMap => match node.as_map() {
                Some(entries) => {
                    for e in entries {
                        self.walk(&e.value, &K::Str, &path.key(&e.key));
                    }
                    None
                }
                None => Some("an object"),
            },
            K::Arr(item) => match node.as_seq() {
                Some(items) => {
                    for (i, it) in items.iter().enumerate() {
                        self.walk(it, item, &path.index(i));
                    }
                    None
                }
                None => Some("an array"),
            },
            K::Obj(fields) => match node.as_map() {
                Some(entries) => {
                    for e in entries {
                        let child = path.key(&e.key);
                        match fields.iter().find(|fd| fd.0 == e.key) {
                            Some(fd) => self.walk(&e.value, &fd.1, &child),
                            None => {
                                let s = closest(&e.key, fields.iter().map(|fd| fd.0));
                                let mut msg = format!("unknown field `{}`", e.key);
                                if let Some(s) = s {
                                    msg.push_str(&format!("; did you mean `{s}`?"));
                                }
                                let mut d =
                                    Diagnostic::new(Severity::Error, "ecs/unknown-field", msg)
                                        .at_span(self.file, e.key_span)
                                        .with_path(child.to_string());
                                if let Some(s) = s {
                                    d = d.with_suggestion(s);
                                }
                                self.out.push(d);
                            }
                        }
                    }
                    for fd in fields.iter().filter(|fd| fd.2) {
                        if node.get(fd.0).is_none_or(Node::is_null) {
                            self.at(
                                Severity::Error,
                                "ecs/missing-required-field",
                                node,
                                path,
                                format!("missing required field `{}`", fd.0),
                            );
                        }
                    }
                    None
                }
                None => Some("an object"),
            },
        };
        if let Some(expected) = expected {
            self.at(
                Severity::Error,
                "ecs/wrong-type",
                node,
                path,
                format!("`{path}` must be {expected}, found {}", node.type_name()),
            );
        }
    }
}

/// Parse a task definition (JSON, or YAML) and check its structure.
///
/// Returns the typed definition and the structural findings. A definition with structural
/// errors is still returned when its known fields have the right types.
///
/// # Errors
///
/// As [`yaml::parse`] for malformed input; [`Error::Syntax`] for an empty file or one whose
/// fields cannot be typed (the findings say why in the error message).
pub fn load_task_definition(
    src: &str,
    file: &Path,
) -> Result<(TaskDefinition, Vec<Diagnostic>), Error> {
    let stream = yaml::parse(src, file)?;
    let Some(doc) = stream.documents.into_iter().next() else {
        return Err(Error::Syntax {
            file: file.to_path_buf(),
            line: 1,
            column: 1,
            message: "empty task definition".to_owned(),
        });
    };
    let mut ctx = Ctx {
        file,
        out: Vec::new(),
    };
    for d in &stream.duplicates {
        ctx.out.push(d.to_diagnostic(file, true));
    }
    ctx.walk(&doc.root, &K::Obj(TASK_DEFINITION), &FieldPath::root());
    let mut td: TaskDefinition = match serde_json::from_value(doc.root.to_json()) {
        Ok(td) => td,
        Err(e) => {
            let first = ctx.out.iter().find(|d| d.severity == Severity::Error);
            return Err(Error::Syntax {
                file: file.to_path_buf(),
                line: first.map_or(doc.root.span.start.line, |d| d.line),
                column: first.map_or(doc.root.span.start.column, |d| d.column),
                message: first.map_or_else(|| e.to_string(), |d| d.message.clone()),
            });
        }
    };
    td.file = file.to_path_buf();
    td.node = Some(doc.root);
    Ok((td, ctx.out))
}

/// Fargate's valid task memory (MiB) for a task cpu value (units).
fn fargate_memory_ok(cpu: u32, memory: u32) -> bool {
    let gb = |g: u32| g * 1024;
    match cpu {
        256 => [512, 1024, 2048].contains(&memory),
        512 => (gb(1)..=gb(4)).contains(&memory) && memory.is_multiple_of(1024),
        1024 => (gb(2)..=gb(8)).contains(&memory) && memory.is_multiple_of(1024),
        2048 => (gb(4)..=gb(16)).contains(&memory) && memory.is_multiple_of(1024),
        4096 => (gb(8)..=gb(30)).contains(&memory) && memory.is_multiple_of(1024),
        8192 => (gb(16)..=gb(60)).contains(&memory) && memory.is_multiple_of(gb(4)),
        16384 => (gb(32)..=gb(120)).contains(&memory) && memory.is_multiple_of(gb(8)),
        _ => false,
    }
}

/// `"1 vCPU"`/`"1024"` to cpu units and `"2GB"`/`"2048"` to MiB.
fn parse_units(s: &str, unit_words: &[&str], per_unit: f64) -> Option<u32> {
    let t = s.trim();
    for w in unit_words {
        if let Some(n) = t.strip_suffix(w) {
            let v: f64 = n.trim().parse().ok()?;
            let units = v * per_unit;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return (0.0..1e9).contains(&units).then_some(units as u32);
        }
    }
    t.parse().ok()
}

/// The semantic checks of a task definition (see the module docs), sorted by position.
#[must_use]
pub fn check_task_definition(td: &TaskDefinition) -> Vec<Diagnostic> {
    let empty = Node {
        span: yaml::Span::default(),
        value: NodeValue::Null,
        plain: false,
    };
    let root = td.node.as_ref().unwrap_or(&empty);
    let mut out = Vec::new();
    let mut push = |severity, code: &str, path: &FieldPath, msg: String| {
        let span = root.locate(path).span;
        let mut d = Diagnostic::new(severity, code, msg).at_span(&td.file, span);
        if !path.is_root() {
            d = d.with_path(path.to_string());
        }
        out.push(d);
    };
    let top = FieldPath::root();
    let fargate = td.requires_compatibilities.iter().any(|c| c == "FARGATE");
    let awsvpc = td.network_mode.as_deref() == Some("awsvpc");
    if fargate {
        if !awsvpc {
            push(
                Severity::Error,
                "ecs/fargate-network-mode",
                &top.key("networkMode"),
                format!(
                    "Fargate tasks need networkMode awsvpc, not {}",
                    td.network_mode.as_deref().unwrap_or("the default (bridge)")
                ),
            );
        }
        let cpu = td
            .cpu
            .as_deref()
            .and_then(|c| parse_units(c, &["vCPU", "vcpu"], 1024.0));
        let mem = td
            .memory
            .as_deref()
            .and_then(|m| parse_units(m, &["GB", "gb"], 1024.0));
        match (cpu, mem) {
            (Some(c), Some(m)) if fargate_memory_ok(c, m) => {}
            (Some(c), Some(m)) => push(
                Severity::Error,
                "ecs/fargate-size",
                &top.key("memory"),
                format!("Fargate does not offer cpu {c} with memory {m} MiB"),
            ),
            _ => push(
                Severity::Error,
                "ecs/fargate-size",
                &top,
                "Fargate tasks need task-level cpu and memory (as strings such as \"1024\")"
                    .to_owned(),
            ),
        }
    }
    if !td
        .container_definitions
        .iter()
        .any(|c| c.essential != Some(false))
    {
        push(
            Severity::Error,
            "ecs/no-essential-container",
            &top.key("containerDefinitions"),
            "no container is essential: at least one must be".to_owned(),
        );
    }
    let volumes: Vec<&str> = td
        .volumes
        .iter()
        .filter_map(|v| v.name.as_deref())
        .collect();
    let mut awslogs_at = None;
    let mut secrets_at = None;
    for (i, c) in td.container_definitions.iter().enumerate() {
        let cp = top.key("containerDefinitions").index(i);
        if let Some(problem) = crate::lint::image_problem(&c.image) {
            push(
                Severity::Warning,
                "ecs/image-tag",
                &cp.key("image"),
                format!("image `{}` of container `{}` {problem}", c.image, c.name),
            );
        }
        if c.readonly_root_filesystem != Some(true) {
            push(
                Severity::Warning,
                "ecs/read-only-root-fs",
                &cp,
                format!(
                    "container `{}` has a writable root filesystem (set readonlyRootFilesystem: true)",
                    c.name
                ),
            );
        }
        for (j, p) in c.port_mappings.iter().enumerate() {
            if awsvpc
                && let (Some(h), Some(cport)) = (p.host_port, p.container_port)
                && h != cport
            {
                push(
                    Severity::Error,
                    "ecs/host-port-mismatch",
                    &cp.key("portMappings").index(j).key("hostPort"),
                    format!(
                        "with awsvpc the hostPort must equal the containerPort ({cport}) or be omitted, not {h}"
                    ),
                );
            }
        }
        for (j, m) in c.mount_points.iter().enumerate() {
            if let Some(v) = &m.source_volume
                && !volumes.contains(&v.as_str())
            {
                push(
                    Severity::Error,
                    "ecs/undefined-volume",
                    &cp.key("mountPoints").index(j).key("sourceVolume"),
                    format!(
                        "container `{}` mounts volume `{v}`, which the task does not define",
                        c.name
                    ),
                );
            }
        }
        if let Some(h) = &c.health_check {
            let hp = cp.key("healthCheck");
            let ranges = [
                ("interval", h.interval, 5, 300),
                ("timeout", h.timeout, 2, 60),
                ("retries", h.retries, 1, 10),
                ("startPeriod", h.start_period, 0, 300),
            ];
            for (field, value, lo, hi) in ranges {
                if let Some(v) = value
                    && !(lo..=hi).contains(&v)
                {
                    push(
                        Severity::Error,
                        "ecs/health-check-range",
                        &hp.key(field),
                        format!("healthCheck.{field} is {v}, must be between {lo} and {hi}"),
                    );
                }
            }
            if !matches!(
                h.command.first().map(String::as_str),
                Some("CMD" | "CMD-SHELL")
            ) {
                push(
                    Severity::Error,
                    "ecs/health-check-range",
                    &hp.key("command"),
                    "healthCheck.command must start with CMD or CMD-SHELL".to_owned(),
                );
            }
        }
        if c.log_configuration
            .as_ref()
            .is_some_and(|l| l.log_driver == "awslogs")
            && awslogs_at.is_none()
        {
            awslogs_at = Some(cp.key("logConfiguration").key("logDriver"));
        }
        if !c.secrets.is_empty() && secrets_at.is_none() {
            secrets_at = Some(cp.key("secrets"));
        }
    }
    if td.execution_role_arn.is_none() {
        if fargate && let Some(p) = &awslogs_at {
            push(
                Severity::Error,
                "ecs/execution-role-missing",
                p,
                "awslogs on Fargate needs an executionRoleArn (the task execution role sends the logs to CloudWatch)".to_owned(),
            );
        }
        if let Some(p) = &secrets_at {
            push(
                Severity::Error,
                "ecs/execution-role-missing",
                p,
                "container secrets need an executionRoleArn to be fetched".to_owned(),
            );
        }
    }
    for (i, v) in td.volumes.iter().enumerate() {
        let Some(efs) = &v.efs_volume_configuration else {
            continue;
        };
        if efs.transit_encryption.as_deref() != Some("ENABLED") {
            let iam = efs
                .other
                .get("authorizationConfig")
                .and_then(|a| a.get("iam"))
                .and_then(|v| v.as_str())
                == Some("ENABLED");
            push(
                if iam {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                "ecs/efs-transit-encryption",
                &top.key("volumes").index(i).key("efsVolumeConfiguration"),
                format!(
                    "EFS volume `{}` is mounted without transit encryption{}",
                    v.name.as_deref().unwrap_or(""),
                    if iam {
                        " although IAM authorization requires it"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
    crate::diagnostic::sort(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_table() {
        assert!(fargate_memory_ok(256, 512));
        assert!(!fargate_memory_ok(256, 4096));
        assert!(fargate_memory_ok(4096, 16384));
        assert!(!fargate_memory_ok(4096, 31 * 1024));
        assert!(fargate_memory_ok(8192, 20 * 1024));
        assert!(!fargate_memory_ok(8192, 18 * 1024));
        assert!(!fargate_memory_ok(300, 1024));
        assert_eq!(parse_units("1 vCPU", &["vCPU"], 1024.0), Some(1024));
        assert_eq!(parse_units("2GB", &["GB"], 1024.0), Some(2048));
    }

    fn codes(src: &str) -> Vec<(String, usize, usize)> {
        let (td, mut d) = load_task_definition(src, Path::new("td.json")).unwrap();
        d.extend(check_task_definition(&td));
        d.into_iter().map(|d| (d.code, d.line, d.column)).collect()
    }

    #[test]
    fn structural_and_semantic_findings() {
        let src = r#"{
  "family": "x",
  "networkMode": "bridge",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "4096",
  "containerDefinitions": [{
    "name": "a", "image": "nginx", "essential": false,
    "portMapping": [],
    "portMappings": [{"containerPort": 80, "hostPort": 8080, "protocol": "tcpp"}],
    "mountPoints": [{"sourceVolume": "nope", "containerPath": "/x"}],
    "secrets": [{"name": "P", "valueFrom": "arn:x"}],
    "healthCheck": {"command": ["curl"], "interval": 1, "retries": 11}
  }],
  "volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "authorizationConfig": {"iam": "ENABLED"}}}]
}"#;
        let got = codes(src);
        let want: Vec<(String, usize, usize)> = vec![
            ("ecs/unknown-field".into(), 9, 5),
            ("ecs/unknown-enum-value".into(), 10, 74),
            ("ecs/fargate-network-mode".into(), 3, 18),
            ("ecs/fargate-size".into(), 6, 13),
            ("ecs/no-essential-container".into(), 7, 27),
            ("ecs/image-tag".into(), 8, 27),
            ("ecs/read-only-root-fs".into(), 7, 28),
            ("ecs/undefined-volume".into(), 11, 38),
            ("ecs/execution-role-missing".into(), 12, 16),
            ("ecs/health-check-range".into(), 13, 32),
            ("ecs/health-check-range".into(), 13, 54),
            ("ecs/health-check-range".into(), 13, 68),
            ("ecs/efs-transit-encryption".into(), 15, 55),
        ];
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want_sorted = want;
        want_sorted.sort();
        assert_eq!(got_sorted, want_sorted, "{got:#?}");
    }

    #[test]
    fn wrong_types_are_errors_with_positions() {
        let src =
            "{\"family\": \"x\", \"cpu\": 256, \"containerDefinitions\": [{\"name\": \"a\"}]}";
        let e = load_task_definition(src, Path::new("td.json")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "td.json:1:24: yaml syntax error: `cpu` must be a string, found integer"
        );
        let src = "{\"family\": \"x\", \"containerDefinitions\": [{\"name\": \"a\", \"image\": \"b:1\", \"essential\": \"yes\"}]}";
        assert!(load_task_definition(src, Path::new("td.json")).is_err());
        let src = "{\"containerDefinitions\": []}";
        let e = load_task_definition(src, Path::new("td.json")).unwrap_err();
        assert!(
            e.to_string().contains("missing required field `family`"),
            "{e}"
        );
    }
}

/// Conversion into the AWS SDK and calls through an ECS client (feature `ecs`).
#[cfg(feature = "ecs")]
#[cfg_attr(docsrs, doc(cfg(feature = "ecs")))]
pub mod sdk {
    use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionInput;
    use aws_sdk_ecs::types;

    use super::TaskDefinition;
    use crate::Error;

    fn unsupported(field: String) -> Error {
        Error::Ecs {
            operation: "convert",
            message: format!("field `{field}` is not supported by the SDK conversion"),
        }
    }

    fn build_error(e: impl std::fmt::Display) -> Error {
        Error::Ecs {
            operation: "convert",
            message: e.to_string(),
        }
    }

    fn int(v: i64, field: &str) -> Result<i32, Error> {
        i32::try_from(v).map_err(|_| Error::Ecs {
            operation: "convert",
            message: format!("`{field}` is out of range: {v}"),
        })
    }

    /// The RegisterTaskDefinition input for `td`, built field by field.
    ///
    /// # Errors
    ///
    /// [`Error::Ecs`] for a field the conversion does not carry (rather than dropping it) or
    /// a value out of the SDK's range.
    pub fn register_input(td: &TaskDefinition) -> Result<RegisterTaskDefinitionInput, Error> {
        let mut b = RegisterTaskDefinitionInput::builder()
            .family(&td.family)
            .set_task_role_arn(td.task_role_arn.clone())
            .set_execution_role_arn(td.execution_role_arn.clone())
            .set_network_mode(td.network_mode.as_deref().map(types::NetworkMode::from))
            .set_cpu(td.cpu.clone())
            .set_memory(td.memory.clone());
        for c in &td.requires_compatibilities {
            b = b.requires_compatibilities(types::Compatibility::from(c.as_str()));
        }
        for (i, c) in td.container_definitions.iter().enumerate() {
            if let Some(k) = c.other.keys().next() {
                return Err(unsupported(format!("containerDefinitions[{i}].{k}")));
            }
            let mut cb = types::ContainerDefinition::builder()
                .name(&c.name)
                .image(&c.image)
                .set_essential(c.essential)
                .set_readonly_root_filesystem(c.readonly_root_filesystem);
            if let Some(cpu) = c.cpu {
                cb = cb.cpu(int(cpu, "cpu")?);
            }
            if let Some(m) = c.memory {
                cb = cb.memory(int(m, "memory")?);
            }
            for a in &c.command {
                cb = cb.command(a);
            }
            for p in &c.port_mappings {
                if let Some(k) = p.other.keys().next() {
                    return Err(unsupported(format!("portMappings[].{k}")));
                }
                let mut pb = types::PortMapping::builder()
                    .set_protocol(p.protocol.as_deref().map(types::TransportProtocol::from));
                if let Some(cp) = p.container_port {
                    pb = pb.container_port(int(cp, "containerPort")?);
                }
                if let Some(hp) = p.host_port {
                    pb = pb.host_port(int(hp, "hostPort")?);
                }
                cb = cb.port_mappings(pb.build());
            }
            for m in &c.mount_points {
                cb = cb.mount_points(
                    types::MountPoint::builder()
                        .set_source_volume(m.source_volume.clone())
                        .set_container_path(m.container_path.clone())
                        .set_read_only(m.read_only)
                        .build(),
                );
            }
            for e in &c.environment {
                cb = cb.environment(
                    types::KeyValuePair::builder()
                        .set_name(e.name.clone())
                        .set_value(e.value.clone())
                        .build(),
                );
            }
            for s in &c.secrets {
                cb = cb.secrets(
                    types::Secret::builder()
                        .name(&s.name)
                        .value_from(&s.value_from)
                        .build()
                        .map_err(build_error)?,
                );
            }
            if let Some(l) = &c.log_configuration {
                if let Some(k) = l.other.keys().next() {
                    return Err(unsupported(format!("logConfiguration.{k}")));
                }
                let mut lb = types::LogConfiguration::builder()
                    .log_driver(types::LogDriver::from(l.log_driver.as_str()));
                for (k, v) in &l.options {
                    lb = lb.options(k, v);
                }
                cb = cb.log_configuration(lb.build().map_err(build_error)?);
            }
            if let Some(h) = &c.health_check {
                let mut hb = types::HealthCheck::builder().set_command(Some(h.command.clone()));
                if let Some(v) = h.interval {
                    hb = hb.interval(int(v, "interval")?);
                }
                if let Some(v) = h.timeout {
                    hb = hb.timeout(int(v, "timeout")?);
                }
                if let Some(v) = h.retries {
                    hb = hb.retries(int(v, "retries")?);
                }
                if let Some(v) = h.start_period {
                    hb = hb.start_period(int(v, "startPeriod")?);
                }
                cb = cb.health_check(hb.build().map_err(build_error)?);
            }
            b = b.container_definitions(cb.build());
        }
        for v in &td.volumes {
            if let Some(k) = v.other.keys().next() {
                return Err(unsupported(format!("volumes[].{k}")));
            }
            let mut vb = types::Volume::builder().set_name(v.name.clone());
            if let Some(efs) = &v.efs_volume_configuration {
                if let Some(k) = efs.other.keys().next() {
                    return Err(unsupported(format!("efsVolumeConfiguration.{k}")));
                }
                vb = vb.efs_volume_configuration(
                    types::EfsVolumeConfiguration::builder()
                        .file_system_id(&efs.file_system_id)
                        .set_root_directory(efs.root_directory.clone())
                        .set_transit_encryption(
                            efs.transit_encryption
                                .as_deref()
                                .map(types::EfsTransitEncryption::from),
                        )
                        .build()
                        .map_err(build_error)?,
                );
            }
            b = b.volumes(vb.build());
        }
        b.build().map_err(build_error)
    }

    fn call_error(operation: &'static str, e: impl std::error::Error) -> Error {
        // The SDK's Display is terse ("service error"); the source chain has the details.
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Error::Ecs { operation, message }
    }

    /// Register `td` and return the new task definition's ARN.
    ///
    /// # Errors
    ///
    /// [`Error::Ecs`] if the conversion or the call fails.
    pub async fn register(
        client: &aws_sdk_ecs::Client,
        td: &TaskDefinition,
    ) -> Result<String, Error> {
        let input = register_input(td)?;
        let out = client
            .register_task_definition()
            .set_family(input.family().map(str::to_owned))
            .set_task_role_arn(input.task_role_arn().map(str::to_owned))
            .set_execution_role_arn(input.execution_role_arn().map(str::to_owned))
            .set_network_mode(input.network_mode().cloned())
            .set_container_definitions(Some(input.container_definitions().to_vec()))
            .set_volumes(Some(input.volumes().to_vec()))
            .set_requires_compatibilities(Some(input.requires_compatibilities().to_vec()))
            .set_cpu(input.cpu().map(str::to_owned))
            .set_memory(input.memory().map(str::to_owned))
            .send()
            .await
            .map_err(|e| call_error("RegisterTaskDefinition", e))?;
        out.task_definition()
            .and_then(|t| t.task_definition_arn())
            .map(str::to_owned)
            .ok_or(Error::Ecs {
                operation: "RegisterTaskDefinition",
                message: "the response has no task definition ARN".to_owned(),
            })
    }

    /// Point service `service` of `cluster` at `task_definition` with `desired_count` tasks:
    /// update it if it exists (and is active), else create it. Returns the service ARN.
    ///
    /// # Errors
    ///
    /// [`Error::Ecs`] if a call fails.
    pub async fn create_or_update_service(
        client: &aws_sdk_ecs::Client,
        cluster: &str,
        service: &str,
        task_definition: &str,
        desired_count: i32,
    ) -> Result<String, Error> {
        let existing = client
            .describe_services()
            .cluster(cluster)
            .services(service)
            .send()
            .await
            .map_err(|e| call_error("DescribeServices", e))?;
        let active = existing
            .services()
            .iter()
            .any(|s| s.status() == Some("ACTIVE"));
        let arn = if active {
            client
                .update_service()
                .cluster(cluster)
                .service(service)
                .task_definition(task_definition)
                .desired_count(desired_count)
                .send()
                .await
                .map_err(|e| call_error("UpdateService", e))?
                .service()
                .and_then(|s| s.service_arn())
                .map(str::to_owned)
        } else {
            client
                .create_service()
                .cluster(cluster)
                .service_name(service)
                .task_definition(task_definition)
                .desired_count(desired_count)
                .send()
                .await
                .map_err(|e| call_error("CreateService", e))?
                .service()
                .and_then(|s| s.service_arn())
                .map(str::to_owned)
        };
        arn.ok_or(Error::Ecs {
            operation: "CreateService",
            message: "the response has no service ARN".to_owned(),
        })
    }
}
