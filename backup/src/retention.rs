//! Retention: which backups a policy keeps, with restic's `forget` semantics.
//!
//! Backups are considered newest first. `keep_last n` keeps the `n` newest. Each calendar rule
//! (`daily`, `weekly`, `monthly`, `yearly`) keeps the newest backup of each of the `n` most
//! recent periods that have a backup (days, ISO weeks Monday to Sunday, months, years, in
//! UTC). `keep_within d` keeps every backup newer than the newest backup minus `d`. A backup is
//! kept if any rule keeps it, and the newest backup is always kept.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::{Date, Month, OffsetDateTime};

use crate::error::{Error, Result};

/// The largest number accepted for one unit of a [`CalendarDuration`].
const MAX_UNIT: u32 = 100_000;

/// A calendar duration such as `2y5m7d3h` (years, months, days, hours), as restic's
/// `--keep-within` takes it.
///
/// ```
/// let d: backup::CalendarDuration = "1y2m3d4h".parse()?;
/// assert_eq!((d.years, d.months, d.days, d.hours), (1, 2, 3, 4));
/// assert!("3w".parse::<backup::CalendarDuration>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CalendarDuration {
    /// Years.
    pub years: u32,
    /// Months.
    pub months: u32,
    /// Days.
    pub days: u32,
    /// Hours.
    pub hours: u32,
}

impl FromStr for CalendarDuration {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self> {
        let err = |column: usize, message: &'static str| Error::InvalidDuration {
            input: input.to_owned(),
            column,
            message,
        };
        if input.is_empty() {
            return Err(err(1, "empty duration"));
        }
        let mut out = Self::default();
        let mut number: Option<u32> = None;
        for (i, c) in input.char_indices() {
            let column = input.get(..i).map_or(1, |s| s.chars().count() + 1);
            if let Some(d) = c.to_digit(10) {
                let n = number.unwrap_or(0).saturating_mul(10).saturating_add(d);
                if n > MAX_UNIT {
                    return Err(err(column, "number too large"));
                }
                number = Some(n);
                continue;
            }
            let n = number
                .take()
                .ok_or_else(|| err(column, "expected a number"))?;
            let slot = match c {
                'y' => &mut out.years,
                'm' => &mut out.months,
                'd' => &mut out.days,
                'h' => &mut out.hours,
                _ => return Err(err(column, "unknown unit (use y, m, d or h)")),
            };
            *slot = slot.saturating_add(n).min(MAX_UNIT);
        }
        if number.is_some() {
            return Err(err(input.chars().count(), "missing unit (y, m, d or h)"));
        }
        Ok(out)
    }
}

impl fmt::Display for CalendarDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}y{}m{}d{}h",
            self.years, self.months, self.days, self.hours
        )
    }
}

impl CalendarDuration {
    /// `t` minus this duration, normalizing like Go's `AddDate` (restic's reference):
    /// 31 March minus one month is 3 March (or 2 March in a leap year).
    pub fn before(&self, t: OffsetDateTime) -> OffsetDateTime {
        let months = i64::from(t.year()) * 12 + i64::from(u8::from(t.month()))
            - 1
            - i64::from(self.years) * 12
            - i64::from(self.months);
        let year = i32::try_from(months.div_euclid(12)).unwrap_or(i32::MIN);
        let month = u8::try_from(months.rem_euclid(12) + 1).unwrap_or(1);
        let first = Month::try_from(month)
            .ok()
            .and_then(|m| Date::from_calendar_date(year, m, 1).ok());
        let Some(first) = first else {
            return OffsetDateTime::UNIX_EPOCH.replace_year(-9999).unwrap_or(t);
        };
        let offset_days = i64::from(t.day()) - 1 - i64::from(self.days);
        let date = first
            .checked_add(time::Duration::days(offset_days))
            .unwrap_or(first);
        date.with_time(t.time()).assume_offset(t.offset())
            - time::Duration::hours(i64::from(self.hours))
    }
}

/// A retention policy. At least one rule must be set.
///
/// ```
/// use backup::RetentionPolicy;
/// let policy = RetentionPolicy::new().keep_daily(7).keep_weekly(4).keep_within("1m".parse()?);
/// assert!(!policy.is_empty());
/// assert!(RetentionPolicy::new().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionPolicy {
    last: u32,
    within: Option<CalendarDuration>,
    daily: u32,
    weekly: u32,
    monthly: u32,
    yearly: u32,
    incomplete_grace: Option<time::Duration>,
}

/// Default age after which a backup without manifest counts as abandoned.
pub const DEFAULT_INCOMPLETE_GRACE: time::Duration = time::Duration::hours(24);

impl RetentionPolicy {
    /// An empty policy (refused by prune until a rule is added).
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the `n` newest backups.
    #[must_use]
    pub fn keep_last(mut self, n: u32) -> Self {
        self.last = n;
        self
    }

    /// Keeps backups newer than the newest backup minus `d`.
    #[must_use]
    pub fn keep_within(mut self, d: CalendarDuration) -> Self {
        self.within = Some(d);
        self
    }

    /// Keeps the newest backup of each of the last `n` days that have one.
    #[must_use]
    pub fn keep_daily(mut self, n: u32) -> Self {
        self.daily = n;
        self
    }

    /// Keeps the newest backup of each of the last `n` ISO weeks that have one.
    #[must_use]
    pub fn keep_weekly(mut self, n: u32) -> Self {
        self.weekly = n;
        self
    }

    /// Keeps the newest backup of each of the last `n` months that have one.
    #[must_use]
    pub fn keep_monthly(mut self, n: u32) -> Self {
        self.monthly = n;
        self
    }

    /// Keeps the newest backup of each of the last `n` years that have one.
    #[must_use]
    pub fn keep_yearly(mut self, n: u32) -> Self {
        self.yearly = n;
        self
    }

    /// Backups without manifest older than this are removed by prune (default 24 hours): a
    /// younger one may still be being written.
    #[must_use]
    pub fn incomplete_grace(mut self, grace: time::Duration) -> Self {
        self.incomplete_grace = Some(grace);
        self
    }

    /// The grace period for incomplete backups.
    pub fn grace(&self) -> time::Duration {
        self.incomplete_grace.unwrap_or(DEFAULT_INCOMPLETE_GRACE)
    }

    /// Whether no keep rule is set.
    pub fn is_empty(&self) -> bool {
        self.last == 0
            && self.within.is_none()
            && self.daily == 0
            && self.weekly == 0
            && self.monthly == 0
            && self.yearly == 0
    }

    /// Decides for each backup (name and time, any order) whether it is kept, newest first.
    ///
    /// ```
    /// use backup::RetentionPolicy;
    /// use time::macros::datetime;
    /// let backups = [
    ///     ("a".to_string(), datetime!(2026-01-01 10:00 UTC)),
    ///     ("b".to_string(), datetime!(2026-01-01 12:00 UTC)),
    ///     ("c".to_string(), datetime!(2026-01-02 09:00 UTC)),
    /// ];
    /// let plan = RetentionPolicy::new().keep_daily(5).decide(&backups)?;
    /// let kept: Vec<_> = plan.iter().filter(|d| d.keep).map(|d| d.name.as_str()).collect();
    /// assert_eq!(kept, ["c", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::EmptyPolicy`] when no rule is set.
    pub fn decide(&self, backups: &[(String, OffsetDateTime)]) -> Result<Vec<Decision>> {
        if self.is_empty() {
            return Err(Error::EmptyPolicy);
        }
        let mut sorted: Vec<&(String, OffsetDateTime)> = backups.iter().collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
        let Some(latest) = sorted.first().map(|b| b.1) else {
            return Ok(Vec::new());
        };
        let cutoff = self.within.map(|d| d.before(latest));
        let mut buckets = [
            (Rule::Last, self.last, None::<i64>),
            (Rule::Daily, self.daily, None),
            (Rule::Weekly, self.weekly, None),
            (Rule::Monthly, self.monthly, None),
            (Rule::Yearly, self.yearly, None),
        ];
        let mut out = Vec::with_capacity(sorted.len());
        for (index, (name, at)) in sorted.iter().enumerate() {
            let mut reasons = Vec::new();
            if index == 0 {
                reasons.push(Rule::Newest);
            }
            for (rule, count, last) in &mut buckets {
                if *count == 0 {
                    continue;
                }
                let value = rule.bucket(*at, index);
                if Some(value) != *last {
                    *last = Some(value);
                    *count -= 1;
                    reasons.push(*rule);
                }
            }
            if cutoff.is_some_and(|c| *at > c) {
                reasons.push(Rule::Within);
            }
            out.push(Decision {
                name: name.clone(),
                created_at: *at,
                keep: !reasons.is_empty(),
                reasons,
            });
        }
        Ok(out)
    }
}

/// Why a backup is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// The newest backup is always kept.
    Newest,
    /// `keep_last`.
    Last,
    /// `keep_within`.
    Within,
    /// `keep_daily`.
    Daily,
    /// `keep_weekly`.
    Weekly,
    /// `keep_monthly`.
    Monthly,
    /// `keep_yearly`.
    Yearly,
}

impl Rule {
    fn bucket(self, t: OffsetDateTime, index: usize) -> i64 {
        let y = i64::from(t.year());
        match self {
            Self::Daily => y * 10_000 + i64::from(u8::from(t.month())) * 100 + i64::from(t.day()),
            Self::Weekly => {
                let (wy, w, _) = t.to_iso_week_date();
                i64::from(wy) * 100 + i64::from(w)
            }
            Self::Monthly => y * 100 + i64::from(u8::from(t.month())),
            Self::Yearly => y,
            Self::Newest | Self::Last | Self::Within => i64::try_from(index).unwrap_or(i64::MAX),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Newest => "newest",
            Self::Last => "last",
            Self::Within => "within",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Yearly => "yearly",
        })
    }
}

/// The decision for one backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The backup name.
    pub name: String,
    /// Its time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Whether it is kept.
    pub keep: bool,
    /// The rules that keep it (empty when removed).
    pub reasons: Vec<Rule>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn durations_parse_with_columns() {
        assert_eq!(
            "2y5m7d3h".parse::<CalendarDuration>().unwrap(),
            CalendarDuration {
                years: 2,
                months: 5,
                days: 7,
                hours: 3
            }
        );
        let err = "12x".parse::<CalendarDuration>().unwrap_err();
        assert!(
            matches!(err, Error::InvalidDuration { column: 3, .. }),
            "{err}"
        );
        let err = "12".parse::<CalendarDuration>().unwrap_err();
        assert!(
            matches!(err, Error::InvalidDuration { column: 2, .. }),
            "{err}"
        );
        assert!("d".parse::<CalendarDuration>().is_err());
        assert!("".parse::<CalendarDuration>().is_err());
    }

    #[test]
    fn before_normalizes_like_go() {
        let one_month = CalendarDuration {
            months: 1,
            ..Default::default()
        };
        assert_eq!(
            one_month.before(datetime!(2026-03-31 12:00 UTC)),
            datetime!(2026-03-03 12:00 UTC)
        );
        let d = CalendarDuration {
            years: 1,
            days: 1,
            hours: 2,
            ..Default::default()
        };
        assert_eq!(
            d.before(datetime!(2026-01-01 01:00 UTC)),
            datetime!(2024-12-30 23:00 UTC)
        );
    }

    #[test]
    fn empty_policy_is_refused() {
        assert!(matches!(
            RetentionPolicy::new().decide(&[]),
            Err(Error::EmptyPolicy)
        ));
    }

    #[test]
    fn newest_always_kept() {
        let b = [("x".to_string(), datetime!(2020-01-01 0:00 UTC))];
        let plan = RetentionPolicy::new()
            .keep_within(CalendarDuration {
                hours: 0,
                ..Default::default()
            })
            .decide(&b)
            .unwrap();
        assert!(plan[0].keep);
        assert_eq!(plan[0].reasons, vec![Rule::Newest]);
    }

    proptest! {
        #[test]
        fn duration_parser_never_panics(s in ".{0,20}") {
            let _ = s.parse::<CalendarDuration>();
        }
    }
}
