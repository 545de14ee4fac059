package trail

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parapet-sec/parapet/internal/audit"
)

// ParapetEvent turns one decision record of the audit log (its stored JSON)
// into an event. index is the record's entry index in the log.
func ParapetEvent(index uint64, record []byte, validated bool) (Event, error) {
	var r struct {
		Time       string `json:"time"`
		Actor      string `json:"actor"`
		OnBehalfOf string `json:"on_behalf_of"`
		Action     string `json:"action"`
		Tool       string `json:"tool"`
		Verdict    string `json:"verdict"`
	}
	if err := json.Unmarshal(record, &r); err != nil {
		return Event{}, fmt.Errorf("audit log entry %d: %w", index, err)
	}
	t, err := time.Parse(time.RFC3339Nano, r.Time)
	if err != nil {
		return Event{}, fmt.Errorf("audit log entry %d: time %q: %w", index, r.Time, err)
	}
	e := Event{
		Time: t.UTC(), Source: SourceParapet, Principal: r.Actor, OnBehalfOf: r.OnBehalfOf,
		Action: strings.TrimSpace(r.Action + " " + r.Tool), Outcome: r.Verdict,
		Ref: fmt.Sprintf("entry %d", index), Validated: validated,
	}
	e.keys, e.Role = identityKeys(r.Actor)
	if len(e.keys) == 0 {
		e.keys = []string{r.Actor}
	}
	if r.OnBehalfOf != "" {
		// Records on behalf of someone belong to that person's
		// timeline too, without joining the agent to everything else
		// that person did.
		e.subjects = append(e.subjects, r.OnBehalfOf)
	}
	return e, nil
}

// FromLog verifies a Parapet audit log and reads all its records into
// events. A log that fails verification yields the error, not events.
func FromLog(ctx context.Context, l *audit.Log) ([]Event, error) {
	rep, err := l.Verify(ctx, nil)
	if err != nil {
		return nil, err
	}
	var out []Event
	err = l.Entries(ctx, 0, rep.Size, func(i uint64, data []byte) error {
		e, err := ParapetEvent(i, data, true)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}
