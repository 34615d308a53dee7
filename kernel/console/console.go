// Package console drives the kernel console's input: the COM1 16550 UART
// and the PS/2 keyboard (keyboard.go). Output goes through the runtime's
// write(2) path (so lines from the trap path and from goroutines never
// interleave mid-byte) to the serial line and the screen. Input arrives
// by interrupt: the trap-path handlers put bytes into one ring buffer and
// bump inputSeq; goroutines block in ReadByte until it moves.
//
// Locking: the ring buffer's producers are the trap-path handlers
// (interrupts off, one CPU takes device interrupts) and consumers are
// serialised by mu; indices are atomics.
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
	// inputSeq counts input interrupts that queued bytes; ReadByte waits
	// on it.
	inputSeq atomic.Uint32
	// Dropped counts bytes lost to a full ring.
	Dropped atomic.Uint32
)

// drain moves every received byte into the ring.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func drain() {
	n := 0
	for {
		c, ok := x86.SerialReadByte()
		if !ok {
			break
		}
		if put(c) {
			n++
		}
	}
	if n > 0 {
		inputSeq.Add(1)
		rt.WakeWord(inputSeqAddr())
	}
}

// put queues one input byte, or counts it dropped when the ring is full.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func put(c byte) bool {
	h := head.Load()
	if h-tail.Load() >= ringSize {
		Dropped.Add(1)
		return false
	}
	ring[h%ringSize] = c
	head.Store(h + 1)
	return true
}

// Start routes the UART's interrupt (GSI g) and enables receive
// interrupts. route programs the I/O APIC pin for g.
func Start(g uint32, route func()) {
	gsi = g
	rt.SetIRQHandler(g, drain)
	route()
	x86.SerialEnableRxInterrupt()
}

// ReadByte blocks until a byte arrives on the serial line or keyboard.
func ReadByte() byte {
	mu.Lock()
	defer mu.Unlock()
	for {
		seq := inputSeq.Load()
		t := tail.Load()
		if head.Load() != t {
			c := ring[t%ringSize]
			tail.Store(t + 1)
			return c
		}
		rt.WaitWord(inputSeqAddr(), seq)
	}
}

// Buffered returns how many received bytes are waiting.
func Buffered() int { return int(head.Load() - tail.Load()) }

// IRQs returns how many interrupts the UART has raised.
func IRQs() uint32 { return rt.IRQCount(gsi) }
