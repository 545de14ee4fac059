package aws

import (
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// exposeLoadBalancer adds internet -> lb when the load balancer is
// internet-facing and its security groups let the internet in (a load
// balancer without security groups, like most NLBs, is open on its
// listeners).
func (rc *resourceCollector) exposeLoadBalancer(n *inventory.Node, scheme string, groups []string, listeners []map[string]any) {
	if scheme != "internet-facing" {
		return
	}
	ev := map[string]any{"scheme": scheme}
	if len(groups) > 0 {
		rules := rc.openRules(groups)
		if len(rules) == 0 {
			return
		}
		ev["rules"] = rules
	} else if len(listeners) > 0 {
		ev["listeners"] = listeners
	}
	n.Props["internet_reachable"] = true
	rc.snap.Connect(rc.internet(), n.ID, inventory.EdgeReaches, ev)
}

// loadBalancers reads classic load balancers and the instances behind them.
func (rc *resourceCollector) loadBalancers() error {
	var out struct {
		LoadBalancerDescriptions []struct {
			LoadBalancerName     string
			DNSName              string
			Scheme               string
			VPCId                string
			Subnets              []string
			SecurityGroups       []string
			Instances            []struct{ InstanceId string }
			ListenerDescriptions []struct {
				Listener struct {
					Protocol         string
					LoadBalancerPort int
					InstanceProtocol string
					InstancePort     int
				}
			}
		}
	}
	ok, err := rc.read("elb-describe-load-balancers", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("elb-describe-load-balancers")
	for _, lb := range out.LoadBalancerDescriptions {
		id := rc.arn("elasticloadbalancing", "loadbalancer/"+lb.LoadBalancerName)
		var listeners []map[string]any
		for _, l := range lb.ListenerDescriptions {
			listeners = append(listeners, map[string]any{
				"protocol": strings.ToUpper(l.Listener.Protocol), "port": l.Listener.LoadBalancerPort,
				"target_protocol": strings.ToUpper(l.Listener.InstanceProtocol), "target_port": l.Listener.InstancePort,
			})
		}
		var instances []string
		for _, i := range lb.Instances {
			instances = append(instances, i.InstanceId)
		}
		n := rc.add(id, inventory.KindLoadBalancer, lb.LoadBalancerName, src, nil, map[string]any{
			"type": "classic", "scheme": lb.Scheme, "internet_facing": lb.Scheme == "internet-facing",
			"dns_name": lb.DNSName, "vpc": lb.VPCId, "security_groups": lb.SecurityGroups,
			"subnets": lb.Subnets, "listeners": listeners, "instances": instances,
		})
		rc.attachNetwork(id, lb.SecurityGroups, lb.Subnets)
		for _, i := range lb.Instances {
			target := rc.instanceOf[rc.region+"/"+i.InstanceId]
			if target == "" {
				// Registered but not in describe-instances (terminated, or
				// not collected): keep the edge to the ARN it would have.
				target = rc.ref(rc.arn("ec2", "instance/"+i.InstanceId), inventory.KindEC2Instance)
			}
			rc.snap.Connect(id, target, inventory.EdgeRoutesTo, map[string]any{"listeners": listeners})
		}
		rc.exposeLoadBalancer(n, lb.Scheme, lb.SecurityGroups, listeners)
	}
	return nil
}

// loadBalancersV2 reads application, network and gateway load balancers,
// their listeners and the targets of their target groups.
func (rc *resourceCollector) loadBalancersV2() error {
	var out struct {
		LoadBalancers []struct {
			LoadBalancerArn   string
			LoadBalancerName  string
			DNSName           string
			Scheme            string
			Type              string
			VpcId             string
			IpAddressType     string
			SecurityGroups    []string
			AvailabilityZones []struct{ SubnetId, ZoneName string }
		}
	}
	ok, err := rc.read("elbv2-describe-load-balancers", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("elbv2-describe-load-balancers")

	// Target groups, and their registered targets, where collected.
	var tgs struct {
		TargetGroups []struct {
			TargetGroupArn   string
			TargetGroupName  string
			TargetType       string
			Protocol         string
			Port             int
			LoadBalancerArns []string
		}
	}
	if _, err := rc.read("elbv2-describe-target-groups", &tgs); err != nil {
		return err
	}

	for _, lb := range out.LoadBalancers {
		id := lb.LoadBalancerArn
		var subnets []string
		for _, z := range lb.AvailabilityZones {
			if z.SubnetId != "" {
				subnets = append(subnets, z.SubnetId)
			}
		}
		var ls struct {
			Listeners []struct {
				Protocol       string
				Port           int
				DefaultActions []struct{ Type, TargetGroupArn string }
			}
		}
		if _, err := rc.readParam("elbv2-describe-listeners", lb.LoadBalancerArn, &ls); err != nil {
			return err
		}
		var listeners []map[string]any
		for _, l := range ls.Listeners {
			listeners = append(listeners, map[string]any{"protocol": l.Protocol, "port": l.Port})
		}
		props := map[string]any{
			"type": lb.Type, "scheme": lb.Scheme, "internet_facing": lb.Scheme == "internet-facing",
			"dns_name": lb.DNSName, "vpc": lb.VpcId, "security_groups": lb.SecurityGroups,
			"subnets": subnets, "ip_address_type": lb.IpAddressType,
		}
		if listeners != nil {
			props["listeners"] = listeners
		}
		n := rc.add(id, inventory.KindLoadBalancer, lb.LoadBalancerName, src, nil, props)
		rc.attachNetwork(id, lb.SecurityGroups, subnets)

		for _, tg := range tgs.TargetGroups {
			if !containsString(tg.LoadBalancerArns, lb.LoadBalancerArn) {
				continue
			}
			var health struct {
				TargetHealthDescriptions []struct {
					Target struct {
						Id   string
						Port int
					}
				}
			}
			if _, err := rc.readParam("elbv2-describe-target-health", tg.TargetGroupArn, &health); err != nil {
				return err
			}
			for _, th := range health.TargetHealthDescriptions {
				var target string
				switch tg.TargetType {
				case "instance", "":
					target = rc.instanceOf[rc.region+"/"+th.Target.Id]
					if target == "" {
						target = rc.ref(rc.arn("ec2", "instance/"+th.Target.Id), inventory.KindEC2Instance)
					}
				case "lambda":
					target = rc.ref(th.Target.Id, inventory.KindLambdaFunction)
				case "alb":
					target = rc.ref(th.Target.Id, inventory.KindLoadBalancer)
				default:
					continue // IP targets name no resource
				}
				rc.snap.Connect(id, target, inventory.EdgeRoutesTo, map[string]any{
					"target_group": tg.TargetGroupArn, "port": th.Target.Port, "protocol": tg.Protocol,
				})
			}
		}
		rc.exposeLoadBalancer(n, lb.Scheme, lb.SecurityGroups, listeners)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
