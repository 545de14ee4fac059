package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/store"
	"github.com/parapet-sec/parapet/internal/store/storetest"
)

func TestGatewayState(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		gs, err := store.OpenGatewayState(ctx, k.New(t))
		if err != nil {
			t.Fatal(err)
		}
		defer gs.Close()
		now := time.Now().UTC()
		rec := store.ApprovalRecord{ID: "a1", CallHash: "h1", Agent: "agent-1", Tool: "shell.run", Arguments: []byte(`{"cmd":"ls"}`),
			Reason: "destructive", Status: store.ApprovalPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := gs.CreateApproval(ctx, rec); err != nil {
			t.Fatal(err)
		}
		expired := rec
		expired.ID, expired.CallHash, expired.ExpiresAt = "a2", "h2", now.Add(-time.Second)
		if err := gs.CreateApproval(ctx, expired); err != nil {
			t.Fatal(err)
		}

		t.Run("a pending approval is listed and found by its call", func(t *testing.T) {
			got, err := gs.ApprovalsForCall(ctx, "h1")
			if err != nil || len(got) != 1 || got[0].ID != "a1" || string(got[0].Arguments) != `{"cmd":"ls"}` {
				t.Fatalf("got %+v, %v", got, err)
			}
			pending, err := gs.Approvals(ctx, store.ApprovalPending, 0)
			if err != nil || len(pending) != 2 {
				t.Fatalf("pending %d, %v", len(pending), err)
			}
			if n, err := gs.PendingApprovals(ctx, "agent-1", now); err != nil || n != 1 {
				t.Fatalf("agent-1 has %d unexpired pending requests (%v), want 1: the expired one does not count", n, err)
			}
		})
		t.Run("an approval is decided once", func(t *testing.T) {
			if err := gs.DecideApproval(ctx, "a1", store.ApprovalApproved, "alice", "ok", now); err != nil {
				t.Fatal(err)
			}
			if err := gs.DecideApproval(ctx, "a1", store.ApprovalDenied, "bob", "", now); !errors.Is(err, store.ErrDecided) {
				t.Fatalf("second decision: %v, want ErrDecided", err)
			}
			got, _ := gs.Approval(ctx, "a1")
			if got.Status != store.ApprovalApproved || got.Approver != "alice" {
				t.Fatalf("got %+v", got)
			}
		})
		t.Run("an expired approval cannot be approved", func(t *testing.T) {
			if err := gs.DecideApproval(ctx, "a2", store.ApprovalApproved, "alice", "", now); !errors.Is(err, store.ErrDecided) {
				t.Fatalf("got %v, want ErrDecided", err)
			}
		})
		t.Run("an unknown approval is not found", func(t *testing.T) {
			if err := gs.DecideApproval(ctx, "nope", store.ApprovalApproved, "alice", "", now); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("got %v, want ErrNotFound", err)
			}
		})
		t.Run("the first definition of a tool is pinned", func(t *testing.T) {
			p, err := gs.PinTool(ctx, "fs.read", "hash-1")
			if err != nil || p != "hash-1" {
				t.Fatalf("%q %v", p, err)
			}
			p, err = gs.PinTool(ctx, "fs.read", "hash-2")
			if err != nil || p != "hash-1" {
				t.Fatalf("a changed definition replaced the pin: %q %v", p, err)
			}
			if err := gs.RepinTool(ctx, "fs.read", "hash-2"); err != nil {
				t.Fatal(err)
			}
			if p, _ = gs.PinTool(ctx, "fs.read", "hash-3"); p != "hash-2" {
				t.Fatalf("repin did not take: %q", p)
			}
		})
	})
}

func TestAnApprovalIsUsedOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		gs, err := store.OpenGatewayState(ctx, k.New(t))
		if err != nil {
			t.Fatal(err)
		}
		defer gs.Close()
		now := time.Now().UTC()
		gs.CreateApproval(ctx, store.ApprovalRecord{ID: "a", CallHash: "h", Agent: "x", Tool: "t", Reason: "r", Status: store.ApprovalPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err := gs.UseApproval(ctx, "a", now); !errors.Is(err, store.ErrDecided) {
			t.Fatalf("a pending approval was used: %v", err)
		}
		gs.DecideApproval(ctx, "a", store.ApprovalApproved, "alice", "", now)
		if err := gs.UseApproval(ctx, "a", now); err != nil {
			t.Fatal(err)
		}
		if err := gs.UseApproval(ctx, "a", now); !errors.Is(err, store.ErrDecided) {
			t.Fatalf("an approval was used twice: %v", err)
		}
	})
}

func TestBreakerTripsAreShared(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		loc := k.New(t)
		a, err := store.OpenGatewayState(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := store.OpenGatewayState(ctx, loc) // another replica
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		now := time.Now().UTC()
		if err := a.TripAgent(ctx, "agent-1", "too many denied calls within 10m0s", now); err != nil {
			t.Fatal(err)
		}
		if err := a.TripAgent(ctx, "agent-1", "a later reason", now); err != nil {
			t.Fatal(err)
		}
		got, err := b.TrippedAgents(ctx)
		if err != nil || len(got) != 1 || got["agent-1"] != "too many denied calls within 10m0s" {
			t.Fatalf("the other replica sees %v, %v", got, err)
		}
		if was, err := b.ResetAgent(ctx, "agent-1"); err != nil || !was {
			t.Fatalf("reset: %v, %v", was, err)
		}
		if was, _ := b.ResetAgent(ctx, "agent-1"); was {
			t.Fatal("reset twice reports the agent blocked the second time")
		}
		if got, _ := a.TrippedAgents(ctx); len(got) != 0 {
			t.Fatalf("still tripped after reset: %v", got)
		}
	})
}

func TestSpendIsChargedOnceAcrossReplicas(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		loc := k.New(t)
		replicas := make([]store.GatewayState, 2)
		for i := range replicas {
			gs, err := store.OpenGatewayState(ctx, loc)
			if err != nil {
				t.Fatal(err)
			}
			defer gs.Close()
			replicas[i] = gs
		}
		t.Run("all charges or none", func(t *testing.T) {
			both := []store.SpendCharge{{Budget: "coder|*", Agent: "coder", Cost: 1, Max: 10}, {Budget: "*|web.*", Agent: "coder", Cost: 1, Max: 1}}
			if i, err := replicas[0].ChargeSpend(ctx, both); i != -1 || err != nil {
				t.Fatalf("first charge: %d, %v", i, err)
			}
			if i, err := replicas[1].ChargeSpend(ctx, both); i != 1 || err != nil {
				t.Fatalf("second charge: %d, %v; want the second budget refused", i, err)
			}
			// The refusal charged nothing: the first budget holds 1 of 10.
			if i, _ := replicas[1].ChargeSpend(ctx, []store.SpendCharge{{Budget: "coder|*", Agent: "coder", Cost: 9, Max: 10}}); i != -1 {
				t.Fatal("a refused charge was kept in part")
			}
		})
		t.Run("concurrent charges from two replicas never pass the maximum", func(t *testing.T) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			charged := 0
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func(gs store.GatewayState) {
					defer wg.Done()
					for j := 0; j < 10; j++ {
						i, err := gs.ChargeSpend(ctx, []store.SpendCharge{{Budget: "b", Agent: "a", Cost: 1, Max: 25}})
						if err != nil {
							t.Error(err)
							return
						}
						if i == -1 {
							mu.Lock()
							charged++
							mu.Unlock()
						}
					}
				}(replicas[w%2])
			}
			wg.Wait()
			if charged != 25 {
				t.Fatalf("%d charges of 1 passed a maximum of 25", charged)
			}
		})
	})
}
