package qemu

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// step is one shell command typed on the serial line; after its output,
// the test may wait for a line matching wait (e.g. from a background
// program), whose named groups become {name} placeholders of later
// commands.
type step struct {
	cmd  string
	wait string
}

// transcript is the serial output of one step.
type transcript struct {
	cmd   string
	lines []string
}

func (tr transcript) text() string { return strings.Join(tr.lines, "\n") }

// runShell boots cfg until init's shell is up and types the steps on the
// serial line one by one, each followed by a marker (an unknown command,
// whose one-line error tells where the command's output ends). It
// returns each step's output and the boot's result; the last command may
// end the machine (reboot, poweroff).
func runShell(t *testing.T, cfg Config, steps []step) ([]transcript, *Result, error) {
	t.Helper()
	out := make([]transcript, len(steps))
	vars := map[string]string{}
	cur, waiting := -1, false
	send := func() []byte {
		cur++
		if cur >= len(steps) {
			return nil
		}
		cmd := steps[cur].cmd
		for k, v := range vars {
			cmd = strings.ReplaceAll(cmd, "{"+k+"}", v)
		}
		out[cur].cmd = cmd
		return []byte(fmt.Sprintf("%s\rzzmark%d\r", cmd, cur))
	}
	matched := func(re *regexp.Regexp, l string) bool {
		m := re.FindStringSubmatch(l)
		if m == nil {
			return false
		}
		for i, n := range re.SubexpNames() {
			if n != "" {
				vars[n] = m[i]
			}
		}
		return true
	}
	var all []string
	cfg.OnLine = func(l string) []byte {
		all = append(all, l)
		if strings.Contains(l, "beryl shell: type help") && cur < 0 {
			return send()
		}
		if cur < 0 || cur >= len(steps) {
			return nil
		}
		out[cur].lines = append(out[cur].lines, l)
		if waiting {
			if matched(regexp.MustCompile(steps[cur].wait), l) {
				waiting = false
				return send()
			}
			return nil
		}
		if strings.Contains(l, fmt.Sprintf("zzmark%d: unknown command", cur)) {
			if w := steps[cur].wait; w != "" {
				re := regexp.MustCompile(w)
				for _, prev := range all {
					if matched(re, prev) {
						return send()
					}
				}
				waiting = true
				return nil
			}
			return send()
		}
		return nil
	}
	res, err := Boot(cfg)
	return out, res, err
}

// shellBootfs builds the shell tests' boot filesystem: the default one,
// the kvstore system held after phase one as etc/system.yaml (so that
// processes holding kos handles run beside the shell), and the `system`
// conformance family.
func shellBootfs(t *testing.T) string {
	t.Helper()
	fam := filepath.Join(Root(), "build", "conformance", "system.test")
	if _, err := os.Stat(fam); err != nil {
		t.Fatalf("%s missing: make build/conformance.cpio builds it", fam)
	}
	out := filepath.Join(t.TempDir(), "shell.cpio")
	b := filepath.Join(Root(), "build")
	u := filepath.Join(Root(), "userspace", "etc")
	cmd := exec.Command("go", "run", "./tools/mkbootfs", "-o", out,
		"bin/init="+b+"/init.elf", "bin/hello="+b+"/hello.elf", "bin/crash="+b+"/crash.elf",
		"bin/kvstore="+b+"/kvstore.elf", "etc/policy="+u+"/policy", "etc/trusted="+u+"/trusted",
		"etc/system.yaml="+filepath.Join(Root(), "userspace", "examples", "kvstore", "system-hold.yaml"),
		"bin/conformance/system.test="+fam)
	cmd.Dir = Root()
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkbootfs: %v\n%s", err, o)
	}
	return out
}

// TestShell drives init's shell over the serial line: every command, bad
// commands and arguments (one line each, the shell goes on), a program
// that crashes, background programs, `handles` on a process holding kos
// handles, kill, and poweroff, which ends QEMU as a guest power-off.
func TestShell(t *testing.T) {
	steps := []step{
		{cmd: "help"},
		{cmd: "ps"},
		{cmd: "mem"},
		{cmd: "cpus"},
		{cmd: "run hello a b"},
		{cmd: "run crash"},
		{cmd: "bogus command"},
		{cmd: "handles"},
		{cmd: "handles xyz"},
		{cmd: "handles 999999"},
		{cmd: "kill 999999"},
		{cmd: "run nosuchprogram"},
		{cmd: "run"},
		// The kvstore system (etc/system.yaml: system-hold.yaml) runs
		// beside the shell and holds after phase one.
		{cmd: "mem", wait: `kvstore: holding after phase 1`},
		{cmd: "ps", wait: `^(?P<server>\d+) +process +running +\S+ +kv\.server$`},
		{cmd: "ps", wait: `^(?P<admin>\d+) +process +running +\S+ +kvstore$`},
		{cmd: "ps", wait: `^(?P<client>\d+) +process +running +\S+ +kv\.client\.a$`},
		{cmd: "handles {server}"},
		{cmd: "handles {client}"},
		{cmd: "kill {server}"},
		{cmd: "kill {admin}", wait: `init: system: kvstore exited with status`},
		{cmd: "ps"},
		{cmd: "policy"},
		{cmd: "dmesg"},
		{cmd: "conformance nosuchfamily"},
		{cmd: "conformance system"},
		{cmd: "bench"},
		{cmd: "run hello &", wait: `\[\d+\] hello exited with status 0$`},
		{cmd: "poweroff"},
	}
	sock := QMPSocket()
	cfg := Config{Kernel: image(t, "beryl.elf"), Extra: []string{"-initrd", shellBootfs(t)},
		Timeout: 5 * time.Minute, ExitZeroOK: true, QMP: sock}
	var q *QMP
	go func() { q, _ = DialQMP(sock, 20*time.Second) }()
	tr, res, err := runShell(t, cfg, steps)
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, res.Tail(40))
	}
	got := map[string]string{}
	for i, c := range tr {
		t.Logf("$ %s\n%s", c.cmd, c.text())
		got[steps[i].cmd] += c.text() + "\n" // a repeated command: both outputs
	}
	expect := func(cmd, re string) {
		t.Helper()
		if !regexp.MustCompile(re).MatchString(got[cmd]) {
			t.Errorf("%q: output does not match %s:\n%s", cmd, re, got[cmd])
		}
	}
	for _, name := range []string{"help", "ps", "handles", "run", "kill", "mem", "cpus", "dmesg", "policy", "conformance", "bench", "reboot", "poweroff"} {
		expect("help", `(?m)^  `+name+`\b`)
	}
	expect("ps", `(?m)^\d+ +job +- +- +root$`)
	expect("ps", `(?m)^\d+ +process +running +\d+[KMB] +init$`)
	expect("ps", `(?m)^\d+ +thread +running`)
	expect("mem", `physical: [\d.]+ MiB total, [\d.]+ MiB free`)
	expect("cpus", `(?m)^`+SMP(cfg.SMP)+` CPUs`)
	expect("run hello a b", `hello from ring 3: args=\["hello" "a" "b"\][\s\S]*hello \(koid \d+\) exited with status 0`)
	expect("run crash", `nil pointer dereference[\s\S]*crash \(koid \d+\) exited with status 2`)
	expect("bogus command", `(?m)^bogus: unknown command \(type help\)$`)
	expect("handles", `(?m)^handles: want one koid`)
	expect("handles xyz", `(?m)^handles: "xyz" is not a koid$`)
	expect("handles 999999", `(?m)^handles: no process or job with koid 999999$`)
	expect("kill 999999", `(?m)^kill: no process or job with koid 999999$`)
	expect("run nosuchprogram", `(?m)^run: nosuchprogram: not in the boot filesystem$`)
	expect("run", `(?m)^run: usage: run PROG`)
	psAfter := "" // the ps after the kills: the last one
	for i, st := range steps {
		if st.cmd == "ps" {
			psAfter = tr[i].text()
		}
	}
	for _, name := range []string{"kvstore", `kv\.server`, `kv\.client\.a`, `kv\.client\.b`} {
		expect("ps", `(?m)^\d+ +process +running +\d+[KMB] +`+name+`$`)
		if regexp.MustCompile(`(?m) `+name+`$`).MatchString(psAfter) && name != `kv\.client\.a` && name != `kv\.client\.b` {
			t.Errorf("%s still listed after kill:\n%s", name, psAfter)
		}
	}
	// The server holds its kos server handle, a port and one badge object
	// per client; client a holds its kos client handle and the user-object
	// handles it opened, each carrying the badge the server gave client a,
	// which is one of the server's badge objects.
	expect("handles {server}", `process \d+ \(kv\.server\): \d+ handles`)
	expect("handles {server}", `(?m)^0x[0-9a-f]+ +kos-server +\d+ +\d+ +- +`)
	expect("handles {server}", `(?m)^0x[0-9a-f]+ +port +\d+ +0 +- +dup,xfer,r,w`)
	expect("handles {client}", `process \d+ \(kv\.client\.a\): \d+ handles`)
	badges := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^0x[0-9a-f]+ +kos-badge +(\d+) `).FindAllStringSubmatch(got["handles {server}"], -1) {
		badges[m[1]] = true
	}
	badged := 0
	for _, m := range regexp.MustCompile(`(?m)^0x[0-9a-f]+ +kos-\S+ +\d+ +\d+ +(\d+) `).FindAllStringSubmatch(got["handles {client}"], -1) {
		badged++
		if !badges[m[1]] {
			t.Errorf("client a's handle carries badge %s, not one of the server's badges %v", m[1], badges)
		}
	}
	if len(badges) < 2 || badged == 0 {
		t.Errorf("%d server badges, %d badged client handles; want >= 2 and >= 1", len(badges), badged)
	}
	expect("kill {server}", `(?m)^killed process \d+$`)
	expect("kill {admin}", `(?m)^killed process \d+$`)
	expect("policy", `(?m)^allow call kvstore +kv\.server 2 \*$`)
	expect("dmesg", `(?m)^\[ *\d+\.\d+\] kernel: I boot: clock: TSC \d+\.\d+ MHz from `)
	expect("conformance nosuchfamily", `(?m)^conformance: no family "nosuchfamily"; have system$`)
	expect("conformance system", `(?m)^conformance system: ok\nconformance: 1 families, 0 failed$`)
	expect("bench", `(?m)^syscall \(clock_get_monotonic\) +\d+ ns/op`)
	expect("bench", `(?m)^channel write\+read 64 B +\d+ ns/op`)
	expect("run hello &", `(?m)^\[\d+\] hello started$`)
	expect("poweroff", `beryl: powering off`)
	if res.ExitCode != 0 {
		t.Errorf("QEMU exit %d, want 0 (ACPI power-off)", res.ExitCode)
	}
	if q != nil {
		if r := q.Shutdown(); r != "guest-shutdown" {
			t.Errorf("QMP SHUTDOWN reason %q, want guest-shutdown", r)
		}
	} else {
		t.Errorf("no QMP connection")
	}
}
