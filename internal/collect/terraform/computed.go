package terraform

import (
	"strings"

	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
)

// computedAttrs fills the attributes the AWS provider computes when it
// creates a resource (arn, id, ...) from the attributes the configuration
// sets, so that references to them keep every known part: the ARN of a role
// named "agent" is "arn:aws:iam::<unknown>:role/agent". An attribute already
// known in v is left alone. The account is never known before apply.
func computedAttrs(typ, addr string, v map[string]any, region string) {
	known := func(k string) bool {
		s, isStr := v[k].(string)
		return v[k] != nil && (!isStr || !pureUnknown(s))
	}
	set := func(k, val string) {
		if !known(k) {
			v[k] = val
		}
	}
	name := func(k string) string {
		if s, ok := v[k].(string); ok && s != "" {
			return s
		}
		if s, ok := v[k+"_prefix"].(string); ok && s != "" && !IsUnknown(s) {
			return s + Unknown
		}
		return unknownRef(addr + "." + k)
	}
	reg := region
	if reg == "" {
		reg = Unknown
	}
	part := collectaws.Partition(region)
	iamPath := func() string {
		p, _ := v["path"].(string)
		if p == "" {
			p = "/"
		}
		return p
	}
	switch typ {
	case "aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_instance_profile":
		n := name("name")
		set("name", n)
		set("id", n)
		kind := strings.TrimPrefix(typ, "aws_iam_")
		kind = strings.ReplaceAll(kind, "_", "-")
		set("arn", "arn:"+part+":iam::"+Unknown+":"+kind+iamPath()+n)
	case "aws_iam_policy":
		n := name("name")
		set("name", n)
		set("arn", "arn:"+part+":iam::"+Unknown+":policy"+iamPath()+n)
		set("id", str(v["arn"]))
	case "aws_s3_bucket":
		n := name("bucket")
		set("bucket", n)
		set("id", n)
		set("arn", "arn:"+part+":s3:::"+n)
	case "aws_lambda_function":
		n := name("function_name")
		set("function_name", n)
		set("id", n)
		set("arn", "arn:"+part+":lambda:"+reg+":"+Unknown+":function:"+n)
		if v["package_type"] == nil {
			v["package_type"] = "Zip" // the provider's default
		}
	case "aws_eks_cluster":
		n := name("name")
		set("id", n)
		set("arn", "arn:"+part+":eks:"+reg+":"+Unknown+":cluster/"+n)
	case "aws_sagemaker_notebook_instance":
		n := name("name")
		set("id", n)
		set("arn", "arn:"+part+":sagemaker:"+reg+":"+Unknown+":notebook-instance/"+strings.ToLower(n))
		for k, def := range map[string]string{"root_access": "Enabled", "direct_internet_access": "Enabled"} { // the provider's defaults
			if v[k] == nil {
				v[k] = def
			}
		}
	case "aws_sagemaker_endpoint":
		n := name("name")
		set("id", n)
		set("arn", "arn:"+part+":sagemaker:"+reg+":"+Unknown+":endpoint/"+strings.ToLower(n))
	case "aws_sagemaker_model":
		n := name("name")
		set("id", n)
		set("arn", "arn:"+part+":sagemaker:"+reg+":"+Unknown+":model/"+strings.ToLower(n))
	case "aws_autoscaling_group":
		n := name("name")
		set("id", n)
	case "aws_db_instance":
		n := name("identifier")
		set("identifier", n)
		set("arn", "arn:"+part+":rds:"+reg+":"+Unknown+":db:"+n)
	case "aws_dynamodb_table":
		n := name("name")
		set("id", n)
		set("arn", "arn:"+part+":dynamodb:"+reg+":"+Unknown+":table/"+n)
	case "aws_sqs_queue":
		n := name("name")
		set("arn", "arn:"+part+":sqs:"+reg+":"+Unknown+":"+n)
		set("url", unknownRef(addr+".url"))
		set("id", str(v["url"]))
	case "aws_sns_topic":
		n := name("name")
		set("arn", "arn:"+part+":sns:"+reg+":"+Unknown+":"+n)
		set("id", str(v["arn"]))
	case "aws_ecr_repository":
		n := name("name")
		set("id", n)
		set("arn", "arn:"+part+":ecr:"+reg+":"+Unknown+":repository/"+n)
	case "aws_secretsmanager_secret", "aws_kms_key":
		set("id", unknownRef(addr+".id"))
		set("arn", unknownRef(addr+".arn"))
	case "aws_launch_template", "aws_instance", "aws_security_group":
		set("id", unknownRef(addr+".id"))
	}
}
