package main

import (
	"flag"
	"fmt"
	"os"

	"beryl/userspace/zx"
)

func main() {
	list := flag.Bool("list", false, "enumerate and print the functions only; start no driver")
	flag.Parse()
	res, ok := zx.TakeStartupHandle(zx.PAResource)
	if !ok {
		fmt.Fprintln(os.Stderr, "pcibus: no resource (PA_RESOURCE): cannot reach configuration space")
		os.Exit(1)
	}
	p := &zxPlatform{res: res}
	s, err := scan(p, os.Getenv("BERYL_PCI_ECAM"), os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pcibus:", err)
		os.Exit(1)
	}
	if *list {
		return
	}
	os.Exit(startDrivers(p, s))
}
