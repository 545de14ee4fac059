package gateway

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/store"
)

// flakyTrips is a real state store whose breaker writes can be made to
// fail.
type flakyTrips struct {
	store.GatewayState
	down atomic.Bool
}

func (f *flakyTrips) TripAgent(ctx context.Context, agent, why string, at time.Time) error {
	if f.down.Load() {
		return errors.New("store unavailable")
	}
	return f.GatewayState.TripAgent(ctx, agent, why, at)
}

// Two gateways sharing a state store (replicas, or one gateway before and
// after a restart): a trip on one blocks the agent on the other, and a
// reset on either lifts it on both.
func TestBreakerTripsHoldOnEveryReplica(t *testing.T) {
	ctx := context.Background()
	loc := "sqlite:" + filepath.Join(t.TempDir(), "state.db")
	open := func() store.GatewayState {
		st, err := store.OpenGatewayState(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	cfg := BreakerConfig{Window: Duration(time.Minute), MaxDenials: 2, MaxDestructive: 100, MaxInjections: 100}
	replica := func(st tripStore) *Gateway {
		return &Gateway{breaker: &breaker{cfg: cfg, state: st}, metrics: NewMetrics(nil), logger: slog.New(slog.DiscardHandler)}
	}
	flaky := &flakyTrips{GatewayState: open()}
	a, b := replica(flaky), replica(open())
	now := time.Now()

	a.breakerEvent("agent-1", eventDenial, 0, now)
	if tripped, _ := a.breakerEvent("agent-1", eventDenial, 0, now); !tripped {
		t.Fatal("two denials did not trip the breaker")
	}
	if tripped, _ := b.breaker.isTripped("agent-1"); tripped {
		t.Fatal("tripped on the other replica before it read the store")
	}
	if err := b.breaker.sync(ctx, now); err != nil {
		t.Fatal(err)
	}
	if tripped, why := b.breaker.isTripped("agent-1"); !tripped || why != "too many denied calls within 1m0s" {
		t.Fatalf("the other replica: tripped %v (%s)", tripped, why)
	}
	restarted := replica(open())
	restarted.breaker.sync(ctx, now)
	if tripped, _ := restarted.breaker.isTripped("agent-1"); !tripped {
		t.Fatal("a restart lifted the trip")
	}

	if was, err := b.breaker.reset(ctx, "agent-1"); err != nil || !was {
		t.Fatalf("reset: %v %v", was, err)
	}
	a.breaker.sync(ctx, now)
	if tripped, _ := a.breaker.isTripped("agent-1"); tripped {
		t.Fatal("a reset on one replica did not reach the other")
	}
	// The events that led to the trip went with it: one more denial does
	// not trip again.
	if tripped, _ := a.breakerEvent("agent-1", eventDenial, 0, now); tripped {
		t.Fatal("tripped again on the first denial after a reset")
	}

	t.Run("a trip the store does not take holds where it was made", func(t *testing.T) {
		flaky.down.Store(true)
		a.breakerEvent("agent-2", eventDenial, 0, now)
		a.breakerEvent("agent-2", eventDenial, 0, now)
		a.breaker.sync(ctx, now)
		if tripped, _ := a.breaker.isTripped("agent-2"); !tripped {
			t.Fatal("an unsaved trip was dropped")
		}
		flaky.down.Store(false)
		a.breaker.sync(ctx, now) // offered to the store again
		b.breaker.sync(ctx, now)
		if tripped, _ := b.breaker.isTripped("agent-2"); !tripped {
			t.Fatal("the trip never reached the other replica")
		}
	})
}

// A sync between a trip and its saving must not lift the trip.
func TestASyncBeforeATripIsSavedKeepsIt(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenGatewayState(ctx, "sqlite:"+filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &breaker{cfg: BreakerConfig{Window: Duration(time.Minute), MaxDenials: 1, MaxDestructive: 9, MaxInjections: 9}, state: st}
	now := time.Now()
	if tripped, _, newly := b.add("agent-1", eventDenial, 0, now); !tripped || !newly {
		t.Fatal("did not trip")
	}
	if err := b.sync(ctx, now); err != nil { // before save
		t.Fatal(err)
	}
	if tripped, _ := b.isTripped("agent-1"); !tripped {
		t.Fatal("the sync lifted a trip not yet saved")
	}
	b.save("agent-1", "x", now)
	if got, _ := st.TrippedAgents(ctx); len(got) != 1 {
		t.Fatalf("store holds %v", got)
	}
}

func TestBreakerRules(t *testing.T) {
	cfg := BreakerConfig{Window: Duration(10 * time.Minute), MaxDenials: 3, MaxDestructive: 2, MaxInjections: 2, MaxSpend: 1.0}
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, kind string
		amount     float64
		trips      int // events to the trip
		why        string
	}{
		{"denials", eventDenial, 0, 3, "too many denied calls"},
		{"destructive calls", eventDestructive, 0, 2, "too many destructive calls"},
		{"injection findings", eventInjection, 0, 2, "too many prompt-injection findings"},
		{"spend", eventSpend, 0.3, 4, "spend limit reached"}, // 1.2 > 1.0
	} {
		t.Run(tc.name+" trip at the limit", func(t *testing.T) {
			b := &breaker{cfg: cfg}
			for i := 1; i <= tc.trips; i++ {
				tripped, why, newly := b.add("a", tc.kind, tc.amount, t0.Add(time.Duration(i)*time.Minute))
				if tripped != (i == tc.trips) || newly != (i == tc.trips) {
					t.Fatalf("event %d: tripped %v (newly %v), want a trip at event %d", i, tripped, newly, tc.trips)
				}
				if tripped && !strings.Contains(why, tc.why) {
					t.Fatalf("why %q", why)
				}
			}
			if tripped, _ := b.isTripped("a"); !tripped {
				t.Fatal("not tripped after the limit")
			}
			if tripped, _ := b.isTripped("b"); tripped {
				t.Fatal("another agent is tripped")
			}
		})
		t.Run(tc.name+" older than the window do not count", func(t *testing.T) {
			b := &breaker{cfg: cfg}
			at := t0
			for i := 1; i < tc.trips; i++ {
				b.add("a", tc.kind, tc.amount, at)
			}
			at = at.Add(time.Duration(cfg.Window) + time.Second)
			if tripped, why, _ := b.add("a", tc.kind, tc.amount, at); tripped {
				t.Fatalf("tripped by events outside the window: %s", why)
			}
		})
	}
	t.Run("kinds are counted apart", func(t *testing.T) {
		b := &breaker{cfg: cfg}
		for i, k := range []string{eventDenial, eventDestructive, eventInjection, eventDenial} {
			if tripped, why, _ := b.add("a", k, 0, t0.Add(time.Duration(i)*time.Second)); tripped {
				t.Fatalf("tripped after %d mixed events: %s", i+1, why)
			}
		}
	})
}

func TestInjectionFindingsTripTheBreaker(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Breaker = BreakerConfig{MaxInjections: 2} })
	cs := r.client(r.agentKey)
	for i := 0; i < 2; i++ {
		if out := mustAllow(t, cs, "box.read_inbox", map[string]any{"message": 2}); !strings.Contains(out, "withheld") {
			t.Fatalf("an injected message reached the agent: %q", out)
		}
	}
	mustRefuse(t, cs, CodeDenied, "box.read_notes", nil, "prompt-injection findings")
}
