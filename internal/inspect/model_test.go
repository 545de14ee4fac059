package inspect

import (
	"bytes"
	"testing"
)

func TestModelFileRoundTrips(t *testing.T) {
	m := DefaultModel()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, embeddedModel) {
		t.Error("re-encoding the embedded model changes it")
	}
	if len(embeddedModel) > 2<<20 {
		t.Errorf("model file is %d bytes, want under 2 MiB", len(embeddedModel))
	}
}

func FuzzParseModel(f *testing.F) {
	f.Add(embeddedModel[:64])
	f.Add([]byte(modelMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		m, err := ParseModel(data)
		if err == nil && len(m.W) != 1<<m.Bits {
			t.Fatalf("parsed a model with %d weights for %d bits", len(m.W), m.Bits)
		}
	})
}
