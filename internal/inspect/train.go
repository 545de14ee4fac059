package inspect

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
)

// TrainExample is one labelled text for Train.
type TrainExample struct {
	Text  string
	Label bool
	// SpanStart and SpanEnd are the injection's bytes in Text when known;
	// training then scores the best window that overlaps them. Use -1 when
	// unknown.
	SpanStart, SpanEnd int
	Weight             float32 // 0 counts as 1
	// Calibration marks examples held out of the weight updates and used
	// to fit the probability scale.
	Calibration bool
	// Set names the kind of text (a data set); each preset's threshold
	// keeps every set of negatives at or under the preset's false-positive
	// rate.
	Set string
}

// TrainConfig holds the trainer's hyper-parameters. Zero fields take the
// defaults below.
type TrainConfig struct {
	Bits   uint8   // log2 weight buckets; default 18
	Window int     // tokens per window; default 24
	Epochs int     // default 8
	Rate   float32 // initial learning rate; default 0.05
	Decay  float32 // weight decay per epoch; default 0.02
	Seed   uint64  // shuffle seed; default 1
	// FPR targets for the presets on the calibration negatives: strict,
	// balanced, permissive. Default 5%, 2%, 0.5%.
	PresetFPR [3]float64
	// StressSets name sets of negatives that are left out when the preset
	// thresholds are chosen: stress tests reported on their own.
	StressSets map[string]bool
}

func (c *TrainConfig) defaults() {
	if c.Bits == 0 {
		c.Bits = 18
	}
	if c.Window <= 0 || c.Window > maxWindow {
		c.Window = 24
	}
	if c.Epochs == 0 {
		c.Epochs = 8
	}
	if c.Rate == 0 {
		c.Rate = 0.05
	}
	if c.Decay == 0 {
		c.Decay = 0.02
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.PresetFPR == [3]float64{} {
		c.PresetFPR = [3]float64{0.05, 0.02, 0.005}
	}
}

// Train fits a model with logistic loss by stochastic gradient descent over
// each example's best window (the window over the known injection span for
// positives that have one), then fits Platt scaling and the preset
// thresholds on the calibration examples. It is deterministic: the same
// examples and config give the same model, bit for bit, on one platform.
func Train(exs []TrainExample, cfg TrainConfig) (*Model, error) {
	cfg.defaults()
	var fit, cal []int
	var posW, negW float64
	for i, e := range exs {
		if e.Calibration {
			cal = append(cal, i)
			continue
		}
		fit = append(fit, i)
		if e.Label {
			posW += float64(weightOf(e))
		} else {
			negW += float64(weightOf(e))
		}
	}
	if posW == 0 || negW == 0 {
		return nil, errors.New("train: need positive and negative training examples")
	}
	if len(cal) == 0 {
		return nil, errors.New("train: need calibration examples")
	}
	// Balance the classes.
	posScale := float32((posW + negW) / (2 * posW))
	negScale := float32((posW + negW) / (2 * negW))

	m := &Model{Bits: cfg.Bits, Window: cfg.Window, W: make([]float32, 1<<cfg.Bits), PlattA: 1}
	lx := compiledLexicon()
	sc := new(scratch)
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed*0x9e3779b97f4a7c15+1))
	order := append([]int(nil), fit...)
	var avg []float32
	var avgBias float32
	navg := 0
	for ep := 0; ep < cfg.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		lr := cfg.Rate / float32(1+ep)
		for _, i := range order {
			e := &exs[i]
			prepare(sc, lx, e.Text, cfg.Bits)
			from, to := m.trainWindow(sc, e)
			if to <= from {
				continue
			}
			var s float32 = m.Bias
			for t := from; t < to; t++ {
				for _, f := range sc.fs.feats[sc.fs.start[t]:sc.fs.start[t+1]] {
					s += m.W[f]
				}
			}
			p := sigmoid(float64(s))
			y, scale := 0.0, negScale
			if e.Label {
				y, scale = 1, posScale
			}
			g := float32(p-y) * weightOf(*e) * scale * lr
			for t := from; t < to; t++ {
				for _, f := range sc.fs.feats[sc.fs.start[t]:sc.fs.start[t+1]] {
					m.W[f] -= g
				}
			}
			m.Bias -= g
			// The carrier around a known injection is clean text: train
			// its best window as a negative too.
			if e.Label && e.SpanStart >= 0 {
				m.trainOutside(sc, e, from, to, negScale*weightOf(*e)*lr)
			}
		}
		keep := 1 - cfg.Decay
		for k := range m.W {
			m.W[k] *= keep
		}
		// Average the weights of the second half of the epochs: the
		// average is steadier than the last iterate.
		if ep >= cfg.Epochs/2 {
			if avg == nil {
				avg = make([]float32, len(m.W))
			}
			for k, w := range m.W {
				avg[k] += w
			}
			avgBias += m.Bias
			navg++
		}
	}
	for k := range avg {
		m.W[k] = avg[k] / float32(navg)
	}
	m.Bias = avgBias / float32(navg)
	// Quantise now, so calibration sees the weights the file will hold.
	data, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	if m, err = ParseModel(data); err != nil {
		return nil, err
	}
	// Platt scaling on the calibration examples' best-window scores.
	raw := make([]float64, len(cal))
	lab := make([]bool, len(cal))
	for k, i := range cal {
		prepare(sc, lx, exs[i].Text, cfg.Bits)
		s, _, _ := m.bestWindow(&sc.fs, &sc.contrib)
		raw[k], lab[k] = float64(s), exs[i].Label
	}
	a, b := plattFit(raw, lab)
	m.PlattA, m.PlattB = float32(a), float32(b)
	// Preset thresholds: the final scan score (model and rules) at the
	// target false-positive rate averaged over the sets of calibration
	// negatives (each set weighs the same, whatever its size), so that a
	// few benign texts full of trigger words count as much as hundreds of
	// plain tool outputs.
	in, err := New(Options{Model: m, NoSecrets: true})
	if err != nil {
		return nil, err
	}
	perSet := map[string]int{}
	for _, i := range cal {
		if !exs[i].Label && !cfg.StressSets[exs[i].Set] {
			perSet[exs[i].Set]++
		}
	}
	var neg []weighted
	for _, i := range cal {
		if !exs[i].Label && !cfg.StressSets[exs[i].Set] {
			neg = append(neg, weighted{in.Scan(exs[i].Text, SourceToolOutput).Score, 1 / float64(perSet[exs[i].Set])})
		}
	}
	floors := [3]float64{0.5, 0.8, 0.9}
	for k := range m.Thresh {
		m.Thresh[k] = float32(math.Max(floors[k], weightedThreshold(neg, cfg.PresetFPR[k])))
	}
	for k := 1; k < 3; k++ {
		if m.Thresh[k] < m.Thresh[k-1] {
			m.Thresh[k] = m.Thresh[k-1]
		}
	}
	return m, nil
}

func weightOf(e TrainExample) float32 {
	if e.Weight == 0 {
		return 1
	}
	return e.Weight
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// prepare runs the scanner's front half on text: normalisation, the
// lexicon, hidden markup, rules and features.
func prepare(sc *scratch, lx *lex, text string, bits uint8) {
	nt := &sc.nt
	normalize(nt, text)
	sc.ms = lx.ac.scan(sc.ms[:0], nt.b)
	sc.bg.fill(lx, sc.ms)
	markupRegions(nt, &sc.bg)
	sc.hits = evalRules(sc.hits[:0], &sc.bg)
	featurize(&sc.fs, nt, sc.ms, sc.hits, bits)
}

// trainWindow picks the window an example trains on: for a positive with
// a known span, the best window around the span; otherwise the best window
// of the text.
func (m *Model) trainWindow(sc *scratch, e *TrainExample) (int, int) {
	_, from, to := m.bestWindow(&sc.fs, &sc.contrib)
	if !e.Label || e.SpanStart < 0 || e.SpanEnd <= e.SpanStart {
		return from, to
	}
	ns, ne := sc.nt.normIndex(e.SpanStart), sc.nt.normIndex(e.SpanEnd)
	tp := sc.fs.tpos
	t0 := sort.Search(len(tp), func(i int) bool { return int(tp[i]) >= ns })
	t1 := sort.Search(len(tp), func(i int) bool { return int(tp[i]) >= ne })
	if t1 <= t0 {
		return from, to
	}
	// The injection's own tokens, all of them when they fit in a window.
	if t1-t0 <= m.Window {
		return t0, t1
	}
	_, from, to = fixedWindow(sc.contrib[t0:t1], 0, t1-t0, m.Window, m.Bias)
	return from + t0, to + t0
}

// trainOutside makes a negative update on the best window of the text
// outside the injection window [from, to).
func (m *Model) trainOutside(sc *scratch, e *TrainExample, from, to int, step float32) {
	c := sc.contrib
	// Recompute nothing: contributions are from before this example's
	// positive update, which is close enough for picking the window.
	bl, fl, tl := maxSubarray(c, 0, from, m.Window, m.Bias)
	br, fr, tr := maxSubarray(c, to, len(c), m.Window, m.Bias)
	f, t, s := fl, tl, bl
	if tr > fr && (tl <= fl || br > bl) {
		f, t, s = fr, tr, br
	}
	if t <= f {
		return
	}
	g := float32(sigmoid(float64(s))) * step
	for k := f; k < t; k++ {
		for _, x := range sc.fs.feats[sc.fs.start[k]:sc.fs.start[k+1]] {
			m.W[x] -= g
		}
	}
	m.Bias -= g
}

// plattFit fits p = sigmoid(a*s + b) by Newton's method on the log loss,
// with Platt's smoothed targets.
func plattFit(s []float64, y []bool) (float64, float64) {
	var np, nn float64
	for _, l := range y {
		if l {
			np++
		} else {
			nn++
		}
	}
	hi, lo := (np+1)/(np+2), 1/(nn+2)
	a, b := 1.0, 0.0
	for it := 0; it < 100; it++ {
		var g1, g2, h11, h12, h22 float64
		for i := range s {
			t := lo
			if y[i] {
				t = hi
			}
			p := sigmoid(a*s[i] + b)
			d := p - t
			w := math.Max(p*(1-p), 1e-12)
			g1 += d * s[i]
			g2 += d
			h11 += w * s[i] * s[i]
			h12 += w * s[i]
			h22 += w
		}
		h11 += 1e-9
		h22 += 1e-9
		det := h11*h22 - h12*h12
		if math.Abs(det) < 1e-18 {
			break
		}
		da := (h22*g1 - h12*g2) / det
		db := (h11*g2 - h12*g1) / det
		a -= da
		b -= db
		if math.Abs(da)+math.Abs(db) < 1e-10 {
			break
		}
	}
	return a, b
}

// thresholdAtFPR returns the lowest threshold t such that at most a
// fraction fpr of scores are >= t.
func thresholdAtFPR(scores []float64, fpr float64) float64 {
	if len(scores) == 0 {
		return 0.5
	}
	s := append([]float64(nil), scores...)
	sort.Float64s(s)
	allowed := int(math.Floor(fpr * float64(len(s))))
	// The allowed highest scores may pass; the next one must not.
	k := len(s) - allowed - 1
	if k < 0 {
		return 0
	}
	return math.Nextafter(s[k], math.Inf(1))
}

type weighted struct{ score, weight float64 }

// weightedThreshold returns the lowest threshold such that the weight of
// the scores at or above it is at most fpr of the total weight.
func weightedThreshold(xs []weighted, fpr float64) float64 {
	if len(xs) == 0 {
		return 0.5
	}
	s := append([]weighted(nil), xs...)
	sort.Slice(s, func(i, j int) bool {
		if s[i].score != s[j].score {
			return s[i].score > s[j].score
		}
		return s[i].weight < s[j].weight
	})
	var total float64
	for _, x := range s {
		total += x.weight
	}
	budget := fpr * total
	var used float64
	for i, x := range s {
		// Scores tied with this one pass or fail together.
		j := i
		var tie float64
		for j < len(s) && s[j].score == x.score {
			tie += s[j].weight
			j++
		}
		if i > 0 && s[i-1].score == x.score {
			continue
		}
		if used+tie > budget {
			return math.Nextafter(x.score, math.Inf(1))
		}
		used += tie
	}
	return 0
}
