// Command covercheck runs `go test -cover` on packages and fails when a
// package's statement coverage is below -min percent.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
)

func main() {
	min := flag.Float64("min", 90, "minimum statement coverage, percent")
	flag.Parse()
	re := regexp.MustCompile(`(?m)^ok\s+(\S+).*coverage: ([0-9.]+)% of statements`)
	failed := false
	for _, pkg := range flag.Args() {
		out, err := exec.Command("go", "test", "-count=1", "-cover", pkg).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "covercheck: %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
		for _, m := range re.FindAllStringSubmatch(string(out), -1) {
			c, _ := strconv.ParseFloat(m[2], 64)
			status := "ok"
			if c < *min {
				status = "BELOW MINIMUM"
				failed = true
			}
			fmt.Printf("covercheck: %s %.1f%% (min %.0f%%) %s\n", m[1], c, *min, status)
		}
	}
	if failed {
		os.Exit(1)
	}
}
