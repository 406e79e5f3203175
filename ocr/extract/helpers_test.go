package extract

import (
	"os"
	"path/filepath"
	"testing"
)

// testdataDir is the shared real test data, or "" (and the test skipped)
// when it is absent.
func testdataDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "testdata", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no test data at %s", dir)
	}
	return dir
}

// TestdataDir is testdataDir for the external tests.
func TestdataDir(t *testing.T, sub string) string {
	t.Helper()
	return testdataDir(t, sub)
}
