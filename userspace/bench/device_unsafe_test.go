package bench

import (
	"testing"
	"unsafe"

	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// The device-call benchmarks: interrupt latency (a virtual interrupt's
// trigger waking a thread blocked in interrupt_wait, and the same through
// a port the interrupt is bound to) and pinning 1 MiB for DMA.

func virtualInterrupt(b *testing.B) zx.Handle {
	b.Helper()
	var h zx.Handle
	if st := zx.Sys_interrupt_create(zx.HandleInvalid, 0, zx.InterruptVirtual, &h); st != zx.OK {
		b.Fatalf("interrupt_create(VIRTUAL): %v", st)
	}
	b.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

// BenchmarkInterruptWaitRoundTrip: two threads ping-pong over two virtual
// interrupts, each blocked in interrupt_wait until the other triggers
// its interrupt. ns/op is a round trip: two trigger-to-wake latencies.
func BenchmarkInterruptWaitRoundTrip(b *testing.B) {
	ping, pong := virtualInterrupt(b), virtualInterrupt(b)
	done := make(chan zx.Status, 1)
	go func() {
		for range b.N {
			if st := zx.Sys_interrupt_wait(ping, nil); st != zx.OK {
				done <- st
				return
			}
			zx.Sys_interrupt_trigger(pong, 0, 0)
		}
		done <- zx.OK
	}()
	b.ResetTimer()
	for range b.N {
		if st := zx.Sys_interrupt_trigger(ping, 0, 0); st != zx.OK {
			b.Fatalf("trigger: %v", st)
		}
		if st := zx.Sys_interrupt_wait(pong, nil); st != zx.OK {
			b.Fatalf("wait: %v", st)
		}
	}
	if st := <-done; st != zx.OK {
		b.Fatalf("echo thread: %v", st)
	}
}

// BenchmarkInterruptPortRoundTrip: the same, the echo thread taking its
// interrupt as a ZX_PKT_TYPE_INTERRUPT packet from a bound port and
// acknowledging it (the way a driver's dispatch loop does).
func BenchmarkInterruptPortRoundTrip(b *testing.B) {
	ping, pong := virtualInterrupt(b), virtualInterrupt(b)
	var port zx.Handle
	if st := zx.Sys_port_create(zx.PortBindToInterrupt, &port); st != zx.OK {
		b.Fatalf("port_create: %v", st)
	}
	defer zx.Sys_handle_close(port)
	if st := zx.Sys_interrupt_bind(ping, port, 7, zx.InterruptBind); st != zx.OK {
		b.Fatalf("interrupt_bind: %v", st)
	}
	done := make(chan zx.Status, 1)
	go func() {
		var pk zx.PortPacket
		for range b.N {
			if st := zx.Sys_port_wait(port, zx.TimeInfinite, &pk); st != zx.OK || pk.Type != zx.PktTypeInterrupt {
				done <- st
				return
			}
			zx.Sys_interrupt_ack(ping)
			zx.Sys_interrupt_trigger(pong, 0, 0)
		}
		done <- zx.OK
	}()
	b.ResetTimer()
	for range b.N {
		if st := zx.Sys_interrupt_trigger(ping, 0, 0); st != zx.OK {
			b.Fatalf("trigger: %v", st)
		}
		if st := zx.Sys_interrupt_wait(pong, nil); st != zx.OK {
			b.Fatalf("wait: %v", st)
		}
	}
	if st := <-done; st != zx.OK {
		b.Fatalf("port thread: %v", st)
	}
}

// BenchmarkBtiPin1MiB: bti_pin of a committed 1 MiB VMO (256 page
// addresses) and pmt_unpin, through the dummy IOMMU.
func BenchmarkBtiPin1MiB(b *testing.B) {
	if relaunch.RootResource == zx.HandleInvalid {
		b.Fatal("no root resource (PA_RESOURCE): zxrun passes it")
	}
	var desc [1]byte
	var iommu, bti, vmo zx.Handle
	if st := zx.Sys_iommu_create(relaunch.RootResource, zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &iommu); st != zx.OK {
		b.Fatalf("iommu_create: %v", st)
	}
	defer zx.Sys_handle_close(iommu)
	if st := zx.Sys_bti_create(iommu, 0, 0, &bti); st != zx.OK {
		b.Fatalf("bti_create: %v", st)
	}
	defer zx.Sys_handle_close(bti)
	const size = 1 << 20
	if st := zx.Sys_vmo_create(size, 0, &vmo); st != zx.OK {
		b.Fatalf("vmo_create: %v", st)
	}
	defer zx.Sys_handle_close(vmo)
	if st := zx.Sys_vmo_op_range(vmo, zx.VMOOpCommit, 0, size, nil, 0); st != zx.OK {
		b.Fatalf("commit: %v", st)
	}
	var addrs [size / 4096]uint64
	b.ResetTimer()
	for range b.N {
		var pmt zx.Handle
		if st := zx.Sys_bti_pin(bti, zx.BtiPermRead|zx.BtiPermWrite, vmo, 0, size, &addrs[0], uint(len(addrs)), &pmt); st != zx.OK {
			b.Fatalf("bti_pin: %v", st)
		}
		if st := zx.Sys_pmt_unpin(pmt); st != zx.OK {
			b.Fatalf("pmt_unpin: %v", st)
		}
	}
}
