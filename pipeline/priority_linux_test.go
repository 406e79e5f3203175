package pipeline

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestBackgroundLowersThreadPriority(t *testing.T) {
	nice := func() string {
		stat, err := os.ReadFile("/proc/thread-self/stat")
		if err != nil {
			t.Skipf("no /proc: %v", err)
		}
		// Fields after the command's closing parenthesis; nice is field 19.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		return f[19-3]
	}
	done := make(chan [2]string)
	go func() {
		before := nice()
		if err := background(); err != nil {
			t.Error(err)
		}
		done <- [2]string{before, nice()}
	}()
	got := <-done
	if before, _ := strconv.Atoi(got[0]); before > workerNice {
		t.Skipf("the test runs at nice %d already", before)
	}
	if got[1] != strconv.Itoa(workerNice) {
		t.Errorf("nice before %s, after %s; want %d", got[0], got[1], workerNice)
	}
}
