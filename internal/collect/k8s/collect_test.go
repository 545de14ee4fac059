package k8s

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

func prodCluster(t *testing.T) *inventory.Snapshot {
	t.Helper()
	snap, err := Options{Cluster: "prod-eks"}.Collect(filepath.Join("testdata", "eks-prod"), filepath.Join("testdata", "manifests"))
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func edge(snap *inventory.Snapshot, from, to, kind string) *inventory.Edge {
	for _, e := range snap.Edges {
		if e.From == from && e.To == to && e.Kind == kind {
			return e
		}
	}
	return nil
}

func TestCollectBuildsTheClusterGraph(t *testing.T) {
	snap := prodCluster(t)
	const c = "prod-eks"
	devopsSA := ID(c, "agents", "ServiceAccount", "devops-agent")
	tests := []struct {
		name           string
		from, to, kind string
		want           bool
	}{
		{"a deployment runs as its service account", ID(c, "agents", "Deployment", "devops-agent"), devopsSA, inventory.EdgeRunsAs, true},
		{"a pod runs as its service account", ID(c, "agents", "Pod", "devops-agent-7d9c6b5f4-x2kqp"), devopsSA, inventory.EdgeRunsAs, true},
		{"an IRSA annotation makes the service account run as the IAM role", devopsSA, "arn:aws:iam::111122223333:role/eks-devops-agent", inventory.EdgeRunsAs, true},
		{"a cluster-admin binding makes the account bound to cluster-admin", devopsSA, ID(c, "", "ClusterRole", "cluster-admin"), inventory.EdgeBoundTo, true},
		{"a cluster-admin binding makes the account admin of the cluster", devopsSA, ClusterID(c), inventory.EdgeAdminOf, true},
		{"cluster-admin reads secrets in every namespace", devopsSA, ID(c, "data", "Secret", "postgres-credentials"), inventory.EdgeCanRead, true},
		{"an aggregated cluster role passes on the secrets rule of its parts", ID(c, "monitoring", "ServiceAccount", "log-agent"), ID(c, "data", "Secret", "postgres-credentials"), inventory.EdgeCanRead, true},
		{"a role limited by resourceNames reads only the named secret", ID(c, "agents", "ServiceAccount", "github-mcp"), ID(c, "agents", "Secret", "github-token"), inventory.EdgeCanRead, true},
		{"a role limited by resourceNames does not read other secrets", ID(c, "agents", "ServiceAccount", "github-mcp"), ID(c, "agents", "Secret", "openai-credentials"), inventory.EdgeCanRead, false},
		{"a RoleBinding to edit reads secrets of its namespace only", ID(c, "web", "ServiceAccount", "report-generator"), ID(c, "agents", "Secret", "openai-credentials"), inventory.EdgeCanRead, false},
		{"a view binding makes nobody admin", ID(c, "", "Group", "acme:platform"), ClusterID(c), inventory.EdgeAdminOf, false},
		{"an internet-facing LoadBalancer Service is reached from the internet", inventory.InternetID, ID(c, "agents", "Service", "support-chatbot"), inventory.EdgeReaches, true},
		{"an internal LoadBalancer Service is not", inventory.InternetID, ID(c, "ml", "Service", "vllm"), inventory.EdgeReaches, false},
		{"a LoadBalancer limited to an office range is not", inventory.InternetID, ID(c, "web", "Service", "admin-api"), inventory.EdgeReaches, false},
		{"a NodePort Service is an exposure", inventory.InternetID, ID(c, "default", "Service", "research-agent"), inventory.EdgeReaches, true},
		{"a ClusterIP Service is not", inventory.InternetID, ID(c, "agents", "Service", "devops-agent"), inventory.EdgeReaches, false},
		{"a Service routes to the pods its selector matches", ID(c, "agents", "Service", "support-chatbot"), ID(c, "agents", "Pod", "support-chatbot-5f8d7c9b6-abcde"), inventory.EdgeRoutesTo, true},
		{"a Service routes to the workload its selector matches", ID(c, "agents", "Service", "support-chatbot"), ID(c, "agents", "Deployment", "support-chatbot"), inventory.EdgeRoutesTo, true},
		{"an internet-facing Ingress is reached from the internet", inventory.InternetID, ID(c, "web", "Ingress", "frontend"), inventory.EdgeReaches, true},
		{"an Ingress routes to its backend Service", ID(c, "web", "Ingress", "frontend"), ID(c, "web", "Service", "frontend"), inventory.EdgeRoutesTo, true},
		{"a pod reads the secret its env references", ID(c, "agents", "Deployment", "devops-agent"), ID(c, "agents", "Secret", "openai-credentials"), inventory.EdgeCanRead, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := edge(snap, tt.from, tt.to, tt.kind) != nil; got != tt.want {
				t.Errorf("edge %s -%s-> %s present = %v, want %v", tt.from, tt.kind, tt.to, got, tt.want)
			}
		})
	}
}

func TestCollectSetsWorkloadProps(t *testing.T) {
	snap := prodCluster(t)
	const c = "prod-eks"
	tests := []struct {
		name string
		id   string
		prop string
		want any
	}{
		{"a docker.sock host path is a runtime socket", ID(c, "monitoring", "DaemonSet", "log-agent"), "runtime_socket", true},
		{"a privileged container makes the workload privileged", ID(c, "monitoring", "DaemonSet", "log-agent"), "privileged", true},
		{"hostNetwork is recorded", ID(c, "kube-system", "DaemonSet", "aws-node"), "host_network", true},
		{"the token is mounted by default", ID(c, "agents", "Deployment", "devops-agent"), "automount_token", true},
		{"the pod's automount setting wins", ID(c, "ml", "StatefulSet", "vllm"), "automount_token", false},
		{"a namespace without egress policy leaves egress open", ID(c, "agents", "Deployment", "devops-agent"), "egress_internet", true},
		{"an egress policy to GitHub only closes internet egress", ID(c, "agents", "Deployment", "github-mcp"), "egress_restricted", true},
		{"an egress policy to GitHub only closes internet egress", ID(c, "agents", "Deployment", "github-mcp"), "egress_internet", false},
		{"a default-deny-all policy marks its namespace", ID(c, "", "Namespace", "data"), "default_deny_egress", true},
		{"a namespace with only ingress deny keeps egress", ID(c, "", "Namespace", "ml"), "default_deny_egress", false},
		{"an IRSA role is recorded on the service account", ID(c, "agents", "ServiceAccount", "support-chatbot"), "irsa_role", "arn:aws:iam::111122223333:role/eks-support-chatbot"},
		{"cluster-admin is flagged", ID(c, "", "ClusterRole", "cluster-admin"), "cluster_admin", true},
		{"an aggregated role is not cluster-admin", ID(c, "", "ClusterRole", "observability-reader"), "cluster_admin", false},
		{"the source points at file and line", ID(c, "default", "Deployment", "research-agent"), "source", filepath.Join("testdata", "manifests", "research-agent.yaml") + ":51"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := snap.Node(tt.id)
			if n == nil {
				t.Fatalf("no node %s", tt.id)
			}
			var got any = n.Props[tt.prop]
			if tt.prop == "source" {
				got = n.Source
			}
			if got != tt.want {
				t.Errorf("%s = %v, want %v", tt.prop, got, tt.want)
			}
		})
	}
	t.Run("an aggregated role lists the roles it took rules from", func(t *testing.T) {
		from := snap.Node(ID(c, "", "ClusterRole", "observability-reader")).Props["aggregated_from"].([]string)
		if strings.Join(from, ",") != ID(c, "", "ClusterRole", "observability-pods")+","+ID(c, "", "ClusterRole", "observability-secrets") {
			t.Errorf("aggregated_from = %v", from)
		}
	})
	t.Run("an AI endpoint in a ConfigMap the workload loads is found", func(t *testing.T) {
		hosts, _ := snap.Node(ID(c, "default", "Deployment", "research-agent")).Props["ai_hosts"].([]string)
		if strings.Join(hosts, ",") != "acme-research.openai.azure.com" {
			t.Errorf("ai_hosts = %v", hosts)
		}
	})
	t.Run("credential flags in arguments are redacted", func(t *testing.T) {
		cs := snap.Node(ID(c, "ml", "StatefulSet", "vllm")).Props["containers"].([]map[string]any)
		args := strings.Join(cs[0]["args"].([]string), " ")
		if strings.Contains(args, "sk-vllm") || !strings.Contains(args, "--api-key <redacted>") {
			t.Errorf("args = %s", args)
		}
	})
}

func TestSnapshotNeverHoldsSecretValues(t *testing.T) {
	snap := prodCluster(t)
	var buf bytes.Buffer
	if err := snap.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{
		"c2VjcmV0LXZhbHVlLW5ldmVyLWtlcHQ", // Secret data in the dump
		"THIS-VALUE-MUST-NEVER-BE-KEPT",   // Secret stringData in the manifest
		"FAKEFAKEFAKE",                    // API keys in literal env values
		"sk-vllm-local", "abc123",         // credential flags
	} {
		if bytes.Contains(buf.Bytes(), []byte(secret)) {
			t.Errorf("snapshot holds secret value %q", secret)
		}
	}
}

func TestClusterNameDefaults(t *testing.T) {
	snap, err := Collect(filepath.Join("testdata", "manifests"))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Node(ID(DefaultCluster, "default", "Deployment", "research-agent")) == nil {
		t.Error("the default cluster name is not used in IDs")
	}
}

func TestClusterNameComesFromTheKubeconfigContext(t *testing.T) {
	kubeconfig := `apiVersion: v1
kind: Config
current-context: prod
contexts:
- name: staging
  context: {cluster: staging-cluster, user: u}
- name: prod
  context: {cluster: "arn:aws:eks:eu-west-1:111122223333:cluster/prod-eks", user: u}
clusters:
- name: "arn:aws:eks:eu-west-1:111122223333:cluster/prod-eks"
  cluster: {server: "https://example.eks.amazonaws.com"}
users:
- name: u
  user: {token: kubeconfig-token-never-kept}
`
	objs, err := Parse("kubeconfig.yaml", []byte(kubeconfig+"---\nkind: ServiceAccount\nmetadata: {name: a, namespace: x}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if _, ok := o.Raw["users"]; ok {
			t.Error("the kubeconfig's users (credentials) were kept")
		}
	}
	snap := Options{}.Build(objs)
	if snap.Node(ID("prod-eks", "x", "ServiceAccount", "a")) == nil {
		t.Errorf("the current context's EKS cluster name is not used; nodes: %v", snap.Nodes[0].ID)
	}
	snap = Options{Cluster: "given"}.Build(objs)
	if snap.Node(ID("given", "x", "ServiceAccount", "a")) == nil {
		t.Error("an explicit cluster name does not win over the kubeconfig")
	}
}

func TestCollectIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := prodCluster(t).Encode(&a); err != nil {
		t.Fatal(err)
	}
	if err := prodCluster(t).Encode(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two collections of the same dump encode differently")
	}
}

func TestEnvFromASecretNamesItsKeys(t *testing.T) {
	manifest := `apiVersion: v1
kind: Secret
metadata: {name: llm, namespace: bots}
data: {ANTHROPIC_API_KEY: c2VjcmV0}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bot, namespace: bots}
spec:
  template:
    spec:
      containers:
      - name: bot
        image: acme/bot:1
        envFrom:
        - secretRef: {name: llm}
      volumes:
      - name: host
        hostPath: {path: /etc/kubernetes}
`
	objs, err := Parse("bot.yaml", []byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	n := Options{}.Build(objs).Node(ID(DefaultCluster, "bots", "Deployment", "bot"))
	keys, _ := n.Props["ai_keys"].([]map[string]any)
	if len(keys) != 1 || keys[0]["provider"] != "anthropic" || keys[0]["value_from"] != "secret:llm/ANTHROPIC_API_KEY" {
		t.Errorf("ai_keys = %v", n.Props["ai_keys"])
	}
	if p, _ := n.Props["sensitive_host_paths"].([]string); len(p) != 1 || p[0] != "/etc/kubernetes" {
		t.Errorf("sensitive_host_paths = %v", n.Props["sensitive_host_paths"])
	}
}

func TestNodePortNeedsANodeWithAPublicAddress(t *testing.T) {
	svc := "kind: Service\nmetadata: {name: s, namespace: a}\nspec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}\n"
	node := func(addrType string) string {
		return "---\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.5}, {type: " + addrType + ", address: 203.0.113.7}]}\n"
	}
	tests := []struct {
		name, input string
		want        bool
	}{
		{"without nodes in the dump a NodePort is an exposure", svc, true},
		{"a node with an external IP exposes it", svc + node("ExternalIP"), true},
		{"private nodes only keep it off the internet", svc + node("Hostname"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Parse("in.yaml", []byte(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			snap := Options{}.Build(objs)
			got := edge(snap, inventory.InternetID, ID(DefaultCluster, "a", "Service", "s"), inventory.EdgeReaches) != nil
			if got != tt.want {
				t.Errorf("reaches = %v, want %v", got, tt.want)
			}
		})
	}
}
