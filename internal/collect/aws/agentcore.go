package aws

import (
	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// agentCoreRuntimes reads Bedrock AgentCore runtimes
// (bedrock-agentcore-control list-agent-runtimes, get-agent-runtime): role,
// network mode, container, protocol, inbound authorizer and environment.
func (rc *resourceCollector) agentCoreRuntimes() error {
	var list struct {
		AgentRuntimes []struct {
			AgentRuntimeArn  string `json:"agentRuntimeArn"`
			AgentRuntimeID   string `json:"agentRuntimeId"`
			AgentRuntimeName string `json:"agentRuntimeName"`
			Status           string `json:"status"`
		} `json:"agentRuntimes"`
	}
	ok, err := rc.read("bedrock-agentcore-control-list-agent-runtimes", &list)
	if err != nil || !ok {
		return err
	}
	for _, s := range list.AgentRuntimes {
		var d struct {
			RoleArn              string `json:"roleArn"`
			Status               string `json:"status"`
			Description          string `json:"description"`
			NetworkConfiguration struct {
				NetworkMode       string `json:"networkMode"`
				NetworkModeConfig *struct {
					SecurityGroups []string `json:"securityGroups"`
					Subnets        []string `json:"subnets"`
				} `json:"networkModeConfig"`
			} `json:"networkConfiguration"`
			AgentRuntimeArtifact struct {
				ContainerConfiguration *struct {
					ContainerURI string `json:"containerUri"`
				} `json:"containerConfiguration"`
				CodeConfiguration map[string]any `json:"codeConfiguration"`
			} `json:"agentRuntimeArtifact"`
			ProtocolConfiguration *struct {
				ServerProtocol string `json:"serverProtocol"`
			} `json:"protocolConfiguration"`
			AuthorizerConfiguration *struct {
				CustomJWTAuthorizer *struct {
					DiscoveryURL    string   `json:"discoveryUrl"`
					AllowedAudience []string `json:"allowedAudience"`
					AllowedClients  []string `json:"allowedClients"`
				} `json:"customJWTAuthorizer"`
			} `json:"authorizerConfiguration"`
			EnvironmentVariables map[string]string `json:"environmentVariables"`
		}
		found, err := rc.readParam("bedrock-agentcore-control-get-agent-runtime", s.AgentRuntimeID, &d)
		if err != nil {
			return err
		}
		id := s.AgentRuntimeArn
		props := map[string]any{"agent_runtime_id": s.AgentRuntimeID, "status": s.Status}
		src := rc.source("bedrock-agentcore-control-list-agent-runtimes")
		if found {
			src = rc.source("bedrock-agentcore-control-get-agent-runtime", s.AgentRuntimeID)
			props["role"] = d.RoleArn
			if d.Description != "" {
				props["description"] = d.Description
			}
			props["network_mode"] = d.NetworkConfiguration.NetworkMode
			props["egress_internet"] = d.NetworkConfiguration.NetworkMode == "PUBLIC"
			if c := d.AgentRuntimeArtifact.ContainerConfiguration; c != nil {
				props["container_uri"] = c.ContainerURI
				props["images"] = []string{c.ContainerURI}
			}
			if p := d.ProtocolConfiguration; p != nil {
				props["protocol"] = p.ServerProtocol
			}
			props["inbound_auth"] = "iam"
			if a := d.AuthorizerConfiguration; a != nil && a.CustomJWTAuthorizer != nil {
				props["inbound_auth"] = "jwt"
				props["jwt_discovery_url"] = a.CustomJWTAuthorizer.DiscoveryURL
			}
			var facts []aibom.EnvFact
			for _, k := range sortedKeys(d.EnvironmentVariables) {
				facts = append(facts, aibom.InspectEnv(k, d.EnvironmentVariables[k]))
			}
			aibom.EnvProps(props, "", facts)
		}
		rc.add(id, inventory.KindAgentCoreRuntime, s.AgentRuntimeName, src, nil, props)
		if d.RoleArn != "" {
			rc.snap.Connect(id, rc.role(d.RoleArn), inventory.EdgeRunsAs, map[string]any{"field": "roleArn"})
		}
		if c := d.NetworkConfiguration.NetworkModeConfig; c != nil {
			rc.attachNetwork(id, c.SecurityGroups, c.Subnets)
		}
	}
	return nil
}
