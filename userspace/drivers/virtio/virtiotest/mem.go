// Package virtiotest models virtio 1.0 PCI devices for host tests of
// drivers: DMA memory with bus addresses, a virtio-net device with its
// PCI function (vendor capabilities, BARs, MSI-X) and its queues, and
// interrupts. The device does what QEMU's does with the same rings, so a
// driver that passes here has its ring and register logic right.
package virtiotest

import (
	"fmt"
	"sync"

	"beryl/userspace/drivers/hw"
)

// Mem is DMA memory: buffers at fake bus addresses the device resolves.
type Mem struct {
	mu   sync.Mutex
	next uint64
	bufs []*Buffer
}

// NewMem returns memory whose bus addresses start at 0x1000_0000.
func NewMem() *Mem { return &Mem{next: 0x1000_0000} }

// Buffer is one DMA buffer.
type Buffer struct {
	b    []byte
	addr uint64
}

// Bytes is the driver's view.
func (b *Buffer) Bytes() []byte { return b.b }

// Addr is the bus address of Bytes()[off].
func (b *Buffer) Addr(off int) uint64 { return b.addr + uint64(off) }

// AllocDMA implements hw.DMAAllocator with page-aligned bus addresses.
func (m *Mem) AllocDMA(size int) (hw.DMABuffer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := (size + 4095) &^ 4095
	b := &Buffer{b: make([]byte, n), addr: m.next}
	m.next += uint64(n) + 4096 // a guard page between buffers
	m.bufs = append(m.bufs, b)
	return b, nil
}

// Resolve returns the n bytes at bus address addr; an address outside
// every buffer is an error (a driver bug a real IOMMU would fault on).
func (m *Mem) Resolve(addr uint64, n int) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.bufs {
		if addr >= b.addr && addr+uint64(n) <= b.addr+uint64(len(b.b)) {
			o := addr - b.addr
			return b.b[o : o+uint64(n)], nil
		}
	}
	return nil, fmt.Errorf("virtiotest: DMA to unmapped bus address %#x+%d", addr, n)
}

// Interrupt is an edge interrupt: Fire makes one pending Wait return.
type Interrupt struct {
	ch     chan struct{}
	closed chan struct{}
	once   sync.Once
	Acks   int
}

// NewInterrupt returns an interrupt with nothing pending.
func NewInterrupt() *Interrupt {
	return &Interrupt{ch: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Fire raises the interrupt (pending interrupts coalesce).
func (i *Interrupt) Fire() {
	select {
	case i.ch <- struct{}{}:
	default:
	}
}

// Wait implements hw.Interrupt.
func (i *Interrupt) Wait() error {
	select {
	case <-i.ch:
		return nil
	case <-i.closed:
		return hw.ErrCanceled
	}
}

// Ack implements hw.Interrupt.
func (i *Interrupt) Ack() error { i.Acks++; return nil }

// Destroy makes Wait return hw.ErrCanceled.
func (i *Interrupt) Destroy() { i.once.Do(func() { close(i.closed) }) }
