//! The HTTP surface: routes, handlers and request metrics.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::App;
use super::config::{KeySource, route_matches};
use super::limiter::{Outcome, RuleLimiter};

/// Route label ids of the built-in endpoints (see [`App::route_labels`]).
pub(crate) const ROUTE_CHECK: usize = 0;
pub(crate) const ROUTE_CONSUME: usize = 1;
pub(crate) const ROUTE_METRICS: usize = 2;
pub(crate) const ROUTE_HEALTHZ: usize = 3;
pub(crate) const ROUTE_READYZ: usize = 4;
/// Paths no rule route matches (the default rule's traffic, 404s, wrong methods).
pub(crate) const ROUTE_OTHER: usize = 5;
pub(crate) const BUILTIN_ROUTES: [&str; 6] = [
    "/api/v1/check",
    "/api/v1/consume",
    "/metrics",
    "/healthz",
    "/readyz",
    "*",
];

/// Tags a response with its route label id, for the request metrics.
#[derive(Debug, Clone, Copy)]
struct RouteId(usize);

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

async fn track(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let resp = next.run(req).await;
    let route = resp
        .extensions()
        .get::<RouteId>()
        .map_or(ROUTE_OTHER, |r| r.0);
    app.metrics
        .request(route, resp.status().as_u16(), start.elapsed());
    resp
}

fn tagged(route: usize, mut resp: Response) -> Response {
    resp.extensions_mut().insert(RouteId(route));
    resp
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

/// 200 or 429 with the IETF headers and the decision as JSON.
fn decision_response(rule: &str, o: &Outcome) -> Response {
    let d = &o.decision;
    let body = DecisionBody {
        rule,
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
    let h = resp.headers_mut();
    for (name, value) in d.ietf_headers(rule) {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    resp
}

/// Decides with `lim`, recording the decision metrics.
async fn decide(app: &App, rule: usize, lim: &RuleLimiter, key: &str, cost: u64) -> Outcome {
    let start = Instant::now();
    let o = lim.consume(key, cost).await;
    app.record(rule, &o, start);
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
    let found = app
        .limiters
        .iter()
        .enumerate()
        .find(|(_, l)| l.route.as_deref().is_some_and(|r| route_matches(r, path)));
    let (rule, route_id) = match found {
        Some((i, _)) => (i, app.rule_route.get(i).copied().unwrap_or(ROUTE_OTHER)),
        None => match app.default {
            Some(i) => (i, ROUTE_OTHER),
            None => {
                return tagged(
                    ROUTE_OTHER,
                    json_error(StatusCode::NOT_FOUND, format!("no rule matches {path}")),
                );
            }
        },
    };
    let Some(lim) = app.limiters.get(rule) else {
        return tagged(
            route_id,
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "no limiter".to_string()),
        );
    };
    if !app.limiting {
        return tagged(route_id, StatusCode::OK.into_response());
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
        return tagged(
            route_id,
            json_error(
                StatusCode::BAD_REQUEST,
                format!("rule {} needs {what}", lim.name),
            ),
        );
    };
    let o = decide(&app, rule, lim, &key, 1).await;
    tagged(route_id, decision_response(&lim.name, &o))
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
        Err((status, m)) => return tagged(ROUTE_CONSUME, json_error(status, m)),
    };
    let Some(lim) = app.limiters.get(i) else {
        return tagged(ROUTE_CONSUME, StatusCode::NOT_FOUND.into_response());
    };
    let o = decide(&app, i, lim, &req.key, req.cost).await;
    tagged(ROUTE_CONSUME, decision_response(&lim.name, &o))
}

async fn check(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let (i, req) = match parse_api(&app, &body) {
        Ok(r) => r,
        Err((status, m)) => return tagged(ROUTE_CHECK, json_error(status, m)),
    };
    let Some(lim) = app.limiters.get(i) else {
        return tagged(ROUTE_CHECK, StatusCode::NOT_FOUND.into_response());
    };
    let start = Instant::now();
    let Some(o) = lim.peek(&req.key, req.cost) else {
        return tagged(
            ROUTE_CHECK,
            json_error(
                StatusCode::NOT_IMPLEMENTED,
                "check without consuming is not available with the redis backend; use /api/v1/consume".to_string(),
            ),
        );
    };
    app.record(i, &o, start);
    tagged(ROUTE_CHECK, decision_response(&lim.name, &o))
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut resp = Response::new(Body::from(app.metrics.render()));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    tagged(ROUTE_METRICS, resp)
}

async fn healthz() -> Response {
    tagged(ROUTE_HEALTHZ, (StatusCode::OK, "ok\n").into_response())
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    let resp = match app.readiness.not_ready_reason() {
        None => (StatusCode::OK, "ready\n".to_string()).into_response(),
        Some(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        )
            .into_response(),
    };
    tagged(ROUTE_READYZ, resp)
}
