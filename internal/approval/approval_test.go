package approval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/store"
)

func newService(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	gs, err := store.OpenGatewayState(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gs.Close() })
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	return &Service{State: gs, TTL: 10 * time.Minute, Now: func() time.Time { return now }}, &now
}

func TestTheHashBindsAgentToolAndArguments(t *testing.T) {
	base := Call{Agent: "a", Tool: "shell.run", Arguments: json.RawMessage(`{"cmd":"ls","n":1}`)}
	h0, _ := base.Hash()
	same := base
	same.Arguments = json.RawMessage(`{ "n": 1, "cmd": "ls" }`)
	if h, _ := same.Hash(); h != h0 {
		t.Fatal("key order or spacing changed the hash")
	}
	for name, c := range map[string]Call{
		"another agent":    {Agent: "b", Tool: base.Tool, Arguments: base.Arguments},
		"another tool":     {Agent: "a", Tool: "shell.exec", Arguments: base.Arguments},
		"another argument": {Agent: "a", Tool: base.Tool, Arguments: json.RawMessage(`{"cmd":"rm -rf /","n":1}`)},
		"a shifted border": {Agent: "as", Tool: "hell.run", Arguments: base.Arguments},
	} {
		if h, _ := c.Hash(); h == h0 {
			t.Errorf("%s gives the same hash", name)
		}
	}
}

func TestApprovalFlow(t *testing.T) {
	ctx := context.Background()
	call := Call{Agent: "agent-1", Tool: "k8s.exec", Arguments: json.RawMessage(`{"cmd":"kubectl delete ns prod"}`), Reason: "destructive"}

	t.Run("an approved call runs once", func(t *testing.T) {
		s, _ := newService(t)
		st, rec, err := s.CheckCall(ctx, call)
		if err != nil || st != Pending {
			t.Fatalf("%v %v", st, err)
		}
		if st, rec2, _ := s.CheckCall(ctx, call); st != Pending || rec2.ID != rec.ID {
			t.Fatal("asking again made a second request")
		}
		if _, err := s.Decide(ctx, rec.ID, "alice", true, "looks right"); err != nil {
			t.Fatal(err)
		}
		if st, got, _ := s.CheckCall(ctx, call); st != Approved || got.Approver != "alice" {
			t.Fatalf("got %v by %q", st, got.Approver)
		}
		if st, _, _ := s.CheckCall(ctx, call); st != Pending {
			t.Fatalf("a used approval allowed the call again: %v", st)
		}
	})
	t.Run("a denied call stays denied", func(t *testing.T) {
		s, _ := newService(t)
		_, rec, _ := s.CheckCall(ctx, call)
		s.Decide(ctx, rec.ID, "bob", false, "no")
		if st, _, _ := s.CheckCall(ctx, call); st != Denied {
			t.Fatalf("got %v", st)
		}
	})
	t.Run("an expired request cannot be approved", func(t *testing.T) {
		s, now := newService(t)
		_, rec, _ := s.CheckCall(ctx, call)
		*now = now.Add(11 * time.Minute)
		if _, err := s.Decide(ctx, rec.ID, "alice", true, ""); !errors.Is(err, store.ErrDecided) {
			t.Fatalf("got %v, want ErrDecided", err)
		}
		if st, rec2, _ := s.CheckCall(ctx, call); st != Pending || rec2.ID == rec.ID {
			t.Fatal("an expired request was reused")
		}
	})
	t.Run("an approval does not cover a changed call", func(t *testing.T) {
		s, _ := newService(t)
		_, rec, _ := s.CheckCall(ctx, call)
		s.Decide(ctx, rec.ID, "alice", true, "")
		changed := call
		changed.Arguments = json.RawMessage(`{"cmd":"kubectl delete ns kube-system"}`)
		if st, _, _ := s.CheckCall(ctx, changed); st != Pending {
			t.Fatalf("got %v", st)
		}
	})
	t.Run("an anonymous decision is refused", func(t *testing.T) {
		s, _ := newService(t)
		_, rec, _ := s.CheckCall(ctx, call)
		if _, err := s.Decide(ctx, rec.ID, "", true, ""); !errors.Is(err, ErrNotApprover) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestANewRequestIsPostedToTheWebhookAsSlackJSON(t *testing.T) {
	got := make(chan map[string]any, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		got <- m
	}))
	defer hook.Close()
	s, _ := newService(t)
	s.Webhook = hook.URL
	_, rec, err := s.CheckCall(context.Background(), Call{Agent: "a", Tool: "t", Arguments: json.RawMessage(`{}`), Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if text, _ := m["text"].(string); !strings.Contains(text, rec.ID) {
			t.Fatalf("text %q does not name the request", text)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook call")
	}
}

func TestAnAgentCannotFloodApprovers(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	s.MaxPending = 3
	for i := 0; i < 3; i++ {
		if st, _, err := s.CheckCall(ctx, Call{Agent: "a", Tool: "t", Arguments: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}); err != nil || st != Pending {
			t.Fatalf("request %d: %v %v", i, st, err)
		}
	}
	if _, _, err := s.CheckCall(ctx, Call{Agent: "a", Tool: "t", Arguments: json.RawMessage(`{"n":99}`)}); !errors.Is(err, ErrTooManyPending) {
		t.Fatalf("a fourth request: %v, want ErrTooManyPending", err)
	}
	if st, _, err := s.CheckCall(ctx, Call{Agent: "a", Tool: "t", Arguments: json.RawMessage(`{"n":0}`)}); err != nil || st != Pending {
		t.Fatalf("asking again about a waiting request must still work: %v %v", st, err)
	}
	if _, _, err := s.CheckCall(ctx, Call{Agent: "b", Tool: "t", Arguments: json.RawMessage(`{"n":99}`)}); err != nil {
		t.Fatalf("another agent is not capped by the first: %v", err)
	}
}
