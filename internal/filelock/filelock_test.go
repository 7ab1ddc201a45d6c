package filelock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSecondLockIsRefusedAndNamesTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	l, err := Acquire(path, "pimmigrate apply plan.json (pid 1 on a-host)")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path, "pimmigrate rollback")
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pimmigrate apply plan.json (pid 1 on a-host)") || !strings.Contains(err.Error(), path) {
		t.Fatalf("second lock: %v; want ErrLocked naming the file and the holder", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(path, "pimmigrate rollback")
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	l2.Unlock()
	if fi, err := os.Stat(Path(path)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, mode %v; want it kept, 0600", err, fi.Mode())
	}
}

// TestKilledHolderReleasesTheLock: a holder killed with SIGKILL never
// leaves a lock behind.
func TestKilledHolderReleasesTheLock(t *testing.T) {
	if os.Getenv("FILELOCK_HOLD") != "" {
		if _, err := Acquire(os.Getenv("FILELOCK_HOLD"), "held by the child"); err != nil {
			os.Exit(2)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledHolderReleasesTheLock$")
	cmd.Env = append(os.Environ(), "FILELOCK_HOLD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child: %q, %v", buf, err)
	}
	if _, err := Acquire(path, "parent"); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "held by the child") {
		t.Fatalf("while the child holds it: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(path, "parent")
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Unlock()
}
