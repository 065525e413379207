// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=github.com/example/extension-apiserver/pkg/apis/wardle
// +k8s:defaulter-gen=TypeMeta
// +k8s:openapi-model-package=com.example.wardle.v1beta1
// +groupName=wardle.example.com

// Package v1beta1 is the v1beta1 version of wardle.example.com.
package v1beta1
