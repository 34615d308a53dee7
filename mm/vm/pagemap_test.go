package vm

import "testing"

func TestPageMapLeaves(t *testing.T) {
	var m pageMap
	m.set(1, 0x1000, 3) // a 3-page VMO: a 3-entry leaf
	if l := m.leaves[0]; len(l.pa) != 3 {
		t.Fatalf("leaf of %d entries for a 3-page VMO", len(l.pa))
	}
	m.set(300, 0x2000, 600) // grown: the leaf grows, keeping its pages
	m.set(700, 0x3000, 600) // past the size hint: still stored
	for idx, want := range map[uint64]uint64{1: 0x1000, 300: 0x2000, 700: 0x3000} {
		if pa, ok := m.get(idx); !ok || pa != want {
			t.Errorf("get(%d) = %#x, %v", idx, pa, ok)
		}
	}
	if _, ok := m.get(2); ok || m.len() != 3 {
		t.Errorf("len %d", m.len())
	}
	if _, ok := m.del(5000); ok {
		t.Error("del of an absent page")
	}
	n := 0
	m.each(2, 699, func(idx, pa uint64) { n++; m.del(idx) })
	if n != 1 || m.len() != 2 {
		t.Errorf("each visited %d, len %d", n, m.len())
	}
	m.del(1)
	m.del(700)
	m.trim(512)
	if len(m.leaves) != 1 || m.len() != 0 {
		t.Errorf("after trim: %d leaves, len %d", len(m.leaves), m.len())
	}
}
