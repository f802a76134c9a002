//! Pieces shared by the Prometheus and Alertmanager config models: the finding collector,
//! scalar readers with go-yaml v2 semantics, durations, label names, URLs and the HTTP client
//! settings of `prometheus/common`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Severity};
use crate::validate::closest;
use crate::yaml::{Entry, FieldPath, Node, NodeValue, Span};

/// Collects findings for one file; `tool` prefixes every code (`prometheus`, `alertmanager`).
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a Path,
    pub(crate) tool: &'static str,
    pub(crate) out: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(file: &'a Path, tool: &'static str) -> Ctx<'a> {
        Ctx {
            file,
            tool,
            out: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        severity: Severity,
        code: &str,
        span: Span,
        path: &FieldPath,
        msg: String,
    ) {
        let mut d = Diagnostic::new(severity, &format!("{}/{code}", self.tool), msg)
            .at_span(self.file, span);
        if !path.is_root() {
            d = d.with_path(path.to_string());
        }
        self.out.push(d);
    }

    pub(crate) fn error(&mut self, code: &str, span: Span, path: &FieldPath, msg: String) {
        self.push(Severity::Error, code, span, path, msg);
    }

    pub(crate) fn wrong_type(&mut self, node: &Node, path: &FieldPath, expected: &str) {
        self.error(
            "wrong-type",
            node.span,
            path,
            format!("`{path}` must be {expected}, found {}", node.type_name()),
        );
    }

    /// Report keys not in `allowed` (with the closest allowed name).
    pub(crate) fn unknown_keys(
        &mut self,
        entries: &[Entry],
        allowed: &[&str],
        path: &FieldPath,
        what: &str,
    ) {
        for e in entries {
            if allowed.contains(&e.key.as_str()) {
                continue;
            }
            let suggestion = closest(&e.key, allowed.iter().copied());
            let mut msg = format!("unknown field `{}` in {what}", e.key);
            if let Some(s) = suggestion {
                msg.push_str(&format!("; did you mean `{s}`?"));
            }
            let mut d = Diagnostic::new(
                Severity::Error,
                &format!("{}/unknown-field", self.tool),
                msg,
            )
            .at_span(self.file, e.key_span)
            .with_path(path.key(&e.key).to_string());
            if let Some(s) = suggestion {
                d = d.with_suggestion(s);
            }
            self.out.push(d);
        }
    }

    /// The entries of a mapping section (null counts as empty); reports other shapes.
    pub(crate) fn map<'n>(
        &mut self,
        node: &'n Node,
        path: &FieldPath,
        allowed: &[&str],
        what: &str,
    ) -> Option<&'n [Entry]> {
        match &node.value {
            NodeValue::Map(entries) => {
                self.unknown_keys(entries, allowed, path, what);
                Some(entries)
            }
            NodeValue::Null => Some(&[]),
            _ => {
                self.wrong_type(node, path, "a mapping");
                None
            }
        }
    }

    /// The items of a list (null counts as empty); reports other shapes.
    pub(crate) fn seq<'n>(&mut self, node: &'n Node, path: &FieldPath) -> &'n [Node] {
        match &node.value {
            NodeValue::Seq(items) => items,
            NodeValue::Null => &[],
            _ => {
                self.wrong_type(node, path, "a list");
                &[]
            }
        }
    }

    /// A string field: go-yaml v2 reads any scalar into a string; null is unset.
    pub(crate) fn string(&mut self, node: &Node, path: &FieldPath) -> Option<String> {
        match scalar_text(node) {
            Some(s) => Some(s),
            None if node.is_null() => None,
            None => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    /// A boolean field, with the YAML 1.1 spellings go-yaml v2 accepts (`yes`, `on`...).
    pub(crate) fn boolean(&mut self, node: &Node, path: &FieldPath) -> Option<bool> {
        match &node.value {
            NodeValue::Bool(b) => Some(*b),
            NodeValue::Null => None,
            NodeValue::String(s) if node.plain => match s.as_str() {
                "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
                "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
                _ => {
                    self.wrong_type(node, path, "a boolean");
                    None
                }
            },
            _ => {
                self.wrong_type(node, path, "a boolean");
                None
            }
        }
    }

    /// A non-negative integer field.
    pub(crate) fn uint(&mut self, node: &Node, path: &FieldPath) -> Option<u64> {
        match node.value {
            NodeValue::Int(n) if n >= 0 => u64::try_from(n).ok(),
            NodeValue::Null => None,
            _ => {
                self.wrong_type(node, path, "a non-negative integer");
                None
            }
        }
    }

    /// A signed integer field.
    pub(crate) fn int(&mut self, node: &Node, path: &FieldPath) -> Option<i64> {
        match node.value {
            NodeValue::Int(n) => Some(n),
            NodeValue::Null => None,
            _ => {
                self.wrong_type(node, path, "an integer");
                None
            }
        }
    }

    /// A duration field in Prometheus syntax, in milliseconds.
    pub(crate) fn duration(&mut self, node: &Node, path: &FieldPath) -> Option<u64> {
        let text = self.string(node, path)?;
        match parse_duration_ms(&text) {
            Ok(ms) => Some(ms),
            Err(why) => {
                self.error(
                    "invalid-duration",
                    node.span,
                    path,
                    format!("`{path}`: {why} (write e.g. 30s, 1m or 1h30m)"),
                );
                None
            }
        }
    }

    /// A list of strings (a single scalar is an error, as in go-yaml).
    pub(crate) fn strings(&mut self, node: &Node, path: &FieldPath) -> Vec<String> {
        let items = self.seq(node, path);
        items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| self.string(n, &path.index(i)))
            .collect()
    }

    /// A mapping of strings to strings.
    pub(crate) fn string_map(&mut self, node: &Node, path: &FieldPath) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        match &node.value {
            NodeValue::Map(entries) => {
                for e in entries {
                    let v = self.string(&e.value, &path.key(&e.key)).unwrap_or_default();
                    out.insert(e.key.clone(), v);
                }
            }
            NodeValue::Null => {}
            _ => self.wrong_type(node, path, "a mapping of strings"),
        }
        out
    }

    /// Label names of a mapping's keys, checked.
    pub(crate) fn label_map(&mut self, node: &Node, path: &FieldPath) -> BTreeMap<String, String> {
        let map = self.string_map(node, path);
        if let Some(entries) = node.as_map() {
            for e in entries {
                if !is_label_name(&e.key) {
                    self.error(
                        "invalid-label-name",
                        e.key_span,
                        &path.key(&e.key),
                        format!("{:?} is not a valid label name (letters, digits and _, not starting with a digit)", e.key),
                    );
                }
            }
        }
        map
    }
}

/// The text of a scalar as go-yaml v2 hands it to a string field.
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        NodeValue::String(s) => Some(s.clone()),
        NodeValue::Int(n) => Some(n.to_string()),
        NodeValue::Float(x) => Some(x.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub(crate) fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parse a Prometheus duration (`1y2w3d4h5m6s7ms`, units in that order, each at most once,
/// or `0`) into milliseconds.
pub(crate) fn parse_duration_ms(s: &str) -> Result<u64, String> {
    if s.is_empty() {
        return Err("empty duration string".to_owned());
    }
    if s == "0" {
        return Ok(0);
    }
    const UNITS: &[(&str, u64)] = &[
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ];
    let invalid = || format!("not a valid duration string: {s:?}");
    let mut rest = s;
    let mut next_unit = 0;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(invalid());
        }
        let (num, after) = rest.split_at(digits);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let pos = UNITS
            .iter()
            .skip(next_unit)
            .position(|(u, _)| *u == unit)
            .ok_or_else(invalid)?;
        let (_, mult) = UNITS.get(next_unit + pos).ok_or_else(invalid)?;
        next_unit += pos + 1;
        let n: u64 = num.parse().map_err(|_| invalid())?;
        total = n
            .checked_mul(*mult)
            .and_then(|v| total.checked_add(v))
            .filter(|v| *v <= i64::MAX as u64 / 1_000_000)
            .ok_or_else(|| "duration out of range".to_owned())?;
        rest = next;
    }
    Ok(total)
}

/// Whether `s` parses as a URL with Go's `net/url.Parse` (the checks that matter for
/// configs: control characters, percent escapes, a missing scheme before a colon, ports).
pub(crate) fn go_url_error(s: &str) -> Option<String> {
    if s.chars().any(|c| c.is_ascii_control()) {
        return Some(format!(
            "parse {s:?}: net/url: invalid control character in URL"
        ));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return Some(format!("parse {s:?}: invalid URL escape"));
            }
        }
        i += 1;
    }
    let (scheme, rest) = split_scheme(s);
    if scheme.is_none() {
        if s.starts_with(':') {
            return Some(format!("parse {s:?}: missing protocol scheme"));
        }
        let first = s.split('/').next().unwrap_or("");
        if first.contains(':') {
            return Some(format!(
                "parse {s:?}: first path segment in URL cannot contain colon"
            ));
        }
        return None;
    }
    if let Some(after) = rest.strip_prefix("//") {
        let authority = after.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let port = if let Some(v6) = host.strip_prefix('[') {
            match v6.split_once(']') {
                Some((_, p)) => p
                    .strip_prefix(':')
                    .or(if p.is_empty() { None } else { Some(p) }),
                None => return Some(format!("parse {s:?}: missing ']' in host")),
            }
        } else {
            host.rsplit_once(':').map(|(_, p)| p)
        };
        if let Some(p) = port
            && !p.bytes().all(|b| b.is_ascii_digit())
        {
            return Some(format!("parse {s:?}: invalid port \":{p}\" after host"));
        }
    }
    None
}

/// The scheme of a URL (Go's rules: a letter, then letters, digits, `+`, `-`, `.`; before `:`).
pub(crate) fn split_scheme(s: &str) -> (Option<&str>, &str) {
    for (i, c) in s.char_indices() {
        if c == ':' {
            return if i == 0 {
                (None, s)
            } else {
                (s.get(..i), s.get(i + 1..).unwrap_or(""))
            };
        }
        let ok = c.is_ascii_alphabetic()
            || (i > 0 && (c.is_ascii_digit() || matches!(c, '+' | '-' | '.')));
        if !ok {
            return (None, s);
        }
    }
    (None, s)
}

/// The host of an absolute URL (`None` if there is no `//` authority or it is empty).
pub(crate) fn url_host(s: &str) -> Option<&str> {
    let (_, rest) = split_scheme(s);
    let after = rest.strip_prefix("//")?;
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.is_empty()).then_some(host)
}

/// TLS settings (`tls_config`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsConfig {
    /// `ca_file`.
    pub ca_file: Option<String>,
    /// `cert_file`.
    pub cert_file: Option<String>,
    /// `key_file`.
    pub key_file: Option<String>,
    /// `server_name`.
    pub server_name: Option<String>,
    /// `insecure_skip_verify`.
    pub insecure_skip_verify: bool,
    /// `min_version` (`TLS10`..`TLS13`).
    pub min_version: Option<String>,
    /// `max_version` (`TLS10`..`TLS13`).
    pub max_version: Option<String>,
}

/// HTTP client settings of `prometheus/common` (scrape configs, remote write, Alertmanager
/// receivers): authentication, TLS, proxy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpClientConfig {
    /// `basic_auth.username`, when `basic_auth` is set.
    pub basic_auth_username: Option<String>,
    /// Whether `basic_auth.password` is set.
    pub basic_auth_password: bool,
    /// `basic_auth.password_file`.
    pub basic_auth_password_file: Option<String>,
    /// Whether `basic_auth` is set.
    pub basic_auth: bool,
    /// `authorization.type` (default `Bearer`), when `authorization` is set.
    pub authorization_type: Option<String>,
    /// `authorization.credentials_file`.
    pub authorization_credentials_file: Option<String>,
    /// Whether `oauth2` is set.
    pub oauth2: bool,
    /// Whether `bearer_token` is set.
    pub bearer_token: bool,
    /// `bearer_token_file`.
    pub bearer_token_file: Option<String>,
    /// `tls_config`.
    pub tls_config: TlsConfig,
    /// `proxy_url`.
    pub proxy_url: Option<String>,
    /// `follow_redirects` (default true).
    pub follow_redirects: bool,
    /// `enable_http2` (default true).
    pub enable_http2: bool,
}

/// The keys of [`HttpClientConfig`], for callers that embed it inline.
pub(crate) const HTTP_CLIENT_FIELDS: &[&str] = &[
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

const TLS_FIELDS: &[&str] = &[
    "ca_file",
    "cert_file",
    "key_file",
    "server_name",
    "insecure_skip_verify",
    "min_version",
    "max_version",
];

const TLS_VERSIONS: &[&str] = &["TLS10", "TLS11", "TLS12", "TLS13"];

pub(crate) fn parse_tls(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) -> TlsConfig {
    let mut t = TlsConfig::default();
    let Some(entries) = ctx.map(node, path, TLS_FIELDS, "tls_config") else {
        return t;
    };
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "ca_file" => t.ca_file = ctx.string(v, &p).filter(|s| !s.is_empty()),
            "cert_file" => t.cert_file = ctx.string(v, &p).filter(|s| !s.is_empty()),
            "key_file" => t.key_file = ctx.string(v, &p).filter(|s| !s.is_empty()),
            "server_name" => t.server_name = ctx.string(v, &p),
            "insecure_skip_verify" => t.insecure_skip_verify = ctx.boolean(v, &p).unwrap_or(false),
            "min_version" | "max_version" => {
                let s = ctx.string(v, &p);
                if let Some(s) = &s
                    && !TLS_VERSIONS.contains(&s.as_str())
                {
                    ctx.error(
                        "invalid-value",
                        v.span,
                        &p,
                        format!("unknown TLS version: {s} (one of TLS10, TLS11, TLS12, TLS13)"),
                    );
                }
                if e.key == "min_version" {
                    t.min_version = s;
                } else {
                    t.max_version = s;
                }
            }
            _ => {}
        }
    }
    t
}

/// Read the HTTP client keys among `entries` (the caller has already rejected unknown keys)
/// and check their combinations as `prometheus/common` does.
pub(crate) fn parse_http_client(
    ctx: &mut Ctx<'_>,
    entries: &[Entry],
    path: &FieldPath,
    at: Span,
) -> HttpClientConfig {
    let mut h = HttpClientConfig {
        follow_redirects: true,
        enable_http2: true,
        ..HttpClientConfig::default()
    };
    let mut proxy_connect_header: Option<Span> = None;
    let mut authorization_credentials = false;
    for e in entries {
        let p = path.key(&e.key);
        let v = &e.value;
        match e.key.as_str() {
            "basic_auth" => {
                let Some(m) = ctx.map(
                    v,
                    &p,
                    &["username", "password", "password_file"],
                    "basic_auth",
                ) else {
                    continue;
                };
                h.basic_auth = true;
                for f in m {
                    let fp = p.key(&f.key);
                    let s = ctx.string(&f.value, &fp).filter(|s| !s.is_empty());
                    match f.key.as_str() {
                        "username" => h.basic_auth_username = s,
                        "password" => h.basic_auth_password = s.is_some(),
                        "password_file" => h.basic_auth_password_file = s,
                        _ => {}
                    }
                }
                if h.basic_auth_password && h.basic_auth_password_file.is_some() {
                    ctx.error(
                        "conflicting-fields",
                        e.key_span,
                        &p,
                        "at most one of basic_auth password & password_file must be configured"
                            .to_owned(),
                    );
                }
            }
            "authorization" => {
                let Some(m) = ctx.map(
                    v,
                    &p,
                    &["type", "credentials", "credentials_file"],
                    "authorization",
                ) else {
                    continue;
                };
                let mut ty = String::new();
                for f in m {
                    let fp = p.key(&f.key);
                    let s = ctx.string(&f.value, &fp).filter(|s| !s.is_empty());
                    match f.key.as_str() {
                        "type" => ty = s.unwrap_or_default().trim().to_owned(),
                        "credentials" => authorization_credentials = s.is_some(),
                        "credentials_file" => h.authorization_credentials_file = s,
                        _ => {}
                    }
                }
                if ty.eq_ignore_ascii_case("basic") {
                    ctx.error(
                        "invalid-value",
                        v.get("type").map_or(e.key_span, |n| n.span),
                        &p.key("type"),
                        "authorization type cannot be set to \"basic\", use \"basic_auth\" instead"
                            .to_owned(),
                    );
                }
                if authorization_credentials && h.authorization_credentials_file.is_some() {
                    ctx.error(
                        "conflicting-fields",
                        e.key_span,
                        &p,
                        "at most one of authorization credentials & credentials_file must be configured".to_owned(),
                    );
                }
                h.authorization_type = Some(if ty.is_empty() {
                    "Bearer".to_owned()
                } else {
                    ty
                });
            }
            "oauth2" => {
                const OAUTH2: &[&str] = &[
                    "client_id",
                    "client_secret",
                    "client_secret_file",
                    "scopes",
                    "token_url",
                    "endpoint_params",
                    "tls_config",
                    "proxy_url",
                ];
                let Some(m) = ctx.map(v, &p, OAUTH2, "oauth2") else {
                    continue;
                };
                h.oauth2 = true;
                let (mut id, mut secret, mut secret_file, mut token_url) =
                    (false, false, false, false);
                for f in m {
                    let fp = p.key(&f.key);
                    match f.key.as_str() {
                        "client_id" => {
                            id = ctx.string(&f.value, &fp).is_some_and(|s| !s.is_empty())
                        }
                        "client_secret" => {
                            secret = ctx.string(&f.value, &fp).is_some_and(|s| !s.is_empty())
                        }
                        "client_secret_file" => {
                            secret_file = ctx.string(&f.value, &fp).is_some_and(|s| !s.is_empty());
                        }
                        "token_url" => {
                            token_url = ctx.string(&f.value, &fp).is_some_and(|s| !s.is_empty())
                        }
                        "scopes" => {
                            ctx.strings(&f.value, &fp);
                        }
                        "endpoint_params" => {
                            ctx.string_map(&f.value, &fp);
                        }
                        "tls_config" => {
                            parse_tls(ctx, &f.value, &fp);
                        }
                        "proxy_url" => check_url_field(ctx, &f.value, &fp),
                        _ => {}
                    }
                }
                let problem = if !id {
                    Some("oauth2 client_id must be configured")
                } else if !secret && !secret_file {
                    Some("either oauth2 client_secret or client_secret_file must be configured")
                } else if !token_url {
                    Some("oauth2 token_url must be configured")
                } else if secret && secret_file {
                    Some(
                        "at most one of oauth2 client_secret & client_secret_file must be configured",
                    )
                } else {
                    None
                };
                if let Some(msg) = problem {
                    ctx.error("missing-field", e.key_span, &p, msg.to_owned());
                }
            }
            "bearer_token" => h.bearer_token = ctx.string(v, &p).is_some_and(|s| !s.is_empty()),
            "bearer_token_file" => {
                h.bearer_token_file = ctx.string(v, &p).filter(|s| !s.is_empty())
            }
            "tls_config" => h.tls_config = parse_tls(ctx, v, &p),
            "proxy_url" => {
                check_url_field(ctx, v, &p);
                h.proxy_url = ctx.string(v, &p).filter(|s| !s.is_empty());
            }
            "proxy_connect_header" => {
                if !v.is_null() {
                    proxy_connect_header = Some(e.key_span);
                }
                if let Some(m) = v.as_map() {
                    for f in m {
                        ctx.strings(&f.value, &p.key(&f.key));
                    }
                } else if !v.is_null() {
                    ctx.wrong_type(v, &p, "a mapping of header names to lists of values");
                }
            }
            "follow_redirects" => h.follow_redirects = ctx.boolean(v, &p).unwrap_or(true),
            "enable_http2" => h.enable_http2 = ctx.boolean(v, &p).unwrap_or(true),
            _ => {}
        }
    }
    let bearer = h.bearer_token || h.bearer_token_file.is_some();
    let conflict = |ctx: &mut Ctx<'_>, msg: &str| {
        ctx.error("conflicting-fields", at, path, msg.to_owned());
    };
    if h.bearer_token && h.bearer_token_file.is_some() {
        conflict(
            ctx,
            "at most one of bearer_token & bearer_token_file must be configured",
        );
    } else if (h.basic_auth || h.oauth2) && bearer {
        conflict(
            ctx,
            "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured",
        );
    } else if h.authorization_type.is_some() && bearer {
        conflict(
            ctx,
            "authorization is not compatible with bearer_token & bearer_token_file",
        );
    } else if h.authorization_type.is_some() && (h.basic_auth || h.oauth2) {
        conflict(
            ctx,
            "at most one of basic_auth, oauth2 & authorization must be configured",
        );
    } else if h.oauth2 && h.basic_auth {
        conflict(ctx, "at most one of oauth2 & basic_auth must be configured");
    }
    if let Some(span) = proxy_connect_header
        && h.proxy_url.is_none()
    {
        ctx.error(
            "missing-field",
            span,
            &path.key("proxy_connect_header"),
            "if proxy_connect_header is configured proxy_url must also be configured".to_owned(),
        );
    }
    h
}

/// Check a URL-valued field with Go's `net/url` rules.
pub(crate) fn check_url_field(ctx: &mut Ctx<'_>, node: &Node, path: &FieldPath) {
    if let Some(s) = scalar_text(node)
        && let Some(why) = go_url_error(&s)
    {
        ctx.error("invalid-url", node.span, path, format!("`{path}`: {why}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("0"), Ok(0));
        assert_eq!(parse_duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("1d"), Ok(86_400_000));
        assert_eq!(parse_duration_ms("500ms"), Ok(500));
        assert_eq!(parse_duration_ms("1m1s1ms"), Ok(61_001));
        for bad in [
            "",
            "1",
            "1h1d",
            "1.5s",
            "-1s",
            "1s1s",
            "s",
            "1x",
            "10 s",
            "99999999999y",
        ] {
            assert!(parse_duration_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_and_labels() {
        assert!(go_url_error("http://a:80/x").is_none());
        assert!(go_url_error("foo").is_none());
        assert!(go_url_error(":foo").is_some());
        assert!(go_url_error("http://a:b/").is_some());
        assert!(go_url_error("http://x/%zz").is_some());
        assert!(go_url_error("a:b/c").is_none());
        assert!(go_url_error("1a:b").is_some());
        assert_eq!(url_host("https://u@h:1/p"), Some("h:1"));
        assert_eq!(url_host("mailto:x"), None);
        assert!(is_label_name("_a1"));
        assert!(!is_label_name("1a"));
        assert!(!is_label_name("a-b"));
        assert!(!is_label_name(""));
    }
}
