package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// citation is a document of the repository named in text — one
	// under docs/, or an upper-case name such as README.md — with the
	// section after it when one is quoted: docs/graph.md, "JSON batching".
	// Documents of other repositories are named in lower case with their
	// repository, and are not checked.
	citation = regexp.MustCompile(`\b((?:docs/[\w.-]+|[A-Z][A-Z0-9_-]*)\.md)(?:,? \(?"([^"]+)")?`)
	// mdLink is the target of a relative Markdown link: [x](../docs/design.md#tenant-seed).
	mdLink = regexp.MustCompile(`\]\(([^)#\s]*\.md)(?:#([^)\s]*))?\)`)
)

// TestCitationsResolve: every document a Go file or a Markdown file of the
// repository cites is in the repository, and so is every section it names
// (a quoted heading, or the anchor of a Markdown link).
func TestCitationsResolve(t *testing.T) {
	root := ".."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n != ".." && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		var res []*regexp.Regexp
		switch filepath.Ext(path) {
		case ".go":
			res = []*regexp.Regexp{citation}
		case ".md":
			res = []*regexp.Regexp{citation, mdLink}
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var found [][]string
		for _, re := range res {
			found = append(found, re.FindAllStringSubmatch(string(b), -1)...)
		}
		for _, m := range found {
			checked++
			target, section := m[1], m[2]
			doc := resolve(root, filepath.Dir(path), target)
			if doc == "" {
				t.Errorf("%s cites %s, which the repository does not have", path, target)
				continue
			}
			if section != "" && !hasSection(t, doc, section) {
				t.Errorf("%s cites section %q of %s, which has no such heading", path, section, target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no citation found: the patterns are wrong")
	}
}

// resolve finds target relative to the citing file's folder or to the
// repository root; "" when neither has it.
func resolve(root, dir, target string) string {
	for _, p := range []string{filepath.Join(dir, target), filepath.Join(root, target)} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// hasSection reports whether doc has a heading named section, or whose
// GitHub anchor is section.
func hasSection(t *testing.T, doc, section string) bool {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		if h == section || anchor(h) == section {
			return true
		}
	}
	return false
}

// anchor is the anchor GitHub gives a heading: lower case, spaces to
// hyphens, punctuation other than hyphens and underscores dropped.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}
