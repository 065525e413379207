// Package apitesting holds helpers shared by the API groups' fuzzers and tests.
package apitesting

import (
	"sigs.k8s.io/randfill"
)

const nameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// RandomName returns a valid DNS-1123 subdomain of 1 to 20 characters,
// sometimes with dots and dashes inside.
func RandomName(c randfill.Continue) string {
	n := 1 + c.Intn(20)
	b := make([]byte, n)
	for i := range b {
		// Start and end with a letter; inside, a dot or dash never touches another.
		b[i] = nameAlphabet[c.Intn(26)]
		if i == 0 || i == n-1 {
			continue
		}
		prevIsAlnum := b[i-1] != '.' && b[i-1] != '-'
		switch r := c.Intn(8); {
		case r == 0 && prevIsAlnum:
			b[i] = '-'
		case r == 1 && prevIsAlnum:
			b[i] = '.'
		case r > 1:
			b[i] = nameAlphabet[c.Intn(len(nameAlphabet))]
		}
	}
	return string(b)
}

// UniqueNames returns up to max distinct valid names.
func UniqueNames(c randfill.Continue, max int) []string {
	count := c.Intn(max + 1)
	if count == 0 {
		return nil
	}
	seen := map[string]bool{}
	var names []string
	for len(names) < count {
		name := RandomName(c)
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}
