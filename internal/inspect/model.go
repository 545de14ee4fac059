package inspect

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// The classifier is a linear model over hashed features of the normalised
// text: word unigrams and bigrams, character trigrams inside words, the
// lexicon groups and rules that match there, and the hidden-content kinds
// found there. Every token gets the sum of its features' weights; the text
// scores as its best window of Window consecutive tokens, so an injection
// buried in a long tool response is not diluted by the text around it.
// Platt scaling turns the window score into a probability.

// modelMagic starts every model file.
const modelMagic = "PRPTINJ1"

// Model is a trained injection classifier. The zero value is not usable;
// load one with ParseModel or use the embedded DefaultModel.
type Model struct {
	Bits   uint8      // log2 of the number of weight buckets
	Window int        // tokens per scoring window
	Bias   float32    // added to every window sum
	PlattA float32    // probability = 1 / (1 + exp(-(A*score + B)))
	PlattB float32    //
	Thresh [3]float32 // probability thresholds: strict, balanced, permissive
	W      []float32  // 1<<Bits weights

	// q and scale are the quantised weights a parsed model scores with:
	// W[i] == float32(q[i])*scale.
	q     []int16
	scale float32
}

//go:embed model.bin
var embeddedModel []byte

var defaultModel = func() *Model {
	m, err := ParseModel(embeddedModel)
	if err != nil {
		panic("inspect: embedded model.bin: " + err.Error())
	}
	return m
}()

// DefaultModel returns the model shipped with Parapet.
func DefaultModel() *Model { return defaultModel }

// MarshalBinary encodes the model: the magic, a header of little-endian
// fields, then the weights quantised to int16 with one scale.
func (m *Model) MarshalBinary() ([]byte, error) {
	if len(m.W) != 1<<m.Bits {
		return nil, fmt.Errorf("model has %d weights, want %d", len(m.W), 1<<m.Bits)
	}
	var maxAbs float32
	for _, w := range m.W {
		if a := float32(math.Abs(float64(w))); a > maxAbs {
			maxAbs = a
		}
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	var buf bytes.Buffer
	buf.WriteString(modelMagic)
	hdr := []any{m.Bits, uint16(m.Window), m.Bias, m.PlattA, m.PlattB, m.Thresh, scale}
	for _, v := range hdr {
		if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
			return nil, err
		}
	}
	q := make([]int16, len(m.W))
	for i, w := range m.W {
		q[i] = int16(math.Round(float64(w / scale)))
	}
	if err := binary.Write(&buf, binary.LittleEndian, q); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseModel decodes a model written by MarshalBinary.
func ParseModel(data []byte) (*Model, error) {
	if !bytes.HasPrefix(data, []byte(modelMagic)) {
		return nil, errors.New("not a Parapet injection model (bad magic)")
	}
	r := bytes.NewReader(data[len(modelMagic):])
	m := &Model{}
	var window uint16
	var scale float32
	for _, v := range []any{&m.Bits, &window, &m.Bias, &m.PlattA, &m.PlattB, &m.Thresh, &scale} {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			return nil, fmt.Errorf("model header: %w", err)
		}
	}
	if m.Bits < 8 || m.Bits > 24 || window == 0 || window > maxWindow {
		return nil, fmt.Errorf("model header: bits %d window %d out of range", m.Bits, window)
	}
	m.Window = int(window)
	if r.Len() != 2<<m.Bits {
		return nil, fmt.Errorf("model weights: %d bytes, want %d for %d bits", r.Len(), 2<<m.Bits, m.Bits)
	}
	q := make([]int16, 1<<m.Bits)
	if err := binary.Read(r, binary.LittleEndian, q); err != nil {
		return nil, fmt.Errorf("model weights: %w", err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("model: %d trailing bytes", r.Len())
	}
	m.q, m.scale = q, scale
	m.W = make([]float32, len(q))
	for i, v := range q {
		m.W[i] = float32(v) * scale
	}
	return m, nil
}

// Prob turns a window score into a calibrated probability.
func (m *Model) Prob(score float32) float64 {
	z := float64(m.PlattA)*float64(score) + float64(m.PlattB)
	return 1 / (1 + math.Exp(-z))
}

// featureSet is the features of one text, token by token: the features of
// token i are feats[start[i]:start[i+1]]; tokens also keep the normalised
// offsets they cover.
type featureSet struct {
	feats   []uint32
	contrib []float32 // per-token weight sums, when scoring directly
	extras  []extra
	start   []int32
	tpos    []int32 // normalised start offset of each token
}

func (fs *featureSet) reset() {
	fs.feats = fs.feats[:0]
	fs.start = append(fs.start[:0], 0)
	fs.tpos = fs.tpos[:0]
}

// Feature namespaces, mixed into every hash.
const (
	nsUni uint32 = 0x3779b1 * (iota + 1)
	nsBi
	nsTri
	nsGroup
	nsRule
	nsHidden
	nsLen
)

func mix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x7feb352d
	h ^= h >> 15
	h *= 0x846ca68b
	h ^= h >> 16
	return h
}

const maxTokenFeatures = 16

// extraFeatureValue is the value of lexicon, rule and hidden-content
// features (word and trigram features have value 1).
const extraFeatureValue = 3

// featurize fills fs from the normalised text, its lexicon matches and
// rule hits, and its hidden runs. Tokens are runs of word bytes (ASCII
// letters and digits, underscores, and every byte of a non-ASCII
// character).
func featurize(fs *featureSet, nt *normText, ms []acMatch, hits []ruleHit, bits uint8) {
	featurizeInto(fs, nt, ms, hits, bits, nil, 0)
}

// extra is a feature placed at a normalised offset (a lexicon group, a
// rule, a hidden run) and merged into the token that covers it.
type extra struct {
	at int32
	f  uint32
}

// featurizeInto tokenises and hashes the features. With w nil it stores
// every token's features in fs.feats; with quantised weights it stores only each
// token's summed weight in fs.contrib, which is all scoring needs.
func featurizeInto(fs *featureSet, nt *normText, ms []acMatch, hits []ruleHit, bits uint8, w []int16, scale float32) {
	if w != nil {
		fs.reset()
		fs.contrib = fs.contrib[:0]
		scoreTokens(fs, nt.b, placeExtras(fs, nt, ms, hits), 32-uint32(bits), w, scale)
		return
	}
	fs.reset()
	fs.contrib = fs.contrib[:0]
	b := nt.b
	if w == nil && cap(fs.feats) < len(b)*2 {
		fs.feats = make([]uint32, 0, len(b)*2)
	}
	if cap(fs.tpos) < len(b)/3 {
		fs.tpos = make([]int32, 0, len(b)/3)
	}
	shift := 32 - uint32(bits)
	var prev uint32 = 0x12345
	extras := fs.extras[:0]
	l := compiledLexicon()
	for _, m := range ms {
		extras = append(extras, extra{m.start, mix(nsGroup ^ uint32(l.group[m.pat]))})
	}
	for _, h := range hits {
		extras = append(extras, extra{int32(h.start), mix(nsRule ^ uint32(h.rule))})
	}
	for _, h := range nt.hidden {
		at := nt.normIndex(h.start)
		extras = append(extras, extra{int32(at), mix(nsHidden ^ strHash(h.kind))})
	}
	slices.SortStableFunc(extras, func(a, b extra) int { return int(a.at) - int(b.at) })
	fs.extras = extras
	feats := fs.feats
	ei := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c == ' ' || c == '\n' {
			i++
			continue
		}
		if !wordByte[c] {
			// Punctuation is no token of its own: what matters in it
			// (chat-template markers, markup) reaches the next word as
			// lexicon and rule features.
			i++
			continue
		}
		j := i + 1
		for j < len(b) && wordByte[b[j]] {
			j++
		}
		tok := b[i:j]
		if len(tok) > 32 {
			tok = tok[:32]
		}
		// Token hash (FNV-1a), noting whether the token has a letter.
		h := uint32(2166136261)
		var letters byte
		for _, x := range tok {
			h ^= uint32(x)
			h *= 16777619
			letters |= x
		}
		var sum int32
		nf := 2
		f1, f2 := (h^nsUni)*0x9e3779b1>>shift, (h^prev*0x85ebca6b^nsBi)*0x9e3779b1>>shift
		if w != nil {
			sum = int32(w[f1]) + int32(w[f2])
		} else {
			feats = append(feats, f1, f2)
		}
		prev = h
		if len(tok) > 2 && letters >= 'a' { // numbers get no trigrams
			// Character trigrams of "<tok>", hashed by one multiply.
			var p0, p1 uint32 = '<', uint32(tok[0])
			for k := 1; k <= len(tok) && nf < maxTokenFeatures; k++ {
				var p2 uint32 = '>'
				if k < len(tok) {
					p2 = uint32(tok[k])
				}
				f := ((p0<<16 | p1<<8 | p2) ^ nsTri) * 0x9e3779b1 >> shift
				if w != nil {
					sum += int32(w[f])
				} else {
					feats = append(feats, f)
				}
				nf++
				p0, p1 = p1, p2
			}
		}
		for ei < len(extras) && int(extras[ei].at) < j {
			if nf < maxTokenFeatures+8 {
				// Lexicon, rule and hidden-content features count
				// extraFeatureValue times: a handful of them must be able
				// to outweigh the many word and trigram features of a
				// window, and a larger value learns faster under SGD.
				f := extras[ei].f >> shift
				if w != nil {
					sum += extraFeatureValue * int32(w[f])
				} else {
					for k := 0; k < extraFeatureValue; k++ {
						feats = append(feats, f)
					}
				}
				nf++
			}
			ei++
		}
		if w != nil {
			fs.contrib = append(fs.contrib, float32(sum)*scale)
		} else {
			fs.start = append(fs.start, int32(len(feats)))
		}
		fs.tpos = append(fs.tpos, int32(i))
		i = j
		if len(fs.tpos) >= maxTokens {
			break
		}
	}
	fs.feats = feats
}

var wordByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isWordByteN(byte(c))
	}
	return t
}()

// maxWindow bounds the window length (the scorer's queue is sized for it).
const maxWindow = 256

// maxTokens bounds the tokens scored in one text (about 1 MiB of prose).
const maxTokens = 1 << 18

func isWordByteN(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80 || c == '_'
}

// normIndex maps an original offset to the first normalised byte at or
// after it.
func (nt *normText) normIndex(orig int) int {
	lo, hi := 0, len(nt.b)
	for lo < hi {
		m := (lo + hi) / 2
		if int(nt.off[m]) < orig {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// bestWindow returns the highest window sum over the token contributions
// and the token range [from, to) that reaches it.
func (m *Model) bestWindow(fs *featureSet, buf *[]float32) (best float32, from, to int) {
	n := len(fs.tpos)
	contrib := (*buf)[:0]
	for i := 0; i < n; i++ {
		var s float32
		for _, f := range fs.feats[fs.start[i]:fs.start[i+1]] {
			s += m.W[f]
		}
		contrib = append(contrib, s)
	}
	*buf = contrib
	return windowMax(contrib, m.Window, m.Bias)
}

// windowMax returns the highest sum of at most w consecutive
// contributions, plus bias, and where it is: only the strongest passage
// counts, so the text around an injection neither dilutes nor hides it.
func windowMax(contrib []float32, w int, bias float32) (best float32, from, to int) {
	return maxSubarray(contrib, 0, len(contrib), w, bias)
}

// fixedWindow finds the best window of min(w, len(c)) tokens whose start
// lies in [lo, hi).
func fixedWindow(c []float32, lo, hi, w int, bias float32) (best float32, from, to int) {
	n := len(c)
	if n <= w {
		var s float32
		for _, x := range c {
			s += x
		}
		return s + bias, 0, n
	}
	if lo < 0 {
		lo = 0
	}
	if hi > n-w+1 {
		hi = n - w + 1
	}
	if hi <= lo {
		lo, hi = n-w, n-w+1
	}
	var s float32
	for i := lo; i < lo+w; i++ {
		s += c[i]
	}
	best, from = s, lo
	for a := lo + 1; a < hi; a++ {
		s += c[a+w-1] - c[a-1]
		if s > best {
			best, from = s, a
		}
	}
	return best + bias, from, from + w
}

// maxSubarray finds the best run of 1..w contributions inside [lo, hi),
// with prefix sums and a monotonic queue of prefix minima: O(hi-lo).
func maxSubarray(c []float32, lo, hi, w int, bias float32) (best float32, from, to int) {
	if hi <= lo {
		return bias, lo, lo
	}
	var q [512]int32 // ring of candidate start indices; w <= 256 fits
	var pre [512]float32
	var qh, qt int
	p := float32(0)
	// pre[k&511] is the prefix sum before index k.
	pre[lo&511] = 0
	q[qt&511] = int32(lo)
	qt++
	best, from, to = c[lo]+bias, lo, lo+1
	for j := lo; j < hi; j++ {
		p += c[j]
		// Drop starts that are too far back.
		for qh < qt && int(q[qh&511]) < j+1-w {
			qh++
		}
		if qh < qt {
			i := int(q[qh&511])
			if s := p - pre[i&511]; s+bias > best {
				best, from, to = s+bias, i, j+1
			}
		}
		// Start index j+1 with prefix p.
		for qh < qt && pre[int(q[(qt-1)&511])&511] >= p {
			qt--
		}
		pre[(j+1)&511] = p
		q[qt&511] = int32(j + 1)
		qt++
	}
	return best, from, to
}

func strHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// tokenEnd returns the normalised end offset of the token starting at i.
func tokenEnd(b []byte, i int) int {
	j := i + 1
	for j < len(b) && wordByte[b[j]] {
		j++
	}
	return j
}

// placeExtras lists the lexicon, rule and hidden-content features of a
// text by normalised offset.
func placeExtras(fs *featureSet, nt *normText, ms []acMatch, hits []ruleHit) []extra {
	extras := fs.extras[:0]
	l := compiledLexicon()
	for _, m := range ms {
		extras = append(extras, extra{m.start, mix(nsGroup ^ uint32(l.group[m.pat]))})
	}
	for _, h := range hits {
		extras = append(extras, extra{int32(h.start), mix(nsRule ^ uint32(h.rule))})
	}
	for _, h := range nt.hidden {
		at := nt.normIndex(h.start)
		extras = append(extras, extra{int32(at), mix(nsHidden ^ strHash(h.kind))})
	}
	slices.SortStableFunc(extras, func(a, b extra) int { return int(a.at) - int(b.at) })
	fs.extras = extras
	return extras
}

// maxTrigrams is how many trigram features a token has at most: what
// maxTokenFeatures leaves after the word and word-pair features.
const maxTrigrams = maxTokenFeatures - 2

// scoreTokens is featurizeInto's scoring path: the same features, summed
// into each token's weight as they are hashed, in one pass over each
// token. TestScoringMatchesTheFeatures keeps the two in step.
func scoreTokens(fs *featureSet, b []byte, extras []extra, shift uint32, w []int16, scale float32) {
	prev := uint32(0x12345)
	ei := 0
	for i := 0; i < len(b); {
		if !wordByte[b[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(b) && wordByte[b[j]] {
			j++
		}
		tok := b[i:j]
		if len(tok) > 32 {
			tok = tok[:32]
		}
		withTri := false
		if len(tok) > 2 {
			for _, x := range tok {
				if x >= 'a' {
					withTri = true
					break
				}
			}
		}
		h := uint32(2166136261)
		var tri int32
		ntri := 0
		p0, p1 := uint32('<'), uint32(tok[0])
		h ^= p1
		h *= 16777619
		for k := 1; k < len(tok); k++ {
			x := uint32(tok[k])
			h ^= x
			h *= 16777619
			if withTri && ntri < maxTrigrams {
				tri += int32(w[((p0<<16|p1<<8|x)^nsTri)*0x9e3779b1>>shift])
				ntri++
			}
			p0, p1 = p1, x
		}
		if withTri && ntri < maxTrigrams {
			tri += int32(w[((p0<<16|p1<<8|'>')^nsTri)*0x9e3779b1>>shift])
			ntri++
		}
		sum := int32(w[(h^nsUni)*0x9e3779b1>>shift]) + int32(w[(h^prev*0x85ebca6b^nsBi)*0x9e3779b1>>shift]) + tri
		prev = h
		nf := 2 + ntri
		for ei < len(extras) && int(extras[ei].at) < j {
			if nf < maxTokenFeatures+8 {
				sum += extraFeatureValue * int32(w[extras[ei].f>>shift])
				nf++
			}
			ei++
		}
		fs.contrib = append(fs.contrib, float32(sum)*scale)
		fs.tpos = append(fs.tpos, int32(i))
		i = j
		if len(fs.tpos) >= maxTokens {
			break
		}
	}
}
