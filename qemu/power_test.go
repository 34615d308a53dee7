package qemu

import (
	"strings"
	"testing"
	"time"
)

// TestPowerctl types reboot and poweroff into init's shell on a PC (i440FX)
// and on a Q35 machine without PIT and HPET: zx_system_powerctl must end
// QEMU (exit status 0: -no-reboot turns the reset into an exit) and QEMU's
// SHUTDOWN event must give the cause, guest-reset or guest-shutdown.
func TestPowerctl(t *testing.T) {
	for _, machine := range []string{"pc", "q35,pit=off,hpet=off"} {
		for _, c := range []struct{ cmd, line, reason string }{
			{"reboot", "beryl: rebooting", "guest-reset"},
			{"poweroff", "beryl: powering off", "guest-shutdown"},
		} {
			t.Run(strings.ReplaceAll(machine, ",", "_")+"/"+c.cmd, func(t *testing.T) {
				sock := QMPSocket()
				cfg := Config{Kernel: image(t, "beryl.elf"), Extra: []string{"-initrd", image(t, "bootfs.cpio"), "-machine", machine},
					Timeout: 3 * time.Minute, ExitZeroOK: true, QMP: sock}
				qc := make(chan *QMP, 1)
				go func() {
					q, err := DialQMP(sock, 30*time.Second)
					if err != nil {
						t.Error(err)
					}
					qc <- q
				}()
				tr, res, err := runShell(t, cfg, []step{{cmd: c.cmd}})
				if err != nil {
					t.Fatalf("boot: %v\n%s", err, res.Tail(30))
				}
				if !strings.Contains(tr[0].text(), c.line) {
					t.Errorf("no %q line:\n%s", c.line, res.Tail(20))
				}
				if res.ExitCode != 0 {
					t.Errorf("QEMU exit %d, want 0", res.ExitCode)
				}
				q := <-qc
				if q == nil {
					return
				}
				defer q.Close()
				time.Sleep(100 * time.Millisecond) // the event may trail the exit
				if r := q.Shutdown(); r != c.reason {
					t.Errorf("QMP SHUTDOWN reason %q, want %q (events %v)", r, c.reason, q.Events())
				}
			})
		}
	}
}
