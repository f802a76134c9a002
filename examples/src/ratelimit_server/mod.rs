//! `ratelimit-server`: an HTTP rate-limiter service built on `ratelimit-core` (axum on tokio).
//!
//! ```text
//! ratelimit-server --config FILE [--listen ADDR] [--redis URL] [--fail-policy open|closed|local]
//!                  [--redis-timeout DUR] [--ping-interval DUR] [--limiting on|off]
//! ```
//!
//! `--listen` defaults to `127.0.0.1:8080` (port 0 picks a free port; the bound address is
//! printed on stderr as `ratelimit-server: listening on ADDR`). Without `--redis` the limits are
//! kept in memory, per process; with `--redis redis://HOST:PORT` (or `redis+unix:///PATH`) every
//! instance using the same server shares them (ratelimit-core's Redis store: one atomic script
//! per decision, the server's clock). `--fail-policy` says what to decide while Redis cannot be
//! reached: `closed` (deny, the default), `open` (admit) or `local` (a per-instance in-memory
//! limit). `--redis-timeout` (default `250ms`) bounds each Redis call; `--ping-interval`
//! (default `1s`) is how often readiness pings Redis. `--limiting off` answers every limited
//! route 200 without deciding: an emergency switch and the baseline of load tests.
//! SIGTERM and SIGINT shut the server down gracefully (in-flight requests finish).
//! Exit status: 0 after a clean shutdown, 1 when the server fails (e.g. the address is in use),
//! 2 for bad usage or a bad limits file (one line on stderr naming the file, line, column and
//! field).
//!
//! # The limits file
//!
//! YAML, as in `examples/stack/k8s/base/limits.yaml`:
//!
//! ```yaml
//! default:                 # optional: limits requests no rule matches (else they get 404)
//!   algorithm: gcra
//!   limit: 100
//!   period: 1s
//!   burst: 200
//!   key: client-ip
//! rules:                   # optional; the first rule whose route matches applies
//!   - name: search         # 1-64 of [A-Za-z0-9._-], unique, not "default"
//!     route: /api/v1/search
//!     algorithm: token-bucket
//!     limit: 20
//!     period: 1s
//!     burst: 40
//!     key: header:x-api-key
//! ```
//!
//! | field | meaning |
//! |---|---|
//! | `algorithm` | `gcra`, `token-bucket`, `leaky-bucket`, `fixed-window`, `sliding-log` or `sliding-window` (exact semantics in DESIGN.md) |
//! | `limit` | units per `period`, at least 1 |
//! | `period` | an integer with a unit: `ns`, `us`, `ms`, `s`, `m`, `h`, `d` (`500ms`, `1s`, `1m`, `1h`) |
//! | `burst` | bucket capacity, only for `gcra`, `token-bucket`, `leaky-bucket` (default `limit`) |
//! | `key` | `client-ip` (the TCP peer's address), `api-key` (header `X-API-Key`, else `Authorization: Bearer TOKEN`) or `header:NAME` |
//! | `name` | the rule's name: the `rule` label of the metrics and the policy name of the headers |
//! | `route` | a path starting with `/`: it matches itself and every path below it (`/a` matches `/a/b`, not `/ab`) |
//!
//! Unknown fields are errors. A request whose key is missing (no such header) gets 400.
//! A key that is an IP address, however it arrives (the peer, a header, the API's `key`), is
//! counted as the address in its canonical form: `::ffff:10.0.0.7` and `10.0.0.7` are one key,
//! as are `0:0::1` and `::1` (on Redis it is stored as that canonical text). So the API's key
//! `"10.0.0.7"` reads and consumes the limit of the requests from 10.0.0.7, whether the server
//! listens on IPv4 or on a dual-stack IPv6 address.
//!
//! # Endpoints
//!
//! - Any path other than those below is a limited route: the first matching rule (else the
//!   default limit) consumes one unit for the request's key. Admitted: 200 with the IETF
//!   headers `RateLimit-Policy` and `RateLimit` and no body (the request would go on to the
//!   service). Not admitted (or decided by the fail policy): 429 (or 200) with the headers,
//!   `Retry-After` when denied (seconds, rounded up), and the decision as JSON, as the API
//!   answers. A 429 for a cost that can never fit the capacity has no `Retry-After`.
//! - `POST /api/v1/consume` with `{"rule": "search", "key": "k", "cost": 1}` (`rule` defaults
//!   to `default`, `cost` to 1): decides and consumes; `POST /api/v1/check`: decides without
//!   consuming (on Redis: the same script without its writes). Both answer 200 or 429 with the
//!   headers and the body
//!   `{"rule","allowed","limit","remaining","reset_after_ms","retry_after_ms","degraded"}`
//!   (`degraded`: Redis failed and the fail policy decided); 400 for a bad body, 404 for an
//!   unknown rule.
//! - `GET /metrics`: the Prometheus text format: `http_requests_total{route,code}` (the codes
//!   answered, and `500` from the start so that error ratios are 0 rather than absent),
//!   `http_request_duration_seconds{route}` (histogram), `ratelimit_decisions_total{rule,outcome}`
//!   (`allowed`/`denied`; every decision, check and consume), `ratelimit_decision_duration_seconds`
//!   (histogram), `ratelimit_backend_errors_total` (failed Redis decisions and pings). The `route`
//!   label is the built-in path, else the route of the rule limiting the path, else `*`.
//! - `GET /healthz`: 200 while the process serves. `GET /readyz`: 200 when the limits are
//!   loaded and, with `--redis`, the last PING succeeded within three ping intervals; else 503.
//!
//! # Embedding
//!
//! ```
//! use examples::ratelimit_server::{Config, Options, Server};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let config = Config::parse("default: {algorithm: gcra, limit: 5, period: 1s, key: client-ip}\n", "limits.yaml")?;
//! let server = Server::new(config, Options::default())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! // server.serve(listener, shutdown_future).await? serves until the future completes.
//! let _router = server.router();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod http;
mod limiter;
mod metrics;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ratelimit_core::redis_store::FailPolicy;

pub use config::{Config, ConfigError, KeySource, Limit, Rule};

use limiter::{Backend, Outcome, RuleLimiter};
use metrics::Metrics;

/// Everything that stops the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Bad command-line usage.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
    },
    /// A bad limits file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A rule's limiter could not be built (e.g. a quota the Redis store cannot represent).
    #[error("rule {rule}: {source}")]
    Limiter {
        /// The rule's name.
        rule: String,
        /// The cause.
        #[source]
        source: ratelimit_core::Error,
    },
    /// The `--redis` URL is malformed.
    #[error("invalid --redis url {url:?}: {source}")]
    RedisUrl {
        /// The URL.
        url: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },
    /// The listen address could not be bound or served.
    #[error("cannot serve on {addr}: {source}")]
    Serve {
        /// The address.
        addr: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl ServerError {
    /// The process exit status: 2 for usage and configuration errors, 1 otherwise.
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        match self {
            ServerError::Serve { .. } => 1,
            _ => 2,
        }
    }
}

/// How the server runs (the command-line options other than `--config` and `--listen`).
#[derive(Debug, Clone)]
pub struct Options {
    /// `--redis`: share limits through this Redis server; `None`: in memory.
    pub redis: Option<String>,
    /// `--fail-policy`: what to decide while Redis fails.
    pub fail_policy: FailPolicy,
    /// `--redis-timeout`: the bound of each Redis call.
    pub redis_timeout: Duration,
    /// `--ping-interval`: how often readiness pings Redis.
    pub ping_interval: Duration,
    /// `--limiting on|off`: `false` answers limited routes 200 without deciding.
    pub limiting: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            redis: None,
            fail_policy: FailPolicy::Closed,
            redis_timeout: Duration::from_millis(250),
            ping_interval: Duration::from_secs(1),
            limiting: true,
        }
    }
}

/// Readiness: limits loaded (always, once the server exists) and Redis answering.
#[derive(Debug)]
struct Readiness {
    redis: bool,
    origin: Instant,
    /// Milliseconds since `origin` of the last successful PING (`u64::MAX`: none yet).
    last_ok_ms: AtomicU64,
    last_failed: AtomicBool,
    stale_after: Duration,
}

impl Readiness {
    fn not_ready_reason(&self) -> Option<&'static str> {
        if !self.redis {
            return None;
        }
        if self.last_failed.load(Ordering::Relaxed) {
            return Some("redis did not answer the last ping");
        }
        let last = self.last_ok_ms.load(Ordering::Relaxed);
        if last == u64::MAX {
            return Some("redis has not answered a ping yet");
        }
        let now = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        let stale = u64::try_from(self.stale_after.as_millis()).unwrap_or(u64::MAX);
        if now.saturating_sub(last) > stale {
            return Some("redis has not answered a ping recently");
        }
        None
    }
}

/// The shared state of the handlers.
#[derive(Debug)]
struct App {
    /// The rules in file order, then the default limit.
    limiters: Vec<RuleLimiter>,
    /// Index of the default limit in `limiters`.
    default: Option<usize>,
    /// Route label id of each rule (by index in `limiters`).
    rule_route: Vec<usize>,
    metrics: Metrics,
    limiting: bool,
    readiness: Readiness,
}

impl App {
    /// Records a decision that took `took` (measured with the TSC clock, [`quanta::Instant`]:
    /// two OS clock reads per decision were a measurable part of what limiting costs).
    fn record(&self, rule: usize, o: &Outcome, took: Duration) {
        self.metrics.decision(rule, o.decision.allowed(), took);
        if o.degraded {
            self.metrics.backend_error();
        }
    }
}

/// A configured server: build it with [`Server::new`], then [`serve`](Server::serve) it or
/// take its [`router`](Server::router).
#[derive(Debug)]
pub struct Server {
    app: Arc<App>,
    redis: Option<(redis::Client, Duration, Duration)>,
}

impl Server {
    /// Builds the limiters of `config`. With [`Options::redis`] this must run inside a Tokio
    /// runtime (the Redis connections are set up lazily: a server that is down now is
    /// connected to when it comes up).
    ///
    /// # Errors
    ///
    /// [`ServerError::Limiter`] for a quota the store cannot hold (the Redis store needs periods
    /// of whole microseconds), [`ServerError::RedisUrl`] for a malformed URL.
    pub fn new(config: Config, options: Options) -> Result<Server, ServerError> {
        // The decision histogram's clock calibrates itself on first use (up to 200 ms): do it
        // here rather than in the first request.
        let _ = quanta::Instant::now();
        let (backend, redis) = match &options.redis {
            None => (Backend::Memory, None),
            Some(url) => {
                let client =
                    redis::Client::open(url.as_str()).map_err(|source| ServerError::RedisUrl {
                        url: url.clone(),
                        source,
                    })?;
                (
                    Backend::Redis {
                        url: url.clone(),
                        policy: options.fail_policy,
                        timeout: options.redis_timeout,
                    },
                    Some((client, options.redis_timeout, options.ping_interval)),
                )
            }
        };
        let mut limiters = Vec::with_capacity(config.rules.len() + 1);
        let mut route_labels: Vec<String> =
            http::BUILTIN_ROUTES.iter().map(|r| r.to_string()).collect();
        let mut rule_route = Vec::new();
        for r in &config.rules {
            limiters.push(RuleLimiter::new(
                &r.name,
                Some(&r.route),
                &r.limit.key,
                r.limit.algorithm,
                &backend,
            )?);
            let id = match route_labels.iter().position(|l| *l == r.route) {
                Some(id) => id,
                None => {
                    route_labels.push(r.route.clone());
                    route_labels.len() - 1
                }
            };
            rule_route.push(id);
        }
        let default = match &config.default {
            Some(l) => {
                limiters.push(RuleLimiter::new(
                    "default",
                    None,
                    &l.key,
                    l.algorithm,
                    &backend,
                )?);
                rule_route.push(http::ROUTE_OTHER);
                Some(limiters.len() - 1)
            }
            None => None,
        };
        let names: Vec<String> = limiters.iter().map(|l| l.name.clone()).collect();
        let app = App {
            metrics: Metrics::new(&route_labels, &names),
            limiters,
            default,
            rule_route,
            limiting: options.limiting,
            readiness: Readiness {
                redis: redis.is_some(),
                origin: Instant::now(),
                last_ok_ms: AtomicU64::new(u64::MAX),
                last_failed: AtomicBool::new(false),
                stale_after: options.ping_interval.saturating_mul(3),
            },
        };
        Ok(Server {
            app: Arc::new(app),
            redis,
        })
    }

    /// The axum router (serve it with `into_make_service_with_connect_info::<SocketAddr>()`
    /// so `client-ip` keys work). Readiness pings run only under [`serve`](Server::serve).
    pub fn router(&self) -> axum::Router {
        http::router(self.app.clone())
    }

    /// Serves on `listener` until `shutdown` completes, then finishes in-flight requests.
    ///
    /// # Errors
    ///
    /// [`ServerError::Serve`] when accepting fails.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let addr = listener
            .local_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        let pinger = self.redis.clone().map(|(client, timeout, interval)| {
            tokio::spawn(ping_loop(self.app.clone(), client, timeout, interval))
        });
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        if let Some(p) = pinger {
            p.abort();
        }
        result.map_err(|source| ServerError::Serve { addr, source })
    }
}

async fn ping_loop(app: Arc<App>, client: redis::Client, timeout: Duration, interval: Duration) {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(0)
        .set_max_delay(timeout);
    let mut conn = redis::aio::ConnectionManager::new_lazy_with_config(client, config).ok();
    let r = &app.readiness;
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let ok = match conn.as_mut() {
            Some(c) => matches!(
                tokio::time::timeout(
                    timeout,
                    redis::cmd("PING").query_async::<String>(c)
                )
                .await,
                Ok(Ok(ref pong)) if pong == "PONG"
            ),
            None => false,
        };
        if ok {
            let now = u64::try_from(r.origin.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
            r.last_ok_ms.store(now, Ordering::Relaxed);
            r.last_failed.store(false, Ordering::Relaxed);
        } else {
            r.last_failed.store(true, Ordering::Relaxed);
            app.metrics.backend_error();
        }
    }
}

/// Parsed command line.
#[derive(Debug)]
struct Cli {
    config: PathBuf,
    listen: String,
    options: Options,
}

const USAGE: &str = "usage: ratelimit-server --config FILE [--listen ADDR] [--redis URL] \
[--fail-policy open|closed|local] [--redis-timeout DUR] [--ping-interval DUR] [--limiting on|off]";

fn parse_args(args: &[String]) -> Result<Option<Cli>, ServerError> {
    let usage = |m: String| ServerError::Usage {
        message: format!("{m}\n{USAGE}"),
    };
    let mut config = None;
    let mut listen = "127.0.0.1:8080".to_string();
    let mut options = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let known = [
            "--config",
            "--listen",
            "--redis",
            "--fail-policy",
            "--redis-timeout",
            "--ping-interval",
            "--limiting",
        ];
        if !known.contains(&flag) {
            return Err(usage(format!("unknown argument {arg:?}")));
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| usage(format!("{flag} needs a value")))?,
        };
        let duration = |v: &str| {
            ratelimit_core::trace::parse_duration(v)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| usage(format!("{flag}: invalid duration {v:?} (e.g. 250ms, 1s)")))
        };
        match flag {
            "--config" => config = Some(PathBuf::from(value)),
            "--listen" => listen = value,
            "--redis" => options.redis = Some(value),
            "--fail-policy" => {
                options.fail_policy = match value.as_str() {
                    "open" => FailPolicy::Open,
                    "closed" => FailPolicy::Closed,
                    "local" => FailPolicy::Local,
                    _ => {
                        return Err(usage(format!(
                            "--fail-policy: expected open, closed or local, not {value:?}"
                        )));
                    }
                }
            }
            "--redis-timeout" => options.redis_timeout = duration(&value)?,
            "--ping-interval" => options.ping_interval = duration(&value)?,
            _ => {
                options.limiting = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    _ => {
                        return Err(usage(format!(
                            "--limiting: expected on or off, not {value:?}"
                        )));
                    }
                }
            }
        }
    }
    let Some(config) = config else {
        return Err(usage("--config FILE is required".to_string()));
    };
    Ok(Some(Cli {
        config,
        listen,
        options,
    }))
}

/// The program: parses `args` (without the program name), loads the limits, binds, prints
/// `ratelimit-server: listening on ADDR` on stderr and serves until `shutdown` completes.
/// `--help` prints the usage on stdout and returns.
///
/// ```
/// use examples::ratelimit_server::run;
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let e = run(&["--config".into(), "missing.yaml".into()], async {}).await.unwrap_err();
/// assert_eq!(e.exit_code(), 2);
/// assert!(e.to_string().starts_with("missing.yaml: cannot read the file"));
/// # });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// See [`ServerError`] and [`ServerError::exit_code`].
pub async fn run(
    args: &[String],
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let Some(cli) = parse_args(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let config = Config::from_file(&cli.config)?;
    let server = Server::new(config, cli.options)?;
    let listener = tokio::net::TcpListener::bind(&cli.listen)
        .await
        .map_err(|source| ServerError::Serve {
            addr: cli.listen.clone(),
            source,
        })?;
    if let Ok(a) = listener.local_addr() {
        eprintln!("ratelimit-server: listening on {a}");
    }
    server.serve(listener, shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_both_flag_forms() {
        let c = parse_args(&args(
            "--config=/etc/l.yaml --listen 0.0.0.0:1 --redis=redis://r:6379 --fail-policy open --redis-timeout 1s --limiting=off",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(c.config, PathBuf::from("/etc/l.yaml"));
        assert_eq!(c.listen, "0.0.0.0:1");
        assert_eq!(c.options.redis.as_deref(), Some("redis://r:6379"));
        assert_eq!(c.options.fail_policy, FailPolicy::Open);
        assert_eq!(c.options.redis_timeout, Duration::from_secs(1));
        assert!(!c.options.limiting);
    }

    #[test]
    fn usage_errors_exit_2() {
        for bad in [
            "",
            "--config",
            "--config a --bogus",
            "--config a --fail-policy maybe",
            "--config a --ping-interval 0s",
        ] {
            let e = parse_args(&args(bad)).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("usage:"), "{e}");
        }
        assert!(parse_args(&args("--help")).unwrap().is_none());
    }
}
