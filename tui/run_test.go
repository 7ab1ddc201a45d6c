package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// TestRun drives the real program with typed keys, as a terminal would
// send them: decline everything, approve what a search shows, save, quit.
func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	p := testPlan(40)
	if err := migrate.WritePlanFile(path, p); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	res, err := Run(ctx, p, strings.NewReader("A/brian\rawq"), &out, Options{Path: path, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	got, err := migrate.ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	approvedKeys := []string{}
	for i := range got.Items {
		it := &got.Items[i]
		if reviewOf(it) == approved {
			approvedKeys = append(approvedKeys, it.Principal.DisplayName+" "+it.Role.DisplayName)
		}
	}
	want := Result{Saved: true, Approved: 2, Declined: 22, Unreviewed: 0}
	if res != want || got.Summary.Approved != 2 || got.Summary.Declined != 22 {
		t.Errorf("result %+v, saved summary %d approved %d declined; want %+v", res, got.Summary.Approved, got.Summary.Declined, want)
	}
	if strings.Join(approvedKeys, ", ") != "Brian Vance Security Administrator, Brian Vance Privileged Role Administrator" {
		t.Errorf("approved: %v", approvedKeys)
	}
	if !strings.Contains(out.String(), "\x1b[?1049h") || !strings.Contains(out.String(), "\x1b[?1049l") {
		t.Errorf("the program did not use and leave the alternate screen:\n%q", out.String())
	}
}

func TestRunCancelled(t *testing.T) {
	p := testPlan(40)
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	defer w.Close()
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, p, r, io.Discard, Options{Now: func() time.Time { return testNow }})
		done <- err
	}()
	if _, err := w.Write([]byte(" ")); err != nil { // approve one, not saved
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}
