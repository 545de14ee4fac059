package check

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"

	"github.com/parapet-sec/parapet/internal/policy"
)

// Mode is what the webhook does with a deny result.
type Mode string

// Modes, as pod-security-admission names them.
const (
	// Enforce rejects the request with the deny messages.
	Enforce Mode = "enforce"
	// Warn admits the request and returns the deny messages as warnings
	// kubectl prints.
	Warn Mode = "warn"
	// Audit admits the request silently; violations go to the log, the
	// metrics and the API server's audit annotations.
	Audit Mode = "audit"
)

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case Enforce, Warn, Audit:
		return m, nil
	}
	return "", fmt.Errorf("admission mode %q: want enforce, warn or audit", s)
}

// NamespaceMode applies a mode to the namespaces whose name matches a glob
// ("dev-*", "kube-system").
type NamespaceMode struct {
	Namespace string
	Mode      Mode
}

// ParseNamespaceMode reads "GLOB=MODE".
func ParseNamespaceMode(s string) (NamespaceMode, error) {
	ns, m, ok := strings.Cut(s, "=")
	if !ok || ns == "" {
		return NamespaceMode{}, fmt.Errorf("namespace mode %q: want NAMESPACE-GLOB=enforce|warn|audit", s)
	}
	if _, err := path.Match(ns, ""); err != nil {
		return NamespaceMode{}, fmt.Errorf("namespace mode %q: %w", s, err)
	}
	mode, err := ParseMode(m)
	if err != nil {
		return NamespaceMode{}, err
	}
	return NamespaceMode{Namespace: ns, Mode: mode}, nil
}

// WebhookOptions configure the admission webhook.
type WebhookOptions struct {
	// Mode applies where no namespace rule matches; empty means Enforce.
	Mode Mode
	// Namespaces set the mode per namespace, first match wins. A request
	// to /validate/<mode> uses that mode instead, so that a
	// ValidatingWebhookConfiguration can pick the mode with its own
	// namespaceSelector on namespace labels.
	Namespaces []NamespaceMode
	// Registry receives the webhook's metrics, served on /metrics; nil
	// means a new registry with the Go and process collectors.
	Registry *prometheus.Registry
	// Logger logs audit and warn results and errors; nil discards.
	Logger *slog.Logger
}

// MaxReviewBytes bounds an AdmissionReview body (the API server's own limit
// on objects is 3 MiB; reviews carry the object twice on updates).
const MaxReviewBytes = 8 << 20

// Webhook is the validating admission webhook over a policy engine.
type Webhook struct {
	eng  *policy.Engine
	opts WebhookOptions
	reg  *prometheus.Registry
	log  *slog.Logger

	requests   *prometheus.CounterVec
	violations *prometheus.CounterVec
	errors     prometheus.Counter
	duration   *prometheus.HistogramVec
}

// NewWebhook builds a webhook that evaluates every request with eng.
func NewWebhook(eng *policy.Engine, opts WebhookOptions) *Webhook {
	if opts.Mode == "" {
		opts.Mode = Enforce
	}
	w := &Webhook{eng: eng, opts: opts, reg: opts.Registry, log: opts.Logger}
	if w.reg == nil {
		w.reg = prometheus.NewRegistry()
		w.reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	}
	if w.log == nil {
		w.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parapet_admission_requests_total",
		Help: "Admission reviews answered, by mode, operation, kind and decision (allowed, denied, warned).",
	}, []string{"mode", "operation", "kind", "decision"})
	w.violations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parapet_admission_violations_total",
		Help: "Deny and warn results, by check and mode.",
	}, []string{"check", "mode"})
	w.errors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "parapet_admission_policy_errors_total",
		Help: "Reviews whose policy evaluation failed (denied in enforce mode).",
	})
	w.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "parapet_admission_review_duration_seconds",
		Help:    "Time to decode, evaluate and answer one review.",
		Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"mode"})
	w.reg.MustRegister(w.requests, w.violations, w.errors, w.duration)
	return w
}

// Handler serves /validate (mode by namespace), /validate/enforce,
// /validate/warn and /validate/audit, /metrics, /healthz and /readyz.
func (w *Webhook) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /validate", func(rw http.ResponseWriter, r *http.Request) { w.serve(rw, r, "") })
	mux.HandleFunc("POST /validate/{mode}", func(rw http.ResponseWriter, r *http.Request) {
		m, err := ParseMode(r.PathValue("mode"))
		if err != nil {
			http.Error(rw, err.Error(), http.StatusNotFound)
			return
		}
		w.serve(rw, r, m)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(w.reg, promhttp.HandlerOpts{}))
	ok := func(rw http.ResponseWriter, _ *http.Request) { io.WriteString(rw, "ok\n") }
	mux.HandleFunc("GET /healthz", ok)
	mux.HandleFunc("GET /readyz", ok)
	return mux
}

func (w *Webhook) serve(rw http.ResponseWriter, r *http.Request, mode Mode) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		http.Error(rw, "content type must be application/json", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxReviewBytes))
	if err != nil {
		http.Error(rw, "reading review: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	out, err := w.Review(r.Context(), body, mode)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.Write(out)
}

// requestHead holds the fields of an AdmissionRequest the webhook reads
// itself; the whole request goes to the policies.
type requestHead struct {
	UID       string `json:"uid"`
	Namespace string `json:"namespace"`
	Operation string `json:"operation"`
	Kind      struct {
		Kind string `json:"kind"`
	} `json:"kind"`
}

// Review answers one AdmissionReview (JSON) in mode; an empty mode means
// the mode of the request's namespace. A malformed review is an error (the
// API server then applies the webhook's failurePolicy); a policy error is an
// answer: denied in enforce mode, a warning otherwise.
func (w *Webhook) Review(ctx context.Context, body []byte, mode Mode) ([]byte, error) {
	start := time.Now()
	// One parse: the review becomes a Rego value, and the few fields the
	// webhook reads itself come from it.
	v, err := ast.ValueFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("admission review is not JSON: %w", err)
	}
	env, ok := v.(ast.Object)
	if !ok {
		return nil, errors.New("admission review is not a JSON object")
	}
	if s := astString(env, "apiVersion"); s != "admission.k8s.io/v1" || astString(env, "kind") != "AdmissionReview" {
		return nil, fmt.Errorf("want an admission.k8s.io/v1 AdmissionReview, got %s %s", s, astString(env, "kind"))
	}
	reqTerm := env.Get(ast.StringTerm("request"))
	if reqTerm == nil {
		return nil, errors.New("admission review has no request")
	}
	req, ok := reqTerm.Value.(ast.Object)
	if !ok {
		return nil, errors.New("admission review's request is not an object")
	}
	var head requestHead
	head.UID = astString(req, "uid")
	head.Namespace = astString(req, "namespace")
	head.Operation = astString(req, "operation")
	if k, ok := astGet(req, "kind").(ast.Object); ok {
		head.Kind.Kind = astString(k, "kind")
	}
	if head.UID == "" {
		return nil, errors.New("admission request has no uid")
	}
	if mode == "" {
		mode = w.modeFor(head.Namespace)
	}

	res, evalErr := w.eng.AdmissionValue(ctx, req)
	resp := &admissionv1.AdmissionResponse{UID: k8stypes.UID(head.UID), Allowed: true}
	decision := "allowed"
	if evalErr != nil {
		w.errors.Inc()
		w.log.Error("policy evaluation failed", "uid", head.UID, "namespace", head.Namespace, "kind", head.Kind.Kind, "mode", mode, "error", evalErr)
	}
	for _, r := range res.Denied {
		w.violations.WithLabelValues(r.Check.ID, string(mode)).Inc()
	}
	for _, r := range res.Warnings {
		w.violations.WithLabelValues(r.Check.ID, string(mode)).Inc()
	}
	switch mode {
	case Enforce:
		if len(res.Denied) > 0 {
			resp.Allowed = false
			resp.Result = &metav1.Status{
				Status:  metav1.StatusFailure,
				Code:    http.StatusForbidden,
				Reason:  metav1.StatusReasonForbidden,
				Message: denyMessage(res.Denied),
			}
			decision = "denied"
		}
		resp.Warnings = warnings(res.Warnings)
	case Warn:
		resp.Warnings = warnings(append(append([]policy.Result{}, res.Denied...), res.Warnings...))
	case Audit:
	}
	if len(res.Denied)+len(res.Warnings) > 0 {
		resp.AuditAnnotations = map[string]string{"violations": auditSummary(res)}
		if decision == "allowed" && mode == Warn {
			decision = "warned"
		}
		w.log.Info("admission violations", "uid", head.UID, "namespace", head.Namespace, "kind", head.Kind.Kind,
			"operation", head.Operation, "mode", mode, "allowed", resp.Allowed, "violations", auditSummary(res))
	}
	out, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Response: resp,
	})
	if err != nil {
		return nil, err
	}
	w.requests.WithLabelValues(string(mode), head.Operation, head.Kind.Kind, decision).Inc()
	w.duration.WithLabelValues(string(mode)).Observe(time.Since(start).Seconds())
	return out, nil
}

// modeFor returns the mode of the first namespace rule that matches ns, or
// the default.
func (w *Webhook) modeFor(ns string) Mode {
	for _, r := range w.opts.Namespaces {
		if ok, _ := path.Match(r.Namespace, ns); ok {
			return r.Mode
		}
	}
	return w.opts.Mode
}

// denyMessage joins the deny results into the message kubectl prints.
func denyMessage(rs []policy.Result) string {
	var b strings.Builder
	b.WriteString("denied by parapet:")
	for _, r := range rs {
		fmt.Fprintf(&b, "\n[%s] %s", r.Check.ID, r.Msg)
	}
	return b.String()
}

// maxWarning is the length the API server keeps of one warning.
const maxWarning = 256

func warnings(rs []policy.Result) []string {
	var out []string
	for _, r := range rs {
		w := fmt.Sprintf("[%s] %s", r.Check.ID, r.Msg)
		if len(w) > maxWarning {
			w = w[:maxWarning-3] + "..."
		}
		out = append(out, w)
	}
	return out
}

func auditSummary(res policy.AdmissionResult) string {
	ids := map[string]bool{}
	for _, r := range append(append([]policy.Result{}, res.Denied...), res.Warnings...) {
		ids[r.Check.ID] = true
	}
	var l []string
	for id := range ids {
		l = append(l, id)
	}
	sort.Strings(l)
	return strings.Join(l, ",")
}

// CertReloader serves a TLS certificate from files and reloads it when the
// files change (checked at most once a second, on handshakes), so that
// cert-manager or a mounted Secret can rotate it without a restart.
type CertReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	// every is how often handshakes look at the files' modification times.
	every time.Duration

	mu      sync.Mutex
	cert    *tls.Certificate
	modTime time.Time
	checked time.Time
}

// NewCertReloader loads the key pair once; an error names the files.
func NewCertReloader(certFile, keyFile string, log *slog.Logger) (*CertReloader, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &CertReloader{certFile: certFile, keyFile: keyFile, log: log, every: time.Second}
	if err := c.reload(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CertReloader) reload() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("tls: %s, %s: %w", c.certFile, c.keyFile, err)
	}
	c.cert = &cert
	c.modTime = c.latestModTime()
	return nil
}

func (c *CertReloader) latestModTime() time.Time {
	var t time.Time
	for _, f := range []string{c.certFile, c.keyFile} {
		if st, err := os.Stat(f); err == nil && st.ModTime().After(t) {
			t = st.ModTime()
		}
	}
	return t
}

// GetCertificate is a tls.Config.GetCertificate that reloads changed files.
// A failed reload keeps the certificate in use and logs the error.
func (c *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.checked) >= c.every {
		c.checked = now
		if mt := c.latestModTime(); !mt.Equal(c.modTime) {
			old := c.cert
			if err := c.reload(); err != nil {
				c.cert = old
				c.log.Error("reloading TLS certificate failed; keeping the previous one", "error", err)
			} else {
				c.log.Info("reloaded TLS certificate", "cert", c.certFile)
			}
		}
	}
	return c.cert, nil
}

// TLSConfig returns a server TLS configuration (TLS 1.2 or later) that
// serves the reloaded certificate.
func (c *CertReloader) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate}
}

// Serve runs an HTTPS server for h on ln until ctx ends, then shuts it
// down gracefully. The server's own errors (failed TLS handshakes) go to
// log at warning level; nil discards them.
func Serve(ctx context.Context, ln net.Listener, tlsCfg *tls.Config, h http.Handler, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := &http.Server{
		Handler:           h,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// astGet returns the value of key in o, or nil.
func astGet(o ast.Object, key string) ast.Value {
	if t := o.Get(ast.StringTerm(key)); t != nil {
		return t.Value
	}
	return nil
}

// astString returns the string value of key in o, or "".
func astString(o ast.Object, key string) string {
	if s, ok := astGet(o, key).(ast.String); ok {
		return string(s)
	}
	return ""
}
