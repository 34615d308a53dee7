package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/u-root/u-root/pkg/cpio"
)

// worldRoot is where init looks for the files it serves at "/" (their
// host paths below it), worldCwd the working directory's path.
const (
	worldRoot = "zxrun/root"
	worldCwd  = "etc/zxrun/cwd"
)

// Limits on the current directory zxrun carries.
const (
	defaultTreeMax = 64 // MiB
	treeMaxFiles   = 20000
)

// goroot is the Go toolchain's root: $GOROOT, `go env GOROOT`, or the
// one zxrun was built with.
func goroot() string {
	if g := os.Getenv("GOROOT"); g != "" {
		return g
	}
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if g := strings.TrimSpace(string(out)); g != "" {
			return g
		}
	}
	return runtime.GOROOT()
}

// worldFiles returns the records of the program's world: the current
// directory's regular files and the toolchain's zoneinfo, at their
// absolute paths under worldRoot, and the working directory.
func worldFiles() ([]cpio.Record, error) {
	var recs []cpio.Record
	// The toolchain's zoneinfo, and the test data its source tree shares
	// between packages (compress/flate reads ../../testdata).
	root := goroot()
	shared := []string{filepath.Join(root, "lib", "time", "zoneinfo.zip")}
	if ents, err := os.ReadDir(filepath.Join(root, "src", "testdata")); err == nil {
		for _, e := range ents {
			if e.Type().IsRegular() {
				shared = append(shared, filepath.Join(root, "src", "testdata", e.Name()))
			}
		}
	}
	for _, p := range shared {
		if data, err := os.ReadFile(p); err == nil {
			recs = append(recs, cpio.StaticRecord(data, cpio.Info{Name: worldRoot + p, Mode: cpio.S_IFREG | 0o644}))
		}
	}
	if os.Getenv("ZXRUN_CWD") == "none" {
		return recs, nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	max := int64(defaultTreeMax)
	if v := os.Getenv("ZXRUN_TREE_MAX"); v != "" {
		if max, err = strconv.ParseInt(v, 10, 64); err != nil || max <= 0 {
			return nil, fmt.Errorf("ZXRUN_TREE_MAX: %q is not a positive number of MiB", v)
		}
	}
	var files []string
	var total int64
	err = filepath.WalkDir(cwd, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: left out
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		info, err := os.Stat(p) // follows symlinks
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		files = append(files, p)
		total += info.Size()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if total > max<<20 || len(files) > treeMaxFiles {
		return nil, fmt.Errorf("the current directory %s holds %.1f MiB in %d files, over zxrun's limit of %d MiB in %d files "+
			"(the program sees it read-only; set ZXRUN_TREE_MAX=MiB to raise the size limit, or ZXRUN_CWD=none to leave it out)",
			cwd, float64(total)/(1<<20), len(files), max, treeMaxFiles)
	}
	files = append(files, parentSources(cwd)...)
	files = append(files, stdShared(root, cwd)...)
	seen := map[string]bool{}
	for _, p := range files {
		if seen[p] {
			continue
		}
		seen[p] = true
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		mode := uint64(0o644)
		if info, err := os.Stat(p); err == nil && info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		recs = append(recs, cpio.StaticRecord(data, cpio.Info{Name: worldRoot + p, Mode: cpio.S_IFREG | mode}))
	}
	recs = append(recs, cpio.StaticFile(worldCwd, cwd, 0o644))
	return recs, nil
}

// Limits on the parent directory's Go sources zxrun adds.
const (
	parentMax      = 16 << 20
	parentMaxFiles = 3000
)

// parentSources returns the Go source files (*.go, outside testdata)
// of the current directory's parent tree, the current directory left
// out: tests read their sibling packages' sources (go/parser reads
// ../printer/nodes.go, path/filepath ../filepath/match.go). If they
// exceed parentMax bytes or parentMaxFiles files (a parent such as
// GOROOT/src) none are added.
func parentSources(cwd string) []string {
	parent := filepath.Dir(cwd)
	if parent == cwd {
		return nil
	}
	var files []string
	var total int64
	filepath.WalkDir(parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p == cwd || d.Name() == "testdata" || d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			files = append(files, p)
			total += info.Size()
		}
		if total > parentMax || len(files) > parentMaxFiles {
			return filepath.SkipAll
		}
		return nil
	})
	if total > parentMax || len(files) > parentMaxFiles {
		return nil
	}
	return files
}

// stdSharedDirs are GOROOT/src trees that standard-library tests read
// from another package's directory (path/filepath's TestBug3486 walks
// src/unicode); under 1 MiB together.
var stdSharedDirs = []string{"unicode"}

// stdShared returns the files of stdSharedDirs when cwd is a package
// directory of GOROOT/src (a standard-library test), else none.
func stdShared(root, cwd string) []string {
	src := filepath.Join(root, "src")
	if !strings.HasPrefix(cwd, src+string(filepath.Separator)) {
		return nil
	}
	var files []string
	for _, d := range stdSharedDirs {
		filepath.WalkDir(filepath.Join(src, d), func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
	}
	return files
}
