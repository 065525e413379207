// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=github.com/example/extension-apiserver/pkg/apis/wardle
// +k8s:defaulter-gen=TypeMeta
// +k8s:openapi-model-package=com.example.wardle.v1alpha1
// +k8s:prerelease-lifecycle-gen=true
// +groupName=wardle.example.com

// Package v1alpha1 is the v1alpha1 version of wardle.example.com.
package v1alpha1
