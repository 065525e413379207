// Package admission holds this server's admission plugins (under plugin/),
// the initializer that hands them this server's informers (initializer/),
// and the bounded wait for those informers (informersync/).
package admission
