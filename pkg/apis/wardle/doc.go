// +k8s:deepcopy-gen=package
// +groupName=wardle.example.com

// Package wardle holds the internal (hub) types of the wardle.example.com
// group. Every served version converts to and from these types; they are
// never serialized.
package wardle
