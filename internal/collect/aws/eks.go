package aws

import (
	"strings"

	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// eksAccessPolicyRoles maps EKS access policies to the Kubernetes cluster
// roles they stand for, so access entries join the cluster's RBAC graph.
var eksAccessPolicyRoles = map[string]string{
	"AmazonEKSClusterAdminPolicy": "cluster-admin",
	"AmazonEKSAdminPolicy":        "admin",
	"AmazonEKSEditPolicy":         "edit",
	"AmazonEKSViewPolicy":         "view",
}

// eksClusters reads clusters (endpoint access, OIDC issuer), their access
// entries and pod identity associations. Kubernetes-side nodes use the EKS
// cluster name as cluster name (k8s://<name>/...), so a Kubernetes dump
// collected with the same name joins them.
func (rc *resourceCollector) eksClusters() error {
	var list struct {
		Clusters []string `json:"clusters"`
	}
	ok, err := rc.read("eks-list-clusters", &list)
	if err != nil || !ok {
		return err
	}
	for _, name := range list.Clusters {
		var d struct {
			Cluster struct {
				Name               string `json:"name"`
				Arn                string `json:"arn"`
				Version            string `json:"version"`
				Endpoint           string `json:"endpoint"`
				RoleArn            string `json:"roleArn"`
				Status             string `json:"status"`
				ResourcesVpcConfig struct {
					SubnetIds              []string `json:"subnetIds"`
					SecurityGroupIds       []string `json:"securityGroupIds"`
					ClusterSecurityGroupId string   `json:"clusterSecurityGroupId"`
					VpcId                  string   `json:"vpcId"`
					EndpointPublicAccess   bool     `json:"endpointPublicAccess"`
					EndpointPrivateAccess  bool     `json:"endpointPrivateAccess"`
					PublicAccessCidrs      []string `json:"publicAccessCidrs"`
				} `json:"resourcesVpcConfig"`
				Identity struct {
					Oidc struct {
						Issuer string `json:"issuer"`
					} `json:"oidc"`
				} `json:"identity"`
				AccessConfig struct {
					AuthenticationMode string `json:"authenticationMode"`
				} `json:"accessConfig"`
				Tags map[string]string `json:"tags"`
			} `json:"cluster"`
		}
		found, err := rc.readParam("eks-describe-cluster", name, &d)
		if err != nil {
			return err
		}
		c := d.Cluster
		id := c.Arn
		if id == "" {
			id = rc.arn("eks", "cluster/"+name)
		}
		props := map[string]any{"cluster_name": name}
		src := rc.source("eks-list-clusters")
		if found {
			src = rc.source("eks-describe-cluster", name)
			v := c.ResourcesVpcConfig
			props["version"] = c.Version
			props["endpoint"] = c.Endpoint
			props["status"] = c.Status
			props["role"] = c.RoleArn
			props["endpoint_public_access"] = v.EndpointPublicAccess
			props["endpoint_private_access"] = v.EndpointPrivateAccess
			props["public_access_cidrs"] = v.PublicAccessCidrs
			props["vpc"] = v.VpcId
			props["security_groups"] = v.SecurityGroupIds
			if v.ClusterSecurityGroupId != "" {
				props["security_groups"] = appendUnique(append([]string{}, v.SecurityGroupIds...), v.ClusterSecurityGroupId)
			}
			if c.Identity.Oidc.Issuer != "" {
				props["oidc_issuer"] = c.Identity.Oidc.Issuer
			}
			if c.AccessConfig.AuthenticationMode != "" {
				props["authentication_mode"] = c.AccessConfig.AuthenticationMode
			}
		}
		n := rc.add(id, inventory.KindEKSCluster, name, src, c.Tags, props)
		k8sCluster := k8s.ClusterID(name)
		rc.snap.Add(&inventory.Node{ID: k8sCluster, Kind: inventory.KindK8sCluster, Provider: "k8s", Account: name, Name: name,
			Props: map[string]any{"eks_cluster": id}})
		n.Props["kubernetes_cluster"] = k8sCluster
		if found {
			groups := c.ResourcesVpcConfig.SecurityGroupIds
			if g := c.ResourcesVpcConfig.ClusterSecurityGroupId; g != "" {
				groups = appendUnique(append([]string{}, groups...), g)
			}
			rc.attachNetwork(id, groups, c.ResourcesVpcConfig.SubnetIds)
			if c.RoleArn != "" {
				rc.snap.Connect(id, rc.role(c.RoleArn), inventory.EdgeRunsAs, map[string]any{"field": "roleArn"})
			}
			open := false
			for _, cidr := range c.ResourcesVpcConfig.PublicAccessCidrs {
				open = open || cidr == "0.0.0.0/0" || cidr == "::/0"
			}
			if c.ResourcesVpcConfig.EndpointPublicAccess && open {
				n.Props["internet_reachable"] = true
				rc.snap.Connect(rc.internet(), id, inventory.EdgeReaches, map[string]any{
					"endpoint": c.Endpoint, "endpoint_public_access": true, "public_access_cidrs": c.ResourcesVpcConfig.PublicAccessCidrs,
				})
			}
		}
		if err := rc.eksAccessEntries(name, id, k8sCluster); err != nil {
			return err
		}
		if err := rc.eksPodIdentity(name); err != nil {
			return err
		}
	}
	return nil
}

// principalNode makes sure an IAM principal ARN has a node.
func (rc *resourceCollector) principalNode(arn string) string {
	if strings.Contains(arn, ":user/") {
		rc.snap.Add(&inventory.Node{ID: arn, Kind: inventory.KindIAMUser, Provider: "aws", Account: arnAccountOf(arn), Name: arn[strings.LastIndex(arn, "/")+1:]})
		return arn
	}
	return rc.role(arn)
}

func arnAccountOf(arn string) string {
	if p := strings.SplitN(arn, ":", 6); len(p) == 6 {
		return p[4]
	}
	return ""
}

// eksAccessEntries turns access entries into edges: the IAM principal is
// bound to the cluster role its access policy stands for (and admin of the
// cluster for AmazonEKSClusterAdminPolicy or system:masters), and bound to
// the Kubernetes groups it is mapped to.
func (rc *resourceCollector) eksAccessEntries(cluster, clusterARN, k8sCluster string) error {
	var list struct {
		AccessEntries []string `json:"accessEntries"`
	}
	if _, err := rc.readParam("eks-list-access-entries", cluster, &list); err != nil {
		return err
	}
	for _, principal := range list.AccessEntries {
		var d struct {
			AccessEntry struct {
				PrincipalArn     string   `json:"principalArn"`
				KubernetesGroups []string `json:"kubernetesGroups"`
				Username         string   `json:"username"`
				Type             string   `json:"type"`
				AccessEntryArn   string   `json:"accessEntryArn"`
			} `json:"accessEntry"`
		}
		if _, err := rc.readParam("eks-describe-access-entry", cluster, &d, principal); err != nil {
			return err
		}
		var pol struct {
			AssociatedAccessPolicies []struct {
				PolicyArn   string `json:"policyArn"`
				AccessScope struct {
					Type       string   `json:"type"`
					Namespaces []string `json:"namespaces"`
				} `json:"accessScope"`
			} `json:"associatedAccessPolicies"`
		}
		if _, err := rc.readParam("eks-list-associated-access-policies", cluster, &pol, principal); err != nil {
			return err
		}
		if d.AccessEntry.Type != "" && d.AccessEntry.Type != "STANDARD" {
			continue // EC2_LINUX, FARGATE_LINUX and similar entries are for nodes
		}
		from := rc.principalNode(principal)
		entry := d.AccessEntry.AccessEntryArn
		if entry == "" {
			entry = principal
		}
		admin := func(ev map[string]any) {
			rc.snap.Connect(from, k8sCluster, inventory.EdgeAdminOf, ev)
			rc.snap.Connect(from, clusterARN, inventory.EdgeAdminOf, ev)
		}
		for _, g := range d.AccessEntry.KubernetesGroups {
			ev := map[string]any{"access_entry": entry, "kubernetes_group": g}
			group := k8s.ID(cluster, "", "Group", g)
			rc.snap.Add(&inventory.Node{ID: group, Kind: inventory.KindK8sGroup, Provider: "k8s", Account: cluster, Name: g,
				Props: map[string]any{"kind": "Group"}})
			rc.snap.Connect(from, group, inventory.EdgeMemberOf, ev)
			if g == "system:masters" {
				admin(ev)
			}
		}
		for _, p := range pol.AssociatedAccessPolicies {
			name := p.PolicyArn[strings.LastIndex(p.PolicyArn, "/")+1:]
			role, ok := eksAccessPolicyRoles[name]
			if !ok {
				continue
			}
			ev := map[string]any{"access_entry": entry, "access_policy": p.PolicyArn, "scope": p.AccessScope.Type}
			if len(p.AccessScope.Namespaces) > 0 {
				ev["namespaces"] = p.AccessScope.Namespaces
			}
			roleID := k8s.ID(cluster, "", "ClusterRole", role)
			rc.snap.Add(&inventory.Node{ID: roleID, Kind: inventory.KindK8sClusterRole, Provider: "k8s", Account: cluster, Name: role,
				Props: map[string]any{"kind": "ClusterRole", "cluster_admin": role == "cluster-admin"}})
			rc.snap.Connect(from, roleID, inventory.EdgeBoundTo, ev)
			if role == "cluster-admin" && p.AccessScope.Type == "cluster" {
				admin(ev)
			}
		}
	}
	return nil
}

// eksPodIdentity turns pod identity associations into service account ->
// IAM role runs_as edges, the same edge an IRSA annotation gives.
func (rc *resourceCollector) eksPodIdentity(cluster string) error {
	var list struct {
		Associations []struct {
			AssociationID  string `json:"associationId"`
			AssociationArn string `json:"associationArn"`
			Namespace      string `json:"namespace"`
			ServiceAccount string `json:"serviceAccount"`
		} `json:"associations"`
	}
	if _, err := rc.readParam("eks-list-pod-identity-associations", cluster, &list); err != nil {
		return err
	}
	for _, a := range list.Associations {
		var d struct {
			Association struct {
				RoleArn        string `json:"roleArn"`
				TargetRoleArn  string `json:"targetRoleArn"`
				Namespace      string `json:"namespace"`
				ServiceAccount string `json:"serviceAccount"`
			} `json:"association"`
		}
		found, err := rc.readParam("eks-describe-pod-identity-association", cluster, &d, a.AssociationID)
		if err != nil {
			return err
		}
		if !found || d.Association.RoleArn == "" {
			continue // the listing does not name the role
		}
		sa := k8s.ID(cluster, a.Namespace, "ServiceAccount", a.ServiceAccount)
		rc.snap.Add(&inventory.Node{ID: sa, Kind: inventory.KindK8sServiceAccount, Provider: "k8s", Account: cluster,
			Name: a.ServiceAccount, Props: map[string]any{"kind": "ServiceAccount", "namespace": a.Namespace, "pod_identity_role": d.Association.RoleArn}})
		ev := map[string]any{"via": "pod_identity", "association": a.AssociationArn}
		rc.snap.Connect(sa, rc.role(d.Association.RoleArn), inventory.EdgeRunsAs, ev)
		if t := d.Association.TargetRoleArn; t != "" {
			rc.snap.Connect(rc.role(d.Association.RoleArn), rc.role(t), inventory.EdgeCanAssume, map[string]any{"via": "pod_identity_target_role", "association": a.AssociationArn})
		}
	}
	return nil
}
