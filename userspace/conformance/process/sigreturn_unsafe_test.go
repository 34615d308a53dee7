package process

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/zx"
)

// badRIPs are instruction pointers the CPU refuses to IRETQ to (not
// canonical) or that lie in the kernel half.
var badRIPs = []uint64{0x0000_8000_0000_0000, 0x8000_0000_0000_0000, 0xffff_ffff_8020_0000}

// badSigreturn is the worker that calls rt_sigreturn, from a raw thread,
// on a frame whose RIP is badRIPs[i]. The kernel must kill only this
// process, as for any bad signal frame.
func badSigreturn(i int) int {
	// A zeroed ucontext whose uc_mcontext.rip (offset 40+128) is the bad
	// address and rsp (40+120) points back at the frame.
	frame := make([]byte, 4096)
	base := uint64(uintptr(unsafe.Pointer(&frame[0])))
	binary.LittleEndian.PutUint64(frame[160:], base)
	binary.LittleEndian.PutUint64(frame[168:], badRIPs[i])
	code := []byte{0x48, 0x89, 0xfc, 0xb8, 15, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b} // mov rsp, rdi; mov eax, 15; syscall; ud2
	if err := runRaw(code, base); err != nil {
		fmt.Fprintln(os.Stderr, "sigreturn:", err)
		return 60
	}
	time.Sleep(5 * time.Second)
	return 62 // still alive
}

// runRaw runs code on a new zx thread of this process with arg1 in RDI.
func runRaw(code []byte, arg1 uint64) error {
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		return err
	}
	if err := cv.Write(code, 0); err != nil {
		return err
	}
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		return err
	}
	addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermExecute, 0, cv, 0, zx.PageSize)
	if err != nil {
		return err
	}
	th, err := zx.NewThread(zx.ProcessSelf(), "sigreturn", 0)
	if err != nil {
		return err
	}
	return th.Start(addr, 0, uintptr(arg1), 0)
}

// TestBadSignalRIP: rt_sigreturn to a non-canonical or kernel-half RIP
// kills only the process (status 128+SIGSEGV, as for a bad signal frame);
// the kernel survives.
func TestBadSignalRIP(t *testing.T) {
	for i, rip := range badRIPs {
		t.Run(fmt.Sprintf("%#x", rip), func(t *testing.T) {
			p := start(t, fmt.Sprintf("badsig:%d", i))
			defer p.Close()
			if code := wait(t, p); code != 128+11 {
				t.Errorf("worker exited %d, want %d (killed for a bad signal frame)", code, 128+11)
			}
		})
	}
}
