package main

import (
	"os"
	"path/filepath"
)

// namedFile is a file given on the command line and what named it: a flag
// ("--csv") or an argument ("the plan argument").
type namedFile struct{ name, path string }

// distinctOutputs refuses, as a usage error, an output that is one of the
// command's inputs, or two outputs that are one file: writing it would
// replace the input (report --csv run.jsonl replaces the journal rollback
// needs). Empty paths are not given and are skipped.
func distinctOutputs(verb string, outputs, inputs []namedFile) error {
	for i, out := range outputs {
		if out.path == "" {
			continue
		}
		for _, in := range inputs {
			if in.path != "" && sameFile(out.path, in.path) {
				return usagef("%s: %s %s is the same file as %s %s: writing it would replace that input; give %s another path",
					verb, out.name, out.path, in.name, in.path, out.name)
			}
		}
		for _, other := range outputs[i+1:] {
			if other.path != "" && sameFile(out.path, other.path) {
				return usagef("%s: %s %s and %s %s name the same file; give each its own path",
					verb, out.name, out.path, other.name, other.path)
			}
		}
	}
	return nil
}

// sameFile reports whether a and b are one file: by identity when both exist
// (a symbolic link, a hard link and any spelling of a path are the file
// itself), else by their absolute, cleaned paths with the links in their
// directories followed.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	return resolvedPath(a) == resolvedPath(b)
}

// resolvedPath is p made absolute and clean, with the symbolic links of its
// directory followed when the directory exists.
func resolvedPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	dir, base := filepath.Split(abs)
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(d, base)
	}
	return abs
}
