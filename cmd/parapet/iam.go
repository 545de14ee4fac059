package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/spf13/cobra"
)

// Exit codes of `iam can` beyond the shared ones: 0 allowed, 1 denied,
// 3 conditional.
const exitConditional = 3

// Schemas of the iam commands' JSON output.
const (
	schemaIAMCan    = "parapet.iam.can/v1"
	schemaIAMWhoCan = "parapet.iam.who-can/v1"
)

func newIAMCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "iam",
		Short: "AWS identities: effective permissions, policy simulation, escalation paths",
	}
	cmd.AddCommand(newIAMCanCmd(), newIAMWhoCanCmd(), newIAMFetchManagedPoliciesCmd())
	cmd.AddCommand(newIAMAnalyzeCmd())
	return cmd
}

// iamInputs holds the input flags shared by every iam command that builds
// a model: one way to load IAM data.
type iamInputs struct {
	authz     []string
	scp       string
	aws       []string
	managed   string
	at        string
	terraform []string
}

// addIAMInputFlags registers the IAM input flags on cmd.
func addIAMInputFlags(cmd *cobra.Command, in *iamInputs) {
	f := cmd.Flags()
	f.StringArrayVar(&in.authz, "authz", nil, "`FILE` with the JSON of aws iam get-account-authorization-details (repeatable; pages may be concatenated)")
	f.StringVar(&in.scp, "scp", "", "folder of AWS Organizations listings with SCPs and RCPs (see docs/iam.md)")
	f.StringArrayVar(&in.aws, "aws", nil, "CloudMapper account-data folder: resource-based policies, and authorization details when present (repeatable)")
	f.StringVar(&in.managed, "managed-policies", "", "folder of AWS-managed policy documents (aws iam get-policy-version responses, one per policy name)")
	f.StringVar(&in.at, "at", "", "analysis time for date conditions, RFC 3339 (default now)")
	f.StringArrayVar(&in.terraform, "terraform", nil, "Terraform plan JSON or HCL folder whose principals join the model, before deploy (repeatable; see docs/terraform.md)")
}

// loadIAMModel reads the inputs named by the flags. Warnings about
// incomplete input go to stderr; errors are input errors (exit 2).
func loadIAMModel(in *iamInputs) (*collectaws.IAMData, error) {
	var at time.Time
	if in.at != "" {
		t, err := time.Parse(time.RFC3339, in.at)
		if err != nil {
			return nil, withCode(exitUsage, fmt.Errorf("--at %q: want RFC 3339, like 2026-01-02T15:04:05Z", in.at))
		}
		at = t
	}
	data, err := loadIAMInputs(collectaws.IAMInputs{
		Authz: in.authz, Org: in.scp, Accounts: in.aws, ManagedPolicies: in.managed,
	}, in.terraform)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	if !at.IsZero() {
		data.Model.At(at)
	}
	for _, w := range data.Warnings {
		fmt.Fprintln(os.Stderr, "parapet: warning:", w)
	}
	return data, nil
}

// parseContext reads --context KEY=VALUE flags; a key given twice is
// multi-valued.
func parseContext(kvs []string) (map[string][]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	out := map[string][]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--context %q: want KEY=VALUE, like aws:SourceIp=203.0.113.7", kv)
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

// resolvePrincipal accepts an ARN, "*" (anonymous), an account ID, a
// service or identity-provider host name, or the name of a user or role
// when it is unique in the model.
func resolvePrincipal(m *iam.Model, who string) (string, error) {
	if who == "*" || strings.HasPrefix(who, "arn:") || m.Principal(who) != nil || isDigits(who) || strings.Contains(who, ".") {
		return who, nil
	}
	var found []string
	for _, p := range m.Principals() {
		if p.Name == who && p.Kind != iam.KindGroup {
			found = append(found, p.ARN)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("principal %q: no user or role of that name in the input (give its ARN)", who)
	}
	return "", fmt.Errorf("principal %q is ambiguous: %s", who, strings.Join(found, ", "))
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func newIAMCanCmd() *cobra.Command {
	var (
		in      iamInputs
		context []string
		session string
		format  string
		output  string
	)
	cmd := &cobra.Command{
		Use:   "can PRINCIPAL ACTION RESOURCE",
		Short: "Simulate one request offline: allowed, denied or allowed only if conditions hold",
		Long: `Evaluate one request against the identity policies, permissions boundary,
resource-based policy, SCPs and RCPs, following AWS's evaluation logic.
Exit status: 0 allowed, 1 denied, 3 conditional, 2 input error.

PRINCIPAL is a user or role ARN (or its name when unique), "*" for an
anonymous caller, or an account ID / arn:aws:iam::ACCOUNT:root of an
account outside the input for "any principal of that account".`,
		Example: `  parapet iam can alice s3:GetObject arn:aws:s3:::data/report.csv --authz authz.json
  parapet iam can '*' s3:GetObject arn:aws:s3:::public/x --aws account-data/demo --authz authz.json
  parapet iam can arn:aws:iam::111122223333:role/ci iam:PassRole arn:aws:iam::111122223333:role/admin \
      --authz authz.json --scp org/ --context aws:SourceIp=203.0.113.7 --format json`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want table or json", format))
			}
			ctx, err := parseContext(context)
			if err != nil {
				return withCode(exitUsage, err)
			}
			data, err := loadIAMModel(&in)
			if err != nil {
				return err
			}
			who, err := resolvePrincipal(data.Model, args[0])
			if err != nil {
				return withCode(exitUsage, err)
			}
			if err := data.Model.CheckCaller(who); err != nil {
				return withCode(exitUsage, err)
			}
			req := iam.Request{Principal: who, Action: args[1], Resource: args[2], Context: ctx}
			if session != "" {
				b, err := os.ReadFile(session)
				if err != nil {
					return withCode(exitUsage, err)
				}
				sp, err := iam.ParsePolicy(b)
				if err != nil {
					return withCode(exitUsage, fmt.Errorf("%s: %w", session, err))
				}
				sp.Source = "session policy " + session
				req.SessionPolicy = sp
			}
			d := data.Model.Evaluate(req)
			var incomplete []string
			if p := data.Model.Principal(who); p != nil {
				incomplete = p.Incomplete
			}
			err = writeOutput(output, func(w io.Writer) error {
				if format == "json" {
					return writeCanJSON(w, req, d, incomplete)
				}
				return writeCanTable(w, req, d, incomplete)
			})
			if err != nil {
				return withCode(exitUsage, err)
			}
			switch d.Result {
			case iam.Allowed:
				return nil
			case iam.Conditional:
				return withCode(exitConditional, nil)
			}
			return withCode(exitFindings, nil)
		},
	}
	addIAMInputFlags(cmd, &in)
	cmd.Flags().StringArrayVar(&context, "context", nil, "known request context KEY=VALUE (repeatable; a key given twice is multi-valued)")
	cmd.Flags().StringVar(&session, "session-policy", "", "policy document passed when the role session was created (AssumeRole Policy), which limits it")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the result to this file instead of stdout")
	return cmd
}

// statementJSON is a deciding statement in JSON output.
type statementJSON struct {
	Policy string `json:"policy"`
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"`
	Effect string `json:"effect"`
}

type conditionJSON struct {
	Operator  string   `json:"operator"`
	Key       string   `json:"key"`
	Values    []string `json:"values"`
	Negated   bool     `json:"negated,omitempty"`
	Statement string   `json:"statement,omitempty"`
}

func statementsJSON(ss []*iam.Statement) []statementJSON {
	out := make([]statementJSON, 0, len(ss))
	for _, s := range ss {
		src := ""
		if s.Policy != nil {
			src = s.Policy.Source
		}
		out = append(out, statementJSON{Policy: src, Sid: s.Sid, Index: s.Index, Effect: s.Effect})
	}
	return out
}

func conditionsJSON(cs []iam.Condition) []conditionJSON {
	out := make([]conditionJSON, 0, len(cs))
	for _, c := range cs {
		cj := conditionJSON{Operator: c.Operator, Key: c.Key, Values: c.Values, Negated: c.Negated}
		if c.Statement != nil {
			cj.Statement = c.Statement.String()
		}
		out = append(out, cj)
	}
	return out
}

func writeCanJSON(w io.Writer, req iam.Request, d iam.Decision, incomplete []string) error {
	doc := struct {
		Schema     string          `json:"schema"`
		Principal  string          `json:"principal"`
		Action     string          `json:"action"`
		Resource   string          `json:"resource"`
		Result     string          `json:"result"`
		Reason     string          `json:"reason"`
		Conditions []conditionJSON `json:"conditions"`
		Statements []statementJSON `json:"statements"`
		Incomplete []string        `json:"incomplete,omitempty"`
	}{schemaIAMCan, req.Principal, req.Action, req.Resource, d.Result.String(), d.Reason,
		conditionsJSON(d.Conditions), statementsJSON(d.Statements), incomplete}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func writeCanTable(w io.Writer, req iam.Request, d iam.Decision, incomplete []string) error {
	fmt.Fprintf(w, "%s: %s %s on %s\n", strings.ToUpper(d.Result.String()), req.Principal, req.Action, req.Resource)
	fmt.Fprintf(w, "  why: %s\n", d.Reason)
	if len(d.Conditions) > 0 {
		fmt.Fprintln(w, "  allowed if all of:")
		for _, c := range iam.GroupConditions(d.Conditions) {
			fmt.Fprintf(w, "    - %s\n", c)
		}
	}
	for _, s := range d.Statements {
		fmt.Fprintf(w, "  statement: %s (%s)\n", s, s.Effect)
	}
	for _, inc := range incomplete {
		fmt.Fprintf(w, "  incomplete input: %s\n", inc)
	}
	return nil
}

func newIAMWhoCanCmd() *cobra.Command {
	var (
		in      iamInputs
		context []string
		format  string
		output  string
	)
	cmd := &cobra.Command{
		Use:   "who-can ACTION RESOURCE",
		Short: "List the users and roles allowed an action on a resource (conditional ones marked)",
		Example: `  parapet iam who-can iam:PassRole arn:aws:iam::111122223333:role/admin --authz authz.json
  parapet iam who-can s3:GetObject arn:aws:s3:::payroll/2026.csv --authz authz.json --aws account-data/ --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want table or json", format))
			}
			ctx, err := parseContext(context)
			if err != nil {
				return withCode(exitUsage, err)
			}
			data, err := loadIAMModel(&in)
			if err != nil {
				return err
			}
			req := iam.Request{Action: args[0], Resource: args[1], Context: ctx}
			found := data.Model.WhoCan(req)
			// Anyone at all: an anonymous caller, which a resource policy
			// with Principal "*" may admit.
			anon := req
			anon.Principal = "*"
			if d := data.Model.Evaluate(anon); d.Result != iam.Denied {
				found = append([]iam.PrincipalDecision{{Principal: &iam.Principal{ARN: "*", Kind: "anonymous"}, Decision: d}}, found...)
			}
			// Callers outside the input that the resource or trust
			// policy names: other accounts, services, identity providers.
			for _, who := range data.Model.OutsideCallers(req) {
				out := req
				out.Principal = who
				if d := data.Model.Evaluate(out); d.Result != iam.Denied {
					found = append(found, iam.PrincipalDecision{Principal: &iam.Principal{ARN: who, Kind: "outside"}, Decision: d})
				}
			}
			err = writeOutput(output, func(w io.Writer) error {
				if format == "json" {
					return writeWhoCanJSON(w, req, found)
				}
				return writeWhoCanTable(w, req, found)
			})
			if err != nil {
				return withCode(exitUsage, err)
			}
			return nil
		},
	}
	addIAMInputFlags(cmd, &in)
	cmd.Flags().StringArrayVar(&context, "context", nil, "known request context KEY=VALUE (repeatable)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the result to this file instead of stdout")
	return cmd
}

func writeWhoCanJSON(w io.Writer, req iam.Request, found []iam.PrincipalDecision) error {
	type entry struct {
		ARN        string          `json:"arn"`
		Kind       string          `json:"kind"`
		Result     string          `json:"result"`
		Reason     string          `json:"reason"`
		Conditions []conditionJSON `json:"conditions"`
		Statements []statementJSON `json:"statements"`
		Incomplete []string        `json:"incomplete,omitempty"`
	}
	doc := struct {
		Schema     string  `json:"schema"`
		Action     string  `json:"action"`
		Resource   string  `json:"resource"`
		Principals []entry `json:"principals"`
	}{Schema: schemaIAMWhoCan, Action: req.Action, Resource: req.Resource, Principals: []entry{}}
	for _, f := range found {
		doc.Principals = append(doc.Principals, entry{
			ARN: f.Principal.ARN, Kind: f.Principal.Kind, Result: f.Decision.Result.String(), Reason: f.Decision.Reason,
			Conditions: conditionsJSON(f.Decision.Conditions), Statements: statementsJSON(f.Decision.Statements),
			Incomplete: f.Principal.Incomplete,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func writeWhoCanTable(w io.Writer, req iam.Request, found []iam.PrincipalDecision) error {
	if len(found) == 0 {
		fmt.Fprintf(w, "No principal can %s on %s, by what the input shows.\n", req.Action, req.Resource)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRINCIPAL\tRESULT\tVIA")
	for _, f := range found {
		via := make([]string, 0, len(f.Decision.Statements))
		for _, s := range f.Decision.Statements {
			via = append(via, s.String())
		}
		sort.Strings(via)
		res := f.Decision.Result.String()
		if f.Decision.Result == iam.Conditional {
			res += " if " + strings.Join(iam.GroupConditions(f.Decision.Conditions), " and ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Principal.ARN, res, strings.Join(via, "; "))
	}
	return tw.Flush()
}

func newIAMFetchManagedPoliciesCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "fetch-managed-policies --out DIR",
		Short: "Fill a --managed-policies folder with AWS-managed policy documents from your own account (IAM, live)",
		Long: `Call IAM with the usual AWS credentials (environment, profile, SSO, instance
role): ListPolicies with scope AWS, then GetPolicyVersion for each default
version, and write one file per policy into DIR in the format that
--managed-policies reads. Needs iam:ListPolicies and iam:GetPolicyVersion.`,
		Example: `  parapet iam fetch-managed-policies --out managed-policies/
  parapet iam analyze --authz authz.json --managed-policies managed-policies/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return withCode(exitUsage, fmt.Errorf("--out DIR is required"))
			}
			ctx := context.Background()
			client, err := collectaws.NewIAMClient(ctx)
			if err != nil {
				return withCode(exitUsage, err)
			}
			n, err := collectaws.FetchManagedPolicies(ctx, client, out, nil)
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("%w (%d policies written to %s before the error)", err, n, out))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d AWS-managed policies written to %s\n", n, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder to write the policies into (created if missing)")
	return cmd
}
