package main

import (
	"fmt"

	"beryl/arch/x86/uio"
	"beryl/userspace/drivers/hw"
	"beryl/userspace/zx"
)

// Ports requests [base, base+n) for this process (ioports_request) and
// returns IN/OUT on them.
func (z *zxPlatform) Ports(base, n uint16) (hw.Ports, error) {
	if st := zx.Sys_ioports_request(z.res, uint32(base), uint32(n)); st != zx.OK {
		return nil, fmt.Errorf("ioports_request(%#x, %d): %w", base, n, st.Err())
	}
	return ports{}, nil
}

// ports is hw.Ports over the IN and OUT instructions.
type ports struct{}

func (ports) In8(p uint16) uint8       { return uio.Inb(p) }
func (ports) In16(p uint16) uint16     { return uio.Inw(p) }
func (ports) In32(p uint16) uint32     { return uio.Inl(p) }
func (ports) Out8(p uint16, v uint8)   { uio.Outb(p, v) }
func (ports) Out16(p uint16, v uint16) { uio.Outw(p, v) }
func (ports) Out32(p uint16, v uint32) { uio.Outl(p, v) }
