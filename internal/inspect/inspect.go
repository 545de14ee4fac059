package inspect

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Source says where a text came from. Rules and the model are the same for
// every source; the source is kept with the result so a policy can weigh a
// finding in a tool response differently from one in a user's prompt.
type Source string

// Sources Parapet scans.
const (
	SourceUser       Source = "user"
	SourceToolOutput Source = "tool_output"
	SourceGitCommit  Source = "git_commit"
	SourceRepoFile   Source = "repo_file"
	SourceIaCComment Source = "iac_comment"
	SourceAlert      Source = "alert"
	SourceRAGChunk   Source = "rag_chunk"
	SourceFile       Source = "file"
)

// Category names what a finding is about.
type Category string

// Finding categories.
const (
	CategoryOverride          Category = "instruction_override"
	CategoryImpersonation     Category = "role_impersonation"
	CategoryToolCoercion      Category = "tool_coercion"
	CategoryExfiltration      Category = "exfiltration"
	CategoryCredentialRequest Category = "credential_request"
	CategoryHidden            Category = "hidden_content"
	CategoryEncoded           Category = "encoded_payload"
	CategoryInjection         Category = "injection" // the classifier's verdict on a passage
	CategorySecret            Category = "secret"
	CategoryDuplicateFlood    Category = "duplicate_flood"
	CategoryOutlier           Category = "embedding_outlier"
	CategoryChanged           Category = "changed_since_baseline"
)

// Finding is one thing Scan found. Start and End are byte offsets into the
// text that was scanned (for content found inside an encoded payload, the
// span of the payload). Score is in [0, 1].
type Finding struct {
	Category    Category `json:"category"`
	Rule        string   `json:"rule"`
	Start       int      `json:"start"`
	End         int      `json:"end"`
	Score       float64  `json:"score"`
	Explanation string   `json:"explanation"`
	// Via lists the decodings that revealed the content, outermost first:
	// "base64", "hex", "url-encoding", "rot13".
	Via []string `json:"via,omitempty"`
}

// Result is the verdict on one text.
type Result struct {
	Source Source `json:"source"`
	// Score is the calibrated probability that the text carries an
	// injection: the classifier's score, raised by any rule finding that is
	// more certain.
	Score     float64   `json:"score"`
	Threshold float64   `json:"threshold"`
	Injection bool      `json:"injection"` // Score >= Threshold
	Findings  []Finding `json:"findings"`
	Secrets   []Secret  `json:"secrets,omitempty"`
}

// Preset picks the decision threshold.
type Preset string

// Presets, from the most findings to the fewest. Balanced is the default.
const (
	PresetStrict     Preset = "strict"
	PresetBalanced   Preset = "balanced"
	PresetPermissive Preset = "permissive"
)

// ParsePreset reads a preset name; "" is balanced.
func ParsePreset(s string) (Preset, error) {
	switch p := Preset(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return PresetBalanced, nil
	case PresetStrict, PresetBalanced, PresetPermissive:
		return p, nil
	}
	return "", fmt.Errorf("unknown preset %q (want strict, balanced or permissive)", s)
}

// Defaults for Options.
const (
	DefaultMaxDecodeDepth  = 2
	DefaultMaxDecodedBytes = 64 << 10
)

// Options configure an Inspector. The zero value is the balanced preset
// with the embedded model.
type Options struct {
	Preset          Preset
	Model           *Model // nil: DefaultModel
	MaxDecodeDepth  int    // nested decodings followed; 0: DefaultMaxDecodeDepth
	MaxDecodedBytes int    // decoded bytes scanned again per text; 0: DefaultMaxDecodedBytes
	NoSecrets       bool   // skip the secret detector
}

// Inspector scans texts. It is safe for concurrent use.
type Inspector struct {
	opts      Options
	model     *Model
	threshold float64
	lex       *lex
	pool      sync.Pool
}

// New returns an Inspector for opts.
func New(opts Options) (*Inspector, error) {
	p, err := ParsePreset(string(opts.Preset))
	if err != nil {
		return nil, err
	}
	opts.Preset = p
	if opts.Model == nil {
		opts.Model = DefaultModel()
	}
	if opts.Model.q == nil {
		// A model built in memory: quantise it as its file would be.
		data, err := opts.Model.MarshalBinary()
		if err != nil {
			return nil, err
		}
		if opts.Model, err = ParseModel(data); err != nil {
			return nil, err
		}
	}
	if opts.MaxDecodeDepth <= 0 {
		opts.MaxDecodeDepth = DefaultMaxDecodeDepth
	}
	if opts.MaxDecodedBytes <= 0 {
		opts.MaxDecodedBytes = DefaultMaxDecodedBytes
	}
	in := &Inspector{opts: opts, model: opts.Model, lex: compiledLexicon()}
	switch p {
	case PresetStrict:
		in.threshold = float64(in.model.Thresh[0])
	case PresetPermissive:
		in.threshold = float64(in.model.Thresh[2])
	default:
		in.threshold = float64(in.model.Thresh[1])
	}
	in.pool.New = func() any { return new(scratch) }
	return in, nil
}

// Threshold is the score at and above which a text counts as an injection.
func (in *Inspector) Threshold() float64 { return in.threshold }

var (
	defaultOnce      sync.Once
	defaultInspector *Inspector
)

// Scan inspects text with the balanced preset and the embedded model.
func Scan(text string, src Source) Result {
	defaultOnce.Do(func() {
		var err error
		defaultInspector, err = New(Options{})
		if err != nil {
			panic(err)
		}
	})
	return defaultInspector.Scan(text, src)
}

// scratch holds the buffers of one scan, reused through a pool.
type scratch struct {
	nt      normText
	ms      []acMatch
	bg      byGroup
	hits    []ruleHit
	fs      featureSet
	contrib []float32
}

// Scan inspects one text from src.
func (in *Inspector) Scan(text string, src Source) Result {
	budget := in.opts.MaxDecodedBytes
	prob, fs := in.scanLayer(text, 0, &budget)
	res := Result{Source: src, Threshold: in.threshold, Score: prob, Findings: fs}
	for _, f := range fs {
		if isStructural(f) && f.Score > res.Score {
			res.Score = f.Score
		}
	}
	res.Injection = res.Score >= in.threshold
	if !res.Injection {
		// Keep what a reviewer should still see: hidden content and rule
		// findings that are suspicious on their own.
		kept := fs[:0]
		for _, f := range fs {
			if f.Score >= reportFloor {
				kept = append(kept, f)
			}
		}
		res.Findings = kept
	}
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	if !in.opts.NoSecrets {
		res.Secrets = Secrets(text)
	}
	return res
}

// structural categories raise the text's score on their own: their
// evidence is the shape of the text (invisible characters that carry
// words, a URL built to carry data out, a payload that decodes to an
// injection), not word choice, which the classifier already weighs with
// the rule hits as features.
func isStructural(f Finding) bool {
	switch f.Category {
	case CategoryHidden:
		return true
	case CategoryEncoded:
		return len(f.Via) > 0 // found by decoding, not by wording
	case CategoryExfiltration:
		return strings.HasSuffix(f.Rule, "-url")
	}
	return false
}

// reportFloor is the score below which rule findings are only reported
// when the text as a whole is judged an injection.
const reportFloor = 0.5

// scanLayer scans one layer of text (the original, or a payload decoded
// from it) and returns the classifier's probability and the findings.
func (in *Inspector) scanLayer(text string, depth int, budget *int) (float64, []Finding) {
	sc := in.pool.Get().(*scratch)
	defer in.pool.Put(sc)
	nt := &sc.nt
	normalize(nt, text)
	sc.ms = in.lex.ac.scan(sc.ms[:0], nt.b)
	sc.bg.fill(in.lex, sc.ms)
	regions := markupRegions(nt, &sc.bg)
	sc.hits = evalRules(sc.hits[:0], &sc.bg)
	featurizeInto(&sc.fs, nt, sc.ms, sc.hits, in.model.Bits, in.model.q, in.model.scale)
	raw, from, to := windowMax(sc.fs.contrib, in.model.Window, in.model.Bias)
	prob := in.model.Prob(raw)

	var out []Finding
	// The classifier's passage.
	if prob >= in.threshold && to > from {
		s, e := nt.origSpan(int(sc.fs.tpos[from]), tokenEnd(nt.b, int(sc.fs.tpos[to-1])))
		out = append(out, Finding{Category: CategoryInjection, Rule: "classifier", Start: s, End: e, Score: prob,
			Explanation: fmt.Sprintf("the model scores this passage as an injection (p=%.2f): %s", prob, excerpt(text, s, e))})
	}
	// Rules, dropping a hit inside a stronger hit of the same category.
	for i, h := range sc.hits {
		r := &rules[h.rule]
		covered := false
		for j, o := range sc.hits {
			ro := &rules[o.rule]
			if j != i && ro.category == r.category && o.start <= h.start && o.end >= h.end &&
				(ro.score > r.score || ro.score == r.score && j < i) {
				covered = true
				break
			}
		}
		if covered {
			continue
		}
		s, e := nt.origSpan(h.start, h.end)
		out = append(out, Finding{Category: r.category, Rule: r.id, Start: s, End: e, Score: r.score,
			Explanation: r.explain + ": " + excerpt(text, s, e)})
	}
	out = append(out, hiddenFindings(nt, text, sc.hits, regions)...)
	out = append(out, linkFindings(nt, text, &sc.bg)...)
	// rot13: several key words spelled in rot13.
	if len(sc.bg[gRot13]) >= 2 && depth < in.opts.MaxDecodeDepth && *budget >= len(text) {
		*budget -= len(text)
		p, sub := in.scanLayer(rot13(text), depth+1, budget)
		out = append(out, decodedFindings("rot13", 0, len(text), p, sub, in.threshold)...)
	}
	if depth < in.opts.MaxDecodeDepth {
		for _, c := range encodedCandidates(text) {
			if *budget <= 0 {
				break
			}
			dec, ok := decodeCandidate(text[c.start:c.end], c.kind)
			if !ok {
				continue
			}
			if len(dec) > *budget {
				dec = dec[:*budget]
			}
			*budget -= len(dec)
			p, sub := in.scanLayer(dec, depth+1, budget)
			out = append(out, decodedFindings(c.kind, c.start, c.end, p, sub, in.threshold)...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].Score > out[j].Score
	})
	return prob, out
}

// decodedFindings reports what a decoded payload held, at the payload's
// span in the outer text.
func decodedFindings(via string, start, end int, prob float64, sub []Finding, threshold float64) []Finding {
	best := prob
	for _, f := range sub {
		if f.Score > best {
			best = f.Score
		}
	}
	if best < reportFloor && best < threshold {
		return nil
	}
	out := []Finding{{Category: CategoryEncoded, Rule: "encoding." + via, Start: start, End: end, Score: best,
		Explanation: fmt.Sprintf("%s payload decodes to text that reads as an injection (score %.2f)", via, best), Via: []string{via}}}
	for _, f := range sub {
		f.Start, f.End = start, end
		f.Via = append([]string{via}, f.Via...)
		out = append(out, f)
	}
	return out
}

// excerpt quotes text[s:e] for an explanation: redacted, at most 80 bytes,
// invisible characters escaped.
func excerpt(text string, s, e int) string {
	if s < 0 {
		s = 0
	}
	if e > len(text) {
		e = len(text)
	}
	if e < s {
		e = s
	}
	t := text[s:e]
	cut := false
	if len(t) > 80 {
		k := 80
		for k > 0 && !utf8.RuneStart(t[k]) {
			k--
		}
		t, cut = t[:k], true
	}
	q := fmt.Sprintf("%+q", Redact(t))
	if cut {
		q += "..."
	}
	return q
}
