package vmochild

import (
	"testing"

	"beryl/userspace/zx"
)

// Zircon core-test VmoZeroTestCase.ResizeOverHiddenMarkers
// (vmo/vmo-zero.cc): once a hidden parent holds a zero marker, shrinking
// one child over it must keep what a sibling still sees.
func TestVmoZeroTestCase_ResizeOverHiddenMarkers(t *testing.T) {
	v := &vmoHandle{}
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(4*pg, zx.VMOResizable, &v.h))
	t.Cleanup(v.reset)
	// Non-zero data in the second last page, to put a marker over later.
	vw(t, v, 1, 2*pg)
	// A snapshot child makes the pages' owner a hidden parent, so the
	// resize below cannot simply free them.
	v.clone(t, 0, 4*pg)
	// Zero that page: a marker hides the parent's page. Neither the first
	// nor the last page, where the parent's limits could shrink instead.
	zeroOp(t, v, 2*pg, pg)
	// A sibling over the zeroed page sees zeros.
	sibling := v.clone(t, 2*pg, pg)
	vc(t, sibling, 0, 0)
	// Shrink so that only the sibling still sees the marker's range.
	v.setSize(t, pg)
	vc(t, sibling, 0, 0)
	// A write in the sibling commits a fresh page (the marker), not a
	// fork of the root's page.
	vw(t, sibling, 1, 0)
	vc(t, sibling, 1, 0)
}
