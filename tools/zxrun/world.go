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
	if zi := filepath.Join(goroot(), "lib", "time", "zoneinfo.zip"); zi != "" {
		if data, err := os.ReadFile(zi); err == nil {
			recs = append(recs, cpio.StaticRecord(data, cpio.Info{Name: worldRoot + zi, Mode: cpio.S_IFREG | 0o644}))
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
	for _, p := range files {
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
