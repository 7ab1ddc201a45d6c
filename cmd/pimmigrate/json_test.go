package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/pflag"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
)

// documentedJSON is the example of each command's --output json in
// README.md ("JSON output"), by command (and "apply --dry-run").
func documentedJSON(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]any{}
	for _, m := range regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(b, -1) {
		var v map[string]any
		if err := json.Unmarshal(m[1], &v); err != nil {
			t.Fatalf("README.md: a json example does not parse: %v\n%s", err, m[1])
		}
		name, _ := v["command"].(string)
		if v["dryRun"] == true {
			name += " --dry-run"
		}
		if name == "" {
			continue
		}
		if docs[name] != nil {
			t.Fatalf("README.md has two json examples of %s", name)
		}
		docs[name] = v
	}
	return docs
}

// sameShape reports where got does not have the shape of doc: a key doc
// does not have (at any depth), a value of another JSON type, a null, a
// key not in camelCase. Arrays are checked element by element against
// doc's first element; maps whose keys are data (counts by reason) are
// objects of numbers in both.
func sameShape(path string, got, doc any) []string {
	switch d := doc.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s is %T, documented an object", path, got)}
		}
		var errs []string
		keys := make([]string, 0, len(g))
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		counts := len(d) > 0 && allNumbers(d)
		for _, k := range keys {
			dv, ok := d[k]
			switch {
			case counts:
				dv = 0.0 // counts by a data key: any key, a number
			case !ok:
				errs = append(errs, fmt.Sprintf("%s.%s is not documented", path, k))
				continue
			case !isCamel(k):
				errs = append(errs, fmt.Sprintf("%s.%s is not camelCase", path, k))
			}
			errs = append(errs, sameShape(path+"."+k, g[k], dv)...)
		}
		return errs
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s is %v, documented a list", path, got)}
		}
		var errs []string
		for i, e := range g {
			if len(d) > 0 {
				errs = append(errs, sameShape(fmt.Sprintf("%s[%d]", path, i), e, d[0])...)
			}
		}
		return errs
	}
	if got == nil {
		return []string{path + " is null"}
	}
	if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", doc) {
		return []string{fmt.Sprintf("%s is %T, documented %T", path, got, doc)}
	}
	return nil
}

func allNumbers(m map[string]any) bool {
	for _, v := range m {
		if _, ok := v.(float64); !ok {
			return false
		}
	}
	return true
}

func isCamel(k string) bool {
	return k != "" && unicode.IsLower(rune(k[0])) && !strings.ContainsAny(k, "_- ")
}

// TestJSONOutputs runs every command with --output json, as a script
// would, and checks each prints one object of the shape README.md
// documents: camelCase keys, lists as lists (empty, never null), objects
// rather than display strings.
func TestJSONOutputs(t *testing.T) {
	docs := documentedJSON(t)
	d := newDemo(t, graphsim.Options{})
	path := func(n string) string { return filepath.Join(d.dir, n) }
	protect := path("protect.txt")
	src := extract(t, d.dir, fixtures.Snapshots()[0])[0]
	type run struct {
		name string
		args []string
		code int
	}
	runs := []run{
		{"export", []string{"export", "--source", src, "--out", path("legacy-file.json")}, 0},
		{"plan", []string{"plan", "--legacy", d.legacy, "--out", d.plan, "--protect", protect}, 0},
		{"review", []string{"review", d.plan}, exitError}, // no terminal: the summary, then exit 1
		{"apply --dry-run", []string{"apply", d.plan, "--dry-run"}, 0},
		{"apply", []string{"apply", d.plan, "--yes"}, 0},
		{"apply", []string{"apply", d.plan, "--yes"}, 0}, // no changes
		{"report", []string{"report", "--plan", d.plan, "--journal", path("run.jsonl"), "--csv", path("r.csv")}, 0},
		{"audit", []string{"audit", "--legacy", d.legacy, "--plan", d.plan, "--protect", protect, "--csv", path("a.csv")}, 0},
		{"rollback", []string{"rollback", "--journal", path("run.jsonl"), "--yes"}, 0},
	}
	seen := map[string]bool{}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			res := d.cli(t, session{}, append([]string{"--output", "json"}, r.args...)...)
			if res.code != r.code {
				t.Fatalf("exit %d, want %d\n%s", res.code, r.code, res.stderr)
			}
			got := checkJSON(t, r.name, res.stdout, docs)
			if r.name == "apply --dry-run" {
				// Nothing applied yet: all it selects, it would send.
				sum, _ := got["summary"].(map[string]any)
				would, _ := got["wouldSend"].([]any)
				if sel, _ := sum["selected"].(float64); len(would) == 0 || int(sel) != len(would) {
					t.Errorf("summary.selected %v, but %d would be sent", sum["selected"], len(would))
				}
			}
			seen[r.name] = true
		})
	}
	seen["demo"] = true // TestDemo checks the demo's
	for name := range docs {
		if !seen[name] {
			t.Errorf("README.md documents the json of %q, which no test checks", name)
		}
	}
}

// checkJSON checks that out is one JSON object of the shape documented for
// name, and returns it.
func checkJSON(t *testing.T, name, out string, docs map[string]any) map[string]any {
	t.Helper()
	doc := docs[name]
	if name == "rollback" {
		doc = docs["apply"] // the same object
	}
	if doc == nil {
		t.Fatalf("README.md documents no json for %s", name)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var got map[string]any
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if dec.More() {
		t.Errorf("more than one JSON value:\n%s", out)
	}
	for _, k := range []string{"command", "line"} {
		if _, ok := got[k].(string); !ok {
			t.Errorf("no %q", k)
		}
	}
	for _, e := range sameShape(name, got, doc) {
		t.Error(e)
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	return got
}

// TestREADMECommandBlock: the command block of README.md ("Commands")
// shows every flag of every command.
func TestREADMECommandBlock(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Commands\n\n```\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("README.md has no command block under ## Commands")
	}
	usage := map[string]string{} // command: its lines
	cmd := ""
	for _, line := range strings.Split(string(m[1]), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "pimmigrate" {
			cmd = f[1]
		}
		usage[cmd] += line + "\n"
	}
	root := newRootCmd(&app{})
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if !strings.Contains(usage[c.Name()], "--"+f.Name+" ") && !strings.Contains(usage[c.Name()], "--"+f.Name+"]") {
				t.Errorf("README.md's command block lacks %s --%s", c.Name(), f.Name)
			}
		})
	}
	if !strings.Contains(usage["--version"], "pimmigrate --version") {
		t.Errorf("README.md's command block lacks pimmigrate --version")
	}
}
