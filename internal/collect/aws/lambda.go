package aws

import (
	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// lambdaFunctions reads functions with their execution role, network,
// environment (names kept; values only inspected for AI keys and endpoints,
// never stored), function URL and resource policy.
func (rc *resourceCollector) lambdaFunctions() error {
	var out struct {
		Functions []struct {
			FunctionName string
			FunctionArn  string
			Runtime      string
			Handler      string
			Role         string
			PackageType  string
			Description  string
			Environment  *struct {
				Variables map[string]string
			}
			VpcConfig *struct {
				SubnetIds        []string
				SecurityGroupIds []string
				VpcId            string
			}
			Layers    []struct{ Arn string }
			KMSKeyArn string
		}
	}
	ok, err := rc.read("lambda-list-functions", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("lambda-list-functions")
	for _, f := range out.Functions {
		id := f.FunctionArn
		props := map[string]any{
			"function_name": f.FunctionName, "runtime": f.Runtime, "handler": f.Handler,
			"role": f.Role, "package_type": f.PackageType,
		}
		if f.Description != "" {
			props["description"] = f.Description
		}
		var layers []string
		for _, l := range f.Layers {
			layers = append(layers, l.Arn)
		}
		if layers != nil {
			props["layers"] = layers
		}
		if f.Environment != nil {
			var facts []aibom.EnvFact
			for _, name := range sortedKeys(f.Environment.Variables) {
				facts = append(facts, aibom.InspectEnv(name, f.Environment.Variables[name]))
			}
			aibom.EnvProps(props, "", facts)
		}
		var groups, subnets []string
		if v := f.VpcConfig; v != nil {
			groups, subnets = v.SecurityGroupIds, v.SubnetIds
			if v.VpcId != "" {
				props["vpc"] = v.VpcId
			}
		}

		var tags struct{ Tags map[string]string }
		if _, err := rc.readParam("lambda-list-tags", f.FunctionArn, &tags); err != nil {
			return err
		}
		n := rc.add(id, inventory.KindLambdaFunction, f.FunctionName, src, tags.Tags, props)
		rc.attachNetwork(id, groups, subnets)
		if len(groups) == 0 {
			// Outside a VPC a function reaches the internet directly.
			n.Props["egress_internet"] = true
			n.Props["egress_rule"] = "function outside a VPC"
		} else {
			rc.markEgress(n, groups)
		}
		if f.Role != "" {
			rc.snap.Connect(id, rc.role(f.Role), inventory.EdgeRunsAs, map[string]any{"field": "Role"})
		}
		if f.KMSKeyArn != "" {
			rc.snap.Connect(id, rc.ref(f.KMSKeyArn, inventory.KindKMSKey), inventory.EdgeEncryptedBy, nil)
		}

		// Function URLs: CloudMapper's call name, then the AWS CLI's.
		var urls struct {
			FunctionUrlConfigs []struct{ FunctionUrl, AuthType string }
		}
		if _, err := rc.readParam("lambda-list-function-url-configs", f.FunctionName, &urls); err != nil {
			return err
		}
		var one struct{ FunctionUrl, AuthType string }
		if ok, err := rc.readParam("lambda-get-function-url-config", f.FunctionName, &one); err != nil {
			return err
		} else if ok && one.FunctionUrl != "" {
			urls.FunctionUrlConfigs = append(urls.FunctionUrlConfigs, one)
		}
		for _, u := range urls.FunctionUrlConfigs {
			n.Props["function_url"] = u.FunctionUrl
			n.Props["function_url_auth"] = u.AuthType
			if u.AuthType == "NONE" {
				n.Props["internet_reachable"] = true
				rc.snap.Connect(rc.internet(), id, inventory.EdgeReaches, map[string]any{
					"function_url": u.FunctionUrl, "auth_type": u.AuthType,
				})
			}
		}

		var pol struct{ Policy string }
		if ok, err := rc.readParam("lambda-get-policy", f.FunctionName, &pol); err != nil {
			return err
		} else if ok {
			n.Props["policy"] = pol.Policy
			pa, err := publicGrants(rc.source("lambda-get-policy", f.FunctionName), pol.Policy)
			if err != nil {
				return err
			}
			if len(pa.Statements) > 0 {
				n.Props["public_invoke"] = true
				n.Props["public_statements"] = pa.Statements
				rc.snap.Connect(rc.internet(), id, inventory.EdgeReaches, map[string]any{
					"via": "resource_policy", "statements": pa.Statements,
				})
			}
		}
	}
	return nil
}
