package aws

import (
	"fmt"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// securityGroup keeps what exposure decisions need of a group: its node ID
// and the ingress rules open to the whole internet.
type securityGroup struct {
	id     string
	name   string
	open   []map[string]any // each: protocol, from_port, to_port, cidr
	egress string           // the rule allowing all egress to the internet, or ""
}

// ipPermission is one rule of describe-security-groups.
type ipPermission struct {
	IpProtocol       string
	FromPort         *int
	ToPort           *int
	IpRanges         []struct{ CidrIp, Description string }
	Ipv6Ranges       []struct{ CidrIpv6, Description string }
	UserIdGroupPairs []struct {
		GroupId string
		UserId  string
	}
	PrefixListIds []struct{ PrefixListId string }
}

func (p ipPermission) rule(source string) map[string]any {
	r := map[string]any{"protocol": protocolName(p.IpProtocol), "source": source}
	if p.FromPort != nil {
		r["from_port"] = *p.FromPort
	}
	if p.ToPort != nil {
		r["to_port"] = *p.ToPort
	}
	r["ports"] = portRange(p)
	return r
}

func protocolName(p string) string {
	switch p {
	case "-1":
		return "all"
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "1":
		return "icmp"
	}
	return strings.ToLower(p)
}

// portRange renders a rule's ports as "tcp/443", "tcp/1024-2048" or "all".
func portRange(p ipPermission) string {
	proto := protocolName(p.IpProtocol)
	if proto == "all" || p.FromPort == nil || (*p.FromPort == 0 && p.ToPort != nil && *p.ToPort == 65535) || (*p.FromPort == -1) {
		if proto == "all" {
			return "all"
		}
		return proto + "/all"
	}
	if p.ToPort == nil || *p.ToPort == *p.FromPort {
		return fmt.Sprintf("%s/%d", proto, *p.FromPort)
	}
	return fmt.Sprintf("%s/%d-%d", proto, *p.FromPort, *p.ToPort)
}

func (rc *resourceCollector) sgID(groupID string) string {
	return rc.arn("ec2", "security-group/"+groupID)
}

func (rc *resourceCollector) securityGroups() error {
	var out struct {
		SecurityGroups []struct {
			GroupId             string
			GroupName           string
			Description         string
			VpcId               string
			OwnerId             string
			IpPermissions       []ipPermission
			IpPermissionsEgress []ipPermission
			Tags                []awsTag
		}
	}
	ok, err := rc.read("ec2-describe-security-groups", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("ec2-describe-security-groups")
	for _, g := range out.SecurityGroups {
		sg := &securityGroup{id: rc.sgID(g.GroupId), name: g.GroupName}
		var ingress []map[string]any
		var ports []string
		for _, p := range g.IpPermissions {
			for _, r := range p.IpRanges {
				rule := p.rule(r.CidrIp)
				ingress = append(ingress, rule)
				if r.CidrIp == "0.0.0.0/0" {
					sg.open = append(sg.open, rule)
					ports = appendUnique(ports, portRange(p))
				}
			}
			for _, r := range p.Ipv6Ranges {
				rule := p.rule(r.CidrIpv6)
				ingress = append(ingress, rule)
				if r.CidrIpv6 == "::/0" {
					sg.open = append(sg.open, rule)
					ports = appendUnique(ports, portRange(p))
				}
			}
			for _, pair := range p.UserIdGroupPairs {
				ingress = append(ingress, p.rule(pair.GroupId))
			}
			for _, pl := range p.PrefixListIds {
				ingress = append(ingress, p.rule(pl.PrefixListId))
			}
		}
		egressOpen := false
		for _, p := range g.IpPermissionsEgress {
			for _, r := range p.IpRanges {
				if r.CidrIp == "0.0.0.0/0" && protocolName(p.IpProtocol) == "all" {
					egressOpen = true
					sg.egress = g.GroupId + " egress all to 0.0.0.0/0"
				}
			}
			for _, r := range p.Ipv6Ranges {
				if r.CidrIpv6 == "::/0" && protocolName(p.IpProtocol) == "all" && !egressOpen {
					egressOpen = true
					sg.egress = g.GroupId + " egress all to ::/0"
				}
			}
		}
		props := map[string]any{
			"group_id":            g.GroupId,
			"vpc":                 g.VpcId,
			"description":         g.Description,
			"ingress":             ingress,
			"open_to_internet":    len(sg.open) > 0,
			"egress_unrestricted": egressOpen,
		}
		if len(sg.open) > 0 {
			props["open_ingress"] = sg.open
			props["open_ports"] = ports
		}
		rc.add(sg.id, inventory.KindSecurityGroup, g.GroupName, src, tagMap(g.Tags), props)
		rc.sgs[rc.region+"/"+g.GroupId] = sg
		if g.VpcId != "" {
			rc.snap.Connect(sg.id, rc.arn("ec2", "vpc/"+g.VpcId), inventory.EdgeInNetwork, nil)
		}
	}
	return nil
}

// openRules returns the internet-open ingress rules of the given groups,
// each with the group it belongs to.
func (rc *resourceCollector) openRules(groupIDs []string) []map[string]any {
	var out []map[string]any
	for _, g := range groupIDs {
		sg := rc.sgs[rc.region+"/"+g]
		if sg == nil {
			continue
		}
		for _, r := range sg.open {
			e := map[string]any{"security_group": g, "security_group_name": sg.name}
			for k, v := range r {
				e[k] = v
			}
			out = append(out, e)
		}
	}
	return out
}

// markEgress records on a compute node whether its security groups let it
// send anything anywhere (props.egress_internet, props.egress_rule). Without
// collected groups nothing is recorded.
func (rc *resourceCollector) markEgress(n *inventory.Node, groupIDs []string) {
	known := false
	for _, g := range groupIDs {
		sg := rc.sgs[rc.region+"/"+g]
		if sg == nil {
			continue
		}
		known = true
		if sg.egress != "" {
			n.Props["egress_internet"] = true
			n.Props["egress_rule"] = sg.egress
			return
		}
	}
	if known {
		n.Props["egress_internet"] = false
	}
}

// attachNetwork connects compute to its security groups and subnets.
func (rc *resourceCollector) attachNetwork(id string, groupIDs, subnetIDs []string) {
	for _, g := range groupIDs {
		rc.snap.Connect(id, rc.ref(rc.sgID(g), inventory.KindSecurityGroup), inventory.EdgeInNetwork, nil)
	}
	for _, s := range subnetIDs {
		if s != "" {
			rc.snap.Connect(id, rc.ref(rc.arn("ec2", "subnet/"+s), inventory.KindSubnet), inventory.EdgeInNetwork, nil)
		}
	}
}

func (rc *resourceCollector) networks() error {
	var vpcs struct {
		Vpcs []struct {
			VpcId     string
			CidrBlock string
			IsDefault bool
			State     string
			Tags      []awsTag
		}
	}
	ok, err := rc.read("ec2-describe-vpcs", &vpcs)
	if err != nil {
		return err
	}
	if ok {
		src := rc.source("ec2-describe-vpcs")
		for _, v := range vpcs.Vpcs {
			rc.add(rc.arn("ec2", "vpc/"+v.VpcId), inventory.KindVPC, nameTag(v.Tags, v.VpcId), src, tagMap(v.Tags),
				map[string]any{"vpc_id": v.VpcId, "cidr": v.CidrBlock, "default": v.IsDefault})
		}
	}

	// Route tables decide which subnets are public: a route to an internet
	// gateway makes them so.
	var rts struct {
		RouteTables []struct {
			RouteTableId string
			VpcId        string
			Routes       []struct {
				DestinationCidrBlock     string
				DestinationIpv6CidrBlock string
				GatewayId                string
				NatGatewayId             string
				State                    string
			}
			Associations []struct {
				SubnetId string
				Main     bool
			}
			Tags []awsTag
		}
	}
	publicSubnet := map[string]string{} // subnet -> igw
	explicit := map[string]bool{}       // subnets with their own table
	mainPublic := map[string]string{}   // vpc -> igw, when the main table routes to one
	ok, err = rc.read("ec2-describe-route-tables", &rts)
	if err != nil {
		return err
	}
	if ok {
		src := rc.source("ec2-describe-route-tables")
		for _, t := range rts.RouteTables {
			var routes []map[string]any
			igw := ""
			for _, r := range t.Routes {
				dst := r.DestinationCidrBlock
				if dst == "" {
					dst = r.DestinationIpv6CidrBlock
				}
				target := r.GatewayId
				if r.NatGatewayId != "" {
					target = r.NatGatewayId
				}
				routes = append(routes, map[string]any{"destination": dst, "target": target})
				if strings.HasPrefix(r.GatewayId, "igw-") && (dst == "0.0.0.0/0" || dst == "::/0") && r.State != "blackhole" {
					igw = r.GatewayId
				}
			}
			id := rc.arn("ec2", "route-table/"+t.RouteTableId)
			var subnets []string
			for _, a := range t.Associations {
				if a.SubnetId != "" {
					explicit[a.SubnetId] = true
					subnets = append(subnets, a.SubnetId)
					if igw != "" {
						publicSubnet[a.SubnetId] = igw
					}
				}
				if a.Main && igw != "" {
					mainPublic[t.VpcId] = igw
				}
			}
			rc.add(id, inventory.KindRouteTable, nameTag(t.Tags, t.RouteTableId), src, tagMap(t.Tags),
				map[string]any{"route_table_id": t.RouteTableId, "vpc": t.VpcId, "routes": routes, "subnets": subnets, "internet_gateway": igw})
			if t.VpcId != "" {
				rc.snap.Connect(id, rc.arn("ec2", "vpc/"+t.VpcId), inventory.EdgeInNetwork, nil)
			}
		}
	}

	var subnets struct {
		Subnets []struct {
			SubnetId            string
			VpcId               string
			CidrBlock           string
			AvailabilityZone    string
			MapPublicIpOnLaunch bool
			Tags                []awsTag
		}
	}
	ok, err = rc.read("ec2-describe-subnets", &subnets)
	if err != nil {
		return err
	}
	if ok {
		src := rc.source("ec2-describe-subnets")
		for _, s := range subnets.Subnets {
			id := rc.arn("ec2", "subnet/"+s.SubnetId)
			props := map[string]any{
				"subnet_id": s.SubnetId, "vpc": s.VpcId, "cidr": s.CidrBlock,
				"availability_zone": s.AvailabilityZone, "map_public_ip_on_launch": s.MapPublicIpOnLaunch,
			}
			igw, routed := publicSubnet[s.SubnetId]
			if !routed && !explicit[s.SubnetId] {
				igw, routed = mainPublic[s.VpcId]
			}
			if rts.RouteTables != nil {
				props["internet_routed"] = routed
				if routed {
					props["internet_gateway"] = igw
				}
			}
			rc.add(id, inventory.KindSubnet, nameTag(s.Tags, s.SubnetId), src, tagMap(s.Tags), props)
			if s.VpcId != "" {
				rc.snap.Connect(id, rc.arn("ec2", "vpc/"+s.VpcId), inventory.EdgeInNetwork, nil)
			}
		}
	}

	var igws struct {
		InternetGateways []struct {
			InternetGatewayId string
			Attachments       []struct{ VpcId, State string }
			Tags              []awsTag
		}
	}
	ok, err = rc.read("ec2-describe-internet-gateways", &igws)
	if err != nil {
		return err
	}
	if ok {
		src := rc.source("ec2-describe-internet-gateways")
		for _, g := range igws.InternetGateways {
			id := rc.arn("ec2", "internet-gateway/"+g.InternetGatewayId)
			var vpcs []string
			for _, a := range g.Attachments {
				vpcs = append(vpcs, a.VpcId)
				rc.snap.Connect(id, rc.arn("ec2", "vpc/"+a.VpcId), inventory.EdgeInNetwork, nil)
			}
			rc.add(id, inventory.KindInternetGateway, nameTag(g.Tags, g.InternetGatewayId), src, tagMap(g.Tags),
				map[string]any{"internet_gateway_id": g.InternetGatewayId, "vpcs": vpcs})
		}
	}

	var nats struct {
		NatGateways []struct {
			NatGatewayId        string
			VpcId               string
			SubnetId            string
			State               string
			ConnectivityType    string
			NatGatewayAddresses []struct{ PublicIp, PrivateIp, NetworkInterfaceId string }
			Tags                []awsTag
		}
	}
	ok, err = rc.read("ec2-describe-nat-gateways", &nats)
	if err != nil {
		return err
	}
	if ok {
		src := rc.source("ec2-describe-nat-gateways")
		for _, n := range nats.NatGateways {
			id := rc.arn("ec2", "natgateway/"+n.NatGatewayId)
			var ips []string
			for _, a := range n.NatGatewayAddresses {
				if a.PublicIp != "" {
					ips = append(ips, a.PublicIp)
				}
			}
			rc.add(id, inventory.KindNATGateway, nameTag(n.Tags, n.NatGatewayId), src, tagMap(n.Tags),
				map[string]any{"nat_gateway_id": n.NatGatewayId, "vpc": n.VpcId, "subnet": n.SubnetId,
					"state": n.State, "connectivity_type": n.ConnectivityType, "public_ips": ips})
			if n.SubnetId != "" {
				rc.snap.Connect(id, rc.arn("ec2", "subnet/"+n.SubnetId), inventory.EdgeInNetwork, nil)
			}
		}
	}
	return nil
}

// networkInterfaces adds every ENI, with its public IP; an ENI with a public
// IP behind an internet-open group is reachable from the internet.
func (rc *resourceCollector) networkInterfaces() error {
	var out struct {
		NetworkInterfaces []struct {
			NetworkInterfaceId string
			Description        string
			InterfaceType      string
			SubnetId           string
			VpcId              string
			PrivateIpAddress   string
			RequesterManaged   bool
			Association        *struct{ PublicIp, PublicDnsName string }
			Attachment         *struct{ InstanceId string }
			Groups             []struct{ GroupId, GroupName string }
			TagSet             []awsTag
		}
	}
	ok, err := rc.read("ec2-describe-network-interfaces", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("ec2-describe-network-interfaces")
	for _, n := range out.NetworkInterfaces {
		id := rc.arn("ec2", "network-interface/"+n.NetworkInterfaceId)
		var groups []string
		for _, g := range n.Groups {
			groups = append(groups, g.GroupId)
		}
		props := map[string]any{
			"network_interface_id": n.NetworkInterfaceId, "description": n.Description,
			"interface_type": n.InterfaceType, "subnet": n.SubnetId, "vpc": n.VpcId,
			"private_ip": n.PrivateIpAddress, "security_groups": groups, "requester_managed": n.RequesterManaged,
		}
		publicIP := ""
		if n.Association != nil && n.Association.PublicIp != "" {
			publicIP = n.Association.PublicIp
			props["public_ip"] = publicIP
		}
		if n.Attachment != nil && n.Attachment.InstanceId != "" {
			props["instance"] = n.Attachment.InstanceId
		}
		rc.add(id, inventory.KindNetworkInterface, nameTag(n.TagSet, n.NetworkInterfaceId), src, tagMap(n.TagSet), props)
		rc.attachNetwork(id, groups, []string{n.SubnetId})
		// The compute this ENI serves (an instance, an ECS task) is what the
		// internet reaches through it.
		target := id
		if owner := rc.eniOwner[rc.region+"/"+n.NetworkInterfaceId]; owner != "" {
			target = owner
			rc.snap.Connect(owner, id, inventory.EdgeInNetwork, nil)
			if on := rc.snap.Node(owner); on != nil && on.Kind == inventory.KindECSTask {
				rc.markEgress(on, groups)
				on.Props["security_groups"] = groups
				if publicIP != "" {
					on.Props["public_ip"] = publicIP
				}
			}
		}
		if publicIP != "" {
			if rules := rc.openRules(groups); len(rules) > 0 {
				rc.snap.Connect(rc.internet(), target, inventory.EdgeReaches, map[string]any{
					"public_ip": publicIP, "network_interface": n.NetworkInterfaceId, "rules": rules,
				})
			}
		}
	}
	return nil
}
