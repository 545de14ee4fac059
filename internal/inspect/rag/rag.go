// Package rag inspects the memory of an agent, a vector store of text
// chunks, for poisoning: chunks that carry injected instructions, floods of
// near-duplicate chunks written to crowd out the real ones, chunks whose
// embedding sits far from the rest of the store, and chunks that changed
// since a trusted baseline. It reads a JSON Lines export of the store or a
// PostgreSQL (pgvector) table.
package rag

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// Chunk is one record of a vector store.
type Chunk struct {
	ID        string
	Text      string
	Embedding []float64
	Metadata  map[string]any
	Line      int // line in the export it was read from; 0 for a table row
}

// maxLine bounds one line of an export (a chunk with its embedding).
const maxLine = 16 << 20

// ReadJSONL reads a JSON Lines export: one object per line with an id
// ("id" or "_id", string or number), a text ("text", "content",
// "page_content", "document" or "chunk"), an optional embedding
// ("embedding", "vector", "values") and optional "metadata". Errors name
// the file, line and field.
func ReadJSONL(path string) ([]Chunk, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeJSONL(path, f)
}

// DecodeJSONL is ReadJSONL over a reader; path names it in errors.
func DecodeJSONL(path string, r io.Reader) ([]Chunk, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var out []Chunk
	seen := map[string]int{}
	for line := 1; ; line++ {
		b, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			c, perr := parseChunk(t)
			if perr != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, line, perr)
			}
			if prev, dup := seen[c.ID]; dup {
				return nil, fmt.Errorf("%s:%d: id %q already used on line %d", path, line, c.ID, prev)
			}
			seen[c.ID] = line
			c.Line = line
			out = append(out, c)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
	}
}

func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		part, isPrefix, err := br.ReadLine()
		buf = append(buf, part...)
		if len(buf) > maxLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		if err != nil {
			return buf, err
		}
		if !isPrefix {
			return buf, nil
		}
	}
}

func parseChunk(b []byte) (Chunk, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return Chunk{}, err
	}
	var c Chunk
	idRaw, ok := first(m, "id", "_id")
	if !ok {
		return c, errors.New(`no "id" field`)
	}
	var idStr string
	var idNum json.Number
	switch {
	case json.Unmarshal(idRaw, &idStr) == nil:
		c.ID = idStr
	case json.Unmarshal(idRaw, &idNum) == nil:
		c.ID = idNum.String()
	default:
		return c, errors.New(`field "id": want a string or a number`)
	}
	textRaw, ok := first(m, "text", "content", "page_content", "document", "chunk")
	if !ok {
		return c, errors.New(`no "text" field (or content, page_content, document, chunk)`)
	}
	if err := json.Unmarshal(textRaw, &c.Text); err != nil {
		return c, fmt.Errorf(`field "text": want a string`)
	}
	if embRaw, ok := first(m, "embedding", "vector", "values"); ok && string(embRaw) != "null" {
		if err := json.Unmarshal(embRaw, &c.Embedding); err != nil {
			return c, fmt.Errorf(`field "embedding": want a list of numbers`)
		}
		for i, x := range c.Embedding {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return c, fmt.Errorf(`field "embedding"[%d]: not a finite number`, i)
			}
		}
	}
	if mdRaw, ok := m["metadata"]; ok && string(mdRaw) != "null" {
		if err := json.Unmarshal(mdRaw, &c.Metadata); err != nil {
			return c, fmt.Errorf(`field "metadata": want an object`)
		}
	}
	return c, nil
}

func first(m map[string]json.RawMessage, keys ...string) (json.RawMessage, bool) {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v, true
		}
	}
	return nil, false
}

// ParseVector reads an embedding as PostgreSQL prints it: pgvector's
// "[1,2,3]" or an array's "{1,2,3}".
func ParseVector(s string) ([]float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) < 2 || !(s[0] == '[' && s[len(s)-1] == ']' || s[0] == '{' && s[len(s)-1] == '}') {
		return nil, fmt.Errorf("embedding %q: want [..] or {..}", clip(s))
	}
	inner := strings.TrimSpace(s[1 : len(s)-1])
	if inner == "" {
		return nil, nil
	}
	parts := strings.Split(inner, ",")
	out := make([]float64, len(parts))
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("embedding element %d %q: not a finite number", i, clip(p))
		}
		out[i] = x
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Options tune Analyze. Zero fields take the defaults.
type Options struct {
	// FloodMin is the size from which a group of near-duplicate chunks is
	// reported; default 5.
	FloodMin int
	// FloodSimilarity is the estimated Jaccard similarity of their word
	// and word-pair sets from which two chunks are near duplicates;
	// default 0.5.
	FloodSimilarity float64
	// OutlierZ is the robust z-score (median and MAD of the cosine
	// distances to the centroid) above which a chunk is an outlier;
	// default 3.5. Outliers need at least 10 embedded chunks.
	OutlierZ float64
	// Store names the store in findings (a file or a table).
	Store string
}

func (o *Options) defaults() {
	if o.FloodMin <= 0 {
		o.FloodMin = 5
	}
	if o.FloodSimilarity <= 0 {
		o.FloodSimilarity = 0.5
	}
	if o.OutlierZ <= 0 {
		o.OutlierZ = 3.5
	}
}

// Analyze inspects chunks and returns findings: injections in chunk text
// (and credentials), near-duplicate floods, embedding outliers, and, when
// baseline is not nil, chunks added or changed since the baseline.
func Analyze(in *inspect.Inspector, chunks, baseline []Chunk, opts Options) []inventory.Finding {
	opts.defaults()
	var out []inventory.Finding
	for _, c := range chunks {
		u := inspect.Unit{ID: chunkID(opts.Store, c.ID), Source: inspect.SourceRAGChunk, Text: c.Text}
		if c.Line > 0 {
			u.Location = &inventory.Location{File: opts.Store, Line: c.Line}
		}
		out = append(out, in.UnitFindings(u, in.Scan(c.Text, inspect.SourceRAGChunk))...)
	}
	out = append(out, floods(chunks, opts)...)
	out = append(out, outliers(chunks, opts)...)
	if baseline != nil {
		out = append(out, changes(chunks, baseline, opts)...)
	}
	return out
}

func chunkID(store, id string) string {
	if store == "" {
		return "rag:" + id
	}
	return "rag:" + store + "#" + id
}

// sigLen is the length of a MinHash signature; bands*rows must equal it.
const (
	sigLen = 32
	bands  = 8
	rows   = 4
)

// MinHash returns the MinHash signature of a text's set of words and word
// pairs: the fraction of equal positions in two signatures estimates the
// Jaccard similarity of the two sets.
func MinHash(text string) [sigLen]uint64 {
	var sig [sigLen]uint64
	for k := range sig {
		sig[k] = math.MaxUint64
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	add := func(s string) {
		h := fnv.New64a()
		h.Write([]byte(s))
		x := h.Sum64()
		for k := range sig {
			if v := mix64(x ^ seeds[k]); v < sig[k] {
				sig[k] = v
			}
		}
	}
	for i := range words {
		add(words[i])
		if i+1 < len(words) {
			add(words[i] + " " + words[i+1])
		}
	}
	return sig
}

var seeds = func() (s [sigLen]uint64) {
	x := uint64(0x9e3779b97f4a7c15)
	for k := range s {
		x = mix64(x + uint64(k))
		s[k] = x
	}
	return s
}()

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Similarity estimates the Jaccard similarity of two signatures.
func Similarity(a, b [sigLen]uint64) float64 {
	n := 0
	for k := range a {
		if a[k] == b[k] {
			n++
		}
	}
	return float64(n) / sigLen
}

// floods groups chunks whose estimated Jaccard similarity is at least
// FloodSimilarity, finding candidates by locality-sensitive hashing of the
// signatures in bands, and reports groups of FloodMin or more.
func floods(chunks []Chunk, opts Options) []inventory.Finding {
	n := len(chunks)
	if n < opts.FloodMin {
		return nil
	}
	sigs := make([][sigLen]uint64, n)
	for i, c := range chunks {
		sigs[i] = MinHash(c.Text)
	}
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for band := 0; band < bands; band++ {
		buckets := map[uint64][]int{}
		for i := range sigs {
			if strings.TrimSpace(chunks[i].Text) == "" {
				continue
			}
			var k uint64
			for r := 0; r < rows; r++ {
				k = mix64(k ^ sigs[i][band*rows+r])
			}
			buckets[k] = append(buckets[k], i)
		}
		for _, idx := range buckets {
			if len(idx) < 2 || len(idx) > 5000 {
				continue
			}
			for a := 0; a < len(idx); a++ {
				for b := a + 1; b < len(idx); b++ {
					if Similarity(sigs[idx[a]], sigs[idx[b]]) >= opts.FloodSimilarity {
						if ra, rb := find(idx[a]), find(idx[b]); ra != rb {
							parent[ra] = rb
						}
					}
				}
			}
		}
	}
	groups := map[int][]int{}
	for i := range chunks {
		r := find(i)
		groups[r] = append(groups[r], i)
	}
	var roots []int
	for r, g := range groups {
		if len(g) >= opts.FloodMin {
			roots = append(roots, r)
		}
	}
	sort.Slice(roots, func(i, j int) bool { return groups[roots[i]][0] < groups[roots[j]][0] })
	var out []inventory.Finding
	for _, r := range roots {
		g := groups[r]
		ids := make([]string, 0, len(g))
		for _, i := range g {
			ids = append(ids, chunkID(opts.Store, chunks[i].ID))
		}
		frac := float64(len(g)) / float64(n)
		sev := inventory.Medium
		if frac >= 0.1 {
			sev = inventory.High
		}
		res := ids
		if len(res) > 20 {
			res = res[:20]
		}
		out = append(out, inventory.Finding{
			Check:    inspect.CheckRAGFlood,
			Title:    fmt.Sprintf("%d near-duplicate chunks (%.0f%% of the store) crowd retrieval", len(g), 100*frac),
			Severity: sev, Resources: res,
			Evidence: map[string]any{"chunks": len(g), "fraction": math.Round(frac*1000) / 1000, "sample": excerpt(chunks[g[0]].Text)},
			Remediation: "Find who wrote these chunks and when; remove the copies and rate-limit or review writes to the store. " +
				"Near-duplicate floods push genuine documents out of the top-k results.",
			Frameworks: inspect.RAGFrameworks(),
		})
	}
	return out
}

// outliers reports chunks whose embedding is far from the store's
// centroid by a robust z-score of the cosine distance.
func outliers(chunks []Chunk, opts Options) []inventory.Finding {
	dim := 0
	var idx []int
	for i, c := range chunks {
		if len(c.Embedding) == 0 {
			continue
		}
		if dim == 0 {
			dim = len(c.Embedding)
		}
		if len(c.Embedding) == dim {
			idx = append(idx, i)
		}
	}
	if len(idx) < 10 {
		return nil
	}
	centroid := make([]float64, dim)
	unit := make([][]float64, len(idx))
	for k, i := range idx {
		v := normalise(chunks[i].Embedding)
		unit[k] = v
		for d := range v {
			centroid[d] += v[d]
		}
	}
	centroid = normalise(centroid)
	dist := make([]float64, len(idx))
	for k, v := range unit {
		dist[k] = 1 - dot(v, centroid)
	}
	med := median(dist)
	dev := make([]float64, len(dist))
	for k, d := range dist {
		dev[k] = math.Abs(d - med)
	}
	mad := median(dev)
	if mad < 1e-9 {
		mad = 1e-9
	}
	var out []inventory.Finding
	for k, d := range dist {
		z := 0.6745 * (d - med) / mad
		if z <= opts.OutlierZ {
			continue
		}
		c := chunks[idx[k]]
		f := inventory.Finding{
			Check:    inspect.CheckRAGOutlier,
			Title:    fmt.Sprintf("Chunk %s is far from the rest of the store (robust z %.1f)", c.ID, z),
			Severity: inventory.Low, Resources: []string{chunkID(opts.Store, c.ID)},
			Evidence: map[string]any{"cosine_distance": round3(d), "median_distance": round3(med), "robust_z": round3(z), "text": excerpt(c.Text)},
			Remediation: "Check where this chunk came from: an embedding unlike the rest of the store is typical of content " +
				"planted to be retrieved for a targeted query.",
			Frameworks: inspect.RAGFrameworks(),
		}
		if c.Line > 0 {
			f.Location = &inventory.Location{File: opts.Store, Line: c.Line}
		}
		out = append(out, f)
	}
	return out
}

// changes reports chunks added or changed since baseline.
func changes(chunks, baseline []Chunk, opts Options) []inventory.Finding {
	base := make(map[string]string, len(baseline))
	for _, b := range baseline {
		base[b.ID] = digest(b)
	}
	var out []inventory.Finding
	for _, c := range chunks {
		old, ok := base[c.ID]
		var f inventory.Finding
		switch {
		case !ok:
			f = inventory.Finding{Check: inspect.CheckRAGChanged, Title: "Chunk " + c.ID + " was added since the baseline", Severity: inventory.Low}
		case old != digest(c):
			f = inventory.Finding{Check: inspect.CheckRAGChanged, Title: "Chunk " + c.ID + " changed since the baseline", Severity: inventory.Medium}
		default:
			continue
		}
		f.Resources = []string{chunkID(opts.Store, c.ID)}
		f.Evidence = map[string]any{"text": excerpt(c.Text), "sha256": digest(c)}
		f.Remediation = "Confirm the change was made by a trusted writer; memory that changes outside the ingestion pipeline is a poisoning channel."
		f.Frameworks = inspect.RAGFrameworks()
		if c.Line > 0 {
			f.Location = &inventory.Location{File: opts.Store, Line: c.Line}
		}
		out = append(out, f)
	}
	return out
}

// digest fingerprints a chunk's text and embedding.
func digest(c Chunk) string {
	h := sha256.New()
	h.Write([]byte(c.Text))
	h.Write([]byte{0})
	for _, x := range c.Embedding {
		h.Write([]byte(strconv.FormatFloat(x, 'g', -1, 64)))
		h.Write([]byte{','})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func normalise(v []float64) []float64 {
	out := make([]float64, len(v))
	n := math.Sqrt(dot(v, v))
	if n == 0 {
		return out
	}
	for i, x := range v {
		out[i] = x / n
	}
	return out
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// excerpt shows the start of a chunk, with secrets redacted.
func excerpt(s string) string {
	s = inspect.Redact(s)
	if len(s) > 160 {
		k := 160
		for k > 0 && s[k]&0xC0 == 0x80 {
			k--
		}
		s = s[:k] + "..."
	}
	return s
}
