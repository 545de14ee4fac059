package terraform

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

func load(t *testing.T, path string) (*Config, *inventory.Snapshot) {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return c, c.Snapshot()
}

// comparable drops what differs by reader only: where a node was read and
// the planned action.
func comparable(t *testing.T, s *inventory.Snapshot) string {
	t.Helper()
	for _, n := range s.Nodes {
		n.Source = ""
		delete(n.Props, "terraform_action")
	}
	var buf bytes.Buffer
	if err := s.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHCLAndPlanOfOneConfigurationGiveTheSameInventory(t *testing.T) {
	hc, hs := load(t, "testdata/agent")
	if len(hc.Warnings) > 0 {
		t.Errorf("HCL warnings: %q", hc.Warnings)
	}
	_, ps := load(t, "testdata/agent.plan.json")
	if len(hs.Nodes) < 15 || len(hs.Edges) < 8 {
		t.Fatalf("HCL inventory too small: %d nodes, %d edges", len(hs.Nodes), len(hs.Edges))
	}
	h, p := comparable(t, hs), comparable(t, ps)
	if h != p {
		hl, pl := strings.Split(h, "\n"), strings.Split(p, "\n")
		for i := range min(len(hl), len(pl)) {
			if hl[i] != pl[i] {
				t.Fatalf("inventories differ at line %d:\n hcl:  %s\n plan: %s", i+1, hl[i], pl[i])
			}
		}
		t.Fatalf("inventories differ in length: %d vs %d lines", len(hl), len(pl))
	}
}

func hasEdge(s *inventory.Snapshot, from, to, kind string) bool {
	for _, e := range s.Edges {
		if e.From == from && e.To == to && e.Kind == kind {
			return true
		}
	}
	return false
}

func TestReferencesCountForEachAndModulesLinkTheInventory(t *testing.T) {
	for _, path := range []string{"testdata/agent", "testdata/agent.plan.json"} {
		t.Run(path, func(t *testing.T) {
			_, s := load(t, path)
			nodes := []string{
				"arn:aws:iam::<unknown>:user/analyst-0", "arn:aws:iam::<unknown>:user/analyst-1", // count
				"arn:aws:iam::<unknown>:role/worker-etl", "arn:aws:iam::<unknown>:role/worker-report", // for_each
				"arn:aws:iam::<unknown>:role/acme-runtime", "tf://module.runtime.aws_instance.host", // module
				"arn:aws:iam::<unknown>:user/people/acme-dev", "arn:aws:s3:::acme-agent-memory",
			}
			for _, id := range nodes {
				if s.Node(id) == nil {
					t.Errorf("no node %s", id)
				}
			}
			edges := [][3]string{
				{"arn:aws:iam::<unknown>:user/people/acme-dev", "arn:aws:iam::<unknown>:group/ops", inventory.EdgeMemberOf},
				{"tf://module.runtime.aws_instance.host", "arn:aws:iam::<unknown>:role/acme-runtime", inventory.EdgeRunsAs},
				{"tf://aws_sagemaker_notebook_instance.lab", "arn:aws:iam::<unknown>:role/acme-runtime", inventory.EdgeRunsAs}, // through a module output
				{"tf://module.runtime.aws_instance.host", "tf://aws_security_group.tools", inventory.EdgeInNetwork},
				{"tf://aws_lambda_function.tool", "arn:aws:iam::<unknown>:role/worker-etl", inventory.EdgeRunsAs},
				{"tf://aws_bedrockagent_agent.support", "arn:aws:iam::<unknown>:role/acme-agent", inventory.EdgeRunsAs},
				{"tf://aws_bedrockagent_agent.support", "tf://aws_bedrockagent_agent_action_group.search", inventory.EdgeCallsTool},
				{"tf://aws_bedrockagent_agent_action_group.search", "tf://aws_lambda_function.tool", inventory.EdgeRoutesTo},
				{inventory.InternetID, "tf://aws_lambda_function.tool", inventory.EdgeReaches},
				{inventory.InternetID, "tf://module.runtime.aws_instance.host", inventory.EdgeReaches}, // public IP, ssh open
			}
			for _, e := range edges {
				if !hasEdge(s, e[0], e[1], e[2]) {
					t.Errorf("no edge %s -%s-> %s", e[0], e[2], e[1])
				}
			}
			role := s.Node("arn:aws:iam::<unknown>:role/acme-agent")
			if mp, _ := role.Props["managed_policies"].([]string); len(mp) != 1 || mp[0] != "arn:aws:iam::<unknown>:policy/agents/acme-memory-read" {
				t.Errorf("agent role managed policies = %v, want the memory-read policy by its ARN", role.Props["managed_policies"])
			}
			if _, ok := role.Props["inline_policies"].(map[string]any)["invoke-tools"]; !ok {
				t.Errorf("agent role has no inline policy invoke-tools: %v", role.Props["inline_policies"])
			}
			host := s.Node("tf://module.runtime.aws_instance.host")
			if host.Props["egress_internet"] != true || host.Props["public_ip"] != "<unknown:module.runtime.aws_instance.host.public_ip>" {
				t.Errorf("instance egress and public IP = %v, %v", host.Props["egress_internet"], host.Props["public_ip"])
			}
			sg := s.Node("tf://aws_security_group.tools")
			if sg.Props["open_to_internet"] != true || !strings.Contains(toJSON(sg.Props["open_ports"]), "tcp/22") {
				t.Errorf("security group props = %v, want tcp/22 open to the internet", sg.Props)
			}
			if got := s.Node("arn:aws:iam::<unknown>:user/people/acme-dev").Source; got == "" {
				t.Error("node has no source")
			}
		})
	}
}

func TestHCLSourcesAreFileAndLine(t *testing.T) {
	_, s := load(t, "testdata/agent")
	n := s.Node("arn:aws:iam::<unknown>:role/acme-runtime")
	want := filepath.Join("testdata", "agent", "modules", "agent_runtime", "main.tf") + ":10"
	if n.Source != want {
		t.Errorf("source = %q, want %q", n.Source, want)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPolicyDocumentDataSourcesRenderPolicyJSON(t *testing.T) {
	_, s := load(t, "testdata/agent")
	pol := s.Node("arn:aws:iam::<unknown>:policy/agents/acme-memory-read").Props["policy"].(string)
	want := `{"Statement":[{"Action":["s3:GetObject","s3:ListBucket"],"Effect":"Allow","Resource":["arn:aws:s3:::acme-agent-memory","arn:aws:s3:::acme-agent-memory/*"],"Sid":"ReadMemory"},{"Effect":"Deny","NotAction":["s3:Get*","s3:List*"],"Resource":"*","Sid":"NoDeletes"}],"Version":"2012-10-17"}`
	if pol != want {
		t.Errorf("policy =\n%s\nwant\n%s", pol, want)
	}
	trust := s.Node("arn:aws:iam::<unknown>:role/acme-agent").Props["trust_policy"].(string)
	if !strings.Contains(trust, `"Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}`) || !strings.Contains(trust, `"Principal":{"Service":"bedrock.amazonaws.com"}`) {
		t.Errorf("trust policy lost its principal or condition: %s", trust)
	}
}

func TestDynamicStatementsSourceAndOverrideDocuments(t *testing.T) {
	c, _ := load(t, "testdata/partial")
	doc := c.Resource("data.aws_iam_policy_document.dynamic").Values["json"].(string)
	var d struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("rendered policy is not JSON: %v\n%s", err, doc)
	}
	if len(d.Statement) != 3 {
		t.Fatalf("want 3 statements (Base replaced by the document's own, read, write), got %d: %s", len(d.Statement), doc)
	}
	if d.Statement[0]["Sid"] != "Base" || d.Statement[0]["Effect"] != "Deny" {
		t.Errorf("statement Base should be the document's own Deny, replacing the source's: %v", d.Statement[0])
	}
	if d.Statement[1]["Sid"] != "read" || d.Statement[1]["Resource"] != "arn:aws:s3:::data-<unknown:var.cgid>/*" {
		t.Errorf("dynamic statement read = %v", d.Statement[1])
	}
}

func TestPartlyKnownValuesKeepTheirKnownParts(t *testing.T) {
	c, s := load(t, "testdata/partial")
	rt := c.Resource("aws_bedrockagentcore_agent_runtime.agent")
	if got := rt.Values["agent_runtime_name"]; got != "agentcore_<unknown:var.cgid>" {
		t.Errorf("runtime name = %v", got)
	}
	if got := rt.Values["role_arn"]; got != "arn:aws:iam::<unknown>:role/agentcore_<unknown:var.cgid>" {
		t.Errorf("runtime role = %v", got)
	}
	if !hasEdge(s, "tf://aws_bedrockagentcore_agent_runtime.agent", "arn:aws:iam::<unknown>:role/agentcore_<unknown:var.cgid>", inventory.EdgeRunsAs) {
		t.Error("runtime does not run as its role")
	}
	trust := c.Resource("aws_iam_role.runtime").Values["assume_role_policy"].(string)
	for _, want := range []string{
		`arn:aws:iam::\u003cunknown:data.aws_caller_identity.current.account_id\u003e:root`, // jsonencode escapes < and > as Terraform does
		`arn:aws:iam::\u003cunknown\u003e:user/operator-\u003cunknown:var.cgid\u003e`,
	} {
		if !strings.Contains(trust, want) {
			t.Errorf("trust policy %s lacks %s", trust, want)
		}
	}
}

func TestUnknownCountGivesOneInstanceWithAnUnknownKey(t *testing.T) {
	c, _ := load(t, "testdata/partial")
	r := c.Resource("aws_iam_role_policy_attachment.unknown_count[<unknown>]")
	if r == nil {
		t.Fatal("no instance for the unknown count")
	}
	if r.Values["role"] != Unknown || r.Values["policy_arn"] != "arn:aws:iam::<unknown>:policy/dynamic" {
		t.Errorf("values = %v", r.Values)
	}
}

func TestUnknownMarkers(t *testing.T) {
	tests := []struct {
		in      string
		unknown bool
		pure    bool
	}{
		{"plain", false, false},
		{"<unknown>", true, true},
		{"<unknown:aws_iam_role.x.arn>", true, true},
		{"arn:aws:iam::<unknown>:role/x", true, false},
		{"a <unknownish> value", false, false},
	}
	for _, tt := range tests {
		if got := IsUnknown(tt.in); got != tt.unknown {
			t.Errorf("IsUnknown(%q) = %v", tt.in, got)
		}
		if got := pureUnknown(tt.in); got != tt.pure {
			t.Errorf("pureUnknown(%q) = %v", tt.in, got)
		}
	}
}

func TestBadInputNamesTheFileAndLine(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file, content, want string
	}{
		{"broken plan JSON", "plan.json", "{\n \"format_version\": \"1.2\",\n \"resource_changes\": [}\n", "plan.json: line 3"},
		{"state JSON is not a plan", "state.json", `{"format_version":"1.0","values":{}}`, "state JSON"},
		{"JSON that is no plan", "other.json", `{"a":1}`, "no format_version"},
		{"HCL syntax error", "bad/main.tf", "resource \"aws_iam_role\" \"x\" {\n  name = \n}\n", "main.tf:2"},
		{"a resource with one label", "label/main.tf", "resource \"aws_iam_role\" {\n}\n", "needs 2 label"},
		{"a tfvars value of the wrong type", "vars/main.tf", "variable \"n\" {\n  type = number\n}\n", "terraform.tfvars:1: variable \"n\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.file)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(tt.content), 0o644)
			if strings.HasPrefix(tt.file, "vars/") {
				os.WriteFile(filepath.Join(filepath.Dir(p), "terraform.tfvars"), []byte("n = \"many\"\n"), 0o644)
			}
			target := p
			if strings.HasSuffix(p, ".tf") {
				target = filepath.Dir(p)
			}
			_, err := Load(target)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestFileFunctionsReadOnlyInsideTheProjectAndNeverHiddenFiles(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(outside, []byte("hunter2"), 0o600)
	project := filepath.Join(t.TempDir(), "project")
	for path, content := range map[string]string{
		".git/config":         "[http] extraheader = AUTHORIZATION: basic c2VjcmV0",
		".env":                "TOKEN=secret",
		"assets/policy.json":  `{"Version":"2012-10-17","Statement":[]}`,
		"infra/tf/inline.txt": "inline",
	} {
		os.MkdirAll(filepath.Join(project, filepath.Dir(path)), 0o755)
		os.WriteFile(filepath.Join(project, path), []byte(content), 0o600)
	}
	os.WriteFile(filepath.Join(project, "infra/tf/main.tf"), []byte(`resource "aws_iam_user" "u" {
  name    = "u"
  own     = file("inline.txt")
  sibling = file("../../assets/policy.json")
  git     = file("../../.git/config")
  env     = file("${path.module}/../../.env")
  outside = file("`+filepath.ToSlash(outside)+`")
}
`), 0o644)
	c, err := LoadDir(filepath.Join(project, "infra/tf"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tags := c.Resources[0].Values
	want := map[string]any{"own": "inline", "sibling": `{"Version":"2012-10-17","Statement":[]}`, "git": Unknown, "env": Unknown, "outside": Unknown}
	for k, w := range want {
		if tags[k] != w {
			t.Errorf("file() %s = %v, want %v", k, tags[k], w)
		}
	}
	if len(c.Warnings) != 3 || !strings.Contains(c.Warnings[0], "not read") {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

func TestComparisonsAndLookupsOnUnknownValuesAreNotGuessed(t *testing.T) {
	c, _ := load(t, "testdata/partial")
	r := c.Resource("aws_iam_user.guess")
	if got := r.Values["name"]; got != Unknown {
		t.Errorf(`var.env == "prod" ? ... gave %v, want unknown`, got)
	}
	tags, _ := r.Values["tags"].(map[string]any)
	want := map[string]any{
		"admin": Unknown, "region": Unknown, "upper": Unknown, "size": Unknown,
		"joined": "team-<unknown:var.cgid>", "listsize": float64(2),
	}
	for k, w := range want {
		if tags[k] != w {
			t.Errorf("tags.%s = %v, want %v", k, tags[k], w)
		}
	}
}

func TestModuleCyclesAreReportedNotFollowed(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "m"), 0o755)
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte("module \"a\" {\n  source = \"./m\"\n}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "m", "main.tf"), []byte("module \"back\" {\n  source = \"../\"\n}\nresource \"aws_iam_user\" \"u\" {\n  name = \"u\"\n}\n"), 0o644)
	c, err := LoadDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Resources) != 1 || c.Resources[0].Address != "module.a.aws_iam_user.u" {
		t.Errorf("resources = %v", c.Resources)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "cycle") {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

func TestVariablesComeFromDefaultsThenTfvarsThenAutoTfvarsInTerraformsOrder(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"main.tf": `variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" {
  type = number
}
resource "aws_iam_user" "u" {
  name = "${var.a}-${var.b}-${var.c}-${var.d}"
}
`,
		"terraform.tfvars":      "a = \"tfvars\"\nb = \"tfvars\"\n",
		"terraform.tfvars.json": `{"b": "tfvars-json", "d": 4}`,
		"x.auto.tfvars":         "c = \"auto\"\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Resources[0].Values["name"]; got != "tfvars-tfvars-json-auto-4" {
		t.Errorf("name = %v", got)
	}
}

func TestReferenceCyclesEndInAWarningOrAnErrorNotAHang(t *testing.T) {
	tests := []struct {
		name, tf, wantErr string
	}{
		{"a cycle that grows a value by a character a pass", `locals {
  a = "${local.b}x"
  b = local.a
}
resource "aws_iam_user" "u" {
  name = local.a
}
`, ""},
		{"a cycle that doubles a value each pass", `resource "aws_iam_user" "a" {
  name = "${aws_iam_user.b.name}${aws_iam_user.b.name}x"
}
resource "aws_iam_user" "b" {
  name = "${aws_iam_user.a.name}${aws_iam_user.a.name}"
}
`, "keep growing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tt.tf), 0o644)
			c, err := LoadDir(dir, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Resources[0].Values["name"]; got != Unknown {
				t.Errorf("name in a cycle = %v, want unknown", got)
			}
		})
	}
}

func TestTheSameInputGivesByteIdenticalSnapshots(t *testing.T) {
	for _, path := range []string{"testdata/agent", "testdata/agent.plan.json", "testdata/estate", "testdata/partial"} {
		var first string
		for i := range 3 {
			_, s := load(t, path)
			var buf bytes.Buffer
			if err := s.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = buf.String()
			} else if buf.String() != first {
				t.Fatalf("%s: encoding %d differs from the first", path, i+1)
			}
		}
	}
}

func TestCommonFunctionsEvaluateAsTerraformDoes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "policy.json.tftpl"), []byte(`{"Statement":[%{ for b in buckets ~}{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${b}/*"},%{ endfor ~}{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`variable "x" {}
locals {
  names = { a = "alpha", b = "beta" }
}
resource "aws_iam_user" "u" {
  name = basename("/a/b/c.txt")
  path = "/${nonsensitive(sensitive("p"))}/"
  tags = {
    enc      = urlencode("a b&c")
    dir      = dirname("a/b/c")
    secret   = sensitive(var.x)
    fmt      = format("%s-%03d", "agent", 7)
    joined   = join(",", concat(["a"], ["b", "c"]))
    merged   = jsonencode(merge({ a = 1 }, { b = 2 }))
    looked   = lookup(local.names, "b", "none")
    upper    = upper(local.names["a"])
    keys     = join(",", keys(local.names))
    replaced = replace("a-b-c", "-", "_")
    b64      = base64encode("hi")
    sha      = substr(sha256("x"), 0, 8)
  }
}
resource "aws_iam_policy" "tpl" {
  name   = "tpl"
  policy = templatefile("${path.module}/policy.json.tftpl", { buckets = ["logs", "data"] })
}
`), 0o644)
	c, err := LoadDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	u := c.Resource("aws_iam_user.u").Values
	want := map[string]any{
		"enc": "a+b%26c", "dir": "a/b", "secret": "<unknown:var.x>", "fmt": "agent-007", "joined": "a,b,c",
		"merged": `{"a":1,"b":2}`, "looked": "beta", "upper": "ALPHA", "keys": "a,b", "replaced": "a_b_c",
		"b64": "aGk=", "sha": "2d711642",
	}
	tags, _ := u["tags"].(map[string]any)
	for k, w := range want {
		if tags[k] != w {
			t.Errorf("%s = %v, want %v", k, tags[k], w)
		}
	}
	if u["name"] != "c.txt" || u["path"] != "/p/" {
		t.Errorf("name, path = %v, %v", u["name"], u["path"])
	}
	pol := c.Resource("aws_iam_policy.tpl").Values["policy"]
	if pol != `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}` {
		t.Errorf("templatefile gave %v", pol)
	}
}

func TestBlocksAreEvaluatedAfterWhatTheyReferTo(t *testing.T) {
	dir := t.TempDir()
	// Declared in reverse order of their references: one pass in file
	// order would see nothing but unknowns.
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`output "arn" {
  value = aws_iam_role.c.arn
}
resource "aws_iam_role" "c" {
  name = "${aws_iam_role.b.name}-c"
}
resource "aws_iam_role" "b" {
  name = "${local.a}-b"
}
locals {
  a = lower(var.prefix)
}
variable "prefix" {
  default = "ACME"
}
`), 0o644)
	src := &moduleSource{dir: dir, referenced: map[string]map[string]bool{}}
	data, _ := os.ReadFile(filepath.Join(dir, "main.tf"))
	if err := src.parse(filepath.Join(dir, "main.tf"), data); err != nil {
		t.Fatal(err)
	}
	src.orderBlocks()
	var got []string
	for _, level := range src.levels {
		var names []string
		for _, st := range level {
			switch st.kind {
			case stepLocal:
				names = append(names, "local."+src.locals[st.index].Name)
			case stepResource:
				names = append(names, src.resources[st.index].key())
			case stepOutput:
				names = append(names, "output."+src.outputs[st.index].Name)
			}
		}
		got = append(got, strings.Join(names, ","))
	}
	if want := "local.a|aws_iam_role.b|aws_iam_role.c|output.arn"; strings.Join(got, "|") != want {
		t.Errorf("levels = %v, want %s", got, want)
	}
	c, err := LoadDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Resource("aws_iam_role.c").Values["name"]; got != "acme-b-c" {
		t.Errorf("name = %v", got)
	}
}
