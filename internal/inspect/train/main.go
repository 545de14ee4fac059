// Command train builds the development sets from ../shared/data/injection,
// trains the injection classifier on the training split and writes the
// model file that Parapet embeds. Run it from the repository root:
//
//	go run ./internal/inspect/train
//
// It prints the SHA-256 of the model it wrote and the metrics on every
// held-back set. With -sets DIR it also writes the sets as JSON Lines for
// `parapet inspect eval`. The same data and flags give the same model file,
// byte for byte.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"sort"

	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/inspect/dataset"
)

// The defaults that produce the committed model.
const (
	defaultBits   = 17
	defaultWindow = 24
	defaultEpochs = 8
)

func main() {
	data := flag.String("data", "../shared/data/injection", "the injection data folder (bipia/, injecguard/, gptfuzz/)")
	out := flag.String("out", "internal/inspect/model.bin", "where to write the model")
	sets := flag.String("sets", "", "also write the generated sets as JSON Lines into this folder")
	bits := flag.Int("bits", defaultBits, "log2 of the weight buckets")
	window := flag.Int("window", defaultWindow, "tokens per scoring window")
	epochs := flag.Int("epochs", defaultEpochs, "training epochs")
	perCarrier := flag.Int("per-carrier", 6, "explicit injections generated per carrier")
	gomod := flag.String("gomod", "go.mod", "the go.mod whose module versions pin the infrastructure text")
	rate := flag.Float64("rate", 0, "initial learning rate (0: the trainer's default)")
	decay := flag.Float64("decay", 0, "weight decay per epoch (0: the trainer's default)")
	flag.Parse()
	if err := run(*data, *gomod, *out, *sets, uint8(*bits), *window, *epochs, *perCarrier, float32(*rate), float32(*decay)); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(data, gomod, out, sets string, bits uint8, window, epochs, perCarrier int, rate, decay float32) error {
	dirs, err := moduleDirs(gomod)
	if err != nil {
		return err
	}
	exs, err := dataset.Build(dataset.Options{Dir: data, PerCarrier: perCarrier, ModuleDirs: dirs})
	if err != nil {
		return err
	}
	if sets != "" {
		if err := dataset.Write(sets, exs); err != nil {
			return err
		}
	}
	model, err := inspect.Train(TrainingExamples(exs), trainConfig(bits, window, epochs, rate, decay))
	if err != nil {
		return err
	}
	blob, err := model.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, blob, 0o644); err != nil {
		return err
	}
	sum := sha256.Sum256(blob)
	fmt.Printf("wrote %s: %d bytes, sha256 %s\n", out, len(blob), hex.EncodeToString(sum[:]))
	fmt.Printf("thresholds: strict %.4f balanced %.4f permissive %.4f\n", model.Thresh[0], model.Thresh[1], model.Thresh[2])
	return report(exs, model)
}

// trainConfig is the trainer's configuration: the hard negatives written
// here are a stress test, reported on their own and left out when the
// preset thresholds are chosen.
func trainConfig(bits uint8, window, epochs int, rate, decay float32) inspect.TrainConfig {
	return inspect.TrainConfig{Bits: bits, Window: window, Epochs: epochs, Rate: rate, Decay: decay,
		StressSets: map[string]bool{dataset.SetHardNeg: true}}
}

// setWeights weigh the sets in training: NotInject and the hard negatives
// are few and matter most for false positives; BIPIA's attacks are task
// instructions without injection markers and would teach the model to
// flag any request, so they count less.
var setWeights = map[string]float32{
	dataset.SetExplicit: 1, dataset.SetStandalone: 1, dataset.SetImplicit: 0.5, dataset.SetBIPIA: 0.3, dataset.SetJailbreak: 1, dataset.SetClean: 1,
	dataset.SetNotInject: 8, dataset.SetWildGuard: 1, dataset.SetHardNeg: 3, dataset.SetInfra: 1,
}

// TrainingExamples turns the training split into trainer input, holding
// out about 15% of its groups for calibration.
func TrainingExamples(exs []dataset.Example) []inspect.TrainExample {
	var out []inspect.TrainExample
	for _, e := range exs {
		if e.Split != "train" {
			continue
		}
		group := e.Carrier + "|" + e.Template
		if group == "|" {
			group = e.Text
		}
		h := fnv.New32a()
		h.Write([]byte(group))
		out = append(out, inspect.TrainExample{
			Text: e.Text, Label: e.Label == 1, SpanStart: e.SpanStart, SpanEnd: e.SpanEnd,
			Weight: setWeights[e.Set], Calibration: h.Sum32()%100 < 15, Set: e.Set,
		})
	}
	return out
}

// report prints the held-back metrics: each positive set against the clean
// carriers, and the false-positive rate of each negative set.
func report(exs []dataset.Example, model *inspect.Model) error {
	in, err := inspect.New(inspect.Options{Model: model, NoSecrets: true})
	if err != nil {
		return err
	}
	bySet := map[string][]string{}
	for _, e := range exs {
		if e.Split == "test" {
			bySet[e.Set] = append(bySet[e.Set], e.Text)
		}
	}
	var names []string
	for n := range bySet {
		names = append(names, n)
	}
	sort.Strings(names)
	// Tool-output-like negatives: the clean carriers, and with them the
	// hard negatives (benign tool output with trigger words).
	clean := bySet[dataset.SetClean]
	cleanHard := append(append([]string(nil), clean...), bySet[dataset.SetHardNeg]...)
	infra := bySet[dataset.SetInfra]
	for _, n := range names {
		texts := bySet[n]
		if n == dataset.SetExplicit || n == dataset.SetStandalone || n == dataset.SetImplicit || n == dataset.SetBIPIA || n == dataset.SetJailbreak {
			m := in.Evaluate(texts, clean)
			mh := in.Evaluate(texts, cleanHard)
			mi := in.Evaluate(texts, infra)
			fmt.Printf("held-back %-14s n=%-5d recall %.3f  AUC %.4f  recall@1%%FPR %.3f vs clean carriers, %.3f vs clean and hard negatives, %.3f vs infrastructure text\n",
				n, len(texts), m.Recall, m.AUC, m.RecallAt1PctFPR, mh.RecallAt1PctFPR, mi.RecallAt1PctFPR)
			continue
		}
		m := in.Evaluate(nil, texts)
		fmt.Printf("held-back %-14s n=%-5d FPR %.3f\n", n, len(texts), m.FPR)
	}
	return nil
}
