// Package trail reads audit trails from outside Parapet — AWS CloudTrail log
// files (with their digest-file chains) and Kubernetes audit logs — and
// Parapet's own decision records into one event shape keyed by the acting
// identity, so that an agent's actions across systems read as one timeline.
package trail

import (
	"sort"
	"strings"
	"time"
)

// Sources of events.
const (
	SourceCloudTrail = "cloudtrail"
	SourceK8sAudit   = "k8s-audit"
	SourceParapet    = "parapet"
)

// Event is one action from any trail.
type Event struct {
	Time   time.Time `json:"time"`
	Source string    `json:"source"`
	// Principal is the acting identity as the source names it: a
	// session ARN, a Kubernetes username, a Parapet actor.
	Principal string `json:"principal"`
	// Role is the IAM role behind an assumed-role session, if any.
	Role string `json:"role,omitempty"`
	// OnBehalfOf is the person or service the actor worked for, where
	// the source says.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
	// Action is what was done: "s3.amazonaws.com:DeleteBucket",
	// "delete deployments", "tools/call github/create_issue".
	Action string `json:"action"`
	// Target is the resource acted on, where known.
	Target string `json:"target,omitempty"`
	// Outcome is "success", an error code, or a Parapet verdict.
	Outcome string `json:"outcome"`
	// Ref locates the event in its source: file and event ID, or the
	// audit log entry index.
	Ref string `json:"ref"`
	// Validated says the event's source was checked for tampering: a
	// CloudTrail file listed in a verified digest, a verified Parapet log.
	Validated bool `json:"validated"`

	// keys are the names of the acting identity, all spellings; subjects
	// are identities the event acts upon (a role session it creates).
	keys     []string
	subjects []string
}

// Keys returns the names under which the event's actor is known.
func (e Event) Keys() []string { return e.keys }

// Timeline returns the events of one principal in time order. The principal
// may be any name of the identity: an assumed-role session ARN, a role ARN
// (all of its sessions), a role session name or agent name, a Kubernetes
// username or a Parapet actor. Names that the same events carry are joined:
// a session ARN, its session name (which agents set to their own name), the
// Kubernetes user that EKS maps it to, and the Parapet records of that
// agent. An AssumeRole call that creates one of the sessions is included.
func Timeline(events []Event, principal string) []Event {
	names := map[string]bool{normalize(principal): true}
	matched := make([]bool, len(events))
	for changed := true; changed; {
		changed = false
		for i, e := range events {
			if matched[i] || !e.matches(names) {
				continue
			}
			matched[i] = true
			changed = true
			for _, k := range e.keys {
				names[normalize(k)] = true
			}
		}
	}
	var out []Event
	for i, e := range events {
		if matched[i] || e.actsUpon(names) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

func (e Event) matches(names map[string]bool) bool {
	if e.Role != "" && names[normalize(e.Role)] {
		return true
	}
	for _, k := range e.keys {
		if names[normalize(k)] {
			return true
		}
	}
	return false
}

func (e Event) actsUpon(names map[string]bool) bool {
	for _, s := range e.subjects {
		if names[normalize(s)] {
			return true
		}
	}
	return false
}

// normalize folds the spellings of one ARN: IAM is case-insensitive in role
// names only for lookups, so ARNs are compared as given, but surrounding
// space is dropped.
func normalize(s string) string { return strings.TrimSpace(s) }

// sessionParts splits arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION into
// the role's ARN and the session name.
func sessionParts(arn string) (roleARN, session string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sts" {
		return "", "", false
	}
	res := strings.Split(parts[5], "/")
	if len(res) < 3 || res[0] != "assumed-role" {
		return "", "", false
	}
	role := strings.Join(res[1:len(res)-1], "/")
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + role, res[len(res)-1], true
}

// identityKeys returns the names of an identity given by ARN: the ARN and,
// for an assumed-role session, its session name; and the role behind it.
func identityKeys(arn string) (keys []string, role string) {
	if arn == "" {
		return nil, ""
	}
	keys = []string{arn}
	if r, s, ok := sessionParts(arn); ok {
		keys = append(keys, s)
		role = r
	}
	return keys, role
}
