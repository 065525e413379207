// +k8s:deepcopy-gen=package
// +groupName=stable.example.com

// Package stable holds the internal (hub) types of the stable.example.com
// group. Every served version converts to and from these types; they are
// never serialized.
package stable
