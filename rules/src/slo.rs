//! Multiwindow, multi-burn-rate SLO alerts (Google SRE workbook, chapter 5).
//!
//! From an [`SloSpec`] this generates one recording rule per window (5m, 30m, 1h, 2h, 6h, 1d,
//! 3d) for the error ratio, and two alerts: `page` (burn rate 14.4 over 1h and 5m, or 6 over 6h
//! and 30m) and `ticket` (3 over 1d and 2h, or 1 over 3d and 6h), for a 30-day SLO period.
//! Thresholds are exact decimals (`0.0144`, never `0.014400000000000001`).
//!
//! ```
//! use rules::slo::{Sli, SloSpec};
//! let spec = SloSpec::new(
//!     "api-availability",
//!     "99.9",
//!     Sli::ErrorsOverTotal {
//!         errors: "sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[{{.window}}]))".into(),
//!         total: "sum(rate(http_requests_total{job=\"api\"}[{{.window}}]))".into(),
//!     },
//! )?;
//! let yaml = spec.to_rule_file()?;
//! assert!(yaml.contains("record: slo:sli_error:ratio_rate5m"));
//! assert!(yaml.contains("> 0.0144"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use crate::error::Error;

/// The placeholder in SLI queries that is replaced by each window (`5m`, `1h`, ...).
pub const WINDOW: &str = "{{.window}}";

/// The windows error ratios are recorded over.
pub const WINDOWS: &[&str] = &["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// One burn-rate alert condition: long and short window, burn-rate factor, severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurnWindow {
    /// The long window.
    pub long: &'static str,
    /// The short window (1/12 of the long one).
    pub short: &'static str,
    /// The burn-rate factor, as an exact decimal.
    pub factor: &'static str,
    /// `page` or `ticket`.
    pub severity: &'static str,
}

/// The SRE workbook's table for a 30-day period.
pub const BURN_WINDOWS: &[BurnWindow] = &[
    BurnWindow {
        long: "1h",
        short: "5m",
        factor: "14.4",
        severity: "page",
    },
    BurnWindow {
        long: "6h",
        short: "30m",
        factor: "6",
        severity: "page",
    },
    BurnWindow {
        long: "1d",
        short: "2h",
        factor: "3",
        severity: "ticket",
    },
    BurnWindow {
        long: "3d",
        short: "6h",
        factor: "1",
        severity: "ticket",
    },
];

/// How the service level indicator is measured. Queries contain [`WINDOW`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sli {
    /// Error events and total events; the ratio is `errors / total`.
    ErrorsOverTotal {
        /// Rate of bad events over the window.
        errors: String,
        /// Rate of all events over the window.
        total: String,
    },
    /// A query that already returns the error ratio over the window.
    Ratio(String),
}

/// A service level objective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SloSpec {
    name: String,
    objective: Decimal,
    sli: Sli,
    labels: Vec<(String, String)>,
}

impl SloSpec {
    /// An SLO named `name` (used as the `slo` label) with `objective` in percent (`"99.9"`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the name is empty, the objective is not a decimal strictly between 0
    /// and 100, or a query lacks the [`WINDOW`] placeholder.
    pub fn new(name: &str, objective: &str, sli: Sli) -> Result<Self, Error> {
        let cfg = |field: &str, value: &str| Error::Config {
            field: field.to_string(),
            value: value.to_string(),
        };
        if name.is_empty() {
            return Err(cfg("name", name));
        }
        let obj = Decimal::parse(objective).ok_or_else(|| cfg("objective", objective))?;
        let hundred = Decimal {
            mantissa: 100,
            scale: 0,
        };
        if obj.mantissa <= 0 || obj.cmp_to(&hundred) != std::cmp::Ordering::Less {
            return Err(cfg("objective", objective));
        }
        let queries: Vec<&String> = match &sli {
            Sli::ErrorsOverTotal { errors, total } => vec![errors, total],
            Sli::Ratio(q) => vec![q],
        };
        for q in queries {
            if !q.contains(WINDOW) {
                return Err(cfg("query", q));
            }
        }
        Ok(SloSpec {
            name: name.to_string(),
            objective: obj,
            sli,
            labels: Vec::new(),
        })
    }

    /// Add a label to every generated rule.
    #[must_use]
    pub fn with_label(mut self, name: &str, value: &str) -> Self {
        self.labels.push((name.to_string(), value.to_string()));
        self
    }

    /// The error budget as a fraction, exactly (`99.9` -> `0.001`).
    #[must_use]
    pub fn error_budget(&self) -> String {
        self.budget().to_string()
    }

    fn budget(&self) -> Decimal {
        // (100 - objective) / 100
        let hundred = Decimal {
            mantissa: 100,
            scale: 0,
        };
        let diff = hundred.sub(&self.objective);
        Decimal {
            mantissa: diff.mantissa,
            scale: diff.scale + 2,
        }
        .normalized()
    }

    fn ratio_expr(&self, window: &str) -> String {
        match &self.sli {
            Sli::ErrorsOverTotal { errors, total } => format!(
                "({})\n/\n({})",
                errors.replace(WINDOW, window),
                total.replace(WINDOW, window)
            ),
            Sli::Ratio(q) => q.replace(WINDOW, window),
        }
    }

    fn selector(&self, window: &str) -> String {
        format!(
            "slo:sli_error:ratio_rate{window}{{slo={}}}",
            quote(&self.name)
        )
    }

    /// The generated rule group as a Prometheus rule file.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if a factor cannot be multiplied exactly (does not happen with the
    /// built-in table).
    pub fn to_rule_file(&self) -> Result<String, Error> {
        let mut out = String::from("groups:\n");
        self.write_group(&mut out, "  ")?;
        Ok(out)
    }

    /// The generated rule group as a `PrometheusRule` resource.
    ///
    /// # Errors
    ///
    /// As [`SloSpec::to_rule_file`].
    pub fn to_prometheus_rule(&self, name: &str, namespace: &str) -> Result<String, Error> {
        let mut out = format!(
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: {}\n  namespace: {}\nspec:\n  groups:\n",
            quote(name),
            quote(namespace)
        );
        self.write_group(&mut out, "    ")?;
        Ok(out)
    }

    fn write_group(&self, out: &mut String, ind: &str) -> Result<(), Error> {
        let budget = self.budget();
        let _ = writeln!(out, "{ind}- name: {}", quote(&format!("slo-{}", self.name)));
        let _ = writeln!(out, "{ind}  rules:");
        let labels = |out: &mut String, extra: &[(&str, &str)]| {
            let _ = writeln!(out, "{ind}      labels:");
            let _ = writeln!(out, "{ind}        slo: {}", quote(&self.name));
            for (k, v) in &self.labels {
                let _ = writeln!(out, "{ind}        {}: {}", quote(k), quote(v));
            }
            for (k, v) in extra {
                let _ = writeln!(out, "{ind}        {k}: {}", quote(v));
            }
        };
        for w in WINDOWS {
            let _ = writeln!(out, "{ind}    - record: slo:sli_error:ratio_rate{w}");
            let _ = writeln!(out, "{ind}      expr: |");
            for line in self.ratio_expr(w).lines() {
                let _ = writeln!(out, "{ind}        {line}");
            }
            labels(out, &[]);
        }
        for severity in ["page", "ticket"] {
            let conditions: Vec<String> = BURN_WINDOWS
                .iter()
                .filter(|b| b.severity == severity)
                .map(|b| {
                    let factor = Decimal::parse(b.factor).ok_or_else(|| Error::Config {
                        field: "factor".into(),
                        value: b.factor.into(),
                    })?;
                    let threshold = factor.mul(&budget).normalized();
                    Ok(format!(
                        "(\n  {} > {threshold}\nand\n  {} > {threshold}\n)",
                        self.selector(b.long),
                        self.selector(b.short)
                    ))
                })
                .collect::<Result<_, Error>>()?;
            let windows: Vec<String> = BURN_WINDOWS
                .iter()
                .filter(|b| b.severity == severity)
                .map(|b| format!("{}x over {}/{}", b.factor, b.long, b.short))
                .collect();
            let _ = writeln!(out, "{ind}    - alert: ErrorBudgetBurn");
            let _ = writeln!(out, "{ind}      expr: |");
            for line in conditions.join("\nor\n").lines() {
                let _ = writeln!(out, "{ind}        {line}");
            }
            let _ = writeln!(
                out,
                "{ind}      for: {}",
                if severity == "page" { "2m" } else { "15m" }
            );
            labels(out, &[("severity", severity)]);
            let _ = writeln!(out, "{ind}      annotations:");
            let _ = writeln!(
                out,
                "{ind}        summary: {}",
                quote(&format!(
                    "SLO {} is burning its error budget too fast",
                    self.name
                ))
            );
            let _ = writeln!(
                out,
                "{ind}        description: {}",
                quote(&format!(
                    "The error rate of {} ({}% objective, budget {budget}) burns the 30-day error budget at {}.",
                    self.name,
                    self.objective,
                    windows.join(" or ")
                ))
            );
        }
        Ok(())
    }
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// An exact decimal: `mantissa * 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    fn parse(s: &str) -> Option<Decimal> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 18
            || int.len() > 18
        {
            return None;
        }
        let digits = format!("{int}{frac}");
        Some(Decimal {
            mantissa: digits.parse().ok()?,
            scale: u32::try_from(frac.len()).ok()?,
        })
    }

    fn rescale(&self, scale: u32) -> i128 {
        self.mantissa * 10i128.pow(scale - self.scale)
    }

    fn sub(&self, o: &Decimal) -> Decimal {
        let scale = self.scale.max(o.scale);
        Decimal {
            mantissa: self.rescale(scale) - o.rescale(scale),
            scale,
        }
    }

    fn mul(&self, o: &Decimal) -> Decimal {
        Decimal {
            mantissa: self.mantissa * o.mantissa,
            scale: self.scale + o.scale,
        }
    }

    fn cmp_to(&self, o: &Decimal) -> std::cmp::Ordering {
        let scale = self.scale.max(o.scale);
        self.rescale(scale).cmp(&o.rescale(scale))
    }

    fn normalized(mut self) -> Decimal {
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.mantissa.abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = usize::try_from(self.scale).unwrap_or(0);
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_decimals() {
        let d = |s| Decimal::parse(s).unwrap();
        assert_eq!(
            d("14.4").mul(&d("0.001")).normalized().to_string(),
            "0.0144"
        );
        assert_eq!(d("100").sub(&d("99.9")).to_string(), "0.1");
        assert_eq!(d("6").mul(&d("0.0005")).normalized().to_string(), "0.003");
        assert!(Decimal::parse("1e3").is_none());
        assert!(Decimal::parse("-1").is_none());
    }

    #[test]
    fn budgets() {
        let sli = || Sli::Ratio("x[{{.window}}]".into());
        assert_eq!(
            SloSpec::new("a", "99.9", sli()).unwrap().error_budget(),
            "0.001"
        );
        assert_eq!(
            SloSpec::new("a", "99.95", sli()).unwrap().error_budget(),
            "0.0005"
        );
        assert_eq!(
            SloSpec::new("a", "95", sli()).unwrap().error_budget(),
            "0.05"
        );
    }

    proptest::proptest! {
        /// budget * 100 + objective == 100 exactly, and thresholds never carry float noise.
        #[test]
        fn budget_is_exact(int in 1u32..100, frac in 0u32..10_000, digits in 0usize..5) {
            let obj = if digits == 0 { int.to_string() } else { format!("{int}.{:0>w$}", frac % 10u32.pow(digits as u32), w = digits) };
            let Ok(spec) = SloSpec::new("s", &obj, Sli::Ratio("x[{{.window}}]".into())) else {
                return Ok(());
            };
            let budget = Decimal::parse(&spec.error_budget()).unwrap();
            let hundred = Decimal { mantissa: 100, scale: 0 };
            let total = budget.mul(&hundred).normalized();
            proptest::prop_assert_eq!(hundred.sub(&Decimal::parse(&obj).unwrap()).normalized(), total);
            let yaml = spec.to_rule_file().unwrap();
            proptest::prop_assert!(!yaml.contains("0000000"), "{}", yaml);
        }
    }

    #[test]
    fn rejects_bad_specs() {
        let sli = || Sli::Ratio("x[{{.window}}]".into());
        assert!(SloSpec::new("", "99.9", sli()).is_err());
        assert!(SloSpec::new("a", "100", sli()).is_err());
        assert!(SloSpec::new("a", "0", sli()).is_err());
        assert!(SloSpec::new("a", "abc", sli()).is_err());
        assert!(SloSpec::new("a", "99", Sli::Ratio("x[5m]".into())).is_err());
    }
}
