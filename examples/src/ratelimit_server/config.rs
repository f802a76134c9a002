//! The limits file: parsing and validation (the format is documented on the parent module).

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use ratelimit_core::{AlgorithmKind, AnyAlgorithm, Quota};
use serde::{Deserialize, Deserializer};

/// A problem in the limits file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfigError {
    /// The file (as given on the command line).
    pub file: String,
    /// 1-based line of the offending node, when known.
    pub line: Option<usize>,
    /// 1-based column of the offending node, when known.
    pub column: Option<usize>,
    /// The field, as a path (`rules[1].period`); empty for the document as a whole.
    pub field: String,
    /// What is wrong (lowercase, no final period).
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where a rule takes the key that identifies a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySource {
    /// `client-ip`: the IP address of the TCP peer.
    ClientIp,
    /// `api-key`: the `X-API-Key` header, else the token of `Authorization: Bearer TOKEN`.
    ApiKey,
    /// `header:NAME`: the value of header `NAME` (lowercased).
    Header(String),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::ClientIp => f.write_str("client-ip"),
            KeySource::ApiKey => f.write_str("api-key"),
            KeySource::Header(h) => write!(f, "header:{h}"),
        }
    }
}

impl FromStr for KeySource {
    type Err = String;

    fn from_str(s: &str) -> Result<KeySource, String> {
        match s {
            "client-ip" => Ok(KeySource::ClientIp),
            "api-key" => Ok(KeySource::ApiKey),
            _ => {
                let Some(name) = s.strip_prefix("header:") else {
                    return Err(format!(
                        "unknown key {s:?}: expected client-ip, api-key or header:NAME"
                    ));
                };
                let name = name.trim().to_ascii_lowercase();
                if axum::http::HeaderName::from_str(&name).is_err() {
                    return Err(format!("invalid header name {name:?} in key {s:?}"));
                }
                Ok(KeySource::Header(name))
            }
        }
    }
}

/// One limit: an algorithm with its quota, and where the key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The algorithm and quota.
    pub algorithm: AnyAlgorithm,
    /// Where the key comes from.
    pub key: KeySource,
}

/// A named rule: a limit on the requests whose path matches `route`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule's name (the `rule` label of the metrics, the policy name of the headers).
    pub name: String,
    /// The route: a path that matches itself and every path below it (`/a` matches `/a/b`).
    pub route: String,
    /// The limit.
    pub limit: Limit,
}

/// A validated limits file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The limit of requests no rule matches (named `default`); `None`: such requests get 404.
    pub default: Option<Limit>,
    /// The rules, in file order (the first matching rule applies).
    pub rules: Vec<Rule>,
}

impl Config {
    /// Reads and validates the file at `path`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the file, position and field.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: name.clone(),
            line: None,
            column: None,
            field: String::new(),
            message: format!("cannot read the file: {e}"),
        })?;
        Config::parse(&text, &name)
    }

    /// Parses and validates `text`, read from `file`.
    ///
    /// ```
    /// use examples::ratelimit_server::Config;
    ///
    /// let c = Config::parse("rules:\n  - {name: a, route: /a, algorithm: gcra, limit: 2, period: 1s, key: client-ip}\n", "x.yaml")?;
    /// assert_eq!(c.rules[0].name, "a");
    /// let e = Config::parse("rules:\n  - {name: a, route: /a, algorithm: gcra, limit: 0, period: 1s, key: client-ip}\n", "x.yaml").unwrap_err();
    /// assert_eq!((e.line, e.field.as_str()), (Some(2), "rules[0].limit"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the file, position and field.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let raw: RawFile = serde_yaml::from_str(text).map_err(|e| yaml_error(file, &e))?;
        let mut rules = Vec::with_capacity(raw.rules.len());
        let mut names = std::collections::HashSet::new();
        let default = raw.default.map(|l| l.build(file, "default")).transpose()?;
        for (i, r) in raw.rules.into_iter().enumerate() {
            let at = format!("rules[{i}]");
            if !names.insert(r.name.0.clone()) {
                return Err(ConfigError {
                    file: file.to_string(),
                    line: None,
                    column: None,
                    field: format!("{at}.name"),
                    message: format!("duplicate rule name {:?}", r.name.0),
                });
            }
            let limit = RawLimit {
                algorithm: r.algorithm,
                limit: r.limit,
                period: r.period,
                burst: r.burst,
                key: r.key,
            }
            .build(file, &at)?;
            rules.push(Rule {
                name: r.name.0,
                route: r.route.0,
                limit,
            });
        }
        Ok(Config { default, rules })
    }
}

fn yaml_error(file: &str, e: &serde_yaml::Error) -> ConfigError {
    let (line, column) = e
        .location()
        .map_or((None, None), |l| (Some(l.line()), Some(l.column())));
    let mut text = e.to_string();
    if let Some(i) = text.find(" at line ") {
        text.truncate(i);
    }
    // serde_yaml prefixes the path of the failing node: `rules[0].limit: message`.
    let (field, message) = match text.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (p.to_string(), m.to_string()),
        _ => (String::new(), text),
    };
    ConfigError {
        file: file.to_string(),
        line,
        column,
        field,
        message,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    default: Option<RawLimit>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    algorithm: Algo,
    limit: Positive,
    period: Period,
    burst: Option<Positive>,
    key: Key,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Name,
    route: RoutePath,
    algorithm: Algo,
    limit: Positive,
    period: Period,
    burst: Option<Positive>,
    key: Key,
}

impl RawLimit {
    fn build(self, file: &str, at: &str) -> Result<Limit, ConfigError> {
        let err = |field: &str, message: String| ConfigError {
            file: file.to_string(),
            line: None,
            column: None,
            field: format!("{at}.{field}"),
            message,
        };
        let bucket = matches!(
            self.algorithm.0,
            AlgorithmKind::Gcra | AlgorithmKind::TokenBucket | AlgorithmKind::LeakyBucket
        );
        let mut q = Quota::builder(self.limit.0, self.period.0);
        if let Some(b) = self.burst {
            if !bucket {
                return Err(err(
                    "burst",
                    format!(
                        "burst applies only to gcra, token-bucket and leaky-bucket, not {}",
                        self.algorithm.0.name()
                    ),
                ));
            }
            q = q.burst(b.0);
        }
        let quota = q.build().map_err(|e| err("period", e.to_string()))?;
        let algorithm = AnyAlgorithm::from_name(self.algorithm.0.name(), quota)
            .map_err(|e| err("algorithm", e.to_string()))?;
        Ok(Limit {
            algorithm,
            key: self.key.0,
        })
    }
}

/// Deserializes a string through `parse` inside the visitor, so serde_yaml reports errors at
/// the scalar (line, column and field path) rather than at the enclosing mapping.
fn parse_str<'de, D, T>(
    d: D,
    what: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct V<T>(&'static str, fn(&str) -> Result<T, String>);
    impl<T> serde::de::Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            (self.1)(v).map_err(E::custom)
        }
    }
    d.deserialize_str(V(what, parse))
}

struct Algo(AlgorithmKind);

impl<'de> Deserialize<'de> for Algo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Algo, D::Error> {
        parse_str(d, "an algorithm name", |s| {
            AlgorithmKind::from_str(s)
                .map(Algo)
                .map_err(|e| e.to_string())
        })
    }
}

struct Positive(u64);

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Positive, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Positive;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer of at least 1")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Positive, E> {
                if n == 0 {
                    return Err(E::custom("must be at least 1"));
                }
                Ok(Positive(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Positive, E> {
                u64::try_from(n)
                    .map_err(|_| E::custom("must be at least 1"))
                    .and_then(|n| self.visit_u64(n))
            }
        }
        d.deserialize_u64(V)
    }
}

struct Period(Duration);

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        parse_str(d, "a duration such as 500ms, 1s, 1m", |s| {
            match ratelimit_core::trace::parse_duration(s) {
                Ok(p) if !p.is_zero() => Ok(Period(p)),
                _ => Err(format!(
                    "invalid period {s:?}: expected a positive integer with a unit ns, us, ms, s, m, h or d (500ms, 1s, 1m)"
                )),
            }
        })
    }
}

struct Key(KeySource);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        parse_str(d, "client-ip, api-key or header:NAME", |s| {
            KeySource::from_str(s).map(Key)
        })
    }
}

struct Name(String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        parse_str(d, "a rule name", |s| {
            let ok = !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                return Err(format!(
                    "invalid rule name {s:?}: use 1 to 64 of a-z, A-Z, 0-9, '-', '_', '.'"
                ));
            }
            if s == "default" {
                return Err("the name \"default\" is reserved for the default limit".to_string());
            }
            Ok(Name(s.to_string()))
        })
    }
}

struct RoutePath(String);

impl<'de> Deserialize<'de> for RoutePath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RoutePath, D::Error> {
        parse_str(d, "a path starting with '/'", |s| {
            if !s.starts_with('/') || s.contains(['?', '#', ' ']) {
                return Err(format!(
                    "invalid route {s:?}: expected a path starting with '/', without query or fragment"
                ));
            }
            let trimmed = if s.len() > 1 {
                s.trim_end_matches('/')
            } else {
                s
            };
            Ok(RoutePath(trimmed.to_string()))
        })
    }
}

/// Whether `path` is `route` or below it.
pub(crate) fn route_matches(route: &str, path: &str) -> bool {
    if route == "/" {
        return true;
    }
    match path.strip_prefix(route) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ConfigError {
        Config::parse(text, "f.yaml").unwrap_err()
    }

    #[test]
    fn stack_example_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("stack/k8s/base/limits.yaml");
        let c = Config::from_file(&path).unwrap();
        assert_eq!(c.rules.len(), 3);
        assert!(c.default.is_some());
        assert_eq!(
            c.rules[1].limit.key,
            KeySource::Header("x-api-key".to_string())
        );
    }

    #[test]
    fn field_errors_have_positions() {
        let e = err("default:\n  algorithm: gcra\n  limit: 1\n  period: 1x\n  key: client-ip\n");
        assert_eq!(e.field, "default.period");
        assert_eq!((e.line, e.column), (Some(4), Some(11)));
        assert!(e.message.contains("1x"), "{e}");
        let e = err("rules:\n  - name: a\n    route: /a\n    algorithm: nope\n");
        assert_eq!(e.field, "rules[0].algorithm");
        assert_eq!(e.line, Some(4));
        let e = err("default:\n  algorithm: gcra\n  limit: 1\n  period: 1s\n  key: cookie\n");
        assert_eq!(e.field, "default.key");
        let e = err("defaults: {}\n");
        assert!(e.message.contains("unknown field"), "{e}");
        assert_eq!(e.line, Some(1));
        let e = err(
            "rules:\n  - {name: a, route: a, algorithm: gcra, limit: 1, period: 1s, key: api-key}\n",
        );
        assert_eq!(e.field, "rules[0].route");
    }

    #[test]
    fn cross_field_errors_name_the_field() {
        let e = err(
            "default: {algorithm: fixed-window, limit: 1, period: 1s, burst: 3, key: api-key}\n",
        );
        assert_eq!(e.field, "default.burst");
        let r = "{name: a, route: /a, algorithm: gcra, limit: 1, period: 1s, key: api-key}";
        let e = err(&format!("rules:\n  - {r}\n  - {r}\n"));
        assert_eq!(e.field, "rules[1].name");
        assert_eq!(
            e.to_string(),
            "f.yaml: rules[1].name: duplicate rule name \"a\""
        );
    }

    #[test]
    fn routes_match_below() {
        assert!(route_matches("/a", "/a"));
        assert!(route_matches("/a", "/a/b"));
        assert!(!route_matches("/a", "/ab"));
        assert!(route_matches("/", "/x"));
    }
}
