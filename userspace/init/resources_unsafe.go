package main

import (
	"fmt"
	"strings"
	"unsafe"

	"beryl/userspace/launch"
	"beryl/userspace/sysdesc"
	"beryl/userspace/zx"
)

// How init hands out device resources. init holds the root resource and
// gives it to no program it starts for the system: each program of the
// system description gets exactly the resources its resources: list
// names (sysdesc.Resource), carved from the root resource with
// resource_create and passed as PA_HND(PA_RESOURCE, i) startup handles
// in list order; programs of run= and the shell's run of etc/trusted
// programs get the narrow class resource (system class: they may name
// their children's kos classes) as PA_RESOURCE. Only the test harnesses
// (the conformance suite's families and the zxrun program) get the root
// resource, since their cases create resources of every kind.

// paResource returns PA_HND(PA_RESOURCE, i).
func paResource(i int) uint32 { return zx.PAHnd(zx.PAResource, uint32(i)) }

// createResource carves one resource out of the root resource.
func createResource(kind uint32, base, size uint64, name string) (zx.Handle, error) {
	var h zx.Handle
	var p *uint8
	if name != "" {
		p = unsafe.StringData(name)
	}
	if st := zx.Sys_resource_create(rootResource, kind, base, uint(size), p, uint(len(name)), &h); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("resource_create(%s %#x+%#x): %w", name, base, size, st)
	}
	return h, nil
}

// programResources creates a description program's resources, as the
// startup handles to pass; on error it closes what it made.
func programResources(name string, entries []string) ([]launch.Handle, error) {
	var hs []launch.Handle
	fail := func(err error) ([]launch.Handle, error) {
		for _, h := range hs {
			h.Handle.Close()
		}
		return nil, fmt.Errorf("program %q: %w", name, err)
	}
	add := func(kind uint32, base, size uint64, what string) error {
		h, err := createResource(kind, base, size, name+":"+what)
		if err != nil {
			return err
		}
		hs = append(hs, launch.Handle{Type: paResource(len(hs)), Handle: h})
		return nil
	}
	for _, e := range entries {
		r, err := sysdesc.ParseResource(e)
		if err != nil {
			return fail(err)
		}
		switch r.Kind {
		case "mmio":
			err = add(zx.ResourceKindMMIO, r.Base, r.Size, "mmio")
		case "ioport":
			err = add(zx.ResourceKindIOPort, r.Base, r.Size, "ioport")
		case "irq":
			err = add(zx.ResourceKindIRQ, r.Base, r.Size, "irq")
		case "system":
			err = add(zx.ResourceKindSystem, r.System, 1, strings.TrimPrefix(e, "system "))
		case "pci-ecam":
			for _, w := range zx.PCIECAM() {
				if err = add(zx.ResourceKindMMIO, w.Base, w.Size(), "ecam"); err != nil {
					break
				}
			}
		}
		if err != nil {
			return fail(err)
		}
	}
	return hs, nil
}

// classResource returns a new class resource (system class), or
// HandleInvalid when init has no root resource.
func classResource() zx.Handle {
	if rootResource == zx.HandleInvalid {
		return zx.HandleInvalid
	}
	h, err := createResource(zx.ResourceKindSystem, zx.BerylSystemClassBase, 1, "class")
	if err != nil {
		return zx.HandleInvalid
	}
	return h
}
