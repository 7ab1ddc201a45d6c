//go:build unix

package migrate

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteFileAtomicMode: the files pimmigrate writes list who holds which
// role, so a new one is 0600 whatever the umask, and a file being replaced
// keeps the mode its owner gave it.
func TestWriteFileAtomicMode(t *testing.T) {
	umask := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(umask) })
	tests := []struct {
		name   string
		before fs.FileMode // 0: the file does not exist yet
		want   fs.FileMode
	}{
		{name: "new file", want: 0o600},
		{name: "replaced 0640 file keeps 0640", before: 0o640, want: 0o640},
		{name: "replaced 0600 file keeps 0600", before: 0o600, want: 0o600},
		{name: "replaced 0644 file keeps 0644", before: 0o644, want: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.json")
			if tt.before != 0 {
				if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.before); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != tt.want {
				t.Errorf("mode %04o, want %04o", got, tt.want)
			}
		})
	}
}
