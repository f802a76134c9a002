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
use super::limiter::{Outcome, RuleLimiter};
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

/// A stack buffer for header values (no allocation until the value is made).
struct HeaderBuf {
    bytes: [u8; 192],
    len: usize,
}

impl std::fmt::Write for HeaderBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dest = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dest.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Adds the IETF headers of `d` (those of [`Decision::ietf_headers`]): `RateLimit-Policy`
/// (rendered once per rule), `RateLimit` and, when denied, `Retry-After`.
fn ietf_headers(h: &mut HeaderMap, lim: &RuleLimiter, d: &Decision) {
    use std::fmt::Write as _;
    if let Some(v) = lim.policy_header(d) {
        h.insert(RATELIMIT_POLICY, v);
    }
    let mut buf = HeaderBuf {
        bytes: [0; 192],
        len: 0,
    };
    let args = format_args!(
        "\"{}\";r={};t={}",
        lim.name,
        d.remaining(),
        d.reset_after_ns().div_ceil(1_000_000_000)
    );
    let value = match buf.write_fmt(args) {
        Ok(()) => buf
            .bytes
            .get(..buf.len)
            .and_then(|b| HeaderValue::from_bytes(b).ok()),
        // A rule name too long for the buffer: render on the heap.
        Err(_) => HeaderValue::try_from(args.to_string()).ok(),
    };
    if let Some(v) = value {
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

/// Decides with `lim`, recording the decision metrics.
#[allow(clippy::ptr_arg)] // the in-memory limiter looks keys up by &String
async fn decide(app: &App, rule: usize, lim: &RuleLimiter, key: &String, cost: u64) -> Outcome {
    let start = quanta::Instant::now();
    let o = lim.consume(key, cost).await;
    app.record(rule, &o, start.elapsed());
    o
}

fn client_key(source: &KeySource, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match source {
        KeySource::ClientIp => peer.map(|p| p.ip().to_string()),
        KeySource::ApiKey => header("x-api-key")
            .or_else(|| {
                header(header::AUTHORIZATION.as_str())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
            })
            .map(str::to_string),
        KeySource::Header(name) => header(name).map(str::to_string),
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
    let o = decide(&app, rule, lim, &key, 1).await;
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
    let (i, req) = match parse_api(&app, &body) {
        Ok(r) => r,
        Err((status, m)) => return json_error(status, m),
    };
    let Some(lim) = app.limiters.get(i) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let o = decide(&app, i, lim, &req.key, req.cost).await;
    decision_response(lim, &o)
}

async fn check(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let (i, req) = match parse_api(&app, &body) {
        Ok(r) => r,
        Err((status, m)) => return json_error(status, m),
    };
    let Some(lim) = app.limiters.get(i) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let start = quanta::Instant::now();
    let o = lim.peek(&req.key, req.cost).await;
    app.record(i, &o, start.elapsed());
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
    use ratelimit_core::{AnyAlgorithm, Quota};

    #[tokio::test]
    async fn a_rule_name_longer_than_the_header_buffer_still_gets_its_header() {
        let name = "n".repeat(300);
        let alg = AnyAlgorithm::from_name("gcra", Quota::per_second(5).unwrap()).unwrap();
        let lim =
            RuleLimiter::new(&name, None, &KeySource::ClientIp, alg, &Backend::Memory).unwrap();
        let outcome = lim.consume(&"k".to_string(), 1).await;
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
