package terraform

import (
	"os"
	"path/filepath"
	"testing"
)

func addSeeds(f *testing.F, glob string) {
	paths, _ := filepath.Glob(glob)
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// FuzzReadPlan: any input gives a Config or an error, never a panic, and a
// Config always builds an inventory and an IAM model.
func FuzzReadPlan(f *testing.F) {
	addSeeds(f, "testdata/*.plan.json")
	addSeeds(f, "testdata/fuzz/plan/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadPlan("fuzz.json", data)
		if err != nil {
			return
		}
		c.Snapshot()
	})
}

// FuzzLoadDir: any single main.tf gives a Config or an error naming the
// file, never a panic or a hang.
func FuzzLoadDir(f *testing.F) {
	addSeeds(f, "testdata/agent/*.tf")
	addSeeds(f, "testdata/partial/*.tf")
	addSeeds(f, "testdata/fuzz/hcl/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := LoadDir(dir, nil)
		if err != nil {
			return
		}
		c.Snapshot()
	})
}
