package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
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

// TestApplyAllDeclinedSaysSo: a plan whose every change a reviewer
// declined sends nothing, and apply says why instead of "all 0 create
// items were already applied".
func TestApplyAllDeclinedSaysSo(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	p, err := migrate.ReadPlanFile(d.plan)
	if err != nil {
		t.Fatal(err)
	}
	no := false
	declined := 0
	for i := range p.Items {
		if p.Items[i].Changes() {
			p.Items[i].Approved = &no
			declined++
		}
	}
	if err := migrate.WritePlanFile(d.plan, p); err != nil {
		t.Fatal(err)
	}
	writes := d.writes()
	r := d.mustRun(t, session{}, "apply", d.plan, "--yes")
	want := fmt.Sprintf("No changes: the plan sends nothing: %d changes were declined in review", declined)
	if !strings.Contains(r.stdout, want) || d.writes() != writes {
		t.Errorf("apply printed\n%s\nwant %q and no writes (%d sent)", r.stdout, want, d.writes()-writes)
	}
}
