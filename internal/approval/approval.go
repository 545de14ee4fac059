// Package approval keeps humans in the loop: a tool call that policy says
// needs approval waits, bound to its exact content (agent, tool and
// arguments), until an authenticated person approves or denies it, or it
// expires. An approval allows that one call, once.
package approval

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/parapet-sec/parapet/internal/store"
)

// Status of a call with respect to approval.
type Status int

// Statuses CheckCall returns.
const (
	// Pending: a request exists (new or earlier) and waits for a person.
	Pending Status = iota
	// Approved: a person approved this exact call; it may run now, once.
	Approved
	// Denied: a person denied this exact call.
	Denied
)

// ErrNotApprover means the credentials given are not an approver's.
var ErrNotApprover = errors.New("not an approver: approvals need an approver's own credentials, and an agent can never approve")

// Call is what an approval is bound to.
type Call struct {
	Agent     string
	Tool      string
	Arguments json.RawMessage
	// Reason says why approval is needed (the policy's message).
	Reason string
	// Redacted is what approvers are shown of the arguments (secrets
	// removed); the hash binds the real ones.
	Redacted json.RawMessage
}

// Hash binds an approval to the exact call: SHA-256 over the agent, the
// tool and the canonical arguments (object keys sorted, numbers as
// written), so a change to any of them needs a new approval.
func (c Call) Hash() (string, error) {
	canon, err := canonicalJSON(c.Arguments)
	if err != nil {
		return "", fmt.Errorf("approval: arguments: %w", err)
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(c.Agent), []byte(c.Tool), canon} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func canonicalJSON(raw json.RawMessage) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	// encoding/json sorts map keys and writes json.Number as given.
	return json.Marshal(v)
}

// Service requests, checks and decides approvals.
type Service struct {
	State store.GatewayState
	// TTL is how long a request waits, and how long an approved call stays
	// usable (default 15 minutes).
	TTL time.Duration
	// Webhook, when set, receives Slack-compatible JSON for each new request.
	Webhook string
	// Client posts webhooks; nil uses a client with a 5 s timeout.
	Client *http.Client
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// OnDecision is told of every decision, for the audit log.
	OnDecision func(r store.ApprovalRecord)
	// MaxPending caps an agent's requests waiting for a decision (default
	// DefaultMaxPending), so that an agent cannot flood approvers and push
	// a real request out of sight; past it, calls needing approval fail.
	MaxPending int
}

// DefaultMaxPending is the default of Service.MaxPending.
const DefaultMaxPending = 20

// ErrTooManyPending means an agent has as many requests waiting as it may.
var ErrTooManyPending = errors.New("too many approval requests waiting for a decision")

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return 15 * time.Minute
}

// CheckCall looks for a decision on this exact call. An approved, unused,
// unexpired approval is consumed and Approved returned, with its record. A
// denied one gives Denied. Otherwise a pending request is found or created
// (and announced) and Pending returned with it.
func (s *Service) CheckCall(ctx context.Context, c Call) (Status, store.ApprovalRecord, error) {
	hash, err := c.Hash()
	if err != nil {
		return Pending, store.ApprovalRecord{}, err
	}
	now := s.now()
	recs, err := s.State.ApprovalsForCall(ctx, hash)
	if err != nil {
		return Pending, store.ApprovalRecord{}, err
	}
	for _, r := range recs {
		switch r.Status {
		case store.ApprovalApproved:
			// Usable once, within the TTL after the decision.
			if now.Sub(r.DecidedAt) > s.ttl() {
				continue
			}
			if err := s.State.UseApproval(ctx, r.ID, now); err != nil {
				continue // used by a concurrent call already
			}
			return Approved, r, nil
		case store.ApprovalDenied:
			if now.Sub(r.DecidedAt) <= s.ttl() {
				return Denied, r, nil
			}
		case store.ApprovalPending:
			if !r.Expired(now) {
				return Pending, r, nil
			}
		}
	}
	max := s.MaxPending
	if max <= 0 {
		max = DefaultMaxPending
	}
	n, err := s.State.PendingApprovals(ctx, c.Agent, now)
	if err != nil {
		return Pending, store.ApprovalRecord{}, err
	}
	if n >= max {
		return Pending, store.ApprovalRecord{}, fmt.Errorf("agent %s has %d: %w", c.Agent, n, ErrTooManyPending)
	}
	args := c.Redacted
	if args == nil {
		args = c.Arguments
	}
	r := store.ApprovalRecord{
		ID: newID(), CallHash: hash, Agent: c.Agent, Tool: c.Tool, Arguments: args, Reason: c.Reason,
		Status: store.ApprovalPending, CreatedAt: now, ExpiresAt: now.Add(s.ttl()),
	}
	if err := s.State.CreateApproval(ctx, r); err != nil {
		return Pending, r, err
	}
	s.announce(r)
	return Pending, r, nil
}

// Decide records an approver's decision on a pending request. approver is
// the authenticated name of a person; Decide refuses an empty one.
func (s *Service) Decide(ctx context.Context, id, approver string, approve bool, note string) (store.ApprovalRecord, error) {
	if approver == "" {
		return store.ApprovalRecord{}, ErrNotApprover
	}
	status := store.ApprovalDenied
	if approve {
		status = store.ApprovalApproved
	}
	if err := s.State.DecideApproval(ctx, id, status, approver, note, s.now()); err != nil {
		return store.ApprovalRecord{}, err
	}
	r, err := s.State.Approval(ctx, id)
	if err != nil {
		return r, err
	}
	if s.OnDecision != nil {
		s.OnDecision(r)
	}
	return r, nil
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return "apr_" + hex.EncodeToString(b[:])
}

// announce posts the request to the webhook, in the background: a slow or
// failing webhook must not hold the call, which waits for a decision anyway.
func (s *Service) announce(r store.ApprovalRecord) {
	if s.Webhook == "" {
		return
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	body, _ := json.Marshal(SlackMessage(r))
	go func() {
		resp, err := client.Post(s.Webhook, "application/json", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
		}
	}()
}

// SlackMessage is the Slack-compatible webhook body for a new request:
// "text" for any incoming-webhook receiver, and the fields as "blocks".
func SlackMessage(r store.ApprovalRecord) map[string]any {
	text := fmt.Sprintf("Parapet: agent %s asks to call %s (%s). Approve with `parapet approvals approve %s` or deny with `parapet approvals deny %s`; expires %s.",
		r.Agent, r.Tool, r.Reason, r.ID, r.ID, r.ExpiresAt.Format(time.RFC3339))
	return map[string]any{
		"text": text,
		"blocks": []any{
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": text}},
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "```" + string(r.Arguments) + "```"}},
		},
	}
}
