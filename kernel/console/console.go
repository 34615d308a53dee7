// Package console drives the COM1 16550 UART as the kernel console:
// output goes through the runtime's write(2) path (so lines from the trap
// path and from goroutines never interleave mid-byte), input arrives by
// interrupt: the trap-path handler drains the receive FIFO into a ring
// buffer and goroutines block in ReadByte until the IRQ count moves.
//
// Locking: the ring buffer has one producer (the trap path, interrupts
// off) and consumers serialised by mu; indices are atomics.
package console

import (
	"sync"
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/kernel/rt"
)

const ringSize = 1024

var (
	ring       [ringSize]byte
	head, tail atomic.Uint32 // head: next write (trap path), tail: next read
	mu         sync.Mutex
	gsi        uint32
	seen       uint32
	// Dropped counts bytes lost to a full ring.
	Dropped atomic.Uint32
)

// drain moves every received byte into the ring.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func drain() {
	for {
		c, ok := x86.SerialReadByte()
		if !ok {
			return
		}
		h := head.Load()
		if h-tail.Load() >= ringSize {
			Dropped.Add(1)
			continue
		}
		ring[h%ringSize] = c
		head.Store(h + 1)
	}
}

// Start routes the UART's interrupt (GSI g) and enables receive
// interrupts. route programs the I/O APIC pin for g.
func Start(g uint32, route func()) {
	gsi = g
	rt.SetIRQHandler(g, drain)
	route()
	x86.SerialEnableRxInterrupt()
}

// ReadByte blocks until a byte arrives on the serial line.
func ReadByte() byte {
	mu.Lock()
	defer mu.Unlock()
	for {
		t := tail.Load()
		if head.Load() != t {
			c := ring[t%ringSize]
			tail.Store(t + 1)
			return c
		}
		seen = rt.WaitIRQ(gsi, rt.IRQCount(gsi))
	}
}

// Buffered returns how many received bytes are waiting.
func Buffered() int { return int(head.Load() - tail.Load()) }

// IRQs returns how many interrupts the UART has raised.
func IRQs() uint32 { return rt.IRQCount(gsi) }
