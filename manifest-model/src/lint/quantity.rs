//! Kubernetes resource quantities (`100m`, `1.5Gi`, `1e3`) as numbers, for comparisons.

/// The value of a quantity in base units (cores, bytes), or `None` if it is malformed.
///
/// ```
/// use manifest_model::lint::parse_quantity;
/// assert_eq!(parse_quantity("100m"), Some(0.1));
/// assert_eq!(parse_quantity("1Gi"), Some(1073741824.0));
/// assert_eq!(parse_quantity("2k"), Some(2000.0));
/// assert_eq!(parse_quantity("1e3"), Some(1000.0));
/// assert_eq!(parse_quantity("lots"), None);
/// ```
#[must_use]
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    if num.is_empty() {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        "Ei" => 1024.0_f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => {
            let e: i32 = exp.get(1..)?.parse().ok()?;
            10f64.powi(e)
        }
        _ => return None,
    };
    let v = n * mult;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("4000m"), Some(4.0));
        assert_eq!(parse_quantity("0.5"), Some(0.5));
        assert_eq!(parse_quantity("512Mi"), Some(536870912.0));
        assert_eq!(parse_quantity("1.5Gi"), Some(1610612736.0));
        assert_eq!(parse_quantity(""), None);
        assert_eq!(parse_quantity("Gi"), None);
        assert_eq!(parse_quantity("1Zi"), None);
        assert_eq!(parse_quantity("1e"), None);
    }
}
