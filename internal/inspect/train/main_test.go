package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/inspect/dataset"
)

// dataDir is ../shared/data/injection seen from this package.
const dataDir = "../../../../shared/data/injection"

func buildOrSkip(t *testing.T) []dataset.Example {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dataDir, "bipia")); err != nil {
		t.Skipf("%s is absent: skipping (the development sets are built from it)", dataDir)
	}
	dirs, err := moduleDirs("../../../go.mod")
	if err != nil {
		t.Skipf("module text unavailable: %v", err)
	}
	exs, err := dataset.Build(dataset.Options{Dir: dataDir, ModuleDirs: dirs})
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

func TestTrainerIsDeterministicOnASubset(t *testing.T) {
	exs := buildOrSkip(t)
	var sub []dataset.Example
	for i := 0; i < len(exs); i += 10 {
		sub = append(sub, exs[i])
	}
	cfg := inspect.TrainConfig{Bits: 12, Epochs: 2}
	var blobs [][]byte
	for k := 0; k < 2; k++ {
		m, err := inspect.Train(TrainingExamples(sub), cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	if !bytes.Equal(blobs[0], blobs[1]) {
		t.Error("two trainings of the same subset gave different model files")
	}
}

func TestBuildIsDeterministicAndSplitsByGroup(t *testing.T) {
	a, b := buildOrSkip(t), buildOrSkip(t)
	if len(a) != len(b) {
		t.Fatalf("%d and %d examples", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("example %d differs between two builds", i)
		}
	}
	split := map[string]string{}
	for _, e := range a {
		for _, g := range []string{"carrier:" + e.Carrier, "template:" + e.Template} {
			if g == "carrier:" || g == "template:" || e.Technique == "leetspeak" || e.Technique == "fullwidth" {
				continue // one-template techniques vary by core and goal instead
			}
			if s, ok := split[g]; ok && s != e.Split {
				t.Fatalf("%s is in both splits", g)
			}
			split[g] = e.Split
		}
	}
	techniques := map[string]bool{}
	for _, e := range a {
		if e.Set == dataset.SetExplicit {
			techniques[e.Technique] = true
		}
	}
	if len(techniques) < 30 {
		t.Errorf("%d techniques, want at least 30", len(techniques))
	}
}

// TestCommittedModelIsTheTrainersOutput retrains on the full training
// split with the default flags and compares with the model file in the
// repository, byte for byte.
func TestCommittedModelIsTheTrainersOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("retraining the full model is skipped in -short mode")
	}
	exs := buildOrSkip(t)
	m, err := inspect.Train(TrainingExamples(exs), trainConfig(defaultBits, defaultWindow, defaultEpochs, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../model.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the trainer does not reproduce internal/inspect/model.bin: retrain with `go run ./internal/inspect/train` and commit the model")
	}
}
