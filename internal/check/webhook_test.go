package check

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/policy"
)

func writeSelfSigned(t *testing.T, dir string, serial int64) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	certFile, keyFile, cert, err := WriteSelfSigned(dir, []string{"parapet-admission.parapet-system.svc", "127.0.0.1"}, serial, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

// startWebhook serves a webhook over TLS on a loopback port and returns its
// base URL and a client that trusts the certificate.
func startWebhook(t *testing.T, opts WebhookOptions) (string, *http.Client, *CertReloader, string) {
	t.Helper()
	eng, err := policy.Load(context.Background(), policy.Options{Builtin: true, Dirs: []string{"testdata/policies/warn"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile, cert := writeSelfSigned(t, dir, 1)
	rl, err := NewCertReloader(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	rl.every = 0
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, rl.TLSConfig(), NewWebhook(eng, opts).Handler(), nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && err != http.ErrServerClosed {
			t.Errorf("serve: %v", err)
		}
	})
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	return "https://" + ln.Addr().String(), client, rl, dir
}

type reviewResponse struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Response   struct {
		UID     string `json:"uid"`
		Allowed bool   `json:"allowed"`
		Status  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"status"`
		Warnings         []string          `json:"warnings"`
		AuditAnnotations map[string]string `json:"auditAnnotations"`
	} `json:"response"`
}

func post(t *testing.T, client *http.Client, url, file string) reviewResponse {
	t.Helper()
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", url, resp.StatusCode, data)
	}
	var out reviewResponse
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("response is not an AdmissionReview: %v: %s", err, data)
	}
	var in struct {
		Request struct{ UID string } `json:"request"`
	}
	json.Unmarshal(body, &in)
	if out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" || out.Response.UID != in.Request.UID {
		t.Fatalf("response envelope = %s %s uid %q, want the request's uid %q", out.APIVersion, out.Kind, out.Response.UID, in.Request.UID)
	}
	return out
}

func TestWebhookOverTLSAllowsDeniesAndWarns(t *testing.T) {
	base, client, _, _ := startWebhook(t, WebhookOptions{Namespaces: []NamespaceMode{{Namespace: "sandbox-*", Mode: Warn}}})

	t.Run("a compliant pod is allowed without warnings", func(t *testing.T) {
		r := post(t, client, base+"/validate", "testdata/admission/review-allowed-pod.json")
		if !r.Response.Allowed || len(r.Response.Warnings) != 0 {
			t.Errorf("response = %+v", r.Response)
		}
	})
	t.Run("a privileged pod is denied with a message saying what to change", func(t *testing.T) {
		r := post(t, client, base+"/validate", "testdata/admission/review-privileged-pod.json")
		if r.Response.Allowed || r.Response.Status == nil || r.Response.Status.Code != 403 {
			t.Fatalf("response = %+v", r.Response)
		}
		msg := r.Response.Status.Message
		if !strings.Contains(msg, "[PAR-K8S-PSS-PRIVILEGED]") || !strings.Contains(msg, "spec.containers[0].securityContext.privileged") || !strings.Contains(msg, "set it to false") {
			t.Errorf("message = %q", msg)
		}
		if r.Response.AuditAnnotations["violations"] != "PAR-K8S-PSS-PRIVILEGED" {
			t.Errorf("audit annotations = %v", r.Response.AuditAnnotations)
		}
	})
	t.Run("a warn rule warns and allows", func(t *testing.T) {
		r := post(t, client, base+"/validate", "testdata/admission/review-unlabelled-pod.json")
		if !r.Response.Allowed || len(r.Response.Warnings) != 1 || !strings.Contains(r.Response.Warnings[0], "[ACME-K8S-001]") {
			t.Errorf("response = %+v", r.Response)
		}
	})
	t.Run("warn mode turns a deny into a warning", func(t *testing.T) {
		r := post(t, client, base+"/validate/warn", "testdata/admission/review-privileged-pod.json")
		if !r.Response.Allowed || len(r.Response.Warnings) == 0 || !strings.Contains(r.Response.Warnings[0], "PAR-K8S-PSS-PRIVILEGED") {
			t.Errorf("response = %+v", r.Response)
		}
	})
	t.Run("audit mode allows silently and annotates", func(t *testing.T) {
		r := post(t, client, base+"/validate/audit", "testdata/admission/review-privileged-pod.json")
		if !r.Response.Allowed || len(r.Response.Warnings) != 0 || r.Response.AuditAnnotations["violations"] == "" {
			t.Errorf("response = %+v", r.Response)
		}
	})
	t.Run("metrics count the decisions", func(t *testing.T) {
		resp, err := client.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		for _, want := range []string{
			`parapet_admission_requests_total{decision="denied",kind="Pod",mode="enforce",operation="CREATE"} 1`,
			`parapet_admission_violations_total{check="PAR-K8S-PSS-PRIVILEGED",mode="audit"} 1`,
			`parapet_admission_review_duration_seconds_count{mode="enforce"} 3`,
		} {
			if !strings.Contains(string(data), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
	t.Run("a malformed review is a 400", func(t *testing.T) {
		for _, body := range []string{`{`, `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"1"}}`, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`} {
			resp, err := client.Post(base+"/validate", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: HTTP %d, want 400", body, resp.StatusCode)
			}
		}
	})
}

func TestWebhookModeFollowsTheNamespace(t *testing.T) {
	w := NewWebhook(nil, WebhookOptions{Mode: Audit, Namespaces: []NamespaceMode{{Namespace: "prod", Mode: Enforce}, {Namespace: "dev-*", Mode: Warn}}})
	for ns, want := range map[string]Mode{"prod": Enforce, "dev-alice": Warn, "other": Audit} {
		if got := w.modeFor(ns); got != want {
			t.Errorf("modeFor(%q) = %s, want %s", ns, got, want)
		}
	}
	if _, err := ParseNamespaceMode("prod=block"); err == nil {
		t.Error("bad mode accepted")
	}
}

func TestWebhookFailsClosedOnAPolicyError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "broken.rego"), []byte(`# METADATA
# title: Broken
# custom:
#   id: ACME-BROKEN
#   severity: low
package acme.broken

import rego.v1

n := 1 if input.review
n := 2 if input.review

deny contains "x" if n == 3
`), 0o644)
	eng, err := policy.Load(context.Background(), policy.Options{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile("testdata/admission/review-allowed-pod.json")
	out, err := NewWebhook(eng, WebhookOptions{}).Review(context.Background(), body, Enforce)
	if err != nil {
		t.Fatal(err)
	}
	var r reviewResponse
	json.Unmarshal(out, &r)
	if r.Response.Allowed || !strings.Contains(r.Response.Status.Message, "PAR-POLICY-ERROR") || !strings.Contains(r.Response.Status.Message, "broken.rego") {
		t.Errorf("response = %s", out)
	}
}

func TestTheWebhookReloadsARotatedCertificate(t *testing.T) {
	base, _, rl, dir := startWebhook(t, WebhookOptions{})
	serialSeen := func() int64 {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(base, "https://"), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if got := serialSeen(); got != 1 {
		t.Fatalf("serial = %d, want 1", got)
	}
	writeSelfSigned(t, dir, 2)
	// Make the change visible even on file systems with coarse timestamps.
	future := time.Now().Add(time.Minute)
	os.Chtimes(rl.certFile, future, future)
	if got := serialSeen(); got != 2 {
		t.Errorf("after rotation serial = %d, want 2", got)
	}
	os.WriteFile(rl.certFile, []byte("not a certificate"), 0o600)
	later := future.Add(time.Minute)
	os.Chtimes(rl.certFile, later, later)
	if got := serialSeen(); got != 2 {
		t.Errorf("after a broken rotation serial = %d, want the previous certificate (2)", got)
	}
}

func TestWebhookAnswersConcurrentReviews(t *testing.T) {
	eng, err := policy.Load(context.Background(), policy.Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	w := NewWebhook(eng, WebhookOptions{})
	allowed, _ := os.ReadFile("testdata/admission/review-allowed-pod.json")
	denied, _ := os.ReadFile("testdata/admission/review-privileged-pod.json")
	errs := make(chan error, 16)
	for g := range 8 {
		go func() {
			for i := range 10 {
				body, want := allowed, true
				if (g+i)%2 == 1 {
					body, want = denied, false
				}
				out, err := w.Review(context.Background(), body, Enforce)
				if err != nil {
					errs <- err
					return
				}
				var r reviewResponse
				json.Unmarshal(out, &r)
				if r.Response.Allowed != want {
					errs <- fmt.Errorf("allowed = %v, want %v", r.Response.Allowed, want)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
