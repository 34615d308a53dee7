// Command mkbootfs builds the boot filesystem: a newc cpio archive (u-root's
// pkg/cpio) that the kernel receives as a multiboot module and reads with
// its own small parser (kernel/bootfs).
//
// Usage: mkbootfs -o build/bootfs.cpio name=path [name=path ...]
//
// Each argument puts the host file at path into the archive as name (for
// example bin/init=build/init.elf). Entries are written in argument order
// with fixed metadata (mode 0755, mtime 0, uid/gid 0), so the output is
// reproducible. An etc/policy entry (the kos IPC policy the kernel loads)
// must parse (kernel/object/kos.ParsePolicy): a bad policy fails the build
// with its line, rather than booting a kernel that denies every message.
// ELF files are page-aligned in the archive (tools/bootfsw), so launchers
// map their segments from the bootfs VMO and share the pages.
// Every etc/*.yaml entry is a system description (init starts
// etc/system.yaml, or the one the command line names with system=;
// userspace/sysdesc): it must parse, name only programs in the archive
// and only connections the archive's policy allows, since init would
// refuse to start it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/u-root/u-root/pkg/cpio"

	"beryl/kernel/object/kos"
	"beryl/tools/bootfsw"
	"beryl/userspace/sysdesc"
)

func main() {
	out := flag.String("o", "", "output archive")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mkbootfs -o archive name=path...")
		os.Exit(2)
	}
	if err := build(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "mkbootfs:", err)
		os.Exit(1)
	}
}

// policyName is where the kernel reads the IPC policy (boot/kmain).
const policyName = "etc/policy"

// isSystem reports whether an entry is a system description.
func isSystem(name string) bool {
	return strings.HasPrefix(name, "etc/") && strings.HasSuffix(name, ".yaml") && !strings.Contains(name[4:], "/")
}

// description is a system description entry.
type description struct {
	name, path string
	sys        *sysdesc.System
}

func build(out string, specs []string) error {
	var recs []cpio.Record
	names := map[string]bool{}
	var pol *kos.Policy
	var descs []description
	for _, s := range specs {
		name, path, ok := strings.Cut(s, "=")
		if !ok || name == "" || path == "" {
			return fmt.Errorf("bad entry %q: want name=path", s)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name = strings.TrimPrefix(name, "/")
		switch {
		case name == policyName:
			if pol, err = kos.ParsePolicy(data); err != nil {
				return fmt.Errorf("%s (%s): %v", path, name, err)
			}
		case isSystem(name):
			sys, err := sysdesc.Parse(data)
			if err != nil {
				return fmt.Errorf("%s (%s): %v", path, name, err)
			}
			descs = append(descs, description{name, path, sys})
		}
		names[name] = true
		recs = append(recs, cpio.StaticRecord(data, cpio.Info{Name: name, Mode: cpio.S_IFREG | 0o755}))
	}
	var allowed func(c, s string) bool
	if pol != nil {
		allowed = func(c, s string) bool { return pol.Allowed(kos.KindConnect, c, s, 0, 0) }
	}
	for _, d := range descs {
		if errs := d.sys.Check(func(p string) bool { return names[p] }, allowed); len(errs) > 0 {
			return fmt.Errorf("%s (%s): %v", d.path, d.name, errors.Join(errs...))
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := bootfsw.Write(f, recs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
