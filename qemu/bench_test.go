package qemu

import (
	"sort"
	"testing"
	"time"
)

// BenchmarkBoot measures QEMU start to the kernel's ready line (median of
// five boots per iteration) under TCG.
func BenchmarkBoot(b *testing.B) {
	kernel := image(b, "beryl.elf")
	var all []time.Duration
	for i := 0; i < b.N; i++ {
		for j := 0; j < 5; j++ {
			res, err := Boot(Config{Kernel: kernel, Cmdline: "ready.exit", StopOn: "beryl: ready", Timeout: time.Minute})
			if err != nil || res.StopAt == 0 {
				b.Fatalf("boot: %v", err)
			}
			all = append(all, res.StopAt)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(all[len(all)/2].Nanoseconds()), "ns/op")
}
