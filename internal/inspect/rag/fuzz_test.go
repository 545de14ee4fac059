package rag

import (
	"strings"
	"testing"
)

func FuzzDecodeJSONL(f *testing.F) {
	f.Add(`{"id": "a", "text": "hello", "embedding": [0.1, 0.2], "metadata": {"k": 1}}` + "\n" + `{"id": 2, "content": "x"}`)
	f.Add(`{"id": "a"}`)
	f.Add("\n\n{\"_id\": 1e400, \"text\": \"\"}")
	f.Fuzz(func(t *testing.T, data string) {
		chunks, err := DecodeJSONL("fuzz.jsonl", strings.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.jsonl:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, c := range chunks {
			if seen[c.ID] {
				t.Fatalf("duplicate id %q accepted", c.ID)
			}
			seen[c.ID] = true
		}
		floods(chunks, Options{FloodMin: 2, FloodSimilarity: 0.5})
		outliers(chunks, Options{OutlierZ: 3.5})
	})
}

func FuzzParseVector(f *testing.F) {
	f.Add("[1,2,3]")
	f.Add("{1.5,-2e3}")
	f.Fuzz(func(t *testing.T, s string) {
		ParseVector(s)
	})
}
