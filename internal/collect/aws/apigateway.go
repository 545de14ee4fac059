package aws

import (
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// lambdaFromIntegration extracts the function ARN from an API Gateway
// Lambda proxy integration URI
// (arn:aws:apigateway:<r>:lambda:path/2015-03-31/functions/<function-arn>/invocations),
// or returns the URI itself when it is a function ARN.
func lambdaFromIntegration(uri string) string {
	if strings.HasPrefix(uri, "arn:aws:lambda:") || strings.HasPrefix(uri, "arn:aws-cn:lambda:") || strings.HasPrefix(uri, "arn:aws-us-gov:lambda:") {
		return uri
	}
	i := strings.Index(uri, "/functions/")
	if i < 0 {
		return ""
	}
	fn := strings.TrimSuffix(uri[i+len("/functions/"):], "/invocations")
	if !strings.Contains(fn, ":lambda:") {
		return ""
	}
	return fn
}

// apiGateways reads REST APIs (apigateway) and HTTP/WebSocket APIs
// (apigatewayv2): endpoint type, resource policy, routes without
// authorization and Lambda integrations.
func (rc *resourceCollector) apiGateways() error {
	var rest struct {
		Items []struct {
			ID                    string `json:"id"`
			Name                  string `json:"name"`
			Policy                string `json:"policy"`
			DisableExecuteAPI     bool   `json:"disableExecuteApiEndpoint"`
			EndpointConfiguration struct {
				Types []string `json:"types"`
			} `json:"endpointConfiguration"`
			Tags map[string]string `json:"tags"`
		} `json:"items"`
	}
	ok, err := rc.read("apigateway-get-rest-apis", &rest)
	if err != nil {
		return err
	}
	if ok {
		src := rc.source("apigateway-get-rest-apis")
		for _, api := range rest.Items {
			id := "arn:" + partitionOf(rc.region) + ":apigateway:" + rc.region + "::/restapis/" + api.ID
			private := containsString(api.EndpointConfiguration.Types, "PRIVATE")
			props := map[string]any{
				"api_id": api.ID, "protocol": "REST", "endpoint_types": api.EndpointConfiguration.Types,
				"private": private, "execute_api_disabled": api.DisableExecuteAPI,
			}
			if api.Policy != "" {
				// API Gateway returns the policy JSON with its quotes escaped.
				props["policy"] = strings.ReplaceAll(api.Policy, `\"`, `"`)
			}
			var res struct {
				Items []struct {
					Path            string `json:"path"`
					ResourceMethods map[string]struct {
						AuthorizationType string `json:"authorizationType"`
						APIKeyRequired    bool   `json:"apiKeyRequired"`
						MethodIntegration *struct {
							Type string `json:"type"`
							URI  string `json:"uri"`
						} `json:"methodIntegration"`
					} `json:"resourceMethods"`
				} `json:"items"`
			}
			if _, err := rc.readParam("apigateway-get-resources", api.ID, &res); err != nil {
				return err
			}
			var open []string
			targets := map[string][]string{}
			for _, r := range res.Items {
				for _, m := range sortedKeys(r.ResourceMethods) {
					meth := r.ResourceMethods[m]
					route := m + " " + r.Path
					if meth.AuthorizationType == "NONE" && !meth.APIKeyRequired {
						open = append(open, route)
					}
					if meth.MethodIntegration != nil {
						if fn := lambdaFromIntegration(meth.MethodIntegration.URI); fn != "" {
							targets[fn] = append(targets[fn], route)
						}
					}
				}
			}
			if open != nil {
				props["unauthenticated_routes"] = open
			}
			n := rc.add(id, inventory.KindAPIGateway, api.Name, src, api.Tags, props)
			rc.routeAPI(n, targets, !private && !api.DisableExecuteAPI, open)
		}
	}

	var v2 struct {
		Items []struct {
			ApiId                     string
			Name                      string
			ProtocolType              string
			ApiEndpoint               string
			DisableExecuteApiEndpoint bool
			Tags                      map[string]string
		}
	}
	ok, err = rc.read("apigatewayv2-get-apis", &v2)
	if err != nil || !ok {
		return err
	}
	src := rc.source("apigatewayv2-get-apis")
	for _, api := range v2.Items {
		id := "arn:" + partitionOf(rc.region) + ":apigateway:" + rc.region + "::/apis/" + api.ApiId
		props := map[string]any{
			"api_id": api.ApiId, "protocol": api.ProtocolType, "api_endpoint": api.ApiEndpoint,
			"private": false, "execute_api_disabled": api.DisableExecuteApiEndpoint,
		}
		var routes struct {
			Items []struct {
				RouteKey          string
				AuthorizationType string
				Target            string
			}
		}
		if _, err := rc.readParam("apigatewayv2-get-routes", api.ApiId, &routes); err != nil {
			return err
		}
		var integ struct {
			Items []struct {
				IntegrationId  string
				IntegrationUri string
			}
		}
		if _, err := rc.readParam("apigatewayv2-get-integrations", api.ApiId, &integ); err != nil {
			return err
		}
		fnOf := map[string]string{}
		for _, it := range integ.Items {
			if fn := lambdaFromIntegration(it.IntegrationUri); fn != "" {
				fnOf["integrations/"+it.IntegrationId] = fn
			}
		}
		var open []string
		targets := map[string][]string{}
		for _, r := range routes.Items {
			if r.AuthorizationType == "" || r.AuthorizationType == "NONE" {
				open = append(open, r.RouteKey)
			}
			if fn := fnOf[r.Target]; fn != "" {
				targets[fn] = append(targets[fn], r.RouteKey)
			}
		}
		if open != nil {
			props["unauthenticated_routes"] = open
		}
		n := rc.add(id, inventory.KindAPIGateway, api.Name, src, api.Tags, props)
		rc.routeAPI(n, targets, !api.DisableExecuteApiEndpoint, open)
	}
	return nil
}

// routeAPI adds api -> function edges and, for a public endpoint, the
// internet -> api edge with the routes that need no authorization.
func (rc *resourceCollector) routeAPI(n *inventory.Node, targets map[string][]string, public bool, open []string) {
	fns := sortedKeys(targets)
	sort.Strings(fns)
	for _, fn := range fns {
		rc.snap.Connect(n.ID, rc.ref(fn, inventory.KindLambdaFunction), inventory.EdgeRoutesTo, map[string]any{"routes": targets[fn]})
	}
	if public {
		n.Props["internet_reachable"] = true
		ev := map[string]any{"endpoint_types": n.Props["endpoint_types"]}
		if open != nil {
			ev["unauthenticated_routes"] = open
		}
		rc.snap.Connect(rc.internet(), n.ID, inventory.EdgeReaches, ev)
	}
}
