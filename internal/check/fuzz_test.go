package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/policy"
)

// FuzzParseConfig feeds arbitrary .parapet.yaml content: it must parse or
// fail with an error naming the file, never panic, and every suppression it
// accepts has a check and a reason.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(suppressionConfig))
	f.Add([]byte("pss: baseline:v1.29\nfail_on: high\nagent:\n  allowed_registries: [ghcr.io/acme]\n"))
	f.Add([]byte("suppressions:\n  - {check: X, reason: r, expires: 2026-01-02T03:04:05Z}\n"))
	f.Add([]byte("suppressions: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(".parapet.yaml", data)
		if err != nil {
			if !strings.Contains(err.Error(), ".parapet.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for _, s := range c.Suppressions {
			if s.Check == "" || strings.TrimSpace(s.Reason) == "" {
				t.Fatalf("accepted suppression without check or reason: %+v", s)
			}
		}
	})
}

// FuzzScanIgnores feeds arbitrary manifest text to the inline ignore
// scanner: directives it accepts have a check id and a reason.
func FuzzScanIgnores(f *testing.F) {
	f.Add([]byte("# parapet:ignore PAR-K8S-PSS-HOST-PORTS exporter\napiVersion: v1\n"))
	f.Add([]byte("// parapet:ignore X\n"))
	f.Add([]byte("/* parapet:ignore [ bad glob */\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		igs, err := scanIgnores("f.yaml", data, 1, 0)
		if err != nil {
			if !strings.Contains(err.Error(), "f.yaml:") {
				t.Fatalf("error %q does not name the line", err)
			}
			return
		}
		for _, ig := range igs {
			if ig.Check == "" || ig.Reason == "" {
				t.Fatalf("accepted %+v", ig)
			}
		}
	})
}

// FuzzWebhookReview feeds arbitrary bodies to the webhook: it answers an
// AdmissionReview or returns an error, never panics, and an answer always
// carries the request's uid.
func FuzzWebhookReview(f *testing.F) {
	files, _ := filepath.Glob("testdata/admission/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":null}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Pod"},"object":{"kind":"Pod","spec":{"containers":[{"securityContext":"x"}]}}}}`))
	eng, err := policy.Load(context.Background(), policy.Options{Builtin: true})
	if err != nil {
		f.Fatal(err)
	}
	w := NewWebhook(eng, WebhookOptions{})
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := w.Review(context.Background(), body, Enforce)
		if err != nil {
			return
		}
		if !strings.Contains(string(out), `"uid":`) {
			t.Fatalf("answer without uid: %s", out)
		}
	})
}

// FuzzManifestIgnores runs the manifest reader and the ignore attachment
// together on arbitrary YAML.
func FuzzManifestIgnores(f *testing.F) {
	f.Add([]byte("# parapet:ignore A b\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- kind: Pod # parapet:ignore B c\n  metadata: {name: b}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := k8s.Parse("m.yaml", data)
		if err != nil {
			return
		}
		withIgnores("m.yaml", data, objs)
	})
}
