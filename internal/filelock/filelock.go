package filelock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrLocked is wrapped when another process holds the lock.
var ErrLocked = errors.New("in use by another pimmigrate process")

// Lock is a held lock. Unlock releases it.
type Lock struct {
	f *os.File
}

// Path is the companion file that locks path.
func Path(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// Acquire locks path for this process, at once or not at all. holder says
// who is asking (e.g. "pimmigrate apply plan.json (pid 4242 on host, since
// 10:03:11Z)"); a process refused later is told it. The error for a lock
// held elsewhere wraps ErrLocked and names the holder.
func Acquire(path, holder string) (*Lock, error) {
	lp := Path(path)
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lock(f); err != nil {
		b, _ := io.ReadAll(io.LimitReader(f, 512))
		f.Close()
		if errors.Is(err, errWouldBlock) {
			who := strings.TrimSpace(string(b))
			if who == "" {
				who = "another process"
			}
			return nil, fmt.Errorf("%s is %w: %s; wait for it to finish (or stop it), then run this again", path, ErrLocked, who)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Best effort: the lock is what counts, the name is for messages.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(holder+"\n"), 0)
		f.Sync()
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock. The companion file stays.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the only descriptor releases the lock
	l.f = nil
	return err
}
