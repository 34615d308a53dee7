package qemu

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// BenchmarkSMPScaling runs userspace/bench's multiprocessor benchmarks
// through zxrun at -smp 1, 2 and 4 (threads on every CPU) and prints
// their figures and the throughput of K independent process pairs doing
// channel round trips relative to one CPU. Under TCG every vCPU is a host
// thread: the speed-up is bounded by the host's free cores, and the
// cross-CPU figures (wake-ups, shootdowns) include the host scheduling
// the vCPU threads.
func BenchmarkSMPScaling(b *testing.B) {
	zx := filepath.Join(Root(), "bin", "zxrun")
	if _, err := os.Stat(zx); err != nil {
		b.Fatalf("%s missing: build it with make", zx)
	}
	bin := filepath.Join(b.TempDir(), "bench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "./userspace/bench")
	build.Dir = Root()
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOAMD64=v1")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	line := regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)
	metric := regexp.MustCompile(`([0-9.e+]+) (\S+)`)
	base := 0.0
	for i := 0; i < b.N; i++ {
		for _, n := range []int{1, 2, 4} {
			cmd := exec.Command(zx, bin, "-test.run=^$", "-test.bench=ChannelPairs|CrossCPUWake|UnmapShootdown", "-test.benchtime=3x")
			cmd.Env = append(os.Environ(), "BERYL_SMP="+strconv.Itoa(n), "ZXRUN_CMDLINE=smp=on", "ZXRUN_CWD=none")
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("-smp %d: %v\n%s", n, err, out)
			}
			for _, l := range regexp.MustCompile(`\r?\n`).Split(string(out), -1) {
				m := line.FindStringSubmatch(l)
				if m == nil {
					continue
				}
				fmt.Printf("smp=%d %s %s\n", n, m[1], m[3])
				if m[1] != "BenchmarkChannelPairs" {
					continue
				}
				for _, mm := range metric.FindAllStringSubmatch(m[3], -1) {
					if mm[2] != "roundtrips/s" {
						continue
					}
					v, _ := strconv.ParseFloat(mm[1], 64)
					if n == 1 {
						base = v
					} else if base > 0 {
						fmt.Printf("smp=%d channel pairs speed-up over smp=1: %.2fx\n", n, v/base)
						b.ReportMetric(v/base, fmt.Sprintf("speedup-%dcpu", n))
					}
				}
			}
		}
	}
}
