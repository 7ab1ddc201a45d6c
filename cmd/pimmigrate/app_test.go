package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/migrate"
)

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs one command line with captured streams, a fixed clock and an
// empty environment.
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	return runCLIEnv(t, nil, args...)
}

// runCLIEnv is runCLI with environment variables.
func runCLIEnv(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }, now: func() time.Time { return testNow }}
	code := run(context.Background(), args, a)
	return result{code, out.String(), errb.String()}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", []string{"export", "--sauce", "x"}, "unknown flag"},
		{"export without source", []string{"export", "--out", filepath.Join(dir, "l.json")}, "--source is required"},
		{"export without out", []string{"export", "--source", "x.json"}, "--out is required"},
		{"plan without legacy", []string{"plan", "--out", "p.json", "--offline"}, "--legacy is required"},
		{"plan bad eligible-as", []string{"plan", "--legacy", "l.json", "--out", "p.json", "--eligible-as", "standing"}, "--eligible-as"},
		{"plan bad as-of", []string{"plan", "--legacy", "l.json", "--out", "p.json", "--as-of", "yesterday"}, "--as-of"},
		{"bad output", []string{"--output", "yaml", "export", "--source", "x", "--out", "y"}, "--output"},
		{"bad auth", []string{"--auth", "password", "export", "--source", "x", "--out", "y"}, "--auth"},
		{"bad cloud", []string{"--cloud", "usgovhigh", "export", "--source", "x", "--out", "y"}, "--cloud"},
		{"stray argument", []string{"export", "--source", "x", "--out", "y", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, exitUsage, tt.want)
			}
		})
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, cmd := range [][]string{{"--help"}, {"export", "--help"}, {"plan", "--help"}, {"review", "--help"}, {"apply", "--help"},
		{"report", "--help"}, {"audit", "--help"}, {"rollback", "--help"}, {"demo", "--help"}} {
		r := runCLI(t, cmd...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%v: exit %d, no examples in:\n%s", cmd, r.code, r.stdout)
		}
	}
}

const (
	alice = "a11ce000-0000-4000-8000-000000000001"
	bob   = "b0b00000-0000-4000-8000-000000000002"
	ga    = "62e90394-69f5-4237-9190-012177145e10"
	sec   = "194ae4cb-b126-40b2-bd5b-6091b380977d"
)

// page is a small iteration-1 Graph page: permanent, eligible, expired,
// and one record with a malformed GUID.
var page = `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedRoleAssignments","value":[
{"id":"` + alice + `_` + ga + `","userId":"` + alice + `","roleId":"` + ga + `","isElevated":true,"expirationDateTime":null},
{"id":"` + strings.ToUpper(bob+`_`+ga) + `","userId":"` + bob + `","roleId":"` + ga + `","isElevated":false,"expirationDateTime":null},
{"id":"` + bob + `_` + sec + `","userId":"` + bob + `","roleId":"` + sec + `","isElevated":false,"expirationDateTime":"2026-01-01T00:00:00Z"},
{"userId":"not-a-guid","roleId":"` + sec + `","isElevated":false}
]}`

func TestExportAndOfflinePlan(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, dir, "page.json", page)
	legacy := filepath.Join(dir, "legacy.json")
	r := runCLI(t, "export", "--source", src, "--out", legacy)
	if r.code != 0 {
		t.Fatalf("export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Exported 3 assignments") || !strings.Contains(r.stderr, "malformed-guid") {
		t.Errorf("export output:\n%s\n%s", r.stdout, r.stderr)
	}
	protect := writeFile(t, dir, "protect.txt", "# break glass\n"+alice+"\n")
	plan := filepath.Join(dir, "plan.json")
	r = runCLI(t, "plan", "--offline", "--legacy", legacy, "--out", plan, "--protect", protect)
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := "Plan: 1 to create (1 eligibility), 0 already present, 2 skipped.\n"
	if !strings.HasPrefix(r.stdout, want) {
		t.Errorf("plan stdout:\n%s\nwant it to start with %q", r.stdout, want)
	}
	for _, s := range []string{"expired", "protected", "principal-unverified", "Rejected at export: 1 record"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("plan stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "offline plan") {
		t.Errorf("plan stderr does not say the plan is offline: %s", r.stderr)
	}

	r = runCLI(t, "--output", "json", "plan", "--offline", "--legacy", legacy, "--out", plan, "--as-of", "2025-06-01T00:00:00Z")
	var got planResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("--output json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	if got.Summary.Create != 3 || got.Summary.Rejected != 1 {
		t.Errorf("as of 2025 nothing has expired: %+v", got.Summary)
	}
}

// TestCloudFlag: --cloud chooses the Graph a plan is made for, and
// --graph-url overrides that endpoint alone. (migrate/graph's
// TestCloudSignIn checks the authority and scope each cloud signs in with.)
func TestCloudFlag(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy.json")
	if r := runCLI(t, "export", "--source", writeFile(t, dir, "page.json", page), "--out", legacy); r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"default", nil, "https://graph.microsoft.com"},
		{"global", []string{"--cloud", "global"}, "https://graph.microsoft.com"},
		{"usgov", []string{"--cloud", "usgov"}, "https://graph.microsoft.us"},
		{"usgovdod", []string{"--cloud", "usgovdod"}, "https://dod-graph.microsoft.us"},
		{"china", []string{"--cloud", "china"}, "https://microsoftgraph.chinacloudapi.cn"},
		{"graph-url overrides", []string{"--cloud", "usgov", "--graph-url", "http://127.0.0.1:8080"}, "http://127.0.0.1:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := filepath.Join(t.TempDir(), "plan.json")
			r := runCLI(t, append(tt.flags, "plan", "--offline", "--legacy", legacy, "--out", plan)...)
			if r.code != 0 {
				t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
			}
			p, err := migrate.ReadPlanFile(plan)
			if err != nil {
				t.Fatal(err)
			}
			if p.GraphURL != tt.want {
				t.Errorf("plan made for %s, want %s", p.GraphURL, tt.want)
			}
		})
	}
}

func TestExportRefusesNonSnapshots(t *testing.T) {
	tests := map[string]string{
		"empty":     "",
		"html":      "<!DOCTYPE html><html><body>Sign in to continue</body></html>",
		"truncated": page[:len(page)/2],
		"binary":    "\x00\x01\x02PK\x03\x04",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			good := writeFile(t, dir, "good.json", page)
			bad := writeFile(t, dir, "bad.json", content)
			out := filepath.Join(dir, "legacy.json")
			r := runCLI(t, "export", "--source", good, "--source", bad, "--out", out)
			if r.code != exitError || !strings.Contains(r.stderr, bad) {
				t.Fatalf("exit %d, stderr %q; want exit 1 naming %s", r.code, r.stderr, bad)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("legacy.json was written: %v", err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 2 {
				t.Errorf("files left behind: %v", ents)
			}
		})
	}
}

func TestExportMissingFile(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, "export", "--source", filepath.Join(dir, "nope.json"), "--out", filepath.Join(dir, "l.json"))
	if r.code != exitError || !strings.Contains(r.stderr, "nope.json") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestCommonMistakesSayWhatToDo: the errors a newcomer meets first name
// the fix.
func TestCommonMistakesSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
		code int      // exit code, exitError if 0
		once []string // said exactly once
	}{
		{"legacy file not found", nil, []string{"plan", "--offline", "--legacy", filepath.Join(dir, "nope.json"), "--out", filepath.Join(dir, "p.json")},
			[]string{"nope.json", "check the path"}, 0, nil},
		{"source file not found", nil, []string{"export", "--source", filepath.Join(dir, "nope.json"), "--out", filepath.Join(dir, "l.json")},
			[]string{"nope.json"}, 0, []string{"check the"}},
		{"unknown flag of a subcommand", nil, []string{"plan", "--bogus"}, []string{"unknown flag: --bogus", "Run 'pimmigrate plan --help' for usage."}, exitUsage, nil},
		{"mistyped command", nil, []string{"aply"}, []string{`unknown command "aply"; did you mean apply?`, "Run 'pimmigrate --help' for usage."}, exitUsage, nil},
		{"apply without a plan", nil, []string{"apply"}, []string{"apply needs the plan file to apply: pimmigrate apply plan.json", "Run 'pimmigrate apply --help'"}, exitUsage, nil},
		{"--eligible-as", nil, []string{"plan", "--offline", "--legacy", "l.json", "--out", "p.json", "--eligible-as", "standing"},
			[]string{`pimmigrate: plan: --eligible-as "standing"`}, exitUsage, nil},
		{"plan not found", nil, []string{"apply", filepath.Join(dir, "nope-plan.json"), "--yes"}, []string{"nope-plan.json", "check the path"}, 0, nil},
		{"no token", nil, []string{"--auth", "token", "--graph-url", "http://127.0.0.1:9", "export", "--source", "beta", "--out", filepath.Join(dir, "l.json")},
			[]string{"PIMMIGRATE_TOKEN"}, 0, nil},
		{"env credential without variables", map[string]string{}, []string{"--auth", "env", "--graph-url", "http://127.0.0.1:9", "export", "--source", "beta", "--out", filepath.Join(dir, "l.json")},
			[]string{"--auth env", "README"}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != nil {
				for _, k := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME"} {
					t.Setenv(k, "")
				}
			}
			r := runCLIEnv(t, tt.env, tt.args...)
			if tt.code == 0 {
				tt.code = exitError
			}
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q lacks %q", r.stderr, w)
				}
			}
			for _, w := range tt.once {
				if n := strings.Count(r.stderr, w); n != 1 {
					t.Errorf("stderr says %q %d times, want once: %q", w, n, r.stderr)
				}
			}
		})
	}
}

// TestIsTerminal: only a terminal is one. /dev/null is a character device
// too, yet nobody types at it: `apply plan.json </dev/null` must not ask.
func TestIsTerminal(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	regular, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	for _, tt := range []struct {
		name string
		f    *os.File
	}{{"/dev/null", devnull}, {"pipe", pr}, {"regular file", regular}} {
		if isTerminal(tt.f) {
			t.Errorf("%s is taken for a terminal", tt.name)
		}
	}
}

// TestVersion: --version and the reports' "Tool version" name the module
// version and the commit it was built from, and say when the checkout had
// changes.
func TestVersion(t *testing.T) {
	const rev = "9e932e6a1b2c3d4e5f60718293a4b5c6d7e8f901"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "devel"},
		{"go install of a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"a tag built from its checkout", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: vcs("false")}, "v1.4.0 (9e932e6a1b2c)"},
		{"a checkout with changes", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, "devel (9e932e6a1b2c, modified)"},
		{"go run", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionOf(tt.bi); got != tt.want {
				t.Errorf("versionOf = %q, want %q", got, tt.want)
			}
		})
	}
	r := runCLI(t, "--version")
	if r.code != exitOK || r.stdout != "pimmigrate "+version()+"\n" {
		t.Errorf("--version: exit %d, %q", r.code, r.stdout)
	}
}

// TestExportSays: export's lines say what is so: a page's nextLink is a
// warning only when no last page of its collection was given, and a fold
// is mentioned only when something was folded.
func TestExportSays(t *testing.T) {
	tests := []struct {
		name      string
		sources   []string
		want, not []string
	}{
		{"page 1 alone", []string{fixtures.Iteration1Page1}, []string{"export the next page too"}, []string{"folded"}},
		{"both pages", []string{fixtures.Iteration1Page1, fixtures.Iteration1Page2}, nil, []string{"export the next page too", "folded"}},
		{"the same records twice", []string{fixtures.Iteration1Page1, fixtures.Iteration1Page2, fixtures.Iteration1Array},
			[]string{"records folded into others"}, []string{"export the next page too"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"export", "--out", filepath.Join(dir, "legacy.json")}
			for _, p := range extract(t, dir, tt.sources...) {
				args = append(args, "--source", p)
			}
			r := runCLI(t, args...)
			if r.code != exitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(r.stdout, n) {
					t.Errorf("stdout says %q:\n%s", n, r.stdout)
				}
			}
		})
	}
}
