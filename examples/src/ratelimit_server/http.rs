//! The HTTP surface: routes, handlers and request metrics.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::App;
use super::config::{KeySource, route_matches};
use super::limiter::{ClientKey, Outcome, RuleLimiter};
use ratelimit_core::Decision;

/// Paths no rule route matches (the default rule's traffic and 404s).
pub(crate) const ROUTE_OTHER: usize = 5;
/// Route labels of the built-in endpoints, then `*` (their index is their label id).
pub(crate) const BUILTIN_ROUTES: [&str; 6] = [
    "/api/v1/check",
    "/api/v1/consume",
    "/metrics",
    "/healthz",
    "/readyz",
    "*",
];

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/v1/check", post(check))
        .route("/api/v1/consume", post(consume))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(limited)
        .layer(middleware::from_fn_with_state(app.clone(), track))
        .with_state(app)
}

/// Records every request in the request metrics, under the route label of its path.
async fn track(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = route_label(&app, req.uri().path());
    let resp = next.run(req).await;
    app.metrics
        .request(route, resp.status().as_u16(), start.elapsed());
    resp
}

/// The route label id of `path`: a built-in endpoint, else the route of the rule that limits
/// it, else `*`.
fn route_label(app: &App, path: &str) -> usize {
    if let Some(i) = BUILTIN_ROUTES[..ROUTE_OTHER]
        .iter()
        .position(|r| *r == path)
    {
        return i;
    }
    match rule_for(app, path) {
        Some(i) => app.rule_route.get(i).copied().unwrap_or(ROUTE_OTHER),
        None => ROUTE_OTHER,
    }
}

/// The index of the limiter of `path`: the first rule whose route matches, else the default.
fn rule_for(app: &App, path: &str) -> Option<usize> {
    app.limiters
        .iter()
        .position(|l| l.route.as_deref().is_some_and(|r| route_matches(r, path)))
        .or(app.default)
}

fn json_error(status: StatusCode, message: String) -> Response {
    #[derive(Serialize)]
    struct E {
        error: String,
    }
    (status, axum::Json(E { error: message })).into_response()
}

/// The JSON form of a decision.
#[derive(Serialize)]
struct DecisionBody<'a> {
    rule: &'a str,
    allowed: bool,
    limit: u64,
    remaining: u64,
    reset_after_ms: u64,
    retry_after_ms: Option<u64>,
    degraded: bool,
}

fn ms_ceil(ns: u64) -> u64 {
    ns.div_ceil(1_000_000)
}

const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Appends the decimal digits of `n` to `out` at `*len`; `None` if they do not fit.
fn push_decimal(out: &mut [u8], len: &mut usize, n: u64) -> Option<()> {
    push(out, len, itoa::Buffer::new().format(n).as_bytes())
}

/// Appends `bytes` to `out` at `*len`; `None` if they do not fit.
fn push(out: &mut [u8], len: &mut usize, bytes: &[u8]) -> Option<()> {
    let end = *len + bytes.len();
    out.get_mut(*len..end)?.copy_from_slice(bytes);
    *len = end;
    Some(())
}

/// `"NAME";r=REMAINING;t=RESET` (formatted by hand: `format!` costs as much as the decision).
fn rate_header(lim: &RuleLimiter, remaining: u64, reset_s: u64) -> Option<HeaderValue> {
    let mut buf = [0u8; 160];
    let mut len = 0;
    let fits = push(&mut buf, &mut len, &lim.rate_prefix)
        .and_then(|()| push_decimal(&mut buf, &mut len, remaining))
        .and_then(|()| push(&mut buf, &mut len, b";t="))
        .and_then(|()| push_decimal(&mut buf, &mut len, reset_s));
    match fits {
        Some(()) => HeaderValue::from_bytes(buf.get(..len)?).ok(),
        // A rule name too long for the buffer: render on the heap.
        None => {
            let mut v = lim.rate_prefix.to_vec();
            v.extend_from_slice(format!("{remaining};t={reset_s}").as_bytes());
            HeaderValue::from_bytes(&v).ok()
        }
    }
}

/// Adds the IETF headers of `d` (those of [`Decision::ietf_headers`]): `RateLimit-Policy`
/// (rendered once per rule), `RateLimit` and, when denied, `Retry-After`.
fn ietf_headers(h: &mut HeaderMap, lim: &RuleLimiter, d: &Decision) {
    if let Some(v) = lim.policy_header(d) {
        h.insert(RATELIMIT_POLICY, v);
    }
    let reset_s = d.reset_after_ns().div_ceil(1_000_000_000);
    if let Some(v) = rate_header(lim, d.remaining(), reset_s) {
        h.insert(RATELIMIT, v);
    }
    if let Some(r) = d.retry_after_ns() {
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from(r.div_ceil(1_000_000_000)),
        );
    }
}

/// 200 or 429 with the IETF headers and the decision as JSON (the API's answer).
fn decision_response(lim: &RuleLimiter, o: &Outcome) -> Response {
    let d = &o.decision;
    let body = DecisionBody {
        rule: &lim.name,
        allowed: d.allowed(),
        limit: d.limit(),
        remaining: d.remaining(),
        reset_after_ms: ms_ceil(d.reset_after_ns()),
        retry_after_ms: d.retry_after_ns().map(ms_ceil),
        degraded: o.degraded,
    };
    let status = if d.allowed() {
        StatusCode::OK
    } else {
        StatusCode::TOO_MANY_REQUESTS
    };
    let mut resp = (status, axum::Json(body)).into_response();
    ietf_headers(resp.headers_mut(), lim, d);
    resp
}

/// A limited route's answer: when admitted by the limit itself, 200 with the IETF headers and
/// no body (the request would go on to the service); otherwise as the API answers.
fn limited_response(lim: &RuleLimiter, o: &Outcome) -> Response {
    if !o.decision.allowed() || o.degraded {
        return decision_response(lim, o);
    }
    let mut resp = Response::new(Body::empty());
    ietf_headers(resp.headers_mut(), lim, &o.decision);
    resp
}

/// Decides with `lim` (consuming `cost` if admitted when `consume`, else only looking),
/// recording the decision metrics.
async fn decide(
    app: &App,
    rule: usize,
    lim: &RuleLimiter,
    key: &ClientKey,
    cost: u64,
    consume: bool,
) -> Outcome {
    let start = quanta::Instant::now();
    let o = if consume {
        lim.consume(key, cost).await
    } else {
        lim.peek(key, cost).await
    };
    app.record(rule, &o, start.elapsed());
    o
}

fn client_key(
    source: &KeySource,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Option<ClientKey> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match source {
        KeySource::ClientIp => peer.map(|p| ClientKey::ip(p.ip())),
        KeySource::ApiKey => header("x-api-key")
            .or_else(|| {
                header(header::AUTHORIZATION.as_str())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
            })
            .map(ClientKey::text),
        KeySource::Header(name) => header(name).map(ClientKey::text),
    }
}

/// Every path that is not a built-in endpoint: limited by the first rule whose route matches,
/// else by the default limit.
async fn limited(State(app): State<Arc<App>>, req: Request) -> Response {
    let path = req.uri().path();
    let Some((rule, lim)) = rule_for(&app, path).and_then(|i| app.limiters.get(i).map(|l| (i, l)))
    else {
        return json_error(StatusCode::NOT_FOUND, format!("no rule matches {path}"));
    };
    if !app.limiting {
        return StatusCode::OK.into_response();
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let Some(key) = client_key(&lim.key, req.headers(), peer) else {
        let what = match &lim.key {
            KeySource::ClientIp => "the client address".to_string(),
            KeySource::ApiKey => "an API key (X-API-Key or Authorization: Bearer)".to_string(),
            KeySource::Header(h) => format!("header {h}"),
        };
        return json_error(
            StatusCode::BAD_REQUEST,
            format!("rule {} needs {what}", lim.name),
        );
    };
    let o = decide(&app, rule, lim, &key, 1, true).await;
    limited_response(lim, &o)
}

/// The body of `/api/v1/check` and `/api/v1/consume`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiRequest {
    #[serde(default = "default_rule")]
    rule: String,
    key: String,
    #[serde(default = "one")]
    cost: u64,
}

fn default_rule() -> String {
    "default".to_string()
}

fn one() -> u64 {
    1
}

/// A client error: status and message.
type ApiError = (StatusCode, String);

fn parse_api(app: &App, body: &Bytes) -> Result<(usize, ApiRequest), ApiError> {
    let req: ApiRequest = serde_json::from_slice(body).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("invalid request body: {e}"),
        )
    })?;
    if req.key.is_empty() {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid request body: key must not be empty".to_string(),
        ));
    }
    let Some(i) = app.limiters.iter().position(|l| l.name == req.rule) else {
        return Err((
            StatusCode::NOT_FOUND,
            format!("unknown rule {:?}", req.rule),
        ));
    };
    Ok((i, req))
}

async fn consume(State(app): State<Arc<App>>, body: Bytes) -> Response {
    api(&app, &body, true).await
}

async fn check(State(app): State<Arc<App>>, body: Bytes) -> Response {
    api(&app, &body, false).await
}

/// The API's answer: decides (consuming when `consume`, else peeking) for the body's key.
async fn api(app: &App, body: &Bytes, consume: bool) -> Response {
    let (i, req) = match parse_api(app, body) {
        Ok(r) => r,
        Err((status, m)) => return json_error(status, m),
    };
    let Some(lim) = app.limiters.get(i) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let o = decide(app, i, lim, &ClientKey::text(&req.key), req.cost, consume).await;
    decision_response(lim, &o)
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut resp = Response::new(Body::from(app.metrics.render()));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

async fn healthz() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    match app.readiness.not_ready_reason() {
        None => (StatusCode::OK, "ready\n".to_string()).into_response(),
        Some(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::limiter::Backend;
    use super::*;
    use ratelimit_core::{AnyAlgorithm, DirectLimiter, ManualClock, Quota};
    use std::time::Duration;

    /// The hand-formatted headers equal ratelimit-core's `Decision::ietf_headers` for every
    /// algorithm, across admissions, denials, costs beyond the capacity and large numbers.
    #[test]
    fn headers_are_those_of_the_core_rendering() {
        let algorithms = [
            "gcra",
            "token-bucket",
            "leaky-bucket",
            "fixed-window",
            "sliding-log",
            "sliding-window",
        ];
        let quotas = [
            (1, 1_000),
            (5, 1_000),
            (10, 60_000),
            (7, 250),
            (u64::MAX / 4, 86_400_000),
        ];
        for name in algorithms {
            for (limit, period_ms) in quotas {
                let q = Quota::builder(limit, Duration::from_millis(period_ms))
                    .build()
                    .unwrap();
                let alg = AnyAlgorithm::from_name(name, q).unwrap();
                let rule =
                    RuleLimiter::new("api.v1", None, &KeySource::ClientIp, alg, &Backend::Memory)
                        .unwrap();
                let clock = ManualClock::new(0);
                let lim = DirectLimiter::builder(alg).clock(clock.clone()).build();
                for step in 0..40u64 {
                    let cost = [1, 2, 0, 3, 1_000][(step % 5) as usize];
                    let d = lim.check_n(cost);
                    clock.advance(Duration::from_millis(37 * (step % 3)));
                    let mut h = HeaderMap::new();
                    ietf_headers(&mut h, &rule, &d);
                    let want = d.ietf_headers("api.v1");
                    assert_eq!(
                        h.len(),
                        want.len(),
                        "{name} {limit}/{period_ms}ms step {step}"
                    );
                    for (header, value) in want {
                        assert_eq!(
                            h[header],
                            value.as_str(),
                            "{name} {limit}/{period_ms}ms step {step}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn decimals_are_written_whole_or_not_at_all() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = [0u8; 20];
            let mut len = 0;
            push_decimal(&mut out, &mut len, n).unwrap();
            assert_eq!(&out[..len], n.to_string().as_bytes());
            let mut short = [0u8; 4];
            let mut len = 1;
            let fits = push_decimal(&mut short, &mut len, n);
            assert_eq!(fits.is_some(), n < 1_000, "{n}");
            assert_eq!(
                len,
                if n < 1_000 {
                    1 + n.to_string().len()
                } else {
                    1
                }
            );
        }
    }

    #[tokio::test]
    async fn a_rule_name_longer_than_the_header_buffer_still_gets_its_header() {
        let name = "n".repeat(300);
        let alg = AnyAlgorithm::from_name("gcra", Quota::per_second(5).unwrap()).unwrap();
        let lim =
            RuleLimiter::new(&name, None, &KeySource::ClientIp, alg, &Backend::Memory).unwrap();
        let outcome = lim.consume(&ClientKey::text("k"), 1).await;
        let mut h = HeaderMap::new();
        ietf_headers(&mut h, &lim, &outcome.decision);
        assert_eq!(h[RATELIMIT], format!("\"{name}\";r=4;t=1").as_str());
        assert!(
            h[RATELIMIT_POLICY]
                .to_str()
                .unwrap()
                .starts_with(&format!("\"{name}\";q=5"))
        );
    }
}
