package system

import (
	"bytes"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// The machine-description calls: system_get_num_cpus, _page_size,
// _physmem and _features.

func TestSystemGetNumCpus(t *testing.T) {
	n := zx.Sys_system_get_num_cpus()
	stats, err := zx.GetKernelStats(root(t))
	if err != nil {
		t.Fatal(err)
	}
	// The same count beryl_kernel_stats reports (1 if it knows none).
	if n < 1 || stats.CPUs > 0 && uint64(n) != stats.CPUs {
		t.Errorf("num_cpus %d, kernel stats CPUs %d", n, stats.CPUs)
	}
}

func TestSystemGetPageSize(t *testing.T) {
	if n := zx.Sys_system_get_page_size(); n != zx.PageSize {
		t.Errorf("page size %d", n)
	}
}

func TestSystemGetPhysmem(t *testing.T) {
	m := zx.Sys_system_get_physmem()
	stats, err := zx.GetKernelStats(root(t))
	if err != nil {
		t.Fatal(err)
	}
	if m == 0 || m%zx.PageSize != 0 || m != stats.PagesTotal*zx.PageSize {
		t.Errorf("physmem %d, kernel stats %d pages", m, stats.PagesTotal)
	}
}

func TestSystemGetFeatures(t *testing.T) {
	for _, c := range []struct {
		kind uint32
		want uint32
	}{{zx.FeatureKindHWBreakpointCount, 4}, {zx.FeatureKindHWWatchpointCount, 4}, {zx.FeatureKindAddressTagging, 0}, {zx.FeatureKindVM, 0}} {
		v := uint32(0xdead)
		ctest.Must(t, "system_get_features", zx.Sys_system_get_features(c.kind, &v))
		if v != c.want {
			t.Errorf("kind %d: %d, want %d", c.kind, v, c.want)
		}
	}
	t.Run("not_supported", func(t *testing.T) {
		// ZX_FEATURE_KIND_CPU: x86 leaves CPU features to CPUID.
		for _, k := range []uint32{zx.FeatureKindCPU, 5, 0xffffffff} {
			v := uint32(0xdead)
			want(t, "system_get_features", zx.Sys_system_get_features(k, &v), zx.ErrNotSupported)
			if v != 0xdead {
				t.Errorf("kind %d wrote %d", k, v)
			}
		}
	})
	for _, ba := range ctest.BadAddrs(t, 4, true) {
		t.Run("bad_out_"+ba.Name, func(t *testing.T) {
			want(t, "system_get_features(bad out)", zx.Sys_system_get_features(zx.FeatureKindHWBreakpointCount, (*uint32)(ctest.Ptr(ba.Addr))), zx.ErrInvalidArgs)
		})
	}
}

// The cprng calls: cprng_draw_once (zx.CprngDraw over it) and
// cprng_add_entropy.

func TestCprngDraw(t *testing.T) {
	a, b := make([]byte, 1000), make([]byte, 1000)
	zx.CprngDraw(a)
	zx.CprngDraw(b)
	if bytes.Equal(a, b) || bytes.Equal(a, make([]byte, 1000)) {
		t.Errorf("two draws are equal or zero")
	}
	// A byte value histogram far from flat would mean a broken generator.
	var seen [256]int
	big := make([]byte, 64<<10)
	zx.CprngDraw(big)
	for _, x := range big {
		seen[x]++
	}
	for v, n := range seen {
		if n < 128 || n > 384 {
			t.Errorf("byte %#x drawn %d times of %d", v, n, len(big))
		}
	}
	t.Run("zero_length", func(t *testing.T) {
		ctest.Must(t, "cprng_draw_once(NULL, 0)", zx.Sys_cprng_draw_once(nil, 0))
	})
	t.Run("too_long", func(t *testing.T) {
		buf := make([]byte, zx.CprngDrawMaxLen+1)
		want(t, "cprng_draw_once(257)", zx.Sys_cprng_draw_once(unsafe.Pointer(&buf[0]), uint(len(buf))), zx.ErrInvalidArgs)
		if !bytes.Equal(buf, make([]byte, len(buf))) {
			t.Errorf("a refused draw wrote the buffer")
		}
	})
	for _, ba := range ctest.BadAddrs(t, 16, true) {
		t.Run("bad_buffer_"+ba.Name, func(t *testing.T) {
			want(t, "cprng_draw_once(bad buffer)", zx.Sys_cprng_draw_once(ctest.Ptr(ba.Addr), 16), zx.ErrInvalidArgs)
		})
	}
}

func TestCprngAddEntropy(t *testing.T) {
	buf := make([]byte, zx.CprngAddEntropyMaxLen)
	for i := range buf {
		buf[i] = byte(i)
	}
	ctest.Must(t, "cprng_add_entropy(256)", zx.Sys_cprng_add_entropy(unsafe.Pointer(&buf[0]), uint(len(buf))))
	ctest.Must(t, "cprng_add_entropy(NULL, 0)", zx.Sys_cprng_add_entropy(nil, 0))
	a, b := make([]byte, 64), make([]byte, 64)
	zx.CprngDraw(a)
	zx.CprngDraw(b)
	if bytes.Equal(a, b) {
		t.Errorf("draws after add_entropy are equal")
	}
	t.Run("too_long", func(t *testing.T) {
		big := make([]byte, zx.CprngAddEntropyMaxLen+1)
		want(t, "cprng_add_entropy(257)", zx.Sys_cprng_add_entropy(unsafe.Pointer(&big[0]), uint(len(big))), zx.ErrInvalidArgs)
	})
	for _, ba := range ctest.BadAddrs(t, 16, false) {
		t.Run("bad_buffer_"+ba.Name, func(t *testing.T) {
			want(t, "cprng_add_entropy(bad buffer)", zx.Sys_cprng_add_entropy(ctest.Ptr(ba.Addr), 16), zx.ErrInvalidArgs)
		})
	}
}
