package v1beta1

// SetDefaults_FlunderSpec fills referenceType from the one reference that is
// set. When both or neither are set it stays empty and validation decides.
func SetDefaults_FlunderSpec(obj *FlunderSpec) {
	if obj.ReferenceType != "" {
		return
	}
	switch {
	case obj.FlunderReference != "" && obj.FischerReference == "":
		obj.ReferenceType = FlunderReferenceType
	case obj.FischerReference != "" && obj.FlunderReference == "":
		obj.ReferenceType = FischerReferenceType
	}
}
