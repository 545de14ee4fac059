package policy

// Input kinds: the value of input.kind, which tells a rule which enforcement
// point is asking. The input shapes are public API (docs/policies.md).
const (
	// KindResource is a posture check on one inventory node
	// (input.resource), with data.parapet.inventory for its neighbours.
	KindResource = "resource"
	// KindAdmission is a Kubernetes object under review (input.review is
	// the AdmissionRequest, as Gatekeeper gives it), from the admission
	// webhook or from `parapet check` on manifests.
	KindAdmission = "admission"
	// KindToolCall is an agent's tool call seen by the gateway.
	KindToolCall = "tool_call"
)

// Kinds lists every input kind.
var Kinds = []string{KindResource, KindAdmission, KindToolCall}

// ToolCallInput is input for KindToolCall: who calls, in which session,
// which tool with which arguments, and the task it was given.
type ToolCallInput struct {
	Agent     Agent          `json:"agent"`
	Session   Session        `json:"session"`
	Tool      Tool           `json:"tool"`
	Arguments map[string]any `json:"arguments"`
	// Task is the declared scope of the work, where the caller gives one
	// (for example {"scope": ["repo:acme/web"], "ticket": "OPS-12"}).
	Task map[string]any `json:"task,omitempty"`
}

// Agent identifies the caller.
type Agent struct {
	ID     string            `json:"id"`
	Claims map[string]any    `json:"claims,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Session is the conversation the call belongs to.
type Session struct {
	ID string `json:"id"`
	// Tainted is true once the session has read untrusted content.
	Tainted bool `json:"tainted"`
	// History holds earlier calls of the session, oldest first.
	History []PastCall `json:"history,omitempty"`
}

// PastCall is one earlier call of a session and the verdict it got.
type PastCall struct {
	Server  string `json:"server"`
	Tool    string `json:"tool"`
	Verdict string `json:"verdict"`
	Time    string `json:"time,omitempty"`
}

// Tool is the tool being called.
type Tool struct {
	Server      string         `json:"server"`
	Name        string         `json:"name"`
	Annotations map[string]any `json:"annotations,omitempty"`
	// Labels classify the tool: "untrusted_source", "sensitive_sink",
	// "destructive", ...
	Labels         []string `json:"labels,omitempty"`
	DefinitionHash string   `json:"definition_hash,omitempty"`
}

// Verdict is a tool-call decision.
type Verdict string

// Verdicts, from the strictest down: a deny beats an approve, which beats a
// redact, which beats an allow.
const (
	Deny    Verdict = "deny"
	Approve Verdict = "approve"
	Redact  Verdict = "redact"
	Allow   Verdict = "allow"
)

// Decision is the engine's answer for a tool call.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	// Reason explains a deny, approve or redact: the messages of the rules
	// that decided, joined by "; ".
	Reason string `json:"reason,omitempty"`
	// Results are every rule result that contributed (deny, approve,
	// redact and warn), with the metadata of their checks.
	Results []Result `json:"results,omitempty"`
}

// AdmissionResult is the engine's answer for one object under review.
type AdmissionResult struct {
	// Denied holds deny results; the object is allowed when it is empty.
	Denied []Result `json:"denied,omitempty"`
	// Warnings holds warn results.
	Warnings []Result `json:"warnings,omitempty"`
}

// Allowed reports whether no rule denied.
func (r AdmissionResult) Allowed() bool { return len(r.Denied) == 0 }

// Result is one answer of one rule: the check it belongs to, the rule
// (deny, warn, approve or redact), and what the rule returned.
type Result struct {
	Check *Check `json:"check"`
	// Rule is the rule set the result came from: "deny", "warn",
	// "approve" or "redact".
	Rule string `json:"rule"`
	// Msg says what is wrong and what to change.
	Msg string `json:"msg"`
	// Severity is the result's own severity when the rule gave one, else
	// the check's.
	Severity string `json:"severity"`
	// Resource is the resource id the rule named, if any (a rule may report
	// on a neighbour rather than the input resource).
	Resource string `json:"resource,omitempty"`
	// Field is the path of the offending field, if the rule gave one
	// ("spec.containers[0].securityContext.privileged").
	Field string `json:"field,omitempty"`
	// Details holds every other key of the rule's answer, as evidence.
	Details map[string]any `json:"details,omitempty"`
}
