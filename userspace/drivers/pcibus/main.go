package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"beryl/userspace/zx"
)

func main() {
	list := flag.Bool("list", false, "enumerate and print the functions only; start no driver")
	auto := flag.Bool("auto", false, "print nothing unless a function has a driver (init's boot-time run)")
	flag.Parse()
	res, ok := zx.TakeStartupHandle(zx.PAResource)
	if !ok {
		fmt.Fprintln(os.Stderr, "pcibus: no resource (PA_RESOURCE): cannot reach configuration space")
		os.Exit(1)
	}
	p := &zxPlatform{res: res}
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
