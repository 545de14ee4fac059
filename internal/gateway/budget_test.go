package gateway

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/store"
	"github.com/parapet-sec/parapet/internal/store/storetest"
)

func TestRateLimits(t *testing.T) {
	b := &budgets{rules: []Budget{{Agent: "*", Tool: "web.*", Calls: 2, Per: Duration(time.Minute)}}}
	ctx, t0 := context.Background(), time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i, want := range []string{"", "", "rate limit"} {
		if _, _, refused, err := b.charge(ctx, "coder", "web.fetch", t0.Add(time.Duration(i)*time.Second)); err != nil || !strings.Contains(refused, want) || (want == "") != (refused == "") {
			t.Fatalf("call %d: refused %q, %v; want %q", i+1, refused, err, want)
		}
	}
	if _, _, refused, _ := b.charge(ctx, "other", "web.fetch", t0); refused != "" {
		t.Fatalf("another agent was limited: %s", refused)
	}
	if _, _, refused, _ := b.charge(ctx, "coder", "fs.read", t0); refused != "" {
		t.Fatalf("another tool was limited: %s", refused)
	}
	if _, _, refused, _ := b.charge(ctx, "coder", "web.fetch", t0.Add(time.Minute+time.Second)); refused != "" {
		t.Fatalf("still limited after the window: %s", refused)
	}
}

// failingSpend is a spend store that cannot answer.
type failingSpend struct{}

func (failingSpend) ChargeSpend(context.Context, []store.SpendCharge) (int, error) {
	return -1, errors.New("connection refused")
}

func TestSpendBudgets(t *testing.T) {
	ctx, t0 := context.Background(), time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	rules := []Budget{{Agent: "coder", Tool: "*", Cost: 1, MaxSpend: 3}}
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		loc := k.New(t)
		replica := func(rules []Budget) *budgets {
			gs, err := store.OpenGatewayState(ctx, loc)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { gs.Close() })
			return &budgets{rules: rules, state: gs}
		}
		t.Run("spend is shared by replicas and outlives a restart", func(t *testing.T) {
			a, b := replica(rules), replica(rules)
			for i, r := range []*budgets{a, b, a} {
				if cost, _, refused, err := r.charge(ctx, "coder", "fs.read", t0); cost != 1 || refused != "" || err != nil {
					t.Fatalf("call %d: cost %v, refused %q, %v", i+1, cost, refused, err)
				}
			}
			if _, _, refused, err := b.charge(ctx, "coder", "fs.read", t0); err != nil || !strings.Contains(refused, "budget exhausted") {
				t.Fatalf("a fourth call on the other replica: refused %q, %v", refused, err)
			}
			if _, _, refused, _ := replica(rules).charge(ctx, "coder", "fs.read", t0); refused == "" {
				t.Fatal("a restart forgot the spend")
			}
			if _, _, refused, _ := a.charge(ctx, "reviewer", "fs.read", t0); refused != "" {
				t.Fatalf("another agent's spend: %s", refused)
			}
		})
		t.Run("spend_per starts afresh each period", func(t *testing.T) {
			daily := []Budget{{Agent: "coder", Tool: "web.*", Cost: 2, MaxSpend: 3, SpendPer: Duration(24 * time.Hour)}}
			r := replica(daily)
			if _, _, refused, _ := r.charge(ctx, "coder", "web.fetch", t0); refused != "" {
				t.Fatal(refused)
			}
			if _, _, refused, _ := r.charge(ctx, "coder", "web.fetch", t0.Add(time.Hour)); refused == "" {
				t.Fatal("the day's budget was passed")
			}
			if _, _, refused, _ := r.charge(ctx, "coder", "web.fetch", t0.Add(15*time.Hour)); refused != "" {
				t.Fatalf("the next day: %s", refused)
			}
		})
		t.Run("a refused charge takes back the call's place in the rate limit", func(t *testing.T) {
			both := []Budget{{Agent: "*", Tool: "db.*", Calls: 5, Per: Duration(time.Minute)}, {Agent: "coder", Tool: "db.*", Cost: 1, MaxSpend: 1}}
			r := replica(both)
			r.charge(ctx, "coder", "db.query", t0)
			for i := 0; i < 3; i++ {
				if _, _, refused, _ := r.charge(ctx, "coder", "db.query", t0); !strings.Contains(refused, "budget exhausted") {
					t.Fatalf("refused %q", refused)
				}
			}
			if n := len(r.calls["0|coder"]); n != 1 {
				t.Fatalf("%d calls counted against the rate limit, want the one that ran", n)
			}
		})
	})
	t.Run("a call refused after the budget stage gets its charge back", func(t *testing.T) {
		both := []Budget{{Agent: "*", Tool: "db.*", Calls: 1, Per: Duration(time.Minute)}, {Agent: "coder", Tool: "db.*", Cost: 1, MaxSpend: 1}}
		for name, state := range map[string]spendStore{"in the store": mustGatewayState(t), "in the process": nil} {
			r := &budgets{rules: both}
			if state != nil {
				r.state = state
			}
			_, refund, refused, err := r.charge(ctx, "coder", "db.query", t0)
			if refused != "" || err != nil {
				t.Fatalf("%s: %q, %v", name, refused, err)
			}
			refund(ctx)
			if _, _, refused, _ := r.charge(ctx, "coder", "db.query", t0); refused != "" {
				t.Fatalf("%s: refused after a refund: %s", name, refused)
			}
		}
	})
	t.Run("budgets of one agent and tool with other periods are apart", func(t *testing.T) {
		layered := []Budget{{Agent: "coder", Tool: "*", Cost: 1, MaxSpend: 2, SpendPer: Duration(time.Hour)},
			{Agent: "coder", Tool: "*", Cost: 1, MaxSpend: 10, SpendPer: Duration(24 * time.Hour)}}
		r := &budgets{rules: layered, state: mustGatewayState(t)}
		midnight := time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC)
		for i := 0; i < 2; i++ {
			if _, _, refused, _ := r.charge(ctx, "coder", "x", midnight); refused != "" {
				t.Fatalf("call %d: %s", i+1, refused)
			}
		}
	})
	t.Run("sums of costs are not undone by rounding", func(t *testing.T) {
		for name, state := range map[string]spendStore{"in the store": mustGatewayState(t), "in the process": nil} {
			r := &budgets{rules: []Budget{{Agent: "coder", Tool: "*", Cost: 0.1, MaxSpend: 0.3}}}
			if state != nil {
				r.state = state
			}
			for i := 0; i < 3; i++ {
				if _, _, refused, _ := r.charge(ctx, "coder", "x", t0); refused != "" {
					t.Fatalf("%s: call %d of 0.1 against 0.3: %s", name, i+1, refused)
				}
			}
		}
	})
	t.Run("a store that cannot answer fails closed", func(t *testing.T) {
		b := &budgets{rules: rules, state: failingSpend{}}
		if _, _, refused, err := b.charge(ctx, "coder", "fs.read", t0); err == nil || refused != "" {
			t.Fatalf("refused %q, err %v; want the store's error", refused, err)
		}
	})
	t.Run("without a store, spend is kept in the process", func(t *testing.T) {
		b := &budgets{rules: rules}
		for i := 0; i < 3; i++ {
			b.charge(ctx, "coder", "fs.read", t0)
		}
		if _, _, refused, _ := b.charge(ctx, "coder", "fs.read", t0); !strings.Contains(refused, "budget exhausted") {
			t.Fatalf("refused %q", refused)
		}
	})
}

func TestABudgetRefusesThroughTheGateway(t *testing.T) {
	r := newRig(t, func(c *Config) {
		c.Budgets = []Budget{{Agent: "agent-1", Tool: "box.read_notes", Cost: 1, MaxSpend: 2}}
	})
	cs := r.client(r.agentKey)
	mustAllow(t, cs, "box.read_notes", nil)
	mustAllow(t, cs, "box.read_notes", nil)
	mustRefuse(t, cs, CodeDenied, "box.read_notes", nil, "budget exhausted for box.read_notes")
	mustAllow(t, cs, "box.read_file", map[string]any{"path": "/src/a.go"})
	r.checkLog(t, 0)
}

func mustGatewayState(t *testing.T) store.GatewayState {
	t.Helper()
	gs, err := store.OpenGatewayState(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gs.Close() })
	return gs
}

func TestARefusedCallDoesNotSpend(t *testing.T) {
	r := newRig(t, func(c *Config) {
		c.Budgets = []Budget{{Agent: "agent-1", Tool: "box.run_command", Cost: 1, MaxSpend: 1}}
	})
	cs := r.client(r.agentKey)
	args := map[string]any{"command": "kubectl delete namespace staging"}
	for i := 0; i < 3; i++ { // waiting for approval, three times
		mustRefuse(t, cs, CodeApprovalRequired, "box.run_command", args, "destructive")
	}
	id := approvalID(t, mustRefuse(t, cs, CodeApprovalRequired, "box.run_command", args, "destructive"))
	if code, _ := r.api("POST", "/approvals/"+id+"/approve", r.approverKey); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	mustAllow(t, cs, "box.run_command", args)
}
