package trail

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// k8sEvent is the part of an audit.k8s.io/v1 Event the timeline reads.
type k8sEvent struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	AuditID    string `json:"auditID"`
	Stage      string `json:"stage"`
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	User       struct {
		Username string              `json:"username"`
		Extra    map[string][]string `json:"extra"`
	} `json:"user"`
	ImpersonatedUser *struct {
		Username string `json:"username"`
	} `json:"impersonatedUser"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"responseStatus"`
	StageTimestamp           string `json:"stageTimestamp"`
	RequestReceivedTimestamp string `json:"requestReceivedTimestamp"`
}

var stageOrder = map[string]int{"RequestReceived": 0, "ResponseStarted": 1, "ResponseComplete": 2, "Panic": 3}

// ReadK8sAudit reads a Kubernetes audit log (one audit.k8s.io/v1 Event a
// line, as the API server's log backend writes it) into events. Of the
// stages of one request (one auditID) the last is kept.
func ReadK8sAudit(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("k8s audit: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var out []Event
	seen := map[string]int{} // auditID -> index in out
	stages := map[string]int{}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var ev k8sEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, fmt.Errorf("k8s audit: %s:%d: %w", path, line, err)
		}
		if ev.Kind != "Event" || !strings.HasPrefix(ev.APIVersion, "audit.k8s.io/") {
			return nil, fmt.Errorf("k8s audit: %s:%d: kind %q apiVersion %q, want an audit.k8s.io Event", path, line, ev.Kind, ev.APIVersion)
		}
		e, err := k8sToEvent(ev)
		if err != nil {
			return nil, fmt.Errorf("k8s audit: %s:%d: %w", path, line, err)
		}
		e.Ref = fmt.Sprintf("%s:%d", path, line)
		if i, dup := seen[ev.AuditID]; dup && ev.AuditID != "" {
			if stageOrder[ev.Stage] >= stages[ev.AuditID] {
				out[i] = e
				stages[ev.AuditID] = stageOrder[ev.Stage]
			}
			continue
		}
		seen[ev.AuditID] = len(out)
		stages[ev.AuditID] = stageOrder[ev.Stage]
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("k8s audit: %s:%d: %w", path, line+1, err)
	}
	return out, nil
}

func k8sToEvent(ev k8sEvent) (Event, error) {
	ts := ev.RequestReceivedTimestamp
	if ts == "" {
		ts = ev.StageTimestamp
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return Event{}, fmt.Errorf("requestReceivedTimestamp %q: %w", ts, err)
	}
	if ev.User.Username == "" {
		return Event{}, errors.New("user.username is empty")
	}
	e := Event{Time: t.UTC(), Source: SourceK8sAudit, Principal: ev.User.Username, Outcome: "unknown"}
	e.keys = []string{ev.User.Username}
	// EKS records the IAM identity behind a mapped user in user.extra.
	for _, k := range []string{"arn", "sessionName"} {
		e.keys = append(e.keys, ev.User.Extra[k]...)
	}
	if arns := ev.User.Extra["arn"]; len(arns) > 0 {
		ks, role := identityKeys(arns[0])
		e.keys = append(e.keys, ks...)
		e.Role = role
	}
	if c := ev.User.Extra["canonicalArn"]; len(c) > 0 && strings.Contains(c[0], ":role/") {
		e.Role = c[0]
	}
	if ks, role := identityKeys(ev.User.Username); role != "" {
		e.keys = append(e.keys, ks...)
		e.Role = role
	}
	if ev.ImpersonatedUser != nil && ev.ImpersonatedUser.Username != "" {
		e.OnBehalfOf = ev.ImpersonatedUser.Username
	}
	e.Action = ev.Verb
	if o := ev.ObjectRef; o != nil {
		res := o.Resource
		if o.Subresource != "" {
			res += "/" + o.Subresource
		}
		e.Action += " " + res
		switch {
		case o.Namespace != "" && o.Name != "":
			e.Target = o.Namespace + "/" + o.Name
		case o.Name != "":
			e.Target = o.Name
		case o.Namespace != "":
			e.Target = o.Namespace
		}
	} else if ev.RequestURI != "" {
		e.Action += " " + ev.RequestURI
	}
	if s := ev.ResponseStatus; s != nil {
		switch {
		case s.Code >= 200 && s.Code < 400:
			e.Outcome = "success"
		case s.Reason != "":
			e.Outcome = s.Reason
		default:
			e.Outcome = fmt.Sprintf("HTTP %d", s.Code)
		}
	}
	return e, nil
}
