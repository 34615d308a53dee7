// Command stdtests runs Go standard-library packages' own tests inside
// Beryl (`go test -exec bin/zxrun`), one package at a time with a time
// limit each (longer for the few in slow), and prints one line per
// package that fails with its cause, then `std: N/M packages pass`
// (`make gotest-std`; CI runs the short list through `make test`).
//
//	go run ./tools/stdtests [-list full|short] [-timeout 5m] [-zxrun bin/zxrun] [PKG...]
//
// The test binaries are static (CGO_ENABLED=0, GOOS=linux); `go test`
// runs each in its package's source directory, which zxrun carries into
// Beryl as the program's world (README, zxrun). The exit status is 1 when
// a package fails.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// full is the list the Linux personality is measured against: common
// packages whose tests exercise files, pipes, processes, signals, time
// and the runtime.
var full = []string{
	"sort", "strings", "bytes", "strconv", "math/big", "sync", "context", "fmt", "bufio",
	"encoding/json", "crypto/sha256", "crypto/aes", "crypto/hmac", "crypto/ed25519", "crypto/rand",
	"compress/gzip", "compress/flate", "regexp", "text/template", "html/template", "go/parser",
	"time", "os", "os/signal", "io", "io/fs", "path/filepath", "net/url", "net/http", "runtime",
	"errors", "unicode/utf8", "encoding/base64", "encoding/hex", "encoding/binary", "container/list",
	"math", "hash/crc32", "path", "slices", "log",
}

// short is the list CI runs: quick packages that between them read
// testdata, write temporary files and use pipes.
var short = []string{"sort", "strconv", "bufio", "errors", "unicode/utf8", "encoding/hex", "container/list", "path", "io", "encoding/base64"}

// slow gives the packages whose -short tests outlast the default limit
// under TCG a longer one. runtime's run at -smp 1 takes about 4 minutes,
// 134 s of it TestMemmoveOverflow (49152 MAP_SHARED|MAP_FIXED mappings of
// one 64 KiB file, each asking fsd for the file's VMO, and 3 GiB copied
// across them both ways), and a loaded host took it past 5 minutes.
var slow = map[string]time.Duration{"runtime": 12 * time.Minute}

// limitFor returns package p's time limit: limit, or slow's longer one.
func limitFor(p string, limit time.Duration) time.Duration {
	if s, ok := slow[p]; ok && s > limit {
		return s
	}
	return limit
}

// cause picks the line that says why a package failed.
var cause = regexp.MustCompile(`--- FAIL: \S+|panic: .*|fatal error: .*|zxrun: .*|test timed out.*|cannot .*`)

func main() {
	list := flag.String("list", "full", "package list: full or short")
	limit := flag.Duration("timeout", 5*time.Minute, "time limit per package")
	zxrun := flag.String("zxrun", "bin/zxrun", "Beryl's zxrun")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = full
		if *list == "short" {
			pkgs = short
		}
	}
	z, err := filepath.Abs(*zxrun)
	if err == nil {
		_, err = os.Stat(z)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "stdtests: zxrun: %v (make builds bin/zxrun)\n", err)
		os.Exit(2)
	}
	pass := 0
	for _, p := range pkgs {
		start := time.Now()
		ok, why := run(p, z, limitFor(p, *limit))
		if ok {
			pass++
			fmt.Printf("ok   %-16s %5.1fs\n", p, time.Since(start).Seconds())
			continue
		}
		fmt.Printf("FAIL %-16s %5.1fs  %s\n", p, time.Since(start).Seconds(), why)
	}
	fmt.Printf("std: %d/%d packages pass\n", pass, len(pkgs))
	if pass != len(pkgs) {
		os.Exit(1)
	}
}

// run tests package p inside Beryl and reports whether it passed, or
// why not.
func run(p, zxrun string, limit time.Duration) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), limit+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-short", "-timeout", limit.String(), "-exec", zxrun, p)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1",
		"ZXRUN_TIMEOUT="+(limit+30*time.Second).String())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return true, ""
	}
	if ctx.Err() != nil {
		return false, fmt.Sprintf("over the %v limit", limit)
	}
	return false, why(out.Bytes(), err)
}

// why returns the first line of a failed run's output that names its
// cause, or err's text.
func why(out []byte, err error) string {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if m := cause.FindString(sc.Text()); m != "" {
			return strings.TrimSpace(m)
		}
	}
	return err.Error()
}
