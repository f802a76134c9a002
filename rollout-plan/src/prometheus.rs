//! The Prometheus provider (feature `prometheus`): runs an instant query over HTTP and converts
//! the response the way Argo does (scalar → one float, vector → one float per series, matrix →
//! all samples flattened, string → unsupported).
//!
//! The client speaks plain HTTP/1.0 over `std::net` (no TLS): point it at a Prometheus reachable
//! over `http://`, such as a port-forward or an in-cluster address.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::analysis::run::ProviderValue;
use crate::error::Error;
use crate::sim::{Measured, MetricSource};

/// A Prometheus server to query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prometheus {
    address: String,
    host: String,
    port: u16,
    prefix: String,
    timeout: Duration,
}

impl Prometheus {
    /// A client for `address` (`http://host:port[/prefix]`), with Argo's 30s timeout.
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] when the address is not an `http://` URL.
    ///
    /// ```
    /// let p = rollout_plan::prometheus::Prometheus::new("http://127.0.0.1:9090")?;
    /// assert!(rollout_plan::prometheus::Prometheus::new("https://example.com").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(address: &str) -> Result<Prometheus, Error> {
        let err = |message: &str| Error::Provider {
            address: address.to_string(),
            message: message.to_string(),
        };
        let rest = address
            .strip_prefix("http://")
            .ok_or_else(|| err("only http:// addresses are supported"))?;
        let (hostport, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| err("invalid port"))?),
            None => (hostport, 80),
        };
        if host.is_empty() {
            return Err(err("missing host"));
        }
        Ok(Prometheus {
            address: address.to_string(),
            host: host.to_string(),
            port,
            prefix: prefix.to_string(),
            timeout: Duration::from_secs(30),
        })
    }

    /// Sets the request timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn err(&self, message: String) -> Error {
        Error::Provider {
            address: self.address.clone(),
            message,
        }
    }

    /// GETs `path` and returns the status code and body.
    fn get(&self, path: &str) -> Result<(u16, String), Error> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| self.err(format!("cannot resolve: {e}")))?
            .next()
            .ok_or_else(|| self.err("cannot resolve".to_string()))?;
        let mut stream = TcpStream::connect_timeout(&addr, self.timeout)
            .map_err(|e| self.err(format!("cannot connect: {e}")))?;
        stream
            .set_read_timeout(Some(self.timeout))
            .and_then(|()| stream.set_write_timeout(Some(self.timeout)))
            .map_err(|e| self.err(e.to_string()))?;
        let request = format!(
            "GET {}{path} HTTP/1.0\r\nHost: {}:{}\r\nAccept: application/json\r\nUser-Agent: rollout-plan\r\n\r\n",
            self.prefix, self.host, self.port
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| self.err(format!("cannot send: {e}")))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .map_err(|e| self.err(format!("cannot read response: {e}")))?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .ok_or_else(|| self.err("malformed http response".to_string()))?;
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| self.err("malformed status line".to_string()))?;
        Ok((status, body.to_string()))
    }

    /// Whether `/-/ready` answers 200.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        matches!(self.get("/-/ready"), Ok((200, _)))
    }

    /// Runs an instant query, at `time` (unix seconds) or now.
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] for connection problems, an error status, or a response that is not
    /// Prometheus' JSON.
    pub fn query(&self, query: &str, time: Option<f64>) -> Result<ProviderValue, Error> {
        let mut path = format!("/api/v1/query?query={}", encode(query));
        if let Some(t) = time {
            path.push_str(&format!("&time={t:.3}"));
        }
        let (status, body) = self.get(&path)?;
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| self.err(format!("http {status}: response is not json: {e}")))?;
        if json["status"] != "success" {
            return Err(self.err(format!(
                "http {status}: {}: {}",
                json["errorType"].as_str().unwrap_or("error"),
                json["error"].as_str().unwrap_or("query failed")
            )));
        }
        decode(&json["data"]).map_err(|m| self.err(m))
    }
}

fn sample(v: &serde_json::Value) -> Result<f64, String> {
    let s = v
        .get(1)
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| format!("malformed sample {v}"))?;
    match s {
        "NaN" => Ok(f64::NAN),
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => s
            .parse()
            .map_err(|_| format!("malformed sample value {s:?}")),
    }
}

/// Converts the `data` of a query response into Argo's result shapes.
fn decode(data: &serde_json::Value) -> Result<ProviderValue, String> {
    let result = &data["result"];
    match data["resultType"].as_str() {
        Some("scalar") => sample(result).map(ProviderValue::PromScalar),
        Some("vector") => result
            .as_array()
            .ok_or("malformed vector")?
            .iter()
            .map(|s| sample(&s["value"]))
            .collect::<Result<_, _>>()
            .map(ProviderValue::PromVector),
        Some("matrix") => result
            .as_array()
            .ok_or("malformed matrix")?
            .iter()
            .map(|s| {
                s["values"]
                    .as_array()
                    .ok_or_else(|| "malformed matrix".to_string())?
                    .iter()
                    .map(sample)
                    .collect::<Result<Vec<f64>, _>>()
            })
            .collect::<Result<_, _>>()
            .map(ProviderValue::PromMatrix),
        _ => Ok(ProviderValue::PromUnsupported),
    }
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A [`MetricSource`] that queries Prometheus: simulation time `t` ms maps to unix time
/// `start + t/1000`, so a rollout can be replayed against recorded series.
#[derive(Debug, Clone)]
pub struct PrometheusSource {
    client: Prometheus,
    queries: Vec<(String, String)>,
    start_unix: f64,
}

impl PrometheusSource {
    /// Queries per metric name, against `client`, with simulation time 0 at `start_unix`.
    #[must_use]
    pub fn new(client: Prometheus, queries: Vec<(String, String)>, start_unix: f64) -> Self {
        PrometheusSource {
            client,
            queries,
            start_unix,
        }
    }
}

impl MetricSource for PrometheusSource {
    fn measure(&mut self, metric: &str, at_ms: i64) -> Measured {
        let Some((_, q)) = self.queries.iter().find(|(m, _)| m == metric) else {
            return Measured::Error(format!("no query for metric {metric:?}"));
        };
        let t = self.start_unix + (at_ms as f64) / 1000.0;
        match self.client.query(q, Some(t)) {
            Ok(v) => Measured::Value(v),
            Err(e) => Measured::Error(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_argo_shapes_and_parses_addresses() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]},{"metric":{},"values":[[1,"NaN"]]}]}"#,
        )
        .unwrap();
        let ProviderValue::PromMatrix(m) = decode(&v).unwrap() else {
            panic!()
        };
        assert_eq!(m.len(), 2);
        assert!(m[1][0].is_nan());
        let s: serde_json::Value =
            serde_json::from_str(r#"{"resultType":"string","result":[1,"x"]}"#).unwrap();
        assert_eq!(decode(&s).unwrap(), ProviderValue::PromUnsupported);
        let p = Prometheus::new("http://prom:9090/prefix/").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.prefix.as_str()),
            ("prom", 9090, "/prefix")
        );
        assert!(Prometheus::new("http://:1").is_err());
        assert_eq!(encode("a b{c=\"d\"}"), "a%20b%7Bc%3D%22d%22%7D");
    }
}
