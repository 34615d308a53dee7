package launch

import (
	"debug/elf"
	"fmt"
	"io"

	"beryl/userspace/zx"
)

// Segments mapped from the VMO holding the image (the bootfs VMO, whose
// ELF files tools/bootfsw page-aligns), so that every process started
// from one image shares its pages:
//
//   - a read-only segment (text, rodata) maps a ZX_VMO_CHILD_SLICE of the
//     image: the image's own pages, never copied;
//   - a writable segment (data) maps a SNAPSHOT_AT_LEAST_ON_WRITE child:
//     its pages stay shared until the process writes one, which copies it;
//     the bytes of its last file page past p_filesz are zeroed (that
//     copies the one page);
//   - the rest of p_memsz past the file's last page (.bss) is an
//     anonymous VMO.
//
// A read-only segment's last page shows the image bytes that follow it,
// as a Linux file mapping does (tools/bootfsw pads every ELF file to a
// page boundary, so they are the image's own bytes or padding).

// imageSource finds the VMO behind image when it is a VmoReader or a
// section of one (as bootfs files are), and the image's offset in it.
func imageSource(image io.ReaderAt) (zx.Vmo, uint64, bool) {
	var off int64
	for {
		switch r := image.(type) {
		case *VmoReader:
			return r.Vmo, uint64(off), true
		case *io.SectionReader:
			outer, o, _ := r.Outer()
			image, off = outer, off+o
		default:
			return zx.Vmo{}, 0, false
		}
	}
}

// shareable reports whether ph can be mapped from the image's VMO: the
// image is in one, and the segment's file offset there is congruent to
// its address modulo the page size.
func (l *loader) shareable(ph *elf.Prog) bool {
	return l.srcOK && ph.Filesz > 0 && (l.srcOff+ph.Off)%zx.PageSize == ph.Vaddr%zx.PageSize
}

func segmentPerms(ph *elf.Prog) zx.VMFlag {
	perm := zx.VMSpecific
	if ph.Flags&elf.PF_R != 0 {
		perm |= zx.VMPermRead
	}
	if ph.Flags&elf.PF_W != 0 {
		perm |= zx.VMPermWrite
	}
	if ph.Flags&elf.PF_X != 0 {
		perm |= zx.VMPermExecute
	}
	return perm
}

// mapSegment maps a shareable PT_LOAD (see above).
func (l *loader) mapSegment(vmar zx.Vmar, base uint64, ph *elf.Prog) error {
	const pg = zx.PageSize
	start := ph.Vaddr &^ (pg - 1)
	fileEnd := (ph.Vaddr + ph.Filesz + pg - 1) &^ (pg - 1)
	end := (ph.Vaddr + ph.Memsz + pg - 1) &^ (pg - 1)
	off := l.srcOff + ph.Off - (ph.Vaddr - start)
	var vmo zx.Vmo
	var err error
	if ph.Flags&elf.PF_W == 0 && ph.Filesz == ph.Memsz {
		vmo, err = l.src.CreateChild(zx.VMOChildSlice, off, fileEnd-start)
	} else {
		vmo, err = l.src.CreateChild(zx.VMOChildSnapshotAtLeastOnWrite, off, fileEnd-start)
		if tail := ph.Vaddr + ph.Filesz - start; err == nil && tail < fileEnd-start {
			if err = vmo.OpRange(zx.VMOOpZero, tail, fileEnd-start-tail); err != nil {
				vmo.Handle.Close()
			}
		}
	}
	if err != nil {
		return fmt.Errorf("segment %#x: vmo_create_child: %w", ph.Vaddr, err)
	}
	if ph.Flags&elf.PF_X != 0 {
		x, err := vmo.ReplaceAsExecutable(zx.HandleInvalid)
		if err != nil {
			return fmt.Errorf("vmo_replace_as_executable: %w", err)
		}
		vmo = x
	}
	_, err = vmar.Map(segmentPerms(ph), uint(start-base), vmo, 0, uint(fileEnd-start))
	vmo.Handle.Close() // the mapping keeps the VMO alive
	if err != nil {
		return fmt.Errorf("vmar_map of segment %#x-%#x: %w", start, fileEnd, err)
	}
	if end > fileEnd {
		bss, err := zx.NewVmo(end-fileEnd, 0)
		if err != nil {
			return fmt.Errorf("bss vmo_create: %w", err)
		}
		_, err = vmar.Map(segmentPerms(ph), uint(fileEnd-base), bss, 0, uint(end-fileEnd))
		bss.Handle.Close()
		if err != nil {
			return fmt.Errorf("vmar_map of bss %#x-%#x: %w", fileEnd, end, err)
		}
	}
	return nil
}
