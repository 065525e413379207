package v1alpha1

// SetDefaults_FlunderSpec makes a bare reference a Flunder reference, as
// sample-apiserver's v1alpha1 does.
func SetDefaults_FlunderSpec(obj *FlunderSpec) {
	if (obj.ReferenceType == nil || *obj.ReferenceType == "") && obj.Reference != "" {
		t := FlunderReferenceType
		obj.ReferenceType = &t
	}
}
