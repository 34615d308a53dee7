package pci_test

import (
	"reflect"
	"testing"

	"beryl/userspace/drivers/pci"
)

func TestHandoff(t *testing.T) {
	devs := (&pci.Bus{Config: machine(), SizeBARs: true}).Enumerate(0)
	net := devs[1]
	h := &pci.Handoff{Device: net, IRQMode: pci.IRQModeMSIX}
	s, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := pci.DecodeHandoff(s)
	if err != nil {
		t.Fatal(err)
	}
	net.MSI = nil
	if !reflect.DeepEqual(got, h) {
		t.Errorf("round trip:\n%+v\n%+v", got.Device, h.Device)
	}
	for _, bad := range []string{"", "{}", `{"Device":{},"IRQMode":"x"}`} {
		if _, err := pci.DecodeHandoff(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
