//! Deprecated and removed apiVersions, and the target Kubernetes version.
//!
//! The removal versions and replacements are facts from Fairwinds pluto's `versions.yaml` (the
//! Kubernetes component entries) and the Kubernetes deprecated-API migration guide; this table
//! is our own data, keyed by `(apiVersion, kind)`.
//!
//! APIs of add-ons such as cert-manager are not in [`DEPRECATIONS`]: their versions follow the
//! add-on's releases, not Kubernetes minors, so they cannot be compared with a [`KubeVersion`]
//! target. They live in [`COMPONENT_DEPRECATIONS`] (pluto's `cert-manager` component entries),
//! with the add-on version as text, and the strict checks report them as removed whatever the
//! Kubernetes target: every release of those add-ons still supported today is past the removal.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A Kubernetes minor version such as `1.35`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct KubeVersion {
    /// Major version (1).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl KubeVersion {
    /// `major.minor`.
    #[must_use]
    pub const fn new(major: u32, minor: u32) -> KubeVersion {
        KubeVersion { major, minor }
    }

    /// The Kubernetes version k8s-openapi was built for in this program (its `v1_*` feature).
    #[must_use]
    #[allow(unused_assignments)] // reason: exactly one of the macros below expands
    pub fn enabled() -> KubeVersion {
        let mut minor = 0;
        k8s_openapi::k8s_if_1_33! { minor = 33; }
        k8s_openapi::k8s_if_1_34! { minor = 34; }
        k8s_openapi::k8s_if_1_35! { minor = 35; }
        k8s_openapi::k8s_if_1_36! { minor = 36; }
        k8s_openapi::k8s_if_1_37! { minor = 37; }
        KubeVersion::new(1, minor)
    }
}

impl Default for KubeVersion {
    /// The enabled version ([`KubeVersion::enabled`]).
    fn default() -> KubeVersion {
        KubeVersion::enabled()
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The error of [`KubeVersion::from_str`]: the text was not `X.Y` (an optional `v` prefix and
/// patch part are accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeVersionError(pub String);

impl fmt::Display for KubeVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid kubernetes version {:?}, expected X.Y", self.0)
    }
}

impl std::error::Error for KubeVersionError {}

impl FromStr for KubeVersion {
    type Err = KubeVersionError;

    /// ```
    /// use manifest_model::KubeVersion;
    /// assert_eq!("1.25".parse::<KubeVersion>()?, KubeVersion::new(1, 25));
    /// assert_eq!("v1.22.3".parse::<KubeVersion>()?, KubeVersion::new(1, 22));
    /// assert!("1".parse::<KubeVersion>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from_str(s: &str) -> Result<KubeVersion, KubeVersionError> {
        let err = || KubeVersionError(s.to_owned());
        let t = s.strip_prefix('v').unwrap_or(s);
        let mut parts = t.split('.');
        let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let minor = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        if let Some(patch) = parts.next()
            && patch.parse::<u32>().is_err()
        {
            return Err(err());
        }
        if parts.next().is_some() {
            return Err(err());
        }
        Ok(KubeVersion { major, minor })
    }
}

/// One deprecated (and possibly removed) apiVersion of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deprecation {
    /// The old apiVersion, e.g. `extensions/v1beta1`.
    pub api_version: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// First version that deprecates it (minor of 1.x).
    pub deprecated_in: u32,
    /// First version that no longer serves it (minor of 1.x), if removed.
    pub removed_in: Option<u32>,
    /// The apiVersion to use instead, if any.
    pub replacement: Option<&'static str>,
}

const fn d(
    api_version: &'static str,
    kind: &'static str,
    deprecated_in: u32,
    removed_in: u32,
    replacement: Option<&'static str>,
) -> Deprecation {
    Deprecation {
        api_version,
        kind,
        deprecated_in,
        removed_in: Some(removed_in),
        replacement,
    }
}

/// The table, ordered by removal version.
pub const DEPRECATIONS: &[Deprecation] = &[
    d("extensions/v1beta1", "Deployment", 9, 16, Some("apps/v1")),
    d("apps/v1beta1", "Deployment", 9, 16, Some("apps/v1")),
    d("apps/v1beta2", "Deployment", 9, 16, Some("apps/v1")),
    d("apps/v1beta1", "StatefulSet", 9, 16, Some("apps/v1")),
    d("apps/v1beta2", "StatefulSet", 9, 16, Some("apps/v1")),
    d("extensions/v1beta1", "DaemonSet", 9, 16, Some("apps/v1")),
    d("apps/v1beta2", "DaemonSet", 9, 16, Some("apps/v1")),
    d("extensions/v1beta1", "ReplicaSet", 9, 16, Some("apps/v1")),
    d("apps/v1beta1", "ReplicaSet", 9, 16, Some("apps/v1")),
    d("apps/v1beta2", "ReplicaSet", 9, 16, Some("apps/v1")),
    d(
        "extensions/v1beta1",
        "NetworkPolicy",
        9,
        16,
        Some("networking.k8s.io/v1"),
    ),
    d(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        10,
        16,
        Some("policy/v1beta1"),
    ),
    d(
        "scheduling.k8s.io/v1alpha1",
        "PriorityClass",
        14,
        17,
        Some("scheduling.k8s.io/v1"),
    ),
    d(
        "extensions/v1beta1",
        "Ingress",
        14,
        22,
        Some("networking.k8s.io/v1"),
    ),
    d(
        "networking.k8s.io/v1beta1",
        "Ingress",
        19,
        22,
        Some("networking.k8s.io/v1"),
    ),
    d(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        19,
        22,
        Some("networking.k8s.io/v1"),
    ),
    d(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        16,
        22,
        Some("apiextensions.k8s.io/v1"),
    ),
    d(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        16,
        22,
        Some("admissionregistration.k8s.io/v1"),
    ),
    d(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        16,
        22,
        Some("admissionregistration.k8s.io/v1"),
    ),
    d(
        "rbac.authorization.k8s.io/v1alpha1",
        "Role",
        17,
        22,
        Some("rbac.authorization.k8s.io/v1"),
    ),
    d(
        "rbac.authorization.k8s.io/v1alpha1",
        "RoleBinding",
        17,
        22,
        Some("rbac.authorization.k8s.io/v1"),
    ),
    d(
        "rbac.authorization.k8s.io/v1alpha1",
        "ClusterRole",
        17,
        22,
        Some("rbac.authorization.k8s.io/v1"),
    ),
    d(
        "rbac.authorization.k8s.io/v1alpha1",
        "ClusterRoleBinding",
        17,
        22,
        Some("rbac.authorization.k8s.io/v1"),
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        17,
        22,
        Some("rbac.authorization.k8s.io/v1"),
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        17,
        22,
        Some("rbac.authorization.k8s.io/v1"),
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        17,
        22,
        Some("rbac.authorization.k8s.io/v1"),
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        17,
        22,
        Some("rbac.authorization.k8s.io/v1"),
    ),
    d(
        "storage.k8s.io/v1beta1",
        "CSINode",
        17,
        22,
        Some("storage.k8s.io/v1"),
    ),
    d(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        19,
        22,
        Some("storage.k8s.io/v1"),
    ),
    d(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        19,
        22,
        Some("storage.k8s.io/v1"),
    ),
    d(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        19,
        22,
        Some("storage.k8s.io/v1"),
    ),
    d(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        19,
        22,
        Some("apiregistration.k8s.io/v1"),
    ),
    d(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        19,
        22,
        Some("authentication.k8s.io/v1"),
    ),
    d(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        19,
        22,
        Some("certificates.k8s.io/v1"),
    ),
    d(
        "coordination.k8s.io/v1beta1",
        "Lease",
        19,
        22,
        Some("coordination.k8s.io/v1"),
    ),
    d(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        14,
        22,
        Some("scheduling.k8s.io/v1"),
    ),
    d(
        "audit.k8s.io/v1alpha1",
        "Policy",
        19,
        24,
        Some("audit.k8s.io/v1"),
    ),
    d(
        "audit.k8s.io/v1beta1",
        "Policy",
        19,
        24,
        Some("audit.k8s.io/v1"),
    ),
    d("policy/v1beta1", "PodSecurityPolicy", 21, 25, None),
    d(
        "policy/v1beta1",
        "PodDisruptionBudget",
        21,
        25,
        Some("policy/v1"),
    ),
    d("batch/v1beta1", "CronJob", 21, 25, Some("batch/v1")),
    d(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        22,
        25,
        Some("autoscaling/v2"),
    ),
    d(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        21,
        25,
        Some("discovery.k8s.io/v1"),
    ),
    d(
        "events.k8s.io/v1beta1",
        "Event",
        22,
        25,
        Some("events.k8s.io/v1"),
    ),
    d(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        22,
        25,
        Some("node.k8s.io/v1"),
    ),
    d(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        23,
        26,
        Some("autoscaling/v2"),
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        23,
        26,
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        23,
        26,
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    d(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        24,
        27,
        Some("storage.k8s.io/v1"),
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        26,
        29,
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        26,
        29,
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        29,
        32,
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        29,
        32,
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    d(
        "admissionregistration.k8s.io/v1alpha1",
        "ValidatingAdmissionPolicy",
        30,
        33,
        Some("admissionregistration.k8s.io/v1"),
    ),
    d(
        "admissionregistration.k8s.io/v1alpha1",
        "ValidatingAdmissionPolicyBinding",
        30,
        33,
        Some("admissionregistration.k8s.io/v1"),
    ),
    d(
        "resource.k8s.io/v1alpha3",
        "ResourceSlice",
        32,
        34,
        Some("resource.k8s.io/v1"),
    ),
    d(
        "resource.k8s.io/v1alpha3",
        "ResourceClaim",
        32,
        34,
        Some("resource.k8s.io/v1"),
    ),
    d(
        "resource.k8s.io/v1alpha3",
        "DeviceClass",
        32,
        34,
        Some("resource.k8s.io/v1"),
    ),
    d(
        "resource.k8s.io/v1alpha3",
        "ResourceClaimTemplate",
        32,
        34,
        Some("resource.k8s.io/v1"),
    ),
    d(
        "storage.k8s.io/v1alpha1",
        "VolumeAttributesClass",
        31,
        35,
        Some("storage.k8s.io/v1"),
    ),
    d(
        "storagemigration.k8s.io/v1alpha1",
        "StorageVersionMigration",
        32,
        35,
        Some("storagemigration.k8s.io/v1beta1"),
    ),
    d(
        "resource.k8s.io/v1beta1",
        "ResourceSlice",
        34,
        36,
        Some("resource.k8s.io/v1"),
    ),
    d(
        "resource.k8s.io/v1beta1",
        "ResourceClaim",
        34,
        36,
        Some("resource.k8s.io/v1"),
    ),
    d(
        "resource.k8s.io/v1beta1",
        "DeviceClass",
        34,
        36,
        Some("resource.k8s.io/v1"),
    ),
    d(
        "resource.k8s.io/v1beta1",
        "ResourceClaimTemplate",
        34,
        36,
        Some("resource.k8s.io/v1"),
    ),
    Deprecation {
        api_version: "storage.k8s.io/v1beta1",
        kind: "VolumeAttributesClass",
        deprecated_in: 34,
        removed_in: None,
        replacement: Some("storage.k8s.io/v1"),
    },
];

/// One removed apiVersion of an add-on's custom resource (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ComponentDeprecation {
    /// The add-on, e.g. `cert-manager`.
    pub component: &'static str,
    /// The old apiVersion, e.g. `cert-manager.io/v1alpha2`.
    pub api_version: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// The add-on release that deprecated it, e.g. `1.4`.
    pub deprecated_in: &'static str,
    /// The add-on release that no longer serves it, e.g. `1.6`.
    pub removed_in: &'static str,
    /// The apiVersion to use instead.
    pub replacement: &'static str,
}

const fn cm(
    api_version: &'static str,
    kind: &'static str,
    deprecated_in: &'static str,
    removed_in: &'static str,
    replacement: &'static str,
) -> ComponentDeprecation {
    ComponentDeprecation {
        component: "cert-manager",
        api_version,
        kind,
        deprecated_in,
        removed_in,
        replacement,
    }
}

/// Removed apiVersions of add-ons: cert-manager's pre-`v1` APIs.
///
/// The `acme.cert-manager.io` kinds move to `acme.cert-manager.io/v1` (pluto names
/// `cert-manager.io/v1`, which has no `Order` or `Challenge`).
pub const COMPONENT_DEPRECATIONS: &[ComponentDeprecation] = &[
    cm(
        "certmanager.k8s.io/v1alpha1",
        "Certificate",
        "0.11",
        "0.11",
        "cert-manager.io/v1",
    ),
    cm(
        "certmanager.k8s.io/v1alpha1",
        "Issuer",
        "0.11",
        "0.11",
        "cert-manager.io/v1",
    ),
    cm(
        "certmanager.k8s.io/v1alpha1",
        "ClusterIssuer",
        "0.11",
        "0.11",
        "cert-manager.io/v1",
    ),
    cm(
        "certmanager.k8s.io/v1alpha1",
        "CertificateRequest",
        "0.11",
        "0.11",
        "cert-manager.io/v1",
    ),
    cm(
        "certmanager.k8s.io/v1alpha1",
        "Order",
        "0.11",
        "0.11",
        "acme.cert-manager.io/v1",
    ),
    cm(
        "certmanager.k8s.io/v1alpha1",
        "Challenge",
        "0.11",
        "0.11",
        "acme.cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1alpha2",
        "Certificate",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1alpha3",
        "Certificate",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1beta1",
        "Certificate",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1alpha2",
        "Issuer",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1alpha3",
        "Issuer",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1beta1",
        "Issuer",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1alpha2",
        "ClusterIssuer",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1alpha3",
        "ClusterIssuer",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1beta1",
        "ClusterIssuer",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1alpha2",
        "CertificateRequest",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1alpha3",
        "CertificateRequest",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "cert-manager.io/v1beta1",
        "CertificateRequest",
        "1.4",
        "1.6",
        "cert-manager.io/v1",
    ),
    cm(
        "acme.cert-manager.io/v1alpha2",
        "Order",
        "1.4",
        "1.6",
        "acme.cert-manager.io/v1",
    ),
    cm(
        "acme.cert-manager.io/v1alpha3",
        "Order",
        "1.4",
        "1.6",
        "acme.cert-manager.io/v1",
    ),
    cm(
        "acme.cert-manager.io/v1beta1",
        "Order",
        "1.4",
        "1.6",
        "acme.cert-manager.io/v1",
    ),
    cm(
        "acme.cert-manager.io/v1alpha2",
        "Challenge",
        "1.4",
        "1.6",
        "acme.cert-manager.io/v1",
    ),
    cm(
        "acme.cert-manager.io/v1alpha3",
        "Challenge",
        "1.4",
        "1.6",
        "acme.cert-manager.io/v1",
    ),
    cm(
        "acme.cert-manager.io/v1beta1",
        "Challenge",
        "1.4",
        "1.6",
        "acme.cert-manager.io/v1",
    ),
];

/// The add-on deprecation entry for `(api_version, kind)`, if that apiVersion was removed.
///
/// ```
/// use manifest_model::deprecation::lookup_component;
/// let d = lookup_component("cert-manager.io/v1alpha2", "Certificate").ok_or("missing")?;
/// assert_eq!((d.component, d.removed_in, d.replacement), ("cert-manager", "1.6", "cert-manager.io/v1"));
/// assert!(lookup_component("cert-manager.io/v1", "Certificate").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn lookup_component(api_version: &str, kind: &str) -> Option<&'static ComponentDeprecation> {
    COMPONENT_DEPRECATIONS
        .iter()
        .find(|d| d.api_version == api_version && d.kind == kind)
}

/// The deprecation entry for `(api_version, kind)`, if that apiVersion is deprecated.
///
/// ```
/// use manifest_model::deprecation::lookup;
/// let d = lookup("batch/v1beta1", "CronJob").ok_or("missing")?;
/// assert_eq!((d.removed_in, d.replacement), (Some(25), Some("batch/v1")));
/// assert!(lookup("apps/v1", "Deployment").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Deprecation> {
    DEPRECATIONS
        .iter()
        .find(|d| d.api_version == api_version && d.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_replacement_is_a_builtin_kind_or_gone() {
        // The replacement of a removed apiVersion must exist in the enabled k8s-openapi
        // version (except where the replacement itself was removed or is not in k8s-openapi).
        for d in DEPRECATIONS {
            if let Some(r) = d.replacement
                && r != "policy/v1beta1"
                && r != "audit.k8s.io/v1"
                && r != "storagemigration.k8s.io/v1beta1"
            {
                assert!(crate::is_builtin_kind(r, d.kind), "{} {}", r, d.kind);
            }
            if let Some(removed) = d.removed_in
                && removed <= KubeVersion::enabled().minor
            {
                assert!(!crate::is_builtin_kind(d.api_version, d.kind), "{d:?}");
            }
        }
    }

    #[test]
    fn component_rows_are_not_kubernetes_apis() {
        for d in COMPONENT_DEPRECATIONS {
            assert!(lookup(d.api_version, d.kind).is_none(), "{d:?}");
            assert!(!crate::is_builtin_kind(d.api_version, d.kind), "{d:?}");
            assert!(d.replacement.ends_with("cert-manager.io/v1"), "{d:?}");
            assert_eq!(lookup_component(d.api_version, d.kind), Some(d));
        }
        let acme = lookup_component("acme.cert-manager.io/v1beta1", "Challenge").unwrap();
        assert_eq!(acme.replacement, "acme.cert-manager.io/v1");
    }

    #[test]
    fn enabled_version_matches_the_test_feature() {
        assert_eq!(KubeVersion::enabled(), KubeVersion::new(1, 35));
    }
}
