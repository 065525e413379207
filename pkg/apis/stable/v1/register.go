package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/example/extension-apiserver/pkg/apis/fieldlabels"
)

// GroupName is the API group served by this package.
const GroupName = "stable.example.com"

// SchemeGroupVersion is the group and version of this package.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1"}

// Resource qualifies a resource name with this group.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

var (
	// SchemeBuilder registers the types; generated conversion and defaulting
	// functions add themselves to localSchemeBuilder from their init().
	SchemeBuilder      runtime.SchemeBuilder
	localSchemeBuilder = &SchemeBuilder
	// AddToScheme adds this version to a scheme.
	AddToScheme = localSchemeBuilder.AddToScheme
)

func init() {
	localSchemeBuilder.Register(addKnownTypes, addDefaultingFuncs, addFieldLabelConversions)
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&CronTab{},
		&CronTabList{},
		&CronTabSchedule{},
		&CronTabScheduleOptions{},
		&CronTabClass{},
		&CronTabClassList{},
	)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}

func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}

func addFieldLabelConversions(scheme *runtime.Scheme) error {
	if err := fieldlabels.Register(scheme, SchemeGroupVersion.WithKind("CronTabClass"), false, nil); err != nil {
		return err
	}
	return fieldlabels.Register(scheme, SchemeGroupVersion.WithKind("CronTab"), true, map[string]string{
		"spec.cronSpec":   "spec.cronSpec",
		"spec.image":      "spec.image",
		"spec.suspend":    "spec.suspend",
		"status.replicas": "status.replicas",
	})
}
