package main

import (
	"errors"
	"fmt"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/zx"
)

// zxResources takes the startup handles the bus program passed: a
// physical VMO per memory BAR (PA_USER0|bar<<16), the interrupt
// (PA_USER1) and the BTI (PA_USER2).
func zxResources() (Resources, *dma, error) {
	irq, ok := zx.TakeStartupHandle(zx.PAUser1)
	if !ok {
		return Resources{}, nil, errors.New("no interrupt handle (PA_USER1)")
	}
	bti, ok := zx.TakeStartupHandle(zx.PAUser2)
	if !ok {
		return Resources{}, nil, errors.New("no BTI handle (PA_USER2)")
	}
	irqHandle, btiHandle = irq, bti
	d := &dma{bti: bti}
	return Resources{BAR: mapBAR, DMA: d, IRQ: interrupt{irq}}, d, nil
}

// mapBAR maps BAR i's VMO (once; later calls return the same window).
func mapBAR(i int) (hw.MMIO, error) {
	if w, ok := bars[i]; ok {
		return w, nil
	}
	h, ok := zx.TakeStartupHandle(zx.PAUser0 | uint32(i)<<16)
	if !ok {
		return nil, fmt.Errorf("no VMO for BAR %d", i)
	}
	vmo := zx.Vmo{Handle: h}
	size, err := vmo.Size()
	if err != nil {
		return nil, err
	}
	addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermWrite, 0, vmo, 0, uint(size))
	if err != nil {
		return nil, fmt.Errorf("mapping BAR %d: %w", i, err)
	}
	w := hw.NewWindow(uintptr(addr), size)
	bars[i] = w
	barVMOs[i] = h
	return w, nil
}

var (
	bars                 = map[int]*hw.Window{}
	barVMOs              = map[int]zx.Handle{}
	irqHandle, btiHandle zx.Handle
)

// dma allocates physically contiguous VMOs through the BTI, maps them
// and pins them for the device (read and write).
type dma struct {
	bti  zx.Handle
	pmts []zx.Handle
}

// unpinAll unpins every buffer (once the device is reset and no longer
// uses them); a driver that dies instead leaves them to the kernel's
// quarantine.
func (d *dma) unpinAll() error {
	var err error
	for _, p := range d.pmts {
		if st := zx.Sys_pmt_unpin(p); st != zx.OK && err == nil {
			err = fmt.Errorf("pmt_unpin: %w", st.Err())
		}
	}
	d.pmts = nil
	return err
}

type dmaBuf struct {
	b    []byte
	phys uint64
	pmt  zx.Handle
}

func (d *dmaBuf) Bytes() []byte       { return d.b }
func (d *dmaBuf) Addr(off int) uint64 { return d.phys + uint64(off) }

func (d *dma) AllocDMA(size int) (hw.DMABuffer, error) {
	n := uint((size + 4095) &^ 4095)
	var vmo zx.Handle
	if st := zx.Sys_vmo_create_contiguous(d.bti, n, 0, &vmo); st != zx.OK {
		return nil, fmt.Errorf("vmo_create_contiguous(%d): %w", n, st.Err())
	}
	defer vmo.Close()
	addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermWrite, 0, zx.Vmo{Handle: vmo}, 0, n)
	if err != nil {
		return nil, err
	}
	var phys [1]uint64
	var pmt zx.Handle
	if st := zx.Sys_bti_pin(d.bti, zx.BtiPermRead|zx.BtiPermWrite|zx.BtiContiguous, vmo, 0, uint64(n), &phys[0], 1, &pmt); st != zx.OK {
		return nil, fmt.Errorf("bti_pin(%d): %w", n, st.Err())
	}
	d.pmts = append(d.pmts, pmt)
	return &dmaBuf{b: hw.Bytes(uintptr(addr), int(n)), phys: phys[0], pmt: pmt}, nil
}

// interrupt is hw.Interrupt over an interrupt object in wait mode.
type interrupt struct{ h zx.Handle }

// Wait waits for the next interrupt; waiting again re-arms (unmasks) a
// level-triggered line, as zx_interrupt_wait does.
func (i interrupt) Wait() error {
	var ts zx.Time
	st := zx.Sys_interrupt_wait(i.h, &ts)
	if st == zx.ErrCanceled {
		return hw.ErrCanceled
	}
	return st.Err()
}

// Ack does nothing: an interrupt not bound to a port is acknowledged by
// the next wait (zx_interrupt_ack is for port-bound ones).
func (i interrupt) Ack() error { return nil }

// checkIsolation tries to reach physical memory next to one of its BARs
// (another device's registers, or nothing) with every handle the driver
// holds; the bus program gave it no resource, so each attempt must fail.
// It returns the first status, or an error if any attempt succeeded.
func checkIsolation(base, size uint64) (zx.Status, error) {
	if h, ok := zx.TakeStartupHandle(zx.PAResource); ok {
		h.Close()
		return zx.OK, errors.New("holds a resource handle (PA_RESOURCE)")
	}
	handles := []zx.Handle{irqHandle, btiHandle}
	for _, v := range barVMOs {
		handles = append(handles, v)
	}
	first := zx.OK
	for _, h := range handles {
		var vmo zx.Handle
		st := zx.Sys_vmo_create_physical(h, base+size, 4096, &vmo)
		if st == zx.OK {
			vmo.Close()
			return st, fmt.Errorf("vmo_create_physical(%#x) succeeded with handle %#x", base+size, h)
		}
		if first == zx.OK {
			first = st
		}
	}
	return first, nil
}
