// Generated from the k8s-openapi 0.29 sources (v1_33..v1_37): one line per resource type.
// Kinds present in every supported version are registered unconditionally, the others
// inside k8s-openapi's version macros.

use super::Registry;

/// Register every resource type k8s-openapi offers for the enabled version.
pub(super) fn register_all(r: &mut Registry) {
    r.add::<k8s_openapi::api::admissionregistration::v1alpha1::MutatingAdmissionPolicyBinding>();
    r.add::<k8s_openapi::api::admissionregistration::v1alpha1::MutatingAdmissionPolicy>();
    r.add::<k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration>();
    r.add::<k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding>();
    r.add::<k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicy>();
    r.add::<k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration>();
    r.add::<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>();
    r.add::<k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService>();
    r.add::<k8s_openapi::api::apps::v1::ControllerRevision>();
    r.add::<k8s_openapi::api::apps::v1::DaemonSet>();
    r.add::<k8s_openapi::api::apps::v1::Deployment>();
    r.add::<k8s_openapi::api::apps::v1::ReplicaSet>();
    r.add::<k8s_openapi::api::apps::v1::StatefulSet>();
    r.add::<k8s_openapi::api::authentication::v1::SelfSubjectReview>();
    r.add::<k8s_openapi::api::authentication::v1::TokenRequest>();
    r.add::<k8s_openapi::api::authentication::v1::TokenReview>();
    r.add::<k8s_openapi::api::authorization::v1::LocalSubjectAccessReview>();
    r.add::<k8s_openapi::api::authorization::v1::SelfSubjectAccessReview>();
    r.add::<k8s_openapi::api::authorization::v1::SelfSubjectRulesReview>();
    r.add::<k8s_openapi::api::authorization::v1::SubjectAccessReview>();
    r.add::<k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler>();
    r.add::<k8s_openapi::api::autoscaling::v1::Scale>();
    r.add::<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler>();
    r.add::<k8s_openapi::api::batch::v1::CronJob>();
    r.add::<k8s_openapi::api::batch::v1::Job>();
    r.add::<k8s_openapi::api::certificates::v1beta1::ClusterTrustBundle>();
    r.add::<k8s_openapi::api::certificates::v1::CertificateSigningRequest>();
    r.add::<k8s_openapi::api::coordination::v1alpha2::LeaseCandidate>();
    r.add::<k8s_openapi::api::coordination::v1beta1::LeaseCandidate>();
    r.add::<k8s_openapi::api::coordination::v1::Lease>();
    r.add::<k8s_openapi::api::discovery::v1::EndpointSlice>();
    r.add::<k8s_openapi::api::events::v1::Event>();
    r.add::<k8s_openapi::api::flowcontrol::v1::FlowSchema>();
    r.add::<k8s_openapi::api::flowcontrol::v1::PriorityLevelConfiguration>();
    r.add::<k8s_openapi::api::apiserverinternal::v1alpha1::StorageVersion>();
    r.add::<k8s_openapi::api::networking::v1::IPAddress>();
    r.add::<k8s_openapi::api::networking::v1::IngressClass>();
    r.add::<k8s_openapi::api::networking::v1::Ingress>();
    r.add::<k8s_openapi::api::networking::v1::NetworkPolicy>();
    r.add::<k8s_openapi::api::networking::v1::ServiceCIDR>();
    r.add::<k8s_openapi::api::node::v1::RuntimeClass>();
    r.add::<k8s_openapi::api::policy::v1::Eviction>();
    r.add::<k8s_openapi::api::policy::v1::PodDisruptionBudget>();
    r.add::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>();
    r.add::<k8s_openapi::api::rbac::v1::ClusterRole>();
    r.add::<k8s_openapi::api::rbac::v1::RoleBinding>();
    r.add::<k8s_openapi::api::rbac::v1::Role>();
    r.add::<k8s_openapi::api::resource::v1alpha3::DeviceTaintRule>();
    r.add::<k8s_openapi::api::resource::v1beta1::DeviceClass>();
    r.add::<k8s_openapi::api::resource::v1beta1::ResourceClaimTemplate>();
    r.add::<k8s_openapi::api::resource::v1beta1::ResourceClaim>();
    r.add::<k8s_openapi::api::resource::v1beta1::ResourceSlice>();
    r.add::<k8s_openapi::api::resource::v1beta2::DeviceClass>();
    r.add::<k8s_openapi::api::resource::v1beta2::ResourceClaimTemplate>();
    r.add::<k8s_openapi::api::resource::v1beta2::ResourceClaim>();
    r.add::<k8s_openapi::api::resource::v1beta2::ResourceSlice>();
    r.add::<k8s_openapi::api::scheduling::v1::PriorityClass>();
    r.add::<k8s_openapi::api::storage::v1::CSIDriver>();
    r.add::<k8s_openapi::api::storage::v1::CSINode>();
    r.add::<k8s_openapi::api::storage::v1::CSIStorageCapacity>();
    r.add::<k8s_openapi::api::storage::v1::StorageClass>();
    r.add::<k8s_openapi::api::storage::v1::VolumeAttachment>();
    r.add_without_metadata::<k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroupList>();
    r.add_without_metadata::<k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup>();
    r.add_without_metadata::<k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList>();
    r.add_without_metadata::<k8s_openapi::apimachinery::pkg::apis::meta::v1::APIVersions>();
    r.add::<k8s_openapi::api::core::v1::Binding>();
    r.add::<k8s_openapi::api::core::v1::ComponentStatus>();
    r.add::<k8s_openapi::api::core::v1::ConfigMap>();
    r.add::<k8s_openapi::api::core::v1::Endpoints>();
    r.add::<k8s_openapi::api::core::v1::Event>();
    r.add::<k8s_openapi::api::core::v1::LimitRange>();
    r.add::<k8s_openapi::api::core::v1::Namespace>();
    r.add::<k8s_openapi::api::core::v1::Node>();
    r.add::<k8s_openapi::api::core::v1::PersistentVolumeClaim>();
    r.add::<k8s_openapi::api::core::v1::PersistentVolume>();
    r.add::<k8s_openapi::api::core::v1::PodTemplate>();
    r.add::<k8s_openapi::api::core::v1::Pod>();
    r.add::<k8s_openapi::api::core::v1::ReplicationController>();
    r.add::<k8s_openapi::api::core::v1::ResourceQuota>();
    r.add::<k8s_openapi::api::core::v1::Secret>();
    r.add::<k8s_openapi::api::core::v1::ServiceAccount>();
    r.add::<k8s_openapi::api::core::v1::Service>();
    r.add_without_metadata::<k8s_openapi::apimachinery::pkg::apis::meta::v1::Status>();
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicyBinding>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicyBinding>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicyBinding>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicyBinding>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicy>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicy>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicy>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicy>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::ValidatingAdmissionPolicyBinding>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::admissionregistration::v1beta1::ValidatingAdmissionPolicy>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicyBinding>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicyBinding>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicy>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicy>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::certificates::v1alpha1::ClusterTrustBundle>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::certificates::v1alpha1::ClusterTrustBundle>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::certificates::v1alpha1::ClusterTrustBundle>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::certificates::v1alpha1::ClusterTrustBundle>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::certificates::v1alpha1::PodCertificateRequest>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::certificates::v1beta1::PodCertificateRequest>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::certificates::v1beta1::PodCertificateRequest>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::certificates::v1beta1::PodCertificateRequest>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::certificates::v1::ClusterTrustBundle>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::certificates::v1::PodCertificateRequest>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::lifecycle::v1alpha1::EvictionRequest>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::lifecycle::v1alpha1::Eviction>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::networking::v1beta1::IPAddress>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::networking::v1beta1::IPAddress>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::networking::v1beta1::IPAddress>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::networking::v1beta1::IPAddress>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::networking::v1beta1::ServiceCIDR>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::networking::v1beta1::ServiceCIDR>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::networking::v1beta1::ServiceCIDR>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::networking::v1beta1::ServiceCIDR>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::resource::v1alpha3::DeviceClass>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::resource::v1alpha3::ResourceClaimTemplate>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::resource::v1alpha3::ResourceClaim>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::resource::v1alpha3::ResourcePoolStatusRequest>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::resource::v1alpha3::ResourcePoolStatusRequest>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::resource::v1alpha3::ResourceSlice>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::resource::v1beta2::DeviceTaintRule>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::resource::v1beta2::DeviceTaintRule>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::resource::v1::DeviceClass>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::resource::v1::DeviceClass>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::resource::v1::DeviceClass>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::resource::v1::DeviceClass>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::resource::v1::DeviceTaintRule>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::resource::v1::ResourceClaimTemplate>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::resource::v1::ResourceClaimTemplate>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::resource::v1::ResourceClaimTemplate>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::resource::v1::ResourceClaimTemplate>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::resource::v1::ResourceClaim>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::resource::v1::ResourceClaim>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::resource::v1::ResourceClaim>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::resource::v1::ResourceClaim>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::resource::v1::ResourceSlice>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::resource::v1::ResourceSlice>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::resource::v1::ResourceSlice>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::resource::v1::ResourceSlice>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::scheduling::v1alpha1::Workload>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::scheduling::v1alpha2::PodGroup>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::scheduling::v1alpha2::Workload>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::scheduling::v1alpha3::CompositePodGroup>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::scheduling::v1alpha3::PodGroup>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::scheduling::v1alpha3::Workload>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::scheduling::v1beta1::PodGroup>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::scheduling::v1beta1::Workload>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::storage::v1alpha1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::storage::v1alpha1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::storage::v1beta1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::storage::v1beta1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::storage::v1beta1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::storage::v1beta1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::storage::v1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::storage::v1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::storage::v1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::storage::v1::VolumeAttributesClass>(); }
    k8s_openapi::k8s_if_1_33! { r.add::<k8s_openapi::api::storagemigration::v1alpha1::StorageVersionMigration>(); }
    k8s_openapi::k8s_if_1_34! { r.add::<k8s_openapi::api::storagemigration::v1alpha1::StorageVersionMigration>(); }
    k8s_openapi::k8s_if_1_35! { r.add::<k8s_openapi::api::storagemigration::v1beta1::StorageVersionMigration>(); }
    k8s_openapi::k8s_if_1_36! { r.add::<k8s_openapi::api::storagemigration::v1beta1::StorageVersionMigration>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::storagemigration::v1beta1::StorageVersionMigration>(); }
    k8s_openapi::k8s_if_1_37! { r.add::<k8s_openapi::api::storagemigration::v1::StorageVersionMigration>(); }
}
