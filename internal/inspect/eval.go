package inspect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"
)

// Metrics are the detector's figures on labelled texts. The JSON keys are
// part of the eval command's stable output.
type Metrics struct {
	Positives       int     `json:"positives"`
	Negatives       int     `json:"negatives"`
	Precision       float64 `json:"precision"`
	Recall          float64 `json:"recall"`
	F1              float64 `json:"f1"`
	RecallAt1PctFPR float64 `json:"recall_at_1pct_fpr"` // from the scores, whatever the threshold
	AUC             float64 `json:"auc"`
	FPR             float64 `json:"fpr"` // at the preset's threshold
	MBPerS          float64 `json:"mb_per_s"`
	Threshold       float64 `json:"threshold"`
}

// Evaluate scans every text and computes the metrics at the inspector's
// threshold. Throughput counts the bytes of all texts over the time spent
// in Scan, on one goroutine.
func (in *Inspector) Evaluate(positives, negatives []string) Metrics {
	var bytes int
	var elapsed time.Duration
	score := func(texts []string) []float64 {
		out := make([]float64, len(texts))
		for i, t := range texts {
			start := time.Now()
			r := in.Scan(t, SourceToolOutput)
			elapsed += time.Since(start)
			bytes += len(t)
			out[i] = r.Score
		}
		return out
	}
	ps, ns := score(positives), score(negatives)
	m := MetricsFromScores(ps, ns, in.threshold)
	if elapsed > 0 {
		m.MBPerS = float64(bytes) / 1e6 / elapsed.Seconds()
	}
	return m
}

// MetricsFromScores computes the metrics from the scores of positives and
// negatives at threshold.
func MetricsFromScores(pos, neg []float64, threshold float64) Metrics {
	m := Metrics{Positives: len(pos), Negatives: len(neg), Threshold: threshold}
	var tp, fp int
	for _, s := range pos {
		if s >= threshold {
			tp++
		}
	}
	for _, s := range neg {
		if s >= threshold {
			fp++
		}
	}
	if tp+fp > 0 {
		m.Precision = float64(tp) / float64(tp+fp)
	}
	if len(pos) > 0 {
		m.Recall = float64(tp) / float64(len(pos))
	}
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	if len(neg) > 0 {
		m.FPR = float64(fp) / float64(len(neg))
	}
	m.AUC = auc(pos, neg)
	m.RecallAt1PctFPR = recallAtFPR(pos, neg, 0.01)
	return m
}

// auc is the probability that a random positive scores above a random
// negative, ties counting half.
func auc(pos, neg []float64) float64 {
	if len(pos) == 0 || len(neg) == 0 {
		return 0
	}
	type sl struct {
		s   float64
		pos bool
	}
	all := make([]sl, 0, len(pos)+len(neg))
	for _, s := range pos {
		all = append(all, sl{s, true})
	}
	for _, s := range neg {
		all = append(all, sl{s, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s < all[j].s })
	var rankSum float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].s == all[i].s {
			j++
		}
		avg := float64(i+j+1) / 2 // 1-based average rank of the tie group
		for k := i; k < j; k++ {
			if all[k].pos {
				rankSum += avg
			}
		}
		i = j
	}
	np, nn := float64(len(pos)), float64(len(neg))
	return (rankSum - np*(np+1)/2) / (np * nn)
}

// recallAtFPR is the recall at the lowest threshold whose false-positive
// rate on neg is at most fpr.
func recallAtFPR(pos, neg []float64, fpr float64) float64 {
	if len(pos) == 0 {
		return 0
	}
	t := thresholdAtFPR(neg, fpr)
	n := 0
	for _, s := range pos {
		if s >= t {
			n++
		}
	}
	return float64(n) / float64(len(pos))
}

// ReadTexts reads the "text" field of every line of a JSON Lines file;
// other fields are ignored. Blank lines are skipped; a line that is not a
// JSON object with a string "text" is an error naming the file and line.
func ReadTexts(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	r := bufio.NewReader(f)
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var rec struct {
				Text *string `json:"text"`
			}
			if jerr := json.Unmarshal(b, &rec); jerr != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, line, jerr)
			}
			if rec.Text == nil {
				return nil, fmt.Errorf("%s:%d: no \"text\" field", path, line)
			}
			out = append(out, *rec.Text)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
}
