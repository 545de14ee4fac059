package terraform

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/aibom"
	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// kinds maps the resource types that become inventory nodes to their kind.
var kinds = map[string]string{
	"aws_iam_user":                        inventory.KindIAMUser,
	"aws_iam_role":                        inventory.KindIAMRole,
	"aws_iam_group":                       inventory.KindIAMGroup,
	"aws_iam_policy":                      inventory.KindIAMPolicy,
	"aws_iam_instance_profile":            inventory.KindIAMInstanceProfile,
	"aws_security_group":                  inventory.KindSecurityGroup,
	"aws_instance":                        inventory.KindEC2Instance,
	"aws_launch_template":                 inventory.KindEC2LaunchTemplate,
	"aws_s3_bucket":                       inventory.KindS3Bucket,
	"aws_lambda_function":                 inventory.KindLambdaFunction,
	"aws_eks_cluster":                     inventory.KindEKSCluster,
	"aws_autoscaling_group":               inventory.KindAutoScalingGroup,
	"aws_sagemaker_notebook_instance":     inventory.KindSageMakerNotebook,
	"aws_sagemaker_endpoint":              inventory.KindSageMakerEndpoint,
	"aws_sagemaker_model":                 inventory.KindSageMakerModel,
	"aws_bedrockagent_agent":              inventory.KindBedrockAgent,
	"aws_bedrockagent_agent_action_group": inventory.KindBedrockActionGroup,
	"aws_bedrockagent_knowledge_base":     inventory.KindBedrockKnowledgeBase,
	"aws_bedrock_guardrail":               inventory.KindBedrockGuardrail,
	"aws_bedrockagentcore_agent_runtime":  inventory.KindAgentCoreRuntime,
	"aws_db_instance":                     inventory.KindRDSInstance,
	"aws_dynamodb_table":                  inventory.KindDynamoDBTable,
	"aws_secretsmanager_secret":           inventory.KindSecret,
	"aws_kms_key":                         inventory.KindKMSKey,
	"aws_sqs_queue":                       inventory.KindSQSQueue,
	"aws_sns_topic":                       inventory.KindSNSTopic,
	"aws_ecr_repository":                  inventory.KindECRRepository,
}

// iamKinds are the kinds whose node ID is their ARN even with an unknown
// account, so that principals are reported by the ARN they will have.
var iamKinds = map[string]bool{
	"aws_iam_user": true, "aws_iam_role": true, "aws_iam_group": true,
	"aws_iam_policy": true, "aws_iam_instance_profile": true,
}

// builder turns a Config into nodes and edges.
type builder struct {
	c      *Config
	snap   *inventory.Snapshot
	node   map[string]*inventory.Node // by resource address
	byARN  map[string]*inventory.Node
	byName map[string]map[string]*inventory.Node // kind -> name -> node
	byID   map[string]*inventory.Node            // the resource's "id" value when known
	// later holds links that need the edges of other resources first
	// (an Auto Scaling group inherits its launch template's).
	later []func()
}

// Snapshot returns the inventory the configuration describes once applied.
// Node IDs are ARNs where they can be known (always for IAM, with the
// account as "<unknown>"), else tf://<address>; every node's Source is the
// file:line (or plan entry) it comes from and props.terraform_address its
// address. Props follow docs/inventory.md for the kinds the AWS collectors
// also emit, so the same checks run on both.
func (c *Config) Snapshot() *inventory.Snapshot {
	b := &builder{c: c, snap: inventory.New(), node: map[string]*inventory.Node{},
		byARN: map[string]*inventory.Node{}, byName: map[string]map[string]*inventory.Node{}, byID: map[string]*inventory.Node{}}
	resources := make([]*Resource, 0, len(c.Resources))
	for _, r := range c.Resources {
		if r.Mode == "managed" {
			resources = append(resources, settled(r))
		}
	}
	for _, r := range resources {
		if kinds[r.Type] != "" {
			b.add(r)
		}
	}
	for _, r := range resources {
		b.relate(r)
	}
	for _, f := range b.later {
		f()
	}
	for _, n := range b.snap.Nodes {
		for _, k := range []string{"managed_policies", "groups", "security_groups", "access_entries"} {
			if l, ok := n.Props[k].([]string); ok {
				sort.Strings(l)
			}
		}
	}
	b.snap.Normalize()
	return b.snap
}

// settled returns r without the attributes that are nothing but their own
// unknown value ("<unknown:ADDRESS.ATTR>" of r itself, except id): a plan
// lists every attribute the provider computes, source only those it sets,
// and neither knows them.
func settled(r *Resource) *Resource {
	out := *r
	out.Values = make(map[string]any, len(r.Values))
	for k, v := range r.Values {
		if s, ok := v.(string); ok && k != "id" && s == unknownRef(r.Address+"."+k) {
			continue
		}
		out.Values[k] = v
	}
	return &out
}

func (b *builder) add(r *Resource) {
	v := r.Values
	kind := kinds[r.Type]
	arn := str(v["arn"])
	if r.Type == "aws_bedrockagent_agent" {
		arn = str(v["agent_arn"])
	}
	if r.Type == "aws_bedrockagentcore_agent_runtime" {
		arn = str(v["agent_runtime_arn"])
	}
	id := "tf://" + r.Address
	if arn != "" && (iamKinds[r.Type] || !IsUnknown(arn)) {
		id = arn
	}
	n := &inventory.Node{ID: id, Kind: kind, Provider: "aws", Source: r.Source, Name: nodeName(r),
		Props: map[string]any{"terraform_address": r.Address}}
	if !iamKinds[r.Type] && r.Type != "aws_s3_bucket" {
		n.Region = r.Region
	}
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 && parts[4] != "" && !IsUnknown(parts[4]) {
		n.Account = parts[4]
	}
	if arn != "" {
		n.Props["arn"] = arn
	}
	if r.Action != "" {
		n.Props["terraform_action"] = r.Action
	}
	if tags, ok := v["tags"].(map[string]any); ok {
		n.Tags = map[string]string{}
		for k, t := range tags {
			if s, ok := t.(string); ok {
				n.Tags[k] = s
			}
		}
	}
	b.props(r, n)
	n = b.snap.Add(n)
	b.node[r.Address] = n
	if arn != "" {
		b.byARN[arn] = n
	}
	if id := str(v["id"]); id != "" && !pureUnknown(id) {
		b.byID[r.Type+"\x00"+id] = n
	}
	if b.byName[kind] == nil {
		b.byName[kind] = map[string]*inventory.Node{}
	}
	if n.Name != "" {
		b.byName[kind][n.Name] = n
	}
}

func nodeName(r *Resource) string {
	v := r.Values
	for _, k := range []string{"name", "bucket", "function_name", "agent_name", "agent_runtime_name", "action_group_name", "identifier"} {
		if s := str(v[k]); s != "" {
			return s
		}
	}
	return r.Name
}

// props sets the kind-specific props of a node from its own attributes.
func (b *builder) props(r *Resource, n *inventory.Node) {
	v, p := r.Values, n.Props
	setStr := func(prop, attr string) {
		if s, ok := v[attr].(string); ok && s != "" {
			p[prop] = s
		}
	}
	setBool := func(prop, attr string) {
		if x, ok := v[attr].(bool); ok {
			p[prop] = x
		}
	}
	switch r.Type {
	case "aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_policy", "aws_iam_instance_profile":
		p["path"] = "/"
		setStr("path", "path")
		setStr("permissions_boundary", "permissions_boundary")
		if r.Type == "aws_iam_role" {
			p["trust_policy"] = normPolicy(v["assume_role_policy"])
			for _, ip := range blocks(v["inline_policy"]) {
				b.inline(n, str(ip["name"]), ip["policy"])
			}
			for _, a := range strList(v["managed_policy_arns"]) {
				appendProp(n, "managed_policies", a)
			}
		}
		if r.Type == "aws_iam_policy" {
			p["policy"] = normPolicy(v["policy"])
		}
	case "aws_security_group":
		setStr("vpc", "vpc_id")
		setStr("description", "description")
		setStr("group_id", "id")
		for _, in := range blocks(v["ingress"]) {
			addRules(n, "ingress", in)
		}
		for _, e := range blocks(v["egress"]) {
			addRules(n, "egress", e)
		}
	case "aws_instance":
		setStr("instance_id", "id")
		setStr("instance_type", "instance_type")
		setStr("image_id", "ami")
		setStr("subnet", "subnet_id")
		setStr("key_name", "key_name")
		setStr("instance_profile", "iam_instance_profile")
		setBool("associate_public_ip_address", "associate_public_ip_address")
		imds(p, firstBlock(v["metadata_options"]))
		if ud, ok := v["user_data"].(string); ok && ud != "" {
			p["user_data"] = true
			userData(p, ud, false)
		}
		if ud, ok := v["user_data_base64"].(string); ok && ud != "" {
			p["user_data"] = true
			userData(p, ud, true)
		}
	case "aws_launch_template":
		setStr("launch_template_id", "id")
		if ip := firstBlock(v["iam_instance_profile"]); ip != nil {
			if s := str(ip["arn"]); s != "" {
				p["instance_profile"] = s
			} else if s := str(ip["name"]); s != "" {
				p["instance_profile"] = s
			}
		}
		setStr("instance_type", "instance_type")
		setStr("image_id", "image_id")
		imds(p, firstBlock(v["metadata_options"]))
		for _, ni := range blocks(v["network_interfaces"]) {
			if x, ok := ni["associate_public_ip_address"].(bool); ok {
				p["associate_public_ip"] = x
			}
		}
		if ud, ok := v["user_data"].(string); ok && ud != "" {
			p["user_data"] = true
			userData(p, ud, true)
		}
	case "aws_s3_bucket":
		setStr("bucket", "bucket")
		if pol := str(v["policy"]); pol != "" {
			b.resourcePolicy(n, pol, "bucket_policy")
		}
		if acl := str(v["acl"]); acl != "" {
			b.bucketACL(n, acl)
		}
		for _, sse := range blocks(v["server_side_encryption_configuration"]) {
			b.bucketEncryption(n, sse)
		}
	case "aws_lambda_function":
		for _, k := range []string{"function_name", "runtime", "handler", "role", "package_type", "description"} {
			setStr(k, k)
		}
		if env := firstBlock(v["environment"]); env != nil {
			if vars, ok := env["variables"].(map[string]any); ok {
				aibom.EnvProps(p, "", envFacts(vars))
			}
		}
		if firstBlock(v["vpc_config"]) == nil {
			p["egress_internet"] = true
			p["egress_rule"] = "function outside a VPC"
		}
	case "aws_eks_cluster":
		setStr("cluster_name", "name")
		setStr("role", "role_arn")
		setStr("version", "version")
		setStr("authentication_mode", "authentication_mode")
		if ac := firstBlock(v["access_config"]); ac != nil {
			if s := str(ac["authentication_mode"]); s != "" {
				p["authentication_mode"] = s
			}
		}
		if vc := firstBlock(v["vpc_config"]); vc != nil {
			p["endpoint_public_access"] = true // the provider's default
			if x, ok := vc["endpoint_public_access"].(bool); ok {
				p["endpoint_public_access"] = x
			}
			if x, ok := vc["endpoint_private_access"].(bool); ok {
				p["endpoint_private_access"] = x
			}
			if l := strList(vc["public_access_cidrs"]); l != nil {
				p["public_access_cidrs"] = l
			}
		}
		if name := str(v["name"]); name != "" {
			p["kubernetes_cluster"] = k8s.ClusterID(name)
		}
	case "aws_autoscaling_group":
		if lt := firstBlock(v["launch_template"]); lt != nil {
			if s := str(lt["id"]); s != "" {
				p["launch_template"] = s
			}
			if s := str(lt["name"]); s != "" {
				p["launch_template_name"] = s
			}
			if s := str(lt["version"]); s != "" {
				p["launch_template_version"] = s
			}
		}
		setStr("launch_configuration", "launch_configuration")
		for _, k := range []string{"min_size", "max_size", "desired_capacity"} {
			if f, ok := v[k].(float64); ok {
				p[k] = int(f)
			}
		}
		if l := strList(v["vpc_zone_identifier"]); l != nil {
			p["subnets"] = l
		}
	case "aws_sagemaker_notebook_instance":
		setStr("role", "role_arn")
		setStr("instance_type", "instance_type")
		setStr("subnet", "subnet_id")
		setStr("kms_key", "kms_key_id")
		for _, k := range []string{"direct_internet_access", "root_access"} {
			if s := str(v[k]); s != "" && !IsUnknown(s) {
				p[k] = s == "Enabled"
			}
		}
		if x, ok := p["direct_internet_access"].(bool); ok {
			p["egress_internet"] = x
		}
	case "aws_sagemaker_model":
		setStr("execution_role", "execution_role_arn")
		if x, ok := v["enable_network_isolation"].(bool); ok {
			p["network_isolation"] = x
		}
		var images, urls []string
		var facts []aibom.EnvFact
		for _, c := range append(blocks(v["primary_container"]), blocks(v["container"])...) {
			if s := str(c["image"]); s != "" {
				images = append(images, s)
			}
			if s := str(c["model_data_url"]); s != "" {
				urls = append(urls, s)
			}
			if e, ok := c["environment"].(map[string]any); ok {
				facts = append(facts, envFacts(e)...)
			}
		}
		if images != nil {
			p["images"] = images
		}
		if urls != nil {
			p["model_data_urls"] = urls
		}
		if facts != nil {
			aibom.EnvProps(p, "", facts)
		}
	case "aws_sagemaker_endpoint":
		setStr("endpoint_config", "endpoint_config_name")
	case "aws_bedrockagent_agent":
		setStr("agent_id", "agent_id")
		setStr("role", "agent_resource_role_arn")
		setStr("foundation_model", "foundation_model")
		setStr("instruction", "instruction")
		setStr("description", "description")
		setStr("collaboration", "agent_collaboration")
		p["guardrail"] = ""
		if g := firstBlock(v["guardrail_configuration"]); g != nil {
			if id := str(g["guardrail_identifier"]); id != "" {
				p["guardrail"] = id
				if ver := str(g["guardrail_version"]); ver != "" {
					p["guardrail_version"] = ver
				}
			}
		}
		if m := firstBlock(v["memory_configuration"]); m != nil {
			if l := strList(m["enabled_memory_types"]); l != nil {
				p["memory_types"] = l
			}
		}
	case "aws_bedrockagent_agent_action_group":
		setStr("action_group_id", "action_group_id")
		setStr("state", "action_group_state")
		setStr("description", "description")
		setStr("builtin", "parent_action_group_signature")
		if ex := firstBlock(v["action_group_executor"]); ex != nil {
			if s := str(ex["lambda"]); s != "" {
				p["executor_lambda"] = s
			}
			if s := str(ex["custom_control"]); s != "" {
				p["custom_control"] = s
			}
		}
		if as := firstBlock(v["api_schema"]); as != nil {
			if s3 := firstBlock(as["s3"]); s3 != nil {
				if b := str(s3["s3_bucket_name"]); b != "" {
					p["api_schema_s3"] = "s3://" + b + "/" + str(s3["s3_object_key"])
				}
			}
		}
		var fns, confirm []string
		for _, fs := range blocks(v["function_schema"]) {
			for _, mf := range blocks(fs["member_functions"]) {
				for _, f := range blocks(mf["functions"]) {
					fns = append(fns, str(f["name"]))
					if str(f["require_confirmation"]) == "ENABLED" {
						confirm = append(confirm, str(f["name"]))
					}
				}
			}
		}
		if fns != nil {
			p["functions"] = fns
		}
		if confirm != nil {
			p["functions_requiring_confirmation"] = confirm
		}
	case "aws_bedrockagent_knowledge_base":
		setStr("knowledge_base_id", "id")
		setStr("role", "role_arn")
		setStr("description", "description")
		if kc := firstBlock(v["knowledge_base_configuration"]); kc != nil {
			if s := str(kc["type"]); s != "" {
				p["type"] = s
			}
			if vc := firstBlock(kc["vector_knowledge_base_configuration"]); vc != nil {
				if s := str(vc["embedding_model_arn"]); s != "" {
					p["embedding_model"] = s
				}
			}
		}
		if sc := firstBlock(v["storage_configuration"]); sc != nil {
			if t := str(sc["type"]); t != "" {
				p["storage_type"] = t
			}
			if store := vectorStore(sc); store != "" {
				p["vector_store"] = store
			}
		}
	case "aws_bedrock_guardrail":
		setStr("guardrail_id", "guardrail_id")
		setStr("version", "version")
		setStr("description", "description")
		setStr("blocked_input_messaging", "blocked_input_messaging")
		if cp := firstBlock(v["content_policy_config"]); cp != nil {
			var filters []string
			for _, f := range blocks(cp["filters_config"]) {
				filters = append(filters, str(f["type"]))
			}
			sort.Strings(filters)
			p["content_filters"] = filters
		}
	case "aws_bedrockagentcore_agent_runtime":
		setStr("agent_runtime_id", "agent_runtime_id")
		setStr("role", "role_arn")
		setStr("description", "description")
		if nc := firstBlock(v["network_configuration"]); nc != nil {
			if s := str(nc["network_mode"]); s != "" {
				p["network_mode"] = s
				if !IsUnknown(s) {
					p["egress_internet"] = s == "PUBLIC"
				}
			}
		}
		if a := firstBlock(v["agent_runtime_artifact"]); a != nil {
			if cc := firstBlock(a["container_configuration"]); cc != nil {
				if s := str(cc["container_uri"]); s != "" {
					p["container_uri"] = s
					p["images"] = []string{s}
				}
			}
		}
		if pc := firstBlock(v["protocol_configuration"]); pc != nil {
			if s := str(pc["server_protocol"]); s != "" {
				p["protocol"] = s
			}
		}
		p["inbound_auth"] = "iam"
		if ac := firstBlock(v["authorizer_configuration"]); ac != nil {
			if jwt := firstBlock(ac["custom_jwt_authorizer"]); jwt != nil {
				p["inbound_auth"] = "jwt"
				if s := str(jwt["discovery_url"]); s != "" {
					p["jwt_discovery_url"] = s
				}
			}
		}
		if env, ok := v["environment_variables"].(map[string]any); ok {
			aibom.EnvProps(p, "", envFacts(env))
		}
	case "aws_db_instance":
		for k, attr := range map[string]string{"engine": "engine", "engine_version": "engine_version", "db_name": "db_name", "kms_key": "kms_key_id", "endpoint": "address"} {
			setStr(k, attr)
		}
		for k, attr := range map[string]string{"publicly_accessible": "publicly_accessible", "storage_encrypted": "storage_encrypted", "iam_auth": "iam_database_authentication_enabled"} {
			x, _ := v[attr].(bool) // the provider's defaults are false
			p[k] = x
		}
		if f, ok := v["port"].(float64); ok {
			p["port"] = int(f)
		}
	case "aws_dynamodb_table":
		setStr("table_name", "name")
		if sse := firstBlock(v["server_side_encryption"]); sse != nil {
			if s := str(sse["kms_key_arn"]); s != "" {
				p["kms_key"] = s
			}
		}
	case "aws_secretsmanager_secret":
		setStr("description", "description")
		setStr("kms_key", "kms_key_id")
		p["rotation_enabled"] = false
	case "aws_kms_key":
		setStr("key_id", "key_id")
		setStr("description", "description")
		p["key_manager"] = "CUSTOMER"
		p["key_usage"] = "ENCRYPT_DECRYPT"
		setStr("key_usage", "key_usage")
		if pol := str(v["policy"]); pol != "" {
			b.resourcePolicy(n, pol, "key_policy")
		}
	case "aws_sqs_queue":
		setStr("queue_url", "url")
		setStr("kms_key", "kms_master_key_id")
		if pol := str(v["policy"]); pol != "" {
			b.resourcePolicy(n, pol, "queue_policy")
		}
	case "aws_sns_topic":
		setStr("kms_key", "kms_master_key_id")
		if pol := str(v["policy"]); pol != "" {
			b.resourcePolicy(n, pol, "topic_policy")
		}
	case "aws_ecr_repository":
		setStr("repository_uri", "repository_url")
		p["image_tag_mutability"] = "MUTABLE" // the provider's default
		setStr("image_tag_mutability", "image_tag_mutability")
		p["scan_on_push"] = false
		if sc := firstBlock(v["image_scanning_configuration"]); sc != nil {
			if x, ok := sc["scan_on_push"].(bool); ok {
				p["scan_on_push"] = x
			}
		}
	}
	switch r.Type {
	case "aws_s3_bucket", "aws_sqs_queue", "aws_sns_topic", "aws_secretsmanager_secret", "aws_ecr_repository", "aws_dynamodb_table":
		// As the AWS collector does: public access is written when known.
		if _, ok := p["public_read"]; !ok {
			p["public_read"], p["public_write"] = false, false
		}
	}
}

// userData inspects an instance's user data as the AWS collector does: AI
// keys and other secrets fingerprinted, AI endpoints named, the text never
// kept. Launch templates hold it in base64.
func userData(p map[string]any, value string, b64 bool) {
	if IsUnknown(value) {
		return
	}
	if b64 {
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return
		}
		value = string(raw)
	}
	scratch := map[string]any{}
	aibom.EnvProps(scratch, "", []aibom.EnvFact{aibom.InspectEnv("UserData", value)})
	for _, k := range []string{"ai_keys", "env_secrets", "ai_hosts"} {
		if v, ok := scratch[k]; ok {
			p[k] = v
		}
	}
}

// envFacts inspects environment variables as the AWS collectors do: names
// kept, values read only to recognise and fingerprint AI keys, other
// secrets and AI endpoints, never stored. A value unknown before apply is
// judged by its variable's name alone.
func envFacts(vars map[string]any) []aibom.EnvFact {
	var out []aibom.EnvFact
	for _, name := range sortedKeys(vars) {
		value, _ := vars[name].(string)
		if IsUnknown(value) {
			value = ""
		}
		out = append(out, aibom.InspectEnv(name, value))
	}
	return out
}

// vectorStore returns the ARN (or endpoint) of a knowledge base's vector
// store from its storage configuration.
func vectorStore(sc map[string]any) string {
	for _, k := range []string{"opensearch_serverless_configuration", "opensearch_managed_cluster_configuration", "rds_configuration", "neptune_analytics_configuration", "s3_vectors_configuration", "pinecone_configuration", "redis_enterprise_cloud_configuration", "mongo_db_atlas_configuration"} {
		c := firstBlock(sc[k])
		if c == nil {
			continue
		}
		for _, attr := range []string{"collection_arn", "domain_arn", "resource_arn", "graph_arn", "index_arn", "vector_bucket_arn", "connection_string", "endpoint"} {
			if s := str(c[attr]); s != "" {
				return s
			}
		}
	}
	return ""
}

// imds sets the instance metadata props the way the AWS collector does.
func imds(p map[string]any, mo map[string]any) {
	p["imds_enabled"] = true
	p["imdsv1_allowed"] = true
	p["imds_hop_limit"] = 1
	if mo == nil {
		return
	}
	if s := str(mo["http_endpoint"]); s == "disabled" {
		p["imds_enabled"] = false
	}
	switch s := str(mo["http_tokens"]); {
	case s == "required":
		p["imdsv1_allowed"] = false
	case IsUnknown(s):
		p["imdsv1_allowed"] = Unknown
	}
	if f, ok := mo["http_put_response_hop_limit"].(float64); ok {
		p["imds_hop_limit"] = int(f)
	}
}

// addRules adds the rules of one ingress or egress block (or rule
// resource) to a security group, one rule per source, in the AWS
// collector's shape.
func addRules(n *inventory.Node, dir string, r map[string]any) {
	proto := str(r["protocol"])
	if proto == "" {
		proto = str(r["ip_protocol"])
	}
	proto = collectaws.ProtocolName(proto)
	from, fok := r["from_port"].(float64)
	to, tok := r["to_port"].(float64)
	ports := proto
	if proto != "all" {
		switch {
		case !fok || (from == 0 && to == 65535) || from == -1:
			ports = proto + "/all"
		case !tok || to == from:
			ports = fmt.Sprintf("%s/%d", proto, int(from))
		default:
			ports = fmt.Sprintf("%s/%d-%d", proto, int(from), int(to))
		}
	}
	var sources []string
	for _, k := range []string{"cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "cidr_ipv4", "cidr_ipv6", "referenced_security_group_id", "prefix_list_id", "source_security_group_id"} {
		sources = append(sources, strList(r[k])...)
	}
	if self, ok := r["self"].(bool); ok && self {
		sources = append(sources, "self")
	}
	for _, src := range sources {
		rule := map[string]any{"protocol": proto, "source": src, "ports": ports}
		if proto != "all" && fok {
			rule["from_port"] = int(from)
		}
		if proto != "all" && tok {
			rule["to_port"] = int(to)
		}
		list, _ := n.Props[dir].([]map[string]any)
		n.Props[dir] = append(list, rule)
		open := src == "0.0.0.0/0" || src == "::/0"
		if dir == "ingress" && open {
			l, _ := n.Props["open_ingress"].([]map[string]any)
			n.Props["open_ingress"] = append(l, rule)
			appendProp(n, "open_ports", ports)
			n.Props["open_to_internet"] = true
		}
		if dir == "egress" && open && proto == "all" {
			n.Props["egress_unrestricted"] = true
		}
	}
	if dir == "ingress" {
		if _, ok := n.Props["open_to_internet"]; !ok {
			n.Props["open_to_internet"] = false
		}
	}
}

func appendProp(n *inventory.Node, k, v string) {
	if v == "" {
		return
	}
	l, _ := n.Props[k].([]string)
	for _, x := range l {
		if x == v {
			return
		}
	}
	n.Props[k] = append(l, v)
}

// normPolicy renders a policy document compactly with sorted keys, so that
// the same document written by jsonencode, a policy-document data source or
// a heredoc compares equal. Unknown or unparsable documents are kept as
// they are.
func normPolicy(v any) any {
	s, ok := v.(string)
	if !ok || s == "" {
		return v
	}
	var doc any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return s
	}
	return compactJSON(doc)
}

// compactJSON encodes v without HTML escaping, so that unknown markers
// read as they are written.
func compactJSON(v any) string {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return Unknown
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func (b *builder) inline(n *inventory.Node, name string, doc any) {
	m, _ := n.Props["inline_policies"].(map[string]any)
	if m == nil {
		m = map[string]any{}
		n.Props["inline_policies"] = m
	}
	if name == "" {
		name = Unknown
	}
	m[name] = normPolicy(doc)
}

// find resolves a reference value (a marker naming a resource, an ARN, an
// id or a name) to the node of that resource.
func (b *builder) find(kind string, v any) *inventory.Node {
	s := str(v)
	if s == "" {
		return nil
	}
	if addr, _, ok := refTarget(s); ok {
		if n := b.node[addr]; n != nil {
			return n
		}
	}
	if n := b.byARN[s]; n != nil && (kind == "" || n.Kind == kind) {
		return n
	}
	for t, k := range kinds {
		if k == kind || kind == "" {
			if n := b.byID[t+"\x00"+s]; n != nil {
				return n
			}
		}
	}
	if kind != "" {
		if n := b.byName[kind][s]; n != nil {
			return n
		}
		// An ARN of a resource outside the configuration.
		if strings.HasPrefix(s, "arn:") {
			return nil
		}
		// A name or ARN with an unknown part: match by the name after the
		// last slash or colon.
		if i := strings.LastIndexAny(s, "/:"); i >= 0 {
			if n := b.byName[kind][s[i+1:]]; n != nil {
				return n
			}
		}
	}
	return nil
}

// ref returns the node ID a reference points at: the node of the
// configuration, or the ARN of something outside it (added as a node of
// the right kind with props.collected = false, as the AWS collector does).
func (b *builder) ref(kind string, v any) string {
	if n := b.find(kind, v); n != nil {
		return n.ID
	}
	s := str(v)
	if strings.HasPrefix(s, "arn:") && !IsUnknown(s) {
		b.snap.Add(&inventory.Node{ID: s, Kind: kind, Provider: "aws", Props: map[string]any{"collected": false}})
		return s
	}
	return ""
}

// relate adds what a resource says about others: attachments, memberships,
// rules, bucket policies and the edges between compute and identities.
func (b *builder) relate(r *Resource) {
	v := r.Values
	ev := map[string]any{"terraform_address": r.Address}
	switch r.Type {
	case "aws_iam_user_policy", "aws_iam_role_policy", "aws_iam_group_policy":
		kind := map[string]string{"aws_iam_user_policy": inventory.KindIAMUser, "aws_iam_role_policy": inventory.KindIAMRole, "aws_iam_group_policy": inventory.KindIAMGroup}[r.Type]
		attr := strings.TrimSuffix(strings.TrimPrefix(r.Type, "aws_iam_"), "_policy")
		if n := b.find(kind, v[attr]); n != nil {
			b.inline(n, str(v["name"]), v["policy"])
		}
	case "aws_iam_user_policy_attachment", "aws_iam_role_policy_attachment", "aws_iam_group_policy_attachment":
		kind := map[string]string{"aws_iam_user_policy_attachment": inventory.KindIAMUser, "aws_iam_role_policy_attachment": inventory.KindIAMRole, "aws_iam_group_policy_attachment": inventory.KindIAMGroup}[r.Type]
		attr := strings.TrimSuffix(strings.TrimPrefix(r.Type, "aws_iam_"), "_policy_attachment")
		if n := b.find(kind, v[attr]); n != nil {
			appendProp(n, "managed_policies", b.policyARN(v["policy_arn"]))
		}
	case "aws_iam_policy_attachment":
		pol := b.policyARN(v["policy_arn"])
		for attr, kind := range map[string]string{"users": inventory.KindIAMUser, "roles": inventory.KindIAMRole, "groups": inventory.KindIAMGroup} {
			for _, x := range strList(v[attr]) {
				if n := b.find(kind, x); n != nil {
					appendProp(n, "managed_policies", pol)
				}
			}
		}
	case "aws_iam_group_membership":
		g := b.find(inventory.KindIAMGroup, v["group"])
		for _, u := range strList(v["users"]) {
			b.member(b.find(inventory.KindIAMUser, u), g, ev)
		}
	case "aws_iam_user_group_membership":
		u := b.find(inventory.KindIAMUser, v["user"])
		for _, g := range strList(v["groups"]) {
			b.member(u, b.find(inventory.KindIAMGroup, g), ev)
		}
	case "aws_iam_user":
		// membership is declared by the resources above
	case "aws_iam_instance_profile":
		if n := b.node[r.Address]; n != nil {
			if role := b.ref(inventory.KindIAMRole, v["role"]); role != "" {
				n.Props["role"] = role
			}
		}
	case "aws_security_group_rule":
		if sg := b.find(inventory.KindSecurityGroup, v["security_group_id"]); sg != nil {
			rule := map[string]any{}
			for k, x := range v {
				rule[k] = x
			}
			if s := str(v["source_security_group_id"]); s != "" {
				rule["security_groups"] = []any{s}
			}
			addRules(sg, str(v["type"]), rule)
		}
	case "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule":
		if sg := b.find(inventory.KindSecurityGroup, v["security_group_id"]); sg != nil {
			dir := "ingress"
			if strings.HasSuffix(r.Type, "egress_rule") {
				dir = "egress"
			}
			addRules(sg, dir, v)
		}
	case "aws_instance":
		n := b.node[r.Address]
		b.network(n, append(strList(v["vpc_security_group_ids"]), strList(v["security_groups"])...))
		b.runsAsProfile(n, v["iam_instance_profile"])
		if n != nil {
			if v["associate_public_ip_address"] == true {
				n.Props["public_ip"] = unknownRef(r.Address + ".public_ip") // planned, its value unknown
				b.later = append(b.later, func() { b.exposeInstance(n) })
			}
			b.later = append(b.later, func() { b.markEgress(n) })
		}
	case "aws_launch_template":
		n := b.node[r.Address]
		groups := strList(v["vpc_security_group_ids"])
		for _, ni := range blocks(v["network_interfaces"]) {
			groups = append(groups, strList(ni["security_groups"])...)
		}
		b.network(n, groups)
		if n != nil {
			b.later = append(b.later, func() { b.markEgress(n) })
		}
		if ip := firstBlock(v["iam_instance_profile"]); ip != nil {
			if ip["arn"] != nil {
				b.runsAsProfile(n, ip["arn"])
			} else {
				b.runsAsProfile(n, ip["name"])
			}
		}
	case "aws_autoscaling_group":
		n := b.node[r.Address]
		if lt := firstBlock(v["launch_template"]); lt != nil {
			ref := lt["id"]
			if ref == nil {
				ref = lt["name"]
			}
			if t := b.find(inventory.KindEC2LaunchTemplate, ref); t != nil && n != nil {
				n.Props["launch_template_node"] = t.ID
				b.later = append(b.later, func() {
					for _, e := range b.snap.Edges {
						if e.From == t.ID && (e.Kind == inventory.EdgeRunsAs || e.Kind == inventory.EdgeInNetwork) {
							b.snap.Connect(n.ID, e.To, e.Kind, map[string]any{"launch_template": t.ID, "terraform_address": r.Address})
						}
					}
				})
			}
		}
	case "aws_s3_bucket_policy":
		if n := b.find(inventory.KindS3Bucket, v["bucket"]); n != nil {
			b.resourcePolicy(n, str(v["policy"]), "bucket_policy")
		}
	case "aws_s3_bucket_server_side_encryption_configuration":
		if n := b.find(inventory.KindS3Bucket, v["bucket"]); n != nil {
			b.bucketEncryption(n, v)
		}
	case "aws_sqs_queue_policy":
		if n := b.find(inventory.KindSQSQueue, v["queue_url"]); n != nil {
			b.resourcePolicy(n, str(v["policy"]), "queue_policy")
		}
	case "aws_sns_topic_policy":
		if n := b.find(inventory.KindSNSTopic, v["arn"]); n != nil {
			b.resourcePolicy(n, str(v["policy"]), "topic_policy")
		}
	case "aws_secretsmanager_secret_policy":
		if n := b.find(inventory.KindSecret, v["secret_arn"]); n != nil {
			b.resourcePolicy(n, str(v["policy"]), "resource_policy")
		}
	case "aws_secretsmanager_secret_rotation":
		if n := b.find(inventory.KindSecret, v["secret_id"]); n != nil {
			n.Props["rotation_enabled"] = true
		}
	case "aws_ecr_repository_policy":
		if n := b.find(inventory.KindECRRepository, v["repository"]); n != nil {
			b.resourcePolicy(n, str(v["policy"]), "repository_policy")
		}
	case "aws_kms_key_policy":
		if n := b.find(inventory.KindKMSKey, v["key_id"]); n != nil {
			b.resourcePolicy(n, str(v["policy"]), "key_policy")
		}
	case "aws_dynamodb_resource_policy":
		if n := b.find(inventory.KindDynamoDBTable, v["resource_arn"]); n != nil {
			b.resourcePolicy(n, str(v["policy"]), "resource_policy")
		}
	case "aws_db_instance":
		n := b.node[r.Address]
		b.network(n, strList(v["vpc_security_group_ids"]))
		if n != nil {
			if k := b.ref(inventory.KindKMSKey, v["kms_key_id"]); k != "" {
				b.snap.Connect(n.ID, k, inventory.EdgeEncryptedBy, nil)
			}
			if n.Props["publicly_accessible"] == true {
				b.later = append(b.later, func() { b.exposeDatabase(n) })
			}
		}
	case "aws_s3_bucket_public_access_block":
		if n := b.find(inventory.KindS3Bucket, v["bucket"]); n != nil {
			pab := map[string]any{}
			for _, k := range []string{"block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"} {
				x, _ := v[k].(bool)
				pab[k] = x
			}
			n.Props["public_access_block"] = pab
		}
	case "aws_s3_bucket_acl":
		if n := b.find(inventory.KindS3Bucket, v["bucket"]); n != nil {
			b.bucketACL(n, str(v["acl"]))
		}
	case "aws_lambda_function":
		n := b.node[r.Address]
		if role := b.ref(inventory.KindIAMRole, v["role"]); role != "" && n != nil {
			b.snap.Connect(n.ID, role, inventory.EdgeRunsAs, map[string]any{"field": "Role", "terraform_address": r.Address})
		}
		if vc := firstBlock(v["vpc_config"]); vc != nil {
			b.network(n, strList(vc["security_group_ids"]))
		}
	case "aws_lambda_function_url":
		if n := b.find(inventory.KindLambdaFunction, v["function_name"]); n != nil {
			auth := str(v["authorization_type"])
			n.Props["function_url_auth"] = auth
			if auth == "NONE" {
				n.Props["internet_reachable"] = true
				b.internet()
				b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeReaches, map[string]any{"auth_type": auth, "terraform_address": r.Address})
			}
		}
	case "aws_lambda_permission":
		if n := b.find(inventory.KindLambdaFunction, v["function_name"]); n != nil {
			if str(v["principal"]) == "*" && str(v["source_arn"]) == "" {
				n.Props["public_invoke"] = true
				n.Props["internet_reachable"] = true
				b.internet()
				b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeReaches, map[string]any{"via": "resource_policy", "terraform_address": r.Address})
			}
		}
	case "aws_eks_cluster":
		if n := b.node[r.Address]; n != nil {
			kc := k8s.ClusterID(n.Name)
			b.snap.Add(&inventory.Node{ID: kc, Kind: inventory.KindK8sCluster, Provider: "k8s", Account: n.Name, Name: n.Name, Props: map[string]any{"eks_cluster": n.ID}})
			if n.Props["endpoint_public_access"] == true {
				cidrs, _ := n.Props["public_access_cidrs"].([]string)
				for _, c := range cidrs {
					if c == "0.0.0.0/0" || c == "::/0" {
						n.Props["internet_reachable"] = true
						b.internet()
						b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeReaches, map[string]any{"endpoint": "public", "public_access_cidrs": cidrs})
						break
					}
				}
			}
			if role := b.ref(inventory.KindIAMRole, v["role_arn"]); role != "" {
				b.snap.Connect(n.ID, role, inventory.EdgeRunsAs, map[string]any{"field": "role_arn", "terraform_address": r.Address})
			}
			if vc := firstBlock(v["vpc_config"]); vc != nil {
				b.network(n, strList(vc["security_group_ids"]))
			}
		}
	case "aws_eks_pod_identity_association":
		role := b.ref(inventory.KindIAMRole, v["role_arn"])
		cluster := str(v["cluster_name"])
		if c := b.find(inventory.KindEKSCluster, cluster); c != nil {
			cluster = c.Name
		}
		if role != "" {
			sa := k8s.ID(cluster, str(v["namespace"]), "ServiceAccount", str(v["service_account"]))
			b.snap.Add(&inventory.Node{ID: sa, Kind: inventory.KindK8sServiceAccount, Provider: "k8s", Account: cluster, Name: str(v["service_account"]), Source: r.Source,
				Props: map[string]any{"kind": "ServiceAccount", "namespace": str(v["namespace"]), "pod_identity_role": role}})
			b.snap.Connect(sa, role, inventory.EdgeRunsAs, map[string]any{"via": "pod_identity", "association": r.Address, "terraform_address": r.Address})
			if t := b.ref(inventory.KindIAMRole, v["target_role_arn"]); t != "" {
				b.snap.Connect(role, t, inventory.EdgeCanAssume, map[string]any{"via": "pod_identity_target_role", "association": r.Address})
			}
		}
	case "aws_eks_access_entry":
		c := b.find(inventory.KindEKSCluster, v["cluster_name"])
		if c == nil {
			break
		}
		entry := map[string]any{"principal": str(v["principal_arn"]), "type": str(v["type"]), "kubernetes_groups": strList(v["kubernetes_groups"])}
		l, _ := c.Props["access_entries"].([]map[string]any)
		c.Props["access_entries"] = append(l, entry)
		if t := str(v["type"]); t != "" && t != "STANDARD" {
			break // node entries (EC2_LINUX, FARGATE_LINUX, ...)
		}
		from := b.principal(v["principal_arn"])
		if from == "" {
			break
		}
		for _, g := range strList(v["kubernetes_groups"]) {
			ev := map[string]any{"access_entry": r.Address, "kubernetes_group": g}
			group := k8s.ID(c.Name, "", "Group", g)
			b.snap.Add(&inventory.Node{ID: group, Kind: inventory.KindK8sGroup, Provider: "k8s", Account: c.Name, Name: g, Props: map[string]any{"kind": "Group"}})
			b.snap.Connect(from, group, inventory.EdgeMemberOf, ev)
			if g == "system:masters" {
				b.clusterAdmin(from, c, ev)
			}
		}
	case "aws_eks_access_policy_association":
		c := b.find(inventory.KindEKSCluster, v["cluster_name"])
		from := b.principal(v["principal_arn"])
		pol := str(v["policy_arn"])
		role, ok := eksAccessPolicyRoles[pol[strings.LastIndex(pol, "/")+1:]]
		if c == nil || from == "" || !ok {
			break
		}
		scope := firstBlock(v["access_scope"])
		ev := map[string]any{"access_entry": r.Address, "access_policy": pol, "scope": str(scope["type"])}
		if ns := strList(scope["namespaces"]); ns != nil {
			ev["namespaces"] = ns
		}
		roleID := k8s.ID(c.Name, "", "ClusterRole", role)
		b.snap.Add(&inventory.Node{ID: roleID, Kind: inventory.KindK8sClusterRole, Provider: "k8s", Account: c.Name, Name: role,
			Props: map[string]any{"kind": "ClusterRole", "cluster_admin": role == "cluster-admin"}})
		b.snap.Connect(from, roleID, inventory.EdgeBoundTo, ev)
		if role == "cluster-admin" && str(scope["type"]) == "cluster" {
			b.clusterAdmin(from, c, ev)
		}
	case "aws_sagemaker_endpoint":
		n := b.node[r.Address]
		cfgName := str(v["endpoint_config_name"])
		for _, cfg := range b.c.Resources {
			if cfg.Type != "aws_sagemaker_endpoint_configuration" || n == nil {
				continue
			}
			if str(cfg.Values["name"]) != cfgName && unknownRef(cfg.Address+".name") != cfgName {
				continue
			}
			var models []string
			for _, pv := range blocks(cfg.Values["production_variants"]) {
				if m := b.find(inventory.KindSageMakerModel, pv["model_name"]); m != nil {
					models = append(models, m.ID)
					b.snap.Connect(n.ID, m.ID, inventory.EdgeRoutesTo, map[string]any{"variant": str(pv["variant_name"])})
				}
			}
			if models != nil {
				n.Props["models"] = models
			}
		}
	case "aws_bedrockagent_data_source":
		kb := b.find(inventory.KindBedrockKnowledgeBase, v["knowledge_base_id"])
		if kb == nil {
			break
		}
		dc := firstBlock(v["data_source_configuration"])
		src := map[string]any{"id": str(v["data_source_id"]), "name": str(v["name"]), "type": str(dc["type"])}
		if s3 := firstBlock(dc["s3_configuration"]); s3 != nil {
			if bucket := b.ref(inventory.KindS3Bucket, s3["bucket_arn"]); bucket != "" {
				src["bucket"] = bucket
				b.snap.Connect(kb.ID, bucket, inventory.EdgeRetrievesFrom, map[string]any{"data_source": str(v["name"])})
				if bn := b.snap.Node(bucket); bn != nil {
					bn.Props["knowledge_base_source"] = true
					bn.Props["purpose"] = "knowledge_base"
				}
			}
		}
		if web := firstBlock(dc["web_configuration"]); web != nil {
			var urls []string
			for _, sc := range blocks(web["source_configuration"]) {
				for _, u := range blocks(sc["url_configuration"]) {
					for _, seed := range blocks(u["seed_urls"]) {
						urls = append(urls, strList(seed["url"])...)
					}
				}
			}
			src["urls"] = urls
			b.internet()
			b.snap.Connect(kb.ID, inventory.InternetID, inventory.EdgeReadsUntrusted, map[string]any{"data_source": str(v["name"]), "urls": urls})
		}
		l, _ := kb.Props["data_sources"].([]map[string]any)
		kb.Props["data_sources"] = append(l, src)
	case "aws_sagemaker_notebook_instance", "aws_sagemaker_model", "aws_bedrockagent_knowledge_base", "aws_bedrockagentcore_agent_runtime", "aws_bedrockagent_agent":
		n := b.node[r.Address]
		attr := map[string]string{"aws_sagemaker_notebook_instance": "role_arn", "aws_sagemaker_model": "execution_role_arn",
			"aws_bedrockagent_knowledge_base": "role_arn", "aws_bedrockagentcore_agent_runtime": "role_arn", "aws_bedrockagent_agent": "agent_resource_role_arn"}[r.Type]
		if role := b.ref(inventory.KindIAMRole, v[attr]); role != "" && n != nil {
			b.snap.Connect(n.ID, role, inventory.EdgeRunsAs, map[string]any{"field": attr, "terraform_address": r.Address})
		}
		if r.Type == "aws_sagemaker_notebook_instance" && n != nil {
			b.network(n, strList(v["security_groups"]))
		}
		if r.Type == "aws_bedrockagent_knowledge_base" && n != nil {
			if store, ok := n.Props["vector_store"].(string); ok && store != "" && !pureUnknown(store) {
				id := b.ref(inventory.KindDataStore, store)
				if id == "" {
					id = store
				}
				if sn := b.snap.Node(id); sn == nil || sn.Kind == inventory.KindDataStore {
					b.snap.Add(&inventory.Node{ID: id, Kind: inventory.KindDataStore, Provider: "aws", Name: store[strings.LastIndexAny(store, "/:")+1:],
						Props: map[string]any{"vector_store": true, "service": storeService(store)}})
				}
				b.snap.Connect(n.ID, id, inventory.EdgeRetrievesFrom, map[string]any{"field": "storageConfiguration"})
			}
		}
	case "aws_bedrockagent_agent_action_group":
		n := b.node[r.Address]
		if n == nil {
			break
		}
		if a := b.find(inventory.KindBedrockAgent, v["agent_id"]); a != nil {
			n.Props["agent"] = a.ID
			b.snap.Connect(a.ID, n.ID, inventory.EdgeCallsTool, map[string]any{"action_group": str(v["action_group_name"]), "terraform_address": r.Address})
		}
		if ex := firstBlock(v["action_group_executor"]); ex != nil {
			if fn := b.ref(inventory.KindLambdaFunction, ex["lambda"]); fn != "" {
				b.snap.Connect(n.ID, fn, inventory.EdgeRoutesTo, map[string]any{"field": "actionGroupExecutor.lambda", "terraform_address": r.Address})
			}
		}
	case "aws_bedrockagent_agent_knowledge_base_association":
		a := b.find(inventory.KindBedrockAgent, v["agent_id"])
		kb := b.find(inventory.KindBedrockKnowledgeBase, v["knowledge_base_id"])
		if a != nil && kb != nil {
			b.snap.Connect(a.ID, kb.ID, inventory.EdgeRetrievesFrom, map[string]any{"terraform_address": r.Address})
		}
	}
}

// markEgress records whether compute's security groups let it send
// anything anywhere, as the AWS collector does (egress_internet,
// egress_rule); with no group of the configuration nothing is recorded.
func (b *builder) markEgress(n *inventory.Node) {
	groups, _ := n.Props["security_groups"].([]string)
	known := false
	for _, g := range groups {
		sg := b.snap.Node(g)
		if sg == nil || sg.Kind != inventory.KindSecurityGroup || sg.Props["collected"] == false {
			continue
		}
		known = true
		if sg.Props["egress_unrestricted"] == true {
			n.Props["egress_internet"] = true
			n.Props["egress_rule"] = sg.ID + " egress all to 0.0.0.0/0"
			return
		}
	}
	if known {
		n.Props["egress_internet"] = false
	}
}

// exposeInstance marks an instance that will have a public IP and sits in
// a group open to the internet as reachable, as the AWS collector does for
// a live instance.
func (b *builder) exposeInstance(n *inventory.Node) {
	var rules []map[string]any
	groups, _ := n.Props["security_groups"].([]string)
	for _, g := range groups {
		sg := b.snap.Node(g)
		if sg == nil {
			continue
		}
		open, _ := sg.Props["open_ingress"].([]map[string]any)
		for _, r := range open {
			rule := map[string]any{"security_group": sg.ID, "security_group_name": sg.Name}
			for k, v := range r {
				rule[k] = v
			}
			rules = append(rules, rule)
		}
	}
	if len(rules) == 0 {
		return
	}
	n.Props["internet_reachable"] = true
	b.internet()
	b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeReaches, map[string]any{"public_ip": n.Props["public_ip"], "rules": rules})
}

// eksAccessPolicyRoles maps EKS access policies to the Kubernetes cluster
// roles they stand for.
var eksAccessPolicyRoles = map[string]string{
	"AmazonEKSClusterAdminPolicy": "cluster-admin",
	"AmazonEKSAdminPolicy":        "admin",
	"AmazonEKSEditPolicy":         "edit",
	"AmazonEKSViewPolicy":         "view",
}

// principal returns the node ID of an IAM principal named by an access
// entry: one of the configuration's, or the ARN as written.
func (b *builder) principal(v any) string {
	for _, k := range []string{inventory.KindIAMRole, inventory.KindIAMUser} {
		if n := b.find(k, v); n != nil {
			return n.ID
		}
	}
	if s := str(v); strings.HasPrefix(s, "arn:") {
		return s
	}
	return ""
}

// clusterAdmin records that from administers an EKS cluster, on both the
// AWS and the Kubernetes node of the cluster.
func (b *builder) clusterAdmin(from string, c *inventory.Node, ev map[string]any) {
	b.snap.Connect(from, k8s.ClusterID(c.Name), inventory.EdgeAdminOf, ev)
	b.snap.Connect(from, c.ID, inventory.EdgeAdminOf, ev)
}

// storeService names the service of a vector store ARN.
func storeService(arn string) string {
	if parts := strings.SplitN(arn, ":", 4); len(parts) >= 3 && parts[0] == "arn" {
		return parts[2]
	}
	return "external"
}

func (b *builder) internet() {
	b.snap.Add(&inventory.Node{ID: inventory.InternetID, Kind: inventory.KindInternet, Name: "internet"})
}

func (b *builder) member(u, g *inventory.Node, ev map[string]any) {
	if u == nil || g == nil {
		return
	}
	appendProp(u, "groups", g.ID)
	b.snap.Connect(u.ID, g.ID, inventory.EdgeMemberOf, ev)
}

// policyARN returns the ARN a policy reference stands for: a policy of the
// configuration by its (partly known) ARN, or the ARN as written.
func (b *builder) policyARN(v any) string {
	if n := b.find(inventory.KindIAMPolicy, v); n != nil {
		return n.ID
	}
	return str(v)
}

func (b *builder) network(n *inventory.Node, groups []string) {
	if n == nil {
		return
	}
	for _, g := range groups {
		id := b.ref(inventory.KindSecurityGroup, g)
		if id == "" {
			continue
		}
		appendProp(n, "security_groups", id)
		b.snap.Connect(n.ID, id, inventory.EdgeInNetwork, nil)
	}
}

// runsAsProfile links compute to the role of its instance profile.
func (b *builder) runsAsProfile(n *inventory.Node, profile any) {
	if n == nil || str(profile) == "" {
		return
	}
	ip := b.find(inventory.KindIAMInstanceProfile, profile)
	if ip == nil {
		return
	}
	n.Props["instance_profile"] = ip.ID
	if role, ok := ip.Props["role"].(string); ok && role != "" {
		b.snap.Connect(n.ID, role, inventory.EdgeRunsAs, map[string]any{"instance_profile": ip.ID, "resolved_by": "terraform"})
	}
}

// resourcePolicy records a resource policy and what it grants to anyone,
// read as the AWS collector reads it: Allow to Principal "*" (or
// {"AWS": "*"}) with no Condition. via names the policy in the evidence.
func (b *builder) resourcePolicy(n *inventory.Node, doc, via string) {
	n.Props["policy"] = normPolicy(doc)
	var p struct{ Statement any }
	if json.Unmarshal([]byte(doc), &p) != nil {
		return
	}
	var stmts []map[string]any
	switch s := p.Statement.(type) {
	case map[string]any:
		stmts = append(stmts, s)
	case []any:
		stmts = blocks(s)
	}
	var read, write bool
	var actions []string
	var evidence []map[string]any
	for _, s := range stmts {
		if !strings.EqualFold(str(s["Effect"]), "Allow") || !anyone(s["Principal"]) || s["Condition"] != nil {
			continue
		}
		acts := strList(s["Action"])
		if s["NotAction"] != nil {
			acts = []string{"*"}
		}
		for _, a := range acts {
			r, w := collectaws.ActionAccess(a)
			read, write = read || r, write || w
			actions = append(actions, a)
		}
		evidence = append(evidence, s)
	}
	if len(evidence) == 0 {
		return
	}
	n.Props["public_read"] = n.Props["public_read"] == true || read
	n.Props["public_write"] = n.Props["public_write"] == true || write
	n.Props["public_actions"] = actions
	n.Props["public_statements"] = evidence
	ev := map[string]any{"via": via, "statements": evidence}
	b.internet()
	if read {
		b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeCanRead, ev)
	}
	if write {
		b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeCanWrite, ev)
	}
}

// bucketACL records a canned ACL that grants to everyone.
func (b *builder) bucketACL(n *inventory.Node, acl string) {
	if acl != "public-read" && acl != "public-read-write" {
		return
	}
	grants := []map[string]any{{"grantee": "AllUsers", "permission": "READ"}}
	n.Props["public_read"] = true
	if acl == "public-read-write" {
		grants = append(grants, map[string]any{"grantee": "AllUsers", "permission": "WRITE"})
		n.Props["public_write"] = true
	}
	n.Props["public_acl_grants"] = grants
	b.internet()
	b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeCanRead, map[string]any{"via": "bucket_acl", "grants": grants})
	if acl == "public-read-write" {
		b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeCanWrite, map[string]any{"via": "bucket_acl", "grants": grants})
	}
}

// bucketEncryption records a bucket's default encryption from a
// server_side_encryption_configuration (inline block or resource).
func (b *builder) bucketEncryption(n *inventory.Node, cfg map[string]any) {
	for _, rule := range blocks(cfg["rule"]) {
		if def := firstBlock(rule["apply_server_side_encryption_by_default"]); def != nil {
			if s := str(def["sse_algorithm"]); s != "" {
				n.Props["encryption"] = s
			}
			if s := str(def["kms_master_key_id"]); s != "" {
				n.Props["kms_key"] = s
				if k := b.ref(inventory.KindKMSKey, s); k != "" {
					b.snap.Connect(n.ID, k, inventory.EdgeEncryptedBy, nil)
				}
			}
		}
	}
}

// exposeDatabase marks a publicly accessible database in a group open to
// the internet as reachable, as the AWS collector does.
func (b *builder) exposeDatabase(n *inventory.Node) {
	groups, _ := n.Props["security_groups"].([]string)
	var rules []map[string]any
	for _, g := range groups {
		if sg := b.snap.Node(g); sg != nil {
			open, _ := sg.Props["open_ingress"].([]map[string]any)
			rules = append(rules, open...)
		}
	}
	if len(rules) == 0 {
		return
	}
	n.Props["internet_reachable"] = true
	b.internet()
	b.snap.Connect(inventory.InternetID, n.ID, inventory.EdgeReaches, map[string]any{"publicly_accessible": true, "rules": rules})
}

func anyone(p any) bool {
	if s, ok := p.(string); ok {
		return s == "*"
	}
	m, _ := p.(map[string]any)
	for _, k := range []string{"AWS", "CanonicalUser"} {
		for _, x := range strList(m[k]) {
			if x == "*" {
				return true
			}
		}
	}
	return false
}
