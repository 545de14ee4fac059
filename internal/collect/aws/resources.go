package aws

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// CollectResources reads the resources (compute, network, load balancers,
// data stores, AI services) of every account found at or under dirs, in
// CloudMapper's account-data layout, into one snapshot. docs/inventory.md
// lists the files read and the nodes, props and edges produced. A missing
// file means a smaller inventory; a malformed one is an error naming it.
func CollectResources(dirs ...string) (*inventory.Snapshot, error) {
	snap := inventory.New()
	for _, dir := range dirs {
		accounts, err := DiscoverAccountData(dir)
		if err != nil {
			return nil, err
		}
		for _, a := range accounts {
			if err := a.CollectResources(snap); err != nil {
				return nil, err
			}
		}
	}
	snap.Normalize()
	return snap, nil
}

// CollectResources adds the account's resources to snap.
func (a *AccountData) CollectResources(snap *inventory.Snapshot) error {
	rc := &resourceCollector{
		a:          a,
		snap:       snap,
		account:    a.Account,
		profiles:   map[string][]string{},
		sgs:        map[string]*securityGroup{},
		instanceOf: map[string]string{},
		eniOwner:   map[string]string{},
	}
	if rc.account == "" {
		rc.account = filepath.Base(a.Dir)
	}
	// Identities first: compute edges point at roles found here.
	for _, region := range a.Regions {
		rc.region = region
		if err := rc.iamRoles(); err != nil {
			return err
		}
	}
	steps := []func() error{
		rc.networks, rc.securityGroups, rc.ec2Instances, rc.ecsTasks, rc.networkInterfaces,
		rc.loadBalancers, rc.loadBalancersV2, rc.lambdaFunctions, rc.apiGateways,
		rc.s3Buckets, rc.rdsInstances, rc.redshiftClusters, rc.openSearchDomains, rc.dynamoDBTables, rc.secrets, rc.kmsKeys,
		rc.ecrRepositories, rc.eksClusters, rc.launchTemplates, rc.autoScalingGroups,
		rc.snsTopics, rc.sqsQueues,
		rc.sageMaker, rc.bedrockGuardrails, rc.bedrockKnowledgeBases, rc.bedrockAgents,
		rc.agentCoreRuntimes,
	}
	for _, region := range a.Regions {
		rc.region = region
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
	}
	return nil
}

// resourceCollector carries what one account's services share while they are
// read: the instance-profile to role map, security groups by ID and the
// node IDs of instances and network interfaces.
type resourceCollector struct {
	a       *AccountData
	snap    *inventory.Snapshot
	account string
	region  string

	profiles   map[string][]string       // instance profile ARN or name -> role ARNs
	sgs        map[string]*securityGroup // region/sg-id -> group
	instanceOf map[string]string         // region/i-id -> node ID
	eniOwner   map[string]string         // region/eni-id -> node ID of what it serves
}

// read decodes <region>/<call>.json; found is false when the file is absent.
func (rc *resourceCollector) read(call string, v any) (bool, error) {
	return rc.a.Read(rc.region, call, v)
}

// readParam decodes <region>/<call>/<param> (the parameter URL-encoded as
// CloudMapper writes it; calls with two parameters nest a folder per first
// parameter); found is false when the file is absent.
func (rc *resourceCollector) readParam(call, param string, v any, more ...string) (bool, error) {
	parts := []string{rc.a.Dir, rc.region, call, escapeParam(param)}
	for _, m := range more {
		parts = append(parts, escapeParam(m))
	}
	path := filepath.Join(parts...)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, DecodeJSON(path, data, v)
}

// escapeParam encodes a parameter value as a file name the way CloudMapper
// does (Python's urllib.parse.quote_plus with no safe characters).
func escapeParam(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// source names the file a node was read from, relative to the account
// folder's parent so that several accounts stay distinguishable.
func (rc *resourceCollector) source(call string, params ...string) string {
	p := filepath.Join(filepath.Base(rc.a.Dir), rc.region, call)
	if len(params) == 0 {
		return p + ".json"
	}
	for _, q := range params {
		p = filepath.Join(p, escapeParam(q))
	}
	return p
}

// arn builds an ARN in this account and region.
func (rc *resourceCollector) arn(service, resource string) string {
	return "arn:" + partitionOf(rc.region) + ":" + service + ":" + rc.region + ":" + rc.account + ":" + resource
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// add inserts a node of this account and region.
func (rc *resourceCollector) add(id, kind, name, source string, tags map[string]string, props map[string]any) *inventory.Node {
	if old := rc.snap.Node(id); old != nil && old.Props["collected"] == false {
		delete(old.Props, "collected")
		old.Name = ""
	}
	return rc.snap.Add(&inventory.Node{
		ID: id, Kind: kind, Provider: "aws", Account: rc.account, Region: rc.region,
		Name: name, Tags: tags, Props: props, Source: source,
	})
}

// role makes sure a node exists for a role ARN an edge points at, so that
// the IAM collector's node (same ID) merges with it.
func (rc *resourceCollector) role(roleARN string) string {
	if roleARN == "" {
		return ""
	}
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	acct := ""
	if parts := strings.SplitN(roleARN, ":", 6); len(parts) == 6 {
		acct = parts[4]
	}
	rc.snap.Add(&inventory.Node{ID: roleARN, Kind: inventory.KindIAMRole, Provider: "aws", Account: acct, Name: name})
	return roleARN
}

// ref makes sure a node exists for a resource an edge points at that was
// not itself collected (a terminated instance, a key in another account);
// props.collected is false on such nodes.
func (rc *resourceCollector) ref(id, kind string) string {
	name := id[strings.LastIndexAny(id, "/:")+1:]
	if rc.snap.Node(id) == nil {
		rc.snap.Add(&inventory.Node{ID: id, Kind: kind, Provider: "aws", Account: rc.account, Region: rc.region,
			Name: name, Props: map[string]any{"collected": false}})
	}
	return id
}

// internet makes sure the internet node exists and returns its ID.
func (rc *resourceCollector) internet() string {
	rc.snap.Add(&inventory.Node{ID: inventory.InternetID, Kind: inventory.KindInternet, Name: "internet"})
	return inventory.InternetID
}

// awsTag is the {Key, Value} pair most AWS APIs use for tags.
type awsTag struct {
	Key   string
	Value string
}

func tagMap(tags []awsTag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// nameTag returns the Name tag, or fallback.
func nameTag(tags []awsTag, fallback string) string {
	for _, t := range tags {
		if t.Key == "Name" && t.Value != "" {
			return t.Value
		}
	}
	return fallback
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// iamRoles adds a node per role of get-account-authorization-details and
// records instance profiles, so instances can be joined to their role.
func (rc *resourceCollector) iamRoles() error {
	var details struct {
		RoleDetailList []struct {
			Arn                 string
			RoleName            string
			Path                string
			InstanceProfileList []struct {
				Arn                 string
				InstanceProfileName string
			}
			Tags []awsTag
		}
	}
	ok, err := rc.read("iam-get-account-authorization-details", &details)
	if err != nil {
		return err
	}
	if ok {
		src := rc.source("iam-get-account-authorization-details")
		for _, r := range details.RoleDetailList {
			rc.snap.Add(&inventory.Node{
				ID: r.Arn, Kind: inventory.KindIAMRole, Provider: "aws", Account: rc.account,
				Name: r.RoleName, Tags: tagMap(r.Tags), Source: src,
				Props: map[string]any{"path": r.Path},
			})
			for _, p := range r.InstanceProfileList {
				rc.profiles[p.Arn] = append(rc.profiles[p.Arn], r.Arn)
				rc.profiles[p.InstanceProfileName] = append(rc.profiles[p.InstanceProfileName], r.Arn)
			}
		}
	}
	var list struct {
		InstanceProfiles []struct {
			Arn                 string
			InstanceProfileName string
			Roles               []struct{ Arn string }
		}
	}
	ok, err = rc.read("iam-list-instance-profiles", &list)
	if err != nil || !ok {
		return err
	}
	for _, p := range list.InstanceProfiles {
		for _, r := range p.Roles {
			rc.profiles[p.Arn] = appendUnique(rc.profiles[p.Arn], r.Arn)
			rc.profiles[p.InstanceProfileName] = appendUnique(rc.profiles[p.InstanceProfileName], r.Arn)
		}
	}
	return nil
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// rolesOfProfile resolves an instance profile ARN to its roles: from the IAM
// listings when present, else by the convention that the console names the
// profile after its role.
func (rc *resourceCollector) rolesOfProfile(profileARN string) (roles []string, how string) {
	if r := rc.profiles[profileARN]; len(r) > 0 {
		return r, "instance_profile_list"
	}
	name := profileARN[strings.LastIndex(profileARN, "/")+1:]
	if r := rc.profiles[name]; len(r) > 0 {
		return r, "instance_profile_list"
	}
	acct := rc.account
	if parts := strings.SplitN(profileARN, ":", 6); len(parts) == 6 && parts[4] != "" {
		acct = parts[4]
	}
	return []string{"arn:" + partitionOf(rc.region) + ":iam::" + acct + ":role/" + name}, "profile_name"
}

// publicAccess is what a resource policy grants to anyone: the actions and
// the statements (as evidence) that allow them to Principal "*" with no
// Condition.
type publicAccess struct {
	Read, Write bool
	Actions     []string
	Statements  []map[string]any
}

// publicGrants parses a resource policy document with iam.ParsePolicy and
// reports what it allows anyone to do unconditionally: Allow statements
// whose Principal is "*" (or {"AWS": "*"}, {"CanonicalUser": "*"}) and that
// have no Condition. It is a deliberately simple reading; internal/iam
// evaluates policies exactly. name is used in errors.
func publicGrants(name, doc string) (publicAccess, error) {
	var pa publicAccess
	if strings.TrimSpace(doc) == "" {
		return pa, nil
	}
	p, err := iam.ParsePolicy([]byte(doc))
	if err != nil {
		return pa, fmt.Errorf("%s: policy document: %w", name, err)
	}
	for _, s := range p.Statements {
		if !s.Allow() || !principalIsAnyone(s.Principal) || len(s.Condition) > 0 {
			continue
		}
		actions := s.Action
		if len(s.NotAction) > 0 {
			actions = []string{"*"}
		}
		for _, act := range actions {
			r, w := actionAccess(act)
			pa.Read = pa.Read || r
			pa.Write = pa.Write || w
			pa.Actions = appendUnique(pa.Actions, act)
		}
		ev := map[string]any{"Effect": s.Effect, "Principal": s.Principal}
		if s.Sid != "" {
			ev["Sid"] = s.Sid
		}
		if len(s.Action) > 0 {
			ev["Action"] = s.Action
		}
		if len(s.NotAction) > 0 {
			ev["NotAction"] = s.NotAction
		}
		if len(s.Resource) > 0 {
			ev["Resource"] = s.Resource
		}
		if len(s.NotResource) > 0 {
			ev["NotResource"] = s.NotResource
		}
		pa.Statements = append(pa.Statements, ev)
	}
	return pa, nil
}

func principalIsAnyone(p map[string][]string) bool {
	for _, k := range []string{"*", "AWS", "CanonicalUser"} {
		for _, v := range p[k] {
			if v == "*" {
				return true
			}
		}
	}
	return false
}

// actionAccess classifies an action by its verb: read (Get, List, Describe,
// Receive, Subscribe, Query, Scan, ...), write (everything else), or both
// for wildcards.
func actionAccess(action string) (read, write bool) {
	verb := action
	if i := strings.IndexByte(action, ':'); i >= 0 {
		verb = action[i+1:]
	}
	if verb == "*" || verb == "" {
		return true, true
	}
	v := strings.ToLower(verb)
	for _, p := range []string{"get", "list", "describe", "receive", "subscribe", "query", "scan", "batchget", "batchcheck", "head", "select", "download", "retrieve", "search"} {
		if strings.HasPrefix(v, p) {
			return true, false
		}
	}
	return false, true
}

// setPublic records a resource policy's public grants in props and adds the
// internet -> resource can_read / can_write edges with the statements as
// evidence.
func (rc *resourceCollector) setPublic(id string, props map[string]any, pa publicAccess, via string) {
	if len(pa.Statements) == 0 {
		return
	}
	props["public_read"] = props["public_read"] == true || pa.Read
	props["public_write"] = props["public_write"] == true || pa.Write
	props["public_actions"] = pa.Actions
	props["public_statements"] = pa.Statements
	ev := map[string]any{"via": via, "statements": pa.Statements}
	if pa.Read {
		rc.snap.Connect(rc.internet(), id, inventory.EdgeCanRead, ev)
	}
	if pa.Write {
		rc.snap.Connect(rc.internet(), id, inventory.EdgeCanWrite, ev)
	}
}
