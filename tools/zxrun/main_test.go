package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"
)

// readBootfs returns the regular files of a newc archive by name.
func readBootfs(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := cpio.ReadAllRecords(cpio.Newc.Reader(f))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, r := range recs {
		if r.Mode&cpio.S_IFMT != cpio.S_IFREG {
			continue
		}
		b, err := io.ReadAll(io.NewSectionReader(r.ReaderAt, 0, int64(r.FileSize)))
		if err != nil {
			t.Fatal(err)
		}
		files[r.Name] = string(b)
	}
	return files
}

func write(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPolicyPath: the policy is userspace/etc/policy of the directory
// holding the kernel's build directory — for the default kernel path, the
// repository's boot policy.
func TestPolicyPath(t *testing.T) {
	if got, want := policyPath("/repo/build/beryl.elf"), filepath.FromSlash("/repo/userspace/etc/policy"); got != want {
		t.Errorf("policyPath = %q, want %q", got, want)
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	p := policyPath(filepath.Join(repo, "build", "beryl.elf"))
	var warn strings.Builder
	data, err := bootPolicy(p, &warn)
	if err != nil || warn.Len() != 0 {
		t.Fatalf("repository policy %s: %v, warning %q", p, err, warn.String())
	}
	if !strings.Contains(string(data), "kv.server") {
		t.Errorf("%s is not the boot policy:\n%s", p, data)
	}
}

func TestBootPolicy(t *testing.T) {
	dir := t.TempDir()
	good := write(t, filepath.Join(dir, "good"), "default allow\ndeny call a b 1 *\n")
	bad := write(t, filepath.Join(dir, "bad"), "default allow\ndeny call a b one *\n")
	for _, c := range []struct {
		name, path string
		want       string // policy text; "" for none
		warn, err  bool
	}{
		{"present", good, "default allow\ndeny call a b 1 *\n", false, false},
		{"missing", filepath.Join(dir, "none"), "", true, false},
		{"does not parse", bad, "", false, true},
		{"not a file", dir, "", false, true},
	} {
		var warn strings.Builder
		data, err := bootPolicy(c.path, &warn)
		if (err != nil) != c.err || (warn.Len() != 0) != c.warn || string(data) != c.want {
			t.Errorf("%s: policy %q, error %v, warning %q", c.name, data, err, warn.String())
		}
		if c.err && err != nil && !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: error %q does not name the file", c.name, err)
		}
		if c.want == "" && data != nil {
			t.Errorf("%s: got a policy", c.name)
		}
	}
}

// TestBootfs: the archive holds init, the program under bin/, its
// arguments, the environment and etc/policy exactly when there is one.
func TestBootfs(t *testing.T) {
	dir := t.TempDir()
	initImg := write(t, filepath.Join(dir, "init.elf"), "INIT")
	prog := write(t, filepath.Join(dir, "prog", "kos.test"), "PROGRAM")
	t.Setenv("ZXRUNTEST_PASSED", "v") // a program's variable
	t.Setenv("ZXRUN_TIMEOUT", "1m")   // zxrun's own: not passed on
	for _, policy := range []string{"default allow\n", ""} {
		out := t.TempDir()
		var pol []byte
		if policy != "" {
			pol = []byte(policy)
		}
		path, err := bootfs(out, initImg, pol, prog, []string{"-test.v", "a b"})
		if err != nil {
			t.Fatal(err)
		}
		files := readBootfs(t, path)
		if files["bin/init"] != "INIT" || files["bin/kos.test"] != "PROGRAM" ||
			files["etc/zxrun/args"] != "kos.test\x00-test.v\x00a b\x00" ||
			!strings.Contains(files["etc/zxrun/env"], "\x00ZXRUNTEST_PASSED=v\x00") && !strings.HasPrefix(files["etc/zxrun/env"], "ZXRUNTEST_PASSED=v\x00") ||
			strings.Contains(files["etc/zxrun/env"], "ZXRUN_TIMEOUT") {
			t.Errorf("bootfs %v", files)
		}
		got, ok := files[policyName]
		if (policy != "") != ok || got != policy {
			t.Errorf("policy %q: etc/policy %q (present %v)", policy, got, ok)
		}
	}
	if _, err := bootfs(t.TempDir(), initImg, nil, write(t, filepath.Join(dir, "init"), "x"), nil); err == nil {
		t.Error("a program named init was accepted")
	}
}

// TestExtraFiles: ZXRUN_FILES adds files to the boot filesystem and
// rejects entries that would replace init, the policy or zxrun's own.
func TestExtraFiles(t *testing.T) {
	dir := t.TempDir()
	initImg := write(t, filepath.Join(dir, "init.elf"), "INIT")
	prog := write(t, filepath.Join(dir, "soak.elf"), "SOAK")
	extra := write(t, filepath.Join(dir, "fuzz.elf"), "FUZZ")
	t.Setenv("ZXRUN_FILES", "bin/kernelfuzz="+extra+"  bin/conformance/x.test="+extra)
	path, err := bootfs(t.TempDir(), initImg, nil, prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := readBootfs(t, path)
	if files["bin/kernelfuzz"] != "FUZZ" || files["bin/conformance/x.test"] != "FUZZ" || files["bin/soak.elf"] != "SOAK" {
		t.Errorf("bootfs %v", files)
	}
	for _, bad := range []string{"bin/init=" + extra, "etc/policy=" + extra, "etc/zxrun/args=" + extra, "noequals", "bin/x=" + dir + "/missing"} {
		t.Setenv("ZXRUN_FILES", bad)
		if _, err := bootfs(t.TempDir(), initImg, nil, prog, nil); err == nil {
			t.Errorf("ZXRUN_FILES=%q accepted", bad)
		}
	}
}
