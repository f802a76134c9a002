//! Property: prune keeps exactly the set restic's rules keep (reference model below).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use backup::{CalendarDuration, RetentionPolicy, backup_name};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

use crate::common::*;

#[derive(Debug, Clone, Copy)]
struct Policy {
    last: u32,
    daily: u32,
    weekly: u32,
    monthly: u32,
    yearly: u32,
    within: Option<CalendarDuration>,
}

/// A calendar period key of a time.
type Period = fn(&OffsetDateTime) -> (i32, u32);

/// The reference: for each rule, group backups by calendar period, take the newest backup of
/// each period, keep those of the `n` most recent periods; union with keep-last, keep-within
/// (strictly newer than the newest minus the duration) and the newest backup.
fn reference(policy: &Policy, times: &[OffsetDateTime]) -> BTreeSet<OffsetDateTime> {
    let mut keep = BTreeSet::new();
    let mut sorted = times.to_vec();
    sorted.sort_by(|a, b| b.cmp(a));
    let Some(&newest) = sorted.first() else {
        return keep;
    };
    keep.insert(newest);
    keep.extend(sorted.iter().take(policy.last as usize));
    let rules: [(u32, Period); 4] = [
        (policy.daily, |t| (t.year(), t.ordinal() as u32)),
        (policy.weekly, |t| {
            let (y, w, _) = t.to_iso_week_date();
            (y, w as u32)
        }),
        (policy.monthly, |t| (t.year(), t.month() as u32)),
        (policy.yearly, |t| (t.year(), 0)),
    ];
    for (n, period) in rules {
        let mut newest_of: BTreeMap<(i32, u32), OffsetDateTime> = BTreeMap::new();
        for t in &sorted {
            newest_of.entry(period(t)).or_insert(*t);
        }
        keep.extend(newest_of.values().rev().take(n as usize));
    }
    if let Some(d) = policy.within {
        // Go's AddDate, by months then days, then hours.
        let cutoff = go_add_date(newest, d);
        keep.extend(sorted.iter().filter(|t| **t > cutoff));
    }
    keep
}

fn go_add_date(t: OffsetDateTime, d: CalendarDuration) -> OffsetDateTime {
    let mut year = t.year() - d.years as i32;
    let mut month = t.month() as i32 - d.months as i32;
    while month < 1 {
        month += 12;
        year -= 1;
    }
    let first =
        time::Date::from_calendar_date(year, time::Month::try_from(month as u8).unwrap(), 1)
            .unwrap();
    let date = first + Duration::days(i64::from(t.day()) - 1 - i64::from(d.days));
    date.with_time(t.time()).assume_utc() - Duration::hours(i64::from(d.hours))
}

fn policy_strategy() -> impl Strategy<Value = Policy> {
    (
        0u32..4,
        0u32..6,
        0u32..4,
        0u32..4,
        0u32..3,
        proptest::option::of((0u32..2, 0u32..3, 0u32..20, 0u32..30)),
    )
        .prop_map(|(last, daily, weekly, monthly, yearly, within)| Policy {
            last,
            daily,
            weekly,
            monthly,
            yearly,
            within: within.map(|(years, months, days, hours)| CalendarDuration {
                years,
                months,
                days,
                hours,
            }),
        })
        .prop_filter("non-empty", |p| {
            p.last + p.daily + p.weekly + p.monthly + p.yearly > 0 || p.within.is_some()
        })
}

fn build(p: &Policy) -> RetentionPolicy {
    let mut r = RetentionPolicy::new()
        .keep_last(p.last)
        .keep_daily(p.daily)
        .keep_weekly(p.weekly)
        .keep_monthly(p.monthly)
        .keep_yearly(p.yearly);
    if let Some(d) = p.within {
        r = r.keep_within(d);
    }
    r
}

fn times_strategy() -> impl Strategy<Value = Vec<OffsetDateTime>> {
    // Up to 40 backups over about three years, at second resolution, unique.
    proptest::collection::btree_set(0i64..(3 * 366 * 86_400), 0..40).prop_map(|secs| {
        let base = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        secs.into_iter()
            .map(|s| base + Duration::seconds(s))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn decide_keeps_exactly_the_reference_set(policy in policy_strategy(), times in times_strategy()) {
        let backups: Vec<(String, OffsetDateTime)> = times.iter().map(|t| (backup_name(*t), *t)).collect();
        let decisions = build(&policy).decide(&backups).unwrap();
        let kept: BTreeSet<OffsetDateTime> = decisions.iter().filter(|d| d.keep).map(|d| d.created_at).collect();
        prop_assert_eq!(kept, reference(&policy, &times));
        prop_assert_eq!(decisions.len(), times.len());
        prop_assert!(decisions.windows(2).all(|w| w[0].created_at > w[1].created_at));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// End to end on a local store: prune deletes exactly the others, manifest and archive.
    #[test]
    fn prune_deletes_exactly_the_rest(policy in policy_strategy(), times in times_strategy()) {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("d");
        fs::create_dir(&data).unwrap();
        fs::write(data.join("f"), "x").unwrap();
        fs::create_dir(tmp.path().join("store")).unwrap();
        let clock = clock();
        let repo = local_repo(&tmp.path().join("store"), &clock);
        for t in &times {
            clock.set(*t);
            repo.create(&[backup::FileSource::new(&data).into()], &mut backup::NoProgress).unwrap();
        }
        let dry = repo.prune(&build(&policy), true).unwrap();
        prop_assert_eq!(repo.list().unwrap().len(), times.len());
        let plan = repo.prune(&build(&policy), false).unwrap();
        prop_assert_eq!(&dry.decisions, &plan.decisions);
        let left: BTreeSet<OffsetDateTime> = repo.list().unwrap().into_iter().map(|m| m.created_at).collect();
        prop_assert_eq!(&left, &reference(&policy, &times));
        prop_assert_eq!(names(&tmp.path().join("store")).len(), 2 * left.len());
    }
}

#[test]
fn empty_policy_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = local_repo(tmp.path(), &clock());
    assert!(matches!(
        repo.prune(&RetentionPolicy::new(), true),
        Err(backup::Error::EmptyPolicy)
    ));
}
