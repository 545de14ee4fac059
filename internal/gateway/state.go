package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/parapet-sec/parapet/internal/policy"
	"github.com/parapet-sec/parapet/internal/store"
)

// maxHistory bounds the calls a session remembers for policies.
const maxHistory = 64

// session is the state the gateway keeps per MCP session: the calls made
// and whether untrusted content has entered it.
type session struct {
	mu      sync.Mutex
	id      string
	agent   string
	tainted bool
	taintBy string
	// directBy names the tool that tainted this context through its own
	// calls, as opposed to taint passed on from a protocol session.
	directBy string
	// history holds the session's last calls as policy input
	// (input.session.history), converted once when each call is recorded.
	history  []*ast.Term
	lastSeen time.Time
}

func (s *session) record(c policy.PastCall) {
	t := pastCallTerm(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.history = append(s.history, t)
	if len(s.history) > maxHistory {
		s.history = s.history[len(s.history)-maxHistory:]
	}
}

// term is the session as input.session.
func (s *session) term() *ast.Term {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := [][2]*ast.Term{{str("id"), str(s.id)}, {str("tainted"), ast.BooleanTerm(s.tainted)}}
	if len(s.history) > 0 {
		h := make([]*ast.Term, len(s.history))
		copy(h, s.history)
		items = append(items, [2]*ast.Term{str("history"), ast.ArrayTerm(h...)})
	}
	return ast.ObjectTerm(items...)
}

func (s *session) taint(by string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.directBy == "" {
		s.directBy = by
	}
	if !s.tainted {
		s.tainted, s.taintBy = true, by
	}
}

// taintFrom marks the session tainted by another context's read.
func (s *session) taintFrom(by string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tainted {
		s.tainted, s.taintBy = true, by
	}
}

// directTaint returns the tool that tainted the session through its own
// calls, if any.
func (s *session) directTaint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.directBy
}

// agentContext is the key of an agent's rolling context: the state of its
// calls made without a protocol session.
func agentContext(agent string) string { return "agent:" + agent }

// taintAcross links an agent's protocol sessions with its rolling context,
// so switching protocol generation cannot shed taint: a session starts
// tainted when the agent's session-less calls read untrusted content, and
// a session's taint reaches the agent's session-less calls. Two protocol
// sessions stay separate from each other.
func (ss *sessions) taintAcross(s *session, now time.Time) {
	ctxID := agentContext(s.agent)
	if s.id == ctxID {
		return
	}
	c := ss.get(ctxID, s.agent, now)
	if by := c.directTaint(); by != "" {
		s.taintFrom(by)
	}
	s.mu.Lock()
	tainted, by := s.tainted, s.taintBy
	s.mu.Unlock()
	if tainted {
		c.taintFrom(by)
	}
}

// sessions holds session state, dropping sessions idle for longer than idle.
type sessions struct {
	mu   sync.Mutex
	m    map[string]*session
	idle time.Duration
}

func (ss *sessions) get(id, agent string, now time.Time) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil {
		ss.m = map[string]*session{}
	}
	s := ss.m[id]
	if s != nil && now.Sub(s.lastSeen) > ss.idle {
		s = nil // idle too long: a fresh context
	}
	if s == nil || s.agent != agent {
		// A session id is never shared across agents: another agent
		// presenting it gets a fresh, separate state under a distinct key.
		key := id
		if s != nil && s.agent != agent {
			key = agent + "|" + id
			if s2 := ss.m[key]; s2 != nil && now.Sub(s2.lastSeen) <= ss.idle {
				s2.lastSeen = now
				return s2
			}
		}
		s = &session{id: id, agent: agent}
		ss.m[key] = s
	}
	s.lastSeen = now
	if len(ss.m) > 4096 {
		for k, v := range ss.m {
			if now.Sub(v.lastSeen) > ss.idle {
				delete(ss.m, k)
			}
		}
	}
	return s
}

// Breaker events.
const (
	eventDenial      = "denial"
	eventDestructive = "destructive"
	eventInjection   = "injection"
	eventSpend       = "spend"
)

type event struct {
	at     time.Time
	kind   string
	amount float64
}

// breaker trips an agent into a blocked state when its recent events pass
// the configured limits; a person resets it. Trips are kept in the state
// store too, so that they hold across restarts and on every replica
// sharing the store; the events that lead to a trip are counted per
// process.
type breaker struct {
	mu      sync.Mutex
	cfg     BreakerConfig
	events  map[string][]event
	tripped map[string]string // agent -> why
	// unsaved are trips the store has not taken yet (just made, or
	// refused by it): kept here, and offered to the store again, until a
	// person resets them.
	unsaved map[string]string
	state   tripStore // nil: this process only
	logger  *slog.Logger
}

// tripStore is where trips are shared (store.GatewayState).
type tripStore interface {
	TripAgent(ctx context.Context, agent, why string, at time.Time) error
	ResetAgent(ctx context.Context, agent string) (bool, error)
	TrippedAgents(ctx context.Context) (map[string]string, error)
}

// add records an event and reports whether the agent is tripped, and
// whether this event tripped it.
func (b *breaker) add(agent, kind string, amount float64, now time.Time) (tripped bool, why string, newly bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.maps()
	window := time.Duration(b.cfg.Window)
	evs := b.events[agent]
	keep := evs[:0]
	for _, e := range evs {
		if now.Sub(e.at) <= window {
			keep = append(keep, e)
		}
	}
	keep = append(keep, event{now, kind, amount})
	b.events[agent] = keep
	if why, ok := b.tripped[agent]; ok {
		return true, why, false
	}
	var n = map[string]int{}
	var spend float64
	for _, e := range keep {
		n[e.kind]++
		if e.kind == eventSpend {
			spend += e.amount
		}
	}
	switch {
	case n[eventDenial] >= b.cfg.MaxDenials:
		why = "too many denied calls"
	case n[eventDestructive] >= b.cfg.MaxDestructive:
		why = "too many destructive calls"
	case n[eventInjection] >= b.cfg.MaxInjections:
		why = "too many prompt-injection findings in tool responses"
	case b.cfg.MaxSpend > 0 && spend > b.cfg.MaxSpend:
		why = "spend limit reached"
	default:
		return false, "", false
	}
	why = why + " within " + window.String()
	b.tripped[agent] = why
	// Unsaved until the store has it, so that a sync in between does not
	// take it for a trip reset elsewhere.
	b.unsaved[agent] = why
	return true, why, true
}

func (b *breaker) maps() {
	if b.events == nil {
		b.events, b.tripped, b.unsaved = map[string][]event{}, map[string]string{}, map[string]string{}
	}
}

// save shares a trip through the store; a trip the store does not take
// stays in force here.
func (b *breaker) save(agent, why string, at time.Time) {
	if b.state == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.state.TripAgent(ctx, agent, why, at)
	if err == nil {
		b.mu.Lock()
		delete(b.unsaved, agent)
		b.mu.Unlock()
		return
	}
	if b.logger != nil {
		b.logger.Error("circuit breaker trip not shared yet; it holds on this replica and is offered again", "agent", agent, "err", err)
	}
}

// sync takes the trips in the store: trips made elsewhere block here, and
// trips reset elsewhere are lifted here (with the events that led to
// them). Trips the store has not taken are offered again.
func (b *breaker) sync(ctx context.Context, now time.Time) error {
	if b.state == nil {
		return nil
	}
	b.mu.Lock()
	b.maps()
	retry := make(map[string]string, len(b.unsaved))
	for a, why := range b.unsaved {
		retry[a] = why
	}
	b.mu.Unlock()
	for a, why := range retry {
		if err := b.state.TripAgent(ctx, a, why, now); err == nil {
			b.mu.Lock()
			delete(b.unsaved, a)
			b.mu.Unlock()
		}
	}
	shared, err := b.state.TrippedAgents(ctx)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for a := range b.tripped {
		if _, ok := shared[a]; !ok {
			if _, local := b.unsaved[a]; !local {
				delete(b.tripped, a)
				delete(b.events, a)
			}
		}
	}
	for a, why := range shared {
		b.tripped[a] = why
	}
	return nil
}

func (b *breaker) isTripped(agent string) (bool, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	why, ok := b.tripped[agent]
	return ok, why
}

// reset unblocks an agent and forgets its events, here and in the store.
func (b *breaker) reset(ctx context.Context, agent string) (bool, error) {
	shared := false
	if b.state != nil {
		var err error
		if shared, err = b.state.ResetAgent(ctx, agent); err != nil {
			return false, err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	_, was := b.tripped[agent]
	delete(b.tripped, agent)
	delete(b.unsaved, agent)
	delete(b.events, agent)
	return was || shared, nil
}

func (b *breaker) trippedAgents() map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]string, len(b.tripped))
	for k, v := range b.tripped {
		out[k] = v
	}
	return out
}

// budgets enforce call-rate and spend limits per agent and tool. Spend is
// kept in the state store where there is one (so it holds across restarts
// and is shared by every replica using the store), else in this process;
// call rates are counted per process.
type budgets struct {
	mu    sync.Mutex
	rules []Budget
	state spendStore             // nil: spend in this process
	calls map[string][]time.Time // rule index|agent -> call times
	spend map[string]float64     // rule index|agent -> spend, without a state store
}

// spendStore is where spend is kept (store.GatewayState).
type spendStore interface {
	ChargeSpend(ctx context.Context, charges []store.SpendCharge) (int, error)
}

// budgetKey names a spend budget in the state store: its agent and tool
// pattern (not its place in the configuration, which edits move) and,
// for a budget per period, the period's start.
func budgetKey(r Budget, now time.Time) string {
	var period, start string
	if r.SpendPer > 0 {
		period = time.Duration(r.SpendPer).String()
		start = now.UTC().Truncate(time.Duration(r.SpendPer)).Format(time.RFC3339)
	}
	// JSON: no pattern can make two budgets' keys one.
	b, _ := json.Marshal([]string{r.Agent, r.Tool, period, start})
	return string(b)
}

// spendCap is a budget's maximum with room for float64 rounding in sums
// of costs: ten calls of 0.1 fit a budget of 1.
func spendCap(max float64) float64 { return max * (1 + 1e-9) }

// charge checks and records one call; it returns a reason when a budget
// would be exceeded (and records nothing then), and an error when the
// state store could not tell. refund, when the call is refused at a later
// stage, gives back what was charged (its spend and its place in the rate
// limits).
func (b *budgets) charge(ctx context.Context, agent, tool string, now time.Time) (cost float64, refund func(context.Context), refused string, err error) {
	cost, charges, keys, refused, err := b.take(ctx, agent, tool, now)
	if refused != "" || err != nil || (len(charges) == 0 && len(keys) == 0) {
		return cost, func(context.Context) {}, refused, err
	}
	return cost, func(ctx context.Context) {
		b.mu.Lock()
		b.untake(keys, now)
		if b.state == nil {
			for _, k := range keys {
				b.spend[k.key] -= k.cost
			}
		}
		b.mu.Unlock()
		if len(charges) > 0 {
			back := make([]store.SpendCharge, len(charges))
			for i, c := range charges {
				back[i] = store.SpendCharge{Budget: c.Budget, Agent: c.Agent, Cost: -c.Cost, Max: c.Max}
			}
			b.state.ChargeSpend(context.WithoutCancel(ctx), back) // giving back cannot pass a maximum
		}
	}, "", nil
}

// taken is one rule's share of a call: its key, whether it counts the call
// against a rate, and the spend it charged in this process.
type taken struct {
	key  string
	rate bool
	cost float64
}

// untake removes a call at now from the rate limits of keys.
func (b *budgets) untake(keys []taken, now time.Time) {
	for _, k := range keys {
		if ts := b.calls[k.key]; k.rate && len(ts) > 0 {
			for j := len(ts) - 1; j >= 0; j-- {
				if ts[j].Equal(now) {
					b.calls[k.key] = append(ts[:j], ts[j+1:]...)
					break
				}
			}
		}
	}
}

// take is charge without the refund.
func (b *budgets) take(ctx context.Context, agent, tool string, now time.Time) (cost float64, charges []store.SpendCharge, keys []taken, refused string, err error) {
	b.mu.Lock()
	if b.calls == nil {
		b.calls, b.spend = map[string][]time.Time{}, map[string]float64{}
	}
	type hit struct {
		key string
		r   Budget
	}
	var hits []hit
	for i, r := range b.rules {
		if r.Agent != "*" && r.Agent != agent {
			continue
		}
		if ok, _ := path.Match(r.Tool, tool); !ok {
			continue
		}
		key := strconv.Itoa(i) + "|" + agent
		if r.Calls > 0 {
			per := time.Duration(r.Per)
			ts := b.calls[key]
			keep := ts[:0]
			for _, t := range ts {
				if now.Sub(t) < per {
					keep = append(keep, t)
				}
			}
			b.calls[key] = keep
			if len(keep) >= r.Calls {
				b.mu.Unlock()
				return 0, nil, nil, "rate limit: " + strconv.Itoa(r.Calls) + " calls of " + r.Tool + " per " + per.String(), nil
			}
		}
		if r.MaxSpend > 0 && b.state == nil {
			if b.spend[key]+r.Cost > spendCap(r.MaxSpend) {
				b.mu.Unlock()
				return 0, nil, nil, "budget exhausted for " + r.Tool, nil
			}
		}
		hits = append(hits, hit{key, r})
	}
	// Record the call: the store's answer, when it refuses, takes it back.
	var refusedBy []Budget // the rule behind each charge
	for _, h := range hits {
		k := taken{key: h.key, rate: h.r.Calls > 0}
		if k.rate {
			b.calls[h.key] = append(b.calls[h.key], now)
		}
		if b.state == nil {
			b.spend[h.key] += h.r.Cost
			k.cost = h.r.Cost
		} else if h.r.MaxSpend > 0 {
			charges = append(charges, store.SpendCharge{Budget: budgetKey(h.r, now), Agent: agent, Cost: h.r.Cost, Max: spendCap(h.r.MaxSpend)})
			refusedBy = append(refusedBy, h.r)
		}
		keys = append(keys, k)
		cost += h.r.Cost
	}
	b.mu.Unlock()
	if len(charges) == 0 {
		return cost, nil, keys, "", nil
	}
	i, err := b.state.ChargeSpend(ctx, charges)
	if err == nil && i < 0 {
		return cost, charges, keys, "", nil
	}
	b.mu.Lock()
	b.untake(keys, now)
	b.mu.Unlock()
	if err != nil {
		return 0, nil, nil, "", err
	}
	return 0, nil, nil, "budget exhausted for " + refusedBy[i].Tool, nil
}
