package qemu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// systemBootfs is a bootfs with init, the secfile example, the
// repository's policy and the given system descriptions (name → file in
// the repository).
func systemBootfs(t *testing.T, descs map[string][]byte) string {
	t.Helper()
	files := []bootFile{}
	for _, n := range []string{"init", "secfile"} {
		img, err := os.ReadFile(image(t, n+".elf"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, bootFile{"bin/" + n, img})
	}
	policy, err := os.ReadFile(filepath.Join(Root(), "userspace", "etc", "policy"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, bootFile{"etc/policy", policy})
	for name, data := range descs {
		files = append(files, bootFile{name, data})
	}
	return bootfsOf(t, files...)
}

func readRepo(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bootSystem(t *testing.T, cmdline, stopOn string, descs map[string][]byte) (*Result, string) {
	t.Helper()
	res, err := Boot(Config{
		Kernel:  image(t, "beryl.elf"),
		Cmdline: cmdline,
		Extra:   []string{"-initrd", systemBootfs(t, descs)},
		Timeout: 3 * time.Minute,
		StopOn:  stopOn,
	})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	return res, strings.Join(res.Lines, "\n")
}

// TestSystemSecfile boots the secfile example from its system description
// (etc/system.yaml): init starts three programs with their classes and
// wires two connections with kos_handle_connect_ex before any runs; the
// file provider asks the security module before each request, which
// allows and denies per the policy's security rules, and the kernel logs
// each denial.
func TestSystemSecfile(t *testing.T) {
	res, log := bootSystem(t, "", "init: system: all 3 programs exited",
		map[string][]byte{"etc/system.yaml": readRepo(t, "userspace/examples/secfile/system.yaml")})
	for _, want := range []string{
		"init: system: started files (bin/secfile, class file.server",
		"init: system: started alice (bin/secfile, class file.user.alice",
		"init: system: started bob (bin/secfile, class file.user.bob",
		"init: system: 3 programs started, 2 connections wired",
		`files: class "file.server", serving listener`,
		`alice: class "file.user.alice", client handle`,
		`bob: class "file.user.bob", client handle`,
		// Allowed by the security rules.
		`alice: read /home/alice/notes: ZX_OK "alice's notes" (as expected)`,
		`alice: read /pub/motd: ZX_OK "welcome to Beryl" (as expected)`,
		`bob: write /home/bob/diary: ZX_OK "" (as expected)`,
		`bob: read /home/bob/diary: ZX_OK "dear diary" (as expected)`,
		// Denied, and logged by the kernel like an IPC denial.
		"files: alice read /home/bob/diary: denied by the security module",
		`alice: read /home/bob/diary: ZX_ERR_ACCESS_DENIED "" (as expected)`,
		`denied security: subject "file.server" interface "file" query read s:alice s:/home/bob/diary`,
		`denied security: subject "file.server" interface "file" query write s:alice s:/home/alice/notes`,
		`denied security: subject "file.server" interface "file" query read s:bob s:/home/alice/notes`,
		`denied security: subject "file.server" interface "file" query read s:bob s:/etc/shadow`,
		"alice: all checks passed",
		"bob: all checks passed",
		`files: all clients gone; served 9 requests, 4 denied by the security module; /home/bob/diary = "dear diary"`,
		"init: system: files exited with status 0",
		"init: system: alice exited with status 0",
		"init: system: bob exited with status 0",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(log, "FAIL") {
		t.Errorf("a check failed")
	}
	if t.Failed() || testing.Verbose() {
		t.Log(res.Tail(80))
	}
}

// TestSystemRefused boots descriptions init must refuse: one whose
// connection the policy denies (kernel: denied connect), one naming a
// program the bootfs lacks, one that does not parse. Init reports why and
// starts none of the programs.
func TestSystemRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		desc []byte
		want []string
	}{
		{"denied_connection", readRepo(t, "userspace/examples/secfile/system-denied.yaml"), []string{
			"init: system etc/system.yaml: connection mallory -> files (files, line 22): kos_handle_connect_ex: ZX_ERR_POLICY_DENIED",
			`denied connect: subject "file.user.mallory" object "file.server"`,
		}},
		{"missing_program", []byte("programs:\n  - {name: files, path: bin/secfile, args: [server]}\n  - {name: ghost, path: bin/ghost}\n"), []string{
			`init: system etc/system.yaml: system:3: program "ghost": bin/ghost is not in the boot filesystem`,
		}},
		{"does_not_parse", []byte("programs:\n  - name: files\n    pth: bin/secfile\n"), []string{
			"init: system etc/system.yaml: system:3: field pth not found",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, log := bootSystem(t, "", "init: nothing left to run", map[string][]byte{"etc/system.yaml": c.desc})
			for _, want := range append(c.want, "init: system etc/system.yaml: refusing to start it; nothing of it runs") {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q", want)
				}
			}
			for _, never := range []string{"init: system: started", "files: class", "alice: class"} {
				if strings.Contains(log, never) {
					t.Errorf("log has %q: a program of a refused description ran", never)
				}
			}
			if t.Failed() {
				t.Log(res.Tail(60))
			}
		})
	}
}

// TestSystemResources boots a description whose program lists device
// resources: init creates them from its root resource and starts the
// program with them (reported); a description asking for the kernel's
// own console UART is refused whole (ZX_ERR_NOT_FOUND), nothing runs.
func TestSystemResources(t *testing.T) {
	desc := []byte("programs:\n  - name: drv\n    path: bin/secfile\n    resources: [ioport 0x70 2, irq 8, system power, pci-ecam]\n")
	res, log := bootSystem(t, "", "init: nothing left to run", map[string][]byte{"etc/system.yaml": desc})
	for _, want := range []string{
		"init: system: started drv (bin/secfile, class drv",
		"init: system: drv resources: ioport 0x70 2; irq 8; system power; pci-ecam",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(res.Tail(60))
	}
	bad := []byte("programs:\n  - name: drv\n    path: bin/secfile\n    resources: [ioport 0x3f8 8]\n")
	res, log = bootSystem(t, "", "init: nothing left to run", map[string][]byte{"etc/system.yaml": bad})
	for _, want := range []string{
		`init: system etc/system.yaml: program "drv": resource_create(drv:ioport 0x3f8+0x8): ZX_ERR_NOT_FOUND`,
		"init: system etc/system.yaml: refusing to start it; nothing of it runs",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(log, "init: system: started") {
		t.Error("a program of a refused description ran")
	}
	if t.Failed() {
		t.Log(res.Tail(60))
	}
}
