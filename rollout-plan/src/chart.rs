//! A chart of a plan as SVG: traffic weight and canary/stable pods over the minimum timeline.

use std::fmt::Write as _;

use crate::plan::Plan;

const W: f64 = 720.0;
const H: f64 = 320.0;
const LEFT: f64 = 50.0;
const RIGHT: f64 = 50.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 40.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Plan {
    /// An SVG line chart: weight (left axis, %) and canary/stable pods (right axis) over time.
    /// Steps take their minimum duration; instant steps get a small fixed width so they stay
    /// visible, and an unbounded step is drawn with a dashed end.
    ///
    /// ```
    /// let m = rollout_plan::parse_str("kind: Rollout\nspec:\n  replicas: 4\n  strategy:\n    canary:\n      steps:\n      - setWeight: 50\n      - pause: {duration: 1m}\n", "r.yaml")?;
    /// let svg = rollout_plan::plan(&m.rollouts[0], &[])?.to_svg();
    /// assert!(svg.starts_with("<svg") && svg.contains("polyline"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_svg(&self) -> String {
        let total_min: i64 = self.steps.iter().map(|s| s.min_seconds).sum();
        // Instant steps get 4% of the timeline (at least 1s) so every step is visible.
        let instant = ((total_min as f64) * 0.04).max(1.0);
        let widths: Vec<f64> = self
            .steps
            .iter()
            .map(|s| {
                if s.min_seconds > 0 {
                    s.min_seconds as f64
                } else {
                    instant
                }
            })
            .collect();
        let span: f64 = widths.iter().sum::<f64>().max(1.0);
        let max_pods = self
            .steps
            .iter()
            .map(|s| {
                s.canary_replicas
                    .max(s.stable_replicas)
                    .max(s.peak_total_replicas)
            })
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let pw = W - LEFT - RIGHT;
        let ph = H - TOP - BOTTOM;
        let x = |t: f64| LEFT + t / span * pw;
        let yw = |w: f64| TOP + ph - (w.clamp(0.0, 100.0) / 100.0) * ph;
        let yp = |p: f64| TOP + ph - (p.max(0.0) / max_pods) * ph;
        let mut weight = String::new();
        let mut canary = String::new();
        let mut stable = String::new();
        let mut labels = String::new();
        let mut t = 0.0;
        for (s, w) in self.steps.iter().zip(&widths) {
            for (buf, y) in [
                (&mut weight, yw(f64::from(s.weight))),
                (&mut canary, yp(f64::from(s.canary_replicas))),
                (&mut stable, yp(f64::from(s.stable_replicas))),
            ] {
                let _ = write!(buf, "{:.1},{:.1} {:.1},{:.1} ", x(t), y, x(t + w), y);
            }
            let _ = writeln!(
                labels,
                "  <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" transform=\"rotate(-45 {:.1} {:.1})\">{}</text>",
                x(t) + 2.0,
                H - BOTTOM + 12.0,
                x(t) + 2.0,
                H - BOTTOM + 12.0,
                escape(&format!("{} {}", s.index, s.action))
            );
            if s.max_seconds.is_none() {
                let _ = writeln!(
                    labels,
                    "  <line x1=\"{:.1}\" y1=\"{TOP}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
                    x(t + w),
                    x(t + w),
                    H - BOTTOM
                );
            }
            t += w;
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\">"
        );
        let _ = writeln!(
            out,
            "  <title>{}</title>",
            escape(&format!("rollout {}: weight and pods over time", self.name))
        );
        let _ = writeln!(
            out,
            "  <rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#ccc\"/>"
        );
        let _ = writeln!(
            out,
            "  <text x=\"{LEFT}\" y=\"18\" font-size=\"12\">{}</text>",
            escape(&format!(
                "{} ({} replicas): weight % (blue), canary pods (orange), stable pods (green)",
                self.name, self.replicas
            ))
        );
        let _ = writeln!(
            out,
            "  <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">100%</text>",
            LEFT - 4.0,
            TOP + 4.0
        );
        let _ = writeln!(
            out,
            "  <text x=\"{}\" y=\"{:.1}\" font-size=\"10\">{max_pods} pods</text>",
            W - RIGHT + 4.0,
            TOP + 4.0
        );
        for (points, color) in [
            (&weight, "#1f77b4"),
            (&canary, "#ff7f0e"),
            (&stable, "#2ca02c"),
        ] {
            let _ = writeln!(
                out,
                "  <polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
                points.trim_end()
            );
        }
        out.push_str(&labels);
        out.push_str("</svg>\n");
        out
    }
}
