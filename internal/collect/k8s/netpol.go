package k8s

import (
	"k8s.io/apimachinery/pkg/labels"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// networkPolicies adds NetworkPolicies, marks namespaces with default-deny
// ingress or egress, and tells each pod and workload whether its ingress
// and egress are restricted and whether its egress can still reach the
// internet.
func (b *builder) networkPolicies(objs []Object) {
	for _, n := range b.snap.Nodes {
		if n.Kind == inventory.KindK8sNamespace && n.Account == b.cluster {
			n.Props["default_deny_ingress"] = false
			n.Props["default_deny_egress"] = false
		}
	}
	for _, c := range b.compute {
		c.node.Props["ingress_restricted"] = false
		c.node.Props["egress_restricted"] = false
		c.node.Props["egress_internet"] = true
		c.node.Props["egress_rule"] = "no NetworkPolicy restricts its egress"
	}
	egressOpen := map[*computeNode]bool{}
	openedBy := map[*computeNode]string{}
	for _, ob := range objs {
		n := b.base(ob, inventory.KindK8sNetworkPolicy, true)
		ns := n.Props["namespace"].(string)
		spec := obj(ob.Raw, "spec")
		sel := obj(spec, "podSelector")
		if sel == nil {
			sel = map[string]any{} // an absent podSelector selects every pod
		}
		ingress, egress := list(spec, "ingress"), list(spec, "egress")
		types := strList(list(spec, "policyTypes"))
		if types == nil {
			types = []string{"Ingress"}
			if egress != nil {
				types = append(types, "Egress")
			}
		}
		hasIngress, hasEgress := containsString(types, "Ingress"), containsString(types, "Egress")
		allPods := len(sel) == 0 || (len(obj(sel, "matchLabels")) == 0 && len(list(sel, "matchExpressions")) == 0)
		internet := false
		for _, r := range egress {
			rm, _ := r.(map[string]any)
			to := list(rm, "to")
			if len(to) == 0 {
				internet = true
			}
			for _, peer := range to {
				pm, _ := peer.(map[string]any)
				if cidr := str(obj(pm, "ipBlock"), "cidr"); cidr == "0.0.0.0/0" || cidr == "::/0" {
					internet = true
				}
			}
		}
		n.Props["pod_selector"] = sel
		n.Props["policy_types"] = types
		n.Props["ingress_rules"] = len(ingress)
		n.Props["egress_rules"] = len(egress)
		n.Props["egress_allows_internet"] = hasEgress && internet
		if allPods {
			nsNode := b.snap.Node(ID(b.cluster, "", "namespace", ns))
			if hasIngress && len(ingress) == 0 {
				n.Props["default_deny_ingress"] = true
				nsNode.Props["default_deny_ingress"] = true
			}
			if hasEgress && len(egress) == 0 {
				n.Props["default_deny_egress"] = true
				nsNode.Props["default_deny_egress"] = true
			}
		}
		compiled := compileSelector(sel)
		for _, c := range b.compute {
			if c.namespace != ns || !compiled.Matches(labels.Set(c.labels)) {
				continue
			}
			p := c.node.Props
			pols, _ := p["network_policies"].([]string)
			p["network_policies"] = append(pols, n.ID)
			if hasIngress {
				p["ingress_restricted"] = true
			}
			if hasEgress {
				p["egress_restricted"] = true
				egressOpen[c] = egressOpen[c] || internet
				if internet && openedBy[c] == "" {
					openedBy[c] = n.ID
				}
			}
		}
	}
	// Policies are additive: egress reaches the internet if any policy that
	// selects the pod allows it.
	for c, open := range egressOpen {
		c.node.Props["egress_internet"] = open
		if open {
			c.node.Props["egress_rule"] = "NetworkPolicy " + openedBy[c] + " allows egress to any address"
		} else {
			delete(c.node.Props, "egress_rule")
		}
	}
}
