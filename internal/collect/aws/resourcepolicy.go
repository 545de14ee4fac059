package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/parapet-sec/parapet/internal/iam"
)

// resourcePolicyCall describes one per-resource call of CloudMapper's
// account-data layout that holds a resource-based policy: where the policy
// is in the response and how the file's parameter maps to the resource ARN.
type resourcePolicyCall struct {
	call string
	// extract returns the policy document (as JSON text, possibly empty
	// when the resource has none), the JSON path it came from, and the
	// resource ARN.
	extract func(a *AccountData, region, param string, body map[string]json.RawMessage) (doc, path, arn string, err error)
}

func stringField(body map[string]json.RawMessage, key string) (string, error) {
	raw, ok := body[key]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s: not a string", key)
	}
	return s, nil
}

func attributes(body map[string]json.RawMessage) (map[string]string, error) {
	raw, ok := body["Attributes"]
	if !ok {
		return nil, nil
	}
	var attrs map[string]string
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, fmt.Errorf("field Attributes: not an object of strings")
	}
	return attrs, nil
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

var resourcePolicyCalls = []resourcePolicyCall{
	{"s3-get-bucket-policy", func(a *AccountData, region, bucket string, body map[string]json.RawMessage) (string, string, string, error) {
		doc, err := stringField(body, "Policy")
		return doc, "Policy", "arn:" + partition(region) + ":s3:::" + bucket, err
	}},
	{"kms-get-key-policy", func(a *AccountData, region, key string, body map[string]json.RawMessage) (string, string, string, error) {
		doc, err := stringField(body, "Policy")
		arn := key
		if !strings.HasPrefix(key, "arn:") {
			arn = "arn:" + partition(region) + ":kms:" + region + ":" + a.Account + ":key/" + key
		}
		return doc, "Policy", arn, err
	}},
	{"lambda-get-policy", func(a *AccountData, region, fn string, body map[string]json.RawMessage) (string, string, string, error) {
		doc, err := stringField(body, "Policy")
		arn := fn
		if !strings.HasPrefix(fn, "arn:") {
			arn = "arn:" + partition(region) + ":lambda:" + region + ":" + a.Account + ":function:" + fn
		}
		return doc, "Policy", arn, err
	}},
	{"sqs-get-queue-attributes", func(a *AccountData, region, queueURL string, body map[string]json.RawMessage) (string, string, string, error) {
		attrs, err := attributes(body)
		if err != nil {
			return "", "", "", err
		}
		arn := attrs["QueueArn"]
		if arn == "" {
			// https://sqs.REGION.amazonaws.com/ACCOUNT/NAME
			u, err := url.Parse(queueURL)
			if err != nil {
				return "", "", "", fmt.Errorf("queue URL %q: %v", queueURL, err)
			}
			parts := strings.Split(strings.Trim(u.Path, "/"), "/")
			if len(parts) != 2 {
				return "", "", "", fmt.Errorf("queue URL %q: want https://host/ACCOUNT/NAME", queueURL)
			}
			arn = "arn:" + partition(region) + ":sqs:" + region + ":" + parts[0] + ":" + parts[1]
		}
		return attrs["Policy"], "Attributes.Policy", arn, nil
	}},
	{"sns-get-topic-attributes", func(a *AccountData, region, topicARN string, body map[string]json.RawMessage) (string, string, string, error) {
		attrs, err := attributes(body)
		if err != nil {
			return "", "", "", err
		}
		arn := attrs["TopicArn"]
		if arn == "" {
			arn = topicARN
		}
		return attrs["Policy"], "Attributes.Policy", arn, nil
	}},
	{"secretsmanager-get-resource-policy", func(a *AccountData, region, id string, body map[string]json.RawMessage) (string, string, string, error) {
		doc, err := stringField(body, "ResourcePolicy")
		if err != nil {
			return "", "", "", err
		}
		arn, err := stringField(body, "ARN")
		if arn == "" {
			arn = id
		}
		return doc, "ResourcePolicy", arn, err
	}},
	{"ecr-get-repository-policy", func(a *AccountData, region, repo string, body map[string]json.RawMessage) (string, string, string, error) {
		doc, err := stringField(body, "policyText")
		if err != nil {
			return "", "", "", err
		}
		registry, _ := stringField(body, "registryId")
		if registry == "" {
			registry = a.Account
		}
		name, _ := stringField(body, "repositoryName")
		if name == "" {
			name = repo
		}
		return doc, "policyText", "arn:" + partition(region) + ":ecr:" + region + ":" + registry + ":repository/" + name, nil
	}},
}

// LoadResourcePolicies reads the resource-based policies of one account in
// CloudMapper's account-data layout (S3 bucket, KMS key, Lambda function,
// SQS queue, SNS topic, Secrets Manager secret and ECR repository policies)
// into m, keyed by the resource ARN. A malformed policy is an error naming
// the file and the JSON path.
func LoadResourcePolicies(a *AccountData, m *iam.Model) error {
	// Buckets' ARNs do not name their account: record the owner of every
	// bucket listed, so that access to them is judged same- or
	// cross-account correctly.
	if a.Account != "" {
		for _, region := range a.Regions {
			var list struct {
				Buckets []struct {
					Name string `json:"Name"`
				} `json:"Buckets"`
			}
			ok, err := a.Read(region, "s3-list-buckets", &list)
			if err != nil {
				return err
			}
			for _, b := range list.Buckets {
				m.SetResourceOwner("arn:"+partition(region)+":s3:::"+b.Name, a.Account)
			}
			if ok {
				break
			}
		}
	}
	for _, region := range a.Regions {
		for _, rc := range resourcePolicyCalls {
			err := a.ReadEach(region, rc.call, func(param, path string, data []byte) error {
				var body map[string]json.RawMessage
				if err := DecodeJSON(path, data, &body); err != nil {
					return err
				}
				doc, field, arn, err := rc.extract(a, region, param, body)
				if err != nil {
					return fmt.Errorf("%s: %v", path, err)
				}
				if strings.TrimSpace(doc) == "" {
					return nil
				}
				pol, err := iam.ParsePolicy([]byte(doc))
				if err != nil {
					var pe *iam.PolicyError
					if errors.As(err, &pe) && pe.Path != "" {
						return fmt.Errorf("%s: %s.%s: %s", path, field, pe.Path, pe.Msg)
					}
					return fmt.Errorf("%s: %s: %v", path, field, err)
				}
				pol.Source = arn + " resource policy"
				m.SetResourcePolicy(arn, pol)
				if strings.Contains(arn, ":s3:::") && a.Account != "" {
					m.SetResourceOwner(arn, a.Account)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
