package aws

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// FuzzAuthz feeds arbitrary bytes to the authorization-details reader
// (seeds in testdata/fuzz/FuzzAuthz, plus the fixtures). It must never
// panic, and input it accepts must give principals that evaluate.
func FuzzAuthz(f *testing.F) {
	for _, name := range []string{"authz-page1.json", "authz-page2.json"} {
		if b, err := os.ReadFile(filepath.Join(fixtures, name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, err := decodeAuthz("fuzz.json", data)
		if err != nil {
			return
		}
		l := &authzLoader{
			model: iam.NewModel(), snap: inventory.New(), managed: map[string]*managedDoc{},
			groups: map[string]string{}, seen: map[string]string{}, dups: map[string]int{}, mpLoaded: map[string]*iam.Policy{},
		}
		if err := l.load(pages); err != nil {
			return
		}
		for _, p := range l.model.Principals() {
			l.model.Evaluate(iam.Request{Principal: p.ARN, Action: "iam:PassRole", Resource: "*"})
		}
	})
}
