package k8s

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// DefaultCluster names the cluster when Options.Cluster is empty.
const DefaultCluster = "default"

// Options tune collection.
type Options struct {
	// Cluster names the cluster in node IDs. Use the EKS cluster name so
	// that EKS access entries and pod identity associations collected from
	// AWS join the same service-account nodes. Empty means the cluster of
	// the current context of a kubeconfig among the inputs (kind: Config;
	// an EKS cluster ARN gives its name), else DefaultCluster.
	Cluster string
}

// Collect reads objects from files and folders and builds their inventory,
// for the default cluster name.
func Collect(paths ...string) (*inventory.Snapshot, error) {
	return Options{}.Collect(paths...)
}

// Collect reads objects from files and folders and builds their inventory.
func (o Options) Collect(paths ...string) (*inventory.Snapshot, error) {
	objs, err := Read(paths...)
	if err != nil {
		return nil, err
	}
	return o.Build(objs), nil
}

// ID returns the node ID of a Kubernetes object:
// k8s://<cluster>/<namespace>/<kind>/<name>, kind lower-cased; the namespace
// is empty for cluster-scoped objects (k8s://prod//clusterrole/admin).
func ID(cluster, namespace, kind, name string) string {
	return "k8s://" + cluster + "/" + namespace + "/" + strings.ToLower(kind) + "/" + name
}

// ClusterID returns the node ID of the cluster itself: k8s://<cluster>.
func ClusterID(cluster string) string { return "k8s://" + cluster }

// workloadKinds are the controllers whose pod template the inventory reads.
var workloadKinds = map[string]bool{
	"Deployment": true, "StatefulSet": true, "DaemonSet": true, "Job": true,
	"CronJob": true, "ReplicaSet": true, "ReplicationController": true,
}

// builder holds indexes while one cluster's objects become nodes.
type builder struct {
	cluster string
	snap    *inventory.Snapshot

	saAutomount map[string]*bool             // SA ID -> automountServiceAccountToken
	configMaps  map[string]map[string]string // namespace/name -> data, to inspect env values they supply (never stored)
	nodesSeen   bool                         // the dump has Node objects
	nodeIPs     []string                     // their ExternalIP addresses
	compute     []*computeNode               // pods and workloads
	roles       map[string]*roleInfo         // role/clusterrole ID -> rules
	secretsByNS map[string][]string          // namespace -> secret IDs
	services    []*inventory.Node            // to route after compute is known
	svcSel      map[string]map[string]any    // service ID -> selector
}

type computeNode struct {
	node      *inventory.Node
	namespace string
	labels    map[string]string // pod (template) labels
	owned     bool              // has a controller owner in the dump
	sa        string            // service account ID
	automount *bool
}

type roleInfo struct {
	node  *inventory.Node
	rules []any
}

// Build turns objects into an inventory snapshot.
func (o Options) Build(objs []Object) *inventory.Snapshot {
	cluster := o.Cluster
	if cluster == "" {
		cluster = contextCluster(objs)
	}
	if cluster == "" {
		cluster = DefaultCluster
	}
	b := &builder{
		cluster: cluster, snap: inventory.New(),
		saAutomount: map[string]*bool{}, roles: map[string]*roleInfo{}, configMaps: map[string]map[string]string{},
		secretsByNS: map[string][]string{}, svcSel: map[string]map[string]any{},
	}
	b.snap.Add(&inventory.Node{ID: ClusterID(cluster), Kind: inventory.KindK8sCluster, Provider: "k8s", Name: cluster})

	// Objects that others refer to first: namespaces, service accounts,
	// secrets and roles.
	sort.SliceStable(objs, func(i, j int) bool { return kindOrder(objs[i].Kind()) < kindOrder(objs[j].Kind()) })
	var bindings, netpols, ingresses []Object
	for _, ob := range objs {
		switch k := ob.Kind(); {
		case k == "Namespace":
			b.namespace(ob.Name(), ob)
		case k == "ServiceAccount":
			b.serviceAccount(ob)
		case k == "Secret":
			b.secret(ob)
		case k == "Node":
			b.nodesSeen = true
			for _, a := range list(obj(ob.Raw, "status"), "addresses") {
				am, _ := a.(map[string]any)
				if str(am, "type") == "ExternalIP" && str(am, "address") != "" {
					b.nodeIPs = appendUnique(b.nodeIPs, str(am, "address"))
				}
			}
		case k == "ConfigMap":
			ns := ob.Namespace()
			if ns == "" {
				ns = "default"
			}
			b.configMaps[ns+"/"+ob.Name()] = strMap(ob.Raw, "data")
		case k == "Role" || k == "ClusterRole":
			b.role(ob)
		case k == "RoleBinding" || k == "ClusterRoleBinding":
			bindings = append(bindings, ob)
		case k == "Pod":
			b.podOrWorkload(ob, obj(ob.Raw, "spec"), strMap(obj(ob.Raw, "metadata"), "labels"))
		case workloadKinds[k]:
			tmpl := obj(obj(ob.Raw, "spec"), "template")
			if k == "CronJob" {
				tmpl = obj(obj(obj(obj(ob.Raw, "spec"), "jobTemplate"), "spec"), "template")
			}
			b.podOrWorkload(ob, obj(tmpl, "spec"), strMap(obj(tmpl, "metadata"), "labels"))
		case k == "Service":
			b.service(ob)
		case k == "Ingress":
			ingresses = append(ingresses, ob)
		case k == "NetworkPolicy":
			netpols = append(netpols, ob)
		}
	}
	b.aggregateRoles()
	b.finishCompute()
	for _, ob := range bindings {
		b.binding(ob)
	}
	b.networkPolicies(netpols)
	b.routeServices()
	for _, ob := range ingresses {
		b.ingress(ob)
	}
	b.snap.Normalize()
	return b.snap
}

// contextCluster returns the cluster of the current context of the first
// kubeconfig (kind: Config) among objs, or "". EKS names clusters in
// kubeconfigs by ARN; the name after "cluster/" is the EKS cluster name.
func contextCluster(objs []Object) string {
	for _, ob := range objs {
		if ob.Kind() != "Config" {
			continue
		}
		current := str(ob.Raw, "current-context")
		for _, c := range list(ob.Raw, "contexts") {
			cm, _ := c.(map[string]any)
			if str(cm, "name") != current {
				continue
			}
			name := str(obj(cm, "context"), "cluster")
			if i := strings.Index(name, ":cluster/"); i >= 0 && strings.HasPrefix(name, "arn:") {
				name = name[i+len(":cluster/"):]
			}
			return name
		}
	}
	return ""
}

func kindOrder(k string) int {
	switch k {
	case "Namespace":
		return 0
	case "ServiceAccount", "Secret", "ConfigMap", "Node":
		return 1
	case "Role", "ClusterRole":
		return 2
	}
	return 3
}

// base makes a node for an object: ID, kind, names, labels as tags, source.
func (b *builder) base(ob Object, kind string, namespaced bool) *inventory.Node {
	ns := ""
	if namespaced {
		ns = ob.Namespace()
		if ns == "" {
			ns = "default"
		}
		b.namespace(ns, Object{})
	}
	md := obj(ob.Raw, "metadata")
	props := map[string]any{"kind": ob.Kind(), "namespace": ns}
	if !namespaced {
		delete(props, "namespace")
	}
	if ann := strMap(md, "annotations"); len(ann) > 0 {
		props["annotations"] = ann
	}
	n := &inventory.Node{
		ID: ID(b.cluster, ns, ob.Kind(), ob.Name()), Kind: kind, Provider: "k8s",
		Account: b.cluster, Name: ob.Name(), Tags: strMap(md, "labels"), Props: props, Source: ob.Source(),
	}
	return b.snap.Add(n)
}

// namespace adds a namespace node (from a Namespace object, or implied by
// an object in it).
func (b *builder) namespace(name string, ob Object) {
	id := ID(b.cluster, "", "namespace", name)
	n := &inventory.Node{ID: id, Kind: inventory.KindK8sNamespace, Provider: "k8s", Account: b.cluster, Name: name,
		Props: map[string]any{"kind": "Namespace"}}
	if ob.Raw != nil {
		n.Tags = strMap(obj(ob.Raw, "metadata"), "labels")
		n.Source = ob.Source()
	}
	b.snap.Add(n)
}

// ref makes sure a node exists for an object an edge points at that is not
// in the dump (the "default" service account, a role bound but not listed);
// props.collected is false on such nodes.
func (b *builder) ref(namespace, kind, name, nodeKind string) string {
	id := ID(b.cluster, namespace, kind, name)
	if b.snap.Node(id) == nil {
		props := map[string]any{"kind": kind, "collected": false}
		if namespace != "" {
			props["namespace"] = namespace
			b.namespace(namespace, Object{})
		}
		b.snap.Add(&inventory.Node{ID: id, Kind: nodeKind, Provider: "k8s", Account: b.cluster, Name: name, Props: props})
	}
	return id
}

func (b *builder) serviceAccount(ob Object) {
	n := b.base(ob, inventory.KindK8sServiceAccount, true)
	if v, ok := boolean(ob.Raw, "automountServiceAccountToken"); ok {
		n.Props["automount_token"] = v
		b.saAutomount[n.ID] = &v
	}
	ann := strMap(obj(ob.Raw, "metadata"), "annotations")
	if role := ann["eks.amazonaws.com/role-arn"]; role != "" {
		n.Props["irsa_role"] = role
		b.snap.Add(&inventory.Node{ID: role, Kind: inventory.KindIAMRole, Provider: "aws", Name: role[strings.LastIndex(role, "/")+1:], Account: arnAccount(role)})
		b.snap.Connect(n.ID, role, inventory.EdgeRunsAs, map[string]any{"via": "irsa", "annotation": "eks.amazonaws.com/role-arn"})
	}
	if role := ann["iam.gke.io/gcp-service-account"]; role != "" {
		n.Props["gcp_service_account"] = role
	}
	if id := ann["azure.workload.identity/client-id"]; id != "" {
		n.Props["azure_client_id"] = id
	}
}

func arnAccount(arn string) string {
	if p := strings.SplitN(arn, ":", 6); len(p) == 6 {
		return p[4]
	}
	return ""
}

func (b *builder) secret(ob Object) {
	n := b.base(ob, inventory.KindK8sSecret, true)
	n.Props["type"] = str(ob.Raw, "type")
	var keys []string
	for _, f := range []string{"data", "stringData"} {
		for k := range obj(ob.Raw, f) {
			keys = appendUnique(keys, k)
		}
	}
	sort.Strings(keys)
	if keys != nil {
		n.Props["keys"] = keys
	}
	if sa := strMap(obj(ob.Raw, "metadata"), "annotations")["kubernetes.io/service-account.name"]; sa != "" {
		n.Props["service_account"] = sa
	}
	b.secretsByNS[n.Props["namespace"].(string)] = append(b.secretsByNS[n.Props["namespace"].(string)], n.ID)
}

func appendUnique(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

// runtimeSockets are host paths whose mount hands a pod the node's
// container runtime, and with it every container on the node.
var runtimeSockets = []string{
	"/var/run/docker.sock", "/run/docker.sock", "/var/run/docker",
	"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock", "/run/containerd",
	"/var/run/crio/crio.sock", "/run/crio/crio.sock", "/var/run/cri-dockerd.sock",
	"/var/run", "/run",
}

// sensitiveHostPaths are host folders whose mount exposes the node:
// credentials, kubelet and runtime state, or the whole filesystem.
var sensitiveHostPaths = []string{
	"/", "/etc", "/etc/kubernetes", "/var/lib/kubelet", "/var/lib/docker", "/var/lib/containerd",
	"/root", "/home", "/proc", "/sys", "/boot", "/dev", "/var/run/secrets",
}

// secretFlag matches command-line flags whose value is a credential; their
// values are replaced by "<redacted>" in props.
func secretFlag(arg string) bool {
	a := strings.ToLower(strings.TrimLeft(arg, "-"))
	if i := strings.IndexByte(a, '='); i >= 0 {
		a = a[:i]
	}
	for _, w := range []string{"key", "token", "secret", "password", "passwd", "credential", "auth"} {
		if strings.Contains(a, w) && !strings.Contains(a, "file") && !strings.Contains(a, "path") {
			return true
		}
	}
	return false
}

// redactSecrets replaces every credential inspect.Secrets finds in s.
func redactSecrets(s string) string {
	found := inspect.Secrets(s)
	for i := len(found) - 1; i >= 0; i-- {
		s = s[:found[i].Start] + "<redacted>" + s[found[i].End:]
	}
	return s
}

// redactArgs keeps arguments but hides the values of credential flags and
// any credential inspect.Secrets recognises by its format.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	redactNext := false
	for i, a := range args {
		a = redactSecrets(a)
		switch {
		case redactNext && !strings.HasPrefix(a, "-"):
			out[i] = "<redacted>"
			redactNext = false
			continue
		case strings.HasPrefix(a, "-") && secretFlag(a):
			if j := strings.IndexByte(a, '='); j >= 0 {
				out[i] = a[:j+1] + "<redacted>"
			} else {
				out[i] = a
				redactNext = true
			}
			continue
		}
		redactNext = false
		out[i] = a
	}
	return out
}

func strList(v []any) []string {
	var out []string
	for _, x := range v {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// podOrWorkload adds a pod or workload with what its pod spec says.
func (b *builder) podOrWorkload(ob Object, spec map[string]any, podLabels map[string]string) {
	kind := inventory.KindK8sWorkload
	if ob.Kind() == "Pod" {
		kind = inventory.KindK8sPod
	}
	n := b.base(ob, kind, true)
	ns := n.Props["namespace"].(string)
	p := n.Props
	if podLabels != nil {
		p["pod_labels"] = podLabels
	}
	if r, ok := obj(ob.Raw, "spec")["replicas"].(float64); ok && kind == inventory.KindK8sWorkload {
		p["replicas"] = int(r)
	}

	owned := false
	for _, or := range list(obj(ob.Raw, "metadata"), "ownerReferences") {
		ref, _ := or.(map[string]any)
		if c, _ := ref["controller"].(bool); c {
			owned = true
			p["owner"] = ID(b.cluster, ns, str(ref, "kind"), str(ref, "name"))
		}
	}

	sa := str(spec, "serviceAccountName")
	if sa == "" {
		sa = str(spec, "serviceAccount")
	}
	if sa == "" {
		sa = "default"
	}
	p["service_account"] = sa
	for _, f := range []string{"hostNetwork", "hostPID", "hostIPC"} {
		v, _ := boolean(spec, f)
		p[map[string]string{"hostNetwork": "host_network", "hostPID": "host_pid", "hostIPC": "host_ipc"}[f]] = v
	}
	if nn := str(spec, "nodeName"); nn != "" {
		p["node_name"] = nn
	}

	// Volumes: host paths, runtime sockets, secrets.
	var hostPaths, sockets, sensitive, secretVols []string
	for _, v := range list(spec, "volumes") {
		vol, _ := v.(map[string]any)
		if hp := obj(vol, "hostPath"); hp != nil {
			path := str(hp, "path")
			hostPaths = append(hostPaths, path)
			clean := strings.TrimRight(path, "/")
			for _, s := range runtimeSockets {
				if clean == s {
					sockets = append(sockets, path)
					break
				}
			}
			if clean == "" {
				sockets = append(sockets, path) // the node's whole filesystem
			}
			for _, sp := range sensitiveHostPaths {
				if clean == strings.TrimRight(sp, "/") {
					sensitive = append(sensitive, path)
					break
				}
			}
		}
		if s := obj(vol, "secret"); s != nil {
			secretVols = append(secretVols, str(s, "secretName"))
		}
		if pr := obj(vol, "projected"); pr != nil {
			for _, src := range list(pr, "sources") {
				if s := obj(src.(map[string]any), "secret"); s != nil {
					secretVols = append(secretVols, str(s, "name"))
				}
			}
		}
	}
	p["host_paths"] = hostPaths
	p["runtime_socket"] = len(sockets) > 0
	if len(sockets) > 0 {
		p["runtime_sockets"] = sockets
	}
	if hostPaths == nil {
		delete(p, "host_paths")
	}
	if sensitive != nil {
		p["sensitive_host_paths"] = sensitive
	}

	// Containers.
	var images, capsAdded []string
	var containers []map[string]any
	privileged, escalation, runAsRoot := false, false, false
	podSC := obj(spec, "securityContext")
	podNonRoot, _ := boolean(podSC, "runAsNonRoot")
	podUID, podUIDSet := podSC["runAsUser"].(float64)
	secretRefs := map[string]string{}
	for _, field := range []string{"initContainers", "containers", "ephemeralContainers"} {
		for _, c := range list(spec, field) {
			cm, _ := c.(map[string]any)
			name, image := str(cm, "name"), str(cm, "image")
			if image != "" {
				images = appendUnique(images, image)
			}
			cp := map[string]any{"name": name, "image": image}
			if field != "containers" {
				cp["type"] = strings.TrimSuffix(field, "Containers")
			}
			if cmd := strList(list(cm, "command")); cmd != nil {
				cp["command"] = redactArgs(cmd)
			}
			if args := strList(list(cm, "args")); args != nil {
				cp["args"] = redactArgs(args)
			}
			var hosts []string
			for _, a := range append(strList(list(cm, "command")), strList(list(cm, "args"))...) {
				for _, h := range aibom.EndpointHosts(a) {
					hosts = appendUnique(hosts, h)
				}
			}
			var facts []aibom.EnvFact
			for _, e := range list(cm, "env") {
				em, _ := e.(map[string]any)
				f := aibom.InspectEnv(str(em, "name"), str(em, "value"))
				if vf := obj(em, "valueFrom"); vf != nil {
					if r := obj(vf, "secretKeyRef"); r != nil {
						f.ValueFrom = "secret:" + str(r, "name") + "/" + str(r, "key")
						secretRefs[str(r, "name")] = "env"
					} else if r := obj(vf, "configMapKeyRef"); r != nil {
						// The value lives in the ConfigMap: inspect it there.
						if v, ok := b.configMaps[ns+"/"+str(r, "name")][str(r, "key")]; ok {
							f = aibom.InspectEnv(str(em, "name"), v)
						}
						f.ValueFrom = "configmap:" + str(r, "name") + "/" + str(r, "key")
					}
				}
				facts = append(facts, f)
			}
			if len(hosts) > 0 {
				facts = append(facts, aibom.EnvFact{Name: "", Hosts: hosts})
			}
			var envFrom []string
			for _, e := range list(cm, "envFrom") {
				em, _ := e.(map[string]any)
				prefix := str(em, "prefix")
				if r := obj(em, "secretRef"); r != nil {
					envFrom = append(envFrom, "secret:"+str(r, "name"))
					secretRefs[str(r, "name")] = "envFrom"
					// The Secret's key names become variable names.
					if sn := b.snap.Node(ID(b.cluster, ns, "Secret", str(r, "name"))); sn != nil {
						keys, _ := sn.Props["keys"].([]string)
						for _, k := range keys {
							f := aibom.InspectEnv(prefix+k, "")
							f.ValueFrom = "secret:" + str(r, "name") + "/" + k
							facts = append(facts, f)
						}
					}
				}
				if r := obj(em, "configMapRef"); r != nil {
					envFrom = append(envFrom, "configmap:"+str(r, "name"))
					data := b.configMaps[ns+"/"+str(r, "name")]
					for _, k := range sortedKeys(data) {
						f := aibom.InspectEnv(prefix+k, data[k])
						f.ValueFrom = "configmap:" + str(r, "name") + "/" + k
						facts = append(facts, f)
					}
				}
			}
			if envFrom != nil {
				cp["env_from"] = envFrom
			}
			aibom.EnvProps(cp, "", facts)
			aibom.EnvProps(p, name, facts)
			if names, ok := cp["env"].([]string); ok {
				cp["env"] = dropEmpty(names)
			}
			if names, ok := p["env"].([]string); ok {
				p["env"] = dropEmpty(names)
			}

			sc := obj(cm, "securityContext")
			if v, _ := boolean(sc, "privileged"); v {
				privileged = true
				cp["privileged"] = true
			}
			if v, set := boolean(sc, "allowPrivilegeEscalation"); !set || v {
				escalation = true
			}
			nonRoot, set := boolean(sc, "runAsNonRoot")
			if !set {
				nonRoot = podNonRoot
			}
			uid, uidSet := sc["runAsUser"].(float64)
			if !uidSet {
				uid, uidSet = podUID, podUIDSet
			}
			if (uidSet && uid == 0) || (!uidSet && !nonRoot) {
				runAsRoot = true
			}
			for _, cap := range strList(list(obj(sc, "capabilities"), "add")) {
				capsAdded = appendUnique(capsAdded, strings.ToUpper(cap))
			}
			var ports []int
			for _, pt := range list(cm, "ports") {
				if v, ok := pt.(map[string]any)["containerPort"].(float64); ok {
					ports = append(ports, int(v))
				}
			}
			if ports != nil {
				cp["ports"] = ports
			}
			containers = append(containers, cp)
		}
	}
	p["images"] = images
	p["containers"] = containers
	p["privileged"] = privileged
	p["allow_privilege_escalation"] = escalation
	p["may_run_as_root"] = runAsRoot
	if capsAdded != nil {
		p["capabilities_added"] = capsAdded
	}
	for _, s := range secretVols {
		if _, ok := secretRefs[s]; !ok {
			secretRefs[s] = "volume"
		}
	}

	saID := b.ref(ns, "ServiceAccount", sa, inventory.KindK8sServiceAccount)
	var automount *bool
	if v, ok := boolean(spec, "automountServiceAccountToken"); ok {
		automount = &v
	}
	b.compute = append(b.compute, &computeNode{node: n, namespace: ns, labels: podLabels, owned: owned, sa: saID, automount: automount})
	b.snap.Connect(n.ID, saID, inventory.EdgeRunsAs, map[string]any{"field": "serviceAccountName"})
	for _, name := range sortedKeys(secretRefs) {
		if name == "" {
			continue
		}
		sid := b.ref(ns, "Secret", name, inventory.KindK8sSecret)
		b.snap.Connect(n.ID, sid, inventory.EdgeCanRead, map[string]any{"via": secretRefs[name]})
	}
}

func dropEmpty(l []string) []string {
	out := l[:0]
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// finishCompute settles the effective token automount now that every
// service account is known: the pod's setting wins, then the account's,
// and Kubernetes mounts the token by default.
func (b *builder) finishCompute() {
	for _, c := range b.compute {
		v := true
		if c.automount != nil {
			v = *c.automount
		} else if sa := b.saAutomount[c.sa]; sa != nil {
			v = *sa
		}
		c.node.Props["automount_token"] = v
	}
}

// compileSelector turns a LabelSelector (matchLabels, matchExpressions)
// into apimachinery's selector. A nil or invalid selector matches nothing;
// an empty one matches everything.
func compileSelector(sel map[string]any) labels.Selector {
	if sel == nil {
		return labels.Nothing()
	}
	raw, err := json.Marshal(sel)
	if err != nil {
		return labels.Nothing()
	}
	var ls metav1.LabelSelector
	if err := json.Unmarshal(raw, &ls); err != nil {
		return labels.Nothing()
	}
	s, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return labels.Nothing()
	}
	return s
}

// mapSelectorMatches evaluates a Service's plain key=value selector.
func mapSelectorMatches(sel map[string]any, set map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if s, _ := v.(string); set[k] != s {
			return false
		}
	}
	return true
}

// internalLBAnnotations mark a LoadBalancer Service as internal (not
// reachable from the internet), per cloud.
var internalLBAnnotations = map[string][]string{
	"service.beta.kubernetes.io/aws-load-balancer-internal":   {"true", "0.0.0.0/0"},
	"service.beta.kubernetes.io/aws-load-balancer-scheme":     {"internal"},
	"service.beta.kubernetes.io/azure-load-balancer-internal": {"true"},
	"networking.gke.io/load-balancer-type":                    {"internal"},
	"cloud.google.com/load-balancer-type":                     {"internal"},
}

func (b *builder) service(ob Object) {
	n := b.base(ob, inventory.KindK8sService, true)
	spec := obj(ob.Raw, "spec")
	typ := str(spec, "type")
	if typ == "" {
		typ = "ClusterIP"
	}
	n.Props["type"] = typ
	var ports []map[string]any
	for _, pt := range list(spec, "ports") {
		pm, _ := pt.(map[string]any)
		e := map[string]any{"protocol": str(pm, "protocol")}
		if e["protocol"] == "" {
			e["protocol"] = "TCP"
		}
		if v, ok := pm["port"].(float64); ok {
			e["port"] = int(v)
		}
		if v, ok := pm["nodePort"].(float64); ok {
			e["node_port"] = int(v)
		}
		switch tp := pm["targetPort"].(type) {
		case float64:
			e["target_port"] = fmt.Sprint(int(tp))
		case string:
			e["target_port"] = tp
		}
		ports = append(ports, e)
	}
	n.Props["ports"] = ports
	sel := obj(spec, "selector")
	if sel != nil {
		n.Props["selector"] = strMap(spec, "selector")
	}
	ranges := strList(list(spec, "loadBalancerSourceRanges"))
	if ranges != nil {
		n.Props["source_ranges"] = ranges
	}
	externalIPs := strList(list(spec, "externalIPs"))
	if externalIPs != nil {
		n.Props["external_ips"] = externalIPs
	}
	ann := strMap(obj(ob.Raw, "metadata"), "annotations")
	internal := false
	for k, vals := range internalLBAnnotations {
		for _, v := range vals {
			if strings.EqualFold(ann[k], v) {
				internal = true
			}
		}
	}
	if typ == "LoadBalancer" {
		n.Props["internal"] = internal
	}
	// A NodePort is reachable from the internet through nodes with public
	// addresses; when the dump lists the nodes and none has one, it is not.
	nodePortOpen := typ == "NodePort" && (!b.nodesSeen || len(b.nodeIPs) > 0)
	if typ == "NodePort" && b.nodesSeen {
		n.Props["node_external_ips"] = b.nodeIPs
	}
	exposed := (typ == "LoadBalancer" && !internal) || nodePortOpen || len(externalIPs) > 0
	openRange := len(ranges) == 0
	for _, r := range ranges {
		if r == "0.0.0.0/0" || r == "::/0" {
			openRange = true
		}
	}
	if exposed && openRange {
		n.Props["internet_reachable"] = true
		ev := map[string]any{"type": typ, "ports": ports}
		if nodePortOpen && len(b.nodeIPs) > 0 {
			ev["node_external_ips"] = b.nodeIPs
		}
		if externalIPs != nil {
			ev["external_ips"] = externalIPs
		}
		if ranges != nil {
			ev["source_ranges"] = ranges
		}
		b.snap.Add(&inventory.Node{ID: inventory.InternetID, Kind: inventory.KindInternet, Name: "internet"})
		b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeReaches, ev)
	}
	b.services = append(b.services, n)
	b.svcSel[n.ID] = sel
}

// routeServices connects each Service to the pods, and to the top-level
// workloads, whose labels its selector matches.
func (b *builder) routeServices() {
	for _, s := range b.services {
		sel := b.svcSel[s.ID]
		ns := s.Props["namespace"].(string)
		for _, c := range b.compute {
			// Controllers owned by another (a Deployment's ReplicaSets) share
			// its labels; the Service reaches the pods and the top controller.
			skip := c.owned && c.node.Kind == inventory.KindK8sWorkload
			if c.namespace != ns || skip || !mapSelectorMatches(sel, c.labels) {
				continue
			}
			b.snap.Connect(s.ID, c.node.ID, inventory.EdgeRoutesTo, map[string]any{"selector": s.Props["selector"]})
		}
	}
}

func (b *builder) ingress(ob Object) {
	n := b.base(ob, inventory.KindK8sIngress, true)
	ns := n.Props["namespace"].(string)
	spec := obj(ob.Raw, "spec")
	class := str(spec, "ingressClassName")
	ann := strMap(obj(ob.Raw, "metadata"), "annotations")
	if class == "" {
		class = ann["kubernetes.io/ingress.class"]
	}
	if class != "" {
		n.Props["class"] = class
	}
	internal := strings.EqualFold(ann["alb.ingress.kubernetes.io/scheme"], "internal") ||
		strings.EqualFold(ann["service.beta.kubernetes.io/aws-load-balancer-internal"], "true") ||
		strings.Contains(strings.ToLower(class), "internal")
	n.Props["internal"] = internal
	n.Props["tls"] = len(list(spec, "tls")) > 0
	var hosts []string
	backends := map[string][]string{} // service -> paths
	addBackend := func(be map[string]any, path string) {
		svc := str(obj(be, "service"), "name")
		if svc == "" {
			svc = str(be, "serviceName") // extensions/v1beta1
		}
		if svc != "" {
			backends[svc] = append(backends[svc], path)
		}
	}
	if db := obj(spec, "defaultBackend"); db != nil {
		addBackend(db, "*")
	}
	if db := obj(spec, "backend"); db != nil {
		addBackend(db, "*")
	}
	for _, r := range list(spec, "rules") {
		rm, _ := r.(map[string]any)
		host := str(rm, "host")
		if host != "" {
			hosts = appendUnique(hosts, host)
		}
		for _, pth := range list(obj(rm, "http"), "paths") {
			pm, _ := pth.(map[string]any)
			path := str(pm, "path")
			if path == "" {
				path = "/"
			}
			addBackend(obj(pm, "backend"), host+path)
		}
	}
	if hosts != nil {
		n.Props["hosts"] = hosts
	}
	if !internal {
		n.Props["internet_reachable"] = true
		b.snap.Add(&inventory.Node{ID: inventory.InternetID, Kind: inventory.KindInternet, Name: "internet"})
		b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeReaches, map[string]any{"hosts": hosts, "class": class})
	}
	for _, svc := range sortedKeys(backends) {
		id := b.ref(ns, "Service", svc, inventory.KindK8sService)
		b.snap.Connect(n.ID, id, inventory.EdgeRoutesTo, map[string]any{"paths": backends[svc]})
	}
}
