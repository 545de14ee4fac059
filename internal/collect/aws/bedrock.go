package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// bedrockAgents reads Bedrock agents (bedrock-agent list-agents, get-agent),
// their action groups and the knowledge bases associated with them.
func (rc *resourceCollector) bedrockAgents() error {
	var list struct {
		AgentSummaries []struct {
			AgentID     string `json:"agentId"`
			AgentName   string `json:"agentName"`
			AgentStatus string `json:"agentStatus"`
		} `json:"agentSummaries"`
	}
	ok, err := rc.read("bedrock-agent-list-agents", &list)
	if err != nil || !ok {
		return err
	}
	for _, s := range list.AgentSummaries {
		var d struct {
			Agent struct {
				AgentArn                 string `json:"agentArn"`
				AgentName                string `json:"agentName"`
				AgentResourceRoleArn     string `json:"agentResourceRoleArn"`
				AgentStatus              string `json:"agentStatus"`
				FoundationModel          string `json:"foundationModel"`
				Instruction              string `json:"instruction"`
				Description              string `json:"description"`
				CustomerEncryptionKeyArn string `json:"customerEncryptionKeyArn"`
				AgentCollaboration       string `json:"agentCollaboration"`
				IdleSessionTTLInSeconds  int    `json:"idleSessionTTLInSeconds"`
				GuardrailConfiguration   *struct {
					GuardrailIdentifier string `json:"guardrailIdentifier"`
					GuardrailVersion    string `json:"guardrailVersion"`
				} `json:"guardrailConfiguration"`
				MemoryConfiguration *struct {
					EnabledMemoryTypes []string `json:"enabledMemoryTypes"`
				} `json:"memoryConfiguration"`
			} `json:"agent"`
		}
		found, err := rc.readParam("bedrock-agent-get-agent", s.AgentID, &d)
		if err != nil {
			return err
		}
		a := d.Agent
		id := a.AgentArn
		if id == "" {
			id = rc.arn("bedrock", "agent/"+s.AgentID)
		}
		props := map[string]any{"agent_id": s.AgentID, "status": s.AgentStatus}
		src := rc.source("bedrock-agent-list-agents")
		if found {
			src = rc.source("bedrock-agent-get-agent", s.AgentID)
			props["status"] = a.AgentStatus
			props["role"] = a.AgentResourceRoleArn
			props["foundation_model"] = a.FoundationModel
			if a.Instruction != "" {
				props["instruction"] = a.Instruction
			}
			if a.Description != "" {
				props["description"] = a.Description
			}
			if a.AgentCollaboration != "" {
				props["collaboration"] = a.AgentCollaboration
			}
			props["guardrail"] = ""
			if g := a.GuardrailConfiguration; g != nil && g.GuardrailIdentifier != "" {
				props["guardrail"] = g.GuardrailIdentifier
				props["guardrail_version"] = g.GuardrailVersion
			}
			if m := a.MemoryConfiguration; m != nil {
				props["memory_types"] = m.EnabledMemoryTypes
			}
		}
		rc.add(id, inventory.KindBedrockAgent, s.AgentName, src, nil, props)
		if a.AgentResourceRoleArn != "" {
			rc.snap.Connect(id, rc.role(a.AgentResourceRoleArn), inventory.EdgeRunsAs, map[string]any{"field": "agentResourceRoleArn"})
		}
		if a.CustomerEncryptionKeyArn != "" {
			rc.snap.Connect(id, rc.ref(a.CustomerEncryptionKeyArn, inventory.KindKMSKey), inventory.EdgeEncryptedBy, nil)
		}
		if err := rc.bedrockActionGroups(id, s.AgentID); err != nil {
			return err
		}
		var kbs struct {
			AgentKnowledgeBaseSummaries []struct {
				KnowledgeBaseID    string `json:"knowledgeBaseId"`
				KnowledgeBaseState string `json:"knowledgeBaseState"`
			} `json:"agentKnowledgeBaseSummaries"`
		}
		if _, err := rc.readParam("bedrock-agent-list-agent-knowledge-bases", s.AgentID, &kbs); err != nil {
			return err
		}
		for _, kb := range kbs.AgentKnowledgeBaseSummaries {
			kbID := rc.ref(rc.arn("bedrock", "knowledge-base/"+kb.KnowledgeBaseID), inventory.KindBedrockKnowledgeBase)
			rc.snap.Connect(id, kbID, inventory.EdgeRetrievesFrom, map[string]any{"state": kb.KnowledgeBaseState})
		}
	}
	return nil
}

// bedrockActionGroups reads an agent's action groups: each is a tool the
// agent calls, executed by a Lambda function or returned to the caller.
func (rc *resourceCollector) bedrockActionGroups(agentARN, agentID string) error {
	var list struct {
		ActionGroupSummaries []struct {
			ActionGroupID    string `json:"actionGroupId"`
			ActionGroupName  string `json:"actionGroupName"`
			ActionGroupState string `json:"actionGroupState"`
		} `json:"actionGroupSummaries"`
	}
	if _, err := rc.readParam("bedrock-agent-list-agent-action-groups", agentID, &list); err != nil {
		return err
	}
	for _, s := range list.ActionGroupSummaries {
		var d struct {
			AgentActionGroup struct {
				Description         string `json:"description"`
				ActionGroupExecutor *struct {
					Lambda        string `json:"lambda"`
					CustomControl string `json:"customControl"`
				} `json:"actionGroupExecutor"`
				ParentActionGroupSignature string `json:"parentActionGroupSignature"`
				APISchema                  *struct {
					S3 *struct {
						S3BucketName string `json:"s3BucketName"`
						S3ObjectKey  string `json:"s3ObjectKey"`
					} `json:"s3"`
					Payload string `json:"payload"`
				} `json:"apiSchema"`
				FunctionSchema *struct {
					Functions []struct {
						Name                string `json:"name"`
						RequireConfirmation string `json:"requireConfirmation"`
					} `json:"functions"`
				} `json:"functionSchema"`
			} `json:"agentActionGroup"`
		}
		found, err := rc.readParam("bedrock-agent-get-agent-action-group", agentID, &d, s.ActionGroupID)
		if err != nil {
			return err
		}
		id := agentARN + "/action-group/" + s.ActionGroupID
		props := map[string]any{"action_group_id": s.ActionGroupID, "state": s.ActionGroupState, "agent": agentARN}
		g := d.AgentActionGroup
		src := rc.source("bedrock-agent-list-agent-action-groups", agentID)
		if found {
			src = rc.source("bedrock-agent-get-agent-action-group", agentID, s.ActionGroupID)
			if g.Description != "" {
				props["description"] = g.Description
			}
			if g.ParentActionGroupSignature != "" {
				props["builtin"] = g.ParentActionGroupSignature
			}
			if e := g.ActionGroupExecutor; e != nil {
				if e.Lambda != "" {
					props["executor_lambda"] = e.Lambda
				}
				if e.CustomControl != "" {
					props["custom_control"] = e.CustomControl
				}
			}
			if sch := g.APISchema; sch != nil && sch.S3 != nil {
				props["api_schema_s3"] = "s3://" + sch.S3.S3BucketName + "/" + sch.S3.S3ObjectKey
			}
			if fs := g.FunctionSchema; fs != nil {
				var fns, confirm []string
				for _, f := range fs.Functions {
					fns = append(fns, f.Name)
					if f.RequireConfirmation == "ENABLED" {
						confirm = append(confirm, f.Name)
					}
				}
				props["functions"] = fns
				if confirm != nil {
					props["functions_requiring_confirmation"] = confirm
				}
			}
		}
		rc.add(id, inventory.KindBedrockActionGroup, s.ActionGroupName, src, nil, props)
		rc.snap.Connect(agentARN, id, inventory.EdgeCallsTool, map[string]any{"action_group": s.ActionGroupName})
		if e := g.ActionGroupExecutor; e != nil && e.Lambda != "" {
			rc.snap.Connect(id, rc.ref(e.Lambda, inventory.KindLambdaFunction), inventory.EdgeRoutesTo, map[string]any{"field": "actionGroupExecutor.lambda"})
		}
	}
	return nil
}

// bedrockKnowledgeBases reads knowledge bases with their role, embedding
// model, vector store and data sources.
func (rc *resourceCollector) bedrockKnowledgeBases() error {
	var list struct {
		KnowledgeBaseSummaries []struct {
			KnowledgeBaseID string `json:"knowledgeBaseId"`
			Name            string `json:"name"`
			Status          string `json:"status"`
		} `json:"knowledgeBaseSummaries"`
	}
	ok, err := rc.read("bedrock-agent-list-knowledge-bases", &list)
	if err != nil || !ok {
		return err
	}
	for _, s := range list.KnowledgeBaseSummaries {
		var d struct {
			KnowledgeBase struct {
				KnowledgeBaseArn           string `json:"knowledgeBaseArn"`
				RoleArn                    string `json:"roleArn"`
				Status                     string `json:"status"`
				KnowledgeBaseConfiguration struct {
					Type                             string `json:"type"`
					VectorKnowledgeBaseConfiguration *struct {
						EmbeddingModelArn string `json:"embeddingModelArn"`
					} `json:"vectorKnowledgeBaseConfiguration"`
				} `json:"knowledgeBaseConfiguration"`
				StorageConfiguration map[string]any `json:"storageConfiguration"`
			} `json:"knowledgeBase"`
		}
		found, err := rc.readParam("bedrock-agent-get-knowledge-base", s.KnowledgeBaseID, &d)
		if err != nil {
			return err
		}
		kb := d.KnowledgeBase
		id := kb.KnowledgeBaseArn
		if id == "" {
			id = rc.arn("bedrock", "knowledge-base/"+s.KnowledgeBaseID)
		}
		props := map[string]any{"knowledge_base_id": s.KnowledgeBaseID, "status": s.Status}
		src := rc.source("bedrock-agent-list-knowledge-bases")
		var store string
		if found {
			src = rc.source("bedrock-agent-get-knowledge-base", s.KnowledgeBaseID)
			props["role"] = kb.RoleArn
			props["type"] = kb.KnowledgeBaseConfiguration.Type
			if v := kb.KnowledgeBaseConfiguration.VectorKnowledgeBaseConfiguration; v != nil {
				props["embedding_model"] = v.EmbeddingModelArn
			}
			st, _ := kb.StorageConfiguration["type"].(string)
			props["storage_type"] = st
			store = vectorStoreOf(kb.StorageConfiguration)
			if store != "" {
				props["vector_store"] = store
			}
		}
		rc.add(id, inventory.KindBedrockKnowledgeBase, s.Name, src, nil, props)
		if kb.RoleArn != "" {
			rc.snap.Connect(id, rc.role(kb.RoleArn), inventory.EdgeRunsAs, map[string]any{"field": "roleArn"})
		}
		if store != "" {
			rc.snap.Add(&inventory.Node{ID: store, Kind: inventory.KindDataStore, Provider: "aws", Account: arnAccountOf(store), Region: rc.region,
				Name: store[lastSlash(store)+1:], Props: map[string]any{"vector_store": true, "service": storeService(store)}})
			rc.snap.Connect(id, store, inventory.EdgeRetrievesFrom, map[string]any{"field": "storageConfiguration"})
		}
		if err := rc.bedrockDataSources(id, s.KnowledgeBaseID); err != nil {
			return err
		}
	}
	return nil
}

// vectorStoreOf returns the ARN (or, for stores outside AWS, the endpoint)
// of a knowledge base's vector store from its storageConfiguration.
func vectorStoreOf(sc map[string]any) string {
	for _, k := range []struct{ cfg, field string }{
		{"opensearchServerlessConfiguration", "collectionArn"},
		{"opensearchManagedClusterConfiguration", "domainArn"},
		{"rdsConfiguration", "resourceArn"},
		{"neptuneAnalyticsConfiguration", "graphArn"},
		{"s3VectorsConfiguration", "vectorBucketArn"},
		{"pineconeConfiguration", "connectionString"},
		{"redisEnterpriseCloudConfiguration", "endpoint"},
		{"mongoDbAtlasConfiguration", "endpoint"},
	} {
		if c, ok := sc[k.cfg].(map[string]any); ok {
			if v, _ := c[k.field].(string); v != "" {
				return v
			}
		}
	}
	return ""
}

// storeService names the service of a vector store ARN ("aoss", "rds", ...).
func storeService(s string) string {
	if p := splitARN(s); p != nil {
		return p[2]
	}
	return "external"
}

func splitARN(s string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s) && len(parts) < 5; i++ {
		if s[i] == ':' {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if len(parts) < 5 || parts[0] != "arn" {
		return nil
	}
	return append(parts, s[start:])
}

// bedrockDataSources reads a knowledge base's data sources: S3 buckets it
// ingests (marked props.knowledge_base_source) and web crawlers, whose
// content is untrusted.
func (rc *resourceCollector) bedrockDataSources(kbARN, kbID string) error {
	var list struct {
		DataSourceSummaries []struct {
			DataSourceID string `json:"dataSourceId"`
			Name         string `json:"name"`
		} `json:"dataSourceSummaries"`
	}
	if _, err := rc.readParam("bedrock-agent-list-data-sources", kbID, &list); err != nil {
		return err
	}
	var sources []map[string]any
	for _, s := range list.DataSourceSummaries {
		var d struct {
			DataSource struct {
				DataSourceConfiguration struct {
					Type            string `json:"type"`
					S3Configuration *struct {
						BucketArn         string   `json:"bucketArn"`
						InclusionPrefixes []string `json:"inclusionPrefixes"`
					} `json:"s3Configuration"`
					WebConfiguration *struct {
						SourceConfiguration struct {
							URLConfiguration struct {
								SeedUrls []struct {
									URL string `json:"url"`
								} `json:"seedUrls"`
							} `json:"urlConfiguration"`
						} `json:"sourceConfiguration"`
					} `json:"webConfiguration"`
				} `json:"dataSourceConfiguration"`
			} `json:"dataSource"`
		}
		if _, err := rc.readParam("bedrock-agent-get-data-source", kbID, &d, s.DataSourceID); err != nil {
			return err
		}
		c := d.DataSource.DataSourceConfiguration
		src := map[string]any{"id": s.DataSourceID, "name": s.Name, "type": c.Type}
		if c.S3Configuration != nil && c.S3Configuration.BucketArn != "" {
			b := c.S3Configuration.BucketArn
			src["bucket"] = b
			rc.markBucket(b, "knowledge_base_source")
			rc.snap.Connect(kbARN, b, inventory.EdgeRetrievesFrom, map[string]any{"data_source": s.Name})
		}
		if c.WebConfiguration != nil {
			var urls []string
			for _, u := range c.WebConfiguration.SourceConfiguration.URLConfiguration.SeedUrls {
				urls = append(urls, u.URL)
			}
			src["urls"] = urls
			rc.snap.Connect(kbARN, rc.internet(), inventory.EdgeReadsUntrusted, map[string]any{"data_source": s.Name, "urls": urls})
		}
		sources = append(sources, src)
	}
	if sources != nil {
		rc.snap.Node(kbARN).Props["data_sources"] = sources
	}
	return nil
}

// bedrockGuardrails reads guardrails (bedrock list-guardrails).
func (rc *resourceCollector) bedrockGuardrails() error {
	var list struct {
		Guardrails []struct {
			ID          string `json:"id"`
			Arn         string `json:"arn"`
			Name        string `json:"name"`
			Status      string `json:"status"`
			Version     string `json:"version"`
			Description string `json:"description"`
		} `json:"guardrails"`
	}
	ok, err := rc.read("bedrock-list-guardrails", &list)
	if err != nil || !ok {
		return err
	}
	src := rc.source("bedrock-list-guardrails")
	for _, g := range list.Guardrails {
		rc.add(g.Arn, inventory.KindBedrockGuardrail, g.Name, src, nil, map[string]any{
			"guardrail_id": g.ID, "status": g.Status, "version": g.Version, "description": g.Description,
		})
	}
	return nil
}
