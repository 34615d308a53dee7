// Package bench holds the user-mode microbenchmarks: Go
// benchmarks run inside Beryl through zxrun and printed by `make bench`:
// a null zx syscall, handle duplicate+close, channel write+read of 64
// bytes, a channel round trip between two processes, a kos Call round trip
// between two processes, the page-fault cost and process
// create+start+exit; device_unsafe_test.go adds interrupt latency and
// bti_pin of 1 MiB; smp_unsafe_test.go K process pairs at once, a
// cross-CPU wake-up and the TLB shootdown of an unmap.
package bench

import (
	"fmt"
	"io"
	"os"
	"testing"
	"unsafe"

	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

const workerEnv = "BERYL_BENCH_WORKER"

// paUser0 is Fuchsia's PA_USER0: the echo worker's channel.
const paUser0 = 0xF0

// TestMain runs the worker a relaunched binary names, else the benchmarks.
func TestMain(m *testing.M) { relaunch.Main(m, workerEnv, worker) }

// worker runs in the relaunched child and returns its exit status.
func worker(mode string) int {
	switch mode {
	case "exit":
		return 0
	case "echo":
		return echo()
	case "kosecho":
		return kosEcho()
	case "ping":
		return pinger()
	}

	fmt.Fprintf(os.Stderr, "bench worker: unknown mode %q\n", mode)
	return 100
}

// echo answers every message on its startup channel until the peer goes.
func echo() int {
	h, ok := zx.TakeStartupHandle(paUser0)
	if !ok {
		return 3
	}
	ch := zx.Channel{Handle: h}
	var b [64]byte
	for {
		obs, err := ch.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, zx.TimeInfinite)
		if err != nil {
			return 4
		}
		if obs&zx.ChannelReadable == 0 {
			return 0
		}
		n, _, err := ch.Read(b[:], nil, 0)
		if err != nil {
			return 5
		}
		if err := ch.Write(b[:n], nil, 0); err != nil {
			return 0
		}
	}
}

// kosEcho answers every kos call on its startup server handle with the
// request's fixed part until the client goes.
func kosEcho() int {
	h, ok := zx.TakeStartupHandle(paUser0)
	if !ok {
		return 3
	}
	srv := zx.Server{Handle: h}
	buf := make([]byte, 64)
	for {
		rd := zx.KosRecvBuf{Fixed: buf}
		info, err := srv.Recv(zx.TimeInfinite, &rd)
		if err != nil {
			return 0 // PEER_CLOSED: the client is gone
		}
		if err := srv.Reply(info.CallID, &zx.KosMsg{Fixed: buf[:info.Sizes.Fixed]}); err != nil {
			return 4
		}
	}
}

func self(b *testing.B) io.ReaderAt { return relaunch.SelfImage(b) }

func BenchmarkNullSyscall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		zx.Sys_clock_get_monotonic()
	}
}

func BenchmarkHandleDuplicateClose(b *testing.B) {
	ev, err := zx.NewEvent(0)
	if err != nil {
		b.Fatal(err)
	}
	defer ev.Close()
	for i := 0; i < b.N; i++ {
		var d zx.Handle
		if st := zx.Sys_handle_duplicate(ev.Handle, zx.RightSameRights, &d); st != zx.OK {
			b.Fatal(st)
		}
		zx.Sys_handle_close(d)
	}
}

func BenchmarkChannelWriteRead64(b *testing.B) {
	a, c, err := zx.NewChannel(0)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	defer c.Close()
	msg := make([]byte, 64)
	buf := make([]byte, 64)
	b.SetBytes(64)
	for i := 0; i < b.N; i++ {
		if err := a.Write(msg, nil, 0); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(buf, nil, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChannelRoundTripProcesses(b *testing.B) {
	mine, theirs, err := zx.NewChannel(0)
	if err != nil {
		b.Fatal(err)
	}
	p, err := launch.Start(self(b), launch.Config{Argv: []string{os.Args[0]}, Env: []string{workerEnv + "=echo"},
		Handles: []launch.Handle{{Type: paUser0, Handle: theirs.Handle}}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	msg := make([]byte, 64)
	buf := make([]byte, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := mine.Write(msg, nil, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := mine.WaitOne(zx.ChannelReadable, zx.TimeInfinite); err != nil {
			b.Fatal(err)
		}
		if _, _, err := mine.Read(buf, nil, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	mine.Close()
	p.Wait()
}

// BenchmarkKosCallRoundTripProcesses: a kos Call with a 64-byte fixed
// part to a server in another process, which receives it and replies with
// it (Call → Recv → Reply → the caller wakes; each passes the policy
// check, whose own cost kernel/object/kos BenchmarkPolicyCheck measures).
func BenchmarkKosCallRoundTripProcesses(b *testing.B) {
	client, server, _, err := zx.Connect()
	if err != nil {
		b.Fatal(err)
	}
	p, err := launch.Start(self(b), launch.Config{Argv: []string{os.Args[0]}, Env: []string{workerEnv + "=kosecho"},
		Handles: []launch.Handle{{Type: paUser0, Handle: server.Handle}}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	req := &zx.KosMsg{Endpoint: 1, Method: 1, Fixed: make([]byte, 64)}
	rd := &zx.KosRecvBuf{Fixed: make([]byte, 64)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sz, err := client.Call(zx.TimeInfinite, req, rd)
		if err != nil || sz.Fixed != 64 {
			b.Fatal(sz, err)
		}
	}
	b.StopTimer()
	client.Close()
	if code, err := p.Wait(); err != nil || code != 0 {
		b.Fatalf("echo server exited %d (%v)", code, err)
	}
}

// BenchmarkPageFault maps fresh VMO memory and touches one byte per page:
// each touch is a demand-zero fault resolved through VMAR → VMO.
func BenchmarkPageFault(b *testing.B) {
	const pages = 256
	for i := 0; i < b.N; i += pages {
		vmo, err := zx.NewVmo(pages*zx.PageSize, 0)
		if err != nil {
			b.Fatal(err)
		}
		addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermWrite, 0, vmo, 0, pages*zx.PageSize)
		if err != nil {
			b.Fatal(err)
		}
		mem := unsafe.Slice((*byte)(ptr(uintptr(addr))), pages*zx.PageSize)
		for p := 0; p < pages && i+p < b.N; p++ {
			mem[p*zx.PageSize] = 1
		}
		zx.VmarRootSelf().Unmap(addr, pages*zx.PageSize)
		vmo.Close()
	}
}

func BenchmarkProcessCreateStartExit(b *testing.B) {
	img := self(b)
	for i := 0; i < b.N; i++ {
		p, err := launch.Start(img, launch.Config{Argv: []string{os.Args[0]}, Env: []string{workerEnv + "=exit"}})
		if err != nil {
			b.Fatal(err)
		}
		if code, err := p.Wait(); err != nil || code != 0 {
			b.Fatalf("exit %d %v", code, err)
		}
		p.Close()
	}
}

// ptr converts the address of a mapping (not Go memory) into a pointer.
func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }
