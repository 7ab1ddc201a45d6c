package migrate

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// privateMode is the mode of a new file: legacy.json, plan.json and the
// reports list who holds which role, break-glass accounts included.
const privateMode fs.FileMode = 0o600

// WriteFileAtomic writes a file so that it is either whole or absent: write
// writes to a temporary file in the same directory, which is synced, closed
// and renamed over path, and the directory is synced. On any error the
// temporary file is removed and path is left as it was.
//
// A new file is readable by its owner only (0600, whatever the umask); a
// file being replaced keeps its permission bits, so one an admin shared
// with a group (0640) stays shared.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	mode := privateMode
	if st, serr := os.Stat(path); serr == nil && st.Mode().IsRegular() {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err = write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Chmod(tmp, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}
