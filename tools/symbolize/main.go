// Command symbolize turns the fault dump in a Beryl kernel serial log into a
// readable report: the exception and its error code decoded, the registers,
// a disassembly of the faulting function with the faulting instruction
// marked, and a symbolized backtrace.
//
//	go run ./tools/symbolize -kernel build/beryl.elf [log file | -]
//
// The log is read from stdin when no file (or "-") is given. The exit status
// is 0 when at least one dump was reported, 1 when the log has no FAULT
// lines or the kernel ELF cannot be used, 2 for bad usage. See README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command behind main, with its I/O passed in so tests
// can drive it. It returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("symbolize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kernel := fs.String("kernel", "build/beryl.elf", "kernel ELF the log was produced by")
	after := fs.Int("after", 4, "instructions to show after the faulting one")
	before := fs.Int("before", 0, "instructions to show before the faulting one (0: all from the function entry)")
	syntax := fs.String("syntax", "go", "disassembly syntax: go (as go tool objdump) or intel")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: symbolize [-kernel build/beryl.elf] [flags] [log file | -]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	opt := Options{After: *after, Before: *before}
	switch *syntax {
	case "go":
		opt.Syntax = GoSyntax
	case "intel":
		opt.Syntax = IntelSyntax
	default:
		fmt.Fprintf(stderr, "symbolize: -syntax must be go or intel, not %q\n", *syntax)
		return 2
	}
	if fs.NArg() > 1 || *after < 0 || *before < 0 {
		fs.Usage()
		return 2
	}

	in, name := stdin, "stdin"
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "symbolize: %v\n", err)
			return 1
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}

	k, err := OpenKernel(*kernel)
	if err != nil {
		fmt.Fprintf(stderr, "symbolize: %v\n", err)
		return 1
	}
	return Symbolize(k, in, name, stdout, stderr, opt)
}

// Symbolize parses the log read from in and writes a report for every dump
// to out. It returns the exit status: 1 when the log holds no dump, so
// scripts can tell "no crash" from "crash reported".
func Symbolize(k *Kernel, in io.Reader, name string, out, errw io.Writer, opt Options) int {
	lg, err := ParseLog(in)
	if err != nil {
		fmt.Fprintf(errw, "symbolize: reading %s: %v\n", name, err)
		return 1
	}
	for _, w := range lg.Warnings {
		fmt.Fprintf(errw, "symbolize: %s: %s\n", name, w)
	}
	if len(lg.Dumps) == 0 {
		fmt.Fprintf(errw, "symbolize: no fault dump in %s (no line contains \"FAULT \")\n", name)
		return 1
	}
	for i, d := range lg.Dumps {
		Report(out, k, d, i+1, len(lg.Dumps), opt)
	}
	return 0
}
