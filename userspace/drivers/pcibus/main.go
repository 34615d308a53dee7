package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"beryl/userspace/zx"
)

func main() {
	list := flag.Bool("list", false, "enumerate and print the functions only; start no driver")
	auto := flag.Bool("auto", false, "print nothing unless a function has a driver (init's boot-time run)")
	intx := flag.Bool("intx", false, "give drivers the legacy interrupt even where MSI-X exists (also pci.intx on the kernel command line)")
	flag.Parse()
	*intx = *intx || hasOption(os.Getenv("BERYL_CMDLINE"), "pci.intx")
	res, ok := zx.TakeStartupHandle(zx.PAResource)
	if !ok {
		fmt.Fprintln(os.Stderr, "pcibus: no resource (PA_RESOURCE): cannot reach configuration space")
		os.Exit(1)
	}
	p := &zxPlatform{res: res, intx: *intx}
	var out io.Writer = os.Stdout
	var quiet bytes.Buffer
	if *auto {
		out = &quiet
	}
	s, err := scan(p, os.Getenv("BERYL_PCI_ECAM"), out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pcibus:", err)
		os.Exit(1)
	}
	if *list {
		return
	}
	if *auto {
		n := 0
		for _, d := range s.Devices {
			if driverFor(d) != "" {
				n++
			}
		}
		if n == 0 {
			return
		}
		os.Stdout.Write(quiet.Bytes())
	}
	os.Exit(startDrivers(p, s, flag.Args()))
}

// hasOption reports whether the kernel command line holds name or
// name=1 (name=0 or another value: no).
func hasOption(cmdline, name string) bool {
	for _, f := range strings.Fields(cmdline) {
		if f == name || f == name+"=1" {
			return true
		}
	}
	return false
}
