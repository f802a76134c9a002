//! Alertmanager configuration (`alertmanager.yml`): a typed model, strict parsing with
//! positions and the checks `amtool check-config` (Alertmanager 0.25) makes.
//!
//! [`load_alertmanager_config`] reads the file into an [`AlertmanagerConfig`] with the
//! documented defaults (`resolve_timeout` 5m, `group_wait` 30s, `group_interval` 5m,
//! `repeat_interval` 4h inherited down the route tree, `smtp_require_tls` true...) and reports
//! the problems of each section; [`check_alertmanager_config`] adds the checks across
//! sections (receivers and time intervals named by routes, unique names, settings a
//! receiver takes from `global`); [`check_alertmanager_time_zones`] checks `location`s
//! against a time zone database; [`check_alertmanager_path`] does all of it for a file.
//!
//! | code | finding |
//! |---|---|
//! | `alertmanager/unknown-field` | a field Alertmanager 0.25 does not know, with the closest name |
//! | `alertmanager/wrong-type` | a value of the wrong shape |
//! | `alertmanager/invalid-duration` | not a Prometheus duration |
//! | `alertmanager/zero-interval` | `group_interval` or `repeat_interval` of zero |
//! | `alertmanager/invalid-label-name` | a label name in `match`, `group_by`, `equal`... outside `[a-zA-Z_][a-zA-Z0-9_]*` |
//! | `alertmanager/invalid-matcher` | a `matchers` entry that does not parse (`name="value"`, `=~`, `!=`, `!~`) |
//! | `alertmanager/invalid-regex` | a `match_re` or `=~` value Go's RE2 parser rejects |
//! | `alertmanager/invalid-group-by` | duplicate labels in `group_by`, or `...` with other labels |
//! | `alertmanager/invalid-url` | a URL without `http`/`https` scheme or host, or that Go cannot parse |
//! | `alertmanager/invalid-address` | an SMTP smarthost without `host:port` |
//! | `alertmanager/invalid-time-interval` | a malformed time (`HH:MM`), weekday, day of month, month or year range |
//! | `alertmanager/unknown-time-zone` | a `location` not in the time zone database |
//! | `alertmanager/invalid-value` | an enumerated value out of range (TLS version, responder type...) |
//! | `alertmanager/missing-field` | a required field left out (webhook `url`, email `to`, receiver `name`...) |
//! | `alertmanager/conflicting-fields` | settings that exclude each other (`api_url` and `api_url_file`...) |
//! | `alertmanager/missing-route` | no `route` |
//! | `alertmanager/root-route` | a root route without a receiver, or with matchers or time intervals |
//! | `alertmanager/undefined-receiver` | a route naming a receiver that does not exist |
//! | `alertmanager/undefined-time-interval` | a route naming a time interval that does not exist |
//! | `alertmanager/duplicate-name` | two receivers or two time intervals with the same name |
//! | `alertmanager/missing-global` | a receiver needing a global setting that is not set (SMTP smarthost and from, Slack URL, OpsGenie key...) |
//! | `alertmanager/unchecked-receiver` (info) | a receiver type other than email, webhook, slack, pagerduty and opsgenie: required fields checked, other fields not |
//! | `yaml/duplicate-key` | a key written twice |
//!
//! # Where we differ from amtool
//!
//! - Templates named by `templates` are not read or parsed (amtool parses Go templates).
//! - Receiver types other than email, webhook, slack, pagerduty and opsgenie get their
//!   required fields checked but their other fields are not checked for typos.
//! - Where amtool stops at the first error, we report all of them.
//!
//! ```
//! use manifest_model::alertmanager_config::{check_alertmanager_config, load_alertmanager_config};
//! let src = "route:\n  receiver: team\n  routes:\n    - matchers: ['severity=\"critical\"']\n      receiver: oncall\nreceivers:\n  - name: team\n";
//! let (config, found) = load_alertmanager_config(src, "alertmanager.yml".as_ref())?;
//! assert!(found.is_empty());
//! assert_eq!(config.route.as_ref().map(|r| r.group_wait_ms), Some(30_000));
//! let found = check_alertmanager_config(&config);
//! assert_eq!(found[0].to_string(),
//!     "alertmanager.yml:5:17: error[alertmanager/undefined-receiver]: undefined receiver \"oncall\" used in route");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::Error;
use crate::diagnostic::Diagnostic;
use crate::prometheus_config::{
    Ctx, HttpClientConfig, check_go_regex, go_url_error, is_label_name, parse_http_client,
    scalar_text, url_host,
};
use crate::prometheus_config::{config_root, duplicate_findings};
use crate::yaml::{self, FieldPath, Node, Span};

/// A parsed `alertmanager.yml`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertmanagerConfig {
    /// The file it was read from.
    pub file: PathBuf,
    /// `global`, with defaults.
    pub global: GlobalConfig,
    /// `route` (`None` if missing; reported by the checks).
    pub route: Option<Route>,
    /// `receivers`.
    pub receivers: Vec<Receiver>,
    /// `inhibit_rules`.
    pub inhibit_rules: Vec<InhibitRule>,
    /// `time_intervals` and `mute_time_intervals`, in file order.
    pub time_intervals: Vec<TimeIntervalSet>,
    /// `templates` (globs).
    pub templates: Vec<String>,
    /// The document with positions.
    pub node: Node,
}

/// `global`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalConfig {
    /// `resolve_timeout` in milliseconds (default 5m).
    pub resolve_timeout_ms: u64,
    /// `smtp_from`.
    pub smtp_from: Option<String>,
    /// `smtp_smarthost` (`host:port`).
    pub smtp_smarthost: Option<String>,
    /// `smtp_hello` (default `localhost`).
    pub smtp_hello: String,
    /// `smtp_require_tls` (default true).
    pub smtp_require_tls: bool,
    /// Whether `slack_api_url` or `slack_api_url_file` is set.
    pub slack_api_url: bool,
    /// Whether `opsgenie_api_key` or `opsgenie_api_key_file` is set.
    pub opsgenie_api_key: bool,
    /// Whether `victorops_api_key` or `victorops_api_key_file` is set.
    pub victorops_api_key: bool,
    /// Whether `wechat_api_secret` is set.
    pub wechat_api_secret: bool,
    /// Whether `wechat_api_corp_id` is set.
    pub wechat_api_corp_id: bool,
    /// `http_config`.
    pub http: HttpClientConfig,
}

impl Default for GlobalConfig {
    fn default() -> GlobalConfig {
        GlobalConfig {
            resolve_timeout_ms: 300_000,
            smtp_from: None,
            smtp_smarthost: None,
            smtp_hello: "localhost".to_owned(),
            smtp_require_tls: true,
            slack_api_url: false,
            opsgenie_api_key: false,
            victorops_api_key: false,
            wechat_api_secret: false,
            wechat_api_corp_id: false,
            http: HttpClientConfig {
                follow_redirects: true,
                enable_http2: true,
                ..HttpClientConfig::default()
            },
        }
    }
}

/// A label matcher operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`.
    Equal,
    /// `!=`.
    NotEqual,
    /// `=~`.
    Regex,
    /// `!~`.
    NotRegex,
}

/// One label matcher (from `matchers`, `match` or `match_re`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    /// The label name.
    pub name: String,
    /// The operator.
    pub op: MatchOp,
    /// The value (a regular expression for `=~` and `!~`, anchored when applied).
    pub value: String,
}

/// A node of the route tree, with inherited values resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// `receiver` (inherited from the parent when unset).
    pub receiver: Option<String>,
    /// `group_by` (inherited).
    pub group_by: Vec<String>,
    /// `continue`.
    pub continue_matching: bool,
    /// `matchers`, `match` and `match_re` together.
    pub matchers: Vec<Matcher>,
    /// `group_wait` in milliseconds (default 30s, inherited).
    pub group_wait_ms: u64,
    /// `group_interval` in milliseconds (default 5m, inherited).
    pub group_interval_ms: u64,
    /// `repeat_interval` in milliseconds (default 4h, inherited).
    pub repeat_interval_ms: u64,
    /// `mute_time_intervals`.
    pub mute_time_intervals: Vec<String>,
    /// `active_time_intervals`.
    pub active_time_intervals: Vec<String>,
    /// `routes`.
    pub routes: Vec<Route>,
    /// Path of the route in the document.
    pub path: FieldPath,
}

/// The kind of a receiver integration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Integration {
    /// `email_configs` entry.
    Email {
        /// `to`.
        to: String,
        /// `from` (or the global one).
        from: Option<String>,
        /// `smarthost` (or the global one).
        smarthost: Option<String>,
    },
    /// `webhook_configs` entry.
    Webhook {
        /// `url`.
        url: String,
        /// `max_alerts` (0: all).
        max_alerts: u64,
    },
    /// `slack_configs` entry.
    Slack {
        /// `channel`.
        channel: Option<String>,
    },
    /// `pagerduty_configs` entry.
    PagerDuty {
        /// Whether `routing_key` (Events API v2) rather than `service_key` is used.
        routing_key: bool,
    },
    /// `opsgenie_configs` entry.
    OpsGenie {
        /// Responder types.
        responders: Vec<String>,
    },
    /// Another integration (`wechat`, `pushover`, `victorops`, `sns`, `telegram`, `webex`,
    /// `discord`), kept as written.
    Other {
        /// The type (`pushover` for `pushover_configs`).
        kind: String,
        /// The entry as JSON.
        config: serde_json::Value,
    },
}

/// One receiver integration entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationConfig {
    /// What it sends to.
    pub integration: Integration,
    /// `send_resolved`.
    pub send_resolved: bool,
    /// Path of the entry in the document.
    pub path: FieldPath,
}

/// A receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    /// `name`.
    pub name: String,
    /// Its integrations, in file order.
    pub integrations: Vec<IntegrationConfig>,
    /// Path of the receiver in the document.
    pub path: FieldPath,
}

/// An inhibit rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InhibitRule {
    /// `source_matchers`, `source_match` and `source_match_re`.
    pub source: Vec<Matcher>,
    /// `target_matchers`, `target_match` and `target_match_re`.
    pub target: Vec<Matcher>,
    /// `equal`.
    pub equal: Vec<String>,
}

/// An inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First value.
    pub begin: i64,
    /// Last value.
    pub end: i64,
}

/// One `time_intervals` entry of a named set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeInterval {
    /// `times` as minutes of the day, `[start, end)`.
    pub times: Vec<Range>,
    /// `weekdays` (0 = Sunday).
    pub weekdays: Vec<Range>,
    /// `days_of_month` (negative counts from the end).
    pub days_of_month: Vec<Range>,
    /// `months` (1 = January).
    pub months: Vec<Range>,
    /// `years`.
    pub years: Vec<Range>,
    /// `location` (default UTC).
    pub location: Option<String>,
}

/// A named set of time intervals (`time_intervals` or `mute_time_intervals` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeIntervalSet {
    /// `name`.
    pub name: String,
    /// `time_intervals`.
    pub intervals: Vec<TimeInterval>,
    /// Path of the entry in the document.
    pub path: FieldPath,
}

const TOP_LEVEL: &[&str] = &[
    "global",
    "route",
    "inhibit_rules",
    "receivers",
    "templates",
    "mute_time_intervals",
    "time_intervals",
];

const GLOBAL_FIELDS: &[&str] = &[
    "resolve_timeout",
    "http_config",
    "smtp_from",
    "smtp_hello",
    "smtp_smarthost",
    "smtp_auth_username",
    "smtp_auth_password",
    "smtp_auth_password_file",
    "smtp_auth_secret",
    "smtp_auth_identity",
    "smtp_require_tls",
    "slack_api_url",
    "slack_api_url_file",
    "pagerduty_url",
    "opsgenie_api_url",
    "opsgenie_api_key",
    "opsgenie_api_key_file",
    "wechat_api_url",
    "wechat_api_secret",
    "wechat_api_corp_id",
    "victorops_api_url",
    "victorops_api_key",
    "victorops_api_key_file",
    "telegram_api_url",
    "webex_api_url",
];

const ROUTE_FIELDS: &[&str] = &[
    "receiver",
    "group_by",
    "continue",
    "match",
    "match_re",
    "matchers",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "mute_time_intervals",
    "active_time_intervals",
    "routes",
];

const INHIBIT_FIELDS: &[&str] = &[
    "source_match",
    "source_match_re",
    "source_matchers",
    "target_match",
    "target_match_re",
    "target_matchers",
    "equal",
];

const EMAIL_FIELDS: &[&str] = &[
    "send_resolved",
    "to",
    "from",
    "hello",
    "smarthost",
    "auth_username",
    "auth_password",
    "auth_password_file",
    "auth_secret",
    "auth_identity",
    "headers",
    "html",
    "text",
    "require_tls",
    "tls_config",
];

const WEBHOOK_FIELDS: &[&str] = &["send_resolved", "http_config", "url", "max_alerts"];

const SLACK_FIELDS: &[&str] = &[
    "send_resolved",
    "http_config",
    "api_url",
    "api_url_file",
    "channel",
    "username",
    "color",
    "title",
    "title_link",
    "pretext",
    "text",
    "fields",
    "short_fields",
    "footer",
    "fallback",
    "callback_id",
    "icon_emoji",
    "icon_url",
    "image_url",
    "thumb_url",
    "link_names",
    "mrkdwn_in",
    "actions",
];

const PAGERDUTY_FIELDS: &[&str] = &[
    "send_resolved",
    "http_config",
    "service_key",
    "service_key_file",
    "routing_key",
    "routing_key_file",
    "url",
    "client",
    "client_url",
    "description",
    "details",
    "images",
    "links",
    "source",
    "severity",
    "class",
    "component",
    "group",
];

const OPSGENIE_FIELDS: &[&str] = &[
    "send_resolved",
    "http_config",
    "api_key",
    "api_key_file",
    "api_url",
    "message",
    "description",
    "source",
    "details",
    "entity",
    "responders",
    "actions",
    "tags",
    "note",
    "priority",
    "update_alerts",
];

/// Receiver types of Alertmanager 0.25 (`<type>_configs`).
const RECEIVER_TYPES: &[&str] = &[
    "email",
    "pagerduty",
    "slack",
    "webhook",
    "opsgenie",
    "wechat",
    "pushover",
    "victorops",
    "sns",
    "telegram",
    "webex",
    "discord",
];

const WEEKDAYS: &[&str] = &[
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn check_regex(ctx: &mut Ctx<'_>, re: &str, span: Span, path: &FieldPath) {
    if let Err(why) = check_go_regex(&format!("^(?:{re})$")) {
        ctx.error(
            "invalid-regex",
            span,
            path,
            format!("error parsing regexp {re:?}: {why}"),
        );
    }
}

/// Split a matchers string on commas outside double quotes.
fn split_matchers(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
            cur.push(c);
            continue;
        }
        match c {
            '\\' if quoted => {
                escaped = true;
                cur.push(c);
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Parse one matchers string as Alertmanager 0.25 does (`a="b"`, `{a=~"x|y", b!=c}`).
///
/// # Errors
///
/// The reason, in amtool's words.
///
/// ```
/// use manifest_model::alertmanager_config::{parse_matchers, MatchOp};
/// let m = parse_matchers(r#"{severity=~"critical|page", team!=db}"#)?;
/// assert_eq!(m.len(), 2);
/// assert_eq!((m[0].name.as_str(), m[0].op, m[0].value.as_str()), ("severity", MatchOp::Regex, "critical|page"));
/// assert!(parse_matchers("severity critical").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_matchers(s: &str) -> Result<Vec<Matcher>, String> {
    let trimmed = s.trim();
    let inner = trimmed.strip_prefix('{').unwrap_or(trimmed);
    let inner = inner.strip_suffix('}').unwrap_or(inner);
    let mut out = Vec::new();
    for piece in split_matchers(inner) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        out.push(parse_matcher(piece)?);
    }
    Ok(out)
}

fn parse_matcher(s: &str) -> Result<Matcher, String> {
    let bad = || format!("bad matcher format: {s}");
    let name_len = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()))
        })
        .map_or(s.len(), |(i, _)| i);
    if name_len == 0 {
        return Err(bad());
    }
    let name = s.get(..name_len).ok_or_else(bad)?;
    let rest = s.get(name_len..).ok_or_else(bad)?.trim_start();
    let (op, value) = if let Some(v) = rest.strip_prefix("=~") {
        (MatchOp::Regex, v)
    } else if let Some(v) = rest.strip_prefix("!~") {
        (MatchOp::NotRegex, v)
    } else if let Some(v) = rest.strip_prefix("!=") {
        (MatchOp::NotEqual, v)
    } else if let Some(v) = rest.strip_prefix('=') {
        (MatchOp::Equal, v)
    } else {
        return Err(bad());
    };
    let value = value.trim();
    let value = if let Some(q) = value.strip_prefix('"') {
        let Some(body) = q.strip_suffix('"') else {
            return Err(format!(
                "matcher value contains unescaped double quote: {value}"
            ));
        };
        unescape(body)
            .ok_or_else(|| format!("matcher value contains unescaped double quote: {value}"))?
    } else {
        if value.ends_with('"') {
            return Err(format!(
                "matcher value contains unescaped double quote: {value}"
            ));
        }
        value.to_owned()
    };
    Ok(Matcher {
        name: name.to_owned(),
        op,
        value,
    })
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            },
            '"' => return None,
            _ => out.push(c),
        }
    }
    Some(out)
}

/// Read `matchers`, `match` and `match_re` style fields into `out`.
fn read_matchers(
    ctx: &mut Ctx<'_>,
    key: &str,
    node: &Node,
    path: &FieldPath,
    out: &mut Vec<Matcher>,
) {
    if key.ends_with("matchers") {
        let items = ctx.seq(node, path);
        for (i, item) in items.iter().enumerate() {
            let ip = path.index(i);
            let Some(s) = ctx.string(item, &ip) else {
                continue;
            };
            match parse_matchers(&s) {
                Ok(ms) => {
                    for m in ms {
                        if matches!(m.op, MatchOp::Regex | MatchOp::NotRegex) {
                            check_regex(ctx, &m.value, item.span, &ip);
                        }
                        out.push(m);
                    }
                }
                Err(why) => ctx.error("invalid-matcher", item.span, &ip, why),
            }
        }
    } else {
        let regex = key.ends_with("_re");
        let Some(entries) = node.as_map() else {
            if !node.is_null() {
                ctx.wrong_type(node, path, "a mapping of label names to values");
            }
            return;
        };
        for e in entries {
            let p = path.key(&e.key);
            if !is_label_name(&e.key) {
                ctx.error(
                    "invalid-label-name",
                    e.key_span,
                    &p,
                    format!("invalid label name {:?}", e.key),
                );
            }
            let v = ctx.string(&e.value, &p).unwrap_or_default();
            if regex {
                check_regex(ctx, &v, e.value.span, &p);
            }
            out.push(Matcher {
                name: e.key.clone(),
                op: if regex {
                    MatchOp::Regex
                } else {
                    MatchOp::Equal
                },
                value: v,
            });
        }
    }
}

fn label_names(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath, what: &str) -> Vec<String> {
    let names = ctx.strings(node, path);
    for (i, n) in names.iter().enumerate() {
        if !(is_label_name(n) || what == "group_by" && n == "...") {
            let span = node
                .as_seq()
                .and_then(|s| s.get(i))
                .map_or(node.span, |n| n.span);
            ctx.error(
                "invalid-label-name",
                span,
                &path.index(i),
                format!("{n:?} is not a valid label name in {what}"),
            );
        }
    }
    names
}

struct Inherited {
    receiver: Option<String>,
    group_by: Vec<String>,
    group_wait_ms: u64,
    group_interval_ms: u64,
    repeat_interval_ms: u64,
}

fn parse_route(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &FieldPath,
    parent: &Inherited,
    depth: usize,
) -> Route {
    let mut r = Route {
        receiver: parent.receiver.clone(),
        group_by: parent.group_by.clone(),
        continue_matching: false,
        matchers: Vec::new(),
        group_wait_ms: parent.group_wait_ms,
        group_interval_ms: parent.group_interval_ms,
        repeat_interval_ms: parent.repeat_interval_ms,
        mute_time_intervals: Vec::new(),
        active_time_intervals: Vec::new(),
        routes: Vec::new(),
        path: path.clone(),
    };
    let Some(entries) = ctx.map(node, path, ROUTE_FIELDS, "route") else {
        return r;
    };
    let mut children: Option<(&Node, FieldPath)> = None;
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "receiver" => {
                if let Some(s) = ctx.string(v, &p).filter(|s| !s.is_empty()) {
                    r.receiver = Some(s);
                }
            }
            "group_by" => {
                let names = label_names(ctx, v, &p, "group_by");
                let mut seen = BTreeSet::new();
                for (i, n) in names.iter().enumerate() {
                    let span = v.as_seq().and_then(|s| s.get(i)).map_or(v.span, |n| n.span);
                    if n == "..." && names.len() > 1 {
                        ctx.error("invalid-group-by", span, &p.index(i), "cannot have wildcard group_by (`...`) and other labels at the same time".to_owned());
                    } else if !seen.insert(n.as_str()) {
                        ctx.error(
                            "invalid-group-by",
                            span,
                            &p.index(i),
                            format!("duplicated label {n:?} in group_by"),
                        );
                    }
                }
                r.group_by = names;
            }
            "continue" => r.continue_matching = ctx.boolean(v, &p).unwrap_or(false),
            "match" | "match_re" | "matchers" => read_matchers(ctx, &e.key, v, &p, &mut r.matchers),
            "group_wait" => r.group_wait_ms = ctx.duration(v, &p).unwrap_or(r.group_wait_ms),
            "group_interval" | "repeat_interval" => {
                if let Some(ms) = ctx.duration(v, &p) {
                    if ms == 0 {
                        ctx.error(
                            "zero-interval",
                            v.span,
                            &p,
                            format!("{} cannot be zero", e.key),
                        );
                    } else if e.key == "group_interval" {
                        r.group_interval_ms = ms;
                    } else {
                        r.repeat_interval_ms = ms;
                    }
                }
            }
            "mute_time_intervals" => r.mute_time_intervals = ctx.strings(v, &p),
            "active_time_intervals" => r.active_time_intervals = ctx.strings(v, &p),
            "routes" => children = Some((v, p)),
            _ => {}
        }
    }
    if let Some((v, p)) = children {
        let inherited = Inherited {
            receiver: r.receiver.clone(),
            group_by: r.group_by.clone(),
            group_wait_ms: r.group_wait_ms,
            group_interval_ms: r.group_interval_ms,
            repeat_interval_ms: r.repeat_interval_ms,
        };
        for (i, child) in ctx.seq(v, &p).iter().enumerate() {
            // The loader bounds nesting depth; the bound here only keeps the recursion explicit.
            if depth < yaml::MAX_DEPTH {
                r.routes
                    .push(parse_route(ctx, child, &p.index(i), &inherited, depth + 1));
            }
        }
    }
    r
}

fn parse_global(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> GlobalConfig {
    let mut g = GlobalConfig::default();
    let Some(entries) = ctx.map(node, path, GLOBAL_FIELDS, "global") else {
        return g;
    };
    let mut set = BTreeSet::new();
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        let text = if e.key == "http_config" || v.is_null() {
            None
        } else {
            ctx.string(v, &p)
        };
        if text.as_deref().is_some_and(|t| !t.is_empty()) {
            set.insert(e.key.as_str());
        }
        match e.key.as_str() {
            "resolve_timeout" => g.resolve_timeout_ms = ctx.duration(v, &p).unwrap_or(300_000),
            "http_config" => g.http = parse_http_config(ctx, v, &p),
            "smtp_from" => g.smtp_from = text.filter(|t| !t.is_empty()),
            "smtp_hello" => g.smtp_hello = text.unwrap_or_else(|| "localhost".to_owned()),
            "smtp_smarthost" => {
                if let Some(t) = text.filter(|t| !t.is_empty()) {
                    check_host_port(ctx, &t, v.span, &p);
                    g.smtp_smarthost = Some(t);
                }
            }
            "smtp_require_tls" => g.smtp_require_tls = ctx.boolean(v, &p).unwrap_or(true),
            "slack_api_url" | "pagerduty_url" | "opsgenie_api_url" | "wechat_api_url"
            | "victorops_api_url" | "telegram_api_url" | "webex_api_url" => {
                if let Some(t) = &text {
                    check_http_url(ctx, t, v.span, &p);
                }
            }
            _ => {}
        }
    }
    for (a, b, name) in [
        (
            "slack_api_url",
            "slack_api_url_file",
            "slack_api_url & slack_api_url_file",
        ),
        (
            "opsgenie_api_key",
            "opsgenie_api_key_file",
            "opsgenie_api_key & opsgenie_api_key_file",
        ),
        (
            "victorops_api_key",
            "victorops_api_key_file",
            "victorops_api_key & victorops_api_key_file",
        ),
    ] {
        if set.contains(a) && set.contains(b) {
            ctx.error(
                "conflicting-fields",
                node.span,
                path,
                format!("at most one of {name} must be configured"),
            );
        }
    }
    g.slack_api_url = set.contains("slack_api_url") || set.contains("slack_api_url_file");
    g.opsgenie_api_key = set.contains("opsgenie_api_key") || set.contains("opsgenie_api_key_file");
    g.victorops_api_key =
        set.contains("victorops_api_key") || set.contains("victorops_api_key_file");
    g.wechat_api_secret = set.contains("wechat_api_secret");
    g.wechat_api_corp_id = set.contains("wechat_api_corp_id");
    g
}

fn parse_http_config(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> HttpClientConfig {
    const FIELDS: &[&str] = &[
        "basic_auth",
        "authorization",
        "oauth2",
        "bearer_token",
        "bearer_token_file",
        "tls_config",
        "proxy_url",
        "proxy_connect_header",
        "follow_redirects",
        "enable_http2",
    ];
    match ctx.map(node, path, FIELDS, "http_config") {
        Some(entries) => parse_http_client(ctx, entries, path, node.span),
        None => GlobalConfig::default().http,
    }
}

/// Alertmanager's URL fields: parsable, `http` or `https`, with a host.
fn check_http_url(ctx: &mut Ctx<'_>, url: &str, span: Span, path: &FieldPath) {
    if let Some(why) = go_url_error(url) {
        ctx.error("invalid-url", span, path, why);
        return;
    }
    let scheme = url.split_once(':').map_or("", |(s, _)| s);
    if !matches!(scheme, "http" | "https") || !url.contains(':') {
        ctx.error(
            "invalid-url",
            span,
            path,
            format!("unsupported scheme {scheme:?} for URL"),
        );
    } else if url_host(url).is_none() {
        ctx.error("invalid-url", span, path, "missing host for URL".to_owned());
    }
}

fn check_host_port(ctx: &mut Ctx<'_>, s: &str, span: Span, path: &FieldPath) {
    let ok = if let Some(v6) = s.strip_prefix('[') {
        v6.split_once("]:").is_some_and(|(h, _)| !h.contains(']'))
    } else {
        s.matches(':').count() == 1
    };
    if !ok {
        let why = if s.contains(':') {
            "too many colons in address"
        } else {
            "missing port in address"
        };
        ctx.error("invalid-address", span, path, format!("address {s}: {why}"));
    }
}

/// Required-field rules of the receiver types not typed field by field:
/// (type, groups of keys of which one must be set, message, the global that can stand in).
const OTHER_REQUIRED: &[(&str, &[&str], &str, Option<&str>)] = &[
    (
        "wechat",
        &["api_secret"],
        "no global Wechat ApiSecret set",
        Some("wechat_api_secret"),
    ),
    (
        "wechat",
        &["corp_id"],
        "no global Wechat CorpID set",
        Some("wechat_api_corp_id"),
    ),
    (
        "pushover",
        &["user_key", "user_key_file"],
        "missing user key in Pushover config",
        None,
    ),
    (
        "pushover",
        &["token", "token_file"],
        "missing token in Pushover config",
        None,
    ),
    (
        "victorops",
        &["routing_key"],
        "missing Routing key in VictorOps config",
        None,
    ),
    (
        "victorops",
        &["api_key", "api_key_file"],
        "no global VictorOps API Key set",
        Some("victorops_api_key"),
    ),
    (
        "sns",
        &["target_arn", "topic_arn", "phone_number"],
        "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config",
        None,
    ),
    (
        "telegram",
        &["bot_token", "bot_token_file"],
        "missing bot_token on telegram_config",
        None,
    ),
    (
        "telegram",
        &["chat_id"],
        "missing chat_id on telegram_config",
        None,
    ),
    (
        "webex",
        &["room_id"],
        "missing room_id on webex_config",
        None,
    ),
    (
        "discord",
        &["webhook_url", "webhook_url_file"],
        "no discord webhook URL provided",
        None,
    ),
];

fn set_keys(node: &Node) -> BTreeSet<&str> {
    node.as_map()
        .map(|m| {
            m.iter()
                .filter(|e| {
                    scalar_text(&e.value).is_some_and(|t| !t.is_empty())
                        || matches!(
                            e.value.value,
                            crate::yaml::NodeValue::Map(_) | crate::yaml::NodeValue::Seq(_)
                        )
                })
                .map(|e| e.key.as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn parse_integration(
    ctx: &mut Ctx<'_>,
    kind: &str,
    node: &Node,
    path: &FieldPath,
) -> Option<IntegrationConfig> {
    let fields: Option<&[&str]> = match kind {
        "email" => Some(EMAIL_FIELDS),
        "webhook" => Some(WEBHOOK_FIELDS),
        "slack" => Some(SLACK_FIELDS),
        "pagerduty" => Some(PAGERDUTY_FIELDS),
        "opsgenie" => Some(OPSGENIE_FIELDS),
        _ => None,
    };
    let what = format!("{kind}_configs entry");
    let entries = match fields {
        Some(f) => ctx.map(node, path, f, &what)?,
        None => match node.as_map() {
            Some(m) => m,
            None if node.is_null() => &[],
            None => {
                ctx.wrong_type(node, path, "a mapping");
                return None;
            }
        },
    };
    let mut send_resolved = !matches!(kind, "email" | "pushover" | "webex" | "wechat");
    let set = set_keys(node);
    let mut text: BTreeMap<&str, String> = BTreeMap::new();
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "send_resolved" => send_resolved = ctx.boolean(v, &p).unwrap_or(send_resolved),
            "http_config" => {
                parse_http_config(ctx, v, &p);
            }
            "tls_config" if kind == "email" => {
                crate::prometheus_config::parse_tls_pub(ctx, v, &p);
            }
            "max_alerts" => {
                ctx.uint(v, &p);
            }
            "headers" | "details" if fields.is_some() => {
                ctx.string_map(v, &p);
            }
            "require_tls" | "short_fields" | "link_names" | "update_alerts" => {
                ctx.boolean(v, &p);
            }
            "fields" | "actions" | "images" | "links" | "responders" | "mrkdwn_in" => {}
            _ if fields.is_some() => {
                if let Some(t) = ctx.string(v, &p) {
                    text.insert(e.key.as_str(), t);
                }
            }
            _ => {}
        }
    }
    let at = node.span;
    let missing = |ctx: &mut Ctx<'_>, code: &str, msg: &str| {
        ctx.error(code, at, path, msg.to_owned());
    };
    let integration = match kind {
        "email" => {
            let to = text.get("to").cloned().unwrap_or_default();
            if to.is_empty() {
                missing(ctx, "missing-field", "missing to address in email config");
            }
            if let Some(h) = text.get("smarthost").filter(|h| !h.is_empty()) {
                check_host_port(
                    ctx,
                    h,
                    node.get("smarthost").map_or(at, |n| n.span),
                    &path.key("smarthost"),
                );
            }
            Integration::Email {
                to,
                from: text.get("from").cloned().filter(|s| !s.is_empty()),
                smarthost: text.get("smarthost").cloned().filter(|s| !s.is_empty()),
            }
        }
        "webhook" => {
            let url = text.get("url").cloned().unwrap_or_default();
            if url.is_empty() {
                missing(ctx, "missing-field", "missing URL in webhook config");
            } else {
                check_http_url(
                    ctx,
                    &url,
                    node.get("url").map_or(at, |n| n.span),
                    &path.key("url"),
                );
            }
            Integration::Webhook {
                url,
                max_alerts: node
                    .get("max_alerts")
                    .and_then(Node::as_i64)
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
            }
        }
        "slack" => {
            if set.contains("api_url") && set.contains("api_url_file") {
                missing(
                    ctx,
                    "conflicting-fields",
                    "at most one of api_url & api_url_file must be configured",
                );
            }
            if let Some(u) = text.get("api_url").filter(|u| !u.is_empty()) {
                check_http_url(
                    ctx,
                    u,
                    node.get("api_url").map_or(at, |n| n.span),
                    &path.key("api_url"),
                );
            }
            Integration::Slack {
                channel: text.get("channel").cloned(),
            }
        }
        "pagerduty" => {
            let keys = [
                "routing_key",
                "routing_key_file",
                "service_key",
                "service_key_file",
            ];
            if !keys.iter().any(|k| set.contains(k)) {
                missing(
                    ctx,
                    "missing-field",
                    "missing service or routing key in PagerDuty config",
                );
            }
            if set.contains("routing_key") && set.contains("routing_key_file") {
                missing(
                    ctx,
                    "conflicting-fields",
                    "at most one of routing_key & routing_key_file must be configured",
                );
            }
            if set.contains("service_key") && set.contains("service_key_file") {
                missing(
                    ctx,
                    "conflicting-fields",
                    "at most one of service_key & service_key_file must be configured",
                );
            }
            if let Some(u) = text.get("url").filter(|u| !u.is_empty()) {
                check_http_url(
                    ctx,
                    u,
                    node.get("url").map_or(at, |n| n.span),
                    &path.key("url"),
                );
            }
            Integration::PagerDuty {
                routing_key: set.contains("routing_key") || set.contains("routing_key_file"),
            }
        }
        "opsgenie" => {
            if set.contains("api_key") && set.contains("api_key_file") {
                missing(
                    ctx,
                    "conflicting-fields",
                    "at most one of api_key & api_key_file must be configured",
                );
            }
            let mut types = Vec::new();
            if let Some(rs) = node.get("responders") {
                let rp = path.key("responders");
                for (i, r) in ctx.seq(rs, &rp).iter().enumerate() {
                    let ip = rp.index(i);
                    let Some(m) = ctx.map(r, &ip, &["id", "name", "username", "type"], "responder")
                    else {
                        continue;
                    };
                    let keys = set_keys(r);
                    let ty = m
                        .iter()
                        .find(|e| e.key == "type")
                        .and_then(|e| scalar_text(&e.value))
                        .unwrap_or_default();
                    if !["id", "name", "username"].iter().any(|k| keys.contains(k)) {
                        ctx.error("missing-field", r.span, &ip, "opsgenie responder has to have at least one of id, username or name specified".to_owned());
                    }
                    if !ty.contains("{{")
                        && !matches!(
                            ty.to_ascii_lowercase().as_str(),
                            "team" | "teams" | "user" | "escalation" | "schedule"
                        )
                    {
                        ctx.error("invalid-value", r.span, &ip, format!("opsgenie responder type {ty:?} does not match valid options team, teams, user, escalation, schedule"));
                    }
                    types.push(ty);
                }
            }
            if let Some(u) = text.get("api_url").filter(|u| !u.is_empty()) {
                check_http_url(
                    ctx,
                    u,
                    node.get("api_url").map_or(at, |n| n.span),
                    &path.key("api_url"),
                );
            }
            Integration::OpsGenie { responders: types }
        }
        other => {
            ctx.push(
                crate::diagnostic::Severity::Info,
                "unchecked-receiver",
                node.span,
                path,
                format!("{other} receiver: required fields are checked, other fields are not"),
            );
            for (k, keys, msg, global) in OTHER_REQUIRED {
                if *k == other && global.is_none() && !keys.iter().any(|key| set.contains(key)) {
                    missing(ctx, "missing-field", msg);
                }
            }
            Integration::Other {
                kind: other.to_owned(),
                config: node.to_json(),
            }
        }
    };
    Some(IntegrationConfig {
        integration,
        send_resolved,
        path: path.clone(),
    })
}

fn parse_receiver(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Option<Receiver> {
    let mut allowed: Vec<String> = RECEIVER_TYPES
        .iter()
        .map(|t| format!("{t}_configs"))
        .collect();
    allowed.push("name".to_owned());
    let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let name = node.get("name").and_then(scalar_text).unwrap_or_default();
    let entries = ctx.map(node, path, &allowed, &format!("receiver `{name}`"))?;
    let mut r = Receiver {
        name: String::new(),
        integrations: Vec::new(),
        path: path.clone(),
    };
    for e in entries {
        let p = path.key(&e.key);
        if e.key == "name" {
            r.name = ctx.string(&e.value, &p).unwrap_or_default();
            continue;
        }
        let Some(kind) = e.key.strip_suffix("_configs") else {
            continue;
        };
        for (i, item) in ctx.seq(&e.value, &p).iter().enumerate() {
            if let Some(c) = parse_integration(ctx, kind, item, &p.index(i)) {
                r.integrations.push(c);
            }
        }
    }
    if r.name.is_empty() {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "missing name in receiver".to_owned(),
        );
    }
    Some(r)
}

fn parse_inhibit(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Option<InhibitRule> {
    let entries = ctx.map(node, path, INHIBIT_FIELDS, "inhibit rule")?;
    let mut rule = InhibitRule::default();
    for e in entries {
        let p = path.key(&e.key);
        match e.key.as_str() {
            "equal" => rule.equal = label_names(ctx, &e.value, &p, "equal"),
            k if k.starts_with("source") => read_matchers(ctx, k, &e.value, &p, &mut rule.source),
            k => read_matchers(ctx, k, &e.value, &p, &mut rule.target),
        }
    }
    Some(rule)
}

/// Parse `a` or `a:b` with `one` reading a single value.
fn parse_ranges(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &FieldPath,
    one: &dyn Fn(&str) -> Result<i64, String>,
    check: &dyn Fn(i64, i64) -> Result<(), String>,
) -> Vec<Range> {
    let mut out = Vec::new();
    let items = ctx.seq(node, path);
    for (i, item) in items.iter().enumerate() {
        let ip = path.index(i);
        let Some(text) = ctx.string(item, &ip) else {
            continue;
        };
        let parsed = match text.split_once(':') {
            Some((a, b)) => one(a).and_then(|a| one(b).map(|b| (a, b))),
            None => one(&text).map(|a| (a, a)),
        };
        match parsed.and_then(|(a, b)| check(a, b).map(|()| (a, b))) {
            Ok((begin, end)) => out.push(Range { begin, end }),
            Err(why) => ctx.error("invalid-time-interval", item.span, &ip, why),
        }
    }
    out
}

fn parse_minutes(s: &str) -> Result<i64, String> {
    let bad = || format!("couldn't parse timestamp {s}, invalid format");
    if s == "24:00" {
        return Ok(24 * 60);
    }
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn parse_time_interval(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> TimeInterval {
    let mut t = TimeInterval::default();
    let fields = [
        "times",
        "weekdays",
        "days_of_month",
        "months",
        "years",
        "location",
    ];
    let Some(entries) = ctx.map(node, path, &fields, "time interval") else {
        return t;
    };
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "times" => {
                for (i, item) in ctx.seq(v, &p).iter().enumerate() {
                    let ip = p.index(i);
                    let Some(m) = ctx.map(item, &ip, &["start_time", "end_time"], "time range")
                    else {
                        continue;
                    };
                    let mut bounds = [None, None];
                    for f in m {
                        let fp = ip.key(&f.key);
                        let Some(s) = ctx.string(&f.value, &fp) else {
                            continue;
                        };
                        match parse_minutes(&s) {
                            Ok(min) => {
                                let slot = usize::from(f.key == "end_time");
                                if let Some(b) = bounds.get_mut(slot) {
                                    *b = Some(min);
                                }
                            }
                            Err(why) => ctx.error("invalid-time-interval", f.value.span, &fp, why),
                        }
                    }
                    match bounds {
                        [Some(a), Some(b)] if a < b => t.times.push(Range { begin: a, end: b }),
                        [Some(_), Some(_)] => ctx.error(
                            "invalid-time-interval",
                            item.span,
                            &ip,
                            "start time cannot be equal or greater than end time".to_owned(),
                        ),
                        _ if m.len() < 2 => ctx.error(
                            "invalid-time-interval",
                            item.span,
                            &ip,
                            "both start and end times must be provided".to_owned(),
                        ),
                        _ => {}
                    }
                }
            }
            "weekdays" => {
                let one = |s: &str| {
                    WEEKDAYS
                        .iter()
                        .position(|d| d.eq_ignore_ascii_case(s.trim()))
                        .and_then(|p| i64::try_from(p).ok())
                        .ok_or_else(|| format!("{} is not a valid weekday", s.to_lowercase()))
                };
                let check = |a: i64, b: i64| {
                    if a > b {
                        Err("start day cannot be before end day".to_owned())
                    } else {
                        Ok(())
                    }
                };
                t.weekdays = parse_ranges(ctx, v, &p, &one, &check);
            }
            "days_of_month" => {
                let one = |s: &str| {
                    let n: i64 = s
                        .trim()
                        .parse()
                        .map_err(|_| format!("{s} is not a valid day of the month"))?;
                    if n == 0 || !(-31..=31).contains(&n) {
                        return Err(format!("{n} is not a valid day of the month: out of range"));
                    }
                    Ok(n)
                };
                let check = |a: i64, b: i64| {
                    if a < 0 && b > 0 {
                        Err("end day must be negative if start day is negative".to_owned())
                    } else if (a > 0 && b > 0 || a < 0 && b < 0) && a > b {
                        Err("end day must be greater than start day".to_owned())
                    } else {
                        Ok(())
                    }
                };
                t.days_of_month = parse_ranges(ctx, v, &p, &one, &check);
            }
            "months" => {
                let one = |s: &str| {
                    let s = s.trim();
                    if let Ok(n) = s.parse::<i64>() {
                        return if (1..=12).contains(&n) {
                            Ok(n)
                        } else {
                            Err(format!("{n} is not a valid month"))
                        };
                    }
                    MONTHS
                        .iter()
                        .position(|m| m.eq_ignore_ascii_case(s))
                        .and_then(|p| i64::try_from(p + 1).ok())
                        .ok_or_else(|| format!("{} is not a valid month", s.to_lowercase()))
                };
                let check = |a: i64, b: i64| {
                    if a > b {
                        Err("end month is before start month".to_owned())
                    } else {
                        Ok(())
                    }
                };
                t.months = parse_ranges(ctx, v, &p, &one, &check);
            }
            "years" => {
                let one = |s: &str| {
                    s.trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|y| *y >= 0)
                        .ok_or_else(|| format!("{s} is not a valid year"))
                };
                let check = |a: i64, b: i64| {
                    if a > b {
                        Err(format!("end year {b} is before start year {a}"))
                    } else {
                        Ok(())
                    }
                };
                t.years = parse_ranges(ctx, v, &p, &one, &check);
            }
            "location" => t.location = ctx.string(v, &p).filter(|s| !s.is_empty()),
            _ => {}
        }
    }
    t
}

fn parse_interval_set(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> Option<TimeIntervalSet> {
    let entries = ctx.map(node, path, &["name", "time_intervals"], "time interval set")?;
    let mut set = TimeIntervalSet {
        name: String::new(),
        intervals: Vec::new(),
        path: path.clone(),
    };
    for e in entries {
        let p = path.key(&e.key);
        match e.key.as_str() {
            "name" => set.name = ctx.string(&e.value, &p).unwrap_or_default(),
            "time_intervals" => {
                for (i, item) in ctx.seq(&e.value, &p).iter().enumerate() {
                    set.intervals
                        .push(parse_time_interval(ctx, item, &p.index(i)));
                }
            }
            _ => {}
        }
    }
    if set.name.is_empty() {
        ctx.error(
            "missing-field",
            node.span,
            path,
            "missing name in time interval".to_owned(),
        );
    }
    Some(set)
}

/// Parse an Alertmanager configuration and check each section.
///
/// Returns the model (with defaults applied, route values inherited) and the findings that
/// concern one section at a time. The checks across sections are [`check_alertmanager_config`].
///
/// # Errors
///
/// As [`yaml::parse`] for malformed YAML; [`Error::Syntax`] if the document is not a mapping.
pub fn load_alertmanager_config(
    src: &str,
    file: &Path,
) -> Result<(AlertmanagerConfig, Vec<Diagnostic>), Error> {
    let stream = yaml::parse(src, file)?;
    let mut ctx = Ctx::new(file, "alertmanager");
    ctx.out = duplicate_findings(&stream, file);
    let root = config_root(stream, file, "an Alertmanager configuration")?;
    let top = FieldPath::root();
    let entries = root.as_map().unwrap_or(&[]);
    ctx.unknown_keys(entries, TOP_LEVEL, &top, "the Alertmanager configuration");
    let global = match root.get("global") {
        Some(g) => parse_global(&mut ctx, g, &top.key("global")),
        None => GlobalConfig::default(),
    };
    let mut config = AlertmanagerConfig {
        file: file.to_path_buf(),
        global,
        route: None,
        receivers: Vec::new(),
        inhibit_rules: Vec::new(),
        time_intervals: Vec::new(),
        templates: Vec::new(),
        node: Node {
            span: Span::default(),
            value: crate::yaml::NodeValue::Null,
            plain: false,
        },
    };
    for e in entries {
        let p = top.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "route" if !v.is_null() => {
                let root_defaults = Inherited {
                    receiver: None,
                    group_by: Vec::new(),
                    group_wait_ms: 30_000,
                    group_interval_ms: 300_000,
                    repeat_interval_ms: 4 * 3_600_000,
                };
                config.route = Some(parse_route(&mut ctx, v, &p, &root_defaults, 0));
            }
            "receivers" => {
                for (i, item) in ctx.seq(v, &p).iter().enumerate() {
                    if let Some(r) = parse_receiver(&mut ctx, item, &p.index(i)) {
                        config.receivers.push(r);
                    }
                }
            }
            "inhibit_rules" => {
                for (i, item) in ctx.seq(v, &p).iter().enumerate() {
                    if let Some(r) = parse_inhibit(&mut ctx, item, &p.index(i)) {
                        config.inhibit_rules.push(r);
                    }
                }
            }
            "time_intervals" | "mute_time_intervals" => {
                for (i, item) in ctx.seq(v, &p).iter().enumerate() {
                    if let Some(s) = parse_interval_set(&mut ctx, item, &p.index(i)) {
                        config.time_intervals.push(s);
                    }
                }
            }
            "templates" => config.templates = ctx.strings(v, &p),
            _ => {}
        }
    }
    config.node = root;
    Ok((config, ctx.out))
}

fn walk_routes<'a>(route: &'a Route, out: &mut Vec<&'a Route>) {
    // Explicit stack: route trees come from input.
    let mut stack = vec![route];
    while let Some(r) = stack.pop() {
        out.push(r);
        stack.extend(r.routes.iter().rev());
    }
}

/// The checks across sections: the route tree (a root route with a receiver and no
/// matchers or time intervals; receivers and time intervals that exist), unique receiver and
/// time interval names, and the settings receivers take from `global`. Sorted by position.
#[must_use]
pub fn check_alertmanager_config(config: &AlertmanagerConfig) -> Vec<Diagnostic> {
    let mut ctx = Ctx::new(&config.file, "alertmanager");
    let node = &config.node;
    let top = FieldPath::root();
    let mut receivers = BTreeSet::new();
    for r in &config.receivers {
        if !r.name.is_empty() && !receivers.insert(r.name.as_str()) {
            let p = r.path.key("name");
            ctx.error(
                "duplicate-name",
                node.locate(&p).span,
                &p,
                format!("notification config name {:?} is not unique", r.name),
            );
        }
        for c in &r.integrations {
            let span = node.locate(&c.path).span;
            let g = &config.global;
            let msg = match &c.integration {
                Integration::Email {
                    smarthost: None, ..
                } if g.smtp_smarthost.is_none() => Some("no global SMTP smarthost set"),
                Integration::Email { from: None, .. } if g.smtp_from.is_none() => {
                    Some("no global SMTP from set")
                }
                Integration::Slack { .. } => {
                    let keys = set_keys(node.locate(&c.path));
                    (!keys.contains("api_url")
                        && !keys.contains("api_url_file")
                        && !g.slack_api_url)
                        .then_some("no global Slack API URL set either inline or in a file")
                }
                Integration::OpsGenie { .. } => {
                    let keys = set_keys(node.locate(&c.path));
                    (!keys.contains("api_key")
                        && !keys.contains("api_key_file")
                        && !g.opsgenie_api_key)
                        .then_some("no global OpsGenie API Key set either inline or in a file")
                }
                Integration::Other { kind, .. } => {
                    let keys = set_keys(node.locate(&c.path));
                    OTHER_REQUIRED.iter().find_map(|(k, fields, msg, global)| {
                        let global_set = match global {
                            Some("wechat_api_secret") => g.wechat_api_secret,
                            Some("wechat_api_corp_id") => g.wechat_api_corp_id,
                            Some("victorops_api_key") => g.victorops_api_key,
                            _ => true,
                        };
                        (k == kind
                            && global.is_some()
                            && !global_set
                            && !fields.iter().any(|f| keys.contains(f)))
                        .then_some(*msg)
                    })
                }
                _ => None,
            };
            if let Some(msg) = msg {
                ctx.error("missing-global", span, &c.path, msg.to_owned());
            }
        }
    }
    let mut intervals = BTreeSet::new();
    for s in &config.time_intervals {
        if !s.name.is_empty() && !intervals.insert(s.name.as_str()) {
            let p = s.path.key("name");
            ctx.error(
                "duplicate-name",
                node.locate(&p).span,
                &p,
                format!("time interval {:?} is not unique", s.name),
            );
        }
    }
    let Some(root) = &config.route else {
        let span = node.key_span(&top.key("route"));
        ctx.error(
            "missing-route",
            span,
            &top,
            "no route provided in config".to_owned(),
        );
        let mut out = ctx.out;
        crate::diagnostic::sort(&mut out);
        return out;
    };
    let key_span = |p: &FieldPath| node.key_span(p);
    if root.receiver.is_none() {
        ctx.error(
            "root-route",
            key_span(&root.path),
            &root.path,
            "root route must specify a default receiver".to_owned(),
        );
    }
    if !root.matchers.is_empty() {
        ctx.error(
            "root-route",
            key_span(&root.path),
            &root.path,
            "root route must not have any matchers".to_owned(),
        );
    }
    if !root.mute_time_intervals.is_empty() {
        ctx.error(
            "root-route",
            key_span(&root.path),
            &root.path,
            "root route must not have any mute time intervals".to_owned(),
        );
    }
    if !root.active_time_intervals.is_empty() {
        ctx.error(
            "root-route",
            key_span(&root.path),
            &root.path,
            "root route must not have any active time intervals".to_owned(),
        );
    }
    let mut all = Vec::new();
    walk_routes(root, &mut all);
    for r in all {
        let own_receiver = node.at(&r.path.key("receiver")).and_then(scalar_text);
        if let Some(name) = own_receiver.filter(|n| !n.is_empty())
            && !receivers.contains(name.as_str())
        {
            let p = r.path.key("receiver");
            ctx.error(
                "undefined-receiver",
                node.locate(&p).span,
                &p,
                format!("undefined receiver {name:?} used in route"),
            );
        }
        for (key, names) in [
            ("mute_time_intervals", &r.mute_time_intervals),
            ("active_time_intervals", &r.active_time_intervals),
        ] {
            for (i, name) in names.iter().enumerate() {
                if !intervals.contains(name.as_str()) {
                    let p = r.path.key(key).index(i);
                    ctx.error(
                        "undefined-time-interval",
                        node.locate(&p).span,
                        &p,
                        format!("undefined time interval {name:?} used in route"),
                    );
                }
            }
        }
    }
    let mut out = ctx.out;
    crate::diagnostic::sort(&mut out);
    out
}

/// Check every time interval `location` against the time zone database at `zoneinfo`
/// (usually `/usr/share/zoneinfo`), as Go's `time.LoadLocation` does. `UTC` and `Local`
/// always exist.
#[must_use]
pub fn check_alertmanager_time_zones(
    config: &AlertmanagerConfig,
    zoneinfo: &Path,
) -> Vec<Diagnostic> {
    let mut ctx = Ctx::new(&config.file, "alertmanager");
    for s in &config.time_intervals {
        for (i, t) in s.intervals.iter().enumerate() {
            let Some(loc) = &t.location else {
                continue;
            };
            let safe = !loc.starts_with('/')
                && !loc.split('/').any(|part| part == ".." || part.is_empty());
            if loc == "UTC" || loc == "Local" || (safe && zoneinfo.join(loc).is_file()) {
                continue;
            }
            let p = s.path.key("time_intervals").index(i).key("location");
            ctx.error(
                "unknown-time-zone",
                config.node.locate(&p).span,
                &p,
                format!("unknown time zone {loc}"),
            );
        }
    }
    ctx.out
}

/// Read an `alertmanager.yml` and run every check on it, as `amtool check-config` does:
/// [`load_alertmanager_config`], [`check_alertmanager_config`] and, when
/// `/usr/share/zoneinfo` exists, [`check_alertmanager_time_zones`]; sorted by position.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read; as [`load_alertmanager_config`] otherwise.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("alertmanager.yml");
/// std::fs::write(&path, "route:\n  receiver: team\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: ftp://hooks\n")?;
/// let found = manifest_model::alertmanager_config::check_alertmanager_path(&path)?;
/// assert_eq!(found.len(), 1);
/// assert_eq!((found[0].code.as_str(), found[0].line, found[0].column), ("alertmanager/invalid-url", 6, 14));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_alertmanager_path(path: &Path) -> Result<Vec<Diagnostic>, Error> {
    let src = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (config, mut found) = load_alertmanager_config(&src, path)?;
    found.extend(check_alertmanager_config(&config));
    let zoneinfo = Path::new("/usr/share/zoneinfo");
    if zoneinfo.is_dir() {
        found.extend(check_alertmanager_time_zones(&config, zoneinfo));
    }
    crate::diagnostic::sort(&mut found);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(src: &str) -> Vec<(String, usize, usize)> {
        let (c, mut d) = load_alertmanager_config(src, Path::new("a.yml")).unwrap();
        d.extend(check_alertmanager_config(&c));
        crate::diagnostic::sort(&mut d);
        d.into_iter().map(|d| (d.code, d.line, d.column)).collect()
    }

    #[test]
    fn inheritance_and_defaults() {
        let src = "route:\n  receiver: a\n  group_by: [x]\n  group_wait: 10s\n  routes:\n    - matchers: [y=z]\n      repeat_interval: 1h\nreceivers: [{name: a}]\n";
        let (c, d) = load_alertmanager_config(src, Path::new("a.yml")).unwrap();
        assert!(d.is_empty(), "{d:?}");
        let root = c.route.as_ref().unwrap();
        let child = &root.routes[0];
        assert_eq!(child.receiver.as_deref(), Some("a"));
        assert_eq!(child.group_by, ["x"]);
        assert_eq!(child.group_wait_ms, 10_000);
        assert_eq!(child.repeat_interval_ms, 3_600_000);
        assert_eq!(child.group_interval_ms, 300_000);
        assert_eq!(c.global.resolve_timeout_ms, 300_000);
        assert!(check_alertmanager_config(&c).is_empty());
    }

    #[test]
    fn findings_with_positions() {
        let src = "route:\n  receiver: a\n  match: {x: y}\n  routes:\n    - receiver: b\n      mute_time_intervals: [off]\n      group_by: [x, x]\nreceivers:\n  - name: a\n    email_configs: [{to: t@x}]\n  - name: a\n    webhook_configs: [{url: 'x'}]\ntime_intervals:\n  - name: w\n    time_intervals: [{weekdays: [funday], times: [{start_time: '10:00', end_time: '09:00'}]}]\n";
        assert_eq!(
            codes(src),
            vec![
                ("alertmanager/root-route".to_owned(), 1, 1),
                ("alertmanager/undefined-receiver".to_owned(), 5, 17),
                ("alertmanager/undefined-time-interval".to_owned(), 6, 29),
                ("alertmanager/invalid-group-by".to_owned(), 7, 21),
                ("alertmanager/missing-global".to_owned(), 10, 21),
                ("alertmanager/duplicate-name".to_owned(), 11, 11),
                ("alertmanager/invalid-url".to_owned(), 12, 29),
                ("alertmanager/invalid-time-interval".to_owned(), 15, 34),
                ("alertmanager/invalid-time-interval".to_owned(), 15, 51),
            ]
        );
    }

    #[test]
    fn matchers() {
        let m = parse_matchers(r#"a="b,c", d!~"x\"y""#).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].value, "b,c");
        assert_eq!(m[1].value, "x\"y");
        assert!(parse_matchers("").unwrap().is_empty());
        assert!(parse_matchers("a:b=c").is_ok());
        assert!(parse_matchers("1a=b").is_err());
        assert!(parse_matchers(r#"a="b"#).is_err());
    }
}
