// Package dataset builds the development sets of the injection detector
// from the public corpora in ../shared/data/injection and from injection
// techniques written here.
//
// Carriers are BIPIA's clean contexts (emails, code answers, tables) and
// synthetic tool output generated here (API JSON, logs, kubectl and
// Terraform output, git logs, issues, mails, search results, chat, docs,
// stack traces, query results, web pages): the kind of text a tool
// returns. Positives are carriers with an injection
// embedded: (a) explicit injections generated from the templates of this
// package, over 30 techniques with slot fillers so that a template yields
// a family of phrasings, and (b) BIPIA's own attack instructions. GPTFuzz's
// jailbreak templates, read at generation time, are a third positive set.
// Negatives are the clean carriers, InjecGuard's NotInject prompts (benign
// text full of trigger words), WildGuard's benign prompts, and hard
// negatives written here (benign tool output that uses trigger words).
//
// The split is deterministic and by group: a carrier, a template, an
// attack goal, a BIPIA attack category, a NotInject or WildGuard prompt is
// either in the training split or in the held-back split, never both, so
// the held-back split holds phrasings, goals and carriers the trainer never
// saw. Nothing here is written into the repository; Write puts the sets in
// a folder of the caller's choice.
package dataset

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Example is one labelled text.
type Example struct {
	Text      string  `json:"text"`
	Label     int     `json:"label"` // 1: carries an injection
	Set       string  `json:"set"`   // see the Set constants
	Split     string  `json:"split"` // "train" or "test"
	Technique string  `json:"technique,omitempty"`
	Template  string  `json:"template,omitempty"`
	Carrier   string  `json:"carrier,omitempty"`
	SpanStart int     `json:"span_start"` // the injection's bytes; -1 when there is none or it is all of Text
	SpanEnd   int     `json:"span_end"`
	Weight    float32 `json:"weight"`
}

// Sets of examples.
const (
	SetExplicit   = "explicit"       // injections written here, embedded in carriers
	SetImplicit   = "implicit"       // plain requests written here, embedded in carriers: no marker of an injection
	SetStandalone = "standalone"     // injections written here, alone (no carrier)
	SetBIPIA      = "bipia"          // BIPIA's attack instructions embedded in carriers
	SetJailbreak  = "jailbreak"      // GPTFuzz templates, filled
	SetClean      = "clean"          // carriers alone: BIPIA contexts and synthetic tool output
	SetInfra      = "infra"          // module documentation and source alone: benign infrastructure text
	SetNotInject  = "notinject"      // benign prompts full of trigger words
	SetWildGuard  = "wildguard"      // benign prompts
	SetHardNeg    = "hard-negatives" // benign tool output with trigger words, written here
)

// modulePerModule is how many files of each module join the carriers.
const modulePerModule = 60

// standalone is how many standalone injections are generated.
const standalone = 2400

// syntheticPerKind is how many synthetic tool outputs of each kind join
// the carriers.
const syntheticPerKind = 60

// Seed is the generator's default seed.
const Seed = 20260101

// Options for Build.
type Options struct {
	Dir  string // the injection folder: bipia/, injecguard/, gptfuzz/
	Seed uint64 // 0: Seed
	// PerCarrier is how many explicit injections each carrier receives;
	// 0: 6.
	PerCarrier int
	// ModuleDirs are module-cache folders of Go modules whose
	// documentation and source join the carriers as benign
	// infrastructure text (see modules.go).
	ModuleDirs []string
}

// Build generates every example of both splits, in a fixed order.
func Build(o Options) ([]Example, error) {
	if o.Seed == 0 {
		o.Seed = Seed
	}
	if o.PerCarrier == 0 {
		o.PerCarrier = 6
	}
	carriers, err := loadCarriers(o.Dir)
	if err != nil {
		return nil, err
	}
	g := &gen{rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}
	carriers = append(carriers, syntheticCarriers(rand.New(rand.NewPCG(o.Seed+1, o.Seed^0x2545f4914f6cdd1d)), syntheticPerKind)...)
	mods, err := moduleCarriers(o.ModuleDirs, modulePerModule)
	if err != nil {
		return nil, err
	}
	carriers = append(carriers, mods...)
	var out []Example
	// Clean carriers and explicit injections.
	for _, c := range carriers {
		split := splitOf("carrier", c.id, 7)
		cleanSet := SetClean
		if c.kind == "module" {
			cleanSet = SetInfra
		}
		out = append(out, Example{Text: c.text, Set: cleanSet, Split: split, Carrier: c.id, SpanStart: -1, SpanEnd: -1, Weight: 1})
		for k := 0; k < o.PerCarrier; k++ {
			tech := techniques[g.rng.IntN(len(techniques))]
			ti, tmpl := g.pickTemplate(tech, split)
			inj := g.render(tech, tmpl, split)
			text, s, e := g.embed(c, inj)
			set := SetExplicit
			if tech.implicit {
				set = SetImplicit
			}
			out = append(out, Example{Text: text, Label: 1, Set: set, Split: split, Technique: tech.id,
				Template: fmt.Sprintf("%s/%d", tech.id, ti), Carrier: c.id, SpanStart: s, SpanEnd: e, Weight: 1})
		}
	}
	// Standalone injections, as a user or a short tool field would carry
	// them: a template alone, or a bare override with no goal.
	for k := 0; k < standalone; k++ {
		tech := techniques[g.rng.IntN(len(techniques))]
		split := "train"
		if g.rng.IntN(10) >= 7 {
			split = "test"
		}
		ti, tmpl := g.pickTemplate(tech, split)
		text := g.render(tech, tmpl, split)
		template := fmt.Sprintf("%s/%d", tech.id, ti)
		if k%4 == 0 {
			bi := g.rng.IntN(len(bareOverrides))
			if splitOf("bare", fmt.Sprint(bi), 7) != split {
				continue
			}
			text, template = g.fill(bareOverrides[bi], split), fmt.Sprintf("bare/%d", bi)
			if g.rng.IntN(3) == 0 {
				text = capitalise(text)
			}
		}
		set := SetStandalone
		if tech.implicit && k%4 != 0 {
			set = SetImplicit
		}
		out = append(out, Example{Text: text, Label: 1, Set: set, Split: split, Technique: tech.id,
			Template: template, SpanStart: -1, SpanEnd: -1, Weight: 1})
	}
	// BIPIA's attacks.
	bipia, err := loadBIPIAAttacks(o.Dir)
	if err != nil {
		return nil, err
	}
	for _, c := range carriers {
		cs := splitOf("carrier", c.id, 7)
		pool := bipia["text"]
		if c.kind == "code" {
			pool = bipia["code"]
		}
		for k := 0; k < 2; k++ {
			a := pool[g.rng.IntN(len(pool))]
			if splitOf("bipia", a.category, 7) != cs {
				// Keep carriers and categories apart: draw again once, then skip.
				a = pool[g.rng.IntN(len(pool))]
				if splitOf("bipia", a.category, 7) != cs {
					continue
				}
			}
			text, s, e := g.embed(c, a.text)
			out = append(out, Example{Text: text, Label: 1, Set: SetBIPIA, Split: cs, Technique: "bipia:" + a.category,
				Template: "bipia:" + a.category, Carrier: c.id, SpanStart: s, SpanEnd: e, Weight: 1})
		}
	}
	// GPTFuzz jailbreak templates, standalone, as a user would send them.
	jb, err := loadGPTFuzz(o.Dir)
	if err != nil {
		return nil, err
	}
	for i, t := range jb {
		split := splitOf("gptfuzz", fmt.Sprint(i), 6)
		for k := 0; k < 3; k++ {
			goal := g.fill(goals[g.rng.IntN(len(goals))], split)
			text := strings.ReplaceAll(t, "[INSERT PROMPT HERE]", goal)
			out = append(out, Example{Text: text, Label: 1, Set: SetJailbreak, Split: split, Technique: "gptfuzz",
				Template: fmt.Sprintf("gptfuzz/%d", i), SpanStart: -1, SpanEnd: -1, Weight: 1})
		}
	}
	// Benign prompts.
	ni, wg, err := loadInjecGuard(o.Dir)
	if err != nil {
		return nil, err
	}
	for i, p := range ni {
		out = append(out, Example{Text: p, Set: SetNotInject, Split: splitOf("notinject", fmt.Sprint(i), 5), SpanStart: -1, SpanEnd: -1, Weight: 1})
	}
	for i, p := range wg {
		out = append(out, Example{Text: p, Set: SetWildGuard, Split: splitOf("wildguard", fmt.Sprint(i), 6), SpanStart: -1, SpanEnd: -1, Weight: 1})
	}
	// Hard negatives: benign text with trigger words, alone and in carriers
	// (each distinct text once).
	seen := map[string]bool{}
	for ti, t := range hardNegatives {
		split := splitOf("hardneg", fmt.Sprint(ti), 7)
		for k := 0; k < 6; k++ {
			text := g.fill(t, split)
			if k%2 == 1 {
				c := carriers[g.rng.IntN(len(carriers))]
				text, _, _ = g.embed(c, text)
			}
			if seen[text] {
				continue
			}
			seen[text] = true
			out = append(out, Example{Text: text, Set: SetHardNeg, Split: split, Template: fmt.Sprintf("hardneg/%d", ti), SpanStart: -1, SpanEnd: -1, Weight: 1})
		}
	}
	return out, nil
}

// splitOf assigns a group to "train" for trainPart tenths of groups and
// to "test" for the rest, by a hash of the group's name.
func splitOf(kind, id string, trainPart uint32) string {
	h := fnv.New32a()
	h.Write([]byte(kind + "\x00" + id))
	if h.Sum32()%10 < trainPart {
		return "train"
	}
	return "test"
}

// Write writes the examples as JSON Lines, one file per split and set
// (train.jsonl, and test-<set>.jsonl for the held-back split), into dir.
func Write(dir string, exs []Example) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string][]Example{}
	for _, e := range exs {
		name := "train.jsonl"
		if e.Split == "test" {
			name = "test-" + e.Set + ".jsonl"
		}
		files[name] = append(files[name], e)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var b strings.Builder
		for _, e := range files[n] {
			js, err := json.Marshal(e)
			if err != nil {
				return err
			}
			b.Write(js)
			b.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(dir, n), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// carrier is a clean context.
type carrier struct {
	id, kind, text string
}

func loadCarriers(dir string) ([]carrier, error) {
	var out []carrier
	for _, kind := range []string{"email", "code", "table"} {
		path := filepath.Join(dir, "bipia", "benchmark", kind, "train.jsonl")
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("carriers: %w", err)
		}
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var rec struct {
				Context json.RawMessage `json:"context"`
				Code    []string        `json:"code"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
			}
			var text string
			var lines []string
			if err := json.Unmarshal(rec.Context, &text); err != nil {
				if err := json.Unmarshal(rec.Context, &lines); err != nil {
					return nil, fmt.Errorf("%s:%d: context is neither a string nor a list of lines", path, i+1)
				}
				text = strings.Join(lines, "\n")
				if len(rec.Code) > 0 {
					text = "```\n" + strings.Join(rec.Code, "\n") + "\n```\n" + text
				}
			}
			if strings.TrimSpace(text) == "" {
				continue
			}
			if len(text) > 6000 {
				text = text[:6000]
			}
			out = append(out, carrier{id: fmt.Sprintf("%s/%d", kind, i), kind: kind, text: text})
		}
	}
	return out, nil
}

type bipiaAttack struct{ category, text string }

func loadBIPIAAttacks(dir string) (map[string][]bipiaAttack, error) {
	out := map[string][]bipiaAttack{}
	for _, kind := range []string{"text", "code"} {
		path := filepath.Join(dir, "bipia", "benchmark", kind+"_attack_train.json")
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("BIPIA attacks: %w", err)
		}
		var m map[string][]string
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		cats := make([]string, 0, len(m))
		for c := range m {
			cats = append(cats, c)
		}
		sort.Strings(cats)
		for _, c := range cats {
			for _, t := range m[c] {
				out[kind] = append(out[kind], bipiaAttack{c, t})
			}
		}
	}
	return out, nil
}

func loadGPTFuzz(dir string) ([]string, error) {
	path := filepath.Join(dir, "gptfuzz", "GPTFuzzer.csv")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("GPTFuzz: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []string
	for i, r := range recs {
		if i == 0 || len(r) < 2 {
			continue
		}
		out = append(out, r[1])
	}
	return out, nil
}

func loadInjecGuard(dir string) (notInject, wild []string, err error) {
	path := filepath.Join(dir, "injecguard", "NotInject_one.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("NotInject: %w", err)
	}
	var ni []struct {
		Prompt string `json:"prompt"`
	}
	if err := json.Unmarshal(data, &ni); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, p := range ni {
		notInject = append(notInject, p.Prompt)
	}
	path = filepath.Join(dir, "injecguard", "wildguard.json")
	data, err = os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("WildGuard: %w", err)
	}
	var wg []struct {
		Prompt string `json:"prompt"`
		Label  int    `json:"label"`
	}
	if err := json.Unmarshal(data, &wg); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, p := range wg {
		if p.Label == 0 {
			wild = append(wild, p.Prompt)
		}
	}
	return notInject, wild, nil
}
