package pci

import (
	"encoding/json"
	"fmt"
)

// HandoffEnv is the environment variable in which the bus program
// describes a device to the driver process it starts for it.
const HandoffEnv = "BERYL_PCI_DEVICE"

// Interrupt modes of a handoff.
const (
	IRQModeMSIX = "msix" // the interrupt handle is MSI-X vector 0
	IRQModeMSI  = "msi"
	IRQModeINTx = "intx" // the legacy line (level-triggered, shared)
)

// Handoff is what a driver process learns about its device besides its
// handles: the function as enumerated (header, BARs, capabilities) and
// how its interrupt was set up. The handles themselves arrive as startup
// handles: each memory BAR i as a physical VMO of type PA_USER0|i<<16,
// the interrupt as PA_USER1, the BTI for DMA as PA_USER2.
type Handoff struct {
	Device  *Device
	IRQMode string
	// IRQ is the GSI for INTx, the vector index otherwise.
	IRQ uint32
}

// Encode returns the handoff as the variable's value.
func (h *Handoff) Encode() (string, error) {
	b, err := json.Marshal(h)
	return string(b), err
}

// DecodeHandoff parses the variable's value.
func DecodeHandoff(s string) (*Handoff, error) {
	var h Handoff
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		return nil, fmt.Errorf("pci: bad %s: %w", HandoffEnv, err)
	}
	if h.Device == nil {
		return nil, fmt.Errorf("pci: %s names no device", HandoffEnv)
	}
	switch h.IRQMode {
	case IRQModeMSIX, IRQModeMSI, IRQModeINTx:
	default:
		return nil, fmt.Errorf("pci: %s: interrupt mode %q", HandoffEnv, h.IRQMode)
	}
	return &h, nil
}
