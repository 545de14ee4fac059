package gateway

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/net/netutil"

	"github.com/parapet-sec/parapet/internal/approval"
	"github.com/parapet-sec/parapet/internal/audit"
	"github.com/parapet-sec/parapet/internal/guard"
	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/policy"
	"github.com/parapet-sec/parapet/internal/store"
)

// Runtime is a gateway with everything it runs on: the state store, the
// decision log, the egress proxy and the metrics registry. Close releases
// them all.
type Runtime struct {
	Gateway  *Gateway
	Auth     *Authenticator
	Registry *prometheus.Registry
	Log      *audit.Log
	State    store.GatewayState
	// EgressURL is the egress proxy's address on loopback, for stdio
	// upstreams in the gateway's network (sandboxed ones reach it on a
	// socket in their own namespace).
	EgressURL string
	Egress    *guard.EgressProxy

	closers   []func() error
	closeOnce sync.Once
	closeErr  error
}

// Hooks let tests and embedders replace what the configuration cannot name.
type Hooks struct {
	// Resolver resolves names for the argument guards and the egress proxy.
	Resolver guard.Resolver
	// Now is the clock of approvals and the breaker.
	Now    func() time.Time
	Logger *slog.Logger
	// Plans verifies signed plans for tools labelled applies_infrastructure.
	Plans PlanVerifier
	// OnDurable is told each decision record's queue-to-durable time.
	OnDurable func(lag time.Duration)
	// OnOverhead is told the gateway's own time on each tool call.
	OnOverhead func(d time.Duration)
}

// Start assembles a gateway from its configuration: opens the state store
// and the decision log, loads the policies and the detectors, starts the
// egress proxy on loopback, and connects the upstreams.
func Start(ctx context.Context, cfg *Config, h Hooks) (_ *Runtime, err error) {
	// rt is not the named result: every error return sets that to nil, and
	// the deferred Close must still see what was opened.
	rt := &Runtime{Registry: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			rt.Close()
		}
	}()
	rt.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Store == "" {
		return nil, errors.New("gateway: store is required (sqlite:PATH or postgres://...)")
	}
	rt.State, err = store.OpenGatewayState(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	rt.closers = append(rt.closers, rt.State.Close)

	var settled atomic.Pointer[Gateway] // the gateway hearing how records end, once it exists
	if !cfg.Audit.Disabled {
		loc := cfg.Audit.Store
		if loc == "" {
			loc = cfg.Store
		}
		st, err := store.Open(ctx, loc)
		if err != nil {
			return nil, fmt.Errorf("audit store: %w", err)
		}
		meta, err := st.Meta(ctx)
		if errors.Is(err, store.ErrNotInitialized) {
			st.Close()
			return nil, fmt.Errorf("audit log: %s holds none: create it with `parapet audit init --store %s`", store.Redact(loc), store.Redact(loc))
		}
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("audit log: %w", err)
		}
		v, err := note.NewVerifier(meta.VerifierKey)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("audit log verifier key: %w", err)
		}
		rt.Log, err = audit.Config{QueueSize: cfg.Audit.Queue, Linger: time.Duration(cfg.Audit.Linger), Settled: func(q time.Time, err error) {
			if g := settled.Load(); g != nil {
				g.Settled(q, err)
			}
		}}.Open(ctx, st, v)
		if err != nil {
			st.Close()
			return nil, err
		}
		var signer note.Signer
		if cfg.Audit.Key != "" {
			if signer, err = audit.LoadSigner(cfg.Audit.Key); err != nil {
				rt.Log.Close()
				st.Close()
				return nil, err
			}
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go rt.checkpoints(signer, time.Duration(cfg.Audit.CheckpointInterval), stop, done)
		rt.closers = append(rt.closers, func() error {
			// Commit everything queued first, so that the checkpoint
			// signed at stop covers every decision.
			err := rt.Log.Close()
			close(stop)
			<-done
			st.Close()
			return err
		})
	}

	eng, err := policy.Load(ctx, policy.Options{Builtin: !cfg.NoBuiltin, Dirs: cfg.Policies})
	if err != nil {
		return nil, err
	}
	if why := eng.ToolCallSpecialisation(); why != nil && h.Logger != nil {
		h.Logger.Info("policy: tool-call decisions are not specialised per tool; each call evaluates the whole bundle", "why", why.Error())
	}
	det, err := inspect.New(inspect.Options{})
	if err != nil {
		return nil, err
	}
	apr := &approval.Service{State: rt.State, TTL: time.Duration(cfg.Approvals.TTL), Webhook: cfg.Approvals.Webhook, Now: h.Now, MaxPending: cfg.Approvals.MaxPending}

	var log DecisionLog
	if rt.Log != nil {
		log = rt.Log
	}
	metrics := NewMetrics(rt.Registry)
	g, err := New(Options{Config: cfg, Policy: eng, Inspector: Detectors{Inspector: det}, Log: log, Approvals: apr,
		Plans: h.Plans, Metrics: metrics, Logger: h.Logger, Now: h.Now, Resolver: h.Resolver, OnDurable: h.OnDurable, OnOverhead: h.OnOverhead})
	if err != nil {
		return nil, err
	}
	settled.Store(g)
	apr.OnDecision = func(r store.ApprovalRecord) {
		verdict := "allow"
		if r.Status == store.ApprovalDenied {
			verdict = "deny"
		}
		if err := g.enqueue(audit.Record{Time: g.now().UTC(), Actor: r.Approver, Action: "approval/" + r.Status,
			Tool: r.Tool, Args: r.Arguments, Verdict: verdict, Reason: r.Reason, Approver: r.Approver,
			Extra: map[string]json.RawMessage{"agent": jsonString(r.Agent), "approval_id": jsonString(r.ID)}}); err != nil {
			g.logger.Error("approval not recorded", "id", r.ID, "err", err)
		}
	}
	rt.Gateway = g
	// Trips made before this start, or by other replicas, hold here.
	if err := g.breaker.sync(ctx, g.now()); err != nil {
		return nil, fmt.Errorf("circuit breaker: %w", err)
	}
	stopSync := make(chan struct{})
	go g.syncBreaker(stopSync, breakerSyncInterval)
	rt.closers = append(rt.closers, func() error { close(stopSync); return nil })

	var jwt *JWTVerifier
	if cfg.Auth != nil {
		jwt, err = NewJWTVerifier(ctx, cfg.Auth, cfg.PublicURL)
		if err != nil {
			return nil, err
		}
	}
	rt.Auth = NewAuthenticator(cfg, jwt)

	// The egress proxy for stdio upstreams, on loopback only.
	cidrs, _ := cfg.Guards.rules()
	egressDenials := &recordLimiter{perSecond: 20}
	rt.Egress = &guard.EgressProxy{
		Rules: guard.HostRules{AllowPrivate: cfg.Guards.AllowPrivate, AllowCIDRs: cidrs, AllowHosts: cfg.Guards.AllowHosts,
			DenyHosts: cfg.Guards.DenyHosts, Resolver: h.Resolver},
		OnDecision: func(up, target string, err error) {
			if err == nil {
				return
			}
			reason, ok := egressDenials.admit(up, g.now())
			if !ok {
				return
			}
			g.enqueue(audit.Record{Time: g.now().UTC(), Actor: "upstream:" + up, Action: "egress/connect", Tool: target,
				Verdict: "deny", Reason: err.Error() + reason})
		},
	}
	// Upstreams with their own egress rules get them, in place of the
	// guards' rules.
	for _, u := range cfg.Upstreams {
		if u.Egress == nil {
			continue
		}
		ucidrs, _ := u.Egress.rules()
		if rt.Egress.PerClient == nil {
			rt.Egress.PerClient = map[string]guard.HostRules{}
		}
		rt.Egress.PerClient[u.Name] = guard.HostRules{AllowPrivate: u.Egress.AllowPrivate, AllowCIDRs: ucidrs,
			AllowHosts: u.Egress.AllowHosts, DenyHosts: u.Egress.DenyHosts, Resolver: h.Resolver}
	}
	// Only the gateway's own upstreams may use the proxy, each under its
	// own name.
	rt.Egress.Secret = make([]byte, 32)
	if _, err := rand.Read(rt.Egress.Secret); err != nil {
		return nil, fmt.Errorf("egress proxy: %w", err)
	}
	g.egressPassword = rt.Egress.Password
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("egress proxy: %w", err)
	}
	// A server that opens connections without end holds at most
	// maxEgressConns of them (per upstream's socket), idle ones for a
	// minute.
	psrv := &http.Server{Handler: rt.Egress, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go psrv.Serve(netutil.LimitListener(ln, maxEgressConns))
	rt.closers = append(rt.closers, psrv.Close)
	rt.EgressURL = "http://" + ln.Addr().String()

	serve := func(ln net.Listener) { go psrv.Serve(netutil.LimitListener(ln, maxEgressConns)) }
	if err := g.Connect(ctx, Egress{URL: rt.EgressURL, Serve: serve}); err != nil {
		return nil, err
	}
	return rt, nil
}

// maxEgressConns bounds the connections one listener of the egress proxy
// serves at once.
const maxEgressConns = 256

// recordLimiter keeps a flood of like events (a server's refused
// connections) from filling the decision log: per key, at most perSecond
// records a second; the first record after a second with drops says how
// many.
type recordLimiter struct {
	perSecond int
	mu        sync.Mutex
	state     map[string]*limitState
}

type limitState struct {
	second  int64
	n       int
	dropped int
}

// admit reports whether an event of key at now is recorded, and what to
// add to its reason about events dropped before it.
func (l *recordLimiter) admit(key string, now time.Time) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state == nil {
		l.state = map[string]*limitState{}
	}
	st := l.state[key]
	if st == nil {
		st = &limitState{}
		l.state[key] = st
	}
	if sec := now.Unix(); sec != st.second {
		st.second, st.n = sec, 0
	}
	if st.n >= l.perSecond {
		st.dropped++
		return "", false
	}
	st.n++
	if st.dropped == 0 {
		return "", true
	}
	note := fmt.Sprintf(" (and %d more like it before, not recorded one by one)", st.dropped)
	st.dropped = 0
	return note, true
}

// Handler is the gateway's HTTP handler.
func (rt *Runtime) Handler() http.Handler { return rt.Gateway.Handler(rt.Auth, rt.Registry) }

// Close stops the egress proxy, disconnects upstreams, flushes the decision
// log and closes the stores.
// Closing twice is harmless.
func (rt *Runtime) Close() error {
	rt.closeOnce.Do(func() {
		var errs []error
		if rt.Gateway != nil {
			rt.Gateway.closeUpstreams()
		}
		for i := len(rt.closers) - 1; i >= 0; i-- {
			if err := rt.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		rt.closeErr = errors.Join(errs...)
	})
	return rt.closeErr
}

// checkpoints signs a checkpoint over the durable log every interval while
// the log grows, and a last one when the gateway stops, so that verifiers
// and witnesses have a recent signed tree head. Without a signer it only
// waits for stop.
func (rt *Runtime) checkpoints(signer note.Signer, every time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	if signer == nil {
		<-stop
		return
	}
	var signed uint64
	sign := func() {
		if size := rt.Log.Size(); size > signed {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := rt.Log.Checkpoint(ctx, signer); err == nil {
				signed = size
			}
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			sign()
		case <-stop:
			sign()
			return
		}
	}
}
