//! Argo Rollouts' replica arithmetic: how many canary and stable pods the controller asks for in
//! one reconcile pass, how maxSurge and maxUnavailable resolve, and when a step's replica counts
//! count as reached.
//!
//! Every function mirrors one controller calculation and is checked against Argo's own test
//! cases (`tests/fixtures/canary-replicas.json`). The semantics are Argo's; the names are ours.

use serde::Serialize;

use crate::model::{
    DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE, IntOrString, ReplicaProgressThreshold, Rollout,
    ThresholdKind, div_ceil,
};

/// The state of one ReplicaSet as the arithmetic sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplicaSet {
    /// The ReplicaSet's name (ReplicaSets are compared by name).
    pub name: String,
    /// Its pod template hash (what `status.stableRS` and `status.currentPodHash` hold).
    pub pod_template_hash: String,
    /// `.spec.replicas`; unset counts as 1, as Kubernetes defaults it.
    pub spec_replicas: Option<i32>,
    /// `.status.availableReplicas`.
    pub available_replicas: i32,
    /// `.status.replicas` (pods created).
    pub status_replicas: i32,
}

impl ReplicaSet {
    /// `.spec.replicas` with Kubernetes' default of 1 (clamped to ±[`MAX_COUNT`]).
    #[must_use]
    pub fn spec(&self) -> i32 {
        bounded(self.spec_replicas.unwrap_or(1))
    }

    /// `.status.availableReplicas` (clamped to ±[`MAX_COUNT`]).
    #[must_use]
    pub fn available(&self) -> i32 {
        bounded(self.available_replicas)
    }
}

/// Pod counts and weights are clamped to this magnitude (2^28) so the arithmetic can never
/// overflow on hostile input; real rollouts are many orders of magnitude below it.
pub const MAX_COUNT: i32 = 1 << 28;

fn bounded(v: i32) -> i32 {
    v.clamp(-MAX_COUNT, MAX_COUNT)
}

fn replicas_of(rollout: &Rollout) -> i32 {
    bounded(rollout.replicas_or_default())
}

fn max_weight_of(c: &crate::model::CanaryStrategy) -> i32 {
    bounded(c.max_weight())
}

/// The weights currently applied at the traffic router.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TrafficWeights {
    /// Canary weight.
    pub canary: i32,
    /// Stable weight.
    pub stable: i32,
}

/// Target pod counts for the canary (new) and stable ReplicaSets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Canary (new) ReplicaSet size.
    pub canary: i32,
    /// Stable ReplicaSet size.
    pub stable: i32,
}

fn clamp_i32(v: i64) -> i32 {
    let m = i64::from(MAX_COUNT);
    i32::try_from(v.clamp(-m, m)).unwrap_or(0)
}

/// Resolves maxSurge and maxUnavailable against `desired` replicas: a percent surge rounds up,
/// a percent unavailable rounds down, unset counts as 0 here, and if both come out 0 the
/// unavailable figure becomes 1 (so a rollout can always make progress).
///
/// Returns `None` when a string is not a percent.
///
/// ```
/// use rollout_plan::{IntOrString, replicas::resolve_fenceposts};
/// let p = |s: &str| IntOrString::String(s.into());
/// assert_eq!(resolve_fenceposts(Some(&p("39%")), Some(&p("39%")), 10), Some((4, 3)));
/// assert_eq!(resolve_fenceposts(Some(&p("0%")), Some(&p("0%")), 10), Some((0, 1)));
/// ```
#[must_use]
pub fn resolve_fenceposts(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    desired: i32,
) -> Option<(i32, i32)> {
    let total = i64::from(desired);
    let surge = match max_surge {
        Some(s) => s.scaled(total, true)?,
        None => 0,
    };
    let unavailable = match max_unavailable {
        Some(u) => u.scaled(total, false)?,
        None => 0,
    };
    if surge == 0 && unavailable == 0 {
        return Some((0, 1));
    }
    Some((clamp_i32(surge), clamp_i32(unavailable)))
}

fn default_surge() -> IntOrString {
    IntOrString::String(DEFAULT_MAX_SURGE.to_string())
}

fn default_unavailable() -> IntOrString {
    IntOrString::String(DEFAULT_MAX_UNAVAILABLE.to_string())
}

/// maxSurge as an integer (0 for blue/green and for an unparsable value), with the 25% default.
#[must_use]
pub fn max_surge(rollout: &Rollout) -> i32 {
    let Some(c) = rollout.canary() else { return 0 };
    let surge = c.max_surge.clone().unwrap_or_else(default_surge);
    let unavailable = c
        .max_unavailable
        .clone()
        .unwrap_or_else(default_unavailable);
    resolve_fenceposts(Some(&surge), Some(&unavailable), replicas_of(rollout)).map_or(0, |(s, _)| s)
}

/// maxUnavailable as an integer, with the 25% default, capped at `spec.replicas`.
#[must_use]
pub fn max_unavailable(rollout: &Rollout) -> i32 {
    let replicas = replicas_of(rollout);
    if replicas == 0 {
        return 0;
    }
    let unavailable = if let Some(bg) = rollout.blue_green() {
        let u = bg
            .max_unavailable
            .clone()
            .unwrap_or_else(default_unavailable);
        clamp_i32(u.scaled(i64::from(replicas), false).unwrap_or(0))
    } else if let Some(c) = rollout.canary() {
        let surge = c.max_surge.clone().unwrap_or_else(default_surge);
        let u = c
            .max_unavailable
            .clone()
            .unwrap_or_else(default_unavailable);
        resolve_fenceposts(Some(&surge), Some(&u), replicas).map_or(0, |(_, u)| u)
    } else {
        0
    };
    unavailable.min(replicas)
}

/// `ceil(weight * replicas / max_weight)`: the pods a traffic weight needs.
///
/// ```
/// assert_eq!(rollout_plan::replicas::traffic_weight_to_replicas(10, 15, 100), 2);
/// ```
#[must_use]
pub fn traffic_weight_to_replicas(replicas: i32, weight: i32, max_weight: i32) -> i32 {
    if max_weight <= 0 {
        return 0;
    }
    clamp_i32(div_ceil(
        i64::from(weight) * i64::from(replicas),
        i64::from(max_weight),
    ))
}

/// The best canary/stable split approximating `weight` out of `max_weight` for a basic canary:
/// the canary share closest to the weight, with the total allowed to be `replicas + 1` when
/// `max_surge > 0`, and neither side 0 for a weight strictly between 0 and the maximum (unless
/// a single replica without surge leaves no choice).
///
/// ```
/// use rollout_plan::replicas::approximate_weighted_counts;
/// // 25% of 10 pods: 3 canary + 8 stable (27%) beats 3 + 7 (30%) and 2 + 8 (20%).
/// assert_eq!(approximate_weighted_counts(10, 25, 100, 3), (3, 8));
/// ```
#[must_use]
pub fn approximate_weighted_counts(
    replicas: i32,
    weight: i32,
    max_weight: i32,
    max_surge: i32,
) -> (i32, i32) {
    if replicas == 0 || max_weight <= 0 {
        return (0, 0);
    }
    let n = i64::from(replicas);
    let w = i64::from(weight);
    let max = i64::from(max_weight);
    let ceil = div_ceil(n * w, max);
    let floor = (n * w).div_euclid(max);
    // The fraction of n*w/max is exactly one half.
    let tied = |total: i64| (total * w * 2).rem_euclid(2 * max) == max;
    let zero_allowed = w == max || w == 0 || (replicas == 1 && max_surge == 0);
    let mut options: Vec<(i64, i64)> = Vec::with_capacity(4);
    if ceil < n || zero_allowed {
        options.push((ceil, n));
    }
    if !tied(n) && (floor != 0 || zero_allowed) {
        options.push((floor, n));
    }
    if max_surge > 0 {
        options.push((ceil, n + 1));
        if !tied(n + 1) && (floor != 0 || zero_allowed) {
            options.push((floor, n + 1));
        }
    }
    // delta = |canary/total * max - w|, compared without division: |canary*max - w*total| / total.
    let delta = |(c, t): (i64, i64)| ((c * max - w * t).abs() as f64) / (t as f64);
    let mut best: Option<((i64, i64), f64)> = None;
    for opt in options {
        let d = delta(opt);
        match best {
            Some((_, bd)) if d >= bd => {}
            _ => best = Some((opt, d)),
        }
    }
    match best {
        Some(((c, t), _)) => (clamp_i32(c), clamp_i32(t - c)),
        None => (0, replicas),
    }
}

/// The canary step in force: its index, and whether it exists (`None` past the last step or
/// without steps).
fn current_step(rollout: &Rollout) -> Option<(usize, bool)> {
    let c = rollout.canary()?;
    if c.steps.is_empty() {
        return None;
    }
    let idx = usize::try_from(rollout.status.current_step_index.unwrap_or(0)).unwrap_or(0);
    Some((idx, idx < c.steps.len()))
}

/// The traffic weight of the nearest `setWeight` at or before the current step: 0 when aborted
/// or when no setWeight precedes, the maximum weight past the last step.
#[must_use]
pub fn current_set_weight(rollout: &Rollout) -> i32 {
    let max = rollout.canary().map_or(100, max_weight_of);
    if rollout.status.abort {
        return 0;
    }
    let (Some(c), Some((idx, true))) = (rollout.canary(), current_step(rollout)) else {
        return max;
    };
    c.steps[..=idx]
        .iter()
        .rev()
        .find_map(|s| s.set_weight)
        .map(bounded)
        .unwrap_or(0)
}

/// The weight to aim for, which differs from [`current_set_weight`] only while aborting with
/// dynamicStableScale: then the weight steps down through the earlier setWeights so the canary is
/// not drained faster than the stable ReplicaSet can take the traffic back.
#[must_use]
pub fn desired_canary_weight(
    rollout: &Rollout,
    new_rs: Option<&ReplicaSet>,
    stable_rs: Option<&ReplicaSet>,
) -> i32 {
    let (Some(c), Some(new_rs), Some(stable_rs)) = (rollout.canary(), new_rs, stable_rs) else {
        return current_set_weight(rollout);
    };
    if !(rollout.status.abort && c.dynamic_stable_scale) {
        return current_set_weight(rollout);
    }
    let n = replicas_of(rollout);
    let from_stable = n - stable_rs.available();
    let needed = match c.abort_scale_down_delay_seconds {
        Some(d) if d > 0 => from_stable,
        _ => from_stable.max(new_rs.available()),
    };
    let end = match current_step(rollout) {
        Some((idx, _)) => idx.min(c.steps.len().saturating_sub(1)),
        None => return 0,
    };
    c.steps[..=end]
        .iter()
        .rev()
        .filter_map(|s| s.set_weight.map(bounded))
        .find(|w| traffic_weight_to_replicas(n, *w, max_weight_of(c)) < needed)
        .unwrap_or(0)
}

/// Either an explicit canary pod count (`setCanaryScale.replicas`, with traffic routing) or the
/// weight that sizes the canary. A rollout with no stable yet, or whose current pods are the
/// stable ones, or promoted in full, gets the maximum weight.
#[must_use]
pub fn canary_replicas_or_weight(
    rollout: &Rollout,
    new_rs: Option<&ReplicaSet>,
    stable_rs: Option<&ReplicaSet>,
) -> (Option<i32>, i32) {
    let max = rollout.canary().map_or(100, max_weight_of);
    let st = &rollout.status;
    if st.promote_full || st.stable_rs.is_empty() || st.current_pod_hash == st.stable_rs {
        return (None, max);
    }
    if let Some(c) = rollout.canary() {
        let abort_uses_scale = !st.abort || c.abort_scale_down_delay_seconds == Some(0);
        if c.traffic_routing.is_some()
            && abort_uses_scale
            && let Some((idx, true)) = current_step(rollout)
        {
            for step in c.steps[..=idx].iter().rev() {
                let Some(scs) = &step.set_canary_scale else {
                    continue;
                };
                if scs.match_traffic_weight {
                    break;
                }
                if let Some(r) = scs.replicas {
                    return (Some(bounded(r)), 0);
                }
                if let Some(w) = scs.weight {
                    return (None, bounded(w));
                }
                break;
            }
        }
    }
    (None, desired_canary_weight(rollout, new_rs, stable_rs))
}

/// True when `stable_rs` exists and is a different ReplicaSet from `new_rs`.
#[must_use]
pub fn stable_rs_exists(new_rs: Option<&ReplicaSet>, stable_rs: Option<&ReplicaSet>) -> bool {
    match (new_rs, stable_rs) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(n), Some(s)) => n.name != s.name,
    }
}

/// The pods of a ReplicaSet that may be counted when deciding how far to scale down: its spec
/// size when availability can be ignored or when more pods are available than wanted, else its
/// available pods.
#[must_use]
pub fn replicas_for_scale_down(rs: Option<&ReplicaSet>, ignore_availability: bool) -> i32 {
    let Some(rs) = rs else { return 0 };
    if rs.spec() < rs.available() || ignore_availability {
        return rs.spec();
    }
    rs.available()
}

fn sum_spec(rss: &[&ReplicaSet]) -> i64 {
    rss.iter().map(|r| i64::from(r.spec())).sum()
}

/// The canary and stable sizes for one reconcile pass of a basic (replica-weighted) canary.
///
/// Scale-up within `replicas + maxSurge` goes to the stable ReplicaSet first; older ReplicaSets
/// are drained before anything else scales down; scale-down keeps `replicas - maxUnavailable`
/// pods available. Call it again with the new sizes (and their pods available) to follow the
/// controller pass by pass.
#[must_use]
pub fn basic_canary_counts(
    rollout: &Rollout,
    new_rs: Option<&ReplicaSet>,
    stable_rs: Option<&ReplicaSet>,
    other_rss: &[ReplicaSet],
) -> Counts {
    let n = replicas_of(rollout);
    let (_, weight) = canary_replicas_or_weight(rollout, new_rs, stable_rs);
    let surge = max_surge(rollout);
    let max_weight = rollout.canary().map_or(100, max_weight_of);
    let (mut desired_new, mut desired_stable) =
        approximate_weighted_counts(n, weight, max_weight, surge);

    let mut new_count = new_rs.map_or(0, ReplicaSet::spec);
    let mut stable_count = 0;
    let scale_stable = stable_rs_exists(new_rs, stable_rs);
    let stable = if scale_stable { stable_rs } else { None };
    if let Some(s) = stable {
        stable_count = s.spec();
    } else {
        desired_new = n;
        desired_stable = 0;
    }

    let max_allowed = n.saturating_add(surge);
    let mut all: Vec<&ReplicaSet> = other_rss.iter().collect();
    if let Some(r) = new_rs {
        all.push(r);
    }
    if let Some(s) = stable {
        all.push(s);
    }
    let mut scale_up = clamp_i32(i64::from(max_allowed) - sum_spec(&all));

    if let Some(s) = stable
        && s.spec() < desired_stable
        && scale_up > 0
    {
        if s.spec() + scale_up < desired_stable {
            stable_count = s.spec() + scale_up;
            scale_up = 0;
        } else {
            stable_count = desired_stable;
            scale_up -= desired_stable - s.spec();
        }
    }
    if let Some(r) = new_rs
        && r.spec() < desired_new
        && scale_up > 0
    {
        new_count = if r.spec() + scale_up < desired_new {
            r.spec() + scale_up
        } else {
            desired_new
        };
    }

    let others: Vec<&ReplicaSet> = other_rss.iter().collect();
    if sum_spec(&others) > 0 {
        return Counts {
            canary: new_count,
            stable: stable_count,
        };
    }

    let min_available = n - max_unavailable(rollout);
    let increasing = new_rs.is_none_or(|r| desired_new >= r.spec());
    let to_scale_down = replicas_for_scale_down(new_rs, !increasing)
        + replicas_for_scale_down(stable_rs, increasing);
    if to_scale_down <= min_available {
        return Counts {
            canary: new_count,
            stable: stable_count,
        };
    }
    let scale_down = to_scale_down - min_available;
    if !increasing {
        new_count = scale_down_count(new_rs, desired_new, scale_down, new_count);
        (new_count, stable_count) = adjust_within_limits(
            new_rs,
            stable,
            new_count,
            stable_count,
            max_allowed,
            min_available,
        );
    } else if let Some(s) = stable {
        stable_count = scale_down_count(Some(s), desired_stable, scale_down, stable_count);
        (stable_count, new_count) = adjust_within_limits(
            Some(s),
            new_rs,
            stable_count,
            new_count,
            max_allowed,
            min_available,
        );
    }
    Counts {
        canary: new_count,
        stable: stable_count,
    }
}

fn scale_down_count(
    drain: Option<&ReplicaSet>,
    desired: i32,
    scale_down: i32,
    current: i32,
) -> i32 {
    match drain {
        Some(d) if d.spec() > desired => desired.max(d.spec() - scale_down),
        _ => current,
    }
}

/// Re-balances after a scale-down so neither the surge limit nor the availability floor is
/// violated: `drain` is the ReplicaSet being reduced, `adjust` the other one.
fn adjust_within_limits(
    drain: Option<&ReplicaSet>,
    adjust: Option<&ReplicaSet>,
    mut drain_count: i32,
    mut adjust_count: i32,
    max_allowed: i32,
    min_available: i32,
) -> (i32, i32) {
    let mut over = (adjust_count + drain_count - max_allowed).max(0);
    let mut total_available = 0;
    if let Some(d) = drain {
        total_available += d.available().min(drain_count);
    }
    if let Some(a) = adjust {
        adjust_count -= over;
        total_available += a.available().min(adjust_count);
        let extra_available = (a.available() - adjust_count).max(0);
        let more_needed = (min_available - total_available).max(0);
        adjust_count += extra_available.min(more_needed);
        over = (adjust_count + drain_count - max_allowed).max(0);
        drain_count -= over;
    }
    (drain_count, adjust_count)
}

/// The canary and stable sizes for a canary with traffic routing: the canary follows the weight
/// (or `setCanaryScale`), raised to `minPodsPerReplicaSet`; the stable stays at full size unless
/// dynamicStableScale shrinks it as traffic leaves it. maxSurge and maxUnavailable play no part.
#[must_use]
pub fn traffic_routed_counts(rollout: &Rollout, weights: Option<TrafficWeights>) -> Counts {
    traffic_routed_counts_with(rollout, weights, None, None)
}

/// [`traffic_routed_counts`] with the current ReplicaSets, which an abort with
/// dynamicStableScale needs to step the weight down.
#[must_use]
pub fn traffic_routed_counts_with(
    rollout: &Rollout,
    weights: Option<TrafficWeights>,
    new_rs: Option<&ReplicaSet>,
    stable_rs: Option<&ReplicaSet>,
) -> Counts {
    let n = replicas_of(rollout);
    let Some(c) = rollout.canary() else {
        return Counts {
            canary: 0,
            stable: n,
        };
    };
    let max = max_weight_of(c);
    let min_pods = |count: i32| -> i32 {
        match c.min_pods_per_replica_set.map(bounded) {
            Some(m) if count != 0 && c.traffic_routing.is_some() => count.max(m.min(n)),
            _ => count,
        }
    };
    let (explicit, weight) = canary_replicas_or_weight(rollout, new_rs, stable_rs);
    let mut canary = match explicit {
        Some(r) => r,
        None => min_pods(traffic_weight_to_replicas(n, weight, max)),
    };
    if !c.dynamic_stable_scale {
        return Counts { canary, stable: n };
    }
    let mut stable = traffic_weight_to_replicas(n, max - weight, max);
    if let Some(w) = weights {
        stable = stable.max(traffic_weight_to_replicas(n, w.stable, max));
        if rollout.status.abort {
            canary = canary.max(traffic_weight_to_replicas(n, w.canary, max));
        }
    }
    Counts {
        canary: min_pods(canary),
        stable: min_pods(stable),
    }
}

/// True when `rs` exists and both its spec size and its available pods equal `desired`.
#[must_use]
pub fn all_desired_are_available(rs: Option<&ReplicaSet>, desired: i32) -> bool {
    rs.is_some_and(|r| r.spec() == desired && r.available() == desired)
}

fn all_desired_are_created(rs: Option<&ReplicaSet>, desired: i32) -> bool {
    rs.is_some_and(|r| r.spec() == desired && r.status_replicas == desired)
}

/// `replicaProgressThreshold`: whether enough canary pods are available for the step to count
/// as done. Without a threshold (or with a non-positive value) every desired pod must be
/// available.
#[must_use]
pub fn replica_progress_threshold_met(
    threshold: Option<&ReplicaProgressThreshold>,
    rs: Option<&ReplicaSet>,
    desired: i32,
) -> bool {
    let Some(r) = rs else { return false };
    match threshold {
        Some(t) if t.value > 0 => match t.kind {
            ThresholdKind::Percent => {
                i64::from(r.available()) * 100 >= i64::from(t.value) * i64::from(desired)
            }
            ThresholdKind::Pods => r.available() >= bounded(t.value),
        },
        _ => all_desired_are_available(Some(r), desired),
    }
}

/// Whether a setWeight/setCanaryScale step has reached its replica counts: the canary is
/// available (per replicaProgressThreshold), the stable is created at its size (unless traffic
/// routing with dynamicStableScale), and for a basic canary no older ReplicaSet has pods.
#[must_use]
pub fn at_desired_replica_counts(
    rollout: &Rollout,
    new_rs: Option<&ReplicaSet>,
    stable_rs: Option<&ReplicaSet>,
    other_rss: &[ReplicaSet],
    weights: Option<TrafficWeights>,
) -> bool {
    let Some(c) = rollout.canary() else {
        return false;
    };
    let routed = c.traffic_routing.is_some();
    let desired = if routed {
        traffic_routed_counts_with(rollout, weights, new_rs, stable_rs)
    } else {
        basic_canary_counts(rollout, new_rs, stable_rs, other_rss)
    };
    if !replica_progress_threshold_met(
        c.replica_progress_threshold.as_ref(),
        new_rs,
        desired.canary,
    ) {
        return false;
    }
    if (!routed || !c.dynamic_stable_scale) && !all_desired_are_created(stable_rs, desired.stable) {
        return false;
    }
    if !routed
        && other_rss
            .iter()
            .map(|r| i64::from(r.available()))
            .sum::<i64>()
            != 0
    {
        return false;
    }
    true
}

/// The size of the new ReplicaSet under blue/green: `previewReplicaCount` before promotion, the
/// full size once it is the active one, when promoted in full, or at the scale-up checkpoint.
///
/// # Errors
///
/// Returns the message `no rollout strategy provided` when the rollout is not blue/green or canary.
pub fn blue_green_new_rs_replicas(
    rollout: &Rollout,
    all_rss: &[ReplicaSet],
    new_rs: Option<&ReplicaSet>,
) -> Result<i32, String> {
    let desired = replicas_of(rollout);
    let Some(bg) = rollout.blue_green() else {
        if rollout.canary().is_some() {
            return Ok(desired);
        }
        return Err("no rollout strategy provided".to_string());
    };
    let st = &rollout.status;
    let Some(preview) = bg.preview_replica_count else {
        return Ok(desired);
    };
    if st.promote_full {
        return Ok(desired);
    }
    let active = if st.active_selector.is_empty() {
        None
    } else {
        all_rss
            .iter()
            .find(|r| r.pod_template_hash == st.active_selector)
    };
    let Some(active) = active else {
        return Ok(desired);
    };
    if new_rs.is_none_or(|n| n.name == active.name) {
        return Ok(desired);
    }
    if new_rs.is_some_and(|n| n.pod_template_hash != st.current_pod_hash) {
        return Ok(preview);
    }
    if st.scale_up_preview_check_point {
        return Ok(desired);
    }
    Ok(preview)
}
