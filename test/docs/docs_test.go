// Package docs checks the README and the pages under docs/: every relative
// link leads to a file of the repository (and, for a page, to one of its
// headings), every make target they name exists, and the README stays short.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const repoRoot = "../.."

// readmeMaxLines keeps the README a newcomer's five minutes; topics go to docs/.
const readmeMaxLines = 200

var (
	linkPattern      = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	fencePattern     = regexp.MustCompile("(?s)```[^\n]*\n(.*?)```")
	codeSpanPattern  = regexp.MustCompile("`([^`\n]+)`")
	makeCallPattern  = regexp.MustCompile(`(?:^|[\s;&|(])make\s+([a-z][a-z0-9-]*)`)
	makeTargetLine   = regexp.MustCompile(`(?m)^([a-zA-Z0-9_-]+):`)
	headingPattern   = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
	slugDropPattern  = regexp.MustCompile(`[^\p{L}\p{N}\- _]`)
	externalPrefixes = []string{"http://", "https://", "mailto:"}
)

// pages returns README.md and every Markdown file under docs/.
func pages(t *testing.T) []string {
	t.Helper()
	found := []string{filepath.Join(repoRoot, "README.md")}
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no pages under docs/")
	}
	return append(found, docs...)
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// anchors returns the GitHub anchors of a page's headings.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range headingPattern.FindAllStringSubmatch(stripFences(text), -1) {
		slug := strings.ReplaceAll(slugDropPattern.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// stripFences removes fenced code blocks, whose lines are not headings.
func stripFences(text string) string { return fencePattern.ReplaceAllString(text, "") }

func TestRelativeLinksResolve(t *testing.T) {
	for _, page := range pages(t) {
		text := read(t, page)
		for _, m := range linkPattern.FindAllStringSubmatch(stripFences(text), -1) {
			target := m[1]
			if hasAnyPrefix(target, externalPrefixes) {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			resolved := page
			if file != "" {
				resolved = filepath.Join(filepath.Dir(page), file)
				if _, err := os.Stat(resolved); err != nil {
					t.Errorf("%s: link %q: %v", rel(page), target, err)
					continue
				}
			}
			if anchor != "" && strings.HasSuffix(resolved, ".md") && !anchors(read(t, resolved))[anchor] {
				t.Errorf("%s: link %q: %s has no heading with anchor #%s", rel(page), target, rel(resolved), anchor)
			}
		}
	}
}

func TestMakeTargetsExist(t *testing.T) {
	targets := map[string]bool{}
	for _, m := range makeTargetLine.FindAllStringSubmatch(read(t, filepath.Join(repoRoot, "Makefile")), -1) {
		targets[m[1]] = true
	}
	if !targets["test"] || !targets["run"] {
		t.Fatalf("read no targets test and run from the Makefile: %v", targets)
	}
	for _, page := range pages(t) {
		text := read(t, page)
		var code []string
		for _, m := range fencePattern.FindAllStringSubmatch(text, -1) {
			code = append(code, m[1])
		}
		for _, m := range codeSpanPattern.FindAllStringSubmatch(stripFences(text), -1) {
			code = append(code, m[1])
		}
		for _, snippet := range code {
			for _, line := range strings.Split(snippet, "\n") {
				for _, call := range makeCallPattern.FindAllStringSubmatch(line, -1) {
					if !targets[call[1]] {
						t.Errorf("%s: %q names make target %q, which the Makefile does not have", rel(page), strings.TrimSpace(line), call[1])
					}
				}
			}
		}
	}
}

func TestReadmeIsShort(t *testing.T) {
	lines := strings.Count(read(t, filepath.Join(repoRoot, "README.md")), "\n")
	if lines > readmeMaxLines {
		t.Errorf("README.md has %d lines; keep it at most %d and move topics to docs/", lines, readmeMaxLines)
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func rel(path string) string {
	r, err := filepath.Rel(repoRoot, path)
	if err != nil {
		return path
	}
	return r
}
