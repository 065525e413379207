// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=github.com/example/extension-apiserver/pkg/apis/stable
// +k8s:defaulter-gen=TypeMeta
// +k8s:openapi-model-package=com.example.stable.v1beta1
// +k8s:prerelease-lifecycle-gen=true
// +groupName=stable.example.com

// Package v1beta1 is the v1beta1 version of stable.example.com.
package v1beta1
