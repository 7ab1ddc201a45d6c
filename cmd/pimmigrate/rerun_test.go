package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/graphsim"
)

// TestReapplyFinishedPlan: applying a plan its journal has finished says
// so, the way terraform says "No changes": nothing sent, nothing asked,
// exit 0, on a terminal or not, in text or JSON.
func TestReapplyFinishedPlan(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	journal := filepath.Join(d.dir, "run.jsonl")
	d.mustRun(t, session{}, "apply", d.plan, "--yes")
	writes, requests := d.writes(), d.srv.Stats().Requests
	const want = "No changes: all 112 create items were already applied (112 created, 0 already existed), as " + "%s records."
	for _, tt := range []struct {
		name string
		s    session
		args []string
	}{
		{"terminal, nothing typed", session{tty: true}, nil},
		{"no terminal, no --yes", session{}, nil},
		{"--yes", session{}, []string{"--yes"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := d.cli(t, tt.s, append([]string{"apply", d.plan}, tt.args...)...)
			if r.code != exitOK {
				t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
			}
			if w := strings.Replace(want, "%s", journal, 1); !strings.Contains(r.stdout, w) {
				t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
			}
			for _, not := range []string{"This run sends", "Type yes", "Applied "} {
				if strings.Contains(r.stdout+r.stderr, not) {
					t.Errorf("a finished plan's apply says %q:\n%s%s", not, r.stdout, r.stderr)
				}
			}
		})
	}
	if d.writes() != writes || d.srv.Stats().Requests != requests {
		t.Errorf("re-applying a finished plan made %d writes, %d requests", d.writes()-writes, d.srv.Stats().Requests-requests)
	}
}
